import Foundation
import XCTest
@testable import PixelCore
import StetSupport

/// Small real photographs of people with their face boxes, annotated by eye at the size made
/// here. The photographs are the team's datasets (`../shared/datasets`), never copied into the
/// project: each is derived at test time, as Fixtures/README.md ("Faces") describes, into a
/// temporary folder (a shrink-on-load thumbnail, long side 480, JPEG, metadata stripped).
enum FaceFixture {
    static let john = ("people-train/john1.jpeg", [Rect(x: 267, y: 33, width: 59, height: 59)])
    static let twoPeople = ("people-train/two_people.jpg", [Rect(x: 100, y: 12, width: 76, height: 76),
                                                             Rect(x: 335, y: 26, width: 75, height: 75)])
    static let portrait = ("people-train/rose_leslie-img2.jpg", [Rect(x: 85, y: 75, width: 161, height: 161)])
    static let cbsd = ("train/CBSD68/119082.png", [Rect(x: 208, y: 84, width: 38, height: 38)])
    static let all = [john, twoPeople, portrait, cbsd]

    /// The datasets folder: `STET_DATASETS`, else `shared/datasets` beside the repository.
    static var datasets: String? {
        let env = ProcessInfo.processInfo.environment["STET_DATASETS"]
        let beside = Fixture.root.deletingLastPathComponent().appendingPathComponent("shared/datasets").path
        return [env, beside, "/work/shared/datasets"].compactMap { $0 }
            .first { FileManager.default.fileExists(atPath: $0 + "/people-train") }
    }

    /// The test photograph derived from `name` (a path inside the datasets), made once per run.
    static func path(_ name: String) throws -> String {
        guard let root = datasets else { throw XCTSkip("needs the team's datasets (../shared/datasets or STET_DATASETS)") }
        let dir = NSTemporaryDirectory() + "stet-face-fixtures-\(getpid())"
        let out = dir + "/" + (name as NSString).lastPathComponent + ".jpg"
        if FileManager.default.fileExists(atPath: out) { return out }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let source = root + "/" + name
        let header = try Image.open(source)
        // CBSD68's 481 px photographs keep their size (Q88); people-train shrinks to 480 (Q85).
        let long = max(header.width, header.height)
        let thumb = try Thumbnail(source, width: min(long, long <= 481 ? long : 480)).run()
        try thumb.save(out, format: .jpeg, encoding: Encoding(quality: long <= 481 ? 88 : 85))
        return out
    }

    /// `box` inside `window`, allowing 5% of the box's side outside on any edge.
    static func whole(_ box: Rect, in window: Rect) -> Bool {
        let sx = Double(box.width) * 0.05, sy = Double(box.height) * 0.05
        return Double(box.x) >= Double(window.x) - sx && Double(box.y) >= Double(window.y) - sy
            && Double(box.x + box.width) <= Double(window.x + window.width) + sx
            && Double(box.y + box.height) <= Double(window.y + window.height) + sy
    }

    static func centre(of a: Rect, inside b: Rect) -> Bool {
        let cx = a.x + a.width / 2, cy = a.y + a.height / 2
        return cx >= b.x && cx <= b.x + b.width && cy >= b.y && cy <= b.y + b.height
    }
}

final class FaceDetectorTests: XCTestCase {
    func testBundledCascadesLoadWithOpenCVsShapes() throws {
        let (frontal, profile) = try FaceDetector.cascades()
        XCTAssertEqual([frontal.windowWidth, frontal.windowHeight, frontal.featureCount, frontal.stageTotal], [20, 20, 2094, 20])
        XCTAssertEqual([profile.windowWidth, profile.windowHeight, profile.featureCount, profile.stageTotal], [20, 20, 2609, 26])
    }

    func testDamagedCascadeIsRefusedWithOneLine() throws {
        let path = UpscaleResource.path("faces-frontal.bin")
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count - 8] ^= 0x40   // a leaf value: parses, but the checksum no longer holds
        XCTAssertThrowsError(try HaarCascade(bytes: bytes, role: .resource)) {
            XCTAssertEqual(named($0, [.resource: "x.bin"]), "x.bin: face cascade is corrupt (checksum mismatch)")
        }
        XCTAssertThrowsError(try HaarCascade(bytes: Array(bytes.prefix(3000)), role: .resource)) {
            XCTAssertEqual(named($0, [.resource: "x.bin"]), "x.bin: face cascade is corrupt (truncated)")
        }
        XCTAssertThrowsError(try HaarCascade(bytes: Array("not a cascade at all".utf8), role: .resource)) {
            XCTAssertEqual(named($0, [.resource: "x.bin"]), "x.bin: face cascade is corrupt (not a Stet cascade)")
        }
    }

    /// The mirrored cascade on an image finds exactly the mirror of what the cascade finds on
    /// the mirrored image (at full size, where no resampling is involved).
    func testMirroredCascadeIsTheCascadeOnTheMirroredImage() throws {
        let image = try Image.decode(FaceFixture.path(FaceFixture.cbsd.0))
        let profile = try FaceDetector.cascades().profile
        var found = 0
        // Sizes at which the turned face (38 px at 481) is near the 20 px window.
        for long in stride(from: 220, through: 300, by: 10) {
            let (grey, w, h, _) = try FaceDetector.greyCopy(of: image, longSide: long)
            var flipped = grey
            for y in 0..<h { for x in 0..<w { flipped[y * w + x] = grey[y * w + (w - 1 - x)] } }
            let a = grey.withUnsafeBufferPointer { Level(grey: $0, width: w, height: h, factor: 1).scan(profile.mirrored) }
            let b = flipped.withUnsafeBufferPointer { Level(grey: $0, width: w, height: h, factor: 1).scan(profile) }
            let mirroredB = b.map { Rect(x: w - $0.x - $0.width, y: $0.y, width: $0.width, height: $0.height) }
            XCTAssertEqual(Set(a.map(\.description)), Set(mirroredB.map(\.description)), "long side \(long)")
            found += a.count
        }
        XCTAssertGreaterThan(found, 0, "the turned face is found at some size")
    }

    func testGroupingAveragesAgreeingHitsAndDropsLoneOnes() {
        let hits = [Rect(x: 100, y: 100, width: 40, height: 40), Rect(x: 102, y: 101, width: 40, height: 40),
                    Rect(x: 98, y: 99, width: 42, height: 42), Rect(x: 101, y: 103, width: 38, height: 38),
                    Rect(x: 100, y: 98, width: 40, height: 40), Rect(x: 300, y: 50, width: 40, height: 40),
                    Rect(x: 301, y: 51, width: 40, height: 40)]
        let groups = FaceDetector.group(hits, minNeighbours: 3, eps: 0.2)
        XCTAssertEqual(groups.count, 1)
        XCTAssertEqual(groups[0].0, Rect(x: 100, y: 100, width: 40, height: 40))
        XCTAssertEqual(groups[0].1, 5)
        XCTAssertEqual(FaceDetector.group(hits, minNeighbours: 1, eps: 0.2).count, 2)
    }

    func testOverlappingDetectionsFromTwoCascadesAreOneFace() {
        let merged = FaceDetector.merge([
            DetectedFace(box: Rect(x: 10, y: 10, width: 50, height: 50), score: 9, kind: "frontal"),
            DetectedFace(box: Rect(x: 14, y: 8, width: 56, height: 56), score: 12, kind: "profile-left"),
            DetectedFace(box: Rect(x: 200, y: 10, width: 50, height: 50), score: 6, kind: "frontal"),
        ])
        XCTAssertEqual(merged.map(\.kind), ["profile-left", "frontal"])
        XCTAssertEqual(merged[0].box, Rect(x: 14, y: 8, width: 56, height: 56))
    }

    /// Every annotated face of the fixtures is found, and nothing else.
    func testFindsTheFacesInRealPhotographs() throws {
        let detector = try FaceDetector()
        for (name, truth) in FaceFixture.all {
            let image = try Image.decode(FaceFixture.path(name))
            let faces = try detector.detect(in: image, sourceWidth: image.width, sourceHeight: image.height)
            XCTAssertEqual(faces.count, truth.count, "\(name): \(faces)")
            for t in truth {
                XCTAssertTrue(faces.contains { FaceFixture.centre(of: t, inside: $0.box) && FaceFixture.centre(of: $0.box, inside: t) },
                              "\(name): \(t) not found in \(faces)")
            }
            for f in faces {
                XCTAssertGreaterThan(f.score, 3, name)
                // The boxes agree in size with the annotation within a quarter.
                if let t = truth.first(where: { FaceFixture.centre(of: $0, inside: f.box) }) {
                    XCTAssertEqual(Double(f.box.width), Double(t.width), accuracy: Double(t.width) / 4, name)
                }
            }
        }
    }

    func testFlatAndTexturedImagesHaveNoFaces() throws {
        let detector = try FaceDetector()
        let flat = [UInt8](repeating: 128, count: 320 * 240)
        XCTAssertEqual(detector.detect(grey: flat, width: 320, height: 240), [])
        let scene = try ReframeScene.image(width: 1200, height: 800, subjects: ReframeSceneTests.two)
        XCTAssertEqual(try detector.detect(in: scene, sourceWidth: 1200, sourceHeight: 800), [])
    }
}

final class FaceFramingTests: XCTestCase {
    private func plan(_ fixture: (String, [Rect]), _ ratios: String, mode: ReframeMode = .crop,
                      focus: ReframeFocus = .auto) throws -> ReframePlan {
        let job = ReframeJob(.init(ReframeOptions(targets: try ReframeTarget.ratios(ratios), mode: mode, focus: focus)))
        return try job.plan(input: FaceFixture.path(fixture.0), folder: NSTemporaryDirectory()).plan
    }

    /// The ratios: 9:16, 4:5 and 1:1 for landscape photographs, 16:9, 1.91:1 and 1:1 for
    /// portrait ones. Each crop holds the annotated face box whole.
    func testEveryCropHoldsTheFace() throws {
        for fixture in [FaceFixture.john, FaceFixture.cbsd, FaceFixture.portrait] {
            let portrait = fixture.0.contains("portrait")
            let p = try plan(fixture, portrait ? "16:9,1.91:1,1:1" : "9:16,4:5,1:1")
            XCTAssertEqual(p.faces?.count, 1, fixture.0)
            for t in p.targets {
                XCTAssertTrue(FaceFixture.whole(fixture.1[0], in: t.crop!), "\(fixture.0) \(t.target): \(t.crop!)")
                XCTAssertEqual(t.facesLeftOut, [], fixture.0)
            }
        }
    }

    /// Attention alone (what reframe did before) cuts the man out of the 9:16 crop of CBSD68
    /// 119082 (the example); faces keep him.
    func testFacesKeepTheManThatAttentionCuts() throws {
        let attention = try plan(FaceFixture.cbsd, "9:16", focus: .attention)
        XCTAssertFalse(FaceFixture.whole(FaceFixture.cbsd.1[0], in: attention.targets[0].crop!))
        XCTAssertNil(attention.faces)
        let faces = try plan(FaceFixture.cbsd, "9:16", focus: .faces)
        XCTAssertTrue(FaceFixture.whole(FaceFixture.cbsd.1[0], in: faces.targets[0].crop!))
    }

    /// A group the window cannot hold: the larger, more central face is kept whole, the other
    /// is left out entirely (not cut in half) and named in the plan; auto pads instead.
    func testAGroupTooWideKeepsOneFaceWholeAndSaysWhichWasLeftOut() throws {
        let p = try plan(FaceFixture.twoPeople, "9:16,4:5,1:1")
        let truth = FaceFixture.twoPeople.1
        XCTAssertEqual(p.faces?.count, 2)
        for t in p.targets {
            let crop = t.crop!
            XCTAssertTrue(FaceFixture.whole(truth[0], in: crop), "\(t.target) \(crop)")
            let other = truth[1]
            let overlap = max(0, min(other.x + other.width, crop.x + crop.width) - max(other.x, crop.x))
            XCTAssertEqual(overlap, 0, "\(t.target): the face left out is not cut through")
            XCTAssertEqual(t.facesLeftOut, [1], t.target)
        }
        let auto = try plan(FaceFixture.twoPeople, "9:16", mode: .auto)
        XCTAssertEqual(auto.targets[0].mode, .pad)
        XCTAssertEqual(auto.targets[0].reason, "crop would leave out 1 of 2 faces, so pad")
        let single = try plan(FaceFixture.john, "9:16", mode: .auto)
        XCTAssertEqual(single.targets[0].mode, .crop)
        XCTAssertEqual(single.targets[0].reason, "crop holds all 1 face whole")
    }

    /// Landscape crops of a tall photograph put the eyes on the upper third line when there is
    /// room, and keep headroom above the face box.
    func testEyesOnTheUpperThird() {
        let face = DetectedFace(box: Rect(x: 400, y: 900, width: 200, height: 200), score: 20, kind: "frontal")
        let w = CropWindow.choose(sourceWidth: 1000, sourceHeight: 2000, ratio: AspectRatio(16, 9), focus: .faces,
                                  map: SaliencyMap(width: 10, height: 20, values: [Float](repeating: 1, count: 200)),
                                  faces: [face])
        XCTAssertEqual(w.box.height, 563)
        let eyes = 900 + 0.4 * 200
        XCTAssertEqual(eyes - Double(w.box.y), Double(w.box.height) / 3, accuracy: 2)
        XCTAssertLessThan(w.box.y, 900 - 50, "headroom above the face")
        XCTAssertEqual(w.facesLeftOut, [])
    }

    func testFocusParsesAutoAndFaces() throws {
        XCTAssertEqual(try ReframeFocus.parse("auto"), .auto)
        XCTAssertEqual(try ReframeFocus.parse("Faces"), .faces)
        XCTAssertEqual(ReframeOptions(targets: []).focus, .auto)
        XCTAssertTrue(ReframeFocus.auto.usesFaces && ReframeFocus.faces.usesFaces && !ReframeFocus.attention.usesFaces)
    }

    /// The blur fill comes from the outer band only: a bright subject in the middle of a dark
    /// picture leaves no ghost in the padding.
    func testBlurPadShowsNoGhostOfTheSubject() throws {
        var px = [UInt8](repeating: 10, count: 400 * 300 * 3)
        for y in 100..<200 { for x in 150..<250 { for c in 0..<3 { px[(y * 400 + x) * 3 + c] = 250 } } }
        let image = try Image.fromPixels(px, width: 400, height: 300, bands: 3).copyInterpretation(.srgb)
        let plan = PadPlan.fit(sourceWidth: 400, sourceHeight: 300, outputWidth: 400, outputHeight: 711)
        let out = try ReframeRender.pad(image, plan: plan, fill: .blur)
        XCTAssertEqual([out.width, out.height], [400, 711])
        let top = try out.cropped(x: 0, y: 0, width: 400, height: plan.padding.top).pixels()
        let bottom = try out.cropped(x: 0, y: plan.padding.top + 300, width: 400, height: plan.padding.bottom).pixels()
        XCTAssertLessThanOrEqual(Int(top.max()!), 14, "no bright ghost above")
        XCTAssertLessThanOrEqual(Int(bottom.max()!), 14, "no bright ghost below")
        // The picture itself is untouched.
        XCTAssertEqual(try Pixels.mean(out, x: 150, y: plan.padding.top + 100, width: 100, height: 100)[0], 250, accuracy: 0.5)
    }

    func testSaliencyMapDrawsTheFaces() throws {
        let map = SaliencyMap(width: 40, height: 30, values: [Float](repeating: 0, count: 1200))
        let face = DetectedFace(box: Rect(x: 100, y: 100, width: 100, height: 100), score: 9, kind: "frontal")
        let image = try map.visualised(faces: [face], sourceWidth: 400, sourceHeight: 300)
        XCTAssertEqual(image.bands, 3)
        let px = try image.pixels()
        // The box's top-left corner (10, 10) is green; the middle of the box is not.
        XCTAssertEqual(Array(px[(10 * 40 + 10) * 3..<(10 * 40 + 10) * 3 + 3]), [0, 255, 0])
        XCTAssertEqual(Array(px[(15 * 40 + 15) * 3..<(15 * 40 + 15) * 3 + 3]), [0, 0, 0])
    }
}
