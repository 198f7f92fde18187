import Foundation
import StetSupport
import TOMLKit

/// What a model is priced by.
public enum PriceUnit: String, Codable, CaseIterable, Sendable {
    case image, second, megapixel, call
    case thousandTokens = "1k-tokens"

    /// "image", "second", ... for "0.04 USD per image".
    public var singular: String { self == .thousandTokens ? "1k tokens" : rawValue }
}

/// One model's price on the card.
public struct ModelPrice: Codable, Equatable, Sendable {
    public var name: String
    public var unit: PriceUnit
    /// Price of one unit.
    public var price: Money
    /// An ISO 4217 code such as "USD", or "credits".
    public var currency: String
    /// How many units one generation uses: seconds in a clip, megapixels in an image,
    /// thousands of tokens in a call. 1 for per-image and per-call models.
    public var perGeneration: Double
    /// When the price was read off the provider's list (the card's prices are dated examples).
    public var asOf: String?
    public var note: String?
    /// Prices by size and quality (the card's `prices` table), or nil for a model with one
    /// `price`. With tiers, `price` is the default tier's.
    public var tiers: [PriceTier]?
    /// The tier used when nothing says which applies ("1024x1024/medium").
    public var defaultTier: String?

    /// What one generation of this model costs (at its default tier).
    public var generationPrice: Money { price.times(perGeneration) }
}

/// The editable price card (`prices.toml`): models and their prices, the `draft` and `final`
/// tiers, and the `[avoids]` table saying what one use of each operation replaces by default.
public struct PriceCard: Sendable {
    /// The file the card was read from, or `PriceCard.builtInSource`.
    public var source: String
    /// SHA-256 of the card's text; every ledger entry records it.
    public var hash: String
    public var text: String
    /// The currency of `--spent` amounts.
    public var currency: String
    public var updated: String?
    public var models: [String: ModelPrice]
    /// Tier name (draft, final) to model name.
    public var tiers: [String: String]
    /// Operation to what one use of it replaces, as written on the card ("final", "none", "flux-pro x2").
    public var avoids: [String: String]

    public static let builtInSource = "built-in example price card"
    public static let units = PriceUnit.allCases.map(\.rawValue)

    /// The card `stet init` writes, parsed.
    public static let builtIn: PriceCard = {
        do { return try parse(DefaultPriceCard.text, file: builtInSource) } catch {
            fatalError("the built-in price card does not parse: \(error)")
        }
    }()

    /// Reads and validates a card file. A bad card throws "FILE: key K: problem".
    public static func load(path: String) throws -> PriceCard {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StetError.input(path, "cannot be read")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw StetError.input(path, "is not UTF-8 text")
        }
        return try parse(text, file: path)
    }

    /// Parses and validates card text; `file` names the card in error messages.
    public static func parse(_ text: String, file: String) throws -> PriceCard {
        func bad(_ key: String, _ problem: String) -> StetError { .input(file, "key \(key): \(problem)") }
        try refuseHeadersTOMLKitAsserts(text, file: file)
        let root: TOMLTable
        do { root = try TOMLTable(string: text) } catch let error as TOMLParseError {
            throw StetError.input(file, "line \(error.source.begin.line), column \(error.source.begin.column): \(error.description)")
        }
        var card = PriceCard(source: file, hash: SHA256.hex(of: Data(text.utf8)), text: text,
                             currency: "USD", updated: nil, models: [:], tiers: [:], avoids: [:])
        for key in root.keys where !["currency", "updated", "models", "tiers", "avoids"].contains(key) {
            throw bad(key, "unknown key (expected currency, updated, models, tiers or avoids)")
        }
        if let value = root["currency"] {
            card.currency = try currencyValue(value, key: "currency", bad)
        }
        if let value = root["updated"] { card.updated = try textValue(value, key: "updated", bad) }

        guard let modelsValue = root["models"] else { throw bad("models", "missing; the card must price at least one model") }
        guard let models = modelsValue.table else { throw bad("models", "expected a table of models but found \(typeName(modelsValue))") }
        for name in models.keys {
            let key = "models.\(name)"
            guard let table = models[name]?.table else {
                throw bad(key, "expected a table with unit and price but found \(typeName(models[name]!))")
            }
            for k in table.keys where !["unit", "price", "prices", "default", "currency", "per_generation", "as_of", "note"].contains(k) {
                throw bad("\(key).\(k)", "unknown key (expected unit, price, prices, default, currency, per_generation, as_of or note)")
            }
            guard let unitValue = table["unit"] else { throw bad("\(key).unit", "missing; expected one of \(units.joined(separator: ", "))") }
            guard let unitText = unitValue.string, let unit = PriceUnit(rawValue: unitText) else {
                throw bad("\(key).unit", "expected one of \(units.joined(separator: ", ")) but found \(describe(unitValue))")
            }
            var tiers: [PriceTier]?
            var defaultTier: String?
            if let pricesValue = table["prices"] {
                guard let prices = pricesValue.table else {
                    throw bad("\(key).prices", "expected a table such as \"1024x1024/medium\" = 0.042 but found \(typeName(pricesValue))")
                }
                if table["price"] != nil {
                    throw bad("\(key).price", "not allowed beside prices; the default tier's price is the model's price")
                }
                var pairs: [(String, Double)] = []
                for tierKey in prices.keys {
                    pairs.append((tierKey, try number(prices[tierKey]!, key: "\(key).prices.\"\(tierKey)\"", bad)))
                }
                var defaultText: String?
                if let value = table["default"] {
                    guard let s = value.string else { throw bad("\(key).default", "expected a tier such as \"1024x1024/medium\" but found \(typeName(value))") }
                    defaultText = s
                }
                let parsed = try parseTiers(pairs, defaultTier: defaultText, key: key, bad)
                tiers = parsed.tiers; defaultTier = parsed.default
            } else if table["default"] != nil {
                throw bad("\(key).default", "only applies with a prices table of tiers")
            }
            let price: Double
            if let tiers, let defaultTier {
                price = tiers.first { $0.key == defaultTier }!.price.amount
            } else {
                guard let priceValue = table["price"] else { throw bad("\(key).price", "missing; expected the price of one \(unit.singular)") }
                price = try number(priceValue, key: "\(key).price", bad)
                guard price >= 0 else { throw bad("\(key).price", "expected a price of 0 or more but found \(describe(priceValue))") }
                guard price <= Money.limit else { throw bad("\(key).price", "expected a price of at most 1000000000000 but found \(describe(priceValue))") }
            }
            var currency = card.currency
            if let value = table["currency"] { currency = try currencyValue(value, key: "\(key).currency", bad) }
            var perGeneration = 1.0
            if let value = table["per_generation"] {
                perGeneration = try number(value, key: "\(key).per_generation", bad)
                guard perGeneration > 0 else {
                    throw bad("\(key).per_generation", "expected a positive number but found \(describe(value))")
                }
            }
            var asOf: String?
            if let value = table["as_of"] { asOf = try textValue(value, key: "\(key).as_of", bad) }
            var note: String?
            if let value = table["note"] {
                guard let s = value.string else { throw bad("\(key).note", "expected a string but found \(typeName(value))") }
                note = s
            }
            card.models[name] = ModelPrice(name: name, unit: unit, price: Money(price), currency: currency,
                                           perGeneration: perGeneration, asOf: asOf, note: note,
                                           tiers: tiers, defaultTier: defaultTier)
        }
        if card.models.isEmpty { throw bad("models", "empty; the card must price at least one model") }

        if let tiersValue = root["tiers"] {
            guard let tiers = tiersValue.table else { throw bad("tiers", "expected a table such as final = \"model\" but found \(typeName(tiersValue))") }
            for tier in tiers.keys {
                let value = tiers[tier]!
                guard let model = value.string else { throw bad("tiers.\(tier)", "expected a model name but found \(typeName(value))") }
                // "model" or "model@SIZE/QUALITY": the tier must be on the model's grid.
                let (modelName, tierPart) = splitAt(model)
                guard let priced = card.models[modelName] else {
                    throw bad("tiers.\(tier)", "names model \(modelName), which is not in [models]")
                }
                if let tierPart {
                    do { _ = try priced.pin(tierPart) } catch let StetError.usage(message) { throw bad("tiers.\(tier)", message) }
                }
                if card.models[tier] != nil { throw bad("tiers.\(tier)", "is also the name of a model; rename one of them") }
                card.tiers[tier] = model
            }
        }
        if let avoidsValue = root["avoids"] {
            guard let avoids = avoidsValue.table else { throw bad("avoids", "expected a table such as reframe = \"final\" but found \(typeName(avoidsValue))") }
            for operation in avoids.keys {
                let value = avoids[operation]!
                guard let spec = value.string else {
                    throw bad("avoids.\(operation)", "expected \"none\", a tier or a model (optionally xN) but found \(typeName(value))")
                }
                do { _ = try card.avoidSpec(spec) } catch let StetError.usage(message) {
                    throw bad("avoids.\(operation)", message)
                }
                card.avoids[operation] = spec
            }
        }
        return card
    }

    /// A model by name, or the model a tier names (`NAME@TIER` names the model too).
    public func model(named name: String) -> ModelPrice? {
        let base = PriceCard.splitAt(name).0
        if let m = models[base] { return m }
        if let m = tiers[base] { return models[PriceCard.splitAt(m).0] }
        return nil
    }

    /// Parses "none", "NAME" or "NAMExN" ("final", "flux-pro x2", "final*3") against this card;
    /// NAME may pin a tier ("gpt-image-1@1536x1024/high x2"), which must be on the model's grid.
    /// Returns nil for "none". Throws `.usage` naming the problem.
    public func avoidSpec(_ text: String) throws -> AvoidSpec? {
        let s = text.trimmingCharacters(in: .whitespaces)
        if s.lowercased() == "none" { return nil }
        var tierError: Error?
        do {
            if let r = try reference(s) { return AvoidSpec(name: PriceCard.splitAt(s).0, count: 1, pin: r.pin) }
        } catch { tierError = error }
        // NAME followed by x, × or * and a count; the whole name is tried first so a model
        // whose own name ends in "x2" still resolves.
        if let r = s.range(of: #"\s*[x×*]\s*([0-9]+)$"#, options: .regularExpression) {
            let name = String(s[..<r.lowerBound])
            let digits = s[r].filter(\.isNumber)
            guard let count = Int(digits), count > 0 else {
                throw StetError.usage("Expected positive integer count in \(s) but received \(digits)")
            }
            do {
                if let resolved = try reference(name) {
                    return AvoidSpec(name: PriceCard.splitAt(name).0, count: count, pin: resolved.pin)
                }
            } catch { tierError = error }
        }
        if let tierError { throw tierError }
        throw StetError.usage("\(s) is not a model or tier on the price card (expected none, \(knownNames.joined(separator: ", ")), optionally followed by xN)")
    }

    /// Tier and model names, tiers first.
    public var knownNames: [String] { tiers.keys.sorted() + models.keys.sorted() }

    /// What this use replaced, priced. `explicit` is `--avoids` (its count is the total for this
    /// use); without it the card's `[avoids]` entry for the operation applies once per unit
    /// (reframe: one per target). `seconds` is the video a use covered (a clip's duration): a
    /// model priced per second is then priced for those seconds per generation avoided, instead
    /// of its `per_generation` length. `outputPixels` is the size one regeneration would have had
    /// (the use's largest output): a model priced by size is priced at the smallest tier covering
    /// it, at its default quality, unless the spec pins a tier (`model@SIZE/QUALITY`).
    public func counterfactual(operation: String, explicit: String?, units: Int, seconds: Double? = nil,
                               outputPixels: PixelSize? = nil) throws -> [AvoidedItem] {
        try pricedCounterfactual(operation: operation, explicit: explicit, units: units, seconds: seconds,
                                 outputPixels: outputPixels).map(\.item)
    }

    /// `counterfactual`, with the tier each item was priced at (nil for a one-price model).
    public func pricedCounterfactual(operation: String, explicit: String?, units: Int, seconds: Double? = nil,
                                     outputPixels: PixelSize? = nil) throws -> [(item: AvoidedItem, tier: TierChoice?)] {
        let spec: AvoidSpec?
        let source: String
        var count: Int
        if let explicit {
            spec = try avoidSpec(explicit)
            source = "--avoids"
            count = spec?.count ?? 0
        } else {
            guard let raw = avoids[operation] else { return [] }
            spec = try avoidSpec(raw)
            source = "[avoids] \(operation)"
            count = (spec?.count ?? 0) * max(units, 0)
        }
        guard let spec, count > 0, let model = model(named: spec.name) else { return [] }
        let perSecond = model.unit == .second && (seconds ?? 0) > 0
        let quantity = Double(count) * (perSecond ? seconds! : model.perGeneration)
        let label = spec.name == model.name ? model.name : "\(spec.name) (\(model.name))"
        let length = perSecond ? " of \(formatQuantity(seconds!)) s" : ""
        let choice = model.chooseTier(pin: spec.pin, pixels: outputPixels)
        let unitPrice = choice?.tier.price ?? model.price
        let at = choice.map { " at \($0.tier.key) (\($0.reason))" } ?? ""
        return [(AvoidedItem(
            what: "\(count) × \(label) generation\(length)\(at), from \(source)",
            model: model.name, quantity: quantity, unit: model.unit.rawValue,
            unitPrice: unitPrice, currency: model.currency, subtotal: unitPrice.times(quantity)), choice)]
    }

    /// toml++ 3 (inside TOMLKit) asserts, and aborts the process, on a table header whose
    /// name does not start with a key character: `[#`, `[` at the end of a line, `[[ !x]]`
    /// (found by Tools/fuzz). Such a header is refused here first, with a parse error of the
    /// same form, as is a value that starts with `}`. A small lexer skips comments and strings
    /// (a `'''` in a comment opens nothing).
    static func refuseHeadersTOMLKitAsserts(_ text: String, file: String) throws {
        enum State { case normal, comment, basic, literal, multiBasic, multiLiteral }
        let s = Array(text.unicodeScalars)
        func at(_ k: Int) -> Unicode.Scalar? { k < s.count ? s[k] : nil }
        func keyStart(_ c: Unicode.Scalar) -> Bool {
            c == "]" || c == "\"" || c == "'" || c == "_" || c == "-" || (c.isASCII && CharacterSet.alphanumerics.contains(c))
        }
        func isDigit(_ c: Unicode.Scalar) -> Bool { c.value >= 48 && c.value <= 57 }
        func isDate(at k: Int) -> Bool {
            (0..<10).allSatisfy { d in
                guard let c = at(k + d) else { return false }
                return d == 4 || d == 7 ? c == "-" : isDigit(c)
            }
        }
        var state = State.normal, i = 0, line = 1, lineStart = 0, atLineStart = true
        var previous: Unicode.Scalar? = nil   // the last character outside comments and whitespace
        while i < s.count {
            let c = s[i]
            switch state {
            case .normal:
                if c == "\n" { line += 1; lineStart = i + 1; atLineStart = true; i += 1; continue }
                if atLineStart && (c == " " || c == "\t") { i += 1; continue }
                if atLineStart && c == "[" {
                    var j = i + 1
                    if at(j) == "[" { j += 1 }
                    while at(j) == " " || at(j) == "\t" { j += 1 }
                    if let n = at(j), !keyStart(n) {
                        throw StetError.input(file, "line \(line), column \(j - lineStart + 1): expected a table name after [")
                    }
                }
                atLineStart = false
                // toml++ also asserts on a value that starts with "}" (`d=[}`, `a=}`, `[1,}`:
                // the fuzzer's third find); none of those is TOML.
                if c == "}", let p = previous, p == "=" || p == "[" || p == "," {
                    throw StetError.input(file, "line \(line), column \(i - lineStart + 1): expected a value before }")
                }
                // toml++ asserts on a date followed by a space and a digit that does not start a
                // time (`g=2025-06-01 8`, the fuzzer's fourth find), and likewise after `T`.
                if isDigit(c), previous == "=" || previous == "[" || previous == ",", isDate(at: i) {
                    let sep = at(i + 10)
                    let timeFollows = [1, 2, 4].allSatisfy { at(i + 10 + $0).map(isDigit) ?? false } && at(i + 13) == ":"
                    if sep == "T" || sep == "t" || (sep == " " && (at(i + 11).map(isDigit) ?? false)), !timeFollows {
                        throw StetError.input(file, "line \(line), column \(i - lineStart + 1): a date-time needs its time as HH:MM:SS after the date")
                    }
                }
                if c != " " && c != "\t" && c != "\r" { previous = c }
                if c == "#" { state = .comment }
                else if c == "\"" { if at(i + 1) == "\"", at(i + 2) == "\"" { state = .multiBasic; i += 3; continue }; state = .basic }
                else if c == "'" { if at(i + 1) == "'", at(i + 2) == "'" { state = .multiLiteral; i += 3; continue }; state = .literal }
            case .comment:
                if c == "\n" { state = .normal; continue }
            case .basic, .literal:
                if c == "\n" { state = .normal; continue }
                if state == .basic && c == "\\" { i += 2; continue }
                if (state == .basic && c == "\"") || (state == .literal && c == "'") { state = .normal }
            case .multiBasic, .multiLiteral:
                let q: Unicode.Scalar = state == .multiBasic ? "\"" : "'"
                if c == "\n" { line += 1; lineStart = i + 1 }
                if state == .multiBasic && c == "\\" { i += 2; continue }
                if c == q && at(i + 1) == q && at(i + 2) == q { state = .normal; i += 3; continue }
            }
            i += 1
        }
    }

    // MARK: - Value helpers

    static func typeName(_ v: TOMLValueConvertible) -> String {
        switch v.type {
        case .table: return "a table"
        case .array: return "an array"
        case .string: return "a string"
        case .int: return "an integer"
        case .double: return "a number"
        case .bool: return "a boolean"
        case .date: return "a date"
        case .time: return "a time"
        case .dateTime: return "a date-time"
        }
    }

    static func describe(_ v: TOMLValueConvertible) -> String {
        if let s = v.string { return "\"\(s)\"" }
        if let i = v.int { return String(i) }
        if let d = v.double { return formatQuantity(d) }
        return typeName(v)
    }

    static func number(_ v: TOMLValueConvertible, key: String, _ bad: (String, String) -> StetError) throws -> Double {
        if let d = v.double, d.isFinite { return d }
        if let i = v.int { return Double(i) }
        throw bad(key, "expected a number but found \(describe(v))")
    }

    static func textValue(_ v: TOMLValueConvertible, key: String, _ bad: (String, String) -> StetError) throws -> String {
        if let s = v.string { return s }
        if let d = v.date { return String(format: "%04d-%02d-%02d", Int(d.year), Int(d.month), Int(d.day)) }
        throw bad(key, "expected a date such as 2025-06-01 but found \(typeName(v))")
    }

    static func currencyValue(_ v: TOMLValueConvertible, key: String, _ bad: (String, String) -> StetError) throws -> String {
        guard let s = v.string, s == "credits" || s.range(of: "^[A-Z]{3}$", options: .regularExpression) != nil else {
            throw bad(key, "expected a currency code such as USD, or \"credits\", but found \(describe(v))")
        }
        return s
    }
}

/// A parsed counterfactual: `count` generations of a model or tier, at a pinned size and
/// quality where `pin` says so.
public struct AvoidSpec: Equatable, Sendable {
    public var name: String
    public var count: Int
    public var pin: TierPin?

    public init(name: String, count: Int, pin: TierPin? = nil) { self.name = name; self.count = count; self.pin = pin }
}

/// One regeneration a use replaced, priced from the card when it was recorded.
public struct AvoidedItem: Codable, Equatable, Sendable {
    public var what: String
    public var model: String
    public var quantity: Double
    public var unit: String
    public var unitPrice: Money
    public var currency: String
    public var subtotal: Money

    public init(what: String, model: String, quantity: Double, unit: String, unitPrice: Money, currency: String, subtotal: Money) {
        self.what = what; self.model = model; self.quantity = quantity; self.unit = unit
        self.unitPrice = unitPrice; self.currency = currency; self.subtotal = subtotal
    }
}

/// Money a use did cost: a logged generation, or `--spent` on a command.
public struct SpendItem: Codable, Equatable, Sendable {
    public var what: String
    /// Empty for a bare `--spent` amount.
    public var model: String
    public var quantity: Double
    public var unit: String
    public var unitPrice: Money
    public var currency: String
    public var subtotal: Money
    /// For `stet log generation`: outputs (--count) or seconds (--seconds) generated, and kept.
    public var generatedCount: Double?
    public var keptCount: Double?
    public var generatedSeconds: Double?
    public var keptSeconds: Double?

    public init(what: String, model: String, quantity: Double, unit: String, unitPrice: Money, currency: String,
                subtotal: Money, generatedCount: Double? = nil, keptCount: Double? = nil,
                generatedSeconds: Double? = nil, keptSeconds: Double? = nil) {
        self.what = what; self.model = model; self.quantity = quantity; self.unit = unit
        self.unitPrice = unitPrice; self.currency = currency; self.subtotal = subtotal
        self.generatedCount = generatedCount; self.keptCount = keptCount
        self.generatedSeconds = generatedSeconds; self.keptSeconds = keptSeconds
    }
}

extension PriceCard {
    /// Prices real generations for `stet log generation`: `count` outputs, or `seconds` of video
    /// (only for a per-second model). `spent` overrides the card with what was actually paid.
    /// `size` (WIDTHxHEIGHT or one of the model's sizes) and `quality` choose the tier of a model
    /// priced by size and quality; what they leave open comes from the model's default tier.
    public func generationSpend(model name: String, count: Int?, seconds: Double?, kept: Double?,
                                spent: Double?, size: String? = nil, quality: String? = nil) throws -> SpendItem {
        try pricedGeneration(model: name, count: count, seconds: seconds, kept: kept, spent: spent,
                             size: size, quality: quality).item
    }

    /// `generationSpend`, with the tier it was priced at (nil for a one-price model).
    public func pricedGeneration(model name: String, count: Int?, seconds: Double?, kept: Double?, spent: Double?,
                                 size: String? = nil, quality: String? = nil) throws -> (item: SpendItem, tier: TierChoice?) {
        guard let resolved = try reference(name) else {
            throw StetError.usage("\(name) is not a model or tier on the price card (expected \(knownNames.joined(separator: ", ")))")
        }
        let model = resolved.model
        var pin = resolved.pin ?? TierPin()
        var pixels: PixelSize?
        if size != nil || quality != nil, !model.isTiered {
            let flag = size != nil ? "--size" : "--quality"
            throw StetError.usage("\(flag) needs a model priced by size and quality, but \(model.name) has one price (\(model.price.exact) \(model.currency) per \(model.unit.singular))")
        }
        if let quality {
            let q = quality.lowercased()
            let qualities = model.tierQualities
            guard !qualities.isEmpty else {
                throw StetError.usage("--quality does not apply to \(model.name): it is priced by size alone (\(model.tierSizes.map(\.name).joined(separator: ", ")))")
            }
            guard qualities.contains(q) else { throw Validate.invalid("one of \(qualities.joined(separator: ", "))", "quality", quality) }
            pin.quality = q
        }
        if let size {
            let s = size.lowercased()
            if model.tierSizes.contains(where: { $0.name == s }) {
                pin.size = s
            } else if let p = PixelSize.parse(s) {
                pin.size = nil; pixels = p
            } else {
                throw Validate.invalid("size such as 1536x1024 (or one of \(model.tierSizes.map(\.name).joined(separator: ", ")))", "size", size)
            }
        }
        let choice = model.chooseTier(pin: pin == TierPin() ? nil : pin, pixels: pixels)
        let unitPrice = choice?.tier.price ?? model.price
        let at = choice.map { " at \($0.tier.key)" + ($0.reason == "as named" ? "" : " (\($0.reason))") } ?? ""
        let quantity: Double
        if let seconds {
            guard model.unit == .second else {
                throw StetError.usage("--seconds needs a per-second model, but \(model.name) is priced per \(model.unit.singular); use --count")
            }
            quantity = seconds
        } else {
            quantity = Double(count ?? 0) * model.perGeneration
        }
        let subtotal = spent.map { Money($0) } ?? unitPrice.times(quantity)
        let paidPrice = spent.map { quantity > 0 ? Money($0 / quantity) : Money.zero } ?? unitPrice
        let what = seconds != nil ? "\(formatQuantity(seconds!)) s of \(model.name)" : "\(count ?? 0) × \(model.name) generation"
        return (SpendItem(what: what + at + (spent != nil ? " (--spent)" : ""), model: model.name, quantity: quantity,
                          unit: model.unit.rawValue, unitPrice: paidPrice,
                          currency: spent != nil ? currency : model.currency, subtotal: subtotal,
                          generatedCount: seconds == nil ? Double(count ?? 0) : nil,
                          keptCount: seconds == nil ? kept : nil,
                          generatedSeconds: seconds, keptSeconds: seconds != nil ? kept : nil), choice)
    }

    /// A bare `--spent AMOUNT` on a command, in the card's currency.
    public func spent(_ amount: Double, operation: String) -> SpendItem {
        SpendItem(what: "paid during \(operation) (--spent)", model: "", quantity: 1, unit: "call",
                  unitPrice: Money(amount), currency: currency, subtotal: Money(amount))
    }
}
