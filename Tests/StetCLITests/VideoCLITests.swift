import Foundation
import XCTest

/// `stet sheet` and `stet draft` on clips made from photographs at run time (TestClips), and
/// every kind of bad clip the issue names, each a one-line error with nothing left behind.
final class VideoCLITests: XCTestCase {
    /// One clip for the whole class: pan, cut, hold, a 12-frame dissolve, pan, cut, hold
    /// (320x180, 25 fps, AAC tone).
    nonisolated(unsafe) static var clip: String = ""
    nonisolated(unsafe) static var truth = TestClips.Truth()
    nonisolated(unsafe) static var made: Error?

    override class func setUp() {
        super.setUp()
        do {
            let dir = try Stet.tempDir("videoclip")
            clip = dir.appendingPathComponent("shot.mp4").path
            let p = TestClips.photos
            truth = try TestClips.make(clip, shots: [
                .init(photo: p[0], frames: 40, motion: .panRight),
                .init(photo: p[1], frames: 36, motion: .hold),
                .init(photo: p[2], frames: 44, motion: .panDown),
                .init(photo: p[3], frames: 30, motion: .hold),
            ], joins: [.cut, .fade(12), .cut])
        } catch { made = error }
    }

    func requireClip() throws -> String {
        if let made = VideoCLITests.made { throw made }
        return VideoCLITests.clip
    }

    func json(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
    }

    func testSheetFindsTheCutsAndTheDissolveAndLabelsEachCell() throws {
        let clip = try requireClip()
        let truth = VideoCLITests.truth
        XCTAssertEqual(truth.cuts, [40, 108])
        XCTAssertEqual(truth.fades, [70])
        let dir = try Stet.tempDir()
        let sheet = dir.appendingPathComponent("s.jpg").path
        let r = try Stet.run(["sheet", clip, "-o", sheet, "--no-log"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let map = try json(dir.appendingPathComponent("s.json").path)
        let scenes = (map["scenes"] as! [[String: Any]]).map { ($0["frame"] as! Int, $0["time"] as! Double) }
        XCTAssertEqual(scenes.count, 4, "\(scenes)")
        XCTAssertEqual(scenes[0].0, 0)
        // Cuts exactly; the dissolve's middle within 2 frames.
        XCTAssertEqual(scenes[1].0, 40)
        XCTAssertLessThanOrEqual(abs(scenes[2].0 - 70), 2)
        XCTAssertEqual(scenes[3].0, 108)
        for (frame, time) in scenes { XCTAssertEqual(time, Double(frame) / 25, accuracy: 1e-6) }

        XCTAssertEqual(map["frames"] as? Int, truth.frames)
        XCTAssertEqual(map["seconds"] as! Double, Double(truth.frames) / 25, accuracy: 1e-6)
        XCTAssertEqual(map["codec"] as? String, "h264")
        XCTAssertEqual(map["audio"] as? String, "aac")
        let header = map["header"] as! String
        XCTAssertTrue(header.hasPrefix("shot.mp4  ·  0:05.52  ·  320x180  ·  25 fps  ·  h264 + aac"), header)
        let source = map["source"] as! [String: Any]
        XCTAssertEqual(source["sha256"] as? String, try Stet.sha256sum(clip))

        // Each cell shows its scene: the frame's top half matches the frame the clip was made
        // of (mean colour within a few levels), and the label is its timestamp.
        let cells = map["cells"] as! [[String: Any]]
        XCTAssertEqual(cells.count, 4)
        let image = try PixelCoreBridge.load(sheet)
        XCTAssertEqual(image.width, map["width"] as? Int)
        XCTAssertEqual(image.height, map["height"] as? Int)
        for c in cells {
            let frame = c["frame"] as! Int
            XCTAssertEqual(c["label"] as? String, String(format: "0:%05.2f", Double(frame) / 25))
            let rect = c["cell"] as! [String: Int]
            XCTAssertEqual(rect["width"], 320)
            XCTAssertEqual(rect["height"], 180)
            let mean = try PixelCoreBridge.mean(image, x: rect["x"]!, y: rect["y"]!, width: 320, height: 90)
            for b in 0..<3 { XCTAssertEqual(mean[b], truth.topMeans[frame][b], accuracy: 6, "cell at frame \(frame)") }
        }
        // The dissolve's cell shows the shot after it, past the blend.
        XCTAssertGreaterThanOrEqual(cells[2]["frame"] as! Int, 76)
    }

    func testSheetEveryTwoSecondsInThreeColumns() throws {
        let clip = try requireClip()
        let dir = try Stet.tempDir()
        let sheet = dir.appendingPathComponent("every.png").path
        let r = try Stet.run(["sheet", clip, "-o", sheet, "--every", "2s", "--cols", "3", "--cell", "160", "--no-log"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let map = try json(dir.appendingPathComponent("every.json").path)
        let cells = map["cells"] as! [[String: Any]]
        XCTAssertEqual(cells.map { $0["frame"] as! Int }, [0, 50, 100])
        XCTAssertEqual(cells.map { $0["label"] as! String }, ["0:00.00", "0:02.00", "0:04.00"])
        XCTAssertEqual(map["columns"] as? Int, 3)
        XCTAssertEqual(map["rows"] as? Int, 1)
        XCTAssertEqual(map["cellHeight"] as? Int, 90)
        XCTAssertEqual((map["scenes"] as! [Any]).count, 4)
        let rect = cells[2]["cell"] as! [String: Int]
        XCTAssertEqual(rect["x"], 6 + 2 * (160 + 6))
        XCTAssertEqual(rect["y"], (map["height"] as! Int) - 6 - 90)
    }

    func testDraftMakesAScrubbableProxyWithTheAudioCopiedAndAPoster() throws {
        let clip = try requireClip()
        let dir = try Stet.tempDir()
        let ledger = dir.appendingPathComponent("l.sqlite").path
        let r = try Stet.run(["draft", clip, "--size", "160", "--out", dir.appendingPathComponent("d").path,
                              "--manifest", dir.appendingPathComponent("m.json").path, "--json",
                              "--ledger", ledger, "--avoids", "veo-3"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let proxy = dir.appendingPathComponent("d/shot.mp4").path
        let poster = dir.appendingPathComponent("d/shot-poster.jpg").path
        XCTAssertEqual(Stet.listing(dir.appendingPathComponent("d")), ["shot-poster.jpg", "shot.mp4"])
        let probe = try TestClips.output(TestClips.ffprobe, ["-v", "error", "-show_entries",
                                                            "stream=codec_name,width,height,nb_frames", "-of", "csv=p=0", proxy])
        let lines = probe.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "h264,160,90,\(VideoCLITests.truth.frames)")
        XCTAssertTrue(lines.contains { $0.hasPrefix("aac") }, probe)
        // A keyframe at least every second.
        let packets = try TestClips.output(TestClips.ffprobe, ["-v", "error", "-select_streams", "v", "-show_entries",
                                                              "packet=pts_time,flags", "-of", "csv=p=0", proxy])
        let keys = packets.split(separator: "\n").filter { $0.contains("K") }.compactMap { Double($0.split(separator: ",")[0]) }
        XCTAssertEqual(keys.first, 0)
        for (a, b) in zip(keys, keys.dropFirst()) { XCTAssertLessThanOrEqual(b - a, 1.0 + 1e-6) }
        XCTAssertGreaterThanOrEqual(keys.count, 6)
        // The audio packets are the source's, byte for byte.
        let md5 = { (file: String) in try TestClips.output(TestClips.ffmpeg!, ["-v", "error", "-i", file, "-map", "0:a", "-c", "copy", "-f", "md5", "-"]) }
        XCTAssertEqual(try md5(proxy), try md5(clip))
        XCTAssertFalse(try md5(clip).isEmpty)
        // The poster is a third of the way in, at the proxy's size.
        let posterImage = try PixelCoreBridge.load(poster)
        XCTAssertEqual([posterImage.width, posterImage.height], [160, 90])
        // The manifest ties the proxy to its source's SHA-256.
        let manifest = try json(dir.appendingPathComponent("m.json").path)
        let made = (manifest["proxies"] as! [[String: Any]])[0]
        XCTAssertEqual((made["source"] as! [String: Any])["sha256"] as? String, try Stet.sha256sum(clip))
        XCTAssertEqual((made["proxy"] as! [String: Any])["sha256"] as? String, try Stet.sha256sum(proxy))
        XCTAssertEqual((made["poster"] as! [String: Any])["sha256"] as? String, try Stet.sha256sum(poster))
        XCTAssertEqual(made["seconds"] as! Double, 5.52, accuracy: 1e-9)
        // The ledger priced the avoided generation per second, for the clip's 5.52 s.
        let export = try Stet.run(["ledger", "export", "--format", "jsonl", "--ledger", ledger])
        XCTAssertEqual(export.status, 0, export.stderr)
        let entry = try JSONSerialization.jsonObject(with: Data(export.stdout.split(separator: "\n")[0].utf8)) as! [String: Any]
        XCTAssertEqual(entry["operation"] as? String, "draft")
        XCTAssertEqual((entry["parameters"] as! [String: String])["seconds"], "5.52")
        let avoided = (entry["avoided"] as! [[String: Any]])[0]
        XCTAssertEqual(avoided["quantity"] as! Double, 5.52, accuracy: 1e-9)
        XCTAssertEqual(avoided["unit"] as? String, "second")
        XCTAssertEqual(avoided["subtotal"] as! Double, 4.14, accuracy: 1e-9)
    }

    /// `--vtt`: a WebVTT thumbnails track over the sheet, one cue per cell from its time to the
    /// next, each pointing at the cell's rectangle, which shows that moment of the clip.
    func testSheetVTTIsAThumbnailsTrackOverTheSheet() throws {
        let clip = try requireClip()
        let dir = try Stet.tempDir()
        let sheet = dir.appendingPathComponent("thumbs.jpg").path
        let r = try Stet.run(["sheet", clip, "-o", sheet, "--every", "1s", "--vtt", "--no-log"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(Stet.listing(dir), ["thumbs.jpg", "thumbs.json", "thumbs.vtt"])
        let vtt = try String(contentsOfFile: dir.appendingPathComponent("thumbs.vtt").path, encoding: .utf8)
        let blocks = vtt.components(separatedBy: "\n\n")
        XCTAssertEqual(blocks[0], "WEBVTT")
        let map = try json(dir.appendingPathComponent("thumbs.json").path)
        let cells = map["cells"] as! [[String: Any]]
        XCTAssertEqual(blocks.count - 1, cells.count)
        XCTAssertEqual(cells.count, 6)
        XCTAssertEqual(blocks[1], "00:00:00.000 --> 00:00:01.000\nthumbs.jpg#xywh=\(try rect(cells[0]))")
        XCTAssertEqual(blocks[6].trimmingCharacters(in: .newlines), "00:00:05.000 --> 00:00:05.520\nthumbs.jpg#xywh=\(try rect(cells[5]))")
        // The rectangle holds the frame at the cue's start: mean colour within a few levels of it.
        let sprite = try PixelCoreBridge.load(sheet)
        let frame = dir.appendingPathComponent("f.png").path
        _ = try TestClips.output(TestClips.ffmpeg!, ["-v", "error", "-ss", "2", "-i", clip, "-frames:v", "1", "-y", frame])
        let c = cells[2]["cell"] as! [String: Int]
        let cellMean = try PixelCoreBridge.mean(sprite, x: c["x"]! + 40, y: c["y"]! + 40, width: c["width"]! - 80, height: c["height"]! - 80)
        let picture = try PixelCoreBridge.load(frame)
        let frameMean = try PixelCoreBridge.mean(picture, x: 40, y: 40, width: picture.width - 80, height: picture.height - 80)
        for b in 0..<3 { XCTAssertEqual(cellMean[b], frameMean[b], accuracy: 6) }
    }

    func rect(_ cell: [String: Any]) throws -> String {
        let c = try XCTUnwrap(cell["cell"] as? [String: Int])
        return "\(c["x"]!),\(c["y"]!),\(c["width"]!),\(c["height"]!)"
    }

    func testSheetIsRecordedPerSecondOfVideo() throws {
        let clip = try requireClip()
        let dir = try Stet.tempDir()
        let ledger = dir.appendingPathComponent("l.sqlite").path
        let r = try Stet.run(["sheet", clip, "-o", dir.appendingPathComponent("s.jpg").path, "--ledger", ledger,
                              "--avoids", "gen4-turbo x2"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let export = try Stet.run(["ledger", "export", "--format", "jsonl", "--ledger", ledger])
        let entry = try JSONSerialization.jsonObject(with: Data(export.stdout.split(separator: "\n")[0].utf8)) as! [String: Any]
        XCTAssertEqual(entry["operation"] as? String, "sheet")
        let avoided = (entry["avoided"] as! [[String: Any]])[0]
        // Two generations of a 5.52 s clip at 5 credits a second.
        XCTAssertEqual(avoided["quantity"] as! Double, 11.04, accuracy: 1e-9)
        XCTAssertEqual(avoided["subtotal"] as! Double, 55.2, accuracy: 1e-9)
    }

    /// A model priced per second by resolution (issue #19): a clip's sheet avoided regenerating
    /// the clip, so it is priced at the tier covering the clip's 320x180 frames, not the sheet's size.
    func testSheetOfAClipIsPricedAtTheClipsResolutionTier() throws {
        let clip = try requireClip()
        let dir = try Stet.tempDir()
        let card = dir.appendingPathComponent("prices.toml").path
        try """
            [models.vid]
            unit = "second"
            default = "720p"
            [models.vid.prices]
            "180p" = 0.1
            "720p" = 0.5
            """.write(toFile: card, atomically: true, encoding: .utf8)
        let ledger = dir.appendingPathComponent("l.sqlite").path
        let r = try Stet.run(["sheet", clip, "-o", dir.appendingPathComponent("s.jpg").path, "--ledger", ledger, "--avoids", "vid"],
                             env: ["STET_PRICES": card])
        XCTAssertEqual(r.status, 0, r.stderr)
        let export = try Stet.run(["ledger", "export", "--format", "jsonl", "--ledger", ledger], env: ["STET_PRICES": card])
        let entry = try JSONSerialization.jsonObject(with: Data(export.stdout.split(separator: "\n")[0].utf8)) as! [String: Any]
        let sheetWidth = ((entry["outputs"] as! [[String: Any]])[0]["width"] as? Int) ?? 0
        XCTAssertGreaterThan(sheetWidth, 320)   // the sheet itself would need the 720p tier
        let avoided = (entry["avoided"] as! [[String: Any]])[0]
        XCTAssertEqual(avoided["what"] as? String, "1 × vid generation of 5.52 s at 180p (the smallest tier covering 320x180), from --avoids")
        XCTAssertEqual(avoided["subtotal"] as! Double, 0.552, accuracy: 1e-9)
        XCTAssertEqual((entry["parameters"] as! [String: String])["avoided-tier"], "180p")
    }

    func testImageCommandsNameAClipForWhatItIs() throws {
        let clip = try requireClip()
        let dir = try Stet.tempDir()
        let r = try Stet.run(["mask", clip, "--rect", "0,0,10,10", "-o", dir.appendingPathComponent("m.png").path, "--no-log"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "stet: \(clip): is a video clip, not an image (stet draft, sheet, upscale and reframe take clips)\n")
        XCTAssertEqual(Stet.listing(dir), [])
    }

    /// A clip enlarged frame by frame: every frame there at its time, the audio copied, each frame
    /// the still upscaler's result (up to H.264's loss), a held shot as still as its source, and
    /// the use recorded per second of video.
    func testUpscaleEnlargesEveryFrameAndKeepsTimingAndAudio() throws {
        let clip = try requireClip()
        guard let ffmpeg = TestClips.ffmpeg else { throw XCTSkip("no ffmpeg") }
        let dir = try Stet.tempDir()
        let out = dir.appendingPathComponent("shot@2x.mp4").path, ledger = dir.appendingPathComponent("l.sqlite").path
        let r = try Stet.run(["upscale", clip, "--scale", "2", "--out", dir.path, "--json", "--ledger", ledger,
                              "--avoids", "gen4-turbo"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let result = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(result["output"] as? String, out)
        XCTAssertEqual([result["width"] as? Int, result["height"] as? Int, result["frames"] as? Int], [640, 360, 138])
        let probe = try TestClips.output(TestClips.ffprobe, ["-v", "error", "-count_frames", "-show_entries",
                                                             "stream=codec_name,width,height,nb_read_frames", "-of", "csv=p=0", out])
        XCTAssertEqual(probe.split(separator: "\n").first.map(String.init), "h264,640,360,138")
        XCTAssertTrue(probe.contains("\naac,"), probe)
        // The audio is the source's, packet for packet.
        let md5 = { (file: String) in try TestClips.output(ffmpeg, ["-v", "error", "-i", file, "-map", "0:a", "-c", "copy", "-f", "md5", "-"]) }
        XCTAssertEqual(try md5(out), try md5(clip))
        // Frame 60 (in the held shot) against the still upscaler on the same source frame.
        let srcFrame = dir.appendingPathComponent("f.png").path, outFrame = dir.appendingPathComponent("g.png").path
        for (file, to) in [(clip, srcFrame), (out, outFrame)] {
            _ = try TestClips.output(ffmpeg, ["-v", "error", "-i", file, "-vf", "select=eq(n\\,60)", "-frames:v", "1", "-y", to])
        }
        let still = dir.appendingPathComponent("s.png").path
        XCTAssertEqual(try Stet.run(["upscale", srcFrame, "--scale", "2", "-o", still, "--no-log"]).status, 0)
        XCTAssertGreaterThan(try PixelCoreBridge.psnr(PixelCoreBridge.load(outFrame), PixelCoreBridge.load(still)), 36)
        // The held shot stays still: no more frame-to-frame change than the source has.
        let change = try XCTUnwrap(result["outputChange"] as? Double), source = try XCTUnwrap(result["sourceChange"] as? Double)
        XCTAssertLessThanOrEqual(change, source * 1.1 + 0.05)
        // Priced per second: one generation of the 5.52 s clip.
        let export = try Stet.run(["ledger", "export", "--format", "jsonl", "--ledger", ledger])
        let entry = try JSONSerialization.jsonObject(with: Data(export.stdout.split(separator: "\n")[0].utf8)) as! [String: Any]
        XCTAssertEqual(entry["operation"] as? String, "upscale")
        let avoided = (entry["avoided"] as! [[String: Any]])[0]
        XCTAssertEqual(avoided["quantity"] as! Double, 5.52, accuracy: 1e-9)
    }

    func testUpscaleOfAClipRefusesWhatOnlyStillsTake() throws {
        let clip = try requireClip()
        let dir = try Stet.tempDir()
        let cases: [([String], String)] = [
            (["upscale", clip, "--width", "640", "-o", dir.appendingPathComponent("a.mp4").path],
             "stet: Expected --scale 2, 3 or 4 for a video clip but received --width\n"),
            (["upscale", clip, "--scale", "2", "-o", dir.appendingPathComponent("a.jpg").path],
             "stet: Expected an .mp4 output for a video clip but received \(dir.appendingPathComponent("a.jpg").path)\n"),
            (["upscale", clip, Stet.fixture("candidate-1.jpg"), "--scale", "2", "--out", dir.path],
             "stet: Expected only images or only video clips but received both; upscale them in two runs\n"),
        ]
        for (args, message) in cases {
            let r = try Stet.run(args + ["--no-log"])
            XCTAssertEqual(r.status, 2, args.joined(separator: " "))
            XCTAssertEqual(r.stderr, message)
        }
        XCTAssertEqual(Stet.listing(dir), [])
    }

    /// Reframe of a clip: a white square crosses a dark frame, then a cut to a still scene. The
    /// window pans with the square (it stays whole in every sampled frame and in the rendered
    /// frames), never jitters back, holds still in the still scene, and switches only at the cut.
    func testReframeFollowsTheSubjectAndHoldsAcrossNoCut() throws {
        guard let ffmpeg = TestClips.ffmpeg else { throw XCTSkip("no ffmpeg") }
        let dir = try Stet.tempDir()
        let clip = dir.appendingPathComponent("run.mp4").path
        _ = try TestClips.output(ffmpeg, ["-v", "error", "-y",
            "-f", "lavfi", "-i", "color=c=0x202020:s=480x270:r=25:d=2", "-f", "lavfi", "-i", "color=c=white:s=60x60:r=25:d=2",
            "-f", "lavfi", "-i", "color=c=0x402010:s=480x270:r=25:d=2", "-f", "lavfi", "-i", "color=c=0xFFE000:s=80x80:r=25:d=2",
            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:d=4",
            "-filter_complex", "[0][1]overlay=x='100+n*5.6':y=105[a];[2][3]overlay=x=40:y=95[b];[a][b]concat=n=2,format=yuv420p[v]",
            "-map", "[v]", "-map", "4:a", "-c:v", "libx264", "-crf", "18", "-c:a", "aac", "-shortest", clip])
        let out = dir.appendingPathComponent("social").path
        let r = try Stet.run(["reframe", clip, "--for", "shorts", "--out", out, "--json", "--no-log"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let plan = try json(out + "/run-plan.json")
        let target = (plan["targets"] as! [[String: Any]])[0]
        XCTAssertEqual([target["width"] as? Int, target["height"] as? Int, target["windowWidth"] as? Int], [1080, 1920, 152])
        let scenes = target["scenes"] as! [[String: Any]]
        XCTAssertEqual(scenes.map { $0["startFrame"] as! Int }, [0, 50])
        XCTAssertEqual(scenes.map { $0["motion"] as! String }, ["pan", "hold"])
        func x(_ p: Any?) -> Int { (p as! [String: Int])["x"]! }
        // Scene 1 pans right with the square; every sampled frame's square lies inside the path.
        let from = x(scenes[0]["from"]), to = x(scenes[0]["to"])
        XCTAssertGreaterThan(to - from, 200)
        for f in stride(from: 0, to: 50, by: 5) {
            let at = Double(from) + Double(to - from) * Double(f) / 49
            let square = 100 + 5.6 * Double(f)
            XCTAssertLessThanOrEqual(at, square + 2, "frame \(f)")
            XCTAssertGreaterThanOrEqual(at + 152, square + 60 - 2, "frame \(f)")
        }
        // Scene 2 holds on the still square (x 40..120).
        XCTAssertEqual(x(scenes[1]["from"]), x(scenes[1]["to"]))
        XCTAssertLessThanOrEqual(x(scenes[1]["from"]), 40)
        XCTAssertGreaterThanOrEqual(x(scenes[1]["from"]) + 152, 120)
        // The rendered frame 25: the square is inside the picture, white where the path puts it.
        let frame = dir.appendingPathComponent("f25.png").path
        _ = try TestClips.output(ffmpeg, ["-v", "error", "-i", out + "/run-shorts.mp4", "-vf", "select=eq(n\\,25)", "-frames:v", "1", "-y", frame])
        let picture = try PixelCoreBridge.load(frame)
        XCTAssertEqual([picture.width, picture.height], [1080, 1920])
        let at25 = Double(from) + Double(to - from) * 25 / 49
        let centre = Int(((100 + 5.6 * 25 + 30) - at25) * 1080 / 152)
        let white = try PixelCoreBridge.mean(picture, x: max(0, centre - 60), y: 960 - 60, width: 120, height: 120)
        XCTAssertGreaterThan(white[0], 230)
        // Timing and audio kept.
        let probe = try TestClips.output(TestClips.ffprobe, ["-v", "error", "-count_frames", "-show_entries",
                                                             "stream=codec_name,nb_read_frames", "-of", "csv=p=0", out + "/run-shorts.mp4"])
        XCTAssertEqual(probe.split(separator: "\n").first.map(String.init), "h264,100")
        XCTAssertTrue(probe.contains("\naac,"), probe)
    }

    func testBadClipsAreOneLineErrorsWithNothingLeftBehind() throws {
        let clip = try requireClip()
        guard let ffmpeg = TestClips.ffmpeg else { throw XCTSkip("no ffmpeg") }
        let dir = try Stet.tempDir()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: clip))
        func write(_ name: String, _ data: Data) throws -> String {
            let p = dir.appendingPathComponent(name).path
            try data.write(to: URL(fileURLWithPath: p))
            return p
        }
        // The file as a download cut short: everything before the moov atom (x264 + MP4 puts it last).
        let moov = bytes.range(of: Data("moov".utf8))!.lowerBound
        let truncated = try write("cut-short.mp4", bytes.prefix(moov - 4))
        // The video sample entry's codec renamed to one nothing knows.
        var unknownBytes = bytes
        let stsd = unknownBytes.range(of: Data("stsd".utf8))!.lowerBound
        let avc1 = unknownBytes.range(of: Data("avc1".utf8), in: stsd..<unknownBytes.count)!
        unknownBytes.replaceSubrange(avc1, with: Data("zzzz".utf8))
        let unknown = try write("unknown-codec.mp4", unknownBytes)
        // An audio file; a one-frame clip; an AVI whose headers claim 100,000 x 100,000.
        let audio = dir.appendingPathComponent("tone.m4a").path
        _ = try TestClips.output(ffmpeg, ["-v", "error", "-f", "lavfi", "-i", "sine=frequency=440", "-t", "1", "-c:a", "aac", audio])
        let one = dir.appendingPathComponent("one-frame.mp4").path
        _ = try TestClips.output(ffmpeg, ["-v", "error", "-f", "lavfi", "-i", "testsrc=s=64x48:r=25", "-frames:v", "1",
                                          "-c:v", "libx264", "-pix_fmt", "yuv420p", one])
        let small = dir.appendingPathComponent("small.avi").path
        _ = try TestClips.output(ffmpeg, ["-v", "error", "-f", "lavfi", "-i", "testsrc=s=64x48:r=25", "-frames:v", "2",
                                          "-c:v", "rawvideo", "-pix_fmt", "bgr24", small])
        var avi = try Data(contentsOf: URL(fileURLWithPath: small))
        func put(_ value: UInt32, at offset: Int) {
            withUnsafeBytes(of: value.littleEndian) { avi.replaceSubrange(offset..<offset + 4, with: $0) }
        }
        let avih = avi.range(of: Data("avih".utf8))!.lowerBound, strf = avi.range(of: Data("strf".utf8))!.lowerBound
        put(100_000, at: avih + 40); put(100_000, at: avih + 44); put(100_000, at: strf + 12); put(100_000, at: strf + 16)
        let huge = try write("huge.avi", avi)
        try FileManager.default.removeItem(atPath: small)
        let empty = try write("empty.mp4", Data())

        let expected: [(String, String)] = [
            (truncated, "truncated or unfinished MP4: the moov atom (the clip's index) is missing, so no frame can be found; re-export or download it again"),
            (audio, "clip has no video stream (audio only)"),
            (unknown, "unknown video codec 'zzzz' (not one FFmpeg 59.37 can decode)"),
            (one, "clip has only one frame: a still, not a clip (give it to Stet as an image)"),
            (huge, "header claims 100000x100000 frames, beyond the 16384x16384 any decoder here accepts (damaged or hostile clip)"),
            (empty, "empty file (0 bytes), not a clip"),
        ]
        let before = Stet.listing(dir)
        for (file, problem) in expected {
            let sums = try Stet.sha256sum(file)
            let sheet = try Stet.run(["sheet", file, "-o", dir.appendingPathComponent("out.jpg").path, "--no-log"])
            XCTAssertEqual(sheet.status, 1)
            XCTAssertEqual(sheet.stderr, "stet: \(file): \(problem)\n")
            let draft = try Stet.run(["draft", file, "--out", dir.appendingPathComponent("drafts").path, "--no-log", "-q"])
            XCTAssertEqual(draft.status, 1)
            XCTAssertEqual(draft.stderr, "stet: \(file): \(problem)\n")
            XCTAssertEqual(try Stet.sha256sum(file), sums, "the input is untouched")
        }
        XCTAssertEqual(Stet.listing(dir), before, "nothing left behind")
    }
}
