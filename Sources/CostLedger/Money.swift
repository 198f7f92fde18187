import Foundation

/// An amount of money or credits, held as an integer number of millionths so that sums over
/// thousands of entries stay exact (SQLite adds INTEGER columns exactly; REAL columns drift).
/// A price card can state prices to six decimal places (a per-1k-token price needs them);
/// reports round totals to the cent.
public struct Money: Hashable, Comparable, Codable, Sendable {
    public var micros: Int64

    public init(micros: Int64) { self.micros = micros }

    /// From a decimal amount such as 0.04, rounded to the nearest millionth.
    public init(_ amount: Double) { micros = Money.clamped(amount * 1_000_000) }

    /// The largest amount Money holds, 10^12 (a trillion, in any currency): far above any real
    /// price or saving, and small enough that sums of millions of entries stay in an Int64.
    /// Bigger products (a count of 10^18 from `--avoids`, a price of 1e300 in an imported line)
    /// are held at the limit instead of trapping (found by Tools/fuzz).
    public static let limit = 1e12

    static func clamped(_ micros: Double) -> Int64 {
        let cap = limit * 1_000_000
        guard micros.isFinite else { return micros > 0 ? Int64(cap) : micros < 0 ? -Int64(cap) : 0 }
        return Int64(min(max(micros.rounded(), -cap), cap))
    }

    public static let zero = Money(micros: 0)

    public var amount: Double { Double(micros) / 1_000_000 }

    /// `quantity` units at this price, rounded to the nearest millionth.
    public func times(_ quantity: Double) -> Money {
        Money(micros: Money.clamped(Double(micros) * quantity))
    }

    public static func + (a: Money, b: Money) -> Money { Money(micros: a.micros + b.micros) }
    public static func - (a: Money, b: Money) -> Money { Money(micros: a.micros - b.micros) }
    public static func < (a: Money, b: Money) -> Bool { a.micros < b.micros }

    /// Rounded to the cent, as reports show totals: "12.35".
    public var cents: String {
        let rounded = (Double(micros) / 10_000).rounded()   // in cents, half away from zero
        let c = Int64(rounded)
        let sign = c < 0 ? "-" : ""
        let a = abs(c)
        return "\(sign)\(a / 100).\(String(format: "%02lld", a % 100))"
    }

    /// Full precision without trailing zeros, at least two decimals: "0.04", "0.0025".
    public var exact: String {
        let sign = micros < 0 ? "-" : ""
        let a = abs(micros)
        var frac = String(format: "%06lld", a % 1_000_000)
        while frac.count > 2 && frac.hasSuffix("0") { frac.removeLast() }
        return "\(sign)\(a / 1_000_000).\(frac)"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(amount)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        let amount = try c.decode(Double.self)
        guard amount.isFinite, abs(amount) <= Money.limit else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected an amount of at most 1000000000000 but found \(amount)")
        }
        self.init(amount)
    }
}

/// Formats a quantity without a trailing ".0": 3, 2.5, 1.048576.
public func formatQuantity(_ q: Double) -> String {
    if q == q.rounded() && abs(q) < 1e15 { return String(Int64(q)) }
    var s = String(format: "%.6f", q)
    while s.hasSuffix("0") { s.removeLast() }
    if s.hasSuffix(".") { s.removeLast() }
    return s
}
