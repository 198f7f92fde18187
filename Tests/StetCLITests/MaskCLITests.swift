import Foundation
import XCTest
import PixelCore

/// `stet mask`, `stet inpaint` and `stet patch` run as a user runs them.
final class MaskCLITests: XCTestCase {
    private func run(_ args: [String]) throws -> StetRun {
        try Stet.run(args + ["--no-log"])
    }

    /// A deterministic noisy picture, written as PNG.
    private func picture(_ dir: URL, _ name: String, width: Int, height: Int, bands: Int = 3, seed: UInt64 = 1) throws -> String {
        var state = seed
        var bytes = [UInt8](repeating: 0, count: width * height * bands)
        for i in bytes.indices {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            bytes[i] = UInt8(truncatingIfNeeded: state >> 56)
        }
        let path = dir.appendingPathComponent(name).path
        try PixelRaster(width: width, height: height, bands: bands, bytes: bytes).image().save(path)
        return path
    }

    private func raster(_ path: String) throws -> PixelRaster { try PixelRaster(Image.decode(path)) }
    /// A one-band mask file's values (decode widens grey to sRGB; Mask reads it back to one band).
    private func grey(_ path: String) throws -> [UInt8] { try Mask.load(path).values }

    func testStabilityMaskIsWhiteOnBlackWithGreyEdges() throws {
        let dir = try Stet.tempDir()
        let image = try picture(dir, "in.png", width: 120, height: 90)
        let out = dir.appendingPathComponent("m.png").path
        let r = try run(["mask", image, "--ellipse", "60,45,20,15", "--rect", "0,0,10,10", "--for", "stability", "-o", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("\(out): stability mask 120x90, "), r.stdout)
        XCTAssertEqual(try Image.open(out).bands, 1)
        let m = try grey(out)
        XCTAssertEqual(m[45 * 120 + 60], 255)
        XCTAssertEqual(m[5 * 120 + 5], 255)
        XCTAssertEqual(m[80 * 120 + 110], 0)
        XCTAssertTrue(m.contains { $0 > 0 && $0 < 255 })
    }

    func testIdeogramEditMaskIsBlackWhereEditedAndOpenAIIsTransparent() throws {
        let dir = try Stet.tempDir()
        let image = try picture(dir, "in.png", width: 80, height: 60)
        let ideo = dir.appendingPathComponent("i.png").path, openai = dir.appendingPathComponent("o.png").path
        XCTAssertEqual(try run(["mask", image, "--rect", "10,10,20,20", "--for", "ideogram-edit", "-o", ideo]).status, 0)
        XCTAssertEqual(try run(["mask", image, "--rect", "10,10,20,20", "--for", "openai", "-o", openai]).status, 0)
        let i = try grey(ideo), o = try raster(openai), src = try raster(image)
        XCTAssertEqual(i[15 * 80 + 15], 0)
        XCTAssertEqual(i[50 * 80 + 70], 255)
        XCTAssertEqual(o.bands, 4)
        XCTAssertEqual(o.bytes[(15 * 80 + 15) * 4 + 3], 0)
        XCTAssertEqual(o.bytes[(50 * 80 + 70) * 4 + 3], 255)
        XCTAssertEqual(Array(o.bytes[(50 * 80 + 70) * 4..<(50 * 80 + 70) * 4 + 3]), Array(src.bytes[(50 * 80 + 70) * 3..<(50 * 80 + 70) * 3 + 3]))
    }

    func testPreflightFailureWritesNothing() throws {
        let dir = try Stet.tempDir()
        let image = try picture(dir, "in.png", width: 50, height: 50)
        let out = dir.appendingPathComponent("m.png").path
        let r = try run(["mask", image, "--rect", "10,10,5,5", "--for", "stability", "-o", out])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "stet: \(out): Stability needs every side at least 64 px but the image is 50x50; use --region (it pads the crop to the API's sizes) or upscale the image\n")
        XCTAssertEqual(Stet.listing(dir), ["in.png"])
        // With --region the crop is scaled up to the API's minimum instead.
        let ok = try run(["mask", image, "--rect", "10,10,5,5", "--for", "stability", "--region", "-o", out])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertEqual(try raster(out).width, 64)
        XCTAssertEqual(Stet.listing(dir), ["in.png", "m.image.png", "m.png", "m.region.json"])
    }

    func testUsageErrors() throws {
        let dir = try Stet.tempDir()
        let image = try picture(dir, "in.png", width: 40, height: 40)
        let out = dir.appendingPathComponent("m.png").path
        let none = try run(["mask", image, "-o", out])
        XCTAssertEqual(none.status, 2)
        XCTAssertTrue(none.stderr.contains("Expected at least one of --rect, --ellipse, --polygon, --strokes, --from-alpha or --from-color but received none"), none.stderr)
        let bad = try run(["mask", image, "--rect", "1,2,3", "-o", out])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("Expected X,Y,W,H with positive W and H for rect but received 1,2,3"), bad.stderr)
        let api = try run(["mask", image, "--rect", "1,2,3,4", "--for", "dalle", "-o", out])
        XCTAssertEqual(api.status, 2)
        XCTAssertTrue(api.stderr.contains("Expected one of canonical, openai, stability, flux, ideogram-edit, ideogram-remove for for but received dalle"), api.stderr)
        let jpeg = try run(["inpaint", image, "--mask", image, "-o", dir.appendingPathComponent("o.jpg").path])
        XCTAssertEqual(jpeg.status, 2)
        XCTAssertTrue(jpeg.stderr.contains("Expected a png or tif output for output but received"), jpeg.stderr)
        let same = try run(["inpaint", image, "--mask", out, "-o", image])
        XCTAssertEqual(same.status, 2)
        XCTAssertEqual(same.stderr, "stet: Output \(image) is also an input; choose another output path\n")
    }

    func testInpaintErrorsWordForWord() throws {
        let dir = try Stet.tempDir()
        let image = try picture(dir, "in.png", width: 60, height: 40)
        let empty = dir.appendingPathComponent("empty.png").path
        try PixelRaster(width: 60, height: 40, bands: 1).image().save(empty)
        let out = dir.appendingPathComponent("out.png").path
        let r = try run(["inpaint", image, "--mask", empty, "-o", out])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "stet: \(empty): mask is empty (every pixel is 0); nothing to inpaint\n")
        let wrong = dir.appendingPathComponent("wrong.png").path
        try PixelRaster(width: 30, height: 40, bands: 1, fill: 255).image().save(wrong)
        let w = try run(["inpaint", image, "--mask", wrong, "-o", out])
        XCTAssertEqual(w.stderr, "stet: \(wrong): mask is 30x40 but \(image) is 60x40; a mask must be the image's size\n")
        let full = dir.appendingPathComponent("full.png").path
        try PixelRaster(width: 60, height: 40, bands: 1, fill: 255).image().save(full)
        let f = try run(["inpaint", image, "--mask", full, "-o", out])
        XCTAssertEqual(f.stderr, "stet: \(full): mask covers 100.0% of the image; that is a regeneration, not a defect fill (inpaint takes masks up to 50%)\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }

    func testInpaintLeavesTheOutsideIdentical() throws {
        let dir = try Stet.tempDir()
        let image = try picture(dir, "in.png", width: 100, height: 70, bands: 4)
        let mask = dir.appendingPathComponent("m.png").path, out = dir.appendingPathComponent("out.png").path
        XCTAssertEqual(try run(["mask", image, "--ellipse", "50,35,10,8", "-o", mask]).status, 0)
        let r = try run(["inpaint", image, "--mask", mask, "-o", out])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("0 outside the mask"), r.stdout)
        let a = try raster(image), b = try raster(out), m = try grey(mask)
        XCTAssertEqual(b.bands, 4)
        var changed = 0
        for i in 0..<(100 * 70) {
            let same = Array(a.bytes[i * 4..<i * 4 + 4]) == Array(b.bytes[i * 4..<i * 4 + 4])
            if m[i] == 0 { XCTAssertTrue(same, "pixel \(i)") }
            if !same { changed += 1 }
        }
        XCTAssertGreaterThan(changed, 200)
        // --png-compression changes the encoding, never the pixels; out of range is a usage error.
        let fast = dir.appendingPathComponent("fast.png").path
        let c1 = try run(["inpaint", image, "--mask", mask, "-o", fast, "--png-compression", "1"])
        XCTAssertEqual(c1.status, 0, c1.stderr)
        XCTAssertEqual(try raster(fast).bytes, b.bytes)
        let bad = try run(["inpaint", image, "--mask", mask, "-o", fast, "--png-compression", "10"])
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("Expected integer between 0 and 9 for png-compression but received 10"), bad.stderr)
    }

    /// mask --region, edit the crop, patch it back: only masked pixels change.
    func testRegionRoundTripChangesOnlyMaskedPixels() throws {
        let dir = try Stet.tempDir()
        let image = try picture(dir, "photo.png", width: 300, height: 200)
        let mask = dir.appendingPathComponent("hand.png").path
        let made = try run(["mask", image, "--ellipse", "150,90,25,18", "--for", "flux", "--region", "-o", mask])
        XCTAssertEqual(made.status, 0, made.stderr)
        let regionPath = dir.appendingPathComponent("hand.region.json").path
        let region = try JSONDecoder().decode(RegionFile.self, from: Data(contentsOf: URL(fileURLWithPath: regionPath)))
        XCTAssertEqual(region.api, .flux)
        XCTAssertEqual(region.box.width % 64, 0)
        XCTAssertEqual(region.box.height % 64, 0)
        // "The paid call": invert every pixel of the crop.
        var crop = try raster(dir.appendingPathComponent("hand.image.png").path)
        XCTAssertEqual(crop.width, region.box.width)
        for i in crop.bytes.indices { crop.bytes[i] = 255 - crop.bytes[i] }
        let edited = dir.appendingPathComponent("edited.png").path
        try crop.image().save(edited)
        let out = dir.appendingPathComponent("final.png").path
        let patched = try run(["patch", image, "--with", edited, "--region", regionPath, "-o", out])
        XCTAssertEqual(patched.status, 0, patched.stderr)
        XCTAssertTrue(patched.stdout.contains("all inside the mask"), patched.stdout)
        let base = try raster(image), result = try raster(out)
        let canonical = Mask.render([.ellipse(cx: 150, cy: 90, rx: 25, ry: 18)], width: 300, height: 200)
        var changed = 0
        for i in 0..<(300 * 200) {
            let same = Array(base.bytes[i * 3..<i * 3 + 3]) == Array(result.bytes[i * 3..<i * 3 + 3])
            if canonical.values[i] == 0 { XCTAssertTrue(same, "pixel \(i % 300),\(i / 300) outside the mask changed") }
            if canonical.values[i] == 255 {
                XCTAssertEqual(result.bytes[i * 3], 255 - base.bytes[i * 3], "pixel \(i % 300),\(i / 300)")
            }
            if !same { changed += 1 }
        }
        XCTAssertTrue(patched.stdout.hasPrefix("\(out): \(changed) pixels changed"), patched.stdout)
    }

    func testPatchRefusesAWholeFrameOfTheWrongSize() throws {
        let dir = try Stet.tempDir()
        let image = try picture(dir, "base.png", width: 64, height: 48)
        let small = try picture(dir, "small.png", width: 32, height: 32)
        let mask = dir.appendingPathComponent("m.png").path
        XCTAssertEqual(try run(["mask", image, "--rect", "4,4,8,8", "-o", mask]).status, 0)
        let out = dir.appendingPathComponent("out.png").path
        let r = try run(["patch", image, "--with", small, "--mask", mask, "-o", out])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "stet: \(small): is 32x32 but \(image) is 64x48; a whole-frame patch must be the base image's size (for a region crop pass --region region.json)\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        let none = try run(["patch", image, "--with", small, "-o", out])
        XCTAssertEqual(none.status, 2)
        XCTAssertTrue(none.stderr.contains("Expected --mask or --region but received neither"), none.stderr)
    }
}
