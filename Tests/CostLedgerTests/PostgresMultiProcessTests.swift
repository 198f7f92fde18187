@testable import CostLedger
import Foundation
import StetSupport
import XCTest

/// 32 processes append to one PostgreSQL ledger at once and 8 of them are killed (SIGKILL) part
/// way: every entry a writer was told had been recorded is there exactly once, the survivors'
/// entries are all there, and no entry is missing a child row. The writers are this test
/// binary re-run with a filter that selects `testPostgresWorkerAppends`.
final class PostgresMultiProcessTests: XCTestCase {
    static let env = ProcessInfo.processInfo.environment

    /// The worker: a no-op in a normal test run. Prints "acked UUID" after each append returns.
    func testPostgresWorkerAppends() throws {
        guard let url = Self.env["STET_PG_WORKER_URL"], let count = Int(Self.env["STET_PG_WORKER_COUNT"] ?? ""),
              let worker = Self.env["STET_PG_WORKER_ID"] else { return }
        let card = PriceCard.builtIn
        let ledger = try PostgresLedger.open(url, mode: .record)
        for i in 1...count {
            let entry = LedgerEntry(
                project: "/p", user: "worker\(worker)", commandLine: "stet upscale \(i).jpg", operation: "upscale",
                parameters: ["i": "\(i)"],
                inputs: [FileRecord(path: "\(i).jpg", sha256: String(repeating: "a", count: 64), bytes: Int64(i), width: 10, height: 10)],
                outputs: [FileRecord(path: "\(i)-2x.jpg", sha256: String(repeating: "b", count: 64), bytes: Int64(i), width: 20, height: 20)],
                avoided: try card.counterfactual(operation: "upscale", explicit: nil, units: 1),
                priceCardHash: card.hash, stetVersion: "test", tags: ["worker": worker, "i": "\(i)"])
            try ledger.append(entry)
            FileHandle.standardOutput.write(Data("acked \(entry.uuid)\n".utf8))
        }
    }

    func testThirtyTwoWritersWithEightKilledLoseNoAcknowledgedEntry() throws {
        #if os(Linux)
        guard Self.env["STET_PG_WORKER_URL"] == nil else { return }
        guard PostgresTestServer.available() != nil else { return }
        let url = try PostgresTestServer.freshDatabase()
        // The schema exists before the writers start, as on a team server.
        _ = try PostgresLedger.open(url, mode: .record, environment: PostgresTestServer.environment)
        let binary = URL(fileURLWithPath: CommandLine.arguments[0])
        let perWorker = 40
        final class Output: @unchecked Sendable {
            let lock = NSLock()
            var text: [Int: String] = [:]
            func append(_ w: Int, _ s: String) { lock.lock(); text[w, default: ""] += s; lock.unlock() }
            func acked(_ w: Int) -> [String] {
                lock.lock(); defer { lock.unlock() }
                return (text[w] ?? "").split(separator: "\n").filter { $0.hasPrefix("acked ") }.map { String($0.dropFirst(6)) }
            }
        }
        let output = Output()
        var workers: [Process] = []
        for w in 1...32 {
            let p = Process()
            p.executableURL = binary
            p.arguments = ["CostLedgerTests.PostgresMultiProcessTests/testPostgresWorkerAppends"]
            var env = PostgresTestServer.environment
            env["STET_PG_WORKER_URL"] = url
            env["STET_PG_WORKER_COUNT"] = "\(perWorker)"
            env["STET_PG_WORKER_ID"] = "\(w)"
            p.environment = env
            let pipe = Pipe()
            p.standardOutput = pipe
            p.standardError = FileHandle.nullDevice
            pipe.fileHandleForReading.readabilityHandler = { h in
                let d = h.availableData
                if !d.isEmpty { output.append(w, String(decoding: d, as: UTF8.self)) }
            }
            try p.run()
            workers.append(p)
        }
        // Kill workers 1-8 part way: each once it has a few acknowledged entries, at a random moment after.
        let deadline = Date().addingTimeInterval(120)
        var killed = Set<Int>()
        while killed.count < 8 && Date() < deadline {
            for w in 1...8 where !killed.contains(w) {
                let acked = output.acked(w).count
                if workers[w - 1].isRunning, acked >= 3, Int.random(in: 0..<4) == 0 {
                    kill(workers[w - 1].processIdentifier, SIGKILL)
                    killed.insert(w)
                } else if !workers[w - 1].isRunning {
                    killed.insert(w)   // finished before its turn: still checked below
                }
            }
            usleep(20_000)
        }
        for p in workers { p.waitUntilExit() }
        usleep(200_000)
        for w in 9...32 { XCTAssertEqual(workers[w - 1].terminationStatus, 0, "worker \(w)") }
        let killedMidway = (1...8).filter { workers[$0 - 1].terminationReason == .uncaughtSignal }
        XCTAssertGreaterThanOrEqual(killedMidway.count, 6, "most of the eight were killed before finishing")

        let ledger = try PostgresLedger.open(url, mode: .read, environment: PostgresTestServer.environment)
        let entries = try ledger.entries()
        var byUUID: [String: Int] = [:]
        for e in entries { byUUID[e.uuid, default: 0] += 1 }
        for w in 1...32 {
            let acked = output.acked(w)
            if w > 8 { XCTAssertEqual(acked.count, perWorker, "worker \(w)") }
            for uuid in acked { XCTAssertEqual(byUUID[uuid], 1, "worker \(w)'s acknowledged entry \(uuid)") }
            let stored = entries.filter { $0.user == "worker\(w)" }.count
            // A killed writer may have committed one entry it never got to acknowledge, no more.
            XCTAssertTrue(stored == acked.count || stored == acked.count + 1, "worker \(w): \(stored) stored, \(acked.count) acked")
        }
        XCTAssertEqual(try ledger.consistencyProblems(), [])
        for e in entries {
            let i = try XCTUnwrap(e.parameters["i"])
            XCTAssertEqual(e.tags["i"], i)
            XCTAssertEqual(e.inputs.map(\.path), ["\(i).jpg"])
            XCTAssertEqual(e.outputs.map(\.path), ["\(i)-2x.jpg"])
            XCTAssertEqual(e.avoided.map(\.subtotal), [Money(0.04)])
        }
        #endif
    }
}
