import ArgumentParser
import Foundation
import PixelCore
import StetSupport

/// `stet split`: the reverse of a grid. A model returned N×M candidates as one image; cut it
/// into cells, named by index in reading order.
struct Split: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Cut grid images into their cells (measured gutters and seams, a fixed layout, or a Stet grid map).",
        discussion: """
        Cells are named <grid>-1.png, <grid>-2.png, ... in reading order, in --out DIR (default: \
        <grid>-cells beside each grid). A single photograph is refused with --auto ("no grid found").
        Examples:
          stet split model-grid.png --auto
          stet split grids/ --grid 2x2 --out cells --json
          stet split pick.jpg --map pick.json
        """)

    @Argument(help: "Grid images, or folders of them.")
    var grids: [String]

    @Option(name: .customLong("grid"), help: "Layout as COLSxROWS, e.g. 2x2 or 3x2. Boundaries are still measured near the expected lines.")
    var layout: String?

    @Flag(help: "Detect the layout from gutters, borders and seams.")
    var auto = false

    @Option(help: "A Stet grid map (grid.json) that cuts the sheet back exactly (one grid).")
    var map: String?

    @Option(name: .customLong("out"), help: "Folder for the cells (default: <grid name>-cells beside each grid).")
    var outDir: String?

    @Option(help: "Cell format: \(OutputFormat.allValueStrings.joined(separator: ", ")).")
    var format: OutputFormat = .png

    @OptionGroup var batch: BatchOptions
    @OptionGroup var report: ReportOptions
    @OptionGroup var input: InputOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var provenance: ProvenanceFlags
    @OptionGroup var ledgerOptions: LedgerOptions

    func validate() throws {
        try usage {
            let modes = [layout != nil, auto, map != nil].filter { $0 }.count
            guard modes == 1 else {
                throw StetError.usage("Expected exactly one of --grid, --auto or --map but received \(modes)")
            }
            if let layout { _ = try Split.parseLayout(layout) }
            if map != nil, grids.count != 1 {
                throw StetError.usage("Expected one grid with --map but received \(grids.count)")
            }
            try format.checkWritable("--format \(format.fileExtension)")
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
        let recorder = try ledgerOptions.recorder()
        let inputs = try InputList.expand(grids, recursive: batch.recursive)
        if let outDir { try OutputCheck.folder(outDir, create: true) }
        var options = SplitJob.Options()
        if let map { options.method = .map(map) } else if let layout {
            let (c, r) = try Split.parseLayout(layout)
            options.method = .layout(columns: c, rows: r)
        }
        options.format = format; options.load = input.loadOptions; options.encoding = output.encoding(input)
        options.provenance = provenance.options(recorder)
        let job = SplitJob(options)
        let folders = inputs.map { grid -> String in
            if let outDir { return outDir }
            let base = ((grid as NSString).lastPathComponent as NSString).deletingPathExtension
            return (FilePath.parent(grid) as NSString).appendingPathComponent("\(base)-cells")
        }
        try BatchRunner(operation: "split", recorder: recorder, report: report,
                        workers: batch.jobs ?? ProcessInfo.processInfo.activeProcessorCount)
            .run(inputs, files: { i in
                var names = FileNames(source: inputs[i])
                names[.gridMap] = map
                return names
            }) { i, _ in
                let (r, usage) = try job.run(grid: inputs[i], folder: folders[i])
                let text = r.cells.map { "\($0.index)\t\($0.rect.x),\($0.rect.y)\t\($0.rect.width)x\($0.rect.height)\t\($0.output)" }
                    .joined(separator: "\n")
                if !report.quiet { Console.status("split: \(r.cells.count) cells -> \(r.folder)") }
                return (r, usage, text)
            }
    }
}
