import Foundation
import PixelCore
import XCTest

/// Every image command over a batch: folders, name patterns, --json, failures in the middle,
/// and the checks that run before any work, with their texts word for word.
final class BatchCLITests: XCTestCase {
    let candidates = (1...4).map { Stet.fixture("candidate-\($0).jpg") }

    /// A folder of the four candidates with a damaged file in the middle (sorted order).
    func folderWithABadFile() throws -> (URL, String) {
        let dir = try Stet.tempDir()
        let shots = dir.appendingPathComponent("shots")
        try FileManager.default.createDirectory(at: shots, withIntermediateDirectories: true)
        for (i, c) in candidates.enumerated() {
            try FileManager.default.copyItem(atPath: c, toPath: shots.appendingPathComponent("c\(i + 1).jpg").path)
        }
        let bad = shots.appendingPathComponent("c2b.jpg").path
        try Data().write(to: URL(fileURLWithPath: bad))
        return (dir, bad)
    }

    func lines(_ text: String) -> [String] { text.split(separator: "\n").map(String.init) }

    func testUpscaleBatchFromAFolderWithAPatternAndJSON() throws {
        let (dir, bad) = try folderWithABadFile()
        let out = dir.appendingPathComponent("up").path
        let ledger = dir.appendingPathComponent("l.sqlite").path
        let run = try Stet.run(["upscale", dir.appendingPathComponent("shots").path, "--scale", "2", "--out", out,
                                "-o", "%s_2x.png", "--json", "--ledger", ledger])
        // The bad file is named, the others are made, and the batch exits 1 at the end.
        XCTAssertEqual(run.status, 1, run.stderr)
        XCTAssertEqual(lines(run.stderr), ["stet: \(bad): empty file (0 bytes)", "stet: 1 of 5 files failed"])
        XCTAssertFalse(run.stderr.contains("\r"), "no progress bar off a terminal")
        XCTAssertEqual(Stet.listing(URL(fileURLWithPath: out)), ["c1_2x.png", "c2_2x.png", "c3_2x.png", "c4_2x.png"])
        let objects = try lines(run.stdout).map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        XCTAssertEqual(objects.count, 4)
        for (i, o) in objects.enumerated() {
            let path = try XCTUnwrap(o["output"] as? String)
            XCTAssertEqual(path, "\(out)/c\(i + 1)_2x.png")
            let image = try Image.open(path)
            XCTAssertEqual([o["width"] as? Int, o["height"] as? Int], [image.width, image.height])
            XCTAssertEqual(image.width, 2 * (o["inputWidth"] as! Int))
            XCTAssertEqual(o["plan"] as? String, "learned-x2+refiner")
        }
        // Each file is its own use: four avoided finals and one failure.
        let report = try Stet.run(["savings", "--ledger", ledger, "--format", "json"])
        let doc = try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as! [String: Any]
        let total = (doc["totals"] as! [[String: Any]])[0]
        XCTAssertEqual(total["entries"] as? Int, 5)
        XCTAssertEqual(total["failed"] as? Int, 1)
    }

    func testEveryImageCommandTakesAFolder() throws {
        let (dir, _) = try folderWithABadFile()
        let shots = dir.appendingPathComponent("shots")
        try FileManager.default.removeItem(atPath: shots.appendingPathComponent("c2b.jpg").path)
        func ok(_ args: [String]) throws -> [String] {
            let run = try Stet.run(args + (args[0] == "info" ? [] : ["--no-log"]))
            XCTAssertEqual(run.status, 0, "\(args): \(run.stderr)")
            return lines(run.stdout)
        }
        XCTAssertEqual(try ok(["info", shots.path, "--json"]).count, 4)
        let masks = dir.appendingPathComponent("masks").path
        XCTAssertEqual(try ok(["mask", shots.path, "--rect", "10,10,20,20", "--out", masks, "-o", "%s.png", "--json"]).count, 4)
        XCTAssertEqual(Stet.listing(URL(fileURLWithPath: masks)), ["c1.png", "c2.png", "c3.png", "c4.png"])
        let fixed = dir.appendingPathComponent("fixed").path
        XCTAssertEqual(try ok(["inpaint", shots.path, "--mask", masks + "/%s.png", "--out", fixed, "-o", "%s.png", "--json"]).count, 4)
        let patched = dir.appendingPathComponent("patched").path
        XCTAssertEqual(try ok(["patch", shots.path, "--with", fixed + "/%s.png", "--mask", masks + "/%s.png", "--out", patched,
                               "-o", "%s.png", "--json"]).count, 4)
        let social = dir.appendingPathComponent("social").path
        XCTAssertEqual(try ok(["reframe", shots.path, "--to", "1:1", "--out", social, "--json"]).count, 4)
        XCTAssertTrue(Stet.listing(URL(fileURLWithPath: social)).contains("c3-1x1.jpg"))
        let cells = dir.appendingPathComponent("cells").path
        XCTAssertEqual(try ok(["split", shots.path, "--grid", "2x2", "--out", cells, "--json"]).count, 4)
        XCTAssertEqual(Stet.listing(URL(fileURLWithPath: cells)).count, 16)
    }

    func testStandardInputAndOutput() throws {
        let dir = try Stet.tempDir()
        let out = dir.appendingPathComponent("from-stdout.webp")
        let p = Process()
        p.executableURL = Stet.binary
        p.arguments = ["upscale", "-", "--scale", "2", "-o", "-", "--format", "webp", "--no-log"]
        p.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: candidates[0]))
        FileManager.default.createFile(atPath: out.path, contents: nil)
        p.standardOutput = try FileHandle(forWritingTo: out)
        try p.run(); p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        let image = try Image.open(out.path)
        let source = try Image.open(candidates[0])
        XCTAssertEqual([image.width, image.height], [2 * source.width, 2 * source.height])
        XCTAssertEqual(image.loader, "webpload")
    }

    func testIdenticalTargetsAreRenderedOnceAndCountedOnce() throws {
        let dir = try Stet.tempDir()
        let ledger = dir.appendingPathComponent("l.sqlite").path
        let run = try Stet.run(["reframe", Stet.fixture("reframe/scene-two.jpg"), "--for", "shorts,reels,tiktok",
                                "--out", dir.path, "--ledger", ledger])
        XCTAssertEqual(run.status, 0, run.stderr)
        let names = ["shorts", "reels", "tiktok"].map { dir.appendingPathComponent("scene-two-\($0).jpg").path }
        var inodes = Set<UInt64>()
        for n in names {
            var st = stat()
            XCTAssertEqual(stat(n, &st), 0)
            inodes.insert(UInt64(st.st_ino))
        }
        XCTAssertEqual(inodes.count, 1, "one render, linked to each name")
        let report = try Stet.run(["savings", "--ledger", ledger, "--format", "json"])
        let doc = try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as! [String: Any]
        let total = (doc["totals"] as! [[String: Any]])[0]
        // One final avoided (0.04 on the built-in card), not three.
        XCTAssertEqual(total["avoided"] as? Double, 0.04)
    }

    /// Everything a new user tried that must fail before any work, word for word.
    func testChecksBeforeAnyWork() throws {
        let dir = try Stet.tempDir()
        func fails(_ args: [String], _ status: Int32, _ message: String, file: StaticString = #filePath, line: UInt = #line) throws {
            let run = try Stet.run(args)
            XCTAssertEqual(run.status, status, "\(args): \(run.stderr)", file: file, line: line)
            XCTAssertEqual(run.stderr, message + "\n", "\(args)", file: file, line: line)
        }
        let missing = dir.appendingPathComponent("no/such").path
        try fails(["upscale", candidates[0], "--scale", "4", "-o", missing + "/x.png", "--no-log"], 1,
                  "stet: \(missing)/x.png: folder \(missing) does not exist")
        let file = dir.appendingPathComponent("file").path
        FileManager.default.createFile(atPath: file, contents: Data("x".utf8))
        try fails(["upscale", candidates[0], "--scale", "4", "--out", file, "--no-log"], 1, "stet: \(file): is a file, not a folder")
        try fails(["draft", candidates[0], "--out", dir.appendingPathComponent("d").path, "--manifest", missing + "/m.json", "--no-log"], 1,
                  "stet: \(missing)/m.json: folder \(missing) does not exist")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("d").path), "no proxies written")
        try fails(["grid"] + candidates + ["-o", dir.appendingPathComponent("g.jpg").path, "--map", missing + "/g.json", "--no-log"], 1,
                  "stet: \(missing)/g.json: folder \(missing) does not exist")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("g.jpg").path))
        try fails(["reframe", candidates[0], "--to", "1:1", "--saliency-map", missing + "/s.png", "--out", dir.path, "--no-log"], 1,
                  "stet: \(missing)/s.png: folder \(missing) does not exist")
        let ro = dir.appendingPathComponent("ro.sqlite").path
        FileManager.default.createFile(atPath: ro, contents: nil, attributes: [.posixPermissions: 0o444])
        if getuid() != 0 {
            try fails(["upscale", candidates[0], "--scale", "2", "-o", dir.appendingPathComponent("u.png").path, "--ledger", ro], 2,
                      "\(ro): ledger is read-only; make it writable, or pass --no-log to record nothing")
        }
        try fails(["draft", candidates[0], "--size", "-5", "--no-log"], 2,
                  "Expected positive integer for size but received -5\nUsage: stet draft [<options>] <images> ...\n  See 'stet draft --help' for more information.")
        try fails(["reframe", candidates[0], "--to", "1:1", "--focus", "1.5,0.5", "--no-log"], 2,
                  "Expected fractions between 0 and 1 (0.3,0.6) or whole pixels (640,360) for focus but received 1.5,0.5\nUsage: stet reframe [<options>] [<images> ...]\n  See 'stet reframe --help' for more information.")
        try fails(["upscale", candidates[0], candidates[1], "--scale", "2", "-o", "x.png", "--no-log"], 2,
                  "Expected a name pattern such as %s_2x.png for output (several inputs) but received x.png\nUsage: stet upscale [<options>] <images> ...\n  See 'stet upscale --help' for more information.")
        try fails(["upscal", "x"], 2, "stet: unknown command 'upscal'; did you mean 'upscale'? (stet --help lists the commands)")
        let bare = try Stet.run([])
        XCTAssertEqual(bare.status, 2)
        XCTAssertTrue(bare.stderr.contains("SUBCOMMANDS:") && bare.stderr.contains("upscale"), bare.stderr)
        XCTAssertEqual(Stet.listing(dir), ["file", "ro.sqlite"])
    }

    func testRatioNamesAndAnRGBAMask() throws {
        let dir = try Stet.tempDir()
        let run = try Stet.run(["reframe", candidates[0], "--to", "21:9", "--out", dir.path, "--no-log"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(Stet.listing(dir).contains("candidate-1-21x9.jpg"), "\(Stet.listing(dir))")
        // An OpenAI-convention mask (RGBA, transparent = edit) given to inpaint is named.
        let mask = dir.appendingPathComponent("openai.png").path
        let m = try Stet.run(["mask", candidates[0], "--rect", "10,10,20,20", "--for", "openai", "-o", mask, "--no-log"])
        XCTAssertEqual(m.status, 0, m.stderr)
        let out = dir.appendingPathComponent("fixed.png").path
        let r = try Stet.run(["inpaint", candidates[0], "--mask", mask, "-o", out, "--no-log"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "stet: \(mask): is an RGBA mask in OpenAI's convention (transparent = edit), not a canonical mask (white = edit); stet mask \(mask) --from-alpha -o mask.png converts it\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }

    func testDraftWarnsAboutRenamedOutputsAndListsFailures() throws {
        let dir = try Stet.tempDir()
        for sub in ["a", "b"] {
            try FileManager.default.createDirectory(at: dir.appendingPathComponent(sub), withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: candidates[0], toPath: dir.appendingPathComponent("\(sub)/x.jpg").path)
        }
        let bad = dir.appendingPathComponent("a/bad.jpg").path
        try Data([0xFF]).write(to: URL(fileURLWithPath: bad))
        let out = dir.appendingPathComponent("d").path, manifest = dir.appendingPathComponent("m.json").path
        let run = try Stet.run(["draft", dir.appendingPathComponent("a/x.jpg").path, bad, dir.appendingPathComponent("b/x.jpg").path,
                                "--out", out, "--manifest", manifest, "--no-log", "-q"])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.hasPrefix("warning: \(dir.path)/b/x.jpg: output renamed to \(out)/x-2.jpg (\(dir.path)/a/x.jpg has the same name)\n"), run.stderr)
        XCTAssertEqual(Stet.listing(URL(fileURLWithPath: out)), ["x-2.jpg", "x.jpg"])
        let doc = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: manifest))) as! [String: Any]
        XCTAssertEqual((doc["proxies"] as! [Any]).count, 2)
        let failures = doc["failures"] as! [[String: String]]
        XCTAssertEqual(failures.map { $0["source"] }, [bad])
    }
}
