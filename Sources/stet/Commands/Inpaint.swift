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
        The mask is canonical: white = fill, black = keep; every pixel above 0 is filled. An RGBA \
        mask in OpenAI's convention (transparent = edit) is refused by name.
        Methods: fast (a biharmonic spline in tension solved from the hole's edge: exact on smooth
        gradients), texture (exemplar search and voting, PatchMatch, coarse to fine), auto (the
        default: fast and texture mixed for thin holes such as scratches in detailed
        surroundings, fast for wide holes and smooth surroundings). Only boxes around
        the holes are processed. A mask that covers more than half the image is refused: that is
        a regeneration. The output must be PNG or TIFF, so that untouched pixels stay identical.
        Many images take --mask PATTERN (%s: each image's name) and -o PATTERN or --out DIR.
        Examples:
          stet inpaint photo.png --mask scratch.png -o fixed.png
          stet inpaint photo.png --mask blob.png --method texture -o fixed.png
          stet inpaint shots/ --mask masks/%s.png --out fixed/ -o %s.png
        """)

    @Argument(help: "Images or folders of images to repair (- reads one image from standard input).")
    var images: [String]

    @Option(help: ArgumentHelp("The canonical mask (white = fill), the image's size; or a pattern such as masks/%s.png for many images.", valueName: "mask.png"))
    var mask: String

    @Option(help: "auto, fast or texture.")
    var method: Inpaint.Method = .auto

    @OptionGroup var outputs: FileOutputOptions

    @OptionGroup var batch: BatchOptions
    @OptionGroup var report: ReportOptions
    @OptionGroup var input: InputOptions
    @OptionGroup var output: LosslessOutputOptions
    @OptionGroup var provenance: ProvenanceFlags
    @OptionGroup var ledgerOptions: LedgerOptions

    func validate() throws {
        try usage {
            try CommandOutputs.validate(output: outputs.outputPath, outDir: outputs.outDir, format: nil, inputs: images)
            if let outputPath = outputs.outputPath, outputPath != "-" { try LosslessOutput.check(outputPath) }
        }
    }

    func run() throws {
        let recorder = try ledgerOptions.recorder()
        let inputs = try InputList.expand(images, recursive: batch.recursive)
        let masks = Companion.paths(mask, for: inputs)
        let targets = try CommandOutputs.resolve(output: outputs.outputPath, outDir: outputs.outDir,
                                                 format: outputs.outputPath == "-" ? .png : nil, inputs: inputs,
                                                 defaultPattern: "%s-inpainted.png", extraInputs: masks)
        var options = InpaintJob.Options()
        options.method = method; options.load = input.loadOptions; options.encoding = output.encoding(input)
        options.format = targets.format
        options.provenance = provenance.options(recorder)
        let job = InpaintJob(options)
        try BatchRunner(operation: "inpaint", recorder: recorder, report: report, workers: batch.jobs ?? 1)
            .run(inputs, files: { FileNames(source: inputs[$0], [.mask: masks[$0], .output: targets.writePaths[$0]]) }) { i, _ in
                let (result, usage) = try job.run(input: inputs[i], mask: masks[i], output: targets.writePaths[i])
                try targets.emitIfStandardOutput(i)
                let r = targets.shown(result, i)
                let text = "\(r.output): filled \(r.filledPixels) pixels in \(r.regions) \(r.regions == 1 ? "region" : "regions") "
                    + "(fast \(r.fastRegions), texture \(r.textureRegions)); \(r.changedPixels) pixels changed, "
                    + "0 outside the mask; processed \(r.processedPixels) of \(r.width * r.height) pixels; "
                    + String(format: "fill %.1f ms", r.fillMilliseconds)
                return (r, usage.naming(targets, i), text)
            }
    }
}

/// Outputs that must keep untouched pixels identical: PNG or TIFF only.
enum LosslessOutput {
    static func check(_ path: String) throws {
        if OutputNames.isPattern(path), (path as NSString).pathExtension.contains("%") { return }
        guard OutputFormat(name: (path as NSString).pathExtension)?.isLossless == true else {
            throw StetError.usage("Expected a png or tif output for output but received \(path) (a lossy format would change pixels outside the mask)")
        }
    }
}

extension Inpaint.Method: ExpressibleByArgument {}
extension InpaintJob.Result: OneToOneResult {}
