import ArgumentParser
import CostLedger
import Foundation
import StetSupport

/// `stet log ...`: record things Stet did not do itself.
struct LogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Record real, paid generations in the ledger, so reports show spend and yield beside savings.",
        subcommands: [LogGeneration.self])
}

/// `stet log generation --model M (--count N | --seconds S) [--kept K]`.
struct LogGeneration: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generation",
        abstract: "Record generations you ran with a model: what they cost (from the price card) and how many you kept.",
        discussion: """
            Examples:
              stet log generation --model final --count 4 --kept 1 --tag campaign=spring
              stet log generation --model veo-3 --seconds 24 --kept 8
              stet log generation --model gpt-image-1 --size 1536x1024 --quality high --count 4 --kept 1
              stet log generation --model sora-2-pro --size 1792x1024 --seconds 12
            """)

    @Option(help: ArgumentHelp("A model or tier from the price card.", valueName: "model"))
    var model: String

    @Option(help: ArgumentHelp("Number of outputs generated.", valueName: "n"))
    var count: Int?

    @Option(help: ArgumentHelp("Seconds of video generated (per-second models).", valueName: "s"))
    var seconds: Double?

    @Option(help: ArgumentHelp(
        "Output size (WIDTHxHEIGHT, or a size on the card such as 1080p), for a model priced by size.",
        discussion: "Priced at the smallest size tier on the card that covers it; default: the model's default tier.",
        valueName: "WxH"))
    var size: String?

    @Option(help: ArgumentHelp("Quality tier (such as low, medium, high), for a model priced by quality; default: the model's default tier.",
                               valueName: "quality"))
    var quality: String?

    @Option(help: ArgumentHelp("How many outputs (or seconds, with --seconds) you kept; gives the yield.", valueName: "k"))
    var kept: Double?

    @OptionGroup var ledgerOptions: LedgerOptions

    func validate() throws {
        try usage {
            switch (count, seconds) {
            case (nil, nil): throw StetError.usage("Expected one of --count or --seconds")
            case (.some, .some): throw StetError.usage("Expected one of --count or --seconds, not both")
            case (let c?, nil): try Validate.positiveInteger(c, "count")
            case (nil, let s?):
                guard s.isFinite, s > 0 else { throw Validate.invalid("positive number", "seconds", s) }
            }
            if let kept {
                let generated = seconds ?? Double(count ?? 0)
                guard kept.isFinite, kept >= 0, kept <= generated else {
                    throw Validate.invalid("number between 0 and \(formatQuantity(generated))", "kept", formatQuantity(kept))
                }
                if count != nil, kept != kept.rounded() { throw Validate.invalid("whole number", "kept", formatQuantity(kept)) }
            }
            if ledgerOptions.avoids != nil {
                throw StetError.usage("--avoids does not apply to stet log generation: a generation is spend, not a saving")
            }
            if ledgerOptions.loggingDisabled {
                throw StetError.usage("--no-log (or STET_NO_LOG) leaves stet log generation nothing to do")
            }
            if let card = try? ledgerOptions.location.loadCard() {
                _ = try card.generationSpend(model: model, count: count, seconds: seconds, kept: kept, spent: nil,
                                             size: size, quality: quality)
            }
        }
    }

    func run() throws {
        let entry = try ledgerOptions.recorder().recordGeneration(model: model, count: count, seconds: seconds, kept: kept,
                                                                   size: size, quality: quality)
        guard let item = entry.spent.first else { return }
        var line = "Logged \(item.what): \(item.subtotal.exact) \(item.currency) spent"
        if let kept {
            let generated = seconds ?? Double(count ?? 0)
            line += ", kept \(formatQuantity(kept)) of \(formatQuantity(generated))\(seconds != nil ? " s" : "")"
        }
        Console.out(line + " (\(ledgerOptions.location.ledgerName))")
    }
}
