import Foundation
import StetSupport

/// `patch` as a job: a paid edit (the whole frame, or the region crop a `region.json`
/// describes) pasted back onto BASE through the feathered mask, verified to change nothing
/// outside it.
public struct PatchJob: Sendable {
    public struct Options: Sendable {
        public var feather = 0
        public var matchColour = false
        public var load: LoadOptions = .strict
        public var encoding: Encoding = .standard
        public var format: OutputFormat?
        /// The generation record and the edit record written into the output (see `ProvenanceCarry`).
        public var provenance = ProvenanceCarry.Options()
        public init() {}
    }

    /// The files of one patch.
    public struct Files: Sendable {
        public var base: String
        public var edited: String
        public var region: String?
        public var mask: String?
        public var output: String
        public init(base: String, edited: String, region: String?, mask: String?, output: String) {
            self.base = base; self.edited = edited; self.region = region; self.mask = mask; self.output = output
        }
    }

    public struct Result: Sendable, Codable, Equatable {
        public var input: String
        public var edited: String
        public var output: String
        public var width: Int
        public var height: Int
        public var changedPixels: Int
        public var changedOutsideMask: Int
        public var maskedPixels: Int
        public var feathered: Bool
        public var colourGain: [Double]?
        public var colourOffset: [Double]?
    }

    public var options: Options
    public init(_ options: Options) { self.options = options }

    public func run(_ files: Files) throws -> (Result, Usage) {
        let load = options.load
        // Errors name the files by role (base, edited, region, mask); the caller adds the paths.
        let baseRaster = try PixelRaster(Image.decode(files.base, role: .base, options: load))
        var editedRaster = try PixelRaster(Image.decode(files.edited, role: .edited, options: load))
        let w = baseRaster.width, h = baseRaster.height
        var box = Rect(x: 0, y: 0, width: w, height: h)
        let frameMask: Mask
        let maskPath = files.mask ?? ""
        var maskRole = FileRole.mask
        var maskFiles: [String] = files.mask.map { [$0] } ?? []
        if let region = files.region {
            let file = try RegionFile.load(region)
            try file.check(baseWidth: w, baseHeight: h)
            box = file.box
            editedRaster = try file.fitEdited(editedRaster)
            if let mask = files.mask {
                frameMask = try Mask.load(mask, options: load)
            } else {
                let (m, path) = try file.frameMask(regionPath: region, baseWidth: w, baseHeight: h, options: load)
                frameMask = m; maskRole = .referenced(path); maskFiles = [path]
            }
        } else {
            guard editedRaster.width == w, editedRaster.height == h else {
                throw StetError.file(.edited, "is \(editedRaster.width)x\(editedRaster.height) but \(FileRole.base) is \(w)x\(h); a whole-frame patch must be the base image's size (for a region crop pass \(Hint.region) region.json)")
            }
            frameMask = try Mask.load(maskPath, options: load)
        }
        let (result, report) = try PatchBack(feather: options.feather, matchColour: options.matchColour)
            .run(base: baseRaster, edited: editedRaster, box: box, mask: frameMask, maskRole: maskRole)
        let parameters = ["feather": "\(options.feather)", "match-color": options.matchColour ? "yes" : "no",
                          "region": files.region == nil ? "no" : "yes", "changed": "\(report.changedPixels)"]
        // The base's generation record goes on (the patch is an edit of the base).
        let carried = try ProvenanceCarry.save(result.image(), to: files.output, format: options.format,
                                               encoding: options.encoding, source: files.base, operation: "patch",
                                               parameters: parameters, options: options.provenance)

        let made = Result(input: files.base, edited: files.edited, output: files.output, width: w, height: h,
                          changedPixels: report.changedPixels, changedOutsideMask: 0, maskedPixels: report.maskedPixels,
                          feathered: options.feather > 0, colourGain: report.colourCorrection?.map(\.gain),
                          colourOffset: report.colourCorrection?.map(\.offset))
        var usage = Usage(operation: "patch", parameters: parameters,
                          inputs: [.init(files.base, width: w, height: h),
                                   .init(files.edited, width: editedRaster.width, height: editedRaster.height)]
                            + maskFiles.map { .init($0) } + (files.region.map { [.init($0)] } ?? []),
                          outputs: [.init(files.output, width: w, height: h)])
        carried.apply(to: &usage)
        return (made, usage)
    }
}
