import Foundation
import XCTest

/// The cost-avoidance log through the real `stet` binary: project discovery, the price card,
/// totals to the cent, --no-log, errors, concurrent writers and killed writers.
final class LedgerCLITests: XCTestCase {
    let candidates = (1...4).map { Stet.fixture("candidate-\($0).jpg") }

    /// A card with round prices, so every expected total is easy to check by hand.
    let card = """
        currency = "USD"
        [models.hero]
        unit = "image"
        price = 0.05
        [models.sketch]
        unit = "image"
        price = 0.002
        [models.clip]
        unit = "second"
        price = 0.5
        per_generation = 5
        [models.tokens]
        unit = "1k-tokens"
        price = 0.01
        per_generation = 2
        [tiers]
        draft = "sketch"
        final = "hero"
        [avoids]
        draft = "draft"
        grid = "final"
        reframe = "final"
        split = "none"
        """

    /// Runs stet with logging on (whatever the runner's default) and `env` added.
    @discardableResult
    func stet(_ args: [String], cwd: URL? = nil, env: [String: String] = [:]) throws -> StetRun {
        try Stet.run(args, cwd: cwd, env: ["STET_NO_LOG": "0"].merging(env) { $1 })
    }

    func json(_ text: String) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], text)
    }

    func totals(_ report: [String: Any]) -> [[String: Any]] { report["totals"] as? [[String: Any]] ?? [] }

    func cents(_ value: Any?) -> String { String(format: "%.2f", (value as? Double) ?? .nan) }

    /// A scripted sequence in a project folder; the report's totals equal what the card implies.
    func testScriptedSequenceTotalsEqualThePriceCardToTheCent() throws {
        let dir = try Stet.tempDir()
        let sub = dir.appendingPathComponent("shots/day1")
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        let initRun = try stet(["init"], cwd: dir, env: ["STET_LEDGER": ""])
        XCTAssertEqual(initRun.status, 0, initRun.stderr)
        XCTAssertTrue(initRun.stdout.contains("Initialised \(dir.path)/.stet: prices.toml, ledger.sqlite (ledger schema v6)"), initRun.stdout)
        let cardText = try String(contentsOfFile: dir.path + "/.stet/prices.toml", encoding: .utf8)
        XCTAssertTrue(cardText.contains("THE PRICES BELOW ARE EXAMPLES"))
        try card.write(toFile: dir.path + "/.stet/prices.toml", atomically: true, encoding: .utf8)
        let env = ["STET_LEDGER": "", "STET_PRICES": ""]

        // Commands run from a subfolder find the project's .stet/ upward, like git.
        var r = try stet(["draft"] + candidates + ["--size", "64", "--out", sub.appendingPathComponent("d").path], cwd: sub, env: env)
        XCTAssertEqual(r.status, 0, r.stderr)                                   // avoids 1 × sketch = 0.002
        r = try stet(["grid"] + candidates + ["-o", sub.appendingPathComponent("g.jpg").path, "--cell", "64", "--tag", "campaign=spring"], cwd: sub, env: env)
        XCTAssertEqual(r.status, 0, r.stderr)                                   // 1 × hero = 0.05
        r = try stet(["grid"] + candidates + ["-o", sub.appendingPathComponent("g2.jpg").path, "--cell", "64", "--avoids", "clip x2"], cwd: sub, env: env)
        XCTAssertEqual(r.status, 0, r.stderr)                                   // 2 × 5 s × 0.5 = 5.00
        r = try stet(["grid"] + candidates + ["-o", sub.appendingPathComponent("g3.jpg").path, "--cell", "64", "--spent", "0.31", "--tag", "campaign=spring"], cwd: sub, env: env)
        XCTAssertEqual(r.status, 0, r.stderr)                                   // 0.05 avoided, 0.31 spent
        r = try stet(["grid"] + candidates + ["-o", sub.appendingPathComponent("g4.jpg").path, "--cell", "64", "--avoids", "none"], cwd: sub, env: env)
        XCTAssertEqual(r.status, 0, r.stderr)                                   // nothing, but an entry
        r = try stet(["grid"] + candidates + ["-o", sub.appendingPathComponent("g5.jpg").path, "--cell", "64", "--no-log"], cwd: sub, env: env)
        XCTAssertEqual(r.status, 0, r.stderr)                                   // no entry at all
        r = try stet(["reframe", candidates[0], "--to", "1:1,9:16,4:5", "--out", sub.appendingPathComponent("rf").path], cwd: sub, env: env)
        XCTAssertEqual(r.status, 0, r.stderr)                                   // 3 targets × hero = 0.15
        r = try stet(["log", "generation", "--model", "final", "--count", "4", "--kept", "1", "--tag", "campaign=spring"], cwd: sub, env: env)
        XCTAssertEqual(r.status, 0, r.stderr)                                   // spent 0.20
        XCTAssertTrue(r.stdout.hasPrefix("Logged 4 × hero generation: 0.20 USD spent, kept 1 of 4"), r.stdout)
        r = try stet(["log", "generation", "--model", "clip", "--seconds", "12", "--kept", "5"], cwd: sub, env: env)
        XCTAssertEqual(r.status, 0, r.stderr)                                   // spent 6.00
        r = try stet(["grid", sub.appendingPathComponent("missing.jpg").path, "-o", sub.appendingPathComponent("g6.jpg").path], cwd: sub, env: env)
        XCTAssertEqual(r.status, 1)                                             // a failure entry, no savings

        let report = try json(try stet(["savings", "--format", "json"], cwd: sub, env: env).stdout)
        let total = try XCTUnwrap(totals(report).first)
        XCTAssertEqual(totals(report).count, 1)
        // 0.002 + 0.05 + 5.00 + 0.05 + 0 + 0.15 = 5.252 avoided; 0.31 + 0.20 + 6.00 = 6.51 spent.
        XCTAssertEqual(total["avoided"] as? Double, 5.252)
        XCTAssertEqual(total["spent"] as? Double, 6.51)
        XCTAssertEqual(cents(total["net"]), "-1.26")
        XCTAssertEqual(total["entries"] as? Int, 9)
        XCTAssertEqual(total["failed"] as? Int, 1)
        let rows = try XCTUnwrap(report["rows"] as? [[String: Any]])
        func row(_ g: String) -> [String: Any]? { rows.first { $0["group"] as? String == g } }
        XCTAssertEqual(row("draft")?["avoided"] as? Double, 0.002)
        XCTAssertEqual(cents(row("grid")?["avoided"]), "5.10")
        XCTAssertEqual(row("grid")?["entries"] as? Int, 5)
        XCTAssertEqual(row("grid")?["failed"] as? Int, 1)
        XCTAssertEqual(cents(row("reframe")?["avoided"]), "0.15")
        XCTAssertEqual(cents(row("generation")?["spent"]), "6.20")
        XCTAssertEqual(row("generation")?["yield"] as? Double, 0.25)
        XCTAssertEqual(cents(row("generation")?["costPerKept"]), "0.20")
        XCTAssertEqual(cents(row("generation")?["costPerKeptSecond"]), "1.20")   // 6.00 / 5 s kept
        let assumptions = try XCTUnwrap(report["assumptions"] as? [String])
        XCTAssertTrue(assumptions.contains { $0.hasPrefix("Avoided amounts are estimates") })
        XCTAssertTrue(assumptions.contains { $0.contains("The card in effect now is \(dir.path)/.stet/prices.toml") })

        // Grouped by tag and by model; filtered by tag; the project is the folder holding .stet/.
        let byTag = try json(try stet(["report", "--by", "tag", "--format", "json"], cwd: sub, env: env).stdout)
        let spring = (byTag["rows"] as? [[String: Any]])?.first { $0["group"] as? String == "campaign=spring" }
        XCTAssertEqual(cents(spring?["avoided"]), "0.10")
        XCTAssertEqual(cents(spring?["spent"]), "0.51")
        let filtered = try json(try stet(["savings", "--tag", "campaign=spring", "--format", "json"], cwd: sub, env: env).stdout)
        XCTAssertEqual(cents(totals(filtered).first?["net"]), "-0.41")
        let byModel = try json(try stet(["savings", "--by", "model", "--format", "json"], cwd: sub, env: env).stdout)
        let hero = (byModel["rows"] as? [[String: Any]])?.first { $0["group"] as? String == "hero" }
        XCTAssertEqual(cents(hero?["avoided"]), "0.25")
        XCTAssertEqual(cents(hero?["spent"]), "0.20")
        let byProject = try json(try stet(["savings", "--by", "project", "--format", "json"], cwd: sub, env: env).stdout)
        XCTAssertEqual((byProject["rows"] as? [[String: Any]])?.compactMap { $0["group"] as? String }, [dir.path])

        // The table says the same, to the cent, and states its assumptions.
        let table = try stet(["savings"], cwd: sub, env: env).stdout
        XCTAssertTrue(table.contains("TOTAL"), table)
        let totalLine = try XCTUnwrap(table.split(separator: "\n").first { $0.hasPrefix("TOTAL") }, table)
        XCTAssertEqual(Array(totalLine.split(separator: " ").prefix(7)), ["TOTAL", "USD", "9", "1", "5.25", "6.51", "-1.26"], table)
        XCTAssertTrue(table.contains("Assumptions:"), table)
        XCTAssertTrue(table.contains("avoided hero: 0.05 USD per image (3 uses)"), table)
        // CSV: header, rows and a TOTAL row.
        let csv = try stet(["savings", "--format", "csv", "--by", "day"], cwd: sub, env: env)
        let lines = csv.stdout.split(separator: "\n")
        XCTAssertEqual(lines.first, "by,group,currency,entries,failed,avoided,spent,net,generated,kept,yield,cost_per_kept,generated_seconds,kept_seconds,seconds_yield,cost_per_kept_second,reviewed,picked,measured_yield")
        XCTAssertTrue(lines.last?.hasPrefix("day,TOTAL,USD,9,1,5.25,6.51,-1.26,4,1,0.2500,0.20,12,5,0.4167,1.20") ?? false, csv.stdout)
        XCTAssertTrue(csv.stderr.contains("assumption: Days and --since/--until are in UTC."), csv.stderr)

        // The export holds every entry with its files and hashes.
        let export = try stet(["ledger", "export", "--format", "jsonl"], cwd: sub, env: env)
        XCTAssertEqual(export.status, 0, export.stderr)
        let entries = try export.stdout.split(separator: "\n").map { try json(String($0)) }
        XCTAssertEqual(entries.count, 9)
        let gridEntry = try XCTUnwrap(entries.first { ($0["commandLine"] as? String)?.contains("campaign=spring") == true && $0["operation"] as? String == "grid" })
        XCTAssertEqual(gridEntry["project"] as? String, dir.path)
        XCTAssertEqual(gridEntry["tags"] as? [String: String], ["campaign": "spring"])
        XCTAssertEqual((gridEntry["inputs"] as? [[String: Any]])?.count, 4)
        let output = try XCTUnwrap((gridEntry["outputs"] as? [[String: Any]])?.first)
        XCTAssertGreaterThan(output["width"] as? Int ?? 0, 128)
        XCTAssertGreaterThan(output["bytes"] as? Int ?? 0, 0)
        XCTAssertEqual((output["sha256"] as? String)?.count, 64)
        XCTAssertEqual(gridEntry["stetVersion"] as? String, "0.1.0")
        XCTAssertEqual(gridEntry["user"] as? String, ProcessInfo.processInfo.environment["USER"] ?? gridEntry["user"] as? String)
        let csvExport = try stet(["ledger", "export", "--format", "csv"], cwd: sub, env: env).stdout
        XCTAssertEqual(csvExport.split(separator: "\n").count, 10)
        XCTAssertEqual(try stet(["ledger", "check"], cwd: sub, env: env).stdout,
                       "ok: 9 entries, schema v6, \(dir.path)/.stet/ledger.sqlite\n")
    }

    func testNoLogWritesNothing() throws {
        let dir = try Stet.tempDir()
        let ledger = dir.appendingPathComponent("ledger.sqlite").path
        let xdg = dir.appendingPathComponent("xdg").path
        var r = try stet(["grid"] + candidates + ["-o", dir.appendingPathComponent("a.jpg").path, "--cell", "32", "--no-log", "--ledger", ledger])
        XCTAssertEqual(r.status, 0, r.stderr)
        r = try Stet.run(["grid"] + candidates + ["-o", dir.appendingPathComponent("b.jpg").path, "--cell", "32"],
                         env: ["STET_NO_LOG": "1", "STET_LEDGER": ledger])
        XCTAssertEqual(r.status, 0, r.stderr)
        // Nor the per-user ledger, with no --ledger at all.
        r = try stet(["grid"] + candidates + ["-o", dir.appendingPathComponent("c.jpg").path, "--cell", "32", "--no-log"],
                     cwd: dir, env: ["XDG_DATA_HOME": xdg, "STET_LEDGER": ""])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(Stet.listing(dir), ["a.jpg", "a.json", "b.jpg", "b.json", "c.jpg", "c.json"])
        // Without --no-log the per-user ledger is created under $XDG_DATA_HOME/stet.
        r = try stet(["grid"] + candidates + ["-o", dir.appendingPathComponent("d.jpg").path, "--cell", "32"],
                     cwd: dir, env: ["XDG_DATA_HOME": xdg, "STET_LEDGER": ""])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: xdg + "/stet/ledger.sqlite"))
        let check = try stet(["ledger", "check"], cwd: dir, env: ["XDG_DATA_HOME": xdg, "STET_LEDGER": ""])
        XCTAssertEqual(check.stdout, "ok: 1 entry, schema v6, \(xdg)/stet/ledger.sqlite\n")
        // log generation with --no-log is a usage error, not a silent no-op.
        r = try stet(["log", "generation", "--model", "final", "--count", "1", "--no-log", "--ledger", ledger])
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("--no-log (or STET_NO_LOG) leaves stet log generation nothing to do"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: ledger))
    }

    func testMalformedCardIsRejectedBeforeAnyWork() throws {
        let dir = try Stet.tempDir()
        let ledger = dir.appendingPathComponent("ledger.sqlite").path
        let prices = dir.appendingPathComponent("prices.toml").path
        try "[models.hero]\nunit = \"frame\"\nprice = 0.05\n".write(toFile: prices, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("g.jpg").path
        let r = try stet(["grid"] + candidates + ["-o", out, "--cell", "32", "--ledger", ledger])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("\(prices): key models.hero.unit: expected one of image, second, megapixel, call, 1k-tokens but found \"frame\""), r.stderr)
        XCTAssertEqual(Stet.listing(dir), ["prices.toml"])   // no outputs, no ledger
        let p = try stet(["prices", "--ledger", ledger])
        XCTAssertEqual(p.status, 1)
        XCTAssertEqual(p.stderr, "stet: \(prices): key models.hero.unit: expected one of image, second, megapixel, call, 1k-tokens but found \"frame\"\n")
        // A typo in --avoids is a usage error, also before any work.
        try card.write(toFile: prices, atomically: true, encoding: .utf8)
        let typo = try stet(["grid"] + candidates + ["-o", out, "--cell", "32", "--ledger", ledger, "--avoids", "heroo x2"])
        XCTAssertEqual(typo.status, 2)
        XCTAssertTrue(typo.stderr.contains("heroo x2 is not a model or tier on the price card (expected none, draft, final, clip, hero, sketch, tokens, optionally followed by xN)"), typo.stderr)
        XCTAssertEqual(Stet.listing(dir), ["prices.toml"])
        // The effective card, as JSON.
        let shown = try json(try stet(["prices", "--ledger", ledger, "--format", "json"]).stdout)
        XCTAssertEqual(shown["source"] as? String, prices)
        XCTAssertEqual((shown["models"] as? [[String: Any]])?.compactMap { $0["name"] as? String }, ["clip", "hero", "sketch", "tokens"])
        XCTAssertEqual((shown["avoids"] as? [String: String])?["reframe"], "final")
    }

    func testMissingAndReadOnlyLedgersAreClearErrors() throws {
        let dir = try Stet.tempDir()
        let ledger = dir.appendingPathComponent("ledger.sqlite").path
        var r = try stet(["savings", "--ledger", ledger])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderr, "stet: \(ledger): no ledger here; run `stet init`, or record a command first\n")
        let nowhere = dir.appendingPathComponent("no/such/ledger.sqlite").path
        r = try stet(["log", "generation", "--model", "final", "--count", "1", "--ledger", nowhere])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("\(nowhere): folder \(dir.path)/no/such does not exist"), r.stderr)

        XCTAssertEqual(try stet(["log", "generation", "--model", "final", "--count", "2", "--ledger", ledger]).status, 0)
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: ledger)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: ledger) }
        let out = dir.appendingPathComponent("g.jpg").path
        r = try stet(["grid"] + candidates + ["-o", out, "--cell", "32", "--ledger", ledger])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("\(ledger): ledger is read-only; make it writable, or pass --no-log to record nothing"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        // A read-only ledger can still be reported on.
        r = try stet(["savings", "--ledger", ledger, "--format", "csv"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("operation,TOTAL,USD,1,0,0.00,0.08,-0.08"), r.stdout)
    }

    /// Eight concurrent loops of `stet log generation` commands into one ledger (each command
    /// opens the ledger, checks the schema and appends, as every command does). The full
    /// 8 × 200 proof runs the library in eight processes (CostLedgerTests.MultiProcessTests),
    /// because 1,600 process launches take minutes on a small machine.
    func testEightConcurrentCommandLoopsLoseNothing() throws {
        let dir = try Stet.tempDir()
        let ledger = dir.appendingPathComponent("ledger.sqlite").path
        let perLoop = 12
        var loops: [Process] = []
        for p in 1...8 {
            let loop = Process()
            loop.executableURL = URL(fileURLWithPath: "/bin/sh")
            loop.arguments = ["-c", """
                i=1; while [ $i -le \(perLoop) ]; do
                  "$STET" log generation --model final --count 1 --kept 1 --ledger "$LEDGER" --tag proc=\(p) --tag i=$i >/dev/null || exit 1
                  i=$((i + 1))
                done
                """]
            var env = ProcessInfo.processInfo.environment
            env["STET"] = Stet.binary.path; env["LEDGER"] = ledger; env["STET_NO_LOG"] = "0"
            loop.environment = env
            try loop.run()
            loops.append(loop)
        }
        for loop in loops { loop.waitUntilExit() }
        XCTAssertEqual(loops.map(\.terminationStatus), Array(repeating: 0, count: 8))
        let check = try stet(["ledger", "check", "--ledger", ledger])
        XCTAssertEqual(check.stdout, "ok: \(8 * perLoop) entries, schema v6, \(ledger)\n", check.stderr)
        let report = try json(try stet(["savings", "--by", "tag", "--ledger", ledger, "--format", "json"]).stdout)
        let rows = try XCTUnwrap(report["rows"] as? [[String: Any]])
        for p in 1...8 {
            XCTAssertEqual(rows.first { $0["group"] as? String == "proc=\(p)" }?["entries"] as? Int, perLoop, "proc \(p)")
        }
        XCTAssertEqual(rows.first { $0["group"] as? String == "i=\(perLoop)" }?["entries"] as? Int, 8)
        XCTAssertEqual(cents(totals(report).first?["spent"]), String(format: "%.2f", Double(8 * perLoop) * 0.04))
    }

    /// A writer killed inside its transaction (entry row written, child rows not yet) leaves
    /// no trace, and the next writer is not blocked by it.
    func testAWriterKilledMidEntryLeavesNoHalfEntry() throws {
        let dir = try Stet.tempDir()
        let ledger = dir.appendingPathComponent("ledger.sqlite").path
        for _ in 0..<3 {
            XCTAssertEqual(try stet(["log", "generation", "--model", "final", "--count", "2", "--ledger", ledger]).status, 0)
        }
        for _ in 0..<2 {
            let victim = Process()
            victim.executableURL = Stet.binary
            victim.arguments = ["log", "generation", "--model", "final", "--count", "5", "--kept", "1", "--tag", "doomed=yes", "--ledger", ledger]
            var env = ProcessInfo.processInfo.environment
            env["STET_NO_LOG"] = "0"; env["STET_LEDGER_TEST_PAUSE"] = "30"
            victim.environment = env
            let err = Pipe()
            victim.standardError = err
            victim.standardOutput = FileHandle.nullDevice
            try victim.run()
            var said = Data()
            let deadline = Date().addingTimeInterval(30)
            while !String(decoding: said, as: UTF8.self).contains("stet-test: inside ledger transaction"), Date() < deadline {
                let chunk = err.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                said.append(chunk)
            }
            XCTAssertTrue(String(decoding: said, as: UTF8.self).contains("inside ledger transaction"))
            kill(victim.processIdentifier, SIGKILL)
            victim.waitUntilExit()
            XCTAssertEqual(victim.terminationReason, .uncaughtSignal)
        }
        // The next command writes at once (no stale lock), and nothing of the killed ones remains.
        let after = try stet(["log", "generation", "--model", "final", "--count", "1", "--ledger", ledger])
        XCTAssertEqual(after.status, 0, after.stderr)
        XCTAssertEqual(try stet(["ledger", "check", "--ledger", ledger]).stdout, "ok: 4 entries, schema v6, \(ledger)\n")
        let export = try stet(["ledger", "export", "--ledger", ledger, "--format", "jsonl"]).stdout
        XCTAssertFalse(export.contains("doomed"))
        let report = try json(try stet(["savings", "--ledger", ledger, "--format", "json"]).stdout)
        XCTAssertEqual(cents(totals(report).first?["spent"]), "0.28")   // (2 + 2 + 2 + 1) × 0.04

        // And writers killed at random moments while eight others write: still consistent.
        var victims: [Process] = []
        for i in 0..<8 {
            let p = Process()
            p.executableURL = Stet.binary
            p.arguments = ["log", "generation", "--model", "final", "--count", "1", "--ledger", ledger, "--tag", "n=\(i)"]
            var env = ProcessInfo.processInfo.environment
            env["STET_NO_LOG"] = "0"
            p.environment = env
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            victims.append(p)
        }
        for (i, p) in victims.enumerated() {
            usleep(UInt32(i * 7_000))
            kill(p.processIdentifier, SIGKILL)
        }
        for p in victims { p.waitUntilExit() }
        let check = try stet(["ledger", "check", "--ledger", ledger])
        XCTAssertEqual(check.status, 0, check.stderr)
        XCTAssertTrue(check.stdout.hasPrefix("ok: "), check.stdout)
    }

    func testImportMergesLedgersOnce() throws {
        let dir = try Stet.tempDir()
        let a = dir.appendingPathComponent("a.sqlite").path, b = dir.appendingPathComponent("b.sqlite").path
        XCTAssertEqual(try stet(["log", "generation", "--model", "final", "--count", "3", "--ledger", a]).status, 0)
        XCTAssertEqual(try stet(["log", "generation", "--model", "veo-3", "--seconds", "8", "--ledger", a]).status, 0)
        let file = dir.appendingPathComponent("a.jsonl").path
        let export = try stet(["ledger", "export", "--ledger", a, "--format", "jsonl", "-o", file])
        XCTAssertEqual(export.status, 0, export.stderr)
        XCTAssertEqual(export.stderr, "Exported 2 entries to \(file)\n")
        var r = try stet(["ledger", "import", file, "--ledger", b])
        XCTAssertEqual(r.stdout, "Imported 2 entries into \(b)\n", r.stderr)
        r = try stet(["ledger", "import", file, "--ledger", b])
        XCTAssertEqual(r.stdout, "Imported 0 entries into \(b) (2 already there)\n", r.stderr)
        let report = try json(try stet(["savings", "--ledger", b, "--format", "json"]).stdout)
        XCTAssertEqual(cents(totals(report).first?["spent"]), "6.12")   // 3 × 0.04 + 8 s × 0.75
        try "{\"not\": \"an entry\"}\n".write(toFile: file, atomically: true, encoding: .utf8)
        r = try stet(["ledger", "import", file, "--ledger", b])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.hasPrefix("stet: \(file): line 1: not a ledger entry (missing "), r.stderr)
    }
}
