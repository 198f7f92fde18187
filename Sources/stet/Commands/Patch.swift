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
        Many BASE images take --with, --mask and --region as patterns (%s: each BASE's name).
        Examples:
          stet patch photo.png --with edited.png --mask mask.png --feather 6 -o final.png
          stet patch photo.png --with hand-edited.png --region hand.region.json --match-color -o final.png
          stet patch shots/ --with edits/%s.png --mask masks/%s.png --out final/ -o %s.png
        """)

    @Argument(help: "The original images (BASE), or folders of them.")
    var bases: [String]

    @Option(name: .customLong("with"), help: ArgumentHelp("The edited image: BASE's size, or the region crop with --region; a pattern for many.", valueName: "edited"))
    var edited: String

    @Option(help: ArgumentHelp("The region.json written by stet mask --region (or a pattern).", valueName: "region.json"))
    var region: String?

    @Option(help: ArgumentHelp("The canonical mask (white = edit), BASE's size (or a pattern).", valueName: "mask.png"))
    var mask: String?

    @Option(help: ArgumentHelp("Feather the mask by this many pixels (Gaussian, sigma = px / 2).", valueName: "px"))
    var feather: Int = 0

    @Flag(name: .customLong("match-color"), help: "Correct the patch's colour and brightness against the pixels around the mask.")
    var matchColor = false

    @OptionGroup var outputs: FileOutputOptions

    @OptionGroup var batch: BatchOptions
    @OptionGroup var report: ReportOptions
    @OptionGroup var input: InputOptions
    @OptionGroup var output: LosslessOutputOptions
    @OptionGroup var provenance: ProvenanceFlags
    @OptionGroup var ledgerOptions: LedgerOptions

    func validate() throws {
        try usage {
            guard region != nil || mask != nil else {
                throw StetError.usage("Expected --mask or --region but received neither")
            }
            try Validate.nonNegativeInteger(feather, "feather")
            try CommandOutputs.validate(output: outputs.outputPath, outDir: outputs.outDir, format: nil, inputs: bases)
            if let outputPath = outputs.outputPath, outputPath != "-" { try LosslessOutput.check(outputPath) }
        }
    }

    func run() throws {
        let recorder = try ledgerOptions.recorder()
        let inputs = try InputList.expand(bases, recursive: batch.recursive)
        let edits = Companion.paths(edited, for: inputs)
        let regions = region.map { Companion.paths($0, for: inputs) }
        let masks = mask.map { Companion.paths($0, for: inputs) }
        let targets = try CommandOutputs.resolve(output: outputs.outputPath, outDir: outputs.outDir,
                                                 format: outputs.outputPath == "-" ? .png : nil, inputs: inputs,
                                                 defaultPattern: "%s-patched.png",
                                                 extraInputs: edits + (regions ?? []) + (masks ?? []))
        var options = PatchJob.Options()
        options.feather = feather; options.matchColour = matchColor; options.load = input.loadOptions
        options.encoding = output.encoding(input); options.format = targets.format
        options.provenance = provenance.options(recorder)
        let job = PatchJob(options)
        try BatchRunner(operation: "patch", recorder: recorder, report: report, workers: batch.jobs ?? 1)
            .run(inputs, files: { i in
                var names = FileNames(source: inputs[i], [.base: inputs[i], .edited: edits[i], .output: targets.writePaths[i]])
                names[.region] = regions?[i]; names[.mask] = masks?[i]
                return names
            }) { i, _ in
                let files = PatchJob.Files(base: inputs[i], edited: edits[i], region: regions?[i], mask: masks?[i],
                                           output: targets.writePaths[i])
                let (result, usage) = try job.run(files)
                try targets.emitIfStandardOutput(i)
                let r = targets.shown(result, i)
                var text = "\(r.output): \(r.changedPixels) pixels changed, all inside the mask "
                    + "(\(r.maskedPixels) under the \(r.feathered ? "feathered " : "")mask); 0 outside"
                if let gain = r.colourGain, let offset = r.colourOffset {
                    text += "; colour match gain " + gain.map { String(format: "%.3f", $0) }.joined(separator: "/")
                        + " offset " + offset.map { String(format: "%+.1f", $0) }.joined(separator: "/")
                }
                return (r, usage.naming(targets, i), text)
            }
    }
}

extension PatchJob.Result: OneToOneResult {}
