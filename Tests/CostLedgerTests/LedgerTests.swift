import CostLedger
import Foundation
import GRDB
import StetSupport
import XCTest

final class LedgerTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("stet-ledger-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: dir)
    }

    var ledgerPath: String { dir.appendingPathComponent("ledger.sqlite").path }

    func entry(_ operation: String, units: Int = 1, avoids: String? = nil, time: String = "2026-11-20T10:00:00Z",
               tags: [String: String] = [:], user: String = "ana", project: String? = "/work/p") throws -> LedgerEntry {
        let card = PriceCard.builtIn
        return LedgerEntry(
            time: LedgerTime.date(time)!, project: project, user: user, commandLine: "stet \(operation)", operation: operation,
            parameters: ["units": "\(units)"],
            inputs: [FileRecord(path: "in.jpg", sha256: String(repeating: "a", count: 64), bytes: 1000, width: 640, height: 480)],
            outputs: [FileRecord(path: "out.jpg", sha256: String(repeating: "b", count: 64), bytes: 900, width: 320, height: 240)],
            avoided: try card.counterfactual(operation: operation, explicit: avoids, units: units),
            priceCardHash: card.hash, wallSeconds: 0.5, cpuSeconds: 0.25, stetVersion: "test", tags: tags)
    }

    func generation(count: Int, kept: Double?, model: String = "final", time: String = "2026-11-20T11:00:00Z",
                    tags: [String: String] = [:]) throws -> LedgerEntry {
        let card = PriceCard.builtIn
        let item = try card.generationSpend(model: model, count: count, seconds: nil, kept: kept, spent: nil)
        return LedgerEntry(time: LedgerTime.date(time)!, project: "/work/p", user: "ana", commandLine: "stet log generation",
                           operation: "generation", spent: [item], priceCardHash: card.hash, stetVersion: "test", tags: tags)
    }

    func testReportTotalsEqualTheCardToTheCent() throws {
        let ledger = try Ledger.open(ledgerPath, mode: .record)
        try ledger.append(entry("reframe", units: 3, tags: ["campaign": "spring"]))              // 0.12
        try ledger.append(entry("upscale", tags: ["campaign": "spring"]))                        // 0.04
        try ledger.append(entry("inpaint", avoids: "gpt-image-1 x2", time: "2026-11-21T09:00:00Z"))  // 0.084
        try ledger.append(entry("draft", units: 12))                                            // nothing
        try ledger.append(entry("patch", avoids: "veo-3", time: "2026-11-21T09:30:00Z"))          // 6.00
        try ledger.append(generation(count: 4, kept: 1))                                         // spent 0.16
        try ledger.append(generation(count: 10, kept: nil, model: "draft"))                      // spent 0.03
        var failure = LedgerEntry.failure(project: "/work/p", user: "ana", commandLine: "stet reframe x", operation: "reframe",
                                          error: "x: cannot be opened", priceCardHash: PriceCard.builtIn.hash,
                                          wallSeconds: 0.1, cpuSeconds: 0.1, stetVersion: "test", tags: [:])
        failure.time = LedgerTime.date("2026-11-20T12:00:00Z")!
        try ledger.append(failure)

        let byOp = try ledger.report(by: .operation)
        func row(_ r: SavingsReport, _ g: String) -> ReportRow? { r.rows.first { $0.group == g } }
        XCTAssertEqual(row(byOp, "reframe")?.avoided.cents, "0.12")
        XCTAssertEqual(row(byOp, "reframe")?.entries, 2)
        XCTAssertEqual(row(byOp, "reframe")?.failed, 1)
        XCTAssertEqual(row(byOp, "upscale")?.avoided.cents, "0.04")
        XCTAssertEqual(row(byOp, "inpaint")?.avoided.exact, "0.084")
        XCTAssertEqual(row(byOp, "patch")?.avoided.cents, "6.00")
        XCTAssertEqual(row(byOp, "draft")?.currency, "")
        XCTAssertEqual(row(byOp, "draft")?.entries, 1)
        let gen = try XCTUnwrap(row(byOp, "generation"))
        XCTAssertEqual(gen.spent.cents, "0.19")
        XCTAssertEqual(gen.generated, 14)
        XCTAssertEqual(gen.kept, 1)
        XCTAssertEqual(gen.yield, 0.25)                     // only the logged-with---kept batch counts
        XCTAssertEqual(gen.costPerKept?.cents, "0.16")
        XCTAssertEqual(byOp.totals.count, 1)
        XCTAssertEqual(byOp.totals[0].avoided.micros, 120_000 + 40_000 + 84_000 + 6_000_000)
        XCTAssertEqual(byOp.totals[0].avoided.cents, "6.24")
        XCTAssertEqual(byOp.totals[0].spent.cents, "0.19")
        XCTAssertEqual(byOp.totals[0].net.cents, "6.05")
        XCTAssertEqual(byOp.totals[0].entries, 8)
        XCTAssertTrue(byOp.assumptions.contains { $0.contains("8 entries priced with price card sha256 \(PriceCard.builtIn.hash.prefix(12))") })
        XCTAssertTrue(byOp.pricesUsed.contains(PriceUsed(kind: "avoided", model: "flux-1.1-pro", unit: "image",
                                                         unitPrice: Money(0.04), currency: "USD", uses: 2)))

        let byModel = try ledger.report(by: .model)
        XCTAssertEqual(row(byModel, "flux-1.1-pro")?.avoided.cents, "0.16")
        XCTAssertEqual(row(byModel, "flux-1.1-pro")?.spent.cents, "0.16")
        XCTAssertEqual(row(byModel, "flux-1.1-pro")?.net.cents, "0.00")
        XCTAssertEqual(row(byModel, "flux-schnell")?.spent.cents, "0.03")
        XCTAssertEqual(row(byModel, "veo-3")?.avoided.cents, "6.00")
        XCTAssertEqual(row(byModel, "(none)")?.entries, 2)   // the draft and the failure

        let byTag = try ledger.report(by: .tag)
        XCTAssertEqual(row(byTag, "campaign=spring")?.avoided.cents, "0.16")
        XCTAssertEqual(row(byTag, "(untagged)")?.avoided.cents, "6.08")

        let byDay = try ledger.report(by: .day)
        XCTAssertEqual(byDay.rows.map(\.group), ["2026-11-20", "2026-11-21"])
        XCTAssertEqual(row(byDay, "2026-11-20")?.entries, 6)
        XCTAssertEqual(row(byDay, "2026-11-21")?.avoided.cents, "6.08")

        let since = try ledger.report(by: .operation, filter: LedgerFilter(since: try LedgerTime.bound("2026-11-21", endOfDay: false, option: "since")))
        XCTAssertEqual(since.totals[0].avoided.cents, "6.08")
        XCTAssertEqual(since.totals[0].entries, 2)
        let until = try ledger.report(by: .operation, filter: LedgerFilter(until: try LedgerTime.bound("2026-11-20", endOfDay: true, option: "until")))
        XCTAssertEqual(until.totals[0].avoided.cents, "0.16")
        let tagged = try ledger.report(by: .user, filter: LedgerFilter(tags: [("campaign", "spring")]))
        XCTAssertEqual(tagged.rows.map(\.group), ["ana"])
        XCTAssertEqual(tagged.totals[0].avoided.cents, "0.16")
        XCTAssertEqual(tagged.totals[0].entries, 2)
        XCTAssertEqual(try ledger.consistencyProblems(), [])
    }

    /// Unfiltered reports take short cuts (no entry lookups); a filter that matches everything
    /// goes the long way. Both must agree for every grouping.
    func testShortCutsAgreeWithTheFilteredPath() throws {
        let ledger = try Ledger.open(ledgerPath, mode: .record)
        try ledger.append(entry("reframe", units: 2, tags: ["campaign": "spring", "client": "acme"]))
        try ledger.append(entry("upscale", avoids: "studio-credits x2", tags: ["client": "acme"]))
        try ledger.append(entry("draft"))
        try ledger.append(generation(count: 3, kept: 2, tags: ["campaign": "spring"]))
        var failure = LedgerEntry.failure(project: nil, user: "bo", commandLine: "stet grid", operation: "grid", error: "x",
                                          priceCardHash: "h", wallSeconds: 0, cpuSeconds: 0, stetVersion: "t", tags: ["client": "acme"])
        failure.time = LedgerTime.date("2026-11-20T12:00:00Z")!
        try ledger.append(failure)
        let everything = LedgerFilter(since: "2000-01-01T00:00:00.000Z")
        for grouping in ReportGrouping.allCases {
            let fast = try ledger.report(by: grouping), slow = try ledger.report(by: grouping, filter: everything)
            func key(_ r: [ReportRow]) -> [String] {
                r.map { "\($0.group)|\($0.currency)|\($0.entries)|\($0.failed)|\($0.avoided.micros)|\($0.spent.micros)|\($0.yield ?? -1)" }.sorted()
            }
            XCTAssertEqual(key(fast.rows), key(slow.rows), grouping.rawValue)
            XCTAssertEqual(key(fast.totals), key(slow.totals), grouping.rawValue)
        }
        let byTag = try ledger.report(by: .tag)
        XCTAssertEqual(byTag.rows.first { $0.group == "client=acme" && $0.currency == "USD" }?.entries, 3)
        XCTAssertEqual(byTag.rows.first { $0.group == "client=acme" && $0.currency == "USD" }?.failed, 1)
        XCTAssertEqual(byTag.rows.first { $0.group == "(untagged)" }?.entries, 1)
        let byModel = try ledger.report(by: .model)
        XCTAssertEqual(byModel.rows.first { $0.group == "(none)" }?.entries, 2)
        XCTAssertEqual(byModel.rows.first { $0.group == "(none)" }?.failed, 1)
        XCTAssertEqual(byModel.totals.map(\.currency), ["USD", "credits"])
        XCTAssertEqual(byModel.totals.first?.entries, 5)
    }

    func testTimesRoundTripAndBounds() throws {
        let d = try XCTUnwrap(LedgerTime.date("2026-11-21T08:39:52.250Z"))
        XCTAssertEqual(d.timeIntervalSince1970, 1_795_250_392.25, accuracy: 0.0005)
        XCTAssertEqual(LedgerTime.string(d), "2026-11-21T08:39:52.250Z")
        XCTAssertEqual(LedgerTime.date("2026-11-21T08:39:52Z")?.timeIntervalSince1970, 1_795_250_392)
        XCTAssertEqual(LedgerTime.date("2026-11-21T09:39:52+01:00")?.timeIntervalSince1970, 1_795_250_392)
        XCTAssertNil(LedgerTime.date("yesterday"))
        XCTAssertEqual(try LedgerTime.bound("2026-11-21", endOfDay: false, option: "since"), "2026-11-21T00:00:00.000Z")
        XCTAssertEqual(try LedgerTime.bound("2026-11-21", endOfDay: true, option: "until"), "2026-11-22T00:00:00.000Z")
        XCTAssertThrowsError(try LedgerTime.bound("yesterday", endOfDay: false, option: "since")) { error in
            XCTAssertEqual("\(error)", "Expected a date (YYYY-MM-DD) or ISO 8601 time for since but received yesterday")
        }
    }

    func testCurrenciesAreNeverAddedTogether() throws {
        let ledger = try Ledger.open(ledgerPath, mode: .record)
        try ledger.append(entry("upscale"))
        try ledger.append(entry("upscale", avoids: "studio-credits x2"))
        let report = try ledger.report(by: .operation)
        XCTAssertEqual(report.rows.map { "\($0.group) \($0.currency) \($0.avoided.exact)" }.sorted(),
                       ["upscale USD 0.04", "upscale credits 8.00"])
        XCTAssertEqual(report.totals.count, 2)
    }

    func testEntriesRoundTripForExport() throws {
        let ledger = try Ledger.open(ledgerPath, mode: .record)
        let original = try entry("reframe", units: 2, tags: ["client": "acme", "shot": "12"])
        try ledger.append(original)
        let back = try ledger.entries()
        XCTAssertEqual(back.count, 1)
        var expected = original
        expected.id = back[0].id
        XCTAssertEqual(back[0], expected)
        let line = try EntryFormat.jsonLine(back[0])
        XCTAssertTrue(line.contains("\"time\":\"2026-11-20T10:00:00.000Z\""), line)
        XCTAssertTrue(line.contains("\"subtotal\":0.08"), line)
        let csv = EntryFormat.csvRow(back[0])
        XCTAssertEqual(csv.count, EntryFormat.csvHeader.count)
        XCTAssertEqual(csv[EntryFormat.csvHeader.firstIndex(of: "avoided")!], "0.08")
        XCTAssertEqual(csv[EntryFormat.csvHeader.firstIndex(of: "tags")!], "client=acme; shot=12")
        XCTAssertEqual(CSV.line(["a,b", "say \"hi\"", "c"]), "\"a,b\",\"say \"\"hi\"\"\",c")
    }

    func testSchemaVersionAndWAL() throws {
        let ledger = try Ledger.open(ledgerPath, mode: .record)
        XCTAssertEqual(try ledger.storedSchemaVersion(), Ledger.schemaVersion)
        let queue = try DatabaseQueue(path: ledgerPath)
        XCTAssertEqual(try queue.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }, "wal")
    }

    /// A ledger written by the first schema (made here by hand, as Stet v1 wrote it) is upgraded
    /// in place and keeps every row.
    func testUpgradeFromSchemaV1KeepsEveryRow() throws {
        do {
            let queue = try DatabaseQueue(path: ledgerPath)
            try queue.write { db in
                try db.execute(sql: """
                    CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
                    INSERT INTO grdb_migrations VALUES ('v1');
                    CREATE TABLE entry (id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, time TEXT NOT NULL, day TEXT NOT NULL,
                        project TEXT, user TEXT NOT NULL, command_line TEXT NOT NULL, operation TEXT NOT NULL,
                        parameters TEXT NOT NULL DEFAULT '{}', succeeded INTEGER NOT NULL, error TEXT,
                        price_card_hash TEXT NOT NULL, wall_seconds REAL NOT NULL, cpu_seconds REAL NOT NULL,
                        stet_version TEXT NOT NULL, file_count INTEGER NOT NULL, avoided_count INTEGER NOT NULL);
                    CREATE INDEX entry_time ON entry(time);
                    CREATE TABLE entry_file (entry_id INTEGER NOT NULL REFERENCES entry(id) ON DELETE CASCADE,
                        role TEXT NOT NULL CHECK (role IN ('input', 'output')), position INTEGER NOT NULL, path TEXT NOT NULL,
                        sha256 TEXT NOT NULL, width INTEGER, height INTEGER, bytes INTEGER NOT NULL,
                        PRIMARY KEY (entry_id, role, position));
                    CREATE TABLE avoided (entry_id INTEGER NOT NULL REFERENCES entry(id) ON DELETE CASCADE,
                        position INTEGER NOT NULL, what TEXT NOT NULL, model TEXT NOT NULL, quantity REAL NOT NULL,
                        unit TEXT NOT NULL, unit_price_micros INTEGER NOT NULL, currency TEXT NOT NULL,
                        subtotal_micros INTEGER NOT NULL, PRIMARY KEY (entry_id, position));
                    PRAGMA user_version = 1;
                    """)
                for i in 1...50 {
                    try db.execute(sql: """
                        INSERT INTO entry VALUES (?, ?, '2026-10-0\(i % 9 + 1)T08:00:00.000Z', '2026-10-0\(i % 9 + 1)', '/old', 'bo',
                            'stet reframe', 'reframe', '{"targets":"2"}', 1, NULL, 'oldhash', 1.5, 1.0, '0.0.9', 1, 1)
                        """, arguments: [i, "uuid-\(i)"])
                    try db.execute(sql: "INSERT INTO entry_file VALUES (?, 'output', 0, ?, ?, 100, 50, 1234)",
                                   arguments: [i, "out\(i).jpg", String(repeating: "c", count: 64)])
                    try db.execute(sql: "INSERT INTO avoided VALUES (?, 0, '2 × final', 'flux-pro', 2, 'image', 50000, 'USD', 100000)",
                                   arguments: [i])
                }
            }
        }
        let ledger = try Ledger.open(ledgerPath, mode: .record)
        XCTAssertEqual(try ledger.storedSchemaVersion(), Ledger.schemaVersion)
        let entries = try ledger.entries()
        XCTAssertEqual(entries.count, 50)
        XCTAssertEqual(entries[0].uuid, "uuid-1")
        XCTAssertEqual(entries[0].outputs, [FileRecord(path: "out1.jpg", sha256: String(repeating: "c", count: 64), bytes: 1234, width: 100, height: 50)])
        XCTAssertEqual(entries[0].avoided.first?.subtotal.cents, "0.10")
        XCTAssertEqual(entries[0].parameters, ["targets": "2"])
        XCTAssertEqual(entries[0].tags, [:])
        XCTAssertEqual(try ledger.report(by: .operation).totals[0].avoided.cents, "5.00")
        XCTAssertEqual(try ledger.consistencyProblems(), [])
        // New entries go in beside the old ones.
        try ledger.append(entry("upscale", tags: ["after": "upgrade"]))
        XCTAssertEqual(try ledger.count(), 51)
        XCTAssertEqual(try ledger.report(by: .operation).totals[0].avoided.cents, "5.04")
    }

    /// A v3 ledger (tags only in the tag table) gets its tag signatures filled in by the v4
    /// migration: the tag report after the upgrade equals the one a v4 ledger gives.
    func testUpgradeFromSchemaV3FillsInTagSignatures() throws {
        func key(_ r: [ReportRow]) -> [String] {
            r.map { "\($0.group)|\($0.currency)|\($0.entries)|\($0.failed)|\($0.avoided.micros)|\($0.spent.micros)|\($0.kept ?? -1)" }.sorted()
        }
        var expected: [String] = []
        do {
            let ledger = try Ledger.open(ledgerPath, mode: .record)
            try ledger.append(entry("reframe", units: 3, tags: ["campaign": "spring", "client": "acme"]))
            try ledger.append(entry("upscale", tags: ["client": "acme"]))
            try ledger.append(entry("inpaint", tags: ["client": "glo\"bex=1"]))
            try ledger.append(entry("draft"))
            try ledger.append(generation(count: 4, kept: 1, tags: ["campaign": "spring"]))
            expected = key(try ledger.report(by: .tag).rows)
            XCTAssertEqual(expected.count, 4, "\(expected)")
        }
        // Back to v3 by hand: the v6, v5 and v4 tables, columns and indexes gone, the migrations unrecorded.
        let queue = try DatabaseQueue(path: ledgerPath)
        try queue.write { db in
            try db.execute(sql: """
                DROP TABLE budget; DELETE FROM grdb_migrations WHERE identifier = 'v6';
                DROP TABLE decision; ALTER TABLE entry DROP COLUMN decision_count;
                DELETE FROM grdb_migrations WHERE identifier = 'v5';
                DROP INDEX entry_tags; DROP INDEX avoided_price;
                ALTER TABLE entry DROP COLUMN tags; ALTER TABLE avoided DROP COLUMN tags; ALTER TABLE spend DROP COLUMN tags;
                DELETE FROM grdb_migrations WHERE identifier = 'v4';
                PRAGMA user_version = 3;
                """)
        }
        try queue.close()
        let ledger = try Ledger.open(ledgerPath, mode: .record)
        XCTAssertEqual(try ledger.storedSchemaVersion(), Ledger.schemaVersion)
        XCTAssertEqual(key(try ledger.report(by: .tag).rows), expected)
        XCTAssertTrue(expected.contains { $0.hasPrefix("client=glo\"bex=1|USD|1|0|") }, "\(expected)")
        XCTAssertTrue(expected.contains { $0.hasPrefix("campaign=spring|USD|2|0|") }, "\(expected)")
    }

    func testMissingLedgerIsAClearError() {
        XCTAssertThrowsError(try Ledger.open(ledgerPath, mode: .read)) { error in
            XCTAssertEqual("\(error)", "\(ledgerPath): no ledger here; run `stet init`, or record a command first")
        }
        let nested = dir.appendingPathComponent("no/such/ledger.sqlite").path
        XCTAssertThrowsError(try Ledger.open(nested, mode: .record)) { error in
            XCTAssertEqual("\(error)", "\(nested): folder \(dir.appendingPathComponent("no/such").path) does not exist")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: ledgerPath))
    }

    func testReadOnlyLedgerIsAClearError() throws {
        do { try Ledger.open(ledgerPath, mode: .record).append(entry("upscale")) }
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: ledgerPath)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: ledgerPath) }
        XCTAssertThrowsError(try Ledger.open(ledgerPath, mode: .record)) { error in
            XCTAssertEqual("\(error)", "\(ledgerPath): ledger is read-only; make it writable, or pass --no-log to record nothing")
        }
        // Reports still read it.
        let ledger = try Ledger.open(ledgerPath, mode: .read)
        XCTAssertEqual(try ledger.report(by: .operation).totals[0].avoided.cents, "0.04")
    }

    func testNotALedgerIsAClearError() throws {
        try Data("hello, I am a text file with more than sixteen bytes".utf8).write(to: URL(fileURLWithPath: ledgerPath))
        XCTAssertThrowsError(try Ledger.open(ledgerPath, mode: .record)) { error in
            XCTAssertEqual("\(error)", "\(ledgerPath): is not a Stet ledger (not an SQLite database)")
        }
        try FileManager.default.removeItem(atPath: ledgerPath)
        let queue = try DatabaseQueue(path: ledgerPath)
        try queue.write { try $0.execute(sql: "CREATE TABLE photos (id INTEGER)") }
        XCTAssertThrowsError(try Ledger.open(ledgerPath, mode: .record)) { error in
            XCTAssertEqual("\(error)", "\(ledgerPath): is an SQLite database but not a Stet ledger")
        }
    }

    /// Threads in one process, each with its own connection pool, as separate commands would.
    func testConcurrentWritersInOneProcess() throws {
        _ = try Ledger.open(ledgerPath, mode: .record)
        let path = ledgerPath
        let e = try entry("upscale")
        let failures = LockedCounter()
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            do {
                let ledger = try Ledger.open(path, mode: .record)
                for _ in 0..<50 { var x = e; x.uuid = UUID().uuidString; try ledger.append(x) }
            } catch { failures.add() }
        }
        XCTAssertEqual(failures.value, 0)
        let ledger = try Ledger.open(path, mode: .read)
        XCTAssertEqual(try ledger.count(), 200)
        XCTAssertEqual(try ledger.report(by: .operation).totals[0].avoided.cents, "8.00")
        XCTAssertEqual(try ledger.consistencyProblems(), [])
    }
}

final class LockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func add() { lock.lock(); n += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
}

final class LedgerLocationTests: XCTestCase {
    func testDiscoveryAndOverrides() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("stet-loc-\(UUID().uuidString.prefix(8))").path
        let deep = root + "/a/b/c"
        try FileManager.default.createDirectory(atPath: deep, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/a/.stet", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let env = ["HOME": "/home/u"]

        let found = LedgerLocation.resolve(explicit: nil, environment: env, cwd: deep)
        XCTAssertEqual(found.ledgerPath, root + "/a/.stet/ledger.sqlite")
        XCTAssertEqual(found.project, root + "/a")
        XCTAssertEqual(found.source, .project)
        XCTAssertNil(found.pricesPath)
        try Data(DefaultPriceCard.text.utf8).write(to: URL(fileURLWithPath: root + "/a/.stet/prices.toml"))
        XCTAssertEqual(LedgerLocation.resolve(explicit: nil, environment: env, cwd: deep).pricesPath, root + "/a/.stet/prices.toml")

        let user = LedgerLocation.resolve(explicit: nil, environment: env, cwd: root)
        XCTAssertEqual(user.ledgerPath, "/home/u/.local/share/stet/ledger.sqlite")
        XCTAssertNil(user.project)
        XCTAssertEqual(LedgerLocation.resolve(explicit: nil, environment: ["HOME": "/h", "XDG_DATA_HOME": "/xdg"], cwd: root).ledgerPath,
                       "/xdg/stet/ledger.sqlite")
        XCTAssertEqual(LedgerLocation.resolve(explicit: nil, environment: ["HOME": "/h", "XDG_DATA_HOME": "relative"], cwd: root).ledgerPath,
                       "/h/.local/share/stet/ledger.sqlite")

        let envOverride = LedgerLocation.resolve(explicit: nil, environment: env.merging(["STET_LEDGER": "/tmp/e.sqlite"]) { $1 }, cwd: deep)
        XCTAssertEqual(envOverride.ledgerPath, "/tmp/e.sqlite")
        XCTAssertEqual(envOverride.project, root + "/a")   // the project is still where the command ran
        let option = LedgerLocation.resolve(explicit: "l.sqlite", environment: env.merging(["STET_LEDGER": "/tmp/e.sqlite"]) { $1 }, cwd: deep)
        XCTAssertEqual(option.ledgerPath, deep + "/l.sqlite")
        XCTAssertEqual(option.source, .option)
        XCTAssertEqual(LedgerLocation.resolve(explicit: nil, environment: ["STET_PRICES": "/x/p.toml"], cwd: root).pricesPath, "/x/p.toml")
    }
}
