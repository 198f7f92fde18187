import ArgumentParser
import CostLedger
import Foundation
import PixelCore
import StetSupport

/// `stet grid`: a labelled contact sheet for picking a winner, plus a sidecar map that
/// `stet split --map` reads to cut it back exactly.
struct Grid: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make a labelled contact sheet (1 top-left, 2 top-right, ...) and its cell map.")

    @Argument(help: "Images (or folders of images) to lay out, in reading order.")
    var images: [String]

    @Option(name: .shortAndLong, help: "Output image (format from the extension).")
    var output: String

    @Option(parsing: .unconditional, help: "Columns (default: near-square, e.g. 4 images -> 2x2).")
    var cols: Int?

    @Option(parsing: .unconditional, help: "Cell size in pixels; each image is fitted inside and centred.")
    var cell = 512

    @Option(parsing: .unconditional, help: "Gap between cells and around the sheet, in pixels.")
    var gap = 8

    @Option(help: "Cell labels: index (1..N), name (file name) or none.")
    var labels: ContactSheet.Labels = .index

    @Option(help: "Background colour: #rrggbb, #rgb, r,g,b or a name (white, black, grey...).")
    var background = "white"

    @Option(help: "Where to write the cell map (default: the output's name with .json).")
    var map: String?

    @OptionGroup var batch: BatchOptions
    @OptionGroup var report: ReportOptions
    @OptionGroup var input: InputOptions
    @OptionGroup var encoding: OutputOptions
    @OptionGroup var provenance: ProvenanceFlags
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
            if output == "-" { throw Validate.invalid("an image file", "output", "- (a sheet has a map beside it)") }
        }
    }

    var mapPath: String { map ?? ((output as NSString).deletingPathExtension + ".json") }

    func run() throws {
        let recorder = try ledgerOptions.recorder()
        let inputs = try InputList.expand(images, recursive: batch.recursive)
        // Both outputs' places are checked before any decoding.
        _ = try OutputFormat.forPath(output)
        try OutputCheck.file(output, inputs: inputs)
        try OutputCheck.file(mapPath, inputs: inputs + [output])
        var options = GridJob.Options()
        options.columns = cols; options.cell = cell; options.gap = gap; options.labels = labels
        options.background = Colour(parsing: background)!; options.load = input.loadOptions
        options.encoding = encoding.encoding(input)
        options.provenance = provenance.options(recorder)
        let job = GridJob(options)
        recorder.willRead(inputs)
        let clock = CommandClock()
        do {
            let (r, usage) = try job.run(inputs: inputs, output: output, map: mapPath, version: StetVersion.current,
                                         digest: recorder.digest)
            try recorder.record(usage, clock: clock)
            if report.json { Console.json(r) } else if !report.quiet {
                Console.status("grid: \(inputs.count) images, \(r.columns)x\(r.rows), \(r.width)x\(r.height) -> \(r.output) (map: \(r.map))")
            }
        } catch {
            // The core names the grid's files by role: each source by its place in the list.
            var files = FileNames([.output: output, .companion("map"): mapPath])
            for (i, path) in inputs.enumerated() { files[.listed(i)] = path }
            let error = error.namingRoles(files)
            recorder.recordFailure(operation: "grid", error: error, clock: clock)
            throw error
        }
    }
}

extension ContactSheet.Labels: ExpressibleByArgument {}
