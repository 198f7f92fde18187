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

    @Argument(help: "The image the mask is for (its size; its pixels for --from-alpha, --from-color, openai and --region).")
    var image: String

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

    @Option(name: [.customShort("o"), .customLong("output")], help: "The mask file to write (PNG).")
    var outputPath: String

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
            _ = try shapes(includeStrokes: false)
            if let fromColor, Colour(parsing: fromColor) == nil {
                throw Validate.invalid("colour as #rrggbb, r,g,b or a name", "from-color", fromColor)
            }
            try Validate.integer(tolerance, "tolerance", in: 0...255)
            try Validate.nonNegativeInteger(grow, "grow")
            try Validate.nonNegativeInteger(feather, "feather")
            if let margin { try Validate.nonNegativeInteger(margin, "margin") }
            guard (outputPath as NSString).pathExtension.lowercased() == "png" else {
                throw Validate.invalid("a .png output", "output", outputPath)
            }
        }
    }

    private func shapes(includeStrokes: Bool) throws -> [MaskShape] {
        var list = try rect.map(MaskShape.rect(parsing:)) + ellipse.map(MaskShape.ellipse(parsing:))
            + polygon.map(MaskShape.polygon(parsing:))
        if includeStrokes, let strokes {
            guard let data = FileManager.default.contents(atPath: strokes) else {
                throw StetError.input(strokes, "no such file")
            }
            list += try MaskShape.strokes(json: data, path: strokes)
        }
        return list
    }

    func run() throws {
        try ledgerOptions.recordingFailure(of: "mask", inputs: [image]) { try make(clock: $0) }
    }

    private func sidecar(_ suffix: String) -> String {
        let url = URL(fileURLWithPath: outputPath)
        let stem = url.deletingPathExtension().lastPathComponent
        let dir = (outputPath as NSString).deletingLastPathComponent
        return dir.isEmpty ? stem + suffix : (dir as NSString).appendingPathComponent(stem + suffix)
    }

    private func make(clock: CommandClock) throws {
        let target = InpaintAPI(rawValue: api) ?? .canonical
        let imagePath = sidecar(".image.png"), regionPath = sidecar(".region.json")
        var inputs = [image]
        if let strokes { inputs.append(strokes) }
        try SafeOutput.refuseOverwritingInputs(output: outputPath, inputs: inputs)
        if region {
            try SafeOutput.refuseOverwritingInputs(output: imagePath, inputs: inputs)
            try SafeOutput.refuseOverwritingInputs(output: regionPath, inputs: inputs)
        }

        let raster = try PixelRaster(Image.decode(image, options: input.loadOptions))
        let w = raster.width, h = raster.height
        var mask = Mask.render(try shapes(includeStrokes: true), width: w, height: h)
        if fromAlpha { mask = mask.union(try Mask.fromAlpha(raster, path: image)) }
        if let fromColor, let colour = Colour(parsing: fromColor) {
            mask = mask.union(Mask.fromColour(raster, colour: colour, tolerance: tolerance))
        }
        mask = mask.grown(by: grow).feathered(by: feather)
        if invert { mask = mask.inverted() }

        let export = MaskExport(target)
        var outputs: [FileRecord] = []
        var summary: String
        if region {
            guard let box = mask.boundingBox() else {
                throw StetError.output(outputPath, "the mask is empty: no pixel is marked for editing; check the shapes' coordinates against the image size \(w)x\(h)")
            }
            let plan = RegionPlan.plan(maskBox: box, width: w, height: h, api: target, margin: margin)
            let maskCrop = try plan.crop(PixelRaster(width: w, height: h, bands: 1, bytes: mask.values), kernel: "linear")
            let imageCrop = try plan.crop(raster)
            let cropMask = Mask(width: maskCrop.width, height: maskCrop.height, values: maskCrop.bytes)
            // Pre-flight everything before writing anything.
            try export.preflight(mask: cropMask, imageWidth: imageCrop.width, imageHeight: imageCrop.height, path: outputPath)
            let maskPNG = try export.raster(cropMask, image: imageCrop).image().encoded(".png")
            try export.preflight(encodedBytes: maskPNG.count, path: outputPath)
            let imagePNG = try imageCrop.image().encoded(".png")
            if let limit = target.rules.maxBytes, imagePNG.count >= limit {
                throw StetError.output(imagePath, "\(target.displayName) needs a PNG under 4 MB but the image crop is \(String(format: "%.1f", Double(imagePNG.count) / 1_048_576)) MB; use a smaller --margin or downscale the image")
            }
            let file = RegionFile(plan: plan, source: try FileRecord.of(image, width: w, height: h),
                                  image: (imagePath as NSString).lastPathComponent,
                                  mask: (outputPath as NSString).lastPathComponent)
            try SafeOutput.write(Data(imagePNG), to: imagePath)
            try SafeOutput.write(Data(maskPNG), to: outputPath)
            try SafeOutput.write(try file.encoded(), to: regionPath)
            outputs = [try ledgerOptions.fileRecord(outputPath, width: plan.outputWidth, height: plan.outputHeight),
                       try ledgerOptions.fileRecord(imagePath, width: plan.outputWidth, height: plan.outputHeight),
                       try ledgerOptions.fileRecord(regionPath)]
            let b = plan.box
            summary = "\(outputPath): \(target.rawValue) mask crop \(plan.outputWidth)x\(plan.outputHeight) of box \(b.x),\(b.y),\(b.width)x\(b.height)"
                + (plan.isScaled ? String(format: " (scaled %.3fx%.3f)", plan.scaleX, plan.scaleY) : "")
                + "; image crop \(imagePath); placement \(regionPath)"
        } else {
            try export.write(mask, image: raster, to: outputPath)
            outputs = [try ledgerOptions.fileRecord(outputPath, width: w, height: h)]
            summary = "\(outputPath): \(target.rawValue) mask \(w)x\(h), \(mask.editedPixelCount) pixels marked"
                + String(format: " (%.2f%%)", mask.coverage * 100)
        }

        var usage = Usage(operation: "mask")
        usage.parameters = ["for": target.rawValue, "region": region ? "yes" : "no",
                            "shapes": "\(rect.count + ellipse.count + polygon.count)"]
        if grow > 0 { usage.parameters["grow"] = "\(grow)" }
        if feather > 0 { usage.parameters["feather"] = "\(feather)" }
        usage.inputs = [try ledgerOptions.fileRecord(image, width: w, height: h)]
        usage.outputs = outputs
        try ledgerOptions.record(usage, clock: clock)
        Console.out(summary)
    }
}
