import ArgumentParser
import CostLedger
import Foundation
import StetSupport

/// `stet ledger check`: is the ledger whole?
struct LedgerCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check the ledger: SQLite's integrity check (for a file), and that every entry has all its files, avoided items, spend and tags.",
        discussion: "Run it after a crash or a power loss. Exit status 0 when consistent, 1 with one line per problem otherwise.")

    @OptionGroup var ledgerPath: LedgerPathOption

    func run() throws {
        let location = ledgerPath.location
        let ledger = try location.openStore(.read)
        let problems = try ledger.consistencyProblems()
        let count = try ledger.count()
        if problems.isEmpty {
            Console.out("ok: \(count) entr\(count == 1 ? "y" : "ies"), schema v\(try ledger.storedSchemaVersion()), \(ledger.name)")
            return
        }
        for p in problems.prefix(20) { Console.error("\(ledger.name): \(p)") }
        throw StetError.input(ledger.name, "\(problems.count) problem\(problems.count == 1 ? "" : "s") found")
    }
}
