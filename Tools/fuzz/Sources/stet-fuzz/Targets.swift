import CostLedger
import Foundation
import PixelCore

/// One parser under fuzzing: the bytes go in the way the CLI hands them over (a file's
/// contents, or an option's text), and what the CLI does next with the parsed value runs too
/// (a mask is rendered, a price card's prices are multiplied out), so a value that parses but
/// crashes its first user is found as well.
struct FuzzTarget: Sendable {
    let name: String
    let run: @Sendable (Data) -> Void

    /// An option's text: a command line cannot carry NUL, and the shell hands over UTF-8.
    static func text(_ data: Data) -> String { String(decoding: data, as: UTF8.self) }

    static let all: [FuzzTarget] = [
        FuzzTarget(name: "price-card") { data in
            // PriceCard.load reads the file as UTF-8 and refuses anything else.
            guard let text = String(data: data, encoding: .utf8) else { return }
            guard let card = try? PriceCard.parse(text, file: "prices.toml") else { return }
            for model in card.models.values { _ = model.generationPrice.exact }
            for operation in card.avoids.keys {
                _ = try? card.counterfactual(operation: operation, explicit: nil, units: 8)
            }
            for name in card.knownNames {
                _ = try? card.generationSpend(model: name, count: 4, seconds: nil, kept: 1, spent: nil)
            }
        },
        FuzzTarget(name: "region-json") { data in
            guard let file = try? RegionFile.decode(data) else { return }
            _ = try? file.check(baseWidth: 960, baseHeight: 720)
            _ = try? file.encoded()
        },
        FuzzTarget(name: "grid-map") { data in
            guard let map = try? GridMap.decode(data) else { return }
            _ = try? map.imageRects(sheetWidth: 1048, sheetHeight: 528)
            _ = try? map.imageRects(sheetWidth: map.width, sheetHeight: map.height)
        },
        FuzzTarget(name: "mask-shapes") { data in
            // The first byte picks --rect, --ellipse or --polygon; the rest is the option's text.
            guard let kind = data.first else { return }
            let text = FuzzTarget.text(data.dropFirst())
            let shape: MaskShape?
            switch kind % 3 {
            case 0: shape = try? MaskShape.rect(parsing: text)
            case 1: shape = try? MaskShape.ellipse(parsing: text)
            default: shape = try? MaskShape.polygon(parsing: text)
            }
            if let shape { _ = Mask.render([shape], width: 32, height: 24) }
        },
        FuzzTarget(name: "strokes-json") { data in
            guard let shapes = try? MaskShape.strokes(json: data) else { return }
            _ = Mask.render(shapes, width: 32, height: 24)
        },
        FuzzTarget(name: "ledger-jsonl") { data in
            // As `stet ledger import` reads a file: lines, blank ones skipped, each an entry;
            // then what the import and the exports do with an entry.
            let decoder = EntryFormat.lineDecoder()
            for line in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
                if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
                guard let entry = try? EntryFormat.entry(fromJSONLine: String(line), decoder: decoder) else { continue }
                _ = LedgerTime.string(entry.time)
                _ = try? EntryFormat.jsonLine(entry)
                _ = CSV.line(EntryFormat.csvRow(entry))
                _ = try? JSONSerialization.data(withJSONObject: entry.parameters, options: [.sortedKeys])
            }
        },
        FuzzTarget(name: "tags") { data in
            // Each line is one --tag.
            let tags = FuzzTarget.text(data).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            _ = try? Tags.parse(tags)
        },
        FuzzTarget(name: "avoids") { data in
            let text = FuzzTarget.text(data)
            let card = PriceCard.builtIn
            _ = try? card.avoidSpec(text)
            _ = try? card.counterfactual(operation: "upscale", explicit: text, units: 1)
        },
        FuzzTarget(name: "focus") { data in
            if let focus = try? ReframeFocus.parse(FuzzTarget.text(data)) { _ = focus.description }
        },
        FuzzTarget(name: "sizes") { data in
            // --size, --to and a bare ratio, each followed by what reframe computes from it.
            let text = FuzzTarget.text(data)
            for target in ((try? ReframeTarget.sizes(text)) ?? []) + ((try? ReframeTarget.ratios(text)) ?? []) {
                _ = target.label
                _ = target.ratio.largestInside(width: 1920, height: 1080)
                _ = target.ratio.smallestContaining(width: 1920, height: 1080)
            }
            if let ratio = AspectRatio.parse(text) { _ = ratio.largestInside(width: 7, height: 5) }
        },
        FuzzTarget(name: "colour") { data in
            if let colour = Colour(parsing: FuzzTarget.text(data)) { _ = colour.description; _ = colour.luminance }
        },
    ]
}
