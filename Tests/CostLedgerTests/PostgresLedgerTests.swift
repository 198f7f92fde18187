@testable import CostLedger
import Foundation
import StetSupport
import XCTest

/// The PostgreSQL store against a real server (see `PostgresTestServer`): the same reports as
/// SQLite to the cent, migrations, idempotence, errors word for word, a lost connection, budgets.
final class PostgresLedgerTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("stet-pg-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    var env: [String: String] { PostgresTestServer.environment }

    /// The report suite's entries: operations over three days, users, projects (and none),
    /// tags, a failure, generations with and without --kept, per-second spend, a second
    /// currency (credits) and review decisions on two assets.
    static func suiteEntries() throws -> [LedgerEntry] {
        let card = PriceCard.builtIn
        func file(_ p: String, _ c: Character) -> FileRecord {
            FileRecord(path: p, sha256: String(repeating: c, count: 64), bytes: 1000, width: 640, height: 480)
        }
        func use(_ op: String, units: Int = 1, avoids: String? = nil, time: String, user: String = "ana",
                 project: String? = "/work/launch", tags: [String: String] = [:]) throws -> LedgerEntry {
            LedgerEntry(time: LedgerTime.date(time)!, project: project, user: user, commandLine: "stet \(op)", operation: op,
                        parameters: ["units": "\(units)"], inputs: [file("in.jpg", "a")], outputs: [file("out.jpg", "b")],
                        avoided: try card.counterfactual(operation: op, explicit: avoids, units: units),
                        priceCardHash: card.hash, wallSeconds: 0.5, cpuSeconds: 0.25, stetVersion: "test", tags: tags)
        }
        func generation(_ model: String, count: Int? = nil, seconds: Double? = nil, kept: Double?, time: String,
                        user: String = "ana", tags: [String: String] = [:]) throws -> LedgerEntry {
            LedgerEntry(time: LedgerTime.date(time)!, project: "/work/launch", user: user, commandLine: "stet log generation",
                        operation: "generation",
                        spent: [try card.generationSpend(model: model, count: count, seconds: seconds, kept: kept, spent: nil)],
                        priceCardHash: card.hash, stetVersion: "test", tags: tags)
        }
        func decision(_ kind: ReviewDecision.Kind, asset: String, candidates: Int, _ c: Character, model: String,
                      time: String, tags: [String: String]) -> LedgerEntry {
            var e = LedgerEntry(time: LedgerTime.date(time)!, project: "/work/launch", user: "bo", commandLine: "stet review",
                                operation: "review", parameters: ["decision": kind.rawValue], inputs: [file("c.png", c)],
                                priceCardHash: card.hash, stetVersion: "test", tags: tags)
            e.decision = ReviewDecision(kind: kind, asset: asset, assetLabel: asset, candidates: candidates, path: "c.png",
                                        sha256: String(repeating: c, count: 64), model: model)
            return e
        }
        var failure = try use("upscale", time: "2026-11-21T12:00:00Z", user: "bo")
        failure.succeeded = false; failure.error = "in.jpg: not an image"; failure.avoided = []
        return [
            try use("reframe", units: 3, time: "2026-11-20T09:00:00Z", tags: ["campaign": "spring"]),
            try use("upscale", time: "2026-11-20T10:00:00Z", tags: ["campaign": "spring", "shot": "7"]),
            try use("inpaint", avoids: "gpt-image-1 x2", time: "2026-11-21T09:00:00Z", user: "bo", project: nil),
            try use("draft", units: 12, time: "2026-11-21T09:10:00Z"),
            try use("patch", avoids: "veo-3", time: "2026-11-21T09:30:00Z", tags: ["campaign": "autumn"]),
            try use("grid", avoids: "studio-credits x3", time: "2026-11-22T08:00:00Z", user: "cy", project: "/work/other"),
            try use("info", time: "2026-11-22T08:05:00Z"),
            failure,
            try generation("final", count: 4, kept: 1, time: "2026-11-20T11:00:00Z", tags: ["campaign": "spring"]),
            try generation("draft", count: 10, kept: nil, time: "2026-11-21T11:00:00Z", user: "bo"),
            try generation("veo-3", seconds: 24, kept: 8, time: "2026-11-22T10:00:00Z"),
            try generation("studio-credits", count: 2, kept: 2, time: "2026-11-22T10:30:00Z", user: "cy"),
            decision(.pick, asset: "takes-a", candidates: 4, "1", model: "flux-schnell", time: "2026-11-21T13:00:00Z", tags: ["campaign": "spring"]),
            decision(.pick, asset: "takes-a", candidates: 4, "2", model: "flux-schnell", time: "2026-11-21T13:01:00Z", tags: ["campaign": "spring"]),
            decision(.reject, asset: "takes-a", candidates: 4, "2", model: "flux-schnell", time: "2026-11-21T13:02:00Z", tags: ["campaign": "spring"]),
            decision(.lock, asset: "takes-a", candidates: 4, "3", model: "flux-schnell", time: "2026-11-22T13:03:00Z", tags: [:]),
            decision(.pick, asset: "takes-b", candidates: 3, "4", model: "veo-3", time: "2026-11-22T14:00:00Z", tags: ["campaign": "autumn"]),
        ]
    }

    /// The filters the suite runs every grouping under.
    static func suiteFilters() throws -> [LedgerFilter] {
        [
            LedgerFilter(),
            LedgerFilter(since: try LedgerTime.bound("2026-11-21", endOfDay: false, option: "since"),
                         until: try LedgerTime.bound("2026-11-21", endOfDay: true, option: "until")),
            LedgerFilter(tags: [("campaign", "spring")]),
            LedgerFilter(since: try LedgerTime.bound("2026-11-21T09:15:00Z", endOfDay: false, option: "since")),
            LedgerFilter(since: "2026-11-20T00:00:00.000Z", tags: [("campaign", "autumn")]),
        ]
    }

    static func json(_ report: SavingsReport) throws -> String {
        var r = report
        r.ledger = ""
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return String(decoding: try encoder.encode(r), as: UTF8.self)
    }

    func testTheSameReportsOnSQLiteAndPostgreSQLToTheCent() throws {
        guard PostgresTestServer.available() != nil else { return }
        let entries = try Self.suiteEntries()
        let sqlite = try Ledger.open(dir.appendingPathComponent("ledger.sqlite").path, mode: .record)
        let pg = try PostgresLedger.open(try PostgresTestServer.freshDatabase(), mode: .record, environment: env)
        for e in entries {
            try sqlite.append(e)
            try pg.append(e)
        }
        var compared = 0
        for filter in try Self.suiteFilters() {
            for grouping in ReportGrouping.allCases {
                let a = try Self.json(sqlite.report(by: grouping, filter: filter))
                let b = try Self.json(pg.report(by: grouping, filter: filter, currentCard: nil))
                XCTAssertEqual(a, b, "--by \(grouping) with \(filter.whereSQL())")
                compared += 1
            }
        }
        XCTAssertEqual(compared, 30)
        // And the numbers are the ones the entries imply (not two stores agreeing on nonsense).
        let byOp = try pg.report(by: .operation, filter: LedgerFilter(), currentCard: nil)
        let usd = try XCTUnwrap(byOp.totals.first { $0.currency == "USD" })
        XCTAssertEqual(usd.avoided.cents, "6.24")   // 0.12 + 0.04 + 0.084 + 6.00
        XCTAssertEqual(usd.spent.cents, "18.19")    // 0.16 + 0.03 + 18.00
        XCTAssertEqual(byOp.totals.first { $0.currency == "credits" }?.avoided.cents, "12.00")
        XCTAssertEqual(byOp.totals.first?.entries, 17)
        XCTAssertEqual(byOp.totals.first?.failed, 1)
        let byModel = try pg.report(by: .model, filter: LedgerFilter(), currentCard: nil)
        XCTAssertEqual(byModel.rows.first { $0.group == "flux-schnell" }?.review, ReviewYield(reviewed: 4, kept: 2))
        XCTAssertEqual(byModel.rows.first { $0.group == "veo-3" }?.review, ReviewYield(reviewed: 3, kept: 1))
        let byTag = try pg.report(by: .tag, filter: LedgerFilter(), currentCard: nil)
        XCTAssertEqual(byTag.rows.first { $0.group == "campaign=spring" && $0.currency == "USD" }?.avoided.cents, "0.16")
        // Entries, decisions and the checks read back the same from both.
        func plain(_ list: [LedgerEntry]) -> [LedgerEntry] { list.map { var e = $0; e.id = nil; return e } }
        XCTAssertEqual(plain(try pg.entries()), plain(try sqlite.entries()))
        XCTAssertEqual(try pg.decisions(), try sqlite.decisions())
        XCTAssertEqual(try pg.count(LedgerFilter(tags: [("campaign", "spring")])), 6)
        XCTAssertEqual(try pg.consistencyProblems(), [])
    }

    func testMigrationsUpgradeAnOlderSchemaAndRefuseANewerOne() throws {
        guard PostgresTestServer.available() != nil else { return }
        let url = try PostgresTestServer.freshDatabase()
        // A v4 ledger with one entry, as an older Stet left it.
        let old = try PostgresLedger.connectOnly(url, environment: env)
        _ = try old.execute("CREATE TABLE stet_schema (version INTEGER NOT NULL, upgraded_at TIMESTAMPTZ NOT NULL DEFAULT now())")
        for (i, step) in PostgresLedger.migrations.prefix(4).enumerated() {
            for sql in step { _ = try old.execute(sql) }
            _ = try old.execute("INSERT INTO stet_schema (version) VALUES (?)", [.int(Int64(i + 1))])
        }
        _ = try old.execute("""
            INSERT INTO entry (uuid, time, day, project, "user", command_line, operation, succeeded, price_card_hash,
                wall_seconds, cpu_seconds, stet_version, file_count, avoided_count, tag_count)
            VALUES ('u-1', '2026-11-20T10:00:00.000Z', '2026-11-20', NULL, 'ana', 'stet info', 'info', 1, 'h', 0, 0, 'old', 0, 0, 1)
            """)
        _ = try old.execute("INSERT INTO tag (entry_id, key, value) VALUES (1, 'campaign', 'spring')")

        let reader = try PostgresLedger.open(url, mode: .read, environment: env)
        XCTAssertEqual(try reader.storedSchemaVersion(), 6)
        let versions = try old.execute("SELECT version FROM stet_schema ORDER BY version").map { $0[0].int64 }
        XCTAssertEqual(versions, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(try reader.count(), 1)
        XCTAssertEqual(try reader.entries().first?.tags, ["campaign": "spring"])
        XCTAssertEqual(try reader.consistencyProblems(), [])   // the running totals were built from the rows
        XCTAssertEqual(try reader.report(by: .operation).totals.first?.entries, 1)
        // `stet ledger check` compares the running totals with the rows.
        _ = try old.execute("UPDATE rollup_entry SET entries = entries + 1")
        XCTAssertEqual(try reader.consistencyProblems(), ["rollup_entry: 2 running totals disagree with the entries"])
        _ = try old.execute("UPDATE rollup_entry SET entries = entries - 1")

        _ = try old.execute("INSERT INTO stet_schema (version) VALUES (7)")
        let name = PostgresURL.redacted(url)
        XCTAssertThrowsError(try PostgresLedger.open(url, mode: .record, environment: env)) { error in
            XCTAssertEqual("\(error)", "\(name): ledger was written by a newer Stet (schema newer than v6); upgrade Stet")
        }
    }

    func testManyProcessesMeetingANewDatabaseMigrateItOnce() throws {
        guard PostgresTestServer.available() != nil else { return }
        let url = try PostgresTestServer.freshDatabase()
        let env = self.env
        let errors = ResultList()
        DispatchQueue.concurrentPerform(iterations: 6) { _ in
            do { _ = try PostgresLedger.open(url, mode: .record, environment: env) } catch { errors.add("\(error)") }
        }
        XCTAssertEqual(errors.items, [])
        let check = try PostgresLedger.connectOnly(url, environment: env)
        XCTAssertEqual(try check.execute("SELECT count(*) FROM stet_schema")[0][0].int64, 6)
    }

    func testAppendingTheSameEntryTwiceKeepsOne() throws {
        guard PostgresTestServer.available() != nil else { return }
        let pg = try PostgresLedger.open(try PostgresTestServer.freshDatabase(), mode: .record, environment: env)
        let entries = try Self.suiteEntries()
        XCTAssertEqual(try pg.importEntries(entries).added, entries.count)
        XCTAssertEqual(try pg.importEntries(entries).added, 0)
        XCTAssertEqual(try pg.importEntries(Array(entries.prefix(3)) + entries.prefix(3)).skipped, 6)
        XCTAssertEqual(try pg.count(), entries.count)
        XCTAssertEqual(try pg.consistencyProblems(), [])
    }

    // MARK: - Errors, word for word

    func testBadURLWrongPasswordMissingDatabaseAndServerDownAreOneLineNamingTheLedger() throws {
        guard let server = PostgresTestServer.available() else { return }
        let base = try XCTUnwrap(URLComponents(string: server.url))
        let host = base.host!, port = base.port!, user = base.user!
        func message(_ url: String, _ environment: [String: String]) -> String {
            do { _ = try PostgresLedger.open(url, mode: .record, environment: environment); return "opened" } catch { return "\(error)" }
        }
        XCTAssertEqual(message("postgresql://\(user)@\(host):99999/x", env),
                       "postgresql://\(user)@\(host):99999/x: is not a PostgreSQL URL (port 99999 is out of range)")
        XCTAssertEqual(message("postgresql://\(user)@\(host):\(port)/a/b", env),
                       "postgresql://\(user)@\(host):\(port)/a/b: is not a PostgreSQL URL (the database name has a /)")
        var wrong = env
        wrong["PGPASSWORD"] = "not-the-password"
        XCTAssertEqual(message(server.url, wrong),
                       "postgresql://\(user)@\(host):\(port)/postgres: password authentication failed for user \(user); check PGPASSWORD, ~/.pgpass or STET_LEDGER_URL")
        var none = env
        none["PGPASSWORD"] = nil
        none["PGPASSFILE"] = dir.appendingPathComponent("no-such-pgpass").path
        XCTAssertEqual(message(server.url, none),
                       "postgresql://\(user)@\(host):\(port)/postgres: the server asks for a password; set PGPASSWORD, ~/.pgpass or STET_LEDGER_URL")
        XCTAssertEqual(message(PostgresTestServer.replacingDatabase(server.url, with: "no_such_db"), env),
                       "postgresql://\(user)@\(host):\(port)/no_such_db: database no_such_db does not exist; create it (createdb no_such_db) or name another")
        let down = Self.freePort()
        XCTAssertEqual(message("postgresql://\(user)@127.0.0.1:\(down)/postgres", env),
                       "postgresql://\(user)@127.0.0.1:\(down)/postgres: cannot connect to the server at 127.0.0.1:\(down) (connection refused); is it running?")
    }

    func testAConnectionLostMidRunRecordsNothingAndSaysSo() throws {
        guard PostgresTestServer.available() != nil else { return }
        let url = try PostgresTestServer.freshDatabase()
        let pg = try PostgresLedger.open(url, mode: .record, environment: env)
        let admin = try PostgresLedger.connectOnly(url, environment: env)
        _ = try admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid != pg_backend_pid()")
        let entry = try Self.suiteEntries()[0]
        XCTAssertThrowsError(try pg.append(entry)) { error in
            XCTAssertEqual("\(error)", "\(PostgresURL.redacted(url)): the connection to the server was lost; nothing was half-recorded")
        }
        // Asked again, it fails at once with the same line instead of waiting for an answer that never comes.
        let start = Date()
        XCTAssertThrowsError(try pg.count()) { error in
            XCTAssertEqual("\(error)", "\(PostgresURL.redacted(url)): the connection to the server was lost; nothing was half-recorded")
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
        let check = try PostgresLedger.open(url, mode: .read, environment: env)
        XCTAssertEqual(try check.count(), 0)
        XCTAssertEqual(try check.consistencyProblems(), [])
    }

    // MARK: - Passwords

    func testPasswordFileFollowsLibpqRules() throws {
        let file = dir.appendingPathComponent("pgpass").path
        try """
            # comment
            otherhost:5432:*:ana:nope
            127.0.0.1:5433:stet:ana:s3cr\\:et
            *:*:*:*:fallback
            """.write(toFile: file, atomically: true, encoding: .utf8)
        chmod(file, 0o600)
        XCTAssertEqual(PostgresURL.passwordFile(file, host: "127.0.0.1", port: 5433, database: "stet", user: "ana"), "s3cr:et")
        XCTAssertEqual(PostgresURL.passwordFile(file, host: "db", port: 5432, database: "x", user: "bo"), "fallback")
        chmod(file, 0o644)   // readable by others: ignored, as libpq ignores it
        XCTAssertNil(PostgresURL.passwordFile(file, host: "127.0.0.1", port: 5433, database: "stet", user: "ana"))
        let url = try PostgresURL.parse("postgresql://ana@127.0.0.1:5433/stet", environment: ["PGPASSFILE": file])
        XCTAssertNil(url.resolvedPassword(environment: ["PGPASSFILE": file]))
        chmod(file, 0o600)
        XCTAssertEqual(url.resolvedPassword(environment: ["PGPASSFILE": file]), "s3cr:et")
        XCTAssertEqual(url.resolvedPassword(environment: ["PGPASSFILE": file, "PGPASSWORD": "env"]), "env")
        XCTAssertEqual(PostgresURL.redacted("postgresql://ana:hunter2@h:1/db"), "postgresql://ana@h:1/db")
        XCTAssertEqual(try PostgresURL.parse("postgres://h/db", environment: ["USER": "cy"]).name, "postgresql://cy@h:5432/db")
    }

    func testTheLocationComesFromTheOptionTheEnvironmentOrTheProjectConfig() throws {
        let project = dir.appendingPathComponent("proj")
        try FileManager.default.createDirectory(at: project.appendingPathComponent(".stet"), withIntermediateDirectories: true)
        try "[ledger]\nurl = \"postgresql://team@db.example:5432/stet\"  # the team ledger\n"
            .write(to: project.appendingPathComponent(".stet/config.toml"), atomically: true, encoding: .utf8)
        let fromConfig = LedgerLocation.resolve(explicit: nil, environment: [:], cwd: project.path)
        XCTAssertEqual(fromConfig.ledgerPath, "postgresql://team@db.example:5432/stet")
        XCTAssertEqual(fromConfig.source, .config)
        XCTAssertTrue(fromConfig.isURL)
        let fromEnv = LedgerLocation.resolve(explicit: nil, environment: ["STET_LEDGER_URL": "postgresql://a:pw@h/x"], cwd: project.path)
        XCTAssertEqual(fromEnv.source, .environmentURL)
        XCTAssertNoThrow(try fromEnv.checkPassword())
        XCTAssertEqual(fromEnv.ledgerName, "postgresql://a@h/x")
        let option = LedgerLocation.resolve(explicit: "postgresql://a:pw@h/x", environment: [:], cwd: project.path)
        XCTAssertThrowsError(try option.checkPassword()) { error in
            XCTAssertFalse("\(error)".contains("pw@"))
        }
        try "url = 'postgresql://team:pw@db/stet'\n".write(to: project.appendingPathComponent(".stet/config.toml"), atomically: true, encoding: .utf8)
        let secret = LedgerLocation.resolve(explicit: nil, environment: [:], cwd: project.path)
        XCTAssertThrowsError(try secret.checkPassword()) { error in
            XCTAssertEqual("\(error)", "\(project.path)/.stet/config.toml: refusing a password in url (the file is shared); give it in PGPASSWORD, ~/.pgpass or STET_LEDGER_URL")
        }
    }

    // MARK: - Budgets on both stores

    func testBudgetsStandAndWarnTheSameOnBothStores() throws {
        let sqlite = try Ledger.open(dir.appendingPathComponent("ledger.sqlite").path, mode: .record)
        var stores: [any LedgerStore] = [sqlite]
        if PostgresTestServer.available() != nil {
            stores.append(try PostgresLedger.open(try PostgresTestServer.freshDatabase(), mode: .record, environment: env))
        }
        let card = PriceCard.builtIn
        for store in stores {
            try store.setBudget(Budget(scope: try BudgetScope.parse("project=launch"), limit: Money(1.00), currency: "USD", warnAt: 0.8))
            try store.setBudget(Budget(scope: try BudgetScope.parse("model=veo-3"), limit: Money(10), currency: "USD", warnAt: 0.5))
            try store.setBudget(Budget(scope: try BudgetScope.parse("all"), limit: Money(100), currency: "USD", warnAt: 0.9))
            try store.setBudget(Budget(scope: try BudgetScope.parse("model=veo-3"), limit: Money(20), currency: "USD", warnAt: 0.5))   // changed
            func spend(_ model: String, count: Int? = nil, seconds: Double? = nil, tags: [String: String] = [:]) throws -> [String] {
                let e = LedgerEntry(project: "/work/launch", user: "ana", commandLine: "stet log generation", operation: "generation",
                                    spent: [try card.generationSpend(model: model, count: count, seconds: seconds, kept: nil, spent: nil)],
                                    priceCardHash: card.hash, stetVersion: "test", tags: tags)
                try store.append(e)
                return try store.budgetWarnings(after: e)
            }
            XCTAssertEqual(try spend("final", count: 10), [], store.name)                   // 0.40 of 1.00
            XCTAssertEqual(try spend("final", count: 10), ["budget project=launch: 0.80 of 1.00 USD spent (80%), past its 80% warning line"], store.name)
            XCTAssertEqual(try spend("final", count: 1), [], store.name)                    // 0.84: still in warning, said once
            XCTAssertEqual(try spend("veo-3", seconds: 16), [
                "budget model=veo-3: 12.00 of 20.00 USD spent (60%), past its 50% warning line",
                "budget project=launch: 12.84 of 1.00 USD spent (1284%), over its limit",
            ], store.name)
            let standings = try store.budgetStandings()
            XCTAssertEqual(standings.map(\.budget.scope.description), ["all", "model=veo-3", "project=launch"], store.name)
            XCTAssertEqual(standings.map(\.spent.cents), ["12.84", "12.00", "12.84"], store.name)
            XCTAssertEqual(standings.map(\.level), [.under, .warning, .over], store.name)
            XCTAssertTrue(try store.removeBudget(scope: BudgetScope.parse("all")))
            XCTAssertFalse(try store.removeBudget(scope: BudgetScope.parse("all")))
            XCTAssertEqual(try store.budgets().count, 2)
        }
        XCTAssertThrowsError(try BudgetScope.parse("team=x")) { error in
            XCTAssertEqual("\(error)", "Expected a scope (project=NAME, user=NAME, model=NAME, operation=NAME, tag=KEY=VALUE or all) for scope but received team=x")
        }
    }

    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}

/// Strings gathered from several threads.
final class ResultList: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var items: [String] = []
    func add(_ s: String) { lock.lock(); items.append(s); lock.unlock() }
}
