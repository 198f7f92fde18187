import Foundation
import StetSupport

// Prices by output size and quality tier (issue #19). A model may carry a `prices` table
// instead of one `price`: "1536x1024/high" = 0.25 per image, or "1080p" = 0.75 per second for
// video. The card must price every size at every quality (the full grid), and names a `default`
// tier used when nothing says which one applies. A model is named at a tier as
// `model@SIZE/QUALITY` (or `model@SIZE`, `model@QUALITY`) in [tiers], [avoids] and --avoids.

/// A size a model is priced at, as the card writes it: "1536x1024" (an exact frame and anything
/// it covers) or a video resolution "720p", "1080p", "4k" (short side N, long side N×16/9, in
/// either orientation).
public struct TierSize: Hashable, Sendable, CustomStringConvertible {
    /// As written, lowercased ("1536x1024", "1080p").
    public var name: String
    /// For "NNNp": the long side.
    public var width: Int
    /// For "NNNp": the short side.
    public var height: Int
    /// "NNNp" covers portrait and landscape frames alike; "WxH" only its own orientation.
    public var eitherOrientation: Bool

    public var description: String { name }
    public var area: Int { width * height }

    /// "1536x1024", "1080p", "4k" (= 2160p); nil for anything else.
    public static func parse(_ text: String) -> TierSize? {
        let s = text.lowercased()
        if s == "4k" { return TierSize(name: s, width: 3840, height: 2160, eitherOrientation: true) }
        if let p = PixelSize.parse(s) { return TierSize(name: s, width: p.width, height: p.height, eitherOrientation: false) }
        if s.hasSuffix("p"), let n = Int(s.dropLast()), n > 0, n <= 100_000, String(n) == String(s.dropLast()) {
            return TierSize(name: s, width: Int((Double(n) * 16 / 9).rounded(.up)), height: n, eitherOrientation: true)
        }
        return nil
    }

    /// Whether a generation at this size would make a frame of `pixels` (or larger).
    public func covers(_ pixels: PixelSize) -> Bool {
        if eitherOrientation {
            return min(pixels.width, pixels.height) <= height && max(pixels.width, pixels.height) <= width
        }
        return pixels.width <= width && pixels.height <= height
    }
}

extension PixelSize {
    /// "1536x1024" (also with × or X); nil for anything else.
    public static func parse(_ text: String) -> PixelSize? {
        let parts = text.lowercased().replacingOccurrences(of: "×", with: "x").split(separator: "x", omittingEmptySubsequences: false)
        guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), String(w) == parts[0], String(h) == parts[1],
              w > 0, h > 0, w <= 1_000_000, h <= 1_000_000 else { return nil }
        return PixelSize(width: w, height: h)
    }
}

/// One priced tier of a model: a size, a quality (nil for a model priced by size alone) and the
/// price of one unit at that tier.
public struct PriceTier: Codable, Equatable, Sendable {
    public var size: String
    public var quality: String?
    public var price: Money

    public init(size: String, quality: String?, price: Money) { self.size = size; self.quality = quality; self.price = price }

    /// "1536x1024/high", or "1080p" without a quality.
    public var key: String { quality.map { "\(size)/\($0)" } ?? size }
}

/// A tier named with a model (`gpt-image-1@1536x1024/high`): either part may be left to the rule.
public struct TierPin: Equatable, Sendable {
    public var size: String?
    public var quality: String?
    public init(size: String? = nil, quality: String? = nil) { self.size = size; self.quality = quality }

    /// "1536x1024/high", "1536x1024", "high".
    public var text: String { [size, quality].compactMap { $0 }.joined(separator: "/") }

    /// `later` overrides this pin's parts where it names them.
    func merged(_ later: TierPin?) -> TierPin {
        TierPin(size: later?.size ?? size, quality: later?.quality ?? quality)
    }
}

/// The tier a price was taken from, and why that one.
public struct TierChoice: Equatable, Sendable {
    public var tier: PriceTier
    /// "as named", "the smallest tier covering 1400x933", "the card's default tier", ...
    public var reason: String
}

extension ModelPrice {
    /// Whether the model is priced by size (and quality) instead of with one price.
    public var isTiered: Bool { !(tiers ?? []).isEmpty }

    /// Its sizes, smallest first (by area, then name).
    public var tierSizes: [TierSize] {
        var seen = Set<String>()
        return (tiers ?? []).compactMap { seen.insert($0.size).inserted ? TierSize.parse($0.size) : nil }
            .sorted { ($0.area, $0.name) < ($1.area, $1.name) }
    }

    /// Its qualities, cheapest first (by the price of each quality's cheapest tier, then name).
    public var tierQualities: [String] {
        var cheapest: [String: Money] = [:]
        for t in tiers ?? [] { if let q = t.quality { cheapest[q] = min(cheapest[q] ?? t.price, t.price) } }
        return cheapest.keys.sorted { (cheapest[$0]!, $0) < (cheapest[$1]!, $1) }
    }

    /// Its tiers in display order: by size, then quality.
    public var sortedTiers: [PriceTier] {
        let sizes = tierSizes.map(\.name), qualities = tierQualities
        return (tiers ?? []).sorted {
            (sizes.firstIndex(of: $0.size) ?? 0, qualities.firstIndex(of: $0.quality ?? "") ?? 0)
                < (sizes.firstIndex(of: $1.size) ?? 0, qualities.firstIndex(of: $1.quality ?? "") ?? 0)
        }
    }

    func tier(size: String, quality: String?) -> PriceTier? {
        tiers?.first { $0.size == size && $0.quality == quality }
    }

    var defaultPriceTier: PriceTier? { (tiers ?? []).first { $0.key == defaultTier } }

    /// Parses what follows `@`: "SIZE/QUALITY", "SIZE" or "QUALITY", against this model's tiers.
    /// Throws `.usage` naming the model and the tier.
    public func pin(_ text: String) throws -> TierPin {
        let s = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard isTiered else {
            throw StetError.usage("\(name) has one price, not prices by size or quality; drop @\(text)")
        }
        let sizes = tierSizes.map(\.name), qualities = tierQualities
        func unknown() -> StetError {
            StetError.usage("\(name) has no tier \(text) (its tiers: \(sortedTiers.map(\.key).joined(separator: ", ")))")
        }
        if let slash = s.firstIndex(of: "/") {
            let size = String(s[..<slash]), quality = String(s[s.index(after: slash)...])
            guard sizes.contains(size), qualities.contains(quality) else { throw unknown() }
            return TierPin(size: size, quality: quality)
        }
        if qualities.contains(s) { return TierPin(quality: s) }
        if sizes.contains(s) { return TierPin(size: s) }
        throw unknown()
    }

    /// The tier that prices one generation: the pinned size and quality where given; else the
    /// quality of the default tier, and the smallest size covering `pixels` (when none covers it,
    /// the size covering most of it), or the default tier's size when the pixel size is unknown.
    /// Nil for a model with one price.
    public func chooseTier(pin: TierPin?, pixels: PixelSize?) -> TierChoice? {
        guard isTiered, let fallback = defaultPriceTier else { return nil }
        let quality = pin?.quality ?? fallback.quality
        let sizes = tierSizes
        let size: String, reason: String
        if let pinned = pin?.size {
            size = pinned; reason = "as named"
        } else if let pixels {
            if let smallest = sizes.first(where: { $0.covers(pixels) }) {
                size = smallest.name; reason = "the smallest tier covering \(pixels)"
            } else {
                // Nothing covers it: the size that covers most of it (a portrait output gets the
                // portrait size), then the larger.
                func covered(_ t: TierSize) -> Int {
                    let (w, h) = t.eitherOrientation && pixels.height > pixels.width ? (t.height, t.width) : (t.width, t.height)
                    return min(w, pixels.width) * min(h, pixels.height)
                }
                let best = sizes.max { (covered($0), $0.area) < (covered($1), $1.area) }!
                size = best.name; reason = "\(pixels) is larger than every tier; the one covering most of it"
            }
        } else {
            size = fallback.size
            reason = pin?.quality == nil ? "the card's default tier" : "the default tier's size"
        }
        guard let tier = tier(size: size, quality: quality) else { return nil }   // the full grid makes this unreachable
        return TierChoice(tier: tier, reason: reason)
    }
}

extension PriceCard {
    /// Splits "NAME@TIER" and resolves NAME (a model, or a tier of the card whose value may
    /// itself pin a tier). Nil when NAME is neither; throws `.usage` for a bad tier.
    func reference(_ text: String) throws -> (model: ModelPrice, pin: TierPin?)? {
        let (name, tierText) = PriceCard.splitAt(text)
        var base: ModelPrice
        var pin: TierPin?
        if let m = models[name] {
            base = m
        } else if let value = tiers[name] {
            let (modelName, tierPart) = PriceCard.splitAt(value)
            guard let m = models[modelName] else { return nil }
            base = m
            if let tierPart { pin = try m.pin(tierPart) }
        } else {
            return nil
        }
        if let tierText { pin = (pin ?? TierPin()).merged(try base.pin(tierText)) }
        return (base, pin)
    }

    /// "gpt-image-1@1536x1024/high" → ("gpt-image-1", "1536x1024/high"); no `@`: (text, nil).
    static func splitAt(_ text: String) -> (String, String?) {
        guard let at = text.firstIndex(of: "@") else { return (text, nil) }
        return (String(text[..<at]).trimmingCharacters(in: .whitespaces), String(text[text.index(after: at)...]))
    }

    /// Parses a model's `prices` table and `default` into tiers, checking the full grid.
    /// `key` is "models.NAME".
    static func parseTiers(_ table: [(String, Double)], defaultTier: String?, key: String,
                           _ bad: (String, String) -> StetError) throws -> (tiers: [PriceTier], default: String) {
        var tiers: [PriceTier] = []
        var seen: [String: String] = [:]
        for (raw, price) in table {
            let text = raw.lowercased().trimmingCharacters(in: .whitespaces)
            let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            let tierKey = "\(key).prices.\"\(raw)\""
            guard (1...2).contains(parts.count), let size = TierSize.parse(parts[0]),
                  parts.count == 1 || parts[1].range(of: "^[a-z][a-z0-9_-]*$", options: .regularExpression) != nil else {
                throw bad(tierKey, "expected a tier such as \"1536x1024/high\" or \"1080p\" (a size WIDTHxHEIGHT or NNNp, then optionally /QUALITY)")
            }
            guard price >= 0, price <= Money.limit else {
                throw bad(tierKey, "expected a price of 0 or more (at most 1000000000000) but found \(formatQuantity(price))")
            }
            let tier = PriceTier(size: size.name, quality: parts.count == 2 ? parts[1] : nil, price: Money(price))
            if let earlier = seen[tier.key] { throw bad(tierKey, "is the same tier as \"\(earlier)\"") }
            seen[tier.key] = raw
            tiers.append(tier)
        }
        guard !tiers.isEmpty else { throw bad("\(key).prices", "empty; expected prices such as \"1024x1024/medium\" = 0.042") }
        let withQuality = tiers.filter { $0.quality != nil }
        if !withQuality.isEmpty, withQuality.count != tiers.count {
            let bare = tiers.first { $0.quality == nil }!
            throw bad("\(key).prices.\"\(seen[bare.key]!)\"", "has no quality, but \(withQuality[0].key) has one; give every tier a quality, or none")
        }
        // The full grid: every size at every quality.
        let probe = ModelPrice(name: "", unit: .image, price: .zero, currency: "", perGeneration: 1, tiers: tiers)
        let sizes = probe.tierSizes.map(\.name), qualities = probe.tierQualities
        for size in sizes {
            for quality in qualities.isEmpty ? [nil] : qualities.map(Optional.some) where probe.tier(size: size, quality: quality) == nil {
                let missing = PriceTier(size: size, quality: quality, price: .zero).key
                throw bad("\(key).prices", "missing tier \(missing); every size needs a price at every quality (sizes \(sizes.joined(separator: ", ")); qualities \(qualities.joined(separator: ", ")))")
            }
        }
        guard let defaultTier else {
            throw bad("\(key).default", "missing; a model priced by tier needs the tier to use when the size is unknown, such as \"\(probe.sortedTiers[0].key)\"")
        }
        let wanted = defaultTier.lowercased().trimmingCharacters(in: .whitespaces)
        guard tiers.contains(where: { $0.key == wanted }) else {
            throw bad("\(key).default", "names tier \(defaultTier), which is not in \(key).prices (its tiers: \(probe.sortedTiers.map(\.key).joined(separator: ", ")))")
        }
        return (tiers, wanted)
    }
}
