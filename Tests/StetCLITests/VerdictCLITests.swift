import Foundation
import XCTest

/// The same damaged file gives the same exit code and the same stderr, word for word, on every
/// run of every command that decodes, whatever the thread count, and leaves nothing behind.
/// The damaged files are made here from fixtures: a JPEG cut at 97% (where libvips 8.14 on
/// several threads sometimes accepted it), a PNG without its IEND chunk (which libvips always
/// accepted), a JPEG whose entropy-coded data is overwritten near its end, and an empty file.
final class VerdictCLITests: XCTestCase {
    struct Damaged {
        var path: String
        var message: String
    }

    func makeCorpus(in dir: URL) throws -> [Damaged] {
        let jpeg = try Data(contentsOf: URL(fileURLWithPath: Stet.fixture("candidate-1.jpg")))
        let png = try Data(contentsOf: URL(fileURLWithPath: Stet.fixture("alpha.png")))
        let cut = dir.appendingPathComponent("cut.jpg").path
        try jpeg.prefix(jpeg.count * 97 / 100).write(to: URL(fileURLWithPath: cut))
        let noEnd = dir.appendingPathComponent("no-end.png").path
        try png.dropLast(12).write(to: URL(fileURLWithPath: noEnd))
        var scan = [UInt8](jpeg)
        var state: UInt32 = 7
        for k in (scan.count * 99 / 100)..<(scan.count * 99 / 100 + 48) {
            state = state &* 1_103_515_245 &+ 12345
            scan[k] = UInt8((state >> 16) % 255)           // never FF: no marker appears
        }
        let damaged = dir.appendingPathComponent("scan.jpg").path
        try Data(scan).write(to: URL(fileURLWithPath: damaged))
        let empty = dir.appendingPathComponent("empty.jpg").path
        FileManager.default.createFile(atPath: empty, contents: Data())
        return [
            Damaged(path: cut, message: "\(cut): truncated JPEG (premature end of data); --lenient decodes what is there"),
            Damaged(path: noEnd, message: "\(noEnd): truncated PNG (no IEND chunk after the IDAT chunk); --lenient decodes what is there"),
            Damaged(path: damaged, message: "\(damaged): corrupt JPEG ("),
            Damaged(path: empty, message: "\(empty): empty file (0 bytes)"),
        ]
    }

    /// Runs `args` 5 times (VIPS_CONCURRENCY 1, 4, 1, 4, 1) and returns the one stderr seen
    /// (without draft's timed summary), asserting exit code 1 each time and an output folder
    /// left empty.
    func verdict(_ args: [String], out: URL, line: UInt = #line) throws -> String {
        var seen: Set<String> = []
        for run in 0..<5 {
            let r = try Stet.run(args, env: ["VIPS_CONCURRENCY": run % 2 == 0 ? "1" : "4"])
            XCTAssertEqual(r.status, 1, "\(args): \(r.stderr)", line: line)
            // draft's summary line carries the time taken; everything else must repeat exactly.
            seen.insert(r.stderr.split(separator: "\n").filter { !$0.hasPrefix("draft: ") }.joined(separator: "\n"))
            XCTAssertEqual(Stet.listing(out), [], "\(args) left output", line: line)
        }
        XCTAssertEqual(seen.count, 1, "\(args): \(seen)", line: line)
        return seen.first ?? ""
    }

    func testEveryDecodingCommandGivesOneVerdict() throws {
        let dir = try Stet.tempDir()
        let corpus = try makeCorpus(in: dir)
        let out = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let good = Stet.fixture("candidate-1.jpg")
        let mask = dir.appendingPathComponent("mask.png").path
        XCTAssertEqual(try Stet.run(["mask", good, "--rect", "10,10,40,40", "-o", mask, "--no-log"]).status, 0)
        let o = out.path
        for damaged in corpus {
            let f = damaged.path
            let commands: [[String]] = [
                ["draft", f, "--out", o],
                ["grid", f, good, "-o", o + "/sheet.jpg"],
                ["reframe", f, "--to", "1:1", "--out", o],
                ["upscale", f, "--scale", "2", "-o", o + "/up.png"],
                ["mask", f, "--rect", "1,1,4,4", "-o", o + "/m.png"],
                ["inpaint", f, "--mask", mask, "-o", o + "/i.png"],
                ["patch", good, "--with", f, "--mask", mask, "-o", o + "/p.png"],
                ["split", f, "--grid", "2x2", "--out", o],
            ]
            for args in commands {
                let stderr = try verdict(args + ["--no-log"], out: out)
                let first = stderr.split(separator: "\n").first.map(String.init) ?? ""
                if damaged.message.hasSuffix("(") {
                    // libjpeg's own words for the damage, the same on every run.
                    XCTAssertTrue(first.hasPrefix("stet: " + damaged.message), "\(args[0]): \(first)")
                    XCTAssertTrue(first.hasSuffix("); --lenient decodes what is there"), "\(args[0]): \(first)")
                } else {
                    XCTAssertEqual(first, "stet: " + damaged.message, args[0])
                }
                XCTAssertFalse(stderr.contains("VipsForeignSave"), stderr)
                XCTAssertFalse(stderr.contains("stet-tmp"), stderr)
            }
        }
    }

    /// A batch with damaged files among good ones: the same stderr and exit code with one
    /// worker or two (where libvips runs one thread per file).
    func testDraftBatchVerdictIsTheSameForAnyJobs() throws {
        let dir = try Stet.tempDir()
        let corpus = try makeCorpus(in: dir)
        let out = dir.appendingPathComponent("out")
        // Headers that libvips' own loaders refuse: their messages come through libvips' one
        // error buffer, shared by the two workers' threads, and must still be each file's own.
        let gif = dir.appendingPathComponent("bad.gif").path
        try Data("GIF89a".utf8 + [0x10, 0, 0x10, 0, 0xF7, 0, 0]).write(to: URL(fileURLWithPath: gif))
        let tiff = dir.appendingPathComponent("bad.tif").path
        try Data([0x49, 0x49, 0x2A, 0x00, 0x08, 0, 0, 0, 0xFF, 0xFF]).write(to: URL(fileURLWithPath: tiff))
        let inputs = [Stet.fixture("candidate-1.jpg")] + corpus.map(\.path) + [gif, tiff, Stet.fixture("candidate-2.jpg")]
        var seen: Set<String> = []
        for run in 0..<10 {
            try? FileManager.default.removeItem(at: out)
            let r = try Stet.run(["draft"] + inputs + ["--out", out.path, "--jobs", run % 2 == 0 ? "1" : "2", "--no-log"],
                                 env: ["VIPS_CONCURRENCY": run % 4 < 2 ? "1" : "4"])
            XCTAssertEqual(r.status, 1, r.stderr)
            // The summary line carries a time; everything else must repeat exactly.
            let lines = r.stderr.split(separator: "\n").filter { !$0.hasPrefix("draft: ") }
            seen.insert(lines.joined(separator: "\n"))
            XCTAssertEqual(Stet.listing(out), ["candidate-1.jpg", "candidate-2.jpg"])
        }
        XCTAssertEqual(seen.count, 1, "\(seen)")
        let lines = seen.first?.split(separator: "\n").map(String.init) ?? []
        for damaged in corpus where !damaged.message.hasSuffix("(") {
            XCTAssertTrue(lines.contains("stet: " + damaged.message), "\(lines)")
        }
        for path in [gif, tiff] {
            XCTAssertEqual(lines.filter { $0.hasPrefix("stet: \(path): ") }.count, 1, "\(lines)")
        }
        XCTAssertEqual(lines.last, "stet: 6 of 8 files failed")
    }
}
