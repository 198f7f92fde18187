import ArgumentParser
import Foundation
import PixelCore
import StetSupport

/// `stet upscale`: a strong draft enlarged locally instead of regenerated at a higher size.
struct UpscaleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upscale",
        abstract: "Enlarge an image 2-4x with a learned filter bank and a small refining network (measurably better than Lanczos), or with Lanczos-3.",
        discussion: """
        --method auto (the default) uses the learned path for enlargements above 1x up to 4x: \
        at an exact 2x, 3x or 4x directly, otherwise at the next whole scale then Lanczos-3 down to \
        the exact size. Beyond 4x, auto uses Lanczos-3. The learned path is an edge-adaptive filter \
        bank on luma followed by a small convolutional refiner (--no-refiner: the bank alone, \
        faster). At 3x and 4x it also averages over eight orientations, the image's four flips \
        and its transpose's (--flips on: the four flips only, about twice as fast, 0.015 dB \
        lower at 4x; --flips off: one pass, about seven times as fast, 0.12 dB lower), then \
        back-projects: the enlarged luma is corrected so that it shrinks back to the input \
        (--back-projection off to skip it, on to use it at 2x too). Alpha is enlarged with the cubic kernel, \
        never the learned path. 8- and 16-bit, grey and RGB(A) keep their depth and bands.

        Examples:
          stet upscale draft.png --scale 2 -o draft@2x.png
          stet upscale draft.jpg --width 3000 --sharpen 1 -o print.jpg
          stet upscale draft.png --scale 4 --flips off -o quick@4x.png
        """)

    @Argument(help: "The image to enlarge.")
    var image: String

    @Option(help: "Enlarge by a whole factor: 2, 3 or 4.")
    var scale: Int?

    @Option(help: "Output width in pixels; the height keeps the aspect ratio.")
    var width: Int?

    @Option(help: "Output height in pixels; the width keeps the aspect ratio.")
    var height: Int?

    @Option(help: "auto, learned or lanczos.")
    var method = "auto"

    @Option(help: "Unsharp mask after enlarging (libvips sharpen, sigma 1), 0-10: the slope in edge areas; 0 for none.")
    var sharpen: Double = 0

    @Option(help: ArgumentHelp("A filter-bank weights file to use instead of the bundled one, without the refiner (see Tools/upscale).", valueName: "path"))
    var weights: String?

    @Flag(name: .customLong("no-refiner"), help: "Learned path: the filter bank alone, without the refining network (faster, lower quality).")
    var noRefiner = false

    @Option(name: .customLong("back-projection"), help: "Learned path: correct the enlarged luma so that it shrinks back to the input (on, off; auto: on at 3x and 4x, off at 2x, where it adds about 0.05 dB for 10% more time).")
    var backProjection = "auto"

    @Option(help: "Learned path: average the prediction over the image's four flips (on), over those and its transpose's four (all), or not (off); auto: all at 3x and 4x, off at 2x.")
    var flips = "auto"

    @Option(name: [.customShort("o"), .customLong("output")], help: "Output file (format from its extension: jpg, png, webp, tif).")
    var outputPath: String

    @OptionGroup var input: InputOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var ledgerOptions: LedgerOptions

    func validate() throws {
        try usage { try check() }
    }

    private func check() throws {
        let given = [scale != nil, width != nil, height != nil].filter { $0 }.count
        guard given == 1 else {
            throw StetError.usage("Expected exactly one of --scale, --width or --height but received \(given)")
        }
        if let scale { try Validate.integer(scale, "scale", in: 2...4) }
        if let width { try Validate.positiveInteger(width, "width") }
        if let height { try Validate.positiveInteger(height, "height") }
        try Validate.oneOf(method, "method", Upscale.Method.allCases.map(\.rawValue))
        try Validate.oneOf(flips, "flips", Upscale.Flips.allCases.map(\.rawValue))
        try Validate.oneOf(backProjection, "back-projection", Upscale.BackProjectionMode.allCases.map(\.rawValue))
        try Validate.number(sharpen, "sharpen", in: 0...10)
        _ = try Save.saverName(for: outputPath)
    }

    func run() throws {
        try ledgerOptions.recordingFailure(of: "upscale", inputs: [image]) { try upscale(clock: $0) }
    }

    private func upscale(clock: CommandClock) throws {
        try SafeOutput.refuseOverwritingInputs(output: outputPath, inputs: [image])
        if let weights { try SafeOutput.refuseOverwritingInputs(output: outputPath, inputs: [weights]) }
        let source = try Image.open(image, options: input.loadOptions)
        let upright = (5...8).contains(source.orientation) ? (source.height, source.width) : (source.width, source.height)
        let size = Upscale.targetSize(inWidth: upright.0, inHeight: upright.1, scale: scale, width: width, height: height)
        try input.loadOptions.checkPixels(width: size.width, height: size.height, path: outputPath, what: "output")
        let job = Upscale(width: size.width, height: size.height,
                          method: Upscale.Method(rawValue: method) ?? .auto, weightsPath: weights,
                          useRefiner: !noRefiner, flips: Upscale.Flips(rawValue: flips) ?? .auto,
                          backProjection: Upscale.BackProjectionMode(rawValue: backProjection) ?? .auto)
        let plan = try job.plan(for: source)
        var result: Image
        do { result = try job.run(source) } catch let e as StetError { throw e.naming(image) }
        if sharpen > 0 { result = try result.sharpened(sigma: 1, m2: sharpen) }
        try result.save(outputPath, quality: output.quality, compression: output.pngCompression, strip: !output.keepMetadata,
                        limitPixels: input.limitPixels)

        let planText: String
        switch plan {
        case .lanczos: planText = "lanczos3"
        case .learned(let k, let resize):
            planText = "learned-x\(k)" + (job.refines(scale: k) ? "+refiner" : "") + (job.averagesFlips(scale: k) ? "+flips" : "")
                + (job.transposes(scale: k) ? "+transposes" : "")
                + (job.backProjects(scale: k) ? "+backproject" : "") + (resize ? "+lanczos3" : "")
        }
        var usage = Usage(operation: "upscale")
        usage.parameters = ["method": method, "plan": planText, "width": "\(size.width)", "height": "\(size.height)"]
        if sharpen > 0 { usage.parameters["sharpen"] = "\(sharpen)" }
        if flips != "auto" { usage.parameters["flips"] = flips }
        if backProjection != "auto" { usage.parameters["back-projection"] = backProjection }
        usage.inputs = [try ledgerOptions.fileRecord(image, width: upright.0, height: upright.1)]
        usage.outputs = [try ledgerOptions.fileRecord(outputPath, width: size.width, height: size.height)]
        try ledgerOptions.record(usage, clock: clock)
        Console.out("\(outputPath): \(size.width)x\(size.height) (\(planText))")
    }
}
