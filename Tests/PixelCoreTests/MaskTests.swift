import Foundation
import XCTest
@testable import PixelCore
import StetSupport

final class MaskTests: XCTestCase {
    private func value(_ m: Mask, _ x: Int, _ y: Int) -> Int { Int(m.values[y * m.width + x]) }
    private func area(_ m: Mask) -> Double { Double(m.values.reduce(0) { $0 + Int($1) }) / 255 }

    func testRectIsExactOnPixelEdgesAndAntialiasedBetween() {
        let m = Mask.render([.rect(x: 2, y: 3, width: 4, height: 5)], width: 10, height: 10)
        for y in 0..<10 {
            for x in 0..<10 {
                let inside = (2..<6).contains(x) && (3..<8).contains(y)
                XCTAssertEqual(value(m, x, y), inside ? 255 : 0, "pixel \(x),\(y)")
            }
        }
        // Half a pixel covered on the left and right edges: 8 of 16 samples.
        let half = Mask.render([.rect(x: 1.5, y: 1, width: 2, height: 1)], width: 6, height: 3)
        XCTAssertEqual(value(half, 1, 1), 128)
        XCTAssertEqual(value(half, 2, 1), 255)
        XCTAssertEqual(value(half, 3, 1), 128)
        XCTAssertEqual(value(half, 4, 1), 0)
        XCTAssertEqual(value(half, 2, 0), 0)
    }

    func testEllipseAreaAndEdges() {
        let m = Mask.render([.ellipse(cx: 50, cy: 50, rx: 20, ry: 10)], width: 100, height: 100)
        XCTAssertEqual(area(m), Double.pi * 200, accuracy: Double.pi * 200 * 0.01)
        XCTAssertEqual(value(m, 50, 50), 255)
        XCTAssertEqual(value(m, 71, 50), 0)
        XCTAssertEqual(value(m, 50, 61), 0)
        // Anti-aliased: some edge pixels are neither 0 nor 255.
        XCTAssertTrue(m.values.contains { $0 > 0 && $0 < 255 })
        // Symmetric about the centre.
        XCTAssertEqual(value(m, 35, 45), value(m, 64, 54))
    }

    func testPolygonTriangleArea() throws {
        let m = Mask.render([try MaskShape.polygon(parsing: "0,0,10,0,0,7")], width: 12, height: 12)
        XCTAssertEqual(area(m), 35, accuracy: 0.5)
        XCTAssertEqual(value(m, 1, 1), 255)
        XCTAssertEqual(value(m, 8, 5), 0)
    }

    func testStrokeHasTheBrushWidthAndRoundCaps() throws {
        let json = Data(#"{"strokes": [{"width": 6, "points": [[10, 20], [50, 20]]}]}"#.utf8)
        let shapes = try MaskShape.strokes(json: json)
        let m = Mask.render(shapes, width: 64, height: 40)
        XCTAssertEqual(value(m, 30, 17), 255)
        XCTAssertEqual(value(m, 30, 22), 255)
        XCTAssertEqual(value(m, 30, 23), 0)
        XCTAssertEqual(value(m, 30, 16), 0)
        XCTAssertEqual(area(m), 40 * 6 + Double.pi * 9, accuracy: 2)
        // A bare array works as well.
        XCTAssertEqual(try MaskShape.strokes(json: Data(#"[{"width": 2, "points": [[1, 1]]}]"#.utf8)).count, 1)
    }

    func testShapeErrorsWordForWord() {
        XCTAssertThrowsError(try MaskShape.rect(parsing: "1,2,3")) {
            XCTAssertEqual(rendered($0), "Expected X,Y,W,H with positive W and H for rect but received 1,2,3")
        }
        XCTAssertThrowsError(try MaskShape.ellipse(parsing: "1,2,a,4")) {
            XCTAssertEqual(rendered($0), "Expected CX,CY,RX,RY for ellipse but received 1,2,a,4")
        }
        XCTAssertThrowsError(try MaskShape.polygon(parsing: "1,2,3,4")) {
            XCTAssertEqual(rendered($0), "Expected at least three X,Y points for polygon but received 1,2,3,4")
        }
        XCTAssertThrowsError(try MaskShape.strokes(json: Data(#"{"strokes": [{"width": 0, "points": [[1, 1]]}]}"#.utf8))) {
            XCTAssertEqual(named($0, [.strokes: "s.json"]), "s.json: stroke 1 needs a positive width but has 0.0")
        }
        XCTAssertThrowsError(try MaskShape.strokes(json: Data("nope".utf8))) {
            XCTAssertEqual(named($0, [.strokes: "s.json"]), #"s.json: is not strokes JSON; expected {"strokes": [{"width": 12, "points": [[x, y], ...]}]}"#)
        }
    }

    func testUnionCountsOverlapOnceAndInvertSwaps() {
        let a = Mask.render([.rect(x: 0, y: 0, width: 6, height: 4)], width: 10, height: 10)
        let b = Mask.render([.rect(x: 4, y: 0, width: 6, height: 4)], width: 10, height: 10)
        XCTAssertEqual(a.union(b).editedPixelCount, 40)
        let both = Mask.render([.rect(x: 0, y: 0, width: 6, height: 4), .rect(x: 4, y: 0, width: 6, height: 4)], width: 10, height: 10)
        XCTAssertEqual(both, a.union(b))
        let inv = a.inverted()
        XCTAssertEqual(value(inv, 0, 0), 0)
        XCTAssertEqual(value(inv, 9, 9), 255)
    }

    func testGrowDilatesByARoundBrush() {
        var m = Mask(width: 21, height: 21)
        m.values[10 * 21 + 10] = 255
        let g = m.grown(by: 3)
        XCTAssertEqual(value(g, 12, 10), 255)      // distance 2
        XCTAssertEqual(value(g, 13, 10), 128)      // distance 3: half covered
        XCTAssertEqual(value(g, 14, 10), 0)        // distance 4
        XCTAssertEqual(value(g, 12, 12), 171)      // distance 2.83: 3.5 - 2.83 = 0.67 covered
        XCTAssertEqual(value(g, 13, 13), 0)        // distance 4.24
    }

    func testFeatherMakesASymmetricRampAroundTheEdge() {
        let m = Mask.render([.rect(x: 0, y: 0, width: 20, height: 10)], width: 40, height: 10)
        let f = m.feathered(by: 4)
        // sigma 2: the edge between x = 19 and 20 sits at the middle of the ramp.
        XCTAssertEqual(Double(value(f, 19, 5) + value(f, 20, 5)), 255, accuracy: 1)
        XCTAssertGreaterThan(value(f, 19, 5), 128)
        XCTAssertEqual(value(f, 5, 5), 255)
        XCTAssertEqual(value(f, 35, 5), 0)
        for x in 1..<40 { XCTAssertLessThanOrEqual(value(f, x, 5), value(f, x - 1, 5)) }
    }

    func testFromAlphaAndFromColour() throws {
        let raster = PixelRaster(width: 3, height: 1, bands: 4, bytes: [
            10, 20, 30, 255,   200, 0, 0, 0,   205, 4, 0, 128,
        ])
        let alpha = try Mask.fromAlpha(raster)
        XCTAssertEqual(alpha.values, [0, 255, 127])
        XCTAssertThrowsError(try Mask.fromAlpha(raster.withBands(3))) {
            XCTAssertEqual(named($0, [.source: "a.png"]), "a.png: has no alpha channel; --from-alpha needs transparent pixels to mark the edit area")
        }
        XCTAssertEqual(Mask.fromColour(raster, colour: Colour(200, 0, 0), tolerance: 0).values, [0, 255, 0])
        XCTAssertEqual(Mask.fromColour(raster, colour: Colour(200, 0, 0), tolerance: 5).values, [0, 255, 255])
    }

    // MARK: - Exporters

    /// One row of mask values, and an image whose colours are easy to see.
    private let levels: [UInt8] = [0, 64, 127, 128, 200, 255]
    private var sample: (Mask, PixelRaster) {
        let mask = Mask(width: 6, height: 1, values: levels)
        var bytes: [UInt8] = []
        for i in 0..<6 { bytes += [UInt8(10 * i), UInt8(100 + i), 7] }
        return (mask, PixelRaster(width: 6, height: 1, bands: 3, bytes: bytes))
    }

    func testExportPolarityPixelByPixel() {
        let (mask, image) = sample
        for api in [InpaintAPI.canonical, .stability, .flux] {
            let r = MaskExport(api).raster(mask, image: image)
            XCTAssertEqual(r.bands, 1, "\(api)")
            XCTAssertEqual(r.bytes, levels, "\(api): white = edit, greys kept")
        }
        let remove = MaskExport(.ideogramRemove).raster(mask, image: image)
        XCTAssertEqual(remove.bytes, [0, 0, 0, 255, 255, 255], "ideogram-remove: white = edit, black and white")
        let edit = MaskExport(.ideogramEdit).raster(mask, image: image)
        XCTAssertEqual(edit.bytes, [255, 255, 255, 0, 0, 0], "ideogram-edit: black = edit, black and white")
        let openai = MaskExport(.openai).raster(mask, image: image)
        XCTAssertEqual(openai.bands, 4)
        for i in 0..<6 {
            XCTAssertEqual(Array(openai.bytes[i * 4..<i * 4 + 3]), Array(image.bytes[i * 3..<i * 3 + 3]), "openai colour \(i)")
            XCTAssertEqual(openai.bytes[i * 4 + 3], 255 - levels[i], "openai alpha \(i): 0 = edit")
        }
        // Each convention reads back to the canonical mask.
        for api in [InpaintAPI.canonical, .stability, .flux, .openai] {
            XCTAssertEqual(Mask.fromExport(MaskExport(api).raster(mask, image: image), api: api), mask, "\(api)")
        }
    }

    func testExportWritesAPNGThatDecodesToThePolarity() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("stet-mask-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let mask = Mask.render([.rect(x: 10, y: 10, width: 20, height: 20)], width: 64, height: 64)
        let image = PixelRaster(width: 64, height: 64, bands: 3, fill: 90)
        let path = dir.appendingPathComponent("m.png").path
        try MaskExport(.openai).write(mask, image: image, to: path)
        let back = try PixelRaster(Image.decode(path))
        XCTAssertEqual(back.bands, 4)
        XCTAssertEqual(back.bytes[(15 * 64 + 15) * 4 + 3], 0)
        XCTAssertEqual(back.bytes[(5 * 64 + 5) * 4 + 3], 255)
        XCTAssertEqual(back.bytes[(5 * 64 + 5) * 4], 90)
    }

    func testPreflightRejectsUndersizeAndOversize() {
        let small = Mask.render([.rect(x: 1, y: 1, width: 5, height: 5)], width: 63, height: 100)
        XCTAssertThrowsError(try MaskExport(.stability).preflight(mask: small, imageWidth: 63, imageHeight: 100)) {
            XCTAssertEqual(named($0, [.output: "m.png"]), "m.png: Stability needs every side at least 64 px but the image is 63x100; use --region (it pads the crop to the API's sizes) or upscale the image")
        }
        let big = Mask.render([.rect(x: 1, y: 1, width: 5, height: 5)], width: 4000, height: 3000)
        XCTAssertThrowsError(try MaskExport(.stability).preflight(mask: big, imageWidth: 4000, imageHeight: 3000)) {
            XCTAssertEqual(named($0, [.output: "m.png"]), "m.png: Stability accepts 4,096 to 9,437,184 pixels but the image has 12,000,000 (4000x3000); use --region to send a crop around the mask, or downscale the image")
        }
        XCTAssertNoThrow(try MaskExport(.stability).preflight(mask: Mask.render([.rect(x: 0, y: 0, width: 2, height: 2)], width: 64, height: 64), imageWidth: 64, imageHeight: 64))
        XCTAssertNoThrow(try MaskExport(.flux).preflight(mask: big, imageWidth: 4000, imageHeight: 3000))
        XCTAssertThrowsError(try MaskExport(.openai).preflight(encodedBytes: 5_242_880)) {
            XCTAssertEqual(named($0, [.output: "m.png"]), "m.png: OpenAI needs a PNG under 4 MB but this mask is 5.0 MB; use --region to send a crop around the mask, or downscale the image")
        }
        XCTAssertNoThrow(try MaskExport(.openai).preflight(encodedBytes: 4 * 1024 * 1024 - 1))
        XCTAssertThrowsError(try MaskExport(.openai).preflight(mask: small, imageWidth: 64, imageHeight: 100)) {
            XCTAssertEqual(named($0, [.output: "m.png"]), "m.png: OpenAI needs the mask the same size as the image, but the mask is 63x100 and the image 64x100")
        }
        XCTAssertThrowsError(try MaskExport(.flux).preflight(mask: Mask(width: 64, height: 64), imageWidth: 64, imageHeight: 64)) {
            XCTAssertEqual(named($0, [.output: "m.png"]), "m.png: the mask is empty: no pixel is marked for editing; check the shapes' coordinates against the image size 64x64")
        }
    }

    func testOpenAIRefusesARealPNGOver4MB() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("stet-mask-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var rng = SplitMix(42)
        let n = 1200 * 1200 * 3
        let noise = PixelRaster(width: 1200, height: 1200, bands: 3, bytes: (0..<n).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        let mask = Mask.render([.rect(x: 0, y: 0, width: 100, height: 100)], width: 1200, height: 1200)
        let path = dir.appendingPathComponent("m.png").path
        XCTAssertThrowsError(try MaskExport(.openai).write(mask, image: noise, to: path)) {
            XCTAssertTrue(named($0, [.output: path]).hasPrefix("\(path): OpenAI needs a PNG under 4 MB but this mask is "), "\($0)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [])
    }

    // MARK: - Regions

    func testRegionIsSnappedToTheAPIAndHoldsTheMaskWithMargin() {
        let maskBox = Rect(x: 500, y: 300, width: 50, height: 30)
        let plan = RegionPlan.plan(maskBox: maskBox, width: 1000, height: 800, api: .stability, margin: 32)
        XCTAssertEqual(plan.box.width % 64, 0)
        XCTAssertEqual(plan.box.height % 64, 0)
        XCTAssertEqual(plan.box.width, 128)
        XCTAssertEqual(plan.box.height, 128)
        XCTAssertLessThanOrEqual(plan.box.x, maskBox.x - 32)
        XCTAssertGreaterThanOrEqual(plan.box.maxX, maskBox.maxX + 32)
        XCTAssertFalse(plan.isScaled)
        // Near the frame's edge the box shifts inside the frame.
        let edge = RegionPlan.plan(maskBox: Rect(x: 0, y: 790, width: 10, height: 10), width: 1000, height: 800, api: .flux)
        XCTAssertEqual(edge.box, Rect(x: 0, y: 672, width: 128, height: 128))
        // An image smaller than the API's minimum is sent scaled up.
        let tiny = RegionPlan.plan(maskBox: Rect(x: 10, y: 10, width: 5, height: 5), width: 40, height: 40, api: .stability)
        XCTAssertEqual(tiny.box, Rect(x: 0, y: 0, width: 40, height: 40))
        XCTAssertEqual(tiny.outputWidth, 64)
        XCTAssertEqual(tiny.outputHeight, 64)
        XCTAssertEqual(tiny.scaleX, 1.6, accuracy: 1e-9)
        // OpenAI returns 1:1, 3:2 or 2:3 only: the crop grows to the shape that adds least.
        let square = RegionPlan.plan(maskBox: maskBox, width: 1000, height: 800, api: .openai, margin: 32)
        XCTAssertEqual([square.box.width, square.box.height], [114, 114])
        let wide = RegionPlan.plan(maskBox: Rect(x: 400, y: 300, width: 200, height: 40), width: 1000, height: 800, api: .openai, margin: 32)
        XCTAssertEqual([wide.box.width, wide.box.height], [264, 176])
        XCTAssertLessThanOrEqual(wide.box.x, 400 - 32)
        XCTAssertGreaterThanOrEqual(wide.box.maxY, 340 + 32)
        let tight = RegionPlan.plan(maskBox: Rect(x: 10, y: 10, width: 80, height: 40), width: 100, height: 60, api: .openai, margin: 5)
        XCTAssertEqual(tight.box, Rect(x: 5, y: 0, width: 90, height: 60))
        XCTAssertFalse(tight.isScaled)
        // Canonical regions are not snapped.
        let plain = RegionPlan.plan(maskBox: maskBox, width: 1000, height: 800, api: .canonical, margin: 10)
        XCTAssertEqual(plain.box, Rect(x: 490, y: 290, width: 70, height: 50))
    }
}
