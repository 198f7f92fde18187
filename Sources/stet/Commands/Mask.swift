import ArgumentParser
import Foundation
import PixelCore
import StetSupport

/// `stet mask`: a mask built once from shapes, exported in each inpainting API's convention.
struct MaskCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mask",
        abstract: "Build an inpainting mask from shapes and export it in an API's convention, optionally with a crop around it.",
        discussion: """
        Shapes combine (union) and their edges are anti-aliased (4x4 supersampling). Then --grow,
        --feather and --invert apply, in that order. The canonical mask is 8-bit grey, the image's
        size, 255 = edit. --for writes another API's convention after a pre-flight check:
          openai           RGBA PNG of the image, alpha 0 = edit; under 4 MB; same size as the image
          stability        grey, white = edit, grey = partial; sides >= 64 px; 4,096-9,437,184 pixels
          flux             grey, white = edit
          ideogram-edit    black = edit (black and white)
          ideogram-remove  white = edit (black and white)
        --region writes, instead of the whole frame, a crop around the mask with context margin,
        sized to the API's rules (multiples of 64 for stability and flux): the mask crop at -o,
        the image crop at <name>.image.png and the placement at <name>.region.json, which
        `stet patch --region` reads to paste the edited crop back.
        Examples:
          stet mask photo.jpg --ellipse 410,300,60,40 --grow 4 -o mask.png
          stet mask photo.jpg --rect 100,80,200,150 --for stability --region -o hand.png
        """)

    @Argument(help: "The images (or folders) the mask is for (its size; its pixels for --from-alpha, --from-color, openai and --region).")
    var images: [String]

    @Option(help: ArgumentHelp("A rectangle X,Y,W,H (repeatable).", valueName: "x,y,w,h"))
    var rect: [String] = []

    @Option(help: ArgumentHelp("An ellipse CX,CY,RX,RY (repeatable).", valueName: "cx,cy,rx,ry"))
    var ellipse: [String] = []

    @Option(help: ArgumentHelp("A polygon X1,Y1,X2,Y2,X3,Y3,... (repeatable; even-odd fill).", valueName: "x1,y1,..."))
    var polygon: [String] = []

    @Option(help: ArgumentHelp("Brush strokes as JSON: {\"strokes\": [{\"width\": 12, \"points\": [[x, y], ...]}]}.", valueName: "file.json"))
    var strokes: String?

    @Flag(name: .customLong("from-alpha"), help: "Mark the image's transparent pixels (value = 255 - alpha).")
    var fromAlpha = false

    @Option(name: .customLong("from-color"), help: ArgumentHelp("Mark pixels of this colour (#rrggbb, r,g,b or a name).", valueName: "colour"))
    var fromColor: String?

    @Option(help: "With --from-color: the largest difference per channel (0-255) that still matches.")
    var tolerance: Int = 0

    @Option(help: ArgumentHelp("Dilate the edit area by this many pixels.", valueName: "px"))
    var grow: Int = 0

    @Option(help: ArgumentHelp("Soften the edges with a Gaussian this many pixels wide (sigma = px / 2).", valueName: "px"))
    var feather: Int = 0

    @Flag(help: "Swap edit and keep.")
    var invert = false

    @Option(name: .customLong("for"), help: ArgumentHelp("The convention to write: canonical, openai, stability, flux, ideogram-edit or ideogram-remove.", valueName: "api"))
    var api: String = "canonical"

    @Flag(help: "Write a crop around the mask (and <name>.image.png, <name>.region.json) instead of the whole frame.")
    var region = false

    @Option(help: ArgumentHelp("With --region: context margin around the mask in pixels (default: a quarter of the mask's longer side, at least 32).", valueName: "px"))
    var margin: Int?

    @OptionGroup var outputs: FileOutputOptions

    @OptionGroup var batch: BatchOptions
    @OptionGroup var report: ReportOptions
    @OptionGroup var input: InputOptions
    @OptionGroup var ledgerOptions: LedgerOptions

    func validate() throws {
        try usage {
            try Validate.oneOf(api, "for", InpaintAPI.allCases.map(\.rawValue))
            let sources = rect.count + ellipse.count + polygon.count + (strokes == nil ? 0 : 1) + (fromAlpha ? 1 : 0)
                + (fromColor == nil ? 0 : 1)
            guard sources > 0 else {
                throw StetError.usage("Expected at least one of --rect, --ellipse, --polygon, --strokes, --from-alpha or --from-color but received none")
            }
            _ = try shapes()
            if let fromColor, Colour(parsing: fromColor) == nil {
                throw Validate.invalid("colour as #rrggbb, r,g,b or a name", "from-color", fromColor)
            }
            try Validate.integer(tolerance, "tolerance", in: 0...255)
            try Validate.nonNegativeInteger(grow, "grow")
            try Validate.nonNegativeInteger(feather, "feather")
            if let margin { try Validate.nonNegativeInteger(margin, "margin") }
            try CommandOutputs.validate(output: outputs.outputPath, outDir: outputs.outDir, format: nil, inputs: images)
            if let outputPath = outputs.outputPath, outputPath != "-", (outputPath as NSString).pathExtension.lowercased() != "png" {
                throw Validate.invalid("a .png output", "output", outputPath)
            }
            if outputs.outputPath == "-" { throw Validate.invalid("a .png output", "output", "- (masks are written to files)") }
        }
    }

    private func shapes() throws -> [MaskShape] {
        try rect.map(MaskShape.rect(parsing:)) + ellipse.map(MaskShape.ellipse(parsing:))
            + polygon.map(MaskShape.polygon(parsing:))
    }

    func run() throws {
        let recorder = try ledgerOptions.recorder()
        let inputs = try InputList.expand(images, recursive: batch.recursive)
        let targets = try CommandOutputs.resolve(output: outputs.outputPath, outDir: outputs.outDir, format: nil, inputs: inputs,
                                                 defaultPattern: "%s-mask.png", extraInputs: strokes.map { [$0] } ?? [])
        if region {
            for p in targets.paths {
                let files = MaskJob.Files(image: p, mask: p)
                try OutputCheck.file(files.regionImage, inputs: inputs)
                try OutputCheck.file(files.regionFile, inputs: inputs)
            }
        }
        var options = MaskJob.Options()
        options.shapes = try shapes(); options.strokesPath = strokes; options.fromAlpha = fromAlpha
        options.fromColour = fromColor.flatMap(Colour.init(parsing:)); options.tolerance = tolerance
        options.grow = grow; options.feather = feather; options.invert = invert
        options.api = InpaintAPI(rawValue: api) ?? .canonical; options.region = region; options.margin = margin
        options.load = input.loadOptions
        let job = MaskJob(options)
        try BatchRunner(operation: "mask", recorder: recorder, report: report,
                        workers: batch.jobs ?? ProcessInfo.processInfo.activeProcessorCount)
            .run(inputs, files: { i in
                var names = FileNames(source: inputs[i], [.output: targets.paths[i],
                                                          MaskJob.regionImageRole: MaskJob.Files(image: inputs[i], mask: targets.paths[i]).regionImage])
                names[.strokes] = strokes
                return names
            }) { i, _ in
                let (r, usage) = try job.run(MaskJob.Files(image: inputs[i], mask: targets.paths[i]), digest: recorder.digest)
                var text: String
                if let b = r.box, let image = r.regionImage, let file = r.regionFile {
                    text = "\(r.output): \(r.api) mask crop \(r.width)x\(r.height) of box \(b.x),\(b.y),\(b.width)x\(b.height)"
                        + (r.scaleX.map { sx in String(format: " (scaled %.3fx%.3f)", sx, r.scaleY ?? sx) } ?? "")
                        + "; image crop \(image); placement \(file)"
                } else {
                    text = "\(r.output): \(r.api) mask \(r.width)x\(r.height), \(r.markedPixels) pixels marked"
                        + String(format: " (%.2f%%)", r.coverage * 100)
                }
                return (r, usage, text)
            }
    }
}
