import Foundation
import PixelCore
import XCTest

final class UpscaleCLITests: XCTestCase {
    /// A 30×20 RGB PNG with edges and a gradient, written into `dir`.
    func input(in dir: URL, name: String = "in.png") throws -> String {
        let (w, h) = (30, 20)
        var bytes = [UInt8](repeating: 0, count: w * h * 3)
        for y in 0..<h {
            for x in 0..<w {
                let i = (y * w + x) * 3
                bytes[i] = x < 15 ? 40 : 210
                bytes[i + 1] = UInt8(y * 12)
                bytes[i + 2] = UInt8((x * 7 + y * 3) % 256)
            }
        }
        let path = dir.appendingPathComponent(name).path
        try Image.fromPixels(bytes, width: w, height: h, bands: 3).copyInterpretation(.srgb).save(path)
        return path
    }

    func testOutputSizesForEveryFlagCombination() throws {
        let dir = try Stet.tempDir()
        let src = try input(in: dir)
        let cases: [([String], Int, Int, String)] = [
            (["--scale", "2"], 60, 40, "learned-x2+refiner"),
            (["--scale", "2", "--back-projection", "on"], 60, 40, "learned-x2+refiner+backproject"),
            (["--scale", "3"], 90, 60, "learned-x3+refiner+backproject"),
            (["--scale", "4"], 120, 80, "learned-x4+refiner+backproject"),
            (["--scale", "4", "--preset", "fast"], 120, 80, "learned-x4+refiner+backproject"),
            (["--scale", "4", "--preset", "best"], 120, 80, "learned-x4+refiner+flips+transposes+backproject"),
            (["--scale", "2", "--preset", "best"], 60, 40, "learned-x2+refiner+flips+transposes+backproject"),
            (["--scale", "4", "--preset", "best", "--flips", "off"], 120, 80, "learned-x4+refiner+backproject"),
            (["--scale", "4", "--back-projection", "off"], 120, 80, "learned-x4+refiner"),
            (["--scale", "4", "--preset", "best", "--back-projection", "off"], 120, 80, "learned-x4+refiner+flips+transposes"),
            (["--scale", "4", "--flips", "on"], 120, 80, "learned-x4+refiner+flips+backproject"),
            (["--scale", "2", "--flips", "all"], 60, 40, "learned-x2+refiner+flips+transposes"),
            (["--scale", "2", "--flips", "on"], 60, 40, "learned-x2+refiner+flips"),
            (["--width", "45"], 45, 30, "learned-x2+refiner+lanczos3"),
            (["--height", "50"], 75, 50, "learned-x3+refiner+backproject+lanczos3"),
            (["--height", "50", "--preset", "best"], 75, 50, "learned-x3+refiner+flips+transposes+backproject+lanczos3"),
            (["--width", "150"], 150, 100, "lanczos3"),
        ]
        // A width that would shrink the input is refused, naming the input, and writes nothing.
        let shrink = dir.appendingPathComponent("shrunk.png").path
        let refused = try Stet.run(["upscale", src, "--width", "20", "-o", shrink, "--no-log"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertEqual(refused.stderr, "stet: \(src): is 30x20, so a width of 20 would not enlarge it; upscale only enlarges (stet draft makes smaller copies)\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: shrink))
        for (flags, w, h, plan) in cases {
            for method in ["auto", "learned", "lanczos"] {
                if method == "learned" && plan == "lanczos3" { continue }
                let out = dir.appendingPathComponent("out-\(flags.joined())-\(method).png").path
                let run = try Stet.run(["upscale", src] + flags + ["--method", method, "-o", out, "--no-log"])
                XCTAssertEqual(run.status, 0, "\(flags) \(method): \(run.stderr)")
                let image = try Image.open(out)
                XCTAssertEqual([image.width, image.height, image.bands], [w, h, 3], "\(flags) \(method)")
                let expected = method == "lanczos" ? "lanczos3" : plan
                XCTAssertEqual(run.stdout, "\(out): \(w)x\(h) (\(expected))\n")
            }
        }
        // --no-refiner: the bank alone, same size.
        let bankOnly = dir.appendingPathComponent("bank-only.png").path
        let plain = try Stet.run(["upscale", src, "--scale", "2", "--no-refiner", "-o", bankOnly, "--no-log"])
        XCTAssertEqual(plain.stdout, "\(bankOnly): 60x40 (learned-x2)\n", plain.stderr)
        // --sharpen keeps the size.
        let sharp = dir.appendingPathComponent("sharp.jpg").path
        let run = try Stet.run(["upscale", src, "--scale", "2", "--sharpen", "2", "-o", sharp, "--no-log"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let image = try Image.open(sharp)
        XCTAssertEqual([image.width, image.height], [60, 40])
    }

    func testOrientationIsAppliedBeforeChoosingThePath() throws {
        // 400×300 stored, EXIF 6: upright 300×400, so --scale 2 is an exact learned x2.
        let dir = try Stet.tempDir()
        let out = dir.appendingPathComponent("up.png").path
        let run = try Stet.run(["upscale", Stet.fixture("orientation-6.jpg"), "--scale", "2", "-o", out, "--no-log"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stdout, "\(out): 600x800 (learned-x2+refiner)\n")
        let image = try Image.decode(out)
        XCTAssertEqual([image.width, image.height], [600, 800])
        // The fixture's left 130 stored columns are red: upright, that is the top 260 rows.
        let top = try image.cropped(x: 300, y: 40, width: 1, height: 1).pixels()
        XCTAssertGreaterThan(Int(top[0]), 200)
        XCTAssertLessThan(Int(top[1]), 60)
    }

    func testLearnedDiffersFromLanczosAndKeepsTheColours() throws {
        let dir = try Stet.tempDir()
        let src = try input(in: dir)
        let a = dir.appendingPathComponent("a.png").path, b = dir.appendingPathComponent("b.png").path
        XCTAssertEqual(try Stet.run(["upscale", src, "--scale", "2", "-o", a, "--no-log"]).status, 0)
        XCTAssertEqual(try Stet.run(["upscale", src, "--scale", "2", "--method", "lanczos", "-o", b, "--no-log"]).status, 0)
        let pa = try Image.open(a).pixels(), pb = try Image.open(b).pixels()
        var diff = 0.0
        for i in 0..<pa.count { diff += abs(Double(pa[i]) - Double(pb[i])) }
        diff /= Double(pa.count)
        XCTAssertGreaterThan(diff, 0.2)
        XCTAssertLessThan(diff, 8)
        // Far from the edge in x, the red band keeps its level (40 left, 210 right).
        XCTAssertEqual(Int(pa[(20 * 60 + 4) * 3]), 40, accuracy: 1)
        XCTAssertEqual(Int(pa[(20 * 60 + 55) * 3]), 210, accuracy: 1)
    }

    func testRecordsTheUseInTheLedger() throws {
        let dir = try Stet.tempDir()
        let src = try input(in: dir)
        let ledger = dir.appendingPathComponent("ledger.sqlite").path
        let out = dir.appendingPathComponent("big.png").path
        let run = try Stet.run(["upscale", src, "--scale", "2", "-o", out, "--ledger", ledger])
        XCTAssertEqual(run.status, 0, run.stderr)
        let report = try Stet.run(["savings", "--ledger", ledger])
        XCTAssertEqual(report.status, 0, report.stderr)
        let row = report.stdout.split(separator: "\n").first { $0.hasPrefix("upscale ") }
        XCTAssertNotNil(row, report.stdout)
        // One entry, none failed.
        XCTAssertEqual(row.map { $0.split(separator: " ").map(String.init).filter { !$0.isEmpty } }?[2...3].map { $0 },
                       ["1", "0"], report.stdout)
        // The input's digest (hashed in the background while the command worked) and the
        // output's are the files' SHA-256, as coreutils computes it.
        let export = try Stet.run(["ledger", "export", "--format", "jsonl", "--ledger", ledger])
        XCTAssertEqual(export.status, 0, export.stderr)
        let entry = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(export.stdout.utf8)) as? [String: Any])
        func digest(_ role: String) -> String? { ((entry[role] as? [[String: Any]])?.first?["sha256"]) as? String }
        XCTAssertEqual(digest("inputs"), try Stet.sha256sum(src))
        XCTAssertEqual(digest("outputs"), try Stet.sha256sum(out))
    }


    func testUsageErrors() throws {
        let dir = try Stet.tempDir()
        let src = try input(in: dir)
        let out = dir.appendingPathComponent("out.png").path
        let cases: [([String], String)] = [
            ([], "Expected exactly one of --scale, --width or --height but received 0"),
            (["--scale", "2", "--width", "10"], "Expected exactly one of --scale, --width or --height but received 2"),
            (["--scale", "5"], "Expected integer between 2 and 4 for scale but received 5"),
            (["--width=-3"], "Expected positive integer for width but received -3"),
            (["--scale", "2", "--method", "magic"], "Expected one of auto, lanczos, learned for method but received magic"),
            (["--scale", "2", "--flips", "some"], "Expected one of auto, on, all, off for flips but received some"),
            (["--scale", "2", "--back-projection", "yes"], "Expected one of auto, on, off for back-projection but received yes"),
            (["--scale", "2", "--preset", "good"], "The value 'good' is invalid for '--preset <preset>'. Please provide one of 'fast' and 'best'."),
            (["--scale", "2", "--sharpen", "11"], "Expected number between 0.0 and 10.0 for sharpen but received 11.0"),
            (["--width", "300", "--method", "learned"], "Expected an enlargement of more than 1x and at most 4x for --method learned but received 10x; use --method lanczos"),
        ]
        for (flags, message) in cases {
            let run = try Stet.run(["upscale", src] + flags + ["-o", out, "--no-log"])
            XCTAssertEqual(run.status, 2, "\(flags): \(run.stderr)")
            XCTAssertTrue(run.stderr.contains(message), "\(flags): \(run.stderr)")
        }
        XCTAssertEqual(Stet.listing(dir), ["in.png"])
    }

    func testRefusesToOverwriteItsInput() throws {
        let dir = try Stet.tempDir()
        let src = try input(in: dir)
        let before = try Data(contentsOf: URL(fileURLWithPath: src))
        let run = try Stet.run(["upscale", src, "--scale", "2", "-o", src, "--no-log"])
        XCTAssertEqual(run.status, 2)
        XCTAssertEqual(run.stderr, "stet: Output \(src) is also an input; choose another output path\n")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: src)), before)
        XCTAssertEqual(Stet.listing(dir), ["in.png"])
    }

    func testBadWeightsAndBadInputAreOneLineErrorsWithNoOutput() throws {
        let dir = try Stet.tempDir()
        let src = try input(in: dir)
        let out = dir.appendingPathComponent("out.png").path
        let missing = dir.appendingPathComponent("nope.bin").path
        var run = try Stet.run(["upscale", src, "--scale", "2", "--weights", missing, "-o", out, "--no-log"])
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(run.stderr, "stet: \(missing): upscale weights file not found\n")

        let corrupt = dir.appendingPathComponent("corrupt.bin").path
        try Data("STETUPS1 but nothing else that makes sense".utf8).write(to: URL(fileURLWithPath: corrupt))
        run = try Stet.run(["upscale", src, "--scale", "2", "--weights", corrupt, "-o", out, "--no-log"])
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(run.stderr, "stet: \(corrupt): upscale weights file is corrupt (checksum mismatch)\n")

        run = try Stet.run(["upscale", Stet.fixture("not-an-image.png"), "--scale", "2", "-o", out, "--no-log"])
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(run.stderr.split(separator: "\n").count, 1, run.stderr)
        XCTAssertTrue(run.stderr.contains("not-an-image.png"), run.stderr)
        XCTAssertEqual(Stet.listing(dir), ["corrupt.bin", "in.png"])
    }
}
