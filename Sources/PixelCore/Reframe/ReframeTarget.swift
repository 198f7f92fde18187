import Foundation
import StetSupport

/// One output the user asked for: a platform preset (fixed pixels), a bare ratio (the largest
/// size the source supports), or an explicit pixel size.
public struct ReframeTarget: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case preset(PlatformPreset)
        case ratio(AspectRatio)
        case size(width: Int, height: Int)
    }

    public var kind: Kind

    /// The ratio as the user wrote it, for file names ("21x9", not the reduced "7x3").
    public var written: String?

    public init(_ kind: Kind, written: String? = nil) { self.kind = kind; self.written = written }

    /// Used in file names and the plan: the preset id, "9x16", or "1200x800".
    public var label: String {
        switch kind {
        case .preset(let p): return p.id
        case .ratio(let r): return written ?? r.slug
        case .size(let w, let h): return "\(w)x\(h)"
        }
    }

    public var displayName: String {
        switch kind {
        case .preset(let p): return p.name
        case .ratio(let r): return "ratio \(r)"
        case .size(let w, let h): return "\(w)x\(h) pixels"
        }
    }

    public var ratio: AspectRatio {
        switch kind {
        case .preset(let p): return p.ratio
        case .ratio(let r): return r
        case .size(let w, let h): return AspectRatio(w, h)
        }
    }

    /// Exact pixels, when the target fixes them.
    public var fixedSize: (width: Int, height: Int)? {
        switch kind {
        case .preset(let p): return (p.width, p.height)
        case .ratio: return nil
        case .size(let w, let h): return (w, h)
        }
    }

    /// Parses a comma-separated `--to` list ("9:16,1:1").
    public static func ratios(_ list: String) throws -> [ReframeTarget] {
        try items(list, "to").map { item in
            guard let r = AspectRatio.parse(item) else {
                throw Validate.invalid("ratio W:H such as 9:16 or 1.91:1", "ratio", item)
            }
            let typed = item.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ":", with: "x")
                .replacingOccurrences(of: "X", with: "x")
            // Whole sides keep the user's numbers (21:9 stays 21x9, not 7x3); decimal sides are
            // named by the reduced whole ratio (1.91:1 is 191x100), so no name has a point.
            return ReframeTarget(.ratio(r), written: typed.contains(".") ? nil : typed)
        }
    }

    /// Parses a comma-separated `--for` list of preset names.
    public static func presets(_ list: String) throws -> [ReframeTarget] {
        try items(list, "for").map { item in
            guard let p = PlatformPreset.named(item) else {
                throw Validate.invalid("preset name (see stet reframe --list)", "preset", item)
            }
            return ReframeTarget(.preset(p))
        }
    }

    /// Parses a comma-separated `--size` list ("1200x800").
    public static func sizes(_ list: String) throws -> [ReframeTarget] {
        try items(list, "size").map { item in
            let parts = item.lowercased().split(separator: "x", omittingEmptySubsequences: false)
            guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]) else {
                throw Validate.invalid("size WxH such as 1200x800", "size", item)
            }
            try Validate.integer(w, "size width", in: 1...65_535)
            try Validate.integer(h, "size height", in: 1...65_535)
            return ReframeTarget(.size(width: w, height: h))
        }
    }

    private static func items(_ list: String, _ name: String) throws -> [String] {
        let items = list.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        if items.contains(where: \.isEmpty) {
            throw Validate.invalid("comma-separated list without empty items", name, "\"\(list)\"")
        }
        return items
    }
}
