import StetSupport

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

import Foundation

extension Image {
    /// libvips `flatten`: composites alpha over a background colour.
    public func flattened(on background: Colour) throws -> Image {
        guard hasAlpha else { return self }
        return try Operation("flatten").with("in", .image(self))
            .with("background", .doubles(background.values)).image().cast(.uchar)
    }

    /// libvips `embed`: places this image at (x, y) on a larger canvas.
    /// `extend` defaults to libvips' `black`; `background` applies with `.background`.
    public func embedded(x: Int, y: Int, width: Int, height: Int, extend: String? = nil,
                         background: [Double]? = nil) throws -> Image {
        try Operation("embed").with("in", .image(self)).with("x", .int(x)).with("y", .int(y))
            .with("width", .int(width)).with("height", .int(height))
            .with("extend", extend.map { .string($0) })
            .with("background", background.map { .doubles($0) }).image()
    }

    /// libvips `extract_area`: a crop.
    public func cropped(x: Int, y: Int, width: Int, height: Int) throws -> Image {
        try Operation("extract_area").with("input", .image(self)).with("left", .int(x)).with("top", .int(y))
            .with("width", .int(width)).with("height", .int(height)).image()
    }

    /// libvips `insert`: pastes `sub` onto this image at (x, y).
    public func inserting(_ sub: Image, x: Int, y: Int) throws -> Image {
        try Operation("insert").with("main", .image(self)).with("sub", .image(sub))
            .with("x", .int(x)).with("y", .int(y)).image()
    }

    /// libvips `arrayjoin`: lays images out in a grid, `across` per row, with `shim` pixels
    /// between them. Cells must already be the same size for an exact layout.
    public static func arrayJoin(_ images: [Image], across: Int, shim: Int? = nil,
                                 background: [Double]? = nil) throws -> Image {
        try Operation("arrayjoin").with("in", .images(images)).with("across", .int(across))
            .with("shim", shim.map { .int($0) }).with("background", background.map { .doubles($0) }).image()
    }

    /// libvips `bandjoin_const`-free way to make a solid canvas: `black` then `linear`.
    public static func solid(width: Int, height: Int, colour: Colour) throws -> Image {
        let black = try Operation("black").with("width", .int(width)).with("height", .int(height))
            .with("bands", .int(3)).image()
        return try black.linear(multiply: [1, 1, 1], add: colour.values).cast(.uchar)
            .copyInterpretation(.srgb)
    }

    /// libvips `linear`: out = in × a + b, per band.
    public func linear(multiply a: [Double], add b: [Double]) throws -> Image {
        try Operation("linear").with("in", .image(self)).with("a", .doubles(a)).with("b", .doubles(b)).image()
    }

    /// libvips `copy` with a new interpretation (no pixel change).
    public func copyInterpretation(_ interpretation: Interpretation) throws -> Image {
        try Operation("copy").with("in", .image(self)).with("interpretation", .string(interpretation.rawValue)).image()
    }

    /// libvips `bandjoin`: stacks bands.
    public static func bandJoin(_ images: [Image]) throws -> Image {
        try Operation("bandjoin").with("in", .images(images)).image()
    }

    /// libvips `extract_band`.
    public func band(_ index: Int, count: Int? = nil) throws -> Image {
        try Operation("extract_band").with("in", .image(self)).with("band", .int(index))
            .with("n", count.map { .int($0) }).image()
    }

    /// libvips `text`: renders Pango markup to a one-band 0–255 mask.
    public static func text(_ markup: String, font: String? = nil, dpi: Int? = nil) throws -> Image {
        try Operation("text").with("text", .string(markup)).with("font", font.map { .string($0) })
            .with("dpi", dpi.map { .int($0) }).image()
    }

    /// libvips `ifthenelse` with `blend`: mixes `a` where the mask is 255 and `b` where it is 0.
    public static func blend(mask: Image, a: Image, b: Image) throws -> Image {
        try Operation("ifthenelse").with("cond", .image(mask)).with("in1", .image(a)).with("in2", .image(b))
            .with("blend", .bool(true)).image()
    }

    /// libvips `resize` with its default kernel (lanczos3).
    public func resized(scale: Double, vscale: Double? = nil, kernel: String? = nil) throws -> Image {
        try Operation("resize").with("in", .image(self)).with("scale", .double(scale))
            .with("vscale", vscale.map { .double($0) }).with("kernel", kernel.map { .string($0) }).image()
    }
}
