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
    /// The converter's test pattern (Tools/faces/convert_blazeface.py, `test_pattern`).
    static func pattern(height h: Int, width w: Int) -> FeatureMap {
        var m = FeatureMap(height: h, width: w, channels: 3)
        for y in 0..<h {
            for x in 0..<w {
                let fx = Double(x), fy = Double(y)
                let v = [sin(fx * 0.11 + fy * 0.07), cos(fx * 0.05 - fy * 0.13), sin((fx + fy) * 0.031) * cos(fx * 0.02)]
                for c in 0..<3 { m.values[(y * w + x) * 3 + c] = Float(v[c]) }
            }
        }
        return m
    }

    /// Stet's Swift runtime gives TFLite's own outputs for the bundled network (the reference
    /// figures the converter printed from LiteRT's interpreter on the same 192x192 pattern).
    func testNetworkGivesTFLitesOutputs() throws {
        let net = try FaceNet.bundled()
        XCTAssertEqual([net.modelSize, net.anchorStride, net.layers.count, net.tensorCount], [192, 4, 115, 116])
        let (reg, logits) = try net.run(Self.pattern(height: 192, width: 192))
        XCTAssertEqual([reg.height * reg.width, reg.channels, logits.height * logits.width, logits.channels], [2304, 16, 2304, 1])
        XCTAssertEqual(Double(logits.values.reduce(0, +)), -10382.296, accuracy: 0.5)
        XCTAssertEqual(Double(reg.values.reduce(0) { $0 + abs($1) }), 234806.47, accuracy: 5)
        let reference: [(Int, Float, [Float])] = [
            (439, -1.0691, [-1.9057, -2.1060, 11.6925, 11.6840]), (1081, -1.1465, [-1.9742, -1.9327, 35.8287, 35.8275]),
            (391, -1.2167, [-1.8980, -1.7141, 10.7087, 10.7055]), (440, -1.2266, [-2.3483, -2.0592, 13.2676, 13.2780]),
            (506, -1.2633, [-1.8923, -2.2150, 22.9130, 22.9017]),
        ]
        let top = logits.values.indices.sorted { logits.values[$0] > logits.values[$1] }.prefix(5)
        XCTAssertEqual(Array(top), reference.map(\.0))
        for (cell, logit, box) in reference {
            XCTAssertEqual(logits.values[cell], logit, accuracy: 0.002, "anchor \(cell)")
            for i in 0..<4 { XCTAssertEqual(reg.values[cell * 16 + i], box[i], accuracy: 0.01, "anchor \(cell) value \(i)") }
        }
        // Fully convolutional: a larger, non-square input gives a grid of its own size.
        let (wide, wideLogits) = try net.run(Self.pattern(height: 128, width: 320))
        XCTAssertEqual([wide.height * wide.width, wideLogits.values.count], [32 * 80, 32 * 80])
        XCTAssertThrowsError(try net.run(FeatureMap(height: 100, width: 96, channels: 3))) {
            XCTAssertEqual("\($0)", "faces: network input 96x100x3 is not RGB with sides multiples of 32")
        }
    }

    func testDamagedNetworkIsRefusedWithOneLine() throws {
        let path = UpscaleResource.path(FaceNet.resourceName)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertThrowsError(try FaceNet(bytes: Array(bytes.prefix(3000)), role: .resource)) {
            XCTAssertEqual(named($0, [.resource: "x.bin"]), "x.bin: face network is corrupt (truncated)")
        }
        XCTAssertThrowsError(try FaceNet(bytes: Array("not a network at all, not at all, no, not at all, truly not".utf8), role: .resource)) {
            XCTAssertEqual(named($0, [.resource: "x.bin"]), "x.bin: face network is corrupt (not a Stet network)")
        }
        var wrong = bytes
        wrong[40] = 9   // the first layer's kind
        XCTAssertThrowsError(try FaceNet(bytes: wrong, role: .resource)) {
            XCTAssertEqual(named($0, [.resource: "x.bin"]), "x.bin: face network is corrupt (unknown layer)")
        }
        let dir = NSTemporaryDirectory() + "stet-facenet-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var flipped = bytes
        flipped[bytes.count / 2] ^= 0x40   // a weight: parses, but the checksum no longer holds
        try Data(flipped).write(to: URL(fileURLWithPath: dir + "/n.bin"))
        XCTAssertThrowsError(try UpscaleResource.read(dir + "/n.bin", role: .resource, kind: "face network",
                                                      magic: Array("STETNET1".utf8), minimumLength: 48)) {
            XCTAssertEqual(named($0, [.resource: "n.bin"]), "n.bin: face network file is corrupt (checksum mismatch)")
        }
    }

    /// Overlapping candidates are one face with their score-weighted mean box and the best score.
    func testSuppressionAveragesOverlappingCandidates() {
        let faces = FaceDetector.suppress([
            .init(x: 100, y: 100, w: 40, h: 40, score: 0.9), .init(x: 110, y: 100, w: 40, h: 40, score: 0.6),
            .init(x: 300, y: 50, w: 20, h: 20, score: 0.7), .init(x: 104, y: 96, w: 44, h: 44, score: 0.5),
        ], overlap: 0.3)
        XCTAssertEqual(faces.count, 2)
        XCTAssertEqual(faces[0].score, 0.9)
        XCTAssertEqual(faces[0].x, (100 * 0.9 + 110 * 0.6 + 104 * 0.5) / 2.0, accuracy: 1e-9)
        XCTAssertEqual(faces[0].w, (40 * 0.9 + 40 * 0.6 + 44 * 0.5) / 2.0, accuracy: 1e-9)
        XCTAssertEqual(faces[1].score, 0.7)
        XCTAssertEqual(faces[1].x, 300)
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
                XCTAssertGreaterThanOrEqual(f.score, 0.5, name)
                XCTAssertEqual(f.kind, "face")
                // The boxes agree in size with the annotation within a third.
                if let t = truth.first(where: { FaceFixture.centre(of: $0, inside: f.box) }) {
                    XCTAssertEqual(Double(f.box.width), Double(t.width), accuracy: Double(t.width) / 3, name)
                }
            }
            // Half the size, and in grey: the same faces, in the full-size image's pixels.
            let half = try image.resized(scale: 0.5).colourspace(.bw)
            let again = try detector.detect(in: half, sourceWidth: image.width, sourceHeight: image.height)
            XCTAssertEqual(again.count, truth.count, "\(name) grey at half size: \(again)")
            for t in truth {
                XCTAssertTrue(again.contains { FaceFixture.centre(of: t, inside: $0.box) }, "\(name) grey: \(t) not in \(again)")
            }
        }
    }

    /// The network's key points on the committed portrait: the eyes a third of the way down the
    /// face, the person's right eye on the left as seen, the mouth below and between them.
    func testLandmarksSitOnTheFace() throws {
        let image = try Image.decode(Fixture.path("faces/astronaut.jpg"))
        let faces = try FaceDetector().detect(in: image, sourceWidth: 512, sourceHeight: 512)
        let face = try XCTUnwrap(faces.first)
        let m = try XCTUnwrap(face.landmarks)
        let b = face.box
        XCTAssertLessThan(m.rightEye.x, m.leftEye.x)
        XCTAssertEqual(m.rightEye.y, m.leftEye.y, accuracy: Double(b.height) * 0.05, "the eyes are level")
        let eyeDown = (m.eyes.y - Double(b.y)) / Double(b.height), mouthDown = (m.mouth.y - Double(b.y)) / Double(b.height)
        XCTAssertTrue((0.25...0.45).contains(eyeDown), "\(eyeDown)")
        XCTAssertTrue((0.65...0.85).contains(mouthDown), "\(mouthDown)")
        XCTAssertTrue(m.mouth.x > m.rightEye.x && m.mouth.x < m.leftEye.x)
        // By eye on the photograph: eyes at about (202, 102) and (249, 104), mouth at (222, 151).
        XCTAssertEqual(m.rightEye.x, 202, accuracy: 6); XCTAssertEqual(m.leftEye.x, 249, accuracy: 6)
        XCTAssertEqual(m.mouth.y, 151, accuracy: 6)
    }

    /// A flat image has no face; the synthetic reframe scenes' figures (a skin-toned head with
    /// two eyes over a striped body) are drawn people, and their heads are what is found.
    func testFlatImagesHaveNoFacesAndDrawnHeadsAreFound() throws {
        let detector = try FaceDetector()
        let flat = try Image.fromPixels([UInt8](repeating: 128, count: 320 * 240 * 3), width: 320, height: 240, bands: 3)
        XCTAssertEqual(try detector.detect(in: flat, sourceWidth: 320, sourceHeight: 240), [])
        let figures = ReframeSceneTests.two
        let scene = try ReframeScene.image(width: 1200, height: 800, subjects: figures)
        let faces = try detector.detect(in: scene, sourceWidth: 1200, sourceHeight: 800)
        XCTAssertEqual(faces.count, 2, "\(faces)")
        for f in faces {
            // Inside a figure's head (its top 30%), never on the body or the background.
            XCTAssertTrue(figures.contains { s in
                FaceFixture.centre(of: f.box, inside: Rect(x: s.x, y: s.y, width: s.width, height: s.height * 3 / 10))
            }, "\(f)")
        }
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

    /// The committed photographs (Fixtures/README.md, "Faces"), each cut in code to a landscape
    /// and a portrait copy: the face is found, once, and every ratio's crop holds it whole.
    func testCommittedPhotographsKeepTheFaceInEveryCrop() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("stet-face-committed-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let photos = [("astronaut", Rect(x: 170, y: 70, width: 112, height: 110)),
                      ("cameraman", Rect(x: 196, y: 122, width: 72, height: 76))]
        for (name, face) in photos {
            let source = try Image.decode(Fixture.path("faces/\(name).jpg"))
            // Landscape: the top 288 rows. Portrait: 288 columns around the face.
            let left = min(512 - 288, max(0, face.x + face.width / 2 - 144))
            let cuts = [("wide", Rect(x: 0, y: 0, width: 512, height: 288), "9:16,4:5,1:1"),
                        ("tall", Rect(x: left, y: 0, width: 288, height: 512), "16:9,1.91:1,1:1")]
            for (shape, cut, ratios) in cuts {
                let path = dir.appendingPathComponent("\(name)-\(shape).png").path
                try source.cropped(x: cut.x, y: cut.y, width: cut.width, height: cut.height).save(path, format: .png)
                let truth = Rect(x: face.x - cut.x, y: face.y - cut.y, width: face.width, height: face.height)
                let job = ReframeJob(.init(ReframeOptions(targets: try ReframeTarget.ratios(ratios), mode: .crop)))
                let p = try job.plan(input: path, folder: dir.path).plan
                XCTAssertEqual(p.faces?.count, 1, "\(name) \(shape): \(p.faces ?? [])")
                XCTAssertTrue(p.faces?.first.map { FaceFixture.centre(of: truth, inside: $0.box) } ?? false, "\(name) \(shape)")
                for t in p.targets {
                    XCTAssertTrue(FaceFixture.whole(truth, in: t.crop!), "\(name) \(shape) \(t.target): \(t.crop!) \(truth)")
                    XCTAssertEqual(t.facesLeftOut, [], "\(name) \(shape) \(t.target)")
                }
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

    /// A group the window cannot hold: one face (the heavier by size and centrality) is kept whole, the other
    /// is left out entirely (not cut in half) and named in the plan; auto pads instead.
    func testAGroupTooWideKeepsOneFaceWholeAndSaysWhichWasLeftOut() throws {
        let p = try plan(FaceFixture.twoPeople, "9:16,4:5,1:1")
        let truth = FaceFixture.twoPeople.1
        XCTAssertEqual(p.faces?.count, 2)
        for t in p.targets {
            let crop = t.crop!
            // The two faces are nearly alike in size and distance from the middle: either may be
            // kept, but one is whole and the other wholly outside, and the plan names it.
            let kept = truth.indices.filter { FaceFixture.whole(truth[$0], in: crop) }
            XCTAssertEqual(kept.count, 1, "\(t.target) \(crop)")
            guard let k = kept.first else { continue }
            let other = truth[1 - k]
            let overlap = max(0, min(other.x + other.width, crop.x + crop.width) - max(other.x, crop.x))
            XCTAssertEqual(overlap, 0, "\(t.target): the face left out is not cut through")
            XCTAssertEqual(t.facesLeftOut, [1 - k], t.target)
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
        let face = DetectedFace(box: Rect(x: 400, y: 900, width: 200, height: 200), score: 0.9)
        let w = CropWindow.choose(sourceWidth: 1000, sourceHeight: 2000, ratio: AspectRatio(16, 9), focus: .faces,
                                  map: SaliencyMap(width: 10, height: 20, values: [Float](repeating: 1, count: 200)),
                                  faces: [face])
        XCTAssertEqual(w.box.height, 563)
        let eyes = 900 + 0.4 * 200
        XCTAssertEqual(eyes - Double(w.box.y), Double(w.box.height) / 3, accuracy: 2)
        XCTAssertLessThan(w.box.y, 900 - 50, "headroom above the face")
        XCTAssertEqual(w.facesLeftOut, [])
    }

    /// A window only a little taller than a face keeps the brows: the detector's box starts
    /// below them, so framing raises its top by `browRaise` (12% of its height) before fitting.
    func testAWindowThatOnlyJustHoldsAFaceKeepsTheBrows() {
        let face = DetectedFace(box: Rect(x: 400, y: 900, width: 200, height: 200), score: 0.9)
        let w = CropWindow.choose(sourceWidth: 1000, sourceHeight: 2000, ratio: AspectRatio(1000, 230), focus: .faces,
                                  map: SaliencyMap(width: 10, height: 20, values: [Float](repeating: 1, count: 200)),
                                  faces: [face])
        XCTAssertEqual(w.box.height, 230)
        XCTAssertLessThanOrEqual(w.box.y, 876, "the brows, 24 px above the detected box, are inside")
        XCTAssertGreaterThanOrEqual(w.box.y + w.box.height, 1100, "the chin is inside")
        XCTAssertEqual(w.facesLeftOut, [])
    }

    /// A face taller than the window: no position holds it, so the window centres on its
    /// features (half-way between the eyes and the mouth), not on its box.
    func testAFaceTallerThanTheWindowKeepsItsFeatures() {
        let marks = FaceLandmarks(rightEye: FocusPoint(x: 450, y: 420), leftEye: FocusPoint(x: 550, y: 420),
                                  mouth: FocusPoint(x: 500, y: 560))
        let face = DetectedFace(box: Rect(x: 380, y: 300, width: 240, height: 400), score: 0.9, landmarks: marks)
        let w = CropWindow.choose(sourceWidth: 1000, sourceHeight: 1000, ratio: AspectRatio(3, 1), focus: .faces,
                                  map: SaliencyMap(width: 10, height: 10, values: [Float](repeating: 1, count: 100)),
                                  faces: [face])
        XCTAssertEqual(w.box.height, 333)
        XCTAssertEqual(Double(w.box.y) + Double(w.box.height) / 2, 490, accuracy: 1, "centred on the features")
        XCTAssertTrue(w.box.y < 420 && w.box.y + w.box.height > 560, "eyes and mouth inside")
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
        let face = DetectedFace(box: Rect(x: 100, y: 100, width: 100, height: 100), score: 0.9)
        let image = try map.visualised(faces: [face], sourceWidth: 400, sourceHeight: 300)
        XCTAssertEqual(image.bands, 3)
        let px = try image.pixels()
        // The box's top-left corner (10, 10) is green; the middle of the box is not.
        XCTAssertEqual(Array(px[(10 * 40 + 10) * 3..<(10 * 40 + 10) * 3 + 3]), [0, 255, 0])
        XCTAssertEqual(Array(px[(15 * 40 + 15) * 3..<(15 * 40 + 15) * 3 + 3]), [0, 0, 0])
    }
}
