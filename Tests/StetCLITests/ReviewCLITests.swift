import CostLedger
import Foundation
import XCTest

/// `stet review`'s refusals before it serves anything, and `stet lock`, `unlock`, `locks`.
final class ReviewCLITests: XCTestCase {
    func testReviewRefusesBadInputsBeforeServing() throws {
        let dir = try Stet.tempDir()
        let missing = try Stet.run(["review", "nope/"], cwd: dir)
        XCTAssertEqual(missing.status, 1)
        XCTAssertEqual(missing.stderr, "stet: nope/: does not exist\n")
        XCTAssertEqual(missing.stdout, "")
        try Data("{\"x\": 1}".utf8).write(to: dir.appendingPathComponent("odd.json"))
        let odd = try Stet.run(["review", "odd.json"], cwd: dir)
        XCTAssertEqual(odd.status, 1)
        XCTAssertEqual(odd.stderr, "stet: odd.json: is neither a drafts manifest (stet draft --manifest) nor a grid map (stet grid)\n")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("empty"), withIntermediateDirectories: true)
        XCTAssertEqual(try Stet.run(["review", "empty"], cwd: dir).stderr, "stet: empty: folder has no images\n")
        try FileManager.default.copyItem(atPath: Stet.fixture("truncated.jpg"), toPath: dir.appendingPathComponent("bad.jpg").path)
        let bad = try Stet.run(["review", "bad.jpg"], cwd: dir)
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.hasPrefix("stet: bad.jpg: truncated JPEG"), bad.stderr)
        let port = try Stet.run(["review", Stet.fixture("candidate-1.jpg"), "--port", "70000"], cwd: dir)
        XCTAssertEqual(port.status, 2)
        XCTAssertTrue(port.stderr.contains("port from 1 to 65535 for port but received 70000"), port.stderr)
        XCTAssertEqual(try Stet.run(["review", Stet.fixture("candidate-1.jpg"), "--avoids", "final"], cwd: dir).status, 2)
        XCTAssertEqual(Stet.listing(dir), ["bad.jpg", "empty", "odd.json"])
    }

    func testReviewOfADraftManifestServesItsSourcesAndStopsOnTime() throws {
        let dir = try Stet.tempDir()
        XCTAssertEqual(try Stet.run(["init"], cwd: dir).status, 0)
        let draft = try Stet.run(["draft", Stet.fixture("candidate-1.jpg"), Stet.fixture("candidate-2.jpg"), "--out", "drafts",
                                  "--manifest", "drafts.json", "--no-log"], cwd: dir)
        XCTAssertEqual(draft.status, 0, draft.stderr)
        let start = Date()
        let run = try Stet.run(["review", "drafts.json", "--seconds", "1", "--proxy-size", "256"], cwd: dir)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(start), 20)
        XCTAssertTrue(run.stdout.range(of: #"^http://127\.0\.0\.1:\d+/\?token=[0-9a-f]{64}\n$"#, options: .regularExpression) != nil, run.stdout)
        XCTAssertTrue(run.stderr.contains("review: 1 asset, 2 candidates; proxies in \(dir.path)/.stet/cache/review"), run.stderr)
        // The proxies are cached by SHA-256 at the board's size.
        let cached = Stet.listing(dir.appendingPathComponent(".stet/cache/review"))
        XCTAssertEqual(cached.count, 2)
        XCTAssertTrue(cached.allSatisfy { $0.hasSuffix("-256.jpg") }, "\(cached)")
    }

    func testLockUnlockAndLocks() throws {
        let dir = try Stet.tempDir()
        try FileManager.default.copyItem(atPath: Stet.fixture("candidate-3.jpg"), toPath: dir.appendingPathComponent("hero.jpg").path)
        let none = try Stet.run(["lock", "hero.jpg", "--role", "character sheet"], cwd: dir)
        XCTAssertEqual(none.status, 1)
        XCTAssertEqual(none.stderr, "stet: \(dir.path): no .stet/ folder here or above, so there is nowhere to keep locks; run `stet init` first\n")
        XCTAssertEqual(try Stet.run(["init"], cwd: dir).status, 0)
        XCTAssertEqual(try Stet.run(["lock", "gone.jpg", "--role", "x"], cwd: dir).stderr, "stet: gone.jpg: does not exist\n")
        XCTAssertEqual(try Stet.run(["lock", "hero.jpg", "--role", ""], cwd: dir).status, 2)
        let sha = try Stet.sha256sum(dir.appendingPathComponent("hero.jpg").path)
        let lock = try Stet.run(["lock", "hero.jpg", "--role", "character sheet"], cwd: dir)
        XCTAssertEqual(lock.status, 0, lock.stderr)
        XCTAssertEqual(lock.stdout, "locked hero.jpg as character sheet (sha256 \(sha.prefix(12))) in \(dir.path)/.stet/locks.json\n")
        let listed = try Stet.run(["locks", "--json"], cwd: dir)
        let row = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(row["path"] as? String, "hero.jpg")
        XCTAssertEqual(row["sha256"] as? String, sha)
        XCTAssertEqual(row["role"] as? String, "character sheet")
        XCTAssertEqual(row["check"] as? String, "ok")
        // A changed file shows as changed.
        try Data("other bytes".utf8).write(to: dir.appendingPathComponent("hero.jpg"))
        XCTAssertTrue(try Stet.run(["locks"], cwd: dir).stdout.contains("\tchanged\t"))
        let unlock = try Stet.run(["unlock", "hero.jpg"], cwd: dir)
        XCTAssertEqual(unlock.stdout, "unlocked hero.jpg (was character sheet)\n")
        XCTAssertEqual(try Stet.run(["unlock", "hero.jpg"], cwd: dir).stderr, "stet: hero.jpg: is not locked in \(dir.path)/.stet/locks.json\n")
        XCTAssertEqual(try Stet.run(["locks"], cwd: dir).stdout, "")
        // Both went to the ledger, outside the measured yield.
        let ledger = try Ledger.open(dir.appendingPathComponent(".stet/ledger.sqlite").path, mode: .read)
        XCTAssertEqual(try ledger.entries().map(\.operation), ["lock", "unlock"])
        XCTAssertEqual(try ledger.decisions().map(\.role), ["character sheet", "character sheet"])
        XCTAssertNil(try ledger.report(by: .operation).totals.first?.review)
    }
}
