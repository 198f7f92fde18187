import Foundation
import StetSupport

/// A width:height ratio, kept as a reduced integer pair so "1.91:1" stays 191:100.
public struct AspectRatio: Sendable, Equatable, Codable, CustomStringConvertible {
    public let width: Int
    public let height: Int

    public init(_ width: Int, _ height: Int) {
        precondition(width > 0 && height > 0, "AspectRatio needs positive sides")
        let g = AspectRatio.gcd(width, height)
        self.width = width / g
        self.height = height / g
    }

    /// width / height.
    public var value: Double { Double(width) / Double(height) }
    public var description: String { "\(width):\(height)" }
    /// For file names: "9x16".
    public var slug: String { "\(width)x\(height)" }

    /// Parses "9:16", "1.91:1" or "4x5". Sides may have up to 3 decimals.
    public static func parse(_ text: String) -> AspectRatio? {
        let parts = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == ":" || $0 == "x" || $0 == "X" })
        guard parts.count == 2 else { return nil }
        func scaled(_ s: Substring) -> Int? {
            let t = s.trimmingCharacters(in: .whitespaces)
            guard !t.isEmpty, t.allSatisfy({ $0.isNumber || $0 == "." }), let v = Double(t), v > 0, v <= 100_000
            else { return nil }
            let r = (v * 1000).rounded()
            guard abs(r - v * 1000) < 1e-6, r >= 1 else { return nil }
            return Int(r)
        }
        guard let a = scaled(parts[0]), let b = scaled(parts[1]) else { return nil }
        return AspectRatio(a, b)
    }

    static func gcd(_ a: Int, _ b: Int) -> Int {
        var (a, b) = (a, b)
        while b != 0 { (a, b) = (b, a % b) }
        return max(a, 1)
    }

    /// The largest `w×h` of this ratio inside `sourceWidth×sourceHeight`, rounded to whole
    /// pixels (the ratio holds to within half a pixel).
    public func largestInside(width sw: Int, height sh: Int) -> (width: Int, height: Int) {
        let h = (Double(sw) / value).rounded()
        if Int(h) <= sh { return (sw, max(1, Int(h))) }
        return (min(sw, max(1, Int((Double(sh) * value).rounded()))), sh)
    }

    /// The smallest `w×h` of this ratio that contains `sourceWidth×sourceHeight`.
    public func smallestContaining(width sw: Int, height sh: Int) -> (width: Int, height: Int) {
        let h = (Double(sw) / value).rounded()
        if Int(h) >= sh { return (sw, Int(h)) }
        return (max(sw, Int((Double(sh) * value).rounded())), sh)
    }
}
