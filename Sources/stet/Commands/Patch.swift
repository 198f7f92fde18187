import ArgumentParser
import Foundation
import PixelCore
import StetSupport

/// `stet patch`: a paid inpainting result pasted back so that nothing outside the mask changes.
struct PatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "patch",
        abstract: "Paste an edited image or region crop back onto BASE through the (feathered) mask, changing nothing outside it.",
        discussion: """
        Whole frame: EDITED is BASE's size and --mask is the canonical mask (white = edit).
        Region: --region reads the region.json that `stet mask --region` wrote; EDITED is the
        edited crop (at the size it was sent, or larger with the same aspect ratio) and the mask
        is the region's own mask unless --mask gives a full-frame one. Every pixel outside the
        feathered mask is verified equal to BASE before the output is written, and the count of
        changed pixels is reported. --match-color corrects the patch's colour and brightness drift
        with per-channel gain and offset fitted on a ring of pixels just outside the mask.
        Examples:
          stet patch photo.png --with edited.png --mask mask.png --feather 6 -o final.png
          stet patch photo.png --with hand-edited.png --region hand.region.json --match-color -o final.png
        """)

    @Argument(help: "The original image (BASE).")
    var base: String

    @Option(name: .customLong("with"), help: ArgumentHelp("The edited image: BASE's size, or the region crop with --region.", valueName: "edited"))
    var edited: String

    @Option(help: ArgumentHelp("The region.json written by stet mask --region.", valueName: "region.json"))
    var region: String?

    @Option(help: ArgumentHelp("The canonical mask (white = edit), BASE's size.", valueName: "mask.png"))
    var mask: String?

    @Option(help: ArgumentHelp("Feather the mask by this many pixels (Gaussian, sigma = px / 2).", valueName: "px"))
    var feather: Int = 0

    @Flag(name: .customLong("match-color"), help: "Correct the patch's colour and brightness against the pixels around the mask.")
    var matchColor = false

    @Option(name: [.customShort("o"), .customLong("output")], help: "Output file (png or tif).")
    var outputPath: String

    @OptionGroup var input: InputOptions
    @OptionGroup var output: LosslessOutputOptions
    @OptionGroup var ledgerOptions: LedgerOptions

    func validate() throws {
        try usage {
            guard region != nil || mask != nil else {
                throw StetError.usage("Expected --mask or --region but received neither")
            }
            try Validate.nonNegativeInteger(feather, "feather")
            try LosslessOutput.check(outputPath)
        }
    }

    func run() throws {
        try ledgerOptions.recordingFailure(of: "patch", inputs: [base, edited]) { try patch(clock: $0) }
    }

    private func patch(clock: CommandClock) throws {
        var inputs = [base, edited]
        if let region { inputs.append(region) }
        if let mask { inputs.append(mask) }
        try SafeOutput.refuseOverwritingInputs(output: outputPath, inputs: inputs)

        let baseRaster = try PixelRaster(Image.decode(base, options: input.loadOptions))
        var editedRaster = try PixelRaster(Image.decode(edited, options: input.loadOptions))
        let w = baseRaster.width, h = baseRaster.height
        var box = Rect(x: 0, y: 0, width: w, height: h)
        var frameMask: Mask
        var maskPath = mask ?? ""
        var maskFiles: [String] = mask.map { [$0] } ?? []
        if let region {
            let file = try RegionFile.load(region)
            try file.check(baseWidth: w, baseHeight: h, regionPath: region, basePath: base)
            box = file.box
            editedRaster = try file.fitEdited(editedRaster, editedPath: edited)
            if let mask {
                frameMask = try Mask.load(mask, options: input.loadOptions)
            } else {
                let (m, path) = try file.frameMask(regionPath: region, baseWidth: w, baseHeight: h, options: input.loadOptions)
                frameMask = m; maskPath = path; maskFiles = [path]
            }
        } else {
            guard editedRaster.width == w, editedRaster.height == h else {
                throw StetError.input(edited, "is \(editedRaster.width)x\(editedRaster.height) but \(base) is \(w)x\(h); a whole-frame patch must be BASE's size (for a region crop pass --region region.json)")
            }
            frameMask = try Mask.load(maskPath, options: input.loadOptions)
        }

        let job = PatchBack(feather: feather, matchColour: matchColor)
        let (result, report) = try job.run(base: baseRaster, edited: editedRaster, box: box, mask: frameMask,
                                           basePath: base, editedPath: edited, maskPath: maskPath)
        try result.image().save(outputPath, compression: output.pngCompression, strip: !output.keepMetadata,
                                limitPixels: input.limitPixels)

        var usage = Usage(operation: "patch")
        usage.parameters = ["feather": "\(feather)", "match-color": matchColor ? "yes" : "no",
                            "region": region == nil ? "no" : "yes", "changed": "\(report.changedPixels)"]
        usage.inputs = [try ledgerOptions.fileRecord(base, width: w, height: h),
                        try ledgerOptions.fileRecord(edited, width: editedRaster.width, height: editedRaster.height)]
            + (try maskFiles.map { try ledgerOptions.fileRecord($0) }) + (try region.map { [try ledgerOptions.fileRecord($0)] } ?? [])
        usage.outputs = [try ledgerOptions.fileRecord(outputPath, width: w, height: h)]
        try ledgerOptions.record(usage, clock: clock)
        var line = "\(outputPath): \(report.changedPixels) pixels changed, all inside the mask "
            + "(\(report.maskedPixels) under the \(feather > 0 ? "feathered " : "")mask); 0 outside"
        if let fit = report.colourCorrection {
            line += "; colour match gain " + fit.map { String(format: "%.3f", $0.gain) }.joined(separator: "/")
                + " offset " + fit.map { String(format: "%+.1f", $0.offset) }.joined(separator: "/")
        }
        Console.out(line)
    }
}
