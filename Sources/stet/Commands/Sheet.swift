import ArgumentParser
import Foundation
import PixelCore
import StetSupport

/// `stet sheet`: a keyframe contact sheet of a clip (scene starts, or a frame every N seconds),
/// each cell labelled with its timestamp under a header line, and its sidecar JSON.
struct Sheet: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make a keyframe contact sheet of a video clip: its scenes (or a frame every N seconds), timestamped.",
        discussion: """
        The sidecar (SHEET.json, or --map) lists each cell's rectangle, the frame it shows (0-based) \
        and its time in seconds, and the scene starts found ("scenes": [{"frame": N, "time": S}]).
        Examples:
          stet sheet shot.mp4 -o shot-sheet.jpg
          stet sheet shot.mp4 -o shot-sheet.jpg --every 2s --cols 5
          stet sheet shot.mp4 -o thumbs.jpg --every 2s --vtt     # thumbs.vtt: a thumbnails track
          stet sheet takes/*.mp4 --out sheets -o %s.jpg
        """)

    @Argument(help: "Video clips (MP4, MOV, MKV, WebM, AVI...).")
    var clips: [String]

    @OptionGroup var outputs: FileOutputOptions

    @Flag(help: "One cell per scene (the default): hard cuts and dissolves.")
    var scenes = false

    @Option(help: ArgumentHelp("One cell every this many seconds instead of one per scene (2s, 0.5, 1.5s).", valueName: "seconds"))
    var every: String?

    @Option(parsing: .unconditional, help: "Columns (default 4, fewer for fewer cells).")
    var cols: Int?

    @Option(parsing: .unconditional, help: "Cell width in pixels; the height follows the clip's aspect.")
    var cell = 320

    @Option(help: "Where to write the sidecar (one clip; default: the sheet's name with .json).")
    var map: String?

    @Flag(help: "Also write a WebVTT thumbnails track (the sheet's name with .vtt) with the sheet as its sprite, for web players.")
    var vtt = false

    @OptionGroup var batch: BatchOptions
    @OptionGroup var report: ReportOptions
    @OptionGroup var input: InputOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var ledgerOptions: LedgerOptions

    /// "2s", "2", "0.5s", "1500ms" in seconds.
    static func seconds(_ text: String) -> Double? {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        let value: Double?
        if t.hasSuffix("ms") { value = Double(t.dropLast(2)).map { $0 / 1000 } }
        else if t.hasSuffix("s") { value = Double(t.dropLast()) }
        else { value = Double(t) }
        guard let value, value.isFinite, value > 0 else { return nil }
        return value
    }

    func validate() throws {
        try usage {
            guard !clips.isEmpty else { throw StetError.usage("Expected at least one clip for clips but received none") }
            if scenes, every != nil { throw StetError.usage("Expected --scenes or --every, not both") }
            if let every, Sheet.seconds(every) == nil { throw Validate.invalid("positive number of seconds (2s, 0.5)", "every", every) }
            if let cols { try Validate.positiveInteger(cols, "cols") }
            try Validate.integer(cell, "cell", in: 64...1920)
            if outputs.outputPath == "-" { throw Validate.invalid("an image file", "output", "- (a sheet has a map beside it)") }
            if map != nil, clips.count > 1 { throw StetError.usage("Expected one clip for --map but received \(clips.count)") }
            try CommandOutputs.validate(output: outputs.outputPath, outDir: outputs.outDir, format: nil, inputs: clips)
        }
    }

    func run() throws {
        let recorder = try ledgerOptions.recorder()
        let inputs = try InputList.expand(clips, recursive: batch.recursive, extensions: ClipSniffer.clipExtensions)
        let targets = try CommandOutputs.resolve(output: outputs.outputPath, outDir: outputs.outDir, format: nil,
                                                 inputs: inputs, defaultPattern: "%s-sheet.jpg")
        let maps = targets.paths.map { map ?? (($0 as NSString).deletingPathExtension + ".json") }
        for (i, m) in maps.enumerated() { try OutputCheck.file(m, inputs: inputs + [targets.paths[i]]) }
        var options = ClipSheetJob.Options()
        options.selection = every.flatMap(Sheet.seconds).map { .every($0) } ?? .scenes
        options.columns = cols; options.cellWidth = cell; options.load = input.loadOptions
        options.encoding = output.encoding(input); options.webVTT = vtt
        if vtt { for t in targets.paths { try OutputCheck.file(ClipSheetJob.vttPath(for: t), inputs: inputs) } }
        let job = ClipSheetJob(options)
        try BatchRunner(operation: "sheet", recorder: recorder, report: report,
                        workers: min(batch.jobs ?? 1, max(inputs.count, 1)))
            .run(inputs, files: { FileNames(source: inputs[$0], [.output: targets.paths[$0], .companion("map"): maps[$0]]) }) { i, _ in
                let (r, usage) = try job.run(input: inputs[i], output: targets.paths[i], map: maps[i],
                                             version: StetVersion.current)
                if let w = r.warning { Console.warning("\(inputs[i]): \(w)") }
                return (r, usage, String(format: "%@: %d cells (%d scenes, %.2f s, %d frames), %dx%d (map: %@)",
                                         r.output, r.cells, r.scenes, r.seconds, r.frames, r.width, r.height, r.map))
            }
    }
}
