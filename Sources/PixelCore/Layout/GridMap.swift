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
        public init(index: Int, label: String, source: FileRecord, cell: Rect, image: Rect) {
            self.index = index; self.label = label; self.source = source; self.cell = cell; self.image = image
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
