import ArgumentParser
import Dispatch
import Foundation
import PixelCore
import StetSupport

/// `stet grid`: a labelled contact sheet for picking a winner, plus a sidecar map that
/// `stet split --map` reads to cut it back exactly.
struct Grid: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make a labelled contact sheet (1 top-left, 2 top-right, ...) and its cell map.")

    @Argument(help: "Images to lay out, in reading order.")
    var images: [String]

    @Option(name: .shortAndLong, help: "Output image (format from the extension).")
    var output: String

    @Option(help: "Columns (default: near-square, e.g. 4 images -> 2x2).")
    var cols: Int?

    @Option(help: "Cell size in pixels; each image is fitted inside and centred.")
    var cell = 512

    @Option(help: "Gap between cells and around the sheet, in pixels.")
    var gap = 8

    @Option(help: "Cell labels: index (1..N), name (file name) or none.")
    var labels: ContactSheet.Labels = .index

    @Option(help: "Background colour: #rrggbb, #rgb, r,g,b or a name (white, black, grey...).")
    var background = "white"

    @Option(help: "Where to write the cell map (default: the output's name with .json).")
    var map: String?

    @OptionGroup var input: InputOptions
    @OptionGroup var encoding: OutputOptions
    @OptionGroup var ledgerOptions: LedgerOptions

    func validate() throws {
        try usage {
            guard !images.isEmpty else { throw StetError.usage("Expected at least one image for images but received none") }
            if let cols { try Validate.positiveInteger(cols, "cols") }
            try Validate.integer(cell, "cell", in: 16...8192)
            try Validate.integer(gap, "gap", in: 0...1024)
            guard Colour(parsing: background) != nil else {
                throw Validate.invalid("colour (#rrggbb, r,g,b or a name)", "background", background)
            }
            _ = try Save.saverName(for: output)
        }
    }

    var mapPath: String { map ?? ((output as NSString).deletingPathExtension + ".json") }

    func run() throws {
        try ledgerOptions.recordingFailure(of: "grid") { try make(clock: $0) }
    }

    private func make(clock: CommandClock) throws {
        try SafeOutput.refuseOverwritingInputs(output: output, inputs: images)
        try SafeOutput.refuseOverwritingInputs(output: mapPath, inputs: images + [output])
        let layout = GridLayout(count: images.count, columns: cols, cell: cell, gap: gap)
        let sheet = ContactSheet(paths: images, layout: layout, labels: labels,
                                 background: Colour(parsing: background)!, options: input.loadOptions)

        // Cells decode in parallel (one libvips thread each), then join in one pass.
        let workers = min(ProcessInfo.processInfo.activeProcessorCount, images.count)
        if workers > 1 { Vips.concurrency = 1 }
        let slots = ResultSlots<Result<(Image, ContactSheet.Placed, FileRecord), Error>>(count: images.count)
        let next = AtomicCounter()
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                let i = next.increment()
                guard i < images.count else { break }
                slots[i] = Result {
                    let (image, placed) = try sheet.makeCell(i)
                    // Hash the source here too, so hashing runs on both cores with the decodes.
                    let source = try FileRecord.of(placed.path, width: placed.sourceWidth,
                                                   height: placed.sourceHeight)
                    return (try image.materialized(), placed, source)
                }
            }
        }
        var cells: [(Image, ContactSheet.Placed, FileRecord)] = []
        for (i, slot) in slots.values.enumerated() {
            switch slot {
            case .success(let c)?: cells.append(c)
            case .failure(let error)?: throw (error as? StetError)?.naming(images[i]) ?? error
            case nil: throw StetError.input(images[i], "was not processed")
            }
        }
        let joined = try sheet.assemble(cells.map { $0.0 })
        try joined.save(output, quality: encoding.quality, compression: encoding.pngCompression, strip: !encoding.keepMetadata,
                        limitPixels: input.limitPixels)

        var records: [GridMap.Cell] = []
        var inputs: [FileRecord] = []
        for (_, placed, source) in cells {
            inputs.append(source)
            records.append(GridMap.Cell(index: placed.index, label: placed.label, source: source,
                                        cell: placed.cell, image: placed.content))
        }
        let doc = GridMap(stetVersion: StetVersion.current, width: layout.width, height: layout.height,
                          columns: layout.columns, rows: layout.rows, cell: cell, gap: gap,
                          background: sheet.background.description, labels: labels.rawValue, cells: records)
        try SafeOutput.write(try stetJSONEncoder().encode(doc), to: mapPath)

        Console.status("grid: \(images.count) images, \(layout.columns)x\(layout.rows), \(layout.width)x\(layout.height) -> \(output) (map: \(mapPath))")
        var usage = Usage(operation: "grid")
        usage.parameters = ["columns": "\(layout.columns)", "rows": "\(layout.rows)", "cell": "\(cell)",
                            "gap": "\(gap)", "labels": labels.rawValue]
        usage.inputs = inputs
        usage.outputs = [try ledgerOptions.fileRecord(output, width: layout.width, height: layout.height),
                         try ledgerOptions.fileRecord(mapPath)]
        try ledgerOptions.record(usage, clock: clock)
    }
}

extension ContactSheet.Labels: ExpressibleByArgument {}
