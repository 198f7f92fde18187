import Foundation
import XCTest

final class InfoCLITests: XCTestCase {
    struct Row: Decodable {
        var path: String; var width: Int; var height: Int; var format: String; var bands: Int
        var bitsPerBand: Int; var colourSpace: String; var orientation: Int; var hasAlpha: Bool
        var iccProfile: Bool; var bytes: Int
    }

    func testJSONDescribesEachFileFromItsHeader() throws {
        let files = ["orientation-6.jpg", "alpha.png", "rgb16.png", "cmyk.jpg", "grey.jpg"].map(Stet.fixture)
        let run = try Stet.run(["info", "--json"] + files)
        XCTAssertEqual(run.status, 0, run.stderr)
        // JSON Lines: one object per file, in the order given.
        let rows = try run.stdout.split(separator: "\n").map { try JSONDecoder().decode(Row.self, from: Data($0.utf8)) }
        XCTAssertEqual(rows.map(\.path), files)
        XCTAssertEqual(rows.map { [$0.width, $0.height, $0.bands, $0.bitsPerBand] },
                       [[400, 300, 3, 8], [320, 240, 4, 8], [256, 64, 3, 16], [320, 240, 4, 8], [320, 240, 1, 8]])
        XCTAssertEqual(rows.map(\.format), ["jpeg", "png", "png", "jpeg", "jpeg"])
        XCTAssertEqual(rows.map(\.colourSpace), ["srgb", "srgb", "rgb16", "cmyk", "b-w"])
        XCTAssertEqual(rows.map(\.orientation), [6, 1, 1, 1, 1])
        XCTAssertEqual(rows.map(\.hasAlpha), [false, true, false, false, false])
        XCTAssertEqual(rows[3].iccProfile, true)
        let size = try FileManager.default.attributesOfItem(atPath: files[0])[.size] as! NSNumber
        XCTAssertEqual(rows[0].bytes, size.intValue)
    }

    func testTableAndBadFiles() throws {
        let bad = Stet.fixture("untrusted.bmp")
        let run = try Stet.run(["info", Stet.fixture("grey.jpg"), bad])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stdout.contains("320x240"), run.stdout)
        // Stet leaves libvips' ImageMagick module unloaded (see Vips.trustedModuleHome), so
        // nothing can read a BMP...
        XCTAssertEqual(run.stderr, "stet: \(bad): is not an image in a format Stet can read\nstet: 1 of 2 files failed\n")
        // ...and with every module loaded (VIPSHOME set by the user), the loader is still blocked.
        let all = try Stet.run(["info", bad], env: ["VIPSHOME": "/usr"])
        XCTAssertEqual(all.status, 1)
        XCTAssertTrue(all.stderr == "stet: \(bad): needs the magickload loader, which Stet blocks as untrusted\n"
                      || !FileManager.default.fileExists(atPath: "/usr/lib/x86_64-linux-gnu/vips-modules-8.14/vips-magick.so"),
                      all.stderr)
    }
}
