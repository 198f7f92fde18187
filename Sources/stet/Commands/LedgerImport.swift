import ArgumentParser
import CostLedger
import Foundation
import StetSupport

/// `stet ledger import FILE.jsonl...`: merge entries exported from other ledgers.
struct LedgerImport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Add entries from `stet ledger export --format jsonl` files to this ledger (entries already here are skipped).",
        discussion: """
            Merges a team's ledgers into one for reporting. Each file is checked completely before
            anything is written, and all files go in one transaction.
            Example:
              stet ledger import ana.jsonl bo.jsonl --ledger team.sqlite
            """)

    @Argument(help: ArgumentHelp("JSON lines files written by stet ledger export.", valueName: "file"))
    var files: [String]

    @OptionGroup var ledgerPath: LedgerPathOption

    func validate() throws {
        try usage {
            guard !files.isEmpty else { throw StetError.usage("Expected at least one file for files but received none") }
        }
    }

    func run() throws {
        var entries: [LedgerEntry] = []
        let decoder = EntryFormat.lineDecoder()
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { throw StetError.input(file, "cannot be read") }
            var lineNumber = 0
            for line in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
                lineNumber += 1
                if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
                do {
                    var entry = try EntryFormat.entry(fromJSONLine: String(line), decoder: decoder)
                    entry.id = nil
                    entries.append(entry)
                } catch {
                    throw StetError.input(file, "line \(lineNumber): not a ledger entry (\(Self.reason(error)))")
                }
            }
        }
        let location = ledgerPath.location
        let ledger = try location.openStore(.record)
        let (added, skipped) = try ledger.importEntries(entries)
        Console.out("Imported \(added) entr\(added == 1 ? "y" : "ies") into \(ledger.name)" + (skipped > 0 ? " (\(skipped) already there)" : ""))
    }

    static func reason(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "missing \(key.stringValue)"
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c):
            return "wrong type at \(c.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.dataCorrupted(let c):
            return c.codingPath.isEmpty ? "invalid JSON" : "bad value at \(c.codingPath.map(\.stringValue).joined(separator: ".")): \(c.debugDescription)"
        default: return "\(error)"
        }
    }
}
