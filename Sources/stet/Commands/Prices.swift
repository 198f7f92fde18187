import ArgumentParser
import CostLedger
import Foundation
import StetSupport

/// `stet prices`: the price card in effect here, validated.
struct Prices: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the effective price card: models, tiers and what each operation avoids by default.",
        discussion: "The card is $STET_PRICES, else prices.toml next to the ledger, else the built-in example card.")

    @OptionGroup var ledgerPath: LedgerPathOption

    @Option(help: ArgumentHelp("Output format: table, json or toml (the card's text).", valueName: "format"))
    var format: String = "table"

    func validate() throws {
        try usage {
            try Validate.oneOf(format, "format", ["table", "json", "toml"])
        }
    }

    struct CardJSON: Encodable {
        var source: String
        var sha256: String
        var currency: String
        var updated: String?
        var models: [ModelPrice]
        var tiers: [String: String]
        var avoids: [String: String]
    }

    func run() throws {
        let location = ledgerPath.location
        let card = try location.loadCard()
        switch format {
        case "toml":
            Console.out(card.text)
        case "json":
            let doc = CardJSON(source: card.source, sha256: card.hash, currency: card.currency, updated: card.updated,
                               models: card.models.values.sorted { $0.name < $1.name }, tiers: card.tiers, avoids: card.avoids)
            Console.out(String(decoding: try stetJSONEncoder().encode(doc), as: UTF8.self))
        default:
            var lines = ["Price card: \(card.source)", "sha256: \(card.hash)"]
            if let updated = card.updated { lines.append("updated: \(updated)") }
            lines.append("Ledger: \(location.ledgerPath)")
            lines.append("")
            let rows = card.models.values.sorted { $0.name < $1.name }.flatMap { m -> [[String]] in
                let tiers = card.tiers.filter { $0.value == m.name || $0.value.hasPrefix(m.name + "@") }
                    .map { $0.value == m.name ? $0.key : "\($0.key) (\($0.value.dropFirst(m.name.count)))" }
                    .sorted().joined(separator: ", ")
                let own = [m.name, tiers, "\(m.price.exact) \(m.currency)", m.unit.singular,
                           formatQuantity(m.perGeneration), "\(m.generationPrice.exact) \(m.currency)", m.asOf ?? ""]
                // A model priced by size and quality: one row per tier under it, the default marked.
                let grid = m.sortedTiers.map { t -> [String] in
                    ["  @\(t.key)", t.key == m.defaultTier ? "(default)" : "", "\(t.price.exact) \(m.currency)", m.unit.singular,
                     formatQuantity(m.perGeneration), "\(t.price.times(m.perGeneration).exact) \(m.currency)", ""]
                }
                return [own] + grid
            }
            lines.append(Table.render(header: ["model", "tier", "price", "per", "units/generation", "per generation", "as of"], rows: rows))
            lines.append("")
            let avoids = card.avoids.sorted { $0.key < $1.key }.map { op, spec -> [String] in
                let items = (try? card.counterfactual(operation: op, explicit: nil, units: 1)) ?? []
                let cost = items.map { "\($0.subtotal.exact) \($0.currency)" }.joined(separator: " + ")
                return [op, spec, cost.isEmpty ? "-" : cost]
            }
            lines.append(Table.render(header: ["operation", "avoids by default", "worth per use"], rows: avoids))
            if card.source == PriceCard.builtInSource {
                lines.append("")
                lines.append("These are dated EXAMPLE prices. Run `stet init` and edit .stet/prices.toml to use your own.")
            }
            Console.out(lines.joined(separator: "\n"))
        }
    }
}
