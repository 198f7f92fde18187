import Foundation
import PixelCore
import XCTest

/// Faults a user's machine does meet: a run killed with SIGKILL half way, a full disk, and many
/// processes recording into one ledger at once while some are killed. Each test is bounded in
/// time (the kill tests by a run budget and a count), so the suite stays short on a slow machine.
final class FaultTests: XCTestCase {
    /// Stet's temporary names in a folder (`.NAME.stet-tmp-PID-TOKEN.ext`).
    static func temporaries(_ dir: URL) -> [String] { Stet.listing(dir).filter { $0.contains(".stet-tmp-") } }

    static func pid(ofTemporary name: String) -> Int32? {
        guard let r = name.range(of: ".stet-tmp-", options: .backwards) else { return nil }
        return Int32(name[r.upperBound...].prefix { $0.isNumber })
    }

    /// Starts `stet args`, sends SIGKILL after `delay` seconds (if it is still running), waits.
    /// Returns the PID and whether it exited by itself with status 0.
    static func runKilled(_ args: [String], after delay: Double) throws -> (pid: Int32, completed: Bool) {
        let p = Process()
        p.executableURL = Stet.binary
        p.arguments = args + ["--no-log"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(delay)
        while p.isRunning && Date() < deadline { usleep(1000) }
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        return (p.processIdentifier, p.terminationReason == .exit && p.terminationStatus == 0)
    }

    /// Kills runs of one command at random moments, and checks after each: every target is
    /// absent or complete and decodes at the right size; a run that got as far as making its own
    /// temporary has removed those of the runs killed before it; a run that completes leaves
    /// no temporary at all. Bounded: at most `maxRuns` runs or `budget` seconds.
    func killRepeatedly(name: String, args: [String], dir: URL, targets: [(String, Int, Int)],
                        maxRuns: Int, budget: Double) throws {
        // One complete run first: how long the work takes, so kills land all over it.
        let start = Date()
        let first = try Stet.run(args + ["--no-log"])
        XCTAssertEqual(first.status, 0, first.stderr)
        let full = Date().timeIntervalSince(start)
        var rng = SystemRandomNumberGenerator()
        var runs = 0, killed = 0, leftTemporary = 0, cleaned = 0
        let began = Date()
        while runs < maxRuns && Date().timeIntervalSince(began) < budget {
            runs += 1
            for (t, _, _) in targets { try? FileManager.default.removeItem(at: dir.appendingPathComponent(t)) }
            let before = Set(Self.temporaries(dir))
            let completeRun = runs % 10 == 0
            let delay = completeRun ? 120 : Double.random(in: 0.02...(full * 1.1), using: &rng)
            let (pid, completed) = try Self.runKilled(args, after: delay)
            if !completed { killed += 1 }
            let temps = Self.temporaries(dir)
            if temps.contains(where: { Self.pid(ofTemporary: $0) == pid }) {
                leftTemporary += 1
                // This run made its temporaries, so it had cleaned the folder first.
                XCTAssertEqual(temps.filter { Self.pid(ofTemporary: $0) != pid }, [], "\(name) run \(runs)")
            }
            cleaned += before.subtracting(temps).count
            if completed { XCTAssertEqual(temps, [], "\(name) run \(runs) completed but left temporaries") }
            for (t, w, h) in targets {
                let path = dir.appendingPathComponent(t).path
                if completed { XCTAssertTrue(FileManager.default.fileExists(atPath: path), "\(name) run \(runs): \(t)") }
                guard FileManager.default.fileExists(atPath: path) else { continue }
                if t.hasSuffix(".json") {
                    let data = try Data(contentsOf: URL(fileURLWithPath: path))
                    XCTAssertNoThrow(try JSONSerialization.jsonObject(with: data), "\(name) run \(runs): \(t)")
                } else {
                    do {
                        let image = try PixelRaster(Image.decode(path))
                        XCTAssertEqual([image.width, image.height], [w, h], "\(name) run \(runs): \(t)")
                    } catch { XCTFail("\(name) run \(runs): \(t) is there but does not decode: \(error)") }
                }
            }
        }
        // The next run cleans whatever the last killed one left.
        XCTAssertEqual(try Stet.run(args + ["--no-log"]).status, 0)
        XCTAssertEqual(Self.temporaries(dir), [])
        print("\(name): \(runs) runs in \(String(format: "%.1f", Date().timeIntervalSince(began))) s (one full run \(String(format: "%.2f", full)) s), \(killed) killed, \(leftTemporary) killed during the write with a temporary on disk, \(cleaned) stale temporaries removed by the next run")
        XCTAssertGreaterThan(killed, 0)
    }

    func testUpscaleKilledAtRandomMomentsLeavesNoPartialOutput() throws {
        let dir = try Stet.tempDir()
        let out = dir.appendingPathComponent("up.png").path
        try killRepeatedly(name: "upscale", args: ["upscale", Stet.fixture("grey.jpg"), "--scale", "2", "-o", out],
                           dir: dir, targets: [("up.png", 640, 480)], maxRuns: 100, budget: 20)
    }

    func testReframeKilledAtRandomMomentsLeavesNoPartialOutput() throws {
        let dir = try Stet.tempDir()
        let out = dir.appendingPathComponent("social")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        // grey.jpg is 320x240: 9:16 is a 135x240 crop, written with its plan as one batch.
        try killRepeatedly(name: "reframe", args: ["reframe", Stet.fixture("grey.jpg"), "--to", "9:16", "--out", out.path],
                           dir: out, targets: [("grey-9x16.jpg", 135, 240), ("grey-plan.json", 0, 0)],
                           maxRuns: 100, budget: 20)
    }

    /// A write that runs out of space: a 64 KB tmpfs when this test may mount one (root), and
    /// always a 64 KB file-size limit (`ulimit -f`, SIGXFSZ ignored so write() fails with EFBIG).
    func testFullDiskGivesOneLineErrorLeavesNothingAndKeepsTheInput() throws {
        let dir = try Stet.tempDir()
        let input = dir.appendingPathComponent("in.jpg").path
        try FileManager.default.copyItem(atPath: Stet.fixture("grey.jpg"), toPath: input)
        let digest = try Stet.sha256sum(input)
        var cases: [(what: String, folder: URL, wrap: [String], reason: String)] = []
        let small = dir.appendingPathComponent("small-disk")
        try FileManager.default.createDirectory(at: small, withIntermediateDirectories: true)
        let mount = Process()
        mount.executableURL = URL(fileURLWithPath: "/bin/mount")
        mount.arguments = ["-t", "tmpfs", "-o", "size=64k", "tmpfs", small.path]
        mount.standardError = FileHandle.nullDevice
        if getuid() == 0, (try? mount.run()) != nil {
            mount.waitUntilExit()
            if mount.terminationStatus == 0 { cases.append(("tmpfs", small, [], "No space left on device")) }
        }
        defer {
            let umount = Process()
            umount.executableURL = URL(fileURLWithPath: "/bin/umount")
            umount.arguments = [small.path]
            umount.standardError = FileHandle.nullDevice
            if (try? umount.run()) != nil { umount.waitUntilExit() }
        }
        let limited = dir.appendingPathComponent("limited")
        try FileManager.default.createDirectory(at: limited, withIntermediateDirectories: true)
        cases.append(("ulimit -f", limited, ["/bin/sh", "-c", "trap '' XFSZ; ulimit -f 64; exec \"$0\" \"$@\""], "File too large"))
        if cases.count == 1 { print("disk-full: no tmpfs here (not root, or mount refused); ulimit -f only") }
        for c in cases {
            let out = c.folder.appendingPathComponent("up.png").path
            let args = ["upscale", input, "--scale", "2", "-o", out, "--no-log"]
            let run: StetRun
            if c.wrap.isEmpty { run = try Stet.run(args) } else {
                let p = Process()
                p.executableURL = URL(fileURLWithPath: c.wrap[0])
                p.arguments = Array(c.wrap.dropFirst()) + [Stet.binary.path] + args
                let err = Pipe()
                p.standardError = err
                p.standardOutput = FileHandle.nullDevice
                try p.run()
                let data = err.fileHandleForReading.readDataToEndOfFile()
                p.waitUntilExit()
                run = StetRun(status: p.terminationStatus, stdout: "", stderr: String(decoding: data, as: UTF8.self))
            }
            XCTAssertEqual(run.status, 1, c.what)
            XCTAssertEqual(run.stderr, "stet: \(out): cannot be written: \(c.reason)\n", c.what)
            XCTAssertEqual(Stet.listing(c.folder), [], c.what)
            XCTAssertEqual(try Stet.sha256sum(input), digest, c.what)
        }
    }

    /// 32 writers record into one ledger at once, each running `stet log generation` five times
    /// in a row; one run of each of 8 writers is killed with SIGKILL at a random moment. Every
    /// run that exited 0 has its entry, none is there twice, and `stet ledger check` is clean.
    func testThirtyTwoWritersEightKilledKeepEveryAcknowledgedEntry() throws {
        let dir = try Stet.tempDir()
        let ledger = dir.appendingPathComponent("ledger.sqlite").path
        XCTAssertEqual(try Stet.run(["log", "generation", "--model", "final", "--count", "1", "--ledger", ledger,
                                     "--tag", "run=setup"]).status, 0)
        let writers = 32, perWriter = 5
        var rng = SystemRandomNumberGenerator()
        let victims = Set((0..<writers).shuffled(using: &rng).prefix(8))
        let killAt = (0..<writers).map { _ in Int.random(in: 0..<perWriter, using: &rng) }
        struct Running { var process: Process; var run: String; var deadline: Date? }
        var running: [Int: Running] = [:]
        var next = [Int](repeating: 0, count: writers)
        var acknowledged: Set<String> = [], killed: Set<String> = [], failed: [String] = []
        func start(_ w: Int) throws {
            let run = "\(w)-\(next[w])"
            let p = Process()
            p.executableURL = Stet.binary
            p.arguments = ["log", "generation", "--model", "final", "--count", "1", "--ledger", ledger, "--tag", "run=\(run)"]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            let deadline = victims.contains(w) && killAt[w] == next[w]
                ? Date().addingTimeInterval(Double.random(in: 0...0.25, using: &rng)) : nil
            running[w] = Running(process: p, run: run, deadline: deadline)
            next[w] += 1
        }
        let began = Date()
        for w in 0..<writers { try start(w) }
        while !running.isEmpty && Date().timeIntervalSince(began) < 120 {
            for (w, r) in running {
                if r.process.isRunning {
                    if let d = r.deadline, Date() >= d { kill(r.process.processIdentifier, SIGKILL); killed.insert(r.run); running[w]?.deadline = nil }
                    continue
                }
                if r.process.terminationReason == .exit && r.process.terminationStatus == 0 { acknowledged.insert(r.run) }
                else if !killed.contains(r.run) { failed.append("\(r.run): status \(r.process.terminationStatus)") }
                running[w] = nil
                if next[w] < perWriter { try start(w) }
            }
            usleep(2000)
        }
        XCTAssertTrue(running.isEmpty, "writers still running after 120 s")
        XCTAssertEqual(failed, [], "runs that were not killed must succeed")
        XCTAssertEqual(acknowledged.count + killed.subtracting(acknowledged).count, writers * perWriter)

        let export = try Stet.run(["ledger", "export", "--format", "jsonl", "--ledger", ledger])
        XCTAssertEqual(export.status, 0, export.stderr)
        var seen: [String: Int] = [:]
        for line in export.stdout.split(separator: "\n") {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            let tags = object?["tags"] as? [String: String]
            seen[tags?["run"] ?? "?", default: 0] += 1
        }
        XCTAssertEqual(acknowledged.subtracting(seen.keys), [], "acknowledged entries missing")
        XCTAssertEqual(seen.filter { $0.value > 1 }.map(\.key), [], "entries recorded twice")
        XCTAssertEqual(Set(seen.keys).subtracting(acknowledged).subtracting(killed), ["setup"])
        let check = try Stet.run(["ledger", "check", "--ledger", ledger])
        XCTAssertEqual(check.status, 0, check.stdout + check.stderr)
        XCTAssertTrue(check.stdout.hasPrefix("ok: \(seen.count) entr"), check.stdout)
        print("ledger: \(writers) writers x \(perWriter) runs in \(String(format: "%.1f", Date().timeIntervalSince(began))) s, \(killed.count) killed (\(killed.intersection(seen.keys).count) of them had committed), \(acknowledged.count) acknowledged, all present")
    }
}
