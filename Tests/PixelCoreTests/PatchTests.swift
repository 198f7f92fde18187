import Foundation
import XCTest
@testable import PixelCore
import StetSupport

final class PatchTests: XCTestCase {
    private func noise(width: Int, height: Int, bands: Int, seed: UInt64) -> PixelRaster {
        var rng = SplitMix(seed)
        return PixelRaster(width: width, height: height, bands: bands,
                           bytes: (0..<(width * height * bands)).map { _ in UInt8(truncatingIfNeeded: rng.next() % 200 + 20) })
    }

    func testWholeFramePatchChangesOnlyPixelsUnderTheFeatheredMask() throws {
        let base = noise(width: 80, height: 60, bands: 3, seed: 1)
        let edited = noise(width: 80, height: 60, bands: 3, seed: 2)
        let mask = Mask.render([.rect(x: 20, y: 20, width: 30, height: 20)], width: 80, height: 60)
        let job = PatchBack(feather: 6)
        let (out, report) = try job.run(base: base, edited: edited, box: Rect(x: 0, y: 0, width: 80, height: 60), mask: mask)
        let soft = mask.feathered(by: 6)
        var changed = 0
        for i in 0..<(80 * 60) {
            let same = Array(out.bytes[i * 3..<i * 3 + 3]) == Array(base.bytes[i * 3..<i * 3 + 3])
            if soft.values[i] == 0 { XCTAssertTrue(same, "pixel \(i) outside the feathered mask changed") }
            if soft.values[i] == 255 { XCTAssertEqual(Array(out.bytes[i * 3..<i * 3 + 3]), Array(edited.bytes[i * 3..<i * 3 + 3])) }
            if !same { changed += 1 }
        }
        XCTAssertEqual(report.changedPixels, changed)
        XCTAssertEqual(report.maskedPixels, soft.editedPixelCount)
        XCTAssertGreaterThan(report.maskedPixels, mask.editedPixelCount)   // the feather widens it
    }

    func testRegionCropIsPlacedAtItsBox() throws {
        let base = noise(width: 100, height: 80, bands: 4, seed: 3)
        let box = Rect(x: 30, y: 20, width: 40, height: 30)
        let edited = PixelRaster(width: 40, height: 30, bands: 3, fill: 9)
        let mask = Mask.render([.ellipse(cx: 50, cy: 35, rx: 10, ry: 8)], width: 100, height: 80)
        let (out, report) = try PatchBack().run(base: base, edited: edited, box: box, mask: mask)
        XCTAssertEqual(out.bands, 4)
        let centre = (35 * 100 + 50) * 4
        XCTAssertEqual(Array(out.bytes[centre..<centre + 3]), [9, 9, 9])
        XCTAssertEqual(out.bytes[centre + 3], base.bytes[centre + 3], "BASE's alpha is kept")
        XCTAssertEqual(report.maskedPixels, mask.editedPixelCount)
    }

    func testMatchColourRemovesABrightnessAndContrastDrift() throws {
        let base = noise(width: 90, height: 70, bands: 3, seed: 4)
        var drifted = base
        for i in drifted.bytes.indices { drifted.bytes[i] = UInt8(min(255, Double(base.bytes[i]) * 0.9 + 25)) }
        let mask = Mask.render([.rect(x: 30, y: 25, width: 30, height: 20)], width: 90, height: 70)
        let full = Rect(x: 0, y: 0, width: 90, height: 70)
        let (plain, _) = try PatchBack().run(base: base, edited: drifted, box: full, mask: mask)
        let (matched, report) = try PatchBack(matchColour: true).run(base: base, edited: drifted, box: full, mask: mask)
        var errPlain = 0.0, errMatched = 0.0, n = 0.0
        for i in 0..<(90 * 70) where mask.values[i] == 255 {
            for c in 0..<3 {
                errPlain += abs(Double(plain.bytes[i * 3 + c]) - Double(base.bytes[i * 3 + c]))
                errMatched += abs(Double(matched.bytes[i * 3 + c]) - Double(base.bytes[i * 3 + c]))
                n += 1
            }
        }
        XCTAssertGreaterThan(errPlain / n, 8)
        XCTAssertLessThan(errMatched / n, 1.5)
        let fit = try XCTUnwrap(report.colourCorrection)
        XCTAssertEqual(fit[0].gain, 1 / 0.9, accuracy: 0.03)
    }

    func testRefusalsWordForWord() {
        let base = noise(width: 50, height: 40, bands: 3, seed: 5)
        let full = Rect(x: 0, y: 0, width: 50, height: 40)
        let mask = Mask.render([.rect(x: 10, y: 10, width: 10, height: 10)], width: 50, height: 40)
        XCTAssertThrowsError(try PatchBack().run(base: base, edited: base, box: full, mask: Mask(width: 40, height: 40))) {
            XCTAssertEqual(named($0, [.mask: "m.png", .base: "b.png", .edited: "e.png"]), "m.png: mask is 40x40 but b.png is 50x40; the mask must be the base image's size")
        }
        XCTAssertThrowsError(try PatchBack().run(base: base, edited: base, box: full, mask: Mask(width: 50, height: 40))) {
            XCTAssertEqual(named($0, [.mask: "m.png", .base: "b.png", .edited: "e.png"]), "m.png: mask is empty (every pixel is 0); nothing to patch")
        }
        let crop = PixelRaster(width: 12, height: 12, bands: 3)
        XCTAssertThrowsError(try PatchBack(feather: 4).run(base: base, edited: crop, box: Rect(x: 9, y: 9, width: 12, height: 12), mask: mask)) {
            XCTAssertEqual(named($0, [.mask: "m.png", .base: "b.png", .edited: "e.png"]), "m.png: the feathered mask reaches 4,4,22x22, outside the patch box 9,9,12x12; use a smaller --feather, or make the region with a larger margin")
        }
        XCTAssertThrowsError(try PatchBack().run(base: base, edited: crop, box: Rect(x: 45, y: 30, width: 12, height: 12), mask: mask)) {
            XCTAssertEqual(named($0, [.mask: "m.png", .base: "b.png", .edited: "e.png"]), "e.png: patch box 45,30,12x12 does not fit inside b.png (50x40)")
        }
    }

    func testRegionFileChecksAndFits() throws {
        let plan = RegionPlan.plan(maskBox: Rect(x: 10, y: 10, width: 20, height: 20), width: 200, height: 150, api: .stability)
        let file = RegionFile(plan: plan, source: FileRecord(path: "a.png", sha256: "x", bytes: 1, width: 200, height: 150),
                              image: "m.image.png", mask: "m.png")
        XCTAssertThrowsError(try file.check(baseWidth: 300, baseHeight: 150)) {
            XCTAssertEqual(named($0, [.region: "r.json", .base: "b.png", .edited: "e.png"]), "r.json: was made for a 200x150 image but b.png is 300x150")
        }
        XCTAssertNoThrow(try file.check(baseWidth: 200, baseHeight: 150))
        // An API that answers at twice the size is brought back to the box.
        let doubled = PixelRaster(width: plan.outputWidth * 2, height: plan.outputHeight * 2, bands: 3, fill: 50)
        let fitted = try file.fitEdited(doubled)
        XCTAssertEqual(fitted.width, plan.box.width)
        XCTAssertEqual(fitted.height, plan.box.height)
        XCTAssertThrowsError(try file.fitEdited(PixelRaster(width: 100, height: 40, bands: 3))) {
            XCTAssertEqual(named($0, [.region: "r.json", .base: "b.png", .edited: "e.png"]), "e.png: is 100x40 but the region crop was sent at 128x128; the aspect ratio differs, so it cannot be placed back")
        }
    }
}
