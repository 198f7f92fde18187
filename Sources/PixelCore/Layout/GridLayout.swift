/// Where everything goes on a contact sheet. Pure geometry, so it is tested without pixels.
///
/// Cells are `cell`×`cell` squares in reading order (1 top-left, 2 to its right, ...), with
/// `gap` pixels between cells and around the outside.
public struct GridLayout: Sendable, Equatable, Codable {
    public var count: Int
    public var columns: Int
    public var rows: Int
    public var cell: Int
    public var gap: Int

    public init(count: Int, columns: Int? = nil, cell: Int, gap: Int) {
        self.count = count
        self.columns = max(1, min(count, columns ?? GridLayout.defaultColumns(for: count)))
        self.rows = (count + self.columns - 1) / self.columns
        self.cell = cell
        self.gap = gap
    }

    /// A near-square sheet, never taller than it is wide: 4 → 2×2, 6 → 3×2, 9 → 3×3, 10 → 4×3.
    public static func defaultColumns(for count: Int) -> Int {
        guard count > 1 else { return 1 }
        var columns = 1
        while columns * columns < count { columns += 1 }
        return columns
    }

    public var width: Int { columns * cell + (columns + 1) * gap }
    public var height: Int { rows * cell + (rows + 1) * gap }

    /// The rectangle of cell `index` (0-based) on the sheet.
    public func rect(of index: Int) -> Rect {
        let col = index % columns, row = index / columns
        return Rect(x: gap + col * (cell + gap), y: gap + row * (cell + gap), width: cell, height: cell)
    }

    /// Where an image of `w`×`h` sits, centred, inside cell `index`.
    public func contentRect(of index: Int, width w: Int, height h: Int) -> Rect {
        let c = rect(of: index)
        return Rect(x: c.x + (cell - w) / 2, y: c.y + (cell - h) / 2, width: w, height: h)
    }
}

/// An integer rectangle in pixels.
public struct Rect: Sendable, Equatable, Codable, CustomStringConvertible {
    public var x: Int, y: Int, width: Int, height: Int
    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x; self.y = y; self.width = width; self.height = height
    }
    public var description: String { "\(x),\(y),\(width)x\(height)" }
    public var area: Int { width * height }
}
