import CostLedger
import Foundation
import StetSupport
import XCTest

/// The team ledger through the real `stet` binary: recording into and reporting from
/// PostgreSQL, passwords kept off the command line, errors before any work, a server lost
/// mid-run, `stet ledger push` (twice, killed and repeated, two machines into one server) and
/// budget warnings.
final class PostgresCLITests: XCTestCase {
    let candidates = (1...4).map { Stet.fixture("candidate-\($0).jpg") }

    /// The server from `STET_TEST_PG_URL` (what .ci/run and scripts/test.sh start), else a
    /// throwaway one started here with scripts/pg-test-server.sh, else nil.
    static let server: (url: String, password: String)? = {
        let env = ProcessInfo.processInfo.environment
        if let url = env["STET_TEST_PG_URL"], !url.isEmpty { return (url, env["STET_TEST_PG_PASSWORD"] ?? "") }
        guard ["17", "16", "15"].contains(where: { FileManager.default.isExecutableFile(atPath: "/usr/lib/postgresql/\($0)/bin/initdb") }) else { return nil }
        let dir = Stet.scratch.appendingPathComponent("pg").path
        let script = Stet.root.appendingPathComponent("scripts/pg-test-server.sh").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [script, "start", dir]
        let out = Pipe()
        p.standardOutput = out
        guard (try? p.run()) != nil else { return nil }
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { return nil }
        stopScript = [script, "stop", dir]
        atexit {
            let stop = Process()
            stop.executableURL = URL(fileURLWithPath: "/bin/bash")
            stop.arguments = PostgresCLITests.stopScript
            try? stop.run()
            stop.waitUntilExit()
        }
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") {
            if let eq = line.firstIndex(of: "=") { values[String(line[..<eq])] = String(line[line.index(after: eq)...]) }
        }
        guard let url = values["STET_TEST_PG_URL"], let password = values["STET_TEST_PG_PASSWORD"] else { return nil }
        return (url, password)
    }()
    nonisolated(unsafe) static var stopScript: [String] = []

    func available(_ test: String = #function) -> Bool {
        if Self.server == nil { print("notice: \(test) did not run: no PostgreSQL (set STET_TEST_PG_URL, or install postgresql-15)") }
        return Self.server != nil
    }

    var pgEnv: [String: String] { ["PGPASSWORD": Self.server?.password ?? "", "STET_NO_LOG": "0", "PGPASSFILE": "/nonexistent"] }

    /// A new database on the server, and its URL.
    func freshDatabase() throws -> String {
        let server = try XCTUnwrap(Self.server)
        let name = "stet_cli_\(UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: ""))"
        let r = try Stet.run(["ledger", "check", "--ledger", server.url], env: pgEnv)   // the server answers
        XCTAssertNotEqual(r.stderr.contains("cannot connect"), true, r.stderr)
        try Self.psql(server, "CREATE DATABASE \(name)")
        var c = URLComponents(string: server.url)!
        c.path = "/" + name
        return c.string!
    }

    static func psql(_ server: (url: String, password: String), _ sql: String, database: String? = nil) throws {
        var c = URLComponents(string: server.url)!
        if let database { c.path = "/" + database }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        p.arguments = ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", c.string!, "-c", sql]
        var env = ProcessInfo.processInfo.environment
        env["PGPASSWORD"] = server.password
        p.environment = env
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, sql)
    }

    func report(_ ledger: String, by: String = "operation") throws -> [String: Any] {
        let r = try Stet.run(["savings", "--ledger", ledger, "--by", by, "--format", "json"], env: pgEnv)
        XCTAssertEqual(r.status, 0, r.stderr)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    func totals(_ report: [String: Any]) -> [[String: Any]] { report["totals"] as? [[String: Any]] ?? [] }

    // MARK: - Passwords

    func testAPasswordInAURLOnTheCommandLineIsRefusedAndNotEchoed() throws {
        for args in [["savings", "--ledger", "postgresql://ana:hunter2@127.0.0.1/team"],
                     ["grid"] + candidates + ["-o", "/tmp/never.jpg", "--ledger=postgres://ana:hunter2@db/team"],
                     ["ledger", "push", "--to", "postgresql://ana:hunter2@db/team"]] {
            let r = try Stet.run(args, env: ["STET_NO_LOG": "0"])
            let option = args.contains { $0.hasPrefix("--ledger") } ? "--ledger" : "--to"
            XCTAssertEqual(r.status, 2, args.joined(separator: " "))
            XCTAssertEqual(r.stderr, "stet: \(option): refusing a password in the URL (other users see the command line in ps); give it in PGPASSWORD, ~/.pgpass or STET_LEDGER_URL\n")
            XCTAssertFalse(r.stdout.contains("hunter2") || r.stderr.contains("hunter2"))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/never.jpg"))
    }

    // MARK: - Recording and reporting

    func testCommandsRecordIntoPostgresAndSavingsReportsFromIt() throws {
        guard available() else { return }
        let url = try freshDatabase()
        let dir = try Stet.tempDir()
        var r = try Stet.run(["grid"] + candidates + ["-o", dir.appendingPathComponent("g.jpg").path, "--cell", "64",
                                                    "--ledger", url, "--tag", "campaign=spring"], env: pgEnv)
        XCTAssertEqual(r.status, 0, r.stderr)
        // The password may come from the URL in STET_LEDGER_URL (not on the command line).
        var c = URLComponents(string: url)!
        c.password = Self.server!.password
        r = try Stet.run(["log", "generation", "--model", "final", "--count", "4", "--kept", "1"],
                         env: ["STET_LEDGER_URL": c.string!, "STET_NO_LOG": "0", "PGPASSFILE": "/nonexistent"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "Logged 4 × flux-1.1-pro generation: 0.16 USD spent, kept 1 of 4 (\(url))\n")
        let report = try report(url)
        XCTAssertEqual(report["ledger"] as? String, url)
        let t = try XCTUnwrap(totals(report).first)
        XCTAssertEqual(t["entries"] as? Int, 2)
        XCTAssertEqual(String(format: "%.3f", t["spent"] as? Double ?? -1), "0.160")
        let check = try Stet.run(["ledger", "check", "--ledger", url], env: pgEnv)
        XCTAssertEqual(check.stdout, "ok: 2 entries, schema v6, \(url)\n")
        // Exported from the server, the entries are what was recorded.
        let export = try Stet.run(["ledger", "export", "--ledger", url, "--format", "jsonl"], env: pgEnv)
        XCTAssertEqual(export.stdout.split(separator: "\n").count, 2)
        XCTAssertTrue(export.stdout.contains("\"campaign\":\"spring\""))
    }

    func testLedgerErrorsStopTheCommandBeforeAnyWork() throws {
        guard available() else { return }
        let server = Self.server!
        let dir = try Stet.tempDir()
        let out = dir.appendingPathComponent("g.jpg").path
        var c = URLComponents(string: server.url)!
        let host = c.host!, port = c.port!, user = c.user!
        c.path = "/no_such_db"
        let cases: [([String: String], String, String)] = [
            (pgEnv, c.string!, "stet: postgresql://\(user)@\(host):\(port)/no_such_db: database no_such_db does not exist; create it (createdb no_such_db) or name another\n"),
            (pgEnv.merging(["PGPASSWORD": "wrong"]) { $1 }, server.url,
             "stet: postgresql://\(user)@\(host):\(port)/postgres: password authentication failed for user \(user); check PGPASSWORD, ~/.pgpass or STET_LEDGER_URL\n"),
            (pgEnv, "postgresql://\(user)@127.0.0.1:1/postgres",
             "stet: postgresql://\(user)@127.0.0.1:1/postgres: cannot connect to the server at 127.0.0.1:1 (connection refused); is it running?\n"),
            (pgEnv, "postgresql://\(user)@127.0.0.1:1/postgres?sslmode=verify-full",
             "stet: postgresql://\(user)@127.0.0.1:1/postgres?sslmode=verify-full: sslmode=verify-full is not supported by Stet yet; use sslmode=disable over a trusted network or a tunnel\n"),
        ]
        for (env, url, expected) in cases {
            let r = try Stet.run(["grid"] + candidates + ["-o", out, "--cell", "64", "--ledger", url], env: env)
            XCTAssertEqual(r.status, 1, url)
            XCTAssertEqual(r.stderr, expected)
            XCTAssertFalse(FileManager.default.fileExists(atPath: out), "no work was done for \(url)")
            let s = try Stet.run(["savings", "--ledger", url], env: env)
            XCTAssertEqual(s.status, 1)
            XCTAssertEqual(s.stderr, expected)
        }
    }

    func testAServerGoneMidRunLeavesTheOutputAndRecordsNothing() throws {
        guard available() else { return }
        let url = try freshDatabase()
        let db = String(URLComponents(string: url)!.path.dropFirst())
        let dir = try Stet.tempDir()
        let out = dir.appendingPathComponent("g.jpg").path
        let p = Process()
        p.executableURL = Stet.binary
        p.arguments = ["grid"] + candidates + ["-o", out, "--cell", "64", "--ledger", url]
        var env = ProcessInfo.processInfo.environment
        env.merge(pgEnv) { $1 }
        env["XDG_DATA_HOME"] = Stet.dataHome
        env["STET_LEDGER_TEST_PAUSE_BEFORE_RECORD"] = "3"
        p.environment = env
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        // Wait until the work is done and the recorder is about to record, then end its session.
        var said = Data()
        while !String(decoding: said, as: UTF8.self).contains("about to record") {
            let chunk = err.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            said.append(chunk)
        }
        try Self.psql(Self.server!, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(db)' AND pid != pg_backend_pid()")
        said.append(err.fileHandleForReading.readDataToEndOfFile())
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 1)
        XCTAssertEqual(String(decoding: said, as: UTF8.self),
                       "stet-test: about to record\nstet: \(url): the connection to the server was lost; nothing was half-recorded\n")
        // The output stands (the work was done and is whole); the ledger holds no part of its entry.
        XCTAssertTrue(FileManager.default.fileExists(atPath: out))
        XCTAssertEqual(totals(try report(url)).first?["entries"] as? Int ?? 0, 0)
    }

    // MARK: - Push

    /// A local SQLite ledger with `count` entries for `user`.
    func localLedger(_ path: String, user: String, count: Int) throws {
        let ledger = try Ledger.open(path, mode: .record)
        let card = PriceCard.builtIn
        var entries: [LedgerEntry] = []
        for i in 0..<count {
            entries.append(LedgerEntry(
                time: Date(timeIntervalSince1970: 1_795_000_000 + Double(i) * 60), project: "/work/launch", user: user,
                commandLine: "stet upscale \(i).jpg", operation: i % 3 == 0 ? "reframe" : "upscale", parameters: ["i": "\(i)"],
                inputs: [FileRecord(path: "\(i).jpg", sha256: String(repeating: "c", count: 64), bytes: 10, width: 4, height: 4)],
                avoided: try card.counterfactual(operation: i % 3 == 0 ? "reframe" : "upscale", explicit: nil, units: 1 + i % 2),
                spent: i % 5 == 0 ? [try card.generationSpend(model: "final", count: 2, seconds: nil, kept: 1, spent: nil)] : [],
                priceCardHash: card.hash, stetVersion: "test", tags: ["i": "\(i % 4)"]))
        }
        try ledger.append(entries)
    }

    func testPushTwiceAddsNothingAndTwoMachinesMeetInOneServer() throws {
        guard available() else { return }
        let url = try freshDatabase()
        let dir = try Stet.tempDir()
        let ana = dir.appendingPathComponent("ana.sqlite").path, bo = dir.appendingPathComponent("bo.sqlite").path
        try localLedger(ana, user: "ana", count: 250)
        try localLedger(bo, user: "bo", count: 120)
        let env = pgEnv.merging(["STET_LEDGER_PUSH_BATCH": "40"]) { $1 }
        var r = try Stet.run(["ledger", "push", "--to", url, "--ledger", ana], env: env)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout, "Pushed 250 entries from \(ana) to \(url)\n")
        r = try Stet.run(["ledger", "push", "--to", url, "--ledger", ana], env: env)
        XCTAssertEqual(r.stdout, "Pushed 0 entries from \(ana) to \(url) (250 already there)\n")
        // The second machine, with the server named by STET_LEDGER_URL.
        r = try Stet.run(["ledger", "push", "--ledger", bo], env: env.merging(["STET_LEDGER_URL": url]) { $1 })
        XCTAssertEqual(r.stdout, "Pushed 120 entries from \(bo) to \(url)\n", r.stderr)
        // The server's report is the two local reports added up, to the cent.
        let team = try report(url, by: "user")
        let rows = team["rows"] as? [[String: Any]] ?? []
        for (user, path, n) in [("ana", ana, 250), ("bo", bo, 120)] {
            let local = totals(try report(path)).first { ($0["currency"] as? String) == "USD" }
            let row = rows.first { ($0["group"] as? String) == user && ($0["currency"] as? String) == "USD" }
            XCTAssertEqual(row?["entries"] as? Int, n)
            XCTAssertEqual(row?["avoided"] as? Double, local?["avoided"] as? Double, user)
            XCTAssertEqual(row?["spent"] as? Double, local?["spent"] as? Double, user)
        }
        XCTAssertEqual(try Stet.run(["ledger", "check", "--ledger", url], env: pgEnv).stdout, "ok: 370 entries, schema v6, \(url)\n")
    }

    func testAPushKilledAtRandomPointsAndRepeatedLosesNothing() throws {
        guard available() else { return }
        let url = try freshDatabase()
        let dir = try Stet.tempDir()
        let ana = dir.appendingPathComponent("ana.sqlite").path
        try localLedger(ana, user: "ana", count: 300)
        var env = ProcessInfo.processInfo.environment
        env.merge(pgEnv) { $1 }
        env["XDG_DATA_HOME"] = Stet.dataHome
        env["STET_LEDGER_PUSH_BATCH"] = "25"
        env["STET_LEDGER_TEST_PAUSE"] = "0.05"   // inside each batch's transaction
        var killedMidway = 0
        for _ in 0..<6 {
            let p = Process()
            p.executableURL = Stet.binary
            p.arguments = ["ledger", "push", "--to", url, "--ledger", ana]
            p.environment = env
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            usleep(UInt32.random(in: 100_000...500_000))
            if p.isRunning { kill(p.processIdentifier, SIGKILL); killedMidway += 1 }
            p.waitUntilExit()
        }
        XCTAssertGreaterThan(killedMidway, 0)
        let r = try Stet.run(["ledger", "push", "--to", url, "--ledger", ana], env: pgEnv)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.hasPrefix("Pushed "), r.stdout)
        XCTAssertEqual(try Stet.run(["ledger", "check", "--ledger", url], env: pgEnv).stdout, "ok: 300 entries, schema v6, \(url)\n")
        let server = try Stet.run(["ledger", "export", "--ledger", url, "--format", "jsonl"], env: pgEnv).stdout
        let local = try Stet.run(["ledger", "export", "--ledger", ana, "--format", "jsonl"], env: pgEnv).stdout
        func uuids(_ text: String) -> Set<String> {
            Set(text.split(separator: "\n").compactMap { line in
                (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["uuid"] as? String
            })
        }
        XCTAssertEqual(uuids(server), uuids(local))
        XCTAssertEqual(uuids(server).count, 300)
    }

    // MARK: - Budgets

    func testBudgetWarningsOnSQLiteAndPostgres() throws {
        var ledgers = [try Stet.tempDir().appendingPathComponent("ledger.sqlite").path]
        if available() { ledgers.append(try freshDatabase()) }
        for ledger in ledgers {
            var r = try Stet.run(["budget", "set", "user=ana", "0.20", "USD", "--warn", "50%", "--ledger", ledger], env: pgEnv)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(r.stdout, "Budget user=ana: 0.20 USD, warning at 50% (0.10); 0.00 spent so far (\(ledger))\n")
            let gen = ["log", "generation", "--model", "final", "--count", "2", "--ledger", ledger]
            r = try Stet.run(gen, env: pgEnv.merging(["USER": "ana"]) { $1 })
            XCTAssertEqual(r.stderr, "")   // 0.08 of 0.20
            r = try Stet.run(gen, env: pgEnv.merging(["USER": "ana"]) { $1 })
            XCTAssertEqual(r.stderr, "warning: budget user=ana: 0.16 of 0.20 USD spent (80%), past its 50% warning line\n")
            r = try Stet.run(gen, env: pgEnv.merging(["USER": "bo"]) { $1 })
            XCTAssertEqual(r.stderr, "")   // another user's spend
            r = try Stet.run(["grid"] + candidates + ["-o", Stet.scratch.appendingPathComponent("b-\(UUID().uuidString).jpg").path,
                                                     "--cell", "32", "--spent", "0.05", "--ledger", ledger], env: pgEnv.merging(["USER": "ana"]) { $1 })
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(r.stderr.split(separator: "\n").first, "warning: budget user=ana: 0.21 of 0.20 USD spent (105%), over its limit")
            r = try Stet.run(["budget", "--ledger", ledger, "--format", "json"], env: pgEnv)
            let doc = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            let b = try XCTUnwrap((doc["budgets"] as? [[String: Any]])?.first)
            XCTAssertEqual(b["scope"] as? String, "user=ana")
            XCTAssertEqual(b["spent"] as? Double, 0.21)
            XCTAssertEqual(b["level"] as? String, "over")
            r = try Stet.run(["budget", "remove", "user=ana", "--ledger", ledger], env: pgEnv)
            XCTAssertEqual(r.stdout, "Removed the budget for user=ana (\(ledger))\n")
            r = try Stet.run(["budget", "remove", "user=ana", "--ledger", ledger], env: pgEnv)
            XCTAssertEqual(r.status, 1)
            XCTAssertEqual(r.stderr, "stet: \(ledger): has no budget for user=ana\n")
        }
    }
}
