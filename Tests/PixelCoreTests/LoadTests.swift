import Foundation
import PixelCore
import StetSupport
import XCTest

final class LoadTests: XCTestCase {
    func testExifOrientationIsApplied() throws {
        let header = try Image.open(Fixture.path("orientation-6.jpg"))
        XCTAssertEqual(header.orientation, 6)
        XCTAssertEqual([header.width, header.height], [400, 300])
        let thumb = try Thumbnail(Fixture.path("orientation-6.jpg"), width: 200, height: 200).run().materialized()
        XCTAssertEqual([thumb.width, thumb.height], [150, 200])
        // The red stripe was on the left of the stored image; upright it is on top.
        let top = try Pixels.mean(thumb, x: 0, y: 0, width: 150, height: 40)
        let bottom = try Pixels.mean(thumb, x: 0, y: 160, width: 150, height: 40)
        XCTAssertGreaterThan(top[0], 200)
        XCTAssertLessThan(top[1], 60)
        XCTAssertLessThan(bottom[0] - bottom[2], 150)
    }

    func testAlphaIsKept() throws {
        let thumb = try Thumbnail(Fixture.path("alpha.png"), width: 160, height: 160).run().materialized()
        XCTAssertEqual(thumb.bands, 4)
        XCTAssertEqual(thumb.interpretation, .srgb)
        XCTAssertEqual(try Pixels.mean(thumb, x: 0, y: 0, width: 4, height: 4)[3], 0)
        XCTAssertEqual(try Pixels.mean(thumb, x: 78, y: 58, width: 4, height: 4)[3], 255)
    }

    func testSixteenBitIsScaledToEightBit() throws {
        let image = try Image.decode(Fixture.path("rgb16.png"))
        XCTAssertEqual(image.format, .uchar)
        XCTAssertEqual(image.interpretation, .srgb)
        let left = try Pixels.mean(image, x: 0, y: 10, width: 1, height: 1)
        let right = try Pixels.mean(image, x: 255, y: 10, width: 1, height: 1)
        let mid = try Pixels.mean(image, x: 128, y: 10, width: 1, height: 1)
        XCTAssertEqual(left[0], 0, accuracy: 1)
        XCTAssertEqual(right[0], 255, accuracy: 1)
        XCTAssertEqual(mid[0], 128, accuracy: 2)     // scaled by 1/257, not clipped to 255
        XCTAssertEqual(mid[1], 128, accuracy: 1)
        XCTAssertEqual(left[2], 255, accuracy: 1)
    }

    func testGreyBecomesThreeBandSRGB() throws {
        let image = try Image.decode(Fixture.path("grey.jpg"))
        XCTAssertEqual(image.bands, 3)
        XCTAssertEqual(image.interpretation, .srgb)
        let m = try Pixels.mean(image)
        XCTAssertEqual(m[0], m[1], accuracy: 0.01)
        XCTAssertEqual(m[1], m[2], accuracy: 0.01)
    }

    func testCMYKIsConvertedThroughItsProfile() throws {
        let header = try Image.open(Fixture.path("cmyk.jpg"))
        XCTAssertEqual(header.interpretation, .cmyk)
        XCTAssertTrue(header.hasICCProfile)
        let thumb = try Thumbnail(Fixture.path("cmyk.jpg"), width: 320, height: 320).run().materialized()
        XCTAssertEqual(thumb.bands, 3)
        XCTAssertEqual(thumb.interpretation, .srgb)
        // The fixture's top-left corner is its base hue, orange (200, 90, 30) under noise and blobs:
        // red clearly above green above blue once converted back.
        let corner = try Pixels.mean(thumb, x: 0, y: 0, width: 12, height: 12)
        XCTAssertGreaterThan(corner[0], corner[1] + 40)
        XCTAssertGreaterThan(corner[1], corner[2])
    }

    func testTruncatedJPEGFailsUnlessLenient() throws {
        let path = Fixture.path("truncated.jpg")
        XCTAssertThrowsError(try Image.decode(path)) { error in
            XCTAssertTrue(named(error, [.source: path]).hasPrefix("\(path): "), "\(error)")
        }
        let lenient = try Image.decode(path, options: LoadOptions(failOn: .none))
        XCTAssertEqual([lenient.width, lenient.height], [640, 480])
    }

    func testFormatIsJudgedFromBytes() {
        let path = Fixture.path("not-an-image.png")
        XCTAssertThrowsError(try Image.open(path)) { error in
            XCTAssertEqual(named(error, [.source: path]), "\(path): is not an image in a format Stet can read")
        }
    }

    func testPixelCapIsCheckedAgainstTheHeader() {
        let path = Fixture.path("huge-declared.png")
        XCTAssertThrowsError(try Thumbnail(path, width: 100).run()) { error in
            XCTAssertEqual(named(error, [.source: path]),
                           "\(path): image of 100000x100000 pixels exceeds the pixel limit of 268402689 (see --limit-pixels)")
        }
        XCTAssertThrowsError(try Image.open(Fixture.path("candidate-1.jpg"), options: LoadOptions(limitPixels: 1000))) { error in
            XCTAssertTrue(rendered(error).hasSuffix("image of 960x720 pixels exceeds the pixel limit of 1000 (see --limit-pixels)"))
        }
    }

    /// The PNG zlib level changes the file, never the pixels: a 256×256 gradient stored at
    /// level 0 is the raw 196,608 bytes plus headers; level 9 is smaller (measured 139,554).
    func testPNGCompressionLevel() throws {
        var bytes = [UInt8](repeating: 0, count: 256 * 256 * 3)
        for i in 0..<(256 * 256) { bytes[i * 3] = UInt8(i % 256); bytes[i * 3 + 1] = UInt8(i / 256); bytes[i * 3 + 2] = 90 }
        let image = try Image.fromPixels(bytes, width: 256, height: 256, bands: 3).copyInterpretation(.srgb)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("stet-png-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var sizes: [Int] = []
        for level in [0, 9] {
            let path = dir.appendingPathComponent("l\(level).png").path
            try image.save(path, encoding: Encoding(compression: level))
            XCTAssertEqual(try Image.decode(path).pixels(), bytes, "level \(level)")
            sizes.append(try Data(contentsOf: URL(fileURLWithPath: path)).count)
        }
        XCTAssertGreaterThan(sizes[0], 256 * 256 * 3, "\(sizes)")
        XCTAssertLessThan(sizes[1] * 5, sizes[0] * 4, "\(sizes)")
    }

    func testSaveIsAtomicAndStripsMetadata() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("save-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("o.jpg").path
        let img = try Image.decode(Fixture.path("orientation-6.jpg"))
        try img.save(out, encoding: Encoding(quality: 80))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["o.jpg"])
        let back = try Image.open(out)
        XCTAssertEqual([back.width, back.height], [300, 400])
        XCTAssertFalse(back.hasField("exif-data"))
        XCTAssertThrowsError(try img.save(dir.appendingPathComponent("o.bmpx").path)) { error in
            XCTAssertTrue("\(error)".contains("unsupported output format \"bmpx\""), "\(error)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["o.jpg"])
    }
}

final class UntrustedLoaderTests: XCTestCase {
    /// A BMP only ImageMagick's bridge reads: Stet does not load that module at all, and blocks
    /// its loader where it is loaded (InfoCLITests checks that case with VIPSHOME set).
    func testUntrustedLoadersAreBlocked() {
        let path = Fixture.path("untrusted.bmp")
        // The library loads libvips' modules as libvips does unless the application names a
        // module cache (the CLI does, and then nothing can read a BMP: InfoCLITests); either
        // way the ImageMagick loader is refused.
        XCTAssertThrowsError(try Image.open(path)) { error in
            XCTAssertTrue(["\(path): is not an image in a format Stet can read",
                           "\(path): needs the magickload loader, which Stet blocks as untrusted"].contains(named(error, [.source: path])),
                          rendered(error))
        }
    }
}
