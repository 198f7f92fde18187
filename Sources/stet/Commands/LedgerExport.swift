import ArgumentParser
import CostLedger
import Foundation
import StetSupport

/// `stet ledger ...`: the ledger itself.
struct LedgerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Work with the cost-avoidance ledger itself.",
        subcommands: [LedgerExport.self, LedgerImport.self, LedgerPush.self, LedgerCheck.self])
}

/// `stet ledger export --format jsonl|csv`: every entry, for spreadsheets and other tools.
struct LedgerExport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write every ledger entry as JSON lines or CSV.",
        discussion: """
            Examples:
              stet ledger export --format jsonl > ledger.jsonl
              stet ledger export --format csv --since 2026-11-01 --output november.csv
            """)

    @OptionGroup var ledgerPath: LedgerPathOption

    @Option(help: ArgumentHelp("jsonl (one JSON object per entry, with files, avoided items, spend and tags) or csv (one row per entry).", valueName: "format"))
    var format: String = "jsonl"

    @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file (atomically) instead of standard output.", valueName: "file"))
    var output: String?

    @Option(help: ArgumentHelp("Only entries at or after this UTC day (YYYY-MM-DD) or ISO 8601 time.", valueName: "time"))
    var since: String?

    @Option(help: ArgumentHelp("Only entries up to this UTC day (inclusive) or ISO 8601 time.", valueName: "time"))
    var until: String?

    @Option(name: .customLong("tag"), help: ArgumentHelp("Only entries with this key=value tag (repeatable).", valueName: "key=value"))
    var tags: [String] = []

    func validate() throws {
        try usage {
            try Validate.oneOf(format, "format", ["jsonl", "csv"])
            _ = try LedgerFilterOptions.make(since: since, until: until, tags: tags)
        }
    }

    func run() throws {
        let location = ledgerPath.location
        if let output {
            try SafeOutput.refuseOverwritingInputs(output: output, inputs: [location.ledgerPath])
        }
        let ledger = try location.openStore(.read)
        let entries = try ledger.entries(try LedgerFilterOptions.make(since: since, until: until, tags: tags))
        var data = Data()
        if format == "csv" {
            var lines = [CSV.line(EntryFormat.csvHeader)]
            lines.reserveCapacity(entries.count + 1)
            for e in entries { lines.append(CSV.line(EntryFormat.csvRow(e))) }
            data = Data((lines.joined(separator: "\n") + "\n").utf8)
        } else {
            data = try EntryFormat.jsonLines(entries)
        }
        if let output {
            try SafeOutput.write(data, to: output)
            Console.status("Exported \(entries.count) entr\(entries.count == 1 ? "y" : "ies") to \(output)")
        } else {
            FileHandle.standardOutput.write(data)
        }
    }
}
