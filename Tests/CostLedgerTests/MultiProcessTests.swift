import CostLedger
import Foundation
import StetSupport
import XCTest

/// Eight processes append 200 entries each to one ledger at the same time; all 1,600 are there
/// and intact. The processes are this test binary re-run with a filter that selects
/// `testWorkerAppends` and environment variables that tell it what to write: real processes
/// with their own SQLite connections, contending for the same file locks as `stet` commands.
final class MultiProcessTests: XCTestCase {
    static let env = ProcessInfo.processInfo.environment

    /// The worker: a no-op in a normal test run.
    func testWorkerAppends() throws {
        guard let path = Self.env["STET_LEDGER_WORKER_PATH"], let count = Int(Self.env["STET_LEDGER_WORKER_COUNT"] ?? ""),
              let worker = Self.env["STET_LEDGER_WORKER_ID"] else { return }
        let card = PriceCard.builtIn
        for i in 1...count {
            // As each command does: open (and check the schema), append one entry, close.
            let ledger = try Ledger.open(path, mode: .record)
            try ledger.append(LedgerEntry(
                project: "/p", user: "worker\(worker)", commandLine: "stet upscale \(i).jpg", operation: "upscale",
                parameters: ["i": "\(i)"],
                inputs: [FileRecord(path: "\(i).jpg", sha256: String(repeating: "a", count: 64), bytes: Int64(i), width: 10, height: 10)],
                outputs: [FileRecord(path: "\(i)-2x.jpg", sha256: String(repeating: "b", count: 64), bytes: Int64(i), width: 20, height: 20)],
                avoided: try card.counterfactual(operation: "upscale", explicit: nil, units: 1),
                priceCardHash: card.hash, stetVersion: "test", tags: ["worker": worker, "i": "\(i)"]))
        }
    }

    func testEightProcessesAppendTwoHundredEntriesEach() throws {
        #if os(Linux)
        guard Self.env["STET_LEDGER_WORKER_PATH"] == nil else { return }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("stet-mp-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("ledger.sqlite").path
        let binary = URL(fileURLWithPath: CommandLine.arguments[0])
        var workers: [Process] = []
        for w in 1...8 {
            let p = Process()
            p.executableURL = binary
            p.arguments = ["CostLedgerTests.MultiProcessTests/testWorkerAppends"]
            var env = Self.env
            env["STET_LEDGER_WORKER_PATH"] = path
            env["STET_LEDGER_WORKER_COUNT"] = "200"
            env["STET_LEDGER_WORKER_ID"] = "\(w)"
            p.environment = env
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            workers.append(p)
        }
        for p in workers { p.waitUntilExit() }
        XCTAssertEqual(workers.map(\.terminationStatus), Array(repeating: 0, count: 8))

        let ledger = try Ledger.open(path, mode: .read)
        XCTAssertEqual(try ledger.count(), 1600)
        XCTAssertEqual(try ledger.consistencyProblems(), [])
        let byUser = try ledger.report(by: .user)
        XCTAssertEqual(byUser.rows.map(\.group), (1...8).map { "worker\($0)" }.sorted())
        XCTAssertTrue(byUser.rows.allSatisfy { $0.entries == 200 && $0.avoided.cents == "8.00" })
        XCTAssertEqual(byUser.totals[0].avoided.cents, "64.00")
        // Every entry intact: its own files, tags and parameters, none mixed up between workers.
        let entries = try ledger.entries()
        var seen = Set<String>()
        for e in entries {
            let i = try XCTUnwrap(e.parameters["i"])
            XCTAssertEqual(e.tags["i"], i)
            XCTAssertEqual(e.user, "worker\(e.tags["worker"] ?? "?")")
            XCTAssertEqual(e.inputs.map(\.path), ["\(i).jpg"])
            XCTAssertEqual(e.outputs.map(\.path), ["\(i)-2x.jpg"])
            XCTAssertEqual(e.avoided.map(\.subtotal), [Money(0.04)])
            seen.insert("\(e.user)/\(i)")
        }
        XCTAssertEqual(seen.count, 1600)
        #endif
    }
}
