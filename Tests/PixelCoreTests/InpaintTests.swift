import Foundation
import XCTest
@testable import PixelCore
import StetSupport

final class InpaintTests: XCTestCase {
    /// A smooth colour field: linear ramps plus a gentle quadratic, all well inside 0...255.
    private func gradient(width: Int, height: Int, bands: Int = 3) -> PixelRaster {
        var bytes = [UInt8](repeating: 0, count: width * height * bands)
        for y in 0..<height {
            for x in 0..<width {
                let fx = Double(x) / Double(width), fy = Double(y) / Double(height)
                let v = [30 + 190 * fx, 220 - 150 * fy, 60 + 60 * fx + 60 * fy + 120 * (fx - 0.5) * (fx - 0.5)]
                for c in 0..<min(bands, 3) { bytes[(y * width + x) * bands + c] = UInt8(v[c].rounded()) }
                if bands == 4 { bytes[(y * width + x) * 4 + 3] = UInt8((x * 7 + y * 3) % 256) }
            }
        }
        return PixelRaster(width: width, height: height, bands: bands, bytes: bytes)
    }

    private func noise(width: Int, height: Int, bands: Int, seed: UInt64) -> PixelRaster {
        var rng = SplitMix(seed)
        return PixelRaster(width: width, height: height, bands: bands,
                           bytes: (0..<(width * height * bands)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
    }

    private func holeError(_ a: PixelRaster, _ b: PixelRaster, _ mask: Mask) -> (max: Int, mean: Double) {
        var worst = 0, sum = 0, n = 0
        for i in 0..<(a.width * a.height) where mask.values[i] > 0 {
            for c in 0..<a.colourBands {
                let d = abs(Int(a.bytes[i * a.bands + c]) - Int(b.bytes[i * b.bands + c]))
                worst = max(worst, d); sum += d; n += 1
            }
        }
        return (worst, Double(sum) / Double(max(n, 1)))
    }

    /// Stated tolerance: on a smooth gradient, the fast fill is within 3 levels everywhere in the
    /// hole and within 1 level on average (rounding alone accounts for 0.5).
    func testFastFillsASmoothGradientAlmostExactly() throws {
        let image = gradient(width: 120, height: 90)
        // Binary, so that every marked pixel is wholly replaced (a grey one keeps part of the damage).
        let mask = Mask.render([.ellipse(cx: 60, cy: 45, rx: 18, ry: 12), .rect(x: 10, y: 70, width: 50, height: 4)],
                               width: 120, height: 90).binarized()
        var damaged = image
        for i in 0..<(120 * 90) where mask.values[i] > 0 { for c in 0..<3 { damaged.bytes[i * 3 + c] = 255 } }
        let (out, report) = try Inpaint(method: .fast).run(damaged, mask: mask)
        let err = holeError(image, out, mask)
        XCTAssertLessThanOrEqual(err.max, 3)
        XCTAssertLessThan(err.mean, 1)
        XCTAssertEqual(report.filledPixels, mask.editedPixelCount)
        XCTAssertEqual(report.fastRegions, report.regions)
        // auto chooses the smooth fill here and is as exact.
        let (auto, _) = try Inpaint(method: .auto).run(damaged, mask: mask)
        XCTAssertLessThanOrEqual(holeError(image, auto, mask).max, 3)
    }

    func testEveryMethodLeavesTheOutsideBitIdenticalAndKeepsAlpha() throws {
        let image = noise(width: 96, height: 80, bands: 4, seed: 7)
        let mask = Mask.render([.ellipse(cx: 40, cy: 40, rx: 12, ry: 9), .stroke(points: [SIMD2(5, 5), SIMD2(90, 70)], width: 3)],
                               width: 96, height: 80)
        for method in Inpaint.Method.allCases {
            let (out, report) = try Inpaint(method: method).run(image, mask: mask)
            XCTAssertEqual(out.bands, 4)
            for i in 0..<(96 * 80) {
                XCTAssertEqual(out.bytes[i * 4 + 3], image.bytes[i * 4 + 3], "\(method): alpha at \(i)")
                if mask.values[i] == 0 {
                    XCTAssertEqual(Array(out.bytes[i * 4..<i * 4 + 4]), Array(image.bytes[i * 4..<i * 4 + 4]), "\(method): pixel \(i)")
                }
            }
            XCTAssertGreaterThan(report.changedPixels, 0)
            XCTAssertLessThanOrEqual(report.changedPixels, mask.editedPixelCount)
        }
    }

    func testTextureRebuildsARepeatingPatternThatDiffusionSmears() throws {
        // Vertical stripes, period 6, three colours.
        let w = 90, h = 70
        var bytes = [UInt8](repeating: 0, count: w * h * 3)
        for y in 0..<h { for x in 0..<w {
            let phase = x % 6
            let v: [UInt8] = phase < 2 ? [220, 40, 40] : phase < 4 ? [40, 200, 60] : [30, 30, 210]
            for c in 0..<3 { bytes[(y * w + x) * 3 + c] = v[c] }
        } }
        let image = PixelRaster(width: w, height: h, bands: 3, bytes: bytes)
        let mask = Mask.render([.rect(x: 35, y: 25, width: 16, height: 16)], width: w, height: h)
        let (texture, _) = try Inpaint(method: .texture).run(image, mask: mask)
        let (fast, _) = try Inpaint(method: .fast).run(image, mask: mask)
        let t = holeError(image, texture, mask).mean, f = holeError(image, fast, mask).mean
        XCTAssertLessThan(t, 10, "texture mean error \(t)")
        XCTAssertLessThan(t * 3, f, "texture \(t) vs fast \(f)")
    }

    func testAutoMixesTextureOnlyForThinHolesInDetail() throws {
        var rng = SplitMix(11)
        let w = 120, h = 90
        let detailed = PixelRaster(width: w, height: h, bands: 3,
                                   bytes: (0..<(w * h * 3)).map { _ in UInt8(truncatingIfNeeded: rng.next() % 120 + 60) })
        let scratch = Mask.render([.stroke(points: [SIMD2(10, 20), SIMD2(110, 70)], width: 4)], width: w, height: h)
        let blob = Mask.render([.ellipse(cx: 60, cy: 45, rx: 16, ry: 14)], width: w, height: h)
        XCTAssertEqual(try Inpaint(method: .auto).run(detailed, mask: scratch).1.textureRegions, 1)
        XCTAssertEqual(try Inpaint(method: .auto).run(detailed, mask: blob).1.textureRegions, 0)
        XCTAssertEqual(try Inpaint(method: .auto).run(gradient(width: w, height: h), mask: scratch).1.textureRegions, 0)
    }

    func testGreyMaskEdgesAreFilledNotBlended() throws {
        let image = gradient(width: 40, height: 40)
        var damaged = image
        var mask = Mask(width: 40, height: 40)
        for y in 15..<25 { for x in 15..<25 { mask.values[y * 40 + x] = 255 } }
        mask.values[20 * 40 + 14] = 40
        for c in 0..<3 { damaged.bytes[(20 * 40 + 14) * 3 + c] = 0 }
        let (out, _) = try Inpaint(method: .fast).run(damaged, mask: mask)
        let i = (20 * 40 + 14) * 3
        for c in 0..<3 {
            // The damage under a faint mask value is replaced by the fill, close to the truth.
            XCTAssertEqual(Double(out.bytes[i + c]), Double(image.bytes[i + c]), accuracy: 2)
        }
    }

    func testOnlyBoxesAroundTheHolesAreProcessed() throws {
        let image = gradient(width: 600, height: 400)
        let mask = Mask.render([.ellipse(cx: 50, cy: 50, rx: 6, ry: 6), .ellipse(cx: 550, cy: 350, rx: 6, ry: 6)],
                               width: 600, height: 400)
        let (_, report) = try Inpaint(method: .fast).run(image, mask: mask)
        XCTAssertEqual(report.regions, 2)
        XCTAssertLessThan(report.processedPixels, 2 * 30 * 30)
        let (_, auto) = try Inpaint(method: .auto).run(image, mask: mask)
        XCTAssertLessThan(auto.processedPixels, 600 * 400 / 10)
    }

    /// The job's errors name its files by role, never by the paths it was handed: the caller
    /// (the CLI) puts those in, so the same error reads right for a library user's own names.
    func testJobErrorsCarryRolesNotPaths() throws {
        let dir = NSTemporaryDirectory() + "stet-roles-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let image = dir + "/shot.png", mask = dir + "/holes.png"
        try gradient(width: 50, height: 40).image().save(image)
        try Mask(width: 40, height: 40).image().save(mask)
        XCTAssertThrowsError(try InpaintJob(.init()).run(input: image, mask: mask, output: dir + "/out.png")) { error in
            XCTAssertEqual(error as? StetError, .file(.mask, "mask is 40x40 but \(FileRole.source) is 50x40; a mask must be the image's size"))
            XCTAssertFalse("\(error)".contains(dir))
            XCTAssertEqual(named(error, [.source: "a.png", .mask: "m.png"]), "m.png: mask is 40x40 but a.png is 50x40; a mask must be the image's size")
        }
        XCTAssertThrowsError(try InpaintJob(.init()).run(input: dir + "/none.png", mask: mask, output: dir + "/out.png")) { error in
            XCTAssertEqual(error as? StetError, .file(.source, "no such file"))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/out.png"))
    }

    func testErrorsWordForWord() {
        let image = gradient(width: 50, height: 40)
        XCTAssertThrowsError(try Inpaint().run(image, mask: Mask(width: 50, height: 40), )) {
            XCTAssertEqual(named($0, [.mask: "m.png", .source: "i.png"]), "m.png: mask is empty (every pixel is 0); nothing to inpaint")
        }
        XCTAssertThrowsError(try Inpaint().run(image, mask: Mask(width: 40, height: 50), )) {
            XCTAssertEqual(named($0, [.mask: "m.png", .source: "i.png"]), "m.png: mask is 40x50 but i.png is 50x40; a mask must be the image's size")
        }
        let big = Mask.render([.rect(x: 0, y: 0, width: 30, height: 40)], width: 50, height: 40)
        XCTAssertThrowsError(try Inpaint().run(image, mask: big, )) {
            XCTAssertEqual(named($0, [.mask: "m.png", .source: "i.png"]), "m.png: mask covers 60.0% of the image; that is a regeneration, not a defect fill (inpaint takes masks up to 50%)")
        }
    }

    func testHolesTouchingTheFrameEdgeAreFilled() throws {
        let image = gradient(width: 64, height: 48)
        let mask = Mask.render([.rect(x: 0, y: 0, width: 8, height: 8), .rect(x: 58, y: 20, width: 6, height: 10)], width: 64, height: 48)
        for method in Inpaint.Method.allCases {
            let (out, _) = try Inpaint(method: method).run(image, mask: mask)
            XCTAssertLessThan(holeError(image, out, mask).mean, 8, "\(method)")
        }
    }
}
