import Foundation
import PixelCore
import StetSupport
import XCTest

final class ReframePresetTests: XCTestCase {
    func testPresetTableParsesWithSizesDatesAndSources() throws {
        let all = PlatformPreset.all
        XCTAssertEqual(all.map(\.id), ["youtube", "youtube-thumbnail", "shorts", "reels", "stories", "tiktok",
                                       "instagram-square", "instagram-portrait", "instagram-landscape", "x",
                                       "linkedin", "pinterest", "og"])
        let sizes = Dictionary(uniqueKeysWithValues: all.map { ($0.id, "\($0.width)x\($0.height)") })
        XCTAssertEqual(sizes["youtube"], "1920x1080")
        XCTAssertEqual(sizes["youtube-thumbnail"], "1280x720")
        XCTAssertEqual(sizes["tiktok"], "1080x1920")
        XCTAssertEqual(sizes["instagram-portrait"], "1080x1350")
        XCTAssertEqual(sizes["instagram-landscape"], "1080x566")
        XCTAssertEqual(sizes["x"], "1600x900")
        XCTAssertEqual(sizes["linkedin"], "1200x627")
        XCTAssertEqual(sizes["pinterest"], "1000x1500")
        XCTAssertEqual(sizes["og"], "1200x630")
        for p in all {
            XCTAssertTrue(p.source.hasPrefix("https://"), p.id)
            XCTAssertNotNil(p.checked.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression), p.id)
        }
        XCTAssertEqual(PlatformPreset.named("Twitter")?.id, "x")
        XCTAssertEqual(PlatformPreset.named("open-graph")?.id, "og")
        XCTAssertNil(PlatformPreset.named("myspace"))
    }

    func testDuplicatePresetNamesAreRejected() {
        let json = #"{"version":1,"presets":[{"id":"a","name":"A","width":1,"height":1,"aliases":["b"],"checked":"2026-01-01","source":"https://x"},{"id":"b","name":"B","width":1,"height":1,"aliases":[],"checked":"2026-01-01","source":"https://x"}]}"#
        XCTAssertThrowsError(try PlatformPreset.parse(Data(json.utf8))) { error in
            XCTAssertEqual(rendered(error), "Preset name b appears twice in the preset table")
        }
    }

    func testTargetParsingErrors() {
        XCTAssertThrowsError(try ReframeTarget.presets("youtube,myspace")) {
            XCTAssertEqual(rendered($0), "Expected preset name (see stet reframe --list) for preset but received myspace")
        }
        XCTAssertThrowsError(try ReframeTarget.ratios("9:16,wide")) {
            XCTAssertEqual(rendered($0), "Expected ratio W:H such as 9:16 or 1.91:1 for ratio but received wide")
        }
        XCTAssertThrowsError(try ReframeTarget.sizes("0x100")) {
            XCTAssertEqual(rendered($0), "Expected integer between 1 and 65535 for size width but received 0")
        }
        XCTAssertThrowsError(try ReframeFocus.parse("eyes")) {
            XCTAssertEqual(rendered($0), "Expected auto, faces, attention, entropy, centre, X,Y in pixels or fractions such as 0.3,0.6 for focus but received eyes")
        }
        XCTAssertThrowsError(try PadFill.parse("plaid")) {
            XCTAssertEqual(rendered($0), "Expected blur, mirror, edge or a colour such as #202020 for fill but received plaid")
        }
        XCTAssertEqual(try ReframeFocus.parse("0.25,0.5"), .point(x: 0.25, y: 0.5, fractional: true))
        XCTAssertEqual(try ReframeFocus.parse("300,200"), .point(x: 300, y: 200, fractional: false))
    }
}

final class ReframeGeometryTests: XCTestCase {
    func testRatioParsingAndLargestSizes() throws {
        XCTAssertEqual(AspectRatio.parse("9:16"), AspectRatio(9, 16))
        XCTAssertEqual(AspectRatio.parse("1.91:1"), AspectRatio(191, 100))
        XCTAssertEqual(AspectRatio.parse("4x5"), AspectRatio(4, 5))
        XCTAssertNil(AspectRatio.parse("0:1"))
        XCTAssertNil(AspectRatio.parse("16:"))
        XCTAssertNil(AspectRatio.parse("-4:3"))
        let r = AspectRatio(9, 16)
        XCTAssertTrue(r.largestInside(width: 4000, height: 3000) == (1688, 3000))
        XCTAssertTrue(r.smallestContaining(width: 4000, height: 3000) == (4000, 7111))
        XCTAssertTrue(AspectRatio(16, 9).largestInside(width: 4000, height: 3000) == (4000, 2250))
        XCTAssertTrue(AspectRatio(1, 1).smallestContaining(width: 640, height: 480) == (640, 640))
    }

    func testSummedAreaTableIsExactForWholeAndFractionalRectangles() {
        // 4x2 grid: row 0 = 1 2 3 4, row 1 = 5 6 7 8.
        let t = SummedAreaTable(width: 4, height: 2, values: [1, 2, 3, 4, 5, 6, 7, 8])
        XCTAssertEqual(t.total, 36)
        XCTAssertEqual(t.mass(x: 1, y: 0, width: 2, height: 2), 2 + 3 + 6 + 7)
        XCTAssertEqual(t.mass(x: 0.5, y: 0, width: 1, height: 1), 0.5 * 1 + 0.5 * 2, accuracy: 1e-12)
        XCTAssertEqual(t.mass(x: 3.5, y: 0.5, width: 0.5, height: 1.5), 0.25 * 4 + 0.5 * 8, accuracy: 1e-12)
    }

    func testWindowKeepsTheMassNotThePeak() {
        // 100x50 map: a tiny, very bright spot at x=5 and a broad subject at x 60...89.
        var v = [Float](repeating: 0, count: 100 * 50)
        v[25 * 100 + 5] = 400
        for y in 10..<40 { for x in 60..<90 { v[y * 100 + x] = 1 } }   // mass 900
        let map = SaliencyMap(width: 100, height: 50, values: v)
        // A 1:1 window on a 1000x500 source is 500 wide: it cannot hold both.
        let w = CropWindow.choose(sourceWidth: 1000, sourceHeight: 500, ratio: AspectRatio(1, 1),
                                  focus: .attention, map: map)
        XCTAssertEqual(ReframeScene.kept(Rect(x: 600, y: 100, width: 300, height: 300), in: w.box), 1)
        XCTAssertEqual(w.subjectKept, 900.0 / 1300.0, accuracy: 1e-6)
        // The subject fits with room to spare: it is centred, not pushed to an edge.
        XCTAssertEqual(Double(w.box.x) + 250, 750, accuracy: 10)
    }

    func testCentreAndPointFocus() {
        let map = SaliencyMap(width: 10, height: 10, values: [Float](repeating: 1, count: 100))
        let c = CropWindow.choose(sourceWidth: 1000, sourceHeight: 500, ratio: AspectRatio(1, 1), focus: .centre, map: map)
        XCTAssertEqual(c.box, Rect(x: 250, y: 0, width: 500, height: 500))
        XCTAssertEqual(c.subjectKept, 0.5, accuracy: 1e-9)
        let p = CropWindow.choose(sourceWidth: 1000, sourceHeight: 500, ratio: AspectRatio(1, 1),
                                  focus: .point(x: 950, y: 10, fractional: false), map: map)
        XCTAssertEqual(p.box, Rect(x: 500, y: 0, width: 500, height: 500))   // clamped to the edge
        let f = CropWindow.choose(sourceWidth: 1000, sourceHeight: 500, ratio: AspectRatio(1, 1),
                                  focus: .point(x: 0.4, y: 0.5, fractional: true), map: map)
        XCTAssertEqual(f.box.x, 150)
    }

    func testPadPlanAddsUpExactlyForManySizes() {
        var seed: UInt64 = 42
        func next(_ n: Int) -> Int { seed = seed &* 6364136223846793005 &+ 1442695040888963407; return Int(seed >> 33) % n + 1 }
        for _ in 0..<500 {
            let sw = next(5000), sh = next(5000), ow = next(3000), oh = next(3000)
            let p = PadPlan.fit(sourceWidth: sw, sourceHeight: sh, outputWidth: ow, outputHeight: oh)
            XCTAssertEqual(p.imageWidth + p.padding.left + p.padding.right, ow)
            XCTAssertEqual(p.imageHeight + p.padding.top + p.padding.bottom, oh)
            XCTAssertTrue(p.padding.left >= 0 && p.padding.right >= 0 && p.padding.top >= 0 && p.padding.bottom >= 0)
            // Padding only on one axis, and the image keeps its ratio to within a pixel.
            XCTAssertTrue(p.padding.left + p.padding.right == 0 || p.padding.top + p.padding.bottom == 0)
            XCTAssertEqual(Double(p.imageWidth) / Double(p.imageHeight) * Double(p.imageHeight),
                           Double(sw) / Double(sh) * Double(p.imageHeight), accuracy: 1.0 + Double(sw) / Double(sh))
        }
    }

    func testOutpaintRequestsAddUpAndRespectProviderLimits() {
        // 4000x3000 padded to 9:16 at full size: 2056 px above and below, over both caps.
        let plan = PadPlan.fit(sourceWidth: 4000, sourceHeight: 3000, outputWidth: 4000, outputHeight: 7111)
        XCTAssertEqual(plan.padding, Padding(top: 2055, bottom: 2056, left: 0, right: 0))
        for provider in [OutpaintPayload.stability, OutpaintPayload.bfl] {
            let r = OutpaintPayload.request(for: provider, plan: plan, image: "a.png", scaledImage: "b.png")
            let f = provider.fields
            XCTAssertEqual(r.imageWidth + r.expand[f.left]! + r.expand[f.right]!, r.resultWidth)
            XCTAssertEqual(r.imageHeight + r.expand[f.top]! + r.expand[f.bottom]!, r.resultHeight)
            XCTAssertLessThanOrEqual(r.expand.values.max()!, provider.limit)
            XCTAssertTrue(r.scaledDown)
            XCTAssertEqual(r.image, "b.png")
            XCTAssertLessThan(r.scale, Double(provider.limit) / 2056 + 1e-9)
            XCTAssertGreaterThan(r.scale, Double(provider.limit) / 2056 - 0.01)
            XCTAssertTrue(r.note?.contains("allows at most \(provider.limit) px per side") ?? false)
            XCTAssertEqual(Double(r.resultWidth) / Double(r.resultHeight), 4000.0 / 7111.0, accuracy: 0.002)
        }
        // Within the caps: sent as is, adding up to the output.
        let small = PadPlan.fit(sourceWidth: 1200, sourceHeight: 800, outputWidth: 1080, outputHeight: 1920)
        let s = OutpaintPayload.request(for: OutpaintPayload.stability, plan: small, image: "a.png", scaledImage: "b.png")
        XCTAssertEqual(s.expand, ["left": 0, "right": 0, "up": 600, "down": 600])
        XCTAssertEqual([s.imageWidth, s.imageHeight, s.resultWidth, s.resultHeight], [1080, 720, 1080, 1920])
        XCTAssertFalse(s.scaledDown)
        XCTAssertNil(s.note)
    }
}

final class ReframeSceneTests: XCTestCase {
    /// The 1200x800 scenes used below, with their subject boxes.
    static let offCentre = [Rect(x: 820, y: 250, width: 180, height: 480)]
    static let atEdge = [Rect(x: 0, y: 180, width: 170, height: 520)]
    static let two = [Rect(x: 120, y: 260, width: 170, height: 460), Rect(x: 900, y: 240, width: 170, height: 480)]

    private func plan(_ subjects: [Rect], _ targets: [ReframeTarget], mode: ReframeMode = .crop,
                      focus: ReframeFocus = .attention) throws -> (ReframePlan, Image) {
        let image = try ReframeScene.image(width: 1200, height: 800, subjects: subjects)
        let map = try SaliencyMap.compute(focus.measure, for: image)
        let p = ReframePlanner.plan(input: "scene.png", sourceWidth: 1200, sourceHeight: 800, map: map,
                                    options: ReframeOptions(targets: targets, mode: mode, focus: focus),
                                    stem: "scene", imageExtension: "png")
        return (p, image)
    }

    private var everyPreset: [ReframeTarget] { PlatformPreset.all.map { ReframeTarget(.preset($0)) } }

    func testCropKeepsAnOffCentreSubjectForEveryPreset() throws {
        let (p, _) = try plan(Self.offCentre, everyPreset)
        for t in p.targets {
            XCTAssertEqual(t.mode, .crop)
            XCTAssertEqual(ReframeScene.kept(Self.offCentre[0], in: t.crop!), 1, "\(t.target) \(t.crop!)")
            XCTAssertGreaterThanOrEqual(t.subjectKept, 0.85, t.target)   // auto would crop
            XCTAssertEqual(Double(t.crop!.width) / Double(t.crop!.height), Double(t.width) / Double(t.height),
                           accuracy: 2.0 / Double(t.crop!.height), t.target)
        }
    }

    func testCropKeepsASubjectAtTheEdgeForEveryPreset() throws {
        let (p, _) = try plan(Self.atEdge, everyPreset)
        for t in p.targets {
            XCTAssertEqual(ReframeScene.kept(Self.atEdge[0], in: t.crop!), 1, "\(t.target) \(t.crop!)")
        }
    }

    func testEntropyFocusAlsoKeepsTheSubject() throws {
        let (p, _) = try plan(Self.offCentre, [ReframeTarget(.preset(PlatformPreset.named("tiktok")!))], focus: .entropy)
        XCTAssertEqual(p.measure, .entropy)
        XCTAssertEqual(ReframeScene.kept(Self.offCentre[0], in: p.targets[0].crop!), 1, "\(p.targets[0].crop!)")
    }

    func testTwoSubjectsBothKeptWhenTheyFitAndOneWholeWhenNot() throws {
        let wide = try ReframeTarget.ratios("16:9,1.91:1")
        let (p, _) = try plan(Self.two, wide + [ReframeTarget(.preset(PlatformPreset.named("shorts")!))])
        for t in p.targets.prefix(2) {
            XCTAssertEqual(ReframeScene.kept(Self.two[0], in: t.crop!), 1, t.target)
            XCTAssertEqual(ReframeScene.kept(Self.two[1], in: t.crop!), 1, t.target)
        }
        let narrow = p.targets[2].crop!
        let whole = Self.two.filter { ReframeScene.kept($0, in: narrow) == 1 }
        XCTAssertEqual(whole.count, 1, "\(narrow)")
        XCTAssertLessThan(p.targets[2].subjectKept, 0.7)
    }

    func testAutoCropsWhenTheSubjectFitsAndPadsWhenItWouldBeCut() throws {
        let (p, _) = try plan(Self.two, try ReframeTarget.ratios("16:9,9:16"), mode: .auto)
        XCTAssertEqual(p.threshold, 0.85)
        XCTAssertEqual(p.targets.map(\.mode), [.crop, .pad])
        XCTAssertTrue(p.targets[0].reason.contains("at least the threshold 0.85"))
        XCTAssertTrue(p.targets[1].reason.contains("below the threshold 0.85"))
        XCTAssertLessThan(p.targets[1].cropKeeps, 0.85)
        XCTAssertEqual(p.targets[1].subjectKept, 1)
        // A single subject fits a 9:16 crop, so auto crops it.
        let (q, _) = try plan(Self.offCentre, try ReframeTarget.ratios("9:16"), mode: .auto)
        XCTAssertEqual(q.targets[0].mode, .crop)
    }

    func testRatioTargetsUseTheLargestSizeTheSourceSupports() throws {
        let (p, _) = try plan(Self.offCentre, try ReframeTarget.ratios("9:16,1:1"), mode: .crop)
        XCTAssertEqual(p.targets.map { "\($0.width)x\($0.height)" }, ["450x800", "800x800"])
        XCTAssertEqual(p.targets.map(\.scale), [1, 1])
        XCTAssertTrue(p.targets.allSatisfy { $0.warnings.isEmpty })
        let (q, _) = try plan(Self.offCentre, try ReframeTarget.ratios("9:16"), mode: .pad)
        XCTAssertEqual(q.targets[0].width, 1200)
        XCTAssertEqual(q.targets[0].height, 2133)
        XCTAssertEqual(q.targets[0].pad?.padding, Padding(top: 666, bottom: 667, left: 0, right: 0))
    }

    func testEnlargementIsWarnedWithTheFactor() throws {
        let (p, _) = try plan(Self.offCentre, [ReframeTarget(.preset(PlatformPreset.named("shorts")!))])
        // A 9:16 window of an 800-high source is 450x800; 1080x1920 needs 2.40x.
        XCTAssertEqual(p.targets[0].scale, 2.4, accuracy: 1e-9)
        XCTAssertEqual(p.targets[0].warnings, ["the 450x800 crop must be enlarged 2.40x (140% more pixels across) to reach 1080x1920"])
    }

    func testRenderedSizesAreExactForEveryPresetInBothModes() throws {
        for mode in [ReframeMode.crop, .pad] {
            let (p, image) = try plan(Self.offCentre, everyPreset, mode: mode)
            for t in p.targets {
                let out: Image
                if let box = t.crop {
                    out = try ReframeRender.crop(image, box: box, width: t.width, height: t.height)
                } else {
                    let fitted = try ReframeRender.fitted(image, plan: t.pad!)
                    out = try ReframeRender.pad(fitted, plan: t.pad!, fill: .blur)
                }
                XCTAssertEqual([out.width, out.height, out.bands], [t.width, t.height, 3], "\(mode) \(t.target)")
            }
        }
    }

    func testCropPixelsComeFromTheWindow() throws {
        let image = try ReframeScene.image(width: 1200, height: 800, subjects: Self.offCentre)
        let box = Rect(x: 700, y: 0, width: 450, height: 800)
        let out = try ReframeRender.crop(image, box: box, width: 450, height: 800)
        XCTAssertEqual(try Pixels.psnr(out, try image.cropped(x: 700, y: 0, width: 450, height: 800)), 99)
    }

    func testPadMaskCoversExactlyTheNewPixelsAndFillsBehave() throws {
        let image = try ReframeScene.image(width: 300, height: 200, subjects: [Rect(x: 100, y: 40, width: 60, height: 150)])
        let plan = PadPlan.fit(sourceWidth: 300, sourceHeight: 200, outputWidth: 300, outputHeight: 533)
        XCTAssertEqual(plan.padding, Padding(top: 166, bottom: 167, left: 0, right: 0))
        let mask = try ReframeRender.mask(plan: plan)
        XCTAssertEqual([mask.width, mask.height, mask.bands], [300, 533, 1])
        let m = try mask.pixels()
        let inside = plan.imageRect
        var wrong = 0, white = 0
        for y in 0..<533 {
            for x in 0..<300 {
                let isNew = !(x >= inside.x && x < inside.x + inside.width && y >= inside.y && y < inside.y + inside.height)
                if m[y * 300 + x] == 255 { white += 1 }
                if m[y * 300 + x] != (isNew ? 255 : 0) { wrong += 1 }
            }
        }
        XCTAssertEqual(wrong, 0)
        XCTAssertEqual(white, 300 * 533 - 300 * 200)

        let fitted = try ReframeRender.fitted(image, plan: plan)
        for fill in [PadFill.blur, .mirror, .edge, .colour(Colour(10, 200, 30))] {
            let out = try ReframeRender.pad(fitted, plan: plan, fill: fill)
            XCTAssertEqual([out.width, out.height], [300, 533])
            // The source is untouched in its place.
            XCTAssertEqual(try Pixels.psnr(try out.cropped(x: 0, y: 166, width: 300, height: 200), image), 99, "\(fill)")
        }
        let colour = try ReframeRender.pad(fitted, plan: plan, fill: .colour(Colour(10, 200, 30)))
        XCTAssertEqual(try Pixels.mean(colour, x: 0, y: 0, width: 300, height: 166), [10, 200, 30])
        XCTAssertEqual(try Pixels.mean(colour, x: 0, y: 366, width: 300, height: 167), [10, 200, 30])
        // Mirror: the row above the source is the source's first row.
        let mirror = try ReframeRender.pad(fitted, plan: plan, fill: .mirror)
        XCTAssertEqual(try Pixels.psnr(try mirror.cropped(x: 0, y: 165, width: 300, height: 1),
                                       try image.cropped(x: 0, y: 0, width: 300, height: 1)), 99)
        // Edge copy: every new row at the bottom repeats the last source row.
        let edge = try ReframeRender.pad(fitted, plan: plan, fill: .edge)
        XCTAssertEqual(try Pixels.psnr(try edge.cropped(x: 0, y: 532, width: 300, height: 1),
                                       try image.cropped(x: 0, y: 199, width: 300, height: 1)), 99)
        // Blur: the new area is smooth (neighbouring pixels differ little), unlike the noisy source.
        let blur = try ReframeRender.pad(fitted, plan: plan, fill: .blur)
        let row = try blur.cropped(x: 0, y: 20, width: 300, height: 1).pixels()
        let steps = stride(from: 3, to: row.count, by: 3).map { abs(Int(row[$0]) - Int(row[$0 - 3])) }
        XCTAssertLessThanOrEqual(steps.max()!, 6)
    }

    func testPlanPayloadAddsUpToTheOutputForPadTargets() throws {
        let (p, _) = try plan(Self.offCentre, everyPreset, mode: .pad)
        for t in p.targets {
            let pad = t.pad!, payload = t.outpaint!
            XCTAssertEqual(payload.outputWidth, t.width)
            XCTAssertEqual(pad.imageWidth + pad.padding.left + pad.padding.right, t.width, t.target)
            XCTAssertEqual(pad.imageHeight + pad.padding.top + pad.padding.bottom, t.height, t.target)
            for r in payload.requests where !r.scaledDown {
                XCTAssertEqual(r.imageWidth + r.expand.filter { ["left", "right"].contains($0.key) }.values.reduce(0, +), t.width)
                XCTAssertEqual(r.resultHeight, t.height)
            }
            XCTAssertEqual(t.files.mask, "scene-\(t.target)-mask.png")
            XCTAssertEqual(t.files.payload, "scene-\(t.target)-outpaint.json")
        }
    }
}

final class SourcePyramidTests: XCTestCase {
    func testSequentialDecodeMatchesDecode() throws {
        for name in ["reframe/scene-offcentre.jpg", "orientation-6.jpg", "grey.jpg", "alpha.png"] {
            let a = try SourcePyramid.decodeSource(Fixture.path(name)), b = try Image.decode(Fixture.path(name))
            XCTAssertEqual([a.width, a.height, a.bands], [b.width, b.height, b.bands], name)
            XCTAssertEqual(try Pixels.psnr(a, b), 99, name)
        }
        XCTAssertThrowsError(try SourcePyramid.decodeSource(Fixture.path("truncated.jpg"))) { error in
            XCTAssertTrue(named(error, [.source: Fixture.path("truncated.jpg")]).hasPrefix(Fixture.path("truncated.jpg") + ": "), "\(error)")
        }
    }

    func testLevelsHalveAndCropsMatchTheFullSizeCut() throws {
        let image = try ReframeScene.image(width: 1600, height: 1200, subjects: [Rect(x: 1000, y: 300, width: 240, height: 700)])
        let pyramid = try SourcePyramid(image)
        XCTAssertEqual(pyramid.levels.map { "\($0.width)x\($0.height)" }, ["1600x1200", "800x600", "400x300"])
        // A 1200x1200 window to 500x500 comes from the 1/2 level (600x600 there), a 1200x1200
        // window to 700x700 from the full size.
        let box = Rect(x: 400, y: 0, width: 1200, height: 1200)
        XCTAssertEqual(pyramid.level(for: box, width: 500, height: 500).box, Rect(x: 200, y: 0, width: 600, height: 600))
        XCTAssertEqual(pyramid.level(for: box, width: 700, height: 700).box, box)
        XCTAssertEqual(pyramid.level(for: box, width: 250, height: 250).image.width, 400)
        // The shared cut looks like the direct one.
        let shared = try pyramid.crop(box, width: 500, height: 500)
        let direct = try ReframeRender.crop(image, box: box, width: 500, height: 500)
        XCTAssertEqual([shared.width, shared.height], [500, 500])
        XCTAssertGreaterThan(try Pixels.psnr(shared, direct), 32)
    }
}
