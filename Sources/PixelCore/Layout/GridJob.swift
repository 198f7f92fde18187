import Foundation
import StetSupport

/// `grid` as a job: a labelled contact sheet of many files and its cell map, which `split`
/// reads to cut it back exactly. Cells decode across cores (one libvips thread each), then join
/// in one pass.
public struct GridJob: Sendable {
    public struct Options: Sendable {
        public var columns: Int?
        public var cell = 512
        public var gap = 8
        public var labels: ContactSheet.Labels = .index
        public var background = Colour(255, 255, 255)
        public var load: LoadOptions = .strict
        public var encoding: Encoding = .standard
        public var format: OutputFormat?
        /// Whether the map keeps each cell's generation record (`keep`; the rest is unused here).
        public var provenance = ProvenanceCarry.Options()
        public init() {}
    }

    public struct Result: Sendable, Codable, Equatable {
        public var output: String
        public var map: String
        public var inputs: [String]
        public var columns: Int
        public var rows: Int
        public var width: Int
        public var height: Int
    }

    public var options: Options
    public init(_ options: Options) { self.options = options }

    /// `digest` hashes a source for the map; the CLI passes the ledger's, so that a source is
    /// read for its SHA-256 once, not once for the map and again for the ledger.
    public func run(inputs: [String], output: String, map mapPath: String, version: String,
                    digest: @escaping @Sendable (String) throws -> String = { try SHA256.hex(ofFile: $0) }) throws -> (Result, Usage) {
        let o = options
        let layout = GridLayout(count: inputs.count, columns: o.columns, cell: o.cell, gap: o.gap)
        let sheet = ContactSheet(paths: inputs, layout: layout, labels: o.labels, background: o.background, options: o.load)
        let workers = min(ProcessInfo.processInfo.activeProcessorCount, inputs.count)
        if workers > 1 { Vips.concurrency = 1 }
        let keepsRecords = o.provenance.keep
        let cells = try ParallelMap.run(inputs.count, workers: workers) { i -> (Image, ContactSheet.Placed, FileRecord, GenerationRecord?) in
            let (image, placed) = try sheet.makeCell(i)
            // Hash the source here too, so hashing runs on both cores with the decodes.
            let source = try FileRecord.of(placed.path, width: placed.sourceWidth, height: placed.sourceHeight,
                                           sha256: digest(placed.path))
            let generation = keepsRecords ? Provenance.read(path: placed.path).generation : nil
            return (try image.materialized(), placed, source, generation)
        }.enumerated().map { i, r in
            do { return try r.get() } catch let e as StetError { throw e.about(.listed(i)) }
        }
        let joined = try sheet.assemble(cells.map { $0.0 })
        let records = cells.map { _, placed, source, generation in
            GridMap.Cell(index: placed.index, label: placed.label, source: source, cell: placed.cell, image: placed.content,
                         generation: generation)
        }
        let doc = GridMap(stetVersion: version, width: layout.width, height: layout.height, columns: layout.columns,
                          rows: layout.rows, cell: o.cell, gap: o.gap, background: sheet.background.description,
                          labels: o.labels.rawValue, cells: records)
        let json = try stetJSONEncoder().encode(doc)
        // The sheet and its map appear together: both are written to temporaries first.
        try OutputBatch.imageWithSidecar(output, sidecar: mapPath, json: json) { tmp in
            try joined.save(tmp, format: o.format ?? OutputFormat.forPath(output, role: .output), encoding: o.encoding)
        }
        let usage = Usage(operation: "grid",
                          parameters: ["columns": "\(layout.columns)", "rows": "\(layout.rows)", "cell": "\(o.cell)",
                                       "gap": "\(o.gap)", "labels": o.labels.rawValue],
                          inputs: cells.map { .init($0.1.path, width: $0.1.sourceWidth, height: $0.1.sourceHeight) },
                          outputs: [.init(output, width: layout.width, height: layout.height), .init(mapPath)])
        return (Result(output: output, map: mapPath, inputs: inputs, columns: layout.columns, rows: layout.rows,
                       width: layout.width, height: layout.height), usage)
    }
}
