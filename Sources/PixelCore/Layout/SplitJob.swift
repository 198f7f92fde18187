import Foundation
import StetSupport

/// `split` as a job: a grid image cut into its cells, found from gutters and seams, from a
/// fixed layout measured near its lines, or exactly from a Stet grid map.
public struct SplitJob: Sendable {
    public enum Method: Sendable, Equatable {
        case auto
        case layout(columns: Int, rows: Int)
        /// A Stet grid map (grid.json) written by `grid`.
        case map(String)

        var name: String {
            switch self {
            case .auto: return "auto"
            case .layout: return "grid"
            case .map: return "map"
            }
        }
    }

    public struct Options: Sendable {
        public var method: Method = .auto
        public var format: OutputFormat = .png
        public var load: LoadOptions = .strict
        public var encoding: Encoding = .standard
        /// The generation record and the edit record written into the outputs (see `ProvenanceCarry`).
        public var provenance = ProvenanceCarry.Options()
        public init() {}
    }

    public struct Cell: Sendable, Codable, Equatable {
        public var index: Int
        public var rect: Rect
        public var output: String
    }

    public struct Result: Sendable, Codable, Equatable {
        public var input: String
        public var folder: String
        public var method: String
        public var cells: [Cell]
    }

    public var options: Options
    public init(_ options: Options) { self.options = options }

    /// The name of cell `index` (1-based) of `grid`: `<grid name>-<index>.<format>`.
    public func cellName(_ grid: String, _ index: Int) -> String {
        let base = ((grid as NSString).lastPathComponent as NSString).deletingPathExtension
        return "\(base)-\(index).\(options.format.fileExtension)"
    }

    /// Cuts `grid` into `folder`; the cells appear together or not at all.
    public func run(grid: String, folder: String) throws -> (Result, Usage) {
        // Errors name the files by role: the grid is the source, its map `.gridMap`.
        if case .map(let path) = options.method, !FileManager.default.fileExists(atPath: path) {
            throw StetError.file(.gridMap, "no such file")
        }
        let image = try Image.decode(grid, options: options.load)
        let rects: [Rect]
        var inputs: [Usage.File] = [.init(grid, width: image.width, height: image.height)]
        switch options.method {
        case .map(let path):
            rects = try SplitJob.rects(fromMap: path, image: image)
            inputs.append(.init(path))
        case .layout(let c, let r):
            rects = try GridDetector().cells(in: image, columns: c, rows: r)
        case .auto:
            do { rects = try GridDetector().cells(in: image) } catch let e as StetError {
                throw StetError.file(.source, e.description)
            }
        }
        // Every cell carries the sheet's generation record (the model made the sheet).
        let id = options.provenance.entryID ?? UUID().uuidString.lowercased()
        let carry = try ProvenanceCarry.prepare(source: grid, operation: "split",
                                                parameters: ["method": options.method.name, "cells": "\(rects.count)"],
                                                entry: id, options: options.provenance)
        let batch = try OutputBatch(folder: folder)
        var cells: [Cell] = []
        do {
            for (i, r) in rects.enumerated() {
                let path = (folder as NSString).appendingPathComponent(cellName(grid, i + 1))
                // Every cell, however many the grid has, is checked against the files read.
                try SafeOutput.refuseOverwritingInputs(output: path, inputs: inputs.map(\.path))
                let cell = try image.cropped(x: r.x, y: r.y, width: r.width, height: r.height)
                try batch.add(path) { tmp in
                    try cell.save(tmp, role: .referenced(path), format: options.format, encoding: options.encoding, carry: carry)
                }
                cells.append(Cell(index: i + 1, rect: r, output: path))
            }
            try batch.commit()
        } catch {
            batch.discard()
            throw error
        }
        var usage = Usage(operation: "split", parameters: ["method": options.method.name, "cells": "\(rects.count)"],
                          inputs: inputs,
                          outputs: cells.map { .init($0.output, width: $0.rect.width, height: $0.rect.height) })
        usage.id = id
        try carry?.finish(outputs: cells.map(\.output), id: id).apply(to: &usage)
        return (Result(input: grid, folder: folder, method: options.method.name, cells: cells), usage)
    }

    /// The `image` rectangles of a Stet grid map, checked against the sheet.
    public static func rects(fromMap path: String, image: Image) throws -> [Rect] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StetError.file(.gridMap, "no such file")
        }
        return try GridMap.decode(data).imageRects(sheetWidth: image.width, sheetHeight: image.height)
    }
}
