import Foundation
import StetSupport

/// The sidecar of a contact sheet (`grid.json`): each cell's rectangle on the sheet, where the
/// thumbnail sits inside it, and the source it came from with its hash. `stet split --map`
/// reads it to cut the sheet back exactly.
public struct GridMap: Codable, Sendable, Equatable {
    public struct Cell: Codable, Sendable, Equatable {
        public var index: Int
        public var label: String
        public var source: FileRecord
        public var cell: Rect
        public var image: Rect
        /// The source's generation record (prompt, seed, workflow), so a pick from the sheet
        /// leads back to how it was made; absent when it has none (or `--strip-provenance`).
        public var generation: GenerationRecord?
        public init(index: Int, label: String, source: FileRecord, cell: Rect, image: Rect,
                    generation: GenerationRecord? = nil) {
            self.index = index; self.label = label; self.source = source; self.cell = cell; self.image = image
            self.generation = generation
        }
    }

    public var stetVersion: String
    public var width: Int
    public var height: Int
    public var columns: Int
    public var rows: Int
    public var cell: Int
    public var gap: Int
    public var background: String
    public var labels: String
    public var cells: [Cell]

    public init(stetVersion: String, width: Int, height: Int, columns: Int, rows: Int, cell: Int, gap: Int,
                background: String, labels: String, cells: [Cell]) {
        self.stetVersion = stetVersion; self.width = width; self.height = height; self.columns = columns
        self.rows = rows; self.cell = cell; self.gap = gap; self.background = background; self.labels = labels
        self.cells = cells
    }
}

extension GridMap {
    /// Parses a grid map's bytes; errors call the file `role`.
    public static func decode(_ data: Data, role: FileRole = .gridMap) throws -> GridMap {
        do { return try JSONDecoder().decode(GridMap.self, from: data) } catch {
            throw StetError.file(role, "is not a Stet grid map")
        }
    }

    /// The `image` rectangles of the cells in index order, checked against the sheet they are
    /// cut from (`stet split --map`). The checks do not overflow on hostile numbers (a cell at
    /// x = Int.max is outside the sheet, not a crash).
    /// Errors call the map `.gridMap` and the sheet `.source`.
    public func imageRects(sheetWidth: Int, sheetHeight: Int) throws -> [Rect] {
        guard width == sheetWidth, height == sheetHeight else {
            throw StetError.file(.gridMap, "describes a \(width)x\(height) sheet but \(FileRole.source) is \(sheetWidth)x\(sheetHeight)")
        }
        for c in cells {
            let r = c.image
            guard r.x >= 0, r.y >= 0, r.width > 0, r.height > 0,
                  r.width <= sheetWidth - r.x, r.height <= sheetHeight - r.y
            else { throw StetError.file(.gridMap, "cell \(c.index) lies outside the sheet") }
        }
        return cells.sorted { $0.index < $1.index }.map(\.image)
    }
}
