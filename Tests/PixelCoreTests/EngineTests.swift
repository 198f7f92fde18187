import Foundation
@testable import PixelCore
import StetSupport
import XCTest

final class EngineTests: XCTestCase {
    /// A few thousand operations, every image released: libvips' own count of live objects
    /// returns to where it started once the operation cache is dropped.
    func testNoReferenceLeaksOverThousandsOfOperations() throws {
        Vips.start()
        Vips.dropCache()
        let before = Vips.liveObjectCount()
        for i in 0..<1000 {
            do {
                let canvas = try Image.solid(width: 32, height: 24, colour: Colour(Double(i % 256), 10, 20))
                let framed = try canvas.embedded(x: 2, y: 2, width: 40, height: 30)
                let cut = try framed.cropped(x: 1, y: 1, width: 8, height: 8)
                XCTAssertEqual(try cut.pixels().count, 8 * 8 * 3)
            }
            // a failing operation must release everything too
            XCTAssertThrowsError(try Operation("embed").with("x", .int(1)).image())
        }
        Vips.dropCache()
        XCTAssertEqual(Vips.liveObjectCount(), before)
    }

    func testErrorsNameTheOperationAndTheBufferIsClearedOnRead() throws {
        XCTAssertThrowsError(try Operation("no_such_operation").image()) { error in
            XCTAssertTrue("\(error)".hasPrefix("no_such_operation: "), "\(error)")
        }
        let image = try Image.solid(width: 10, height: 10, colour: Colour(1, 2, 3))
        XCTAssertThrowsError(try image.cropped(x: 5, y: 5, width: 10, height: 10)) { error in
            XCTAssertTrue("\(error)".hasPrefix("extract_area: "), "\(error)")
            // The previous failure's text is gone: the buffer was cleared when it was read.
            XCTAssertFalse("\(error)".contains("no_such_operation"), "\(error)")
            XCTAssertFalse("\(error)".contains("\n"))
        }
    }

    func testUnsetOptionalArgumentsKeepLibvipsDefaults() throws {
        // embed's `extend` defaults to black in libvips; Stet leaves it unset.
        let white = try Image.solid(width: 4, height: 4, colour: Colour(255, 255, 255))
        let framed = try white.embedded(x: 2, y: 2, width: 8, height: 8)
        XCTAssertEqual(try Pixels.mean(framed, x: 0, y: 0, width: 2, height: 2), [0, 0, 0])
        XCTAssertEqual(try Pixels.mean(framed, x: 2, y: 2, width: 4, height: 4), [255, 255, 255])
    }

    func testPixelsRoundTripThroughMemoryCopy() throws {
        var bytes = [UInt8]()
        for i in 0..<(5 * 3 * 3) { bytes.append(UInt8(i * 5)) }
        let image = try Image.fromPixels(bytes, width: 5, height: 3, bands: 3)
        bytes = []   // the image owns a copy
        XCTAssertEqual(try image.pixels().count, 45)
        XCTAssertEqual(try image.pixels()[44], 220)
    }
}
