import Foundation

/// An RGB colour, parsed from "#rrggbb", "#rgb", "r,g,b" or a few names.
public struct Colour: Sendable, Equatable, CustomStringConvertible {
    public var r: Double, g: Double, b: Double

    public init(_ r: Double, _ g: Double, _ b: Double) { self.r = r; self.g = g; self.b = b }

    public static let named: [String: Colour] = [
        "black": Colour(0, 0, 0), "white": Colour(255, 255, 255), "grey": Colour(128, 128, 128),
        "gray": Colour(128, 128, 128), "red": Colour(255, 0, 0), "green": Colour(0, 128, 0),
        "blue": Colour(0, 0, 255),
    ]

    public init?(parsing text: String) {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        if let c = Colour.named[t] { self = c; return }
        if t.hasPrefix("#") {
            var hex = String(t.dropFirst())
            if hex.count == 3 { hex = hex.map { "\($0)\($0)" }.joined() }
            guard hex.count == 6, let v = Int(hex, radix: 16) else { return nil }
            self.init(Double((v >> 16) & 255), Double((v >> 8) & 255), Double(v & 255))
            return
        }
        let parts = t.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 3, parts.allSatisfy({ $0 != nil && (0...255).contains($0!) }) else { return nil }
        self.init(parts[0]!, parts[1]!, parts[2]!)
    }

    public var values: [Double] { [r, g, b] }
    /// Relative luminance 0...1, to pick a label colour that reads on it.
    public var luminance: Double { (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255 }
    public var description: String {
        String(format: "#%02x%02x%02x", Int(r), Int(g), Int(b))
    }
}
