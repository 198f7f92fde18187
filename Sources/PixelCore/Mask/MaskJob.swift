import Foundation
import StetSupport

/// `mask` as a job: a mask built from shapes (and/or the image's alpha or a colour) for one
/// image, exported in an inpainting API's convention after a pre-flight check; with `region`,
/// a crop around the mask plus the image crop and the placement file `patch` reads back.
public struct MaskJob: Sendable {
    public struct Options: Sendable {
        public var shapes: [MaskShape] = []
        /// Brush strokes JSON (read when the job runs).
        public var strokesPath: String?
        public var fromAlpha = false
        public var fromColour: Colour?
        public var tolerance = 0
        public var grow = 0
        public var feather = 0
        public var invert = false
        public var api: InpaintAPI = .canonical
        public var region = false
        public var margin: Int?
        public var load: LoadOptions = .strict
        public init() {}
    }

    /// Where one mask's outputs go: the mask, and with a region the image crop and placement.
    public struct Files: Sendable {
        public var image: String
        public var mask: String
        public var regionImage: String
        public var regionFile: String
        public init(image: String, mask: String) {
            self.image = image; self.mask = mask
            regionImage = MaskJob.sidecar(mask, ".image.png")
            regionFile = MaskJob.sidecar(mask, ".region.json")
        }
    }

    public struct Result: Sendable, Codable, Equatable {
        public var input: String
        public var output: String
        public var api: String
        public var width: Int
        public var height: Int
        public var markedPixels: Int
        public var coverage: Double
        /// With a region: the box cut from the image, the crop's image and placement files.
        public var box: Rect?
        public var scaleX: Double?
        public var scaleY: Double?
        public var regionImage: String?
        public var regionFile: String?
    }

    public var options: Options
    public init(_ options: Options) { self.options = options }

    /// What errors call the region's image crop (written beside the mask).
    public static let regionImageRole = FileRole.companion("region image")

    /// `<stem><suffix>` beside `path`.
    public static func sidecar(_ path: String, _ suffix: String) -> String {
        let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        let dir = FilePath.parent(path)
        return dir.isEmpty ? stem + suffix : (dir as NSString).appendingPathComponent(stem + suffix)
    }

    /// `digest` hashes the source for a region file (the CLI passes the ledger's, so the
    /// source is read for its SHA-256 once).
    public func run(_ files: Files,
                    digest: @escaping @Sendable (String) throws -> String = { try SHA256.hex(ofFile: $0) }) throws -> (Result, Usage) {
        let o = options
        // Errors name the files by role (source, strokes, output, `regionImageRole`).
        let raster = try PixelRaster(Image.decode(files.image, options: o.load))
        let w = raster.width, h = raster.height
        var shapes = o.shapes
        if let strokes = o.strokesPath {
            guard let data = FileManager.default.contents(atPath: strokes) else {
                throw StetError.file(.strokes, "no such file")
            }
            shapes += try MaskShape.strokes(json: data)
        }
        var mask = Mask.render(shapes, width: w, height: h)
        if o.fromAlpha { mask = mask.union(try Mask.fromAlpha(raster)) }
        if let colour = o.fromColour { mask = mask.union(Mask.fromColour(raster, colour: colour, tolerance: o.tolerance)) }
        mask = mask.grown(by: o.grow).feathered(by: o.feather)
        if o.invert { mask = mask.inverted() }

        let export = MaskExport(o.api)
        var result = Result(input: files.image, output: files.mask, api: o.api.rawValue, width: w, height: h,
                            markedPixels: mask.editedPixelCount, coverage: mask.coverage)
        var outputs: [Usage.File]
        if o.region {
            guard let box = mask.boundingBox() else {
                throw StetError.file(.output, "the mask is empty: no pixel is marked for editing; check the shapes' coordinates against the image size \(w)x\(h)")
            }
            let plan = RegionPlan.plan(maskBox: box, width: w, height: h, api: o.api, margin: o.margin)
            let maskCrop = try plan.crop(PixelRaster(width: w, height: h, bands: 1, bytes: mask.values), kernel: .linear)
            let imageCrop = try plan.crop(raster)
            let cropMask = Mask(width: maskCrop.width, height: maskCrop.height, values: maskCrop.bytes)
            // Pre-flight everything before writing anything.
            try export.preflight(mask: cropMask, imageWidth: imageCrop.width, imageHeight: imageCrop.height)
            let maskPNG = try export.raster(cropMask, image: imageCrop).image().encoded(.png)
            try export.preflight(encodedBytes: maskPNG.count)
            let imagePNG = try imageCrop.image().encoded(.png)
            if let limit = o.api.rules.maxBytes, imagePNG.count >= limit {
                throw StetError.file(MaskJob.regionImageRole, "\(o.api.displayName) needs a PNG under 4 MB but the image crop is \(String(format: "%.1f", Double(imagePNG.count) / 1_048_576)) MB; use a smaller \(Hint.margin) or downscale the image")
            }
            let file = RegionFile(plan: plan, source: try FileRecord.of(files.image, width: w, height: h, sha256: digest(files.image)),
                                  image: (files.regionImage as NSString).lastPathComponent,
                                  mask: (files.mask as NSString).lastPathComponent)
            try SafeOutput.write(Data(imagePNG), to: files.regionImage)
            try SafeOutput.write(Data(maskPNG), to: files.mask)
            try SafeOutput.write(try file.encoded(), to: files.regionFile)
            outputs = [.init(files.mask, width: plan.outputWidth, height: plan.outputHeight),
                       .init(files.regionImage, width: plan.outputWidth, height: plan.outputHeight),
                       .init(files.regionFile)]
            result.width = plan.outputWidth; result.height = plan.outputHeight
            result.box = plan.box
            if plan.isScaled { result.scaleX = plan.scaleX; result.scaleY = plan.scaleY }
            result.regionImage = files.regionImage; result.regionFile = files.regionFile
        } else {
            try export.write(mask, image: raster, to: files.mask)
            outputs = [.init(files.mask, width: w, height: h)]
        }
        var parameters = ["for": o.api.rawValue, "region": o.region ? "yes" : "no", "shapes": "\(o.shapes.count)"]
        if o.grow > 0 { parameters["grow"] = "\(o.grow)" }
        if o.feather > 0 { parameters["feather"] = "\(o.feather)" }
        let usage = Usage(operation: "mask", parameters: parameters, inputs: [.init(files.image, width: w, height: h)],
                          outputs: outputs)
        return (result, usage)
    }
}
