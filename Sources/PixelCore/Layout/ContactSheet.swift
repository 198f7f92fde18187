import Foundation
import StetSupport

/// Builds a labelled contact sheet from files: each a shrink-on-load thumbnail fitted inside its
/// cell and centred, with its label drawn as a white-on-black badge that reads on any background.
public struct ContactSheet: Sendable {
    public enum Labels: String, Sendable, CaseIterable { case index, name, none }

    public var paths: [String]
    public var layout: GridLayout
    public var labels: Labels
    public var background: Colour
    public var options: LoadOptions

    public init(paths: [String], layout: GridLayout, labels: Labels = .index,
                background: Colour = Colour(255, 255, 255), options: LoadOptions = .strict) {
        self.paths = paths; self.layout = layout; self.labels = labels; self.background = background
        self.options = options
    }

    public struct Placed: Sendable {
        public var index: Int
        public var label: String
        public var path: String
        public var cell: Rect
        public var content: Rect
        public var sourceWidth: Int
        public var sourceHeight: Int
    }

    /// The label's text for cell `index` (0-based).
    public func labelText(_ index: Int) -> String? {
        switch labels {
        case .index: return "\(index + 1)"
        case .name:
            let name = (paths[index] as NSString).lastPathComponent
            return name.count > 28 ? String(name.prefix(27)) + "…" : name
        case .none: return nil
        }
    }

    /// Label height in pixels: readable at a glance, scaled with the cell.
    public var labelHeight: Int { max(12, layout.cell / 14) }

    /// Renders the sheet. Cells are built independently (`makeCell`), so callers may do it in
    /// parallel; this sequential form is the simple path.
    public func render() throws -> (image: Image, placed: [Placed]) {
        var cells: [(Image, Placed)] = []
        for i in paths.indices { cells.append(try makeCell(i)) }
        return (try assemble(cells.map { $0.0 }), cells.map { $0.1 })
    }

    /// One cell: the thumbnail on a background square, with its badge.
    public func makeCell(_ index: Int) throws -> (Image, Placed) {
        let size = layout.cell
        let thumb = try Thumbnail(paths[index], role: .listed(index), width: size, height: size, options: options).runWithSource()
        let flat = try thumb.image.flattened(on: background)
        let x = (size - flat.width) / 2, y = (size - flat.height) / 2
        var cell = try flat.embedded(x: x, y: y, width: size, height: size, extend: .background,
                                     background: background.values)
        if let text = labelText(index) {
            let badge = try makeBadge(text)
            let margin = max(2, labelHeight / 3)
            cell = try cell.inserting(badge, x: margin, y: margin)
        }
        let r = layout.rect(of: index)
        let placed = Placed(index: index + 1, label: labelText(index) ?? "", path: paths[index], cell: r,
                            content: Rect(x: r.x + x, y: r.y + y, width: flat.width, height: flat.height),
                            sourceWidth: thumb.sourceWidth, sourceHeight: thumb.sourceHeight)
        return (cell, placed)
    }

    /// White text on an opaque black box: legible on any background.
    func makeBadge(_ text: String) throws -> Image {
        let escaped = text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
        // At 72 dpi a point is a pixel, so the font size is the label height.
        let mask = try Image.text(escaped, font: "DejaVu Sans Bold \(labelHeight)", dpi: 72)
        let pad = max(2, labelHeight / 4)
        let maxWidth = layout.cell - 2 * max(2, labelHeight / 3) - 2 * pad
        let clipped = mask.width > maxWidth ? try mask.cropped(x: 0, y: 0, width: maxWidth, height: mask.height) : mask
        let rgb = try Image.bandJoin([clipped, clipped, clipped]).copyInterpretation(.srgb)
        return try rgb.embedded(x: pad, y: pad, width: clipped.width + 2 * pad, height: clipped.height + 2 * pad,
                                extend: .black)
    }

    /// Joins cells (in reading order) into the sheet, filling any empty cells with background.
    public func assemble(_ cells: [Image]) throws -> Image {
        var all = cells
        let total = layout.columns * layout.rows
        if all.count < total {
            let blank = try Image.solid(width: layout.cell, height: layout.cell, colour: background)
            all += Array(repeating: blank, count: total - all.count)
        }
        let joined = try Image.arrayJoin(all, across: layout.columns, shim: layout.gap,
                                         background: background.values)
        let g = layout.gap
        guard g > 0 else { return joined }
        return try joined.embedded(x: g, y: g, width: layout.width, height: layout.height,
                                   extend: .background, background: background.values)
    }
}
