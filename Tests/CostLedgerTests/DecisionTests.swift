import CostLedger
import Foundation
import GRDB
import StetSupport
import XCTest

/// Review decisions in the ledger (schema v5) and the measured yield the report builds from them.
final class DecisionTests: XCTestCase {
    var dir: URL!
    var ledgerPath: String { dir.appendingPathComponent(".stet/ledger.sqlite").path }

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("stet-decisions-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent(".stet"), withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// Four candidate files of one asset, and a recorder for a model and tags.
    func files(_ n: Int, prefix: String) throws -> [(String, String)] {
        try (1...n).map { i in
            let p = dir.appendingPathComponent("\(prefix)-\(i).png").path
            try Data("\(prefix) \(i)".utf8).write(to: URL(fileURLWithPath: p))
            return (p, try SHA256.hex(ofFile: p))
        }
    }

    func recorder(tags: [String: String]) throws -> Recorder {
        try Recorder(.init(ledger: ledgerPath, tags: tags, commandLine: "stet review", version: "test"))
    }

    func decide(_ r: Recorder, _ kind: ReviewDecision.Kind, _ f: (String, String), of all: [(String, String)],
                model: String) throws {
        try r.recordDecision(ReviewDecision(kind: kind, asset: ReviewDecision.assetIdentity(all.map(\.1)), assetLabel: "takes",
                                            candidates: all.count, path: f.0, sha256: f.1, model: model))
    }

    func testYieldIsKeptOfReviewedByTheLastDecisionPerCandidate() throws {
        let a = try files(4, prefix: "a"), b = try files(3, prefix: "b")
        let spring = try recorder(tags: ["campaign": "spring"])
        // Asset a (flux-schnell): 2 picked, then one of them rejected, then another locked: kept 2 of 4.
        try decide(spring, .pick, a[0], of: a, model: "flux-schnell")
        try decide(spring, .pick, a[1], of: a, model: "flux-schnell")
        try decide(spring, .reject, a[1], of: a, model: "flux-schnell")
        try decide(spring, .lock, a[2], of: a, model: "flux-schnell")
        try decide(spring, .reject, a[3], of: a, model: "flux-schnell")
        // Asset b (veo-3, other tag): 1 kept of 3, picked twice (counts once).
        let autumn = try Recorder(.init(ledger: ledgerPath, tags: ["campaign": "autumn"], commandLine: "stet review", version: "test"))
        try decide(autumn, .pick, b[0], of: b, model: "veo-3")
        try decide(autumn, .pick, b[0], of: b, model: "veo-3")
        // A lock from the command line is no review: not in the yield.
        try spring.recordDecision(ReviewDecision(kind: .lock, asset: "", assetLabel: "", candidates: 0, path: b[1].0,
                                                 sha256: b[1].1, role: "world reference"), operation: "lock")

        let ledger = try Ledger.open(ledgerPath, mode: .read)
        XCTAssertEqual(try ledger.consistencyProblems(), [])
        let byModel = try ledger.report(by: .model)
        func review(_ rows: [ReportRow], _ g: String) -> ReviewYield? { rows.first { $0.group == g }?.review }
        XCTAssertEqual(review(byModel.rows, "flux-schnell"), ReviewYield(reviewed: 4, kept: 2))
        XCTAssertEqual(review(byModel.rows, "veo-3"), ReviewYield(reviewed: 3, kept: 1))
        XCTAssertEqual(byModel.totals.first?.review, ReviewYield(reviewed: 7, kept: 3))
        XCTAssertEqual(byModel.rows.first { $0.group == "flux-schnell" }?.entries, 5)
        XCTAssertEqual(review(byModel.rows, "flux-schnell")?.yield, 0.5)

        let byTag = try ledger.report(by: .tag)
        XCTAssertEqual(review(byTag.rows, "campaign=spring"), ReviewYield(reviewed: 4, kept: 2))
        XCTAssertEqual(review(byTag.rows, "campaign=autumn"), ReviewYield(reviewed: 3, kept: 1))

        let byProject = try ledger.report(by: .project)
        XCTAssertEqual(byProject.rows.count, 1)
        XCTAssertEqual(byProject.rows[0].review, ReviewYield(reviewed: 7, kept: 3))

        let byOperation = try ledger.report(by: .operation)
        XCTAssertEqual(review(byOperation.rows, "review"), ReviewYield(reviewed: 7, kept: 3))
        XCTAssertNil(review(byOperation.rows, "lock"))
        XCTAssertEqual(byOperation.rows.first { $0.group == "review" }?.entries, 7)

        let filtered = try ledger.report(by: .model, filter: LedgerFilter(tags: [("campaign", "autumn")]))
        XCTAssertEqual(filtered.totals.first?.review, ReviewYield(reviewed: 3, kept: 1))

        // Exported and imported, the decisions come along.
        let lines = try EntryFormat.jsonLines(try ledger.entries())
        let other = try Ledger.open(dir.appendingPathComponent("other.sqlite").path, mode: .record)
        let decoder = EntryFormat.lineDecoder()
        let entries = try String(decoding: lines, as: UTF8.self).split(separator: "\n").map {
            try EntryFormat.entry(fromJSONLine: String($0), decoder: decoder)
        }
        XCTAssertEqual(try other.importEntries(entries).added, 8)
        XCTAssertEqual(try other.decisions(), try ledger.decisions())
        XCTAssertEqual(try other.report(by: .model).totals.first?.review, ReviewYield(reviewed: 7, kept: 3))
    }

    /// A v4 ledger (before decisions) is upgraded in place: its entries stay, decisions can follow.
    func testUpgradeFromSchemaV4AddsTheDecisionTable() throws {
        do {
            let ledger = try Ledger.open(ledgerPath, mode: .record)
            try ledger.append(LedgerEntry(project: nil, user: "u", commandLine: "stet draft", operation: "draft",
                                          priceCardHash: "x", stetVersion: "test"))
        }
        let queue = try DatabaseQueue(path: ledgerPath)
        try queue.write { db in
            try db.execute(sql: """
                DROP TABLE budget; DELETE FROM grdb_migrations WHERE identifier = 'v6';
                DROP TABLE decision; ALTER TABLE entry DROP COLUMN decision_count;
                DELETE FROM grdb_migrations WHERE identifier = 'v5';
                PRAGMA user_version = 4;
                """)
        }
        try queue.close()
        let (p, sha) = try files(1, prefix: "c")[0]
        let r = try recorder(tags: [:])
        try r.recordDecision(ReviewDecision(kind: .pick, asset: "id", assetLabel: "takes", candidates: 2, path: p, sha256: sha))
        let ledger = try Ledger.open(ledgerPath, mode: .read)
        XCTAssertEqual(try ledger.storedSchemaVersion(), 6)
        XCTAssertEqual(try ledger.count(), 2)
        XCTAssertEqual(try ledger.decisions().map(\.kind), [.pick])
        XCTAssertEqual(try ledger.consistencyProblems(), [])
        XCTAssertEqual(try ledger.report(by: .operation).totals.first?.review, ReviewYield(reviewed: 2, kept: 1))
    }

    func testLocksFileKeepsOneLockPerPathRelativeToTheProject() throws {
        let store = LockStore(project: dir.path)
        let (p, sha) = try files(1, prefix: "hero")[0]
        try store.lock(p, sha256: sha, role: "character sheet", user: "ana", time: Date(timeIntervalSince1970: 0))
        try store.lock(p, sha256: sha, role: "world reference", user: "bo", time: Date(timeIntervalSince1970: 60))
        let locks = try store.read()
        XCTAssertEqual(locks, [Lock(path: "hero-1.png", sha256: sha, role: "world reference",
                                    lockedAt: "1970-01-01T00:01:00.000Z", user: "bo")])
        XCTAssertEqual(store.absolutePath(locks[0]), URL(fileURLWithPath: p).resolvingSymlinksInPath().path)
        XCTAssertEqual(try store.unlock(p)?.role, "world reference")
        XCTAssertNil(try store.unlock(p))
        XCTAssertEqual(try store.read(), [])
        try Data("not json".utf8).write(to: URL(fileURLWithPath: store.path))
        XCTAssertThrowsError(try store.read()) { e in
            XCTAssertEqual("\(e)", "\(store.path): is not a Stet locks file (expected {\"version\": 1, \"locks\": [...]})")
        }
    }
}
