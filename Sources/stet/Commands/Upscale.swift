import ArgumentParser
import Foundation
import PixelCore
import StetSupport

/// `stet upscale`: strong drafts enlarged locally instead of regenerated at a higher size.
struct UpscaleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upscale",
        abstract: "Enlarge images 2-4x with a learned filter bank and a small refining network (measurably better than Lanczos), or with Lanczos-3.",
        discussion: """
        --method auto (the default) uses the learned path for enlargements above 1x up to 4x: \
        at an exact 2x, 3x or 4x directly, otherwise at the next whole scale then Lanczos-3 down to \
        the exact size. Beyond 4x, auto uses Lanczos-3. The learned path is an edge-adaptive filter \
        bank on luma followed by a small convolutional refiner (--no-refiner: the bank alone, \
        faster). --preset fast (the default) makes one pass; --preset best averages over eight \
        orientations, the image's four flips and its transpose's (about 7 times as long, 0.12 dB \
        higher at 4x on the benchmark's photographs). --flips overrides the ensemble either way \
        (on: the four flips only; all: the eight; off: one pass). Both then back-project at 3x \
        and 4x (best at 2x too): the enlarged luma is corrected so that it shrinks back to the \
        input (--back-projection off to skip it, on to use it at 2x too). Alpha is enlarged with the cubic kernel, \
        never the learned path. 8- and 16-bit, grey and RGB(A) keep their depth and bands. \
        A --width or --height that would not enlarge an input is refused for that input.

        Many inputs (files, folders with --recursive) go to -o PATTERN or --out DIR, where the \
        pattern's fields are %s (input name without extension), %e (its extension), %i (its \
        position) and %% (default pattern %s@<scale>x.<ext>). One file runs at a time; each uses every core.

        Examples:
          stet upscale draft.png --scale 2 -o draft@2x.png
          stet upscale draft.png --scale 4 --preset best -o best@4x.png
          stet upscale draft.jpg --width 3000 --sharpen 1 -o print.jpg
          stet upscale renders/ --scale 2 --out up/ -o %s_2x.png --json
          cat draft.png | stet upscale - --scale 2 -o - --format webp > draft@2x.webp
          stet upscale approved.mp4 --scale 2 -o approved@2x.mp4

        A video clip (found from its bytes) is enlarged frame by frame with one learned pass, \
        to H.264 in MP4 (CRF 18), each frame at its own timestamp and the audio copied; only \
        --scale applies. The summary gives frames per second and the mean frame-to-frame luma \
        change of the output beside the source's (a static scene stays static).
        """)

    @Argument(help: "Images or folders of images to enlarge (- reads one image from standard input).")
    var images: [String]

    @Option(parsing: .unconditional, help: "Enlarge by a whole factor: 2, 3 or 4.")
    var scale: Int?

    @Option(parsing: .unconditional, help: "Output width in pixels; the height keeps the aspect ratio.")
    var width: Int?

    @Option(parsing: .unconditional, help: "Output height in pixels; the width keeps the aspect ratio.")
    var height: Int?

    @Option(help: "auto, learned or lanczos.")
    var method = "auto"

    @Option(help: "Unsharp mask after enlarging (libvips sharpen, sigma 1), 0-10: the slope in edge areas; 0 for none.")
    var sharpen: Double = 0

    @Option(help: ArgumentHelp("A filter-bank weights file to use instead of the bundled one, without the refiner (see Tools/upscale).", valueName: "path"))
    var weights: String?

    @Flag(name: .customLong("no-refiner"), help: "Learned path: the filter bank alone, without the refining network (faster, lower quality).")
    var noRefiner = false

    @Option(name: .customLong("back-projection"), help: "Learned path: correct the enlarged luma so that it shrinks back to the input (on, off; auto: on at 3x and 4x, and at 2x with --preset best, where it adds about 0.05 dB for 10% more time).")
    var backProjection = "auto"

    @Option(help: "Learned path: average the prediction over the image's four flips (on), over those and its transpose's four (all), or not (off); auto: as --preset says.")
    var flips = "auto"

    @Option(help: "Learned path: fast (one pass) or best (the eight-orientation self-ensemble, about 7 times as long; back-projection at every scale). Not --quality, which is the encoder's.")
    var preset: Upscale.Preset = .fast

    @OptionGroup var outputs: FileOutputOptions

    @Option(help: "Output format when -o does not say (standard output, or the default pattern): \(OutputFormat.allValueStrings.joined(separator: ", ")).")
    var format: OutputFormat?

    @OptionGroup var batch: BatchOptions
    @OptionGroup var report: ReportOptions
    @OptionGroup var input: InputOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var provenance: ProvenanceFlags
    @OptionGroup var ledgerOptions: LedgerOptions

    func validate() throws {
        try usage {
            let given = [scale != nil, width != nil, height != nil].filter { $0 }.count
            guard given == 1 else {
                throw StetError.usage("Expected exactly one of --scale, --width or --height but received \(given)")
            }
            if let scale { try Validate.integer(scale, "scale", in: 2...4) }
            if let width { try Validate.positiveInteger(width, "width") }
            if let height { try Validate.positiveInteger(height, "height") }
            try Validate.number(sharpen, "sharpen", in: 0...10)
            try Validate.oneOf(method, "method", Upscale.Method.allCases.map(\.rawValue))
            try Validate.oneOf(flips, "flips", Upscale.Flips.allCases.map(\.rawValue))
            try Validate.oneOf(backProjection, "back-projection", Upscale.BackProjectionMode.allCases.map(\.rawValue))
            try CommandOutputs.validate(output: outputs.outputPath, outDir: outputs.outDir, format: format, inputs: images)
        }
    }

    func run() throws {
        let recorder = try ledgerOptions.recorder()
        let inputs = try InputList.expand(images, recursive: batch.recursive)
        if let clips = try InputList.clips(in: inputs, command: "upscale") { return try runClips(clips, recorder: recorder) }
        let suffix = scale.map { "@\($0)x" } ?? "-up"
        let targets = try CommandOutputs.resolve(output: outputs.outputPath, outDir: outputs.outDir, format: format, inputs: inputs,
                                                 defaultPattern: "%s\(suffix).\(format?.fileExtension ?? "%e")",
                                                 extraInputs: weights.map { [$0] } ?? [])
        var options = UpscaleJob.Options()
        options.scale = scale; options.width = width; options.height = height; options.method = Upscale.Method(rawValue: method) ?? .auto
        options.weightsPath = weights; options.useRefiner = !noRefiner; options.flips = Upscale.Flips(rawValue: flips) ?? .auto
        options.backProjection = Upscale.BackProjectionMode(rawValue: backProjection) ?? .auto; options.preset = preset; options.sharpen = sharpen; options.load = input.loadOptions
        options.encoding = output.encoding(input); options.format = targets.format
        options.provenance = provenance.options(recorder)
        let job = UpscaleJob(options)
        // Check every input's header and target size before any pixel work.
        let prepared = inputs.indices.map { i in Result { try job.prepare(input: inputs[i], output: targets.writePaths[i]) } }
        try BatchRunner(operation: "upscale", recorder: recorder, report: report, workers: batch.jobs ?? 1)
            .run(inputs, files: { i in
                var names = FileNames(source: inputs[i], [.output: targets.writePaths[i]])
                names[.resource] = weights
                return names
            }) { i, progress in
                let (result, usage) = try job.run(try prepared[i].get(), progress: progress.report)
                try targets.emitIfStandardOutput(i)
                let shown = targets.shown(result, i)
                return (shown, usage.naming(targets, i),
                        "\(shown.output): \(result.width)x\(result.height) (\(result.plan))")
            }
    }
}


extension Upscale.Preset: ExpressibleByArgument {}
