import ArgumentParser
import Foundation
import PixelCore
import StetSupport

/// `stet inpaint`: small defects filled locally, with no model, and nothing else touched.
struct InpaintCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inpaint",
        abstract: "Fill small defects (scratches, blobs) under a mask locally; pixels outside the mask stay bit-identical.",
        discussion: """
        The mask is canonical: white = fill, black = keep; every pixel above 0 is filled.
        Methods: fast (a biharmonic spline in tension solved from the hole's edge: exact on smooth
        gradients), texture (exemplar search and voting, PatchMatch, coarse to fine), auto (the
        default: fast and texture mixed for thin holes such as scratches in detailed
        surroundings, fast for wide holes and smooth surroundings). Only boxes around
        the holes are processed. A mask that covers more than half the image is refused: that is
        a regeneration. The output must be PNG or TIFF, so that untouched pixels stay identical.
        Examples:
          stet inpaint photo.png --mask scratch.png -o fixed.png
          stet inpaint photo.png --mask blob.png --method texture -o fixed.png
        """)

    @Argument(help: "The image to repair.")
    var image: String

    @Option(help: ArgumentHelp("The canonical mask (white = fill), the image's size.", valueName: "mask.png"))
    var mask: String

    @Option(help: "auto, fast or texture.")
    var method = "auto"

    @Option(name: [.customShort("o"), .customLong("output")], help: "Output file (png or tif).")
    var outputPath: String

    @OptionGroup var input: InputOptions
    @OptionGroup var output: LosslessOutputOptions
    @OptionGroup var ledgerOptions: LedgerOptions

    func validate() throws {
        try usage {
            try Validate.oneOf(method, "method", Inpaint.Method.allCases.map(\.rawValue))
            try LosslessOutput.check(outputPath)
        }
    }

    func run() throws {
        try ledgerOptions.recordingFailure(of: "inpaint", inputs: [image, mask]) { try inpaint(clock: $0) }
    }

    private func inpaint(clock: CommandClock) throws {
        try SafeOutput.refuseOverwritingInputs(output: outputPath, inputs: [image, mask])
        let source = try PixelRaster(Image.decode(image, options: input.loadOptions))
        let holes = try Mask.load(mask, options: input.loadOptions)
        let job = Inpaint(method: Inpaint.Method(rawValue: method) ?? .auto)
        let (result, report) = try job.run(source, mask: holes, maskPath: mask, imagePath: image)
        try result.image().save(outputPath, compression: output.pngCompression, strip: !output.keepMetadata,
                                limitPixels: input.limitPixels)

        var usage = Usage(operation: "inpaint")
        usage.parameters = ["method": method, "filled": "\(report.filledPixels)", "regions": "\(report.regions)",
                            "texture-regions": "\(report.textureRegions)"]
        usage.inputs = [try ledgerOptions.fileRecord(image, width: source.width, height: source.height),
                        try ledgerOptions.fileRecord(mask, width: holes.width, height: holes.height)]
        usage.outputs = [try ledgerOptions.fileRecord(outputPath, width: result.width, height: result.height)]
        try ledgerOptions.record(usage, clock: clock)
        Console.out("\(outputPath): filled \(report.filledPixels) pixels in \(report.regions) \(report.regions == 1 ? "region" : "regions") "
            + "(fast \(report.fastRegions), texture \(report.textureRegions)); \(report.changedPixels) pixels changed, "
            + "0 outside the mask; processed \(report.processedPixels) of \(source.width * source.height) pixels; "
            + String(format: "fill %.1f ms", report.seconds * 1000))
    }
}

/// Outputs that must keep untouched pixels identical: PNG or TIFF only.
enum LosslessOutput {
    static func check(_ path: String) throws {
        let ext = (path as NSString).pathExtension.lowercased()
        guard ["png", "tif", "tiff"].contains(ext) else {
            throw StetError.usage("Expected a png or tif output for output but received \(path) (a lossy format would change pixels outside the mask)")
        }
    }
}
