import Foundation
import PixelCore
import StetSupport
import XCTest

/// A strict JPEG load is Stet's own one-pass decode (check and pixels at once); `--lenient`
/// keeps libvips' `jpegload`. The two must give the same pixels, or the speed-up changed what
/// users get.
final class JPEGDecodeTests: XCTestCase {
    let jpegs = ["candidate-1.jpg", "cmyk.jpg", "grey.jpg", "orientation-6.jpg", "grid-2x2-seamless.jpg"]
    let lenient = LoadOptions(failOn: .none)

    func testFullDecodeMatchesLibvips() throws {
        for name in jpegs {
            let ours = try Image.decode(Fixture.path(name))
            let theirs = try Image.decode(Fixture.path(name), options: lenient)
            XCTAssertEqual([ours.width, ours.height, ours.bands], [theirs.width, theirs.height, theirs.bands], name)
            XCTAssertEqual(ours.interpretation, theirs.interpretation, name)
            XCTAssertGreaterThanOrEqual(try Pixels.psnr(ours, theirs), 60, name)
        }
    }

    /// Every shrink-on-load factor (8, 4, 2, 1 and a crop), against libvips' `thumbnail` on the file.
    func testThumbnailMatchesLibvipsAtEveryShrink() throws {
        let cases: [(String, Int, Int?, Thumbnail.Crop?)] = [
            ("candidate-1.jpg", 24, nil, nil), ("candidate-1.jpg", 60, nil, nil), ("candidate-1.jpg", 130, nil, nil),
            ("candidate-1.jpg", 400, nil, nil), ("orientation-6.jpg", 40, 40, nil), ("cmyk.jpg", 70, nil, nil),
            ("grey.jpg", 50, nil, nil), ("candidate-1.jpg", 90, 30, .centre),
        ]
        for (name, w, h, crop) in cases {
            let label = "\(name) \(w)x\(h ?? w) \(crop?.rawValue ?? "")"
            let ours = try Thumbnail(Fixture.path(name), width: w, height: h, crop: crop).run()
            let theirs = try Thumbnail(Fixture.path(name), width: w, height: h, crop: crop, options: lenient).run()
            XCTAssertEqual([ours.width, ours.height, ours.bands], [theirs.width, theirs.height, theirs.bands], label)
            XCTAssertGreaterThanOrEqual(try Pixels.psnr(ours, theirs), 60, label)
        }
    }

    func testDamageIsFoundByTheDecodeItself() throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: Fixture.path("candidate-1.jpg")))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("stet-jpegdecode-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // Cut inside the scan: the marker walk says truncated. Bytes garbled inside the scan
        // (length kept): only the entropy decode can tell.
        let cut = dir.appendingPathComponent("cut.jpg").path
        try bytes.prefix(bytes.count * 3 / 4).write(to: URL(fileURLWithPath: cut))
        var garbled = [UInt8](bytes)
        for i in stride(from: garbled.count / 2, to: garbled.count / 2 + 400, by: 7) where garbled[i] != 0xFF { garbled[i] ^= 0x5A }
        let bad = dir.appendingPathComponent("garbled.jpg").path
        try Data(garbled).write(to: URL(fileURLWithPath: bad))
        for path in [cut, bad] {
            for attempt in [{ _ = try Image.decode(path) }, { _ = try Thumbnail(path, width: 40).run() }] {
                XCTAssertThrowsError(try attempt(), path) { error in
                    let text = named(error, [.source: path])
                    XCTAssertTrue(text.hasPrefix("\(path): "), text)
                    XCTAssertTrue(text.contains("JPEG ("), text)
                    XCTAssertTrue(text.hasSuffix("; --lenient decodes what is there"), text)
                }
            }
        }
        XCTAssertEqual(named(try XCTUnwrap(Result { try Image.decode(cut) }.failure), [.source: cut]),
                       "\(cut): truncated JPEG (premature end of data); --lenient decodes what is there")
    }
}

private extension Result where Success == Image, Failure == Error {
    var failure: Error? { if case .failure(let e) = self { return e } else { return nil } }
}
