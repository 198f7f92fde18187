import Foundation
import XCTest

/// `--help` of every command against a stored copy (Tests/StetCLITests/Snapshots), so an
/// option's name, default or help text never changes by accident. After a deliberate change,
/// run the tests once with STET_RECORD_SNAPSHOTS=1 and review the diff.
final class HelpSnapshotTests: XCTestCase {
    static let commands: [[String]] = [
        [], ["info"], ["draft"], ["grid"], ["sheet"], ["split"], ["reframe"], ["mask"], ["inpaint"], ["patch"], ["upscale"],
        ["init"], ["prices"], ["log", "generation"], ["savings"], ["ledger", "export"], ["ledger", "import"],
        ["ledger", "check"], ["ledger", "push"], ["review"], ["locks"], ["lock"], ["unlock"],
        ["budget"], ["budget", "set"], ["budget", "remove"],
    ]

    func testHelpMatchesTheSnapshots() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots")
        let record = ProcessInfo.processInfo.environment["STET_RECORD_SNAPSHOTS"] == "1"
        for command in Self.commands {
            let run = try Stet.run(command + ["--help"], env: ["COLUMNS": "100"])
            XCTAssertEqual(run.status, 0, "\(command)")
            let name = (command.isEmpty ? ["stet"] : command).joined(separator: "-") + ".txt"
            let file = folder.appendingPathComponent(name)
            if record {
                try run.stdout.write(to: file, atomically: true, encoding: .utf8)
                continue
            }
            let stored = try String(contentsOf: file, encoding: .utf8)
            XCTAssertEqual(run.stdout, stored, "stet \(command.joined(separator: " ")) --help differs from Snapshots/\(name)")
        }
    }
}
