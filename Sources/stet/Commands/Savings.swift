import ArgumentParser
import CostLedger
import Foundation
import StetSupport

/// `stet savings` (or `stet report`): avoided, spent and net, grouped, with its assumptions.
struct Savings: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "savings",
        abstract: "Report what local edits avoided, what generations cost, and the net, grouped by operation, model, project, user, day or tag.",
        discussion: """
            Examples:
              stet savings
              stet report --by model --since 2026-11-01 --format csv
              stet savings --by day --tag campaign=spring --format json
            """,
        aliases: ["report"])

    @OptionGroup var ledgerPath: LedgerPathOption

    @Option(help: ArgumentHelp("Group by operation, model, project, user, day or tag.", valueName: "key"))
    var by: String = "operation"

    @Option(help: ArgumentHelp("Only entries at or after this UTC day (YYYY-MM-DD) or ISO 8601 time.", valueName: "time"))
    var since: String?

    @Option(help: ArgumentHelp("Only entries up to this UTC day (inclusive) or ISO 8601 time.", valueName: "time"))
    var until: String?

    @Option(name: .customLong("tag"), help: ArgumentHelp("Only entries with this key=value tag (repeatable; all must match).", valueName: "key=value"))
    var tags: [String] = []

    @Option(help: ArgumentHelp("Output format: table, json or csv.", valueName: "format"))
    var format: String = "table"

    func validate() throws {
        try usage {
            try Validate.oneOf(by, "by", ReportGrouping.allCases.map(\.rawValue))
            try Validate.oneOf(format, "format", ["table", "json", "csv"])
            _ = try filter()
        }
    }

    func filter() throws -> LedgerFilter {
        try LedgerFilterOptions.make(since: since, until: until, tags: tags)
    }

    func run() throws {
        let location = ledgerPath.location
        let ledger = try location.openStore(.read)
        let card = try? location.loadCard()
        let report = try ledger.report(by: ReportGrouping(rawValue: by)!, filter: try filter(), currentCard: card)
        switch format {
        case "json":
            Console.out(String(decoding: try stetJSONEncoder().encode(report), as: UTF8.self))
        case "csv":
            Console.out(SavingsRendering.csv(report))
            for a in report.assumptions { Console.status("assumption: \(a)") }
        default:
            Console.out(SavingsRendering.table(report))
        }
    }
}

/// `--since/--until/--tag` turned into a ledger filter, shared by savings and export.
enum LedgerFilterOptions {
    static func make(since: String?, until: String?, tags: [String]) throws -> LedgerFilter {
        var filter = LedgerFilter()
        if let since { filter.since = try LedgerTime.bound(since, endOfDay: false, option: "since") }
        if let until { filter.until = try LedgerTime.bound(until, endOfDay: true, option: "until") }
        for tag in tags {
            guard let eq = tag.firstIndex(of: "="), eq != tag.startIndex else { throw Validate.invalid("key=value", "tag", tag) }
            filter.tags.append((String(tag[..<eq]), String(tag[tag.index(after: eq)...])))
        }
        return filter
    }
}

/// Table and CSV forms of a savings report.
enum SavingsRendering {
    static func yieldText(_ row: ReportRow) -> (generated: String, kept: String, yield: String, perKept: String) {
        var generated: [String] = [], kept: [String] = [], yield: [String] = [], perKept: [String] = []
        if row.generated > 0 {
            generated.append(formatQuantity(row.generated))
            kept.append(row.kept.map(formatQuantity) ?? "?")
            yield.append(row.yield.map { String(format: "%.0f%%", $0 * 100) } ?? "?")
            perKept.append(row.costPerKept.map { $0.cents } ?? "?")
        }
        if row.generatedSeconds > 0 {
            generated.append(formatQuantity(row.generatedSeconds) + " s")
            kept.append(row.keptSeconds.map { formatQuantity($0) + " s" } ?? "?")
            yield.append(row.secondsYield.map { String(format: "%.0f%%", $0 * 100) } ?? "?")
            perKept.append(row.costPerKeptSecond.map { $0.cents + "/s" } ?? "?")
        }
        func j(_ a: [String]) -> String { a.isEmpty ? "-" : a.joined(separator: " + ") }
        return (j(generated), j(kept), j(yield), j(perKept))
    }

    /// The board's measured yield: "reviewed", "kept", "yield" (only when the report has any).
    static func reviewText(_ row: ReportRow) -> [String] {
        guard let r = row.review else { return ["-", "-", "-"] }
        return ["\(r.reviewed)", "\(r.kept)", r.yield.map { String(format: "%.0f%%", $0 * 100) } ?? "-"]
    }

    static func table(_ report: SavingsReport) -> String {
        let reviewed = (report.rows + report.totals).contains { $0.review != nil }
        func cells(_ r: ReportRow, group: String) -> [String] {
            let y = yieldText(r)
            let money = !r.currency.isEmpty
            return [group, r.currency.isEmpty ? "-" : r.currency, "\(r.entries)", "\(r.failed)",
                    money ? r.avoided.cents : "-", money ? r.spent.cents : "-", money ? r.net.cents : "-",
                    y.generated, y.kept, y.yield, y.perKept] + (reviewed ? reviewText(r) : [])
        }
        var rows = report.rows.map { cells($0, group: $0.group) }
        if !report.rows.isEmpty {
            rows += report.totals.map { cells($0, group: "TOTAL") }
        }
        var lines: [String] = []
        var heading = "Savings by \(report.by) in \(report.ledger)"
        if let s = report.since { heading += ", since \(s)" }
        if let u = report.until { heading += ", before \(u)" }
        if !report.tags.isEmpty { heading += ", tagged \(report.tags.joined(separator: " "))" }
        lines.append(heading)
        if report.rows.isEmpty {
            lines.append("No entries match.")
        } else {
            lines.append(Table.render(header: [report.by, "currency", "entries", "failed", "avoided", "spent", "net",
                                               "generated", "kept", "yield", "cost/kept"]
                                          + (reviewed ? ["reviewed", "picked", "measured"] : []), rows: rows))
        }
        if !report.pricesUsed.isEmpty {
            lines.append("")
            lines.append("Priced with:")
            for p in report.pricesUsed {
                lines.append("  \(p.kind) \(p.model): \(p.unitPrice.exact) \(p.currency) per \(p.unit) (\(p.uses) use\(p.uses == 1 ? "" : "s"))")
            }
        }
        lines.append("")
        lines.append("Assumptions:")
        lines += report.assumptions.map { "  - \($0)" }
        return lines.joined(separator: "\n")
    }

    static let csvHeader = ["by", "group", "currency", "entries", "failed", "avoided", "spent", "net", "generated", "kept",
                            "yield", "cost_per_kept", "generated_seconds", "kept_seconds", "seconds_yield", "cost_per_kept_second",
                            "reviewed", "picked", "measured_yield"]

    static func csv(_ report: SavingsReport) -> String {
        func opt(_ d: Double?) -> String { d.map { String(format: "%.4f", $0) } ?? "" }
        func row(_ r: ReportRow, group: String) -> String {
            CSV.line([report.by, group, r.currency, "\(r.entries)", "\(r.failed)", r.avoided.cents, r.spent.cents, r.net.cents,
                      formatQuantity(r.generated), r.kept.map(formatQuantity) ?? "", opt(r.yield), r.costPerKept?.cents ?? "",
                      formatQuantity(r.generatedSeconds), r.keptSeconds.map(formatQuantity) ?? "", opt(r.secondsYield),
                      r.costPerKeptSecond?.cents ?? "", r.review.map { "\($0.reviewed)" } ?? "",
                      r.review.map { "\($0.kept)" } ?? "", opt(r.review?.yield)])
        }
        var lines = [CSV.line(csvHeader)]
        lines += report.rows.map { row($0, group: $0.group) }
        lines += report.totals.map { row($0, group: "TOTAL") }
        return lines.joined(separator: "\n")
    }
}
