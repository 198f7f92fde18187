import ArgumentParser
import Foundation
import PixelCore
import StetSupport

/// `stet split`: the reverse of a grid. A model returned N×M candidates as one image; cut it
/// into cells, named by index in reading order.
struct Split: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Cut a grid image into its cells (measured gutters and seams, a fixed layout, or a Stet grid map).")

    @Argument(help: "The grid image.")
    var grid: String

    @Option(name: .customLong("grid"), help: "Layout as COLSxROWS, e.g. 2x2 or 3x2. Boundaries are still measured near the expected lines.")
    var layout: String?

    @Flag(help: "Detect the layout from gutters, borders and seams.")
    var auto = false

    @Option(help: "A Stet grid map (grid.json) that cuts the sheet back exactly.")
    var map: String?

    @Option(name: .customLong("out"), help: "Folder for the cells (default: <grid name>-cells).")
    var outDir: String?

    @Option(help: "Cell format: png, jpg or webp.")
    var format = "png"

    @OptionGroup var input: InputOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var ledgerOptions: LedgerOptions

    func validate() throws {
        try usage {
            let modes = [layout != nil, auto, map != nil].filter { $0 }.count
            guard modes == 1 else {
                throw StetError.usage("Expected exactly one of --grid, --auto or --map but received \(modes)")
            }
            if let layout { _ = try Split.parseLayout(layout) }
            try Validate.oneOf(format, "format", ["png", "jpg", "webp"])
        }
    }

    static func parseLayout(_ text: String) throws -> (Int, Int) {
        let parts = text.lowercased().split(separator: "x").map { Int($0) }
        guard parts.count == 2, let c = parts[0], let r = parts[1], (1...32).contains(c), (1...32).contains(r),
              c * r > 1
        else { throw Validate.invalid("COLSxROWS layout such as 2x2", "grid", text) }
        return (c, r)
    }

    func run() throws {
        try ledgerOptions.recordingFailure(of: "split", inputs: [grid]) { try cut(clock: $0) }
    }

    private func cut(clock: CommandClock) throws {
        let image = try Image.decode(grid, options: input.loadOptions)
        let rects: [Rect]
        var method = "auto"
        if let map {
            method = "map"
            rects = try Split.rects(fromMap: map, image: image, grid: grid)
        } else if let layout {
            method = "grid"
            let (c, r) = try Split.parseLayout(layout)
            rects = try GridDetector().cells(in: image, columns: c, rows: r)
        } else {
            do { rects = try GridDetector().cells(in: image) } catch let e as StetError {
                throw StetError.input(grid, e.description)
            }
        }

        let base = ((grid as NSString).lastPathComponent as NSString).deletingPathExtension
        let dir = outDir ?? ((grid as NSString).deletingLastPathComponent as NSString)
            .appendingPathComponent("\(base)-cells")
        do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
            throw StetError.output(dir, "cannot create folder")
        }
        var outputs: [FileRecord] = []
        for (i, r) in rects.enumerated() {
            let path = (dir as NSString).appendingPathComponent("\(base)-\(i + 1).\(format)")
            try SafeOutput.refuseOverwritingInputs(output: path, inputs: [grid] + (map.map { [$0] } ?? []))
            let cell = try image.cropped(x: r.x, y: r.y, width: r.width, height: r.height)
            try cell.save(path, quality: output.quality, compression: output.pngCompression, strip: !output.keepMetadata,
                          limitPixels: input.limitPixels)
            outputs.append(try ledgerOptions.fileRecord(path, width: r.width, height: r.height))
            Console.out("\(i + 1)\t\(r.x),\(r.y)\t\(r.width)x\(r.height)\t\(path)")
        }
        Console.status("split: \(rects.count) cells -> \(dir)")
        var usage = Usage(operation: "split")
        usage.parameters = ["method": method, "cells": "\(rects.count)"]
        usage.inputs = [try ledgerOptions.fileRecord(grid, width: image.width, height: image.height)]
        if let map { usage.inputs.append(try ledgerOptions.fileRecord(map)) }
        usage.outputs = outputs
        try ledgerOptions.record(usage, clock: clock)
    }

    /// The `image` rectangles of a Stet grid map, checked against the sheet.
    static func rects(fromMap path: String, image: Image, grid: String) throws -> [Rect] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StetError.input(path, "no such file")
        }
        let doc: GridMap
        do { doc = try JSONDecoder().decode(GridMap.self, from: data) } catch {
            throw StetError.input(path, "is not a Stet grid map")
        }
        guard doc.width == image.width, doc.height == image.height else {
            throw StetError.input(path, "describes a \(doc.width)x\(doc.height) sheet but \(grid) is \(image.width)x\(image.height)")
        }
        for c in doc.cells {
            let r = c.image
            guard r.x >= 0, r.y >= 0, r.width > 0, r.height > 0, r.x + r.width <= image.width,
                  r.y + r.height <= image.height
            else { throw StetError.input(path, "cell \(c.index) lies outside the sheet") }
        }
        return doc.cells.sorted { $0.index < $1.index }.map(\.image)
    }
}
