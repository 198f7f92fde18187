import Foundation
import StetSupport

/// `inpaint` as a job: one image and its canonical mask in, the repaired image out (PNG or
/// TIFF, so that every pixel outside the mask stays identical).
public struct InpaintJob: Sendable {
    public struct Options: Sendable {
        public var method: Inpaint.Method = .auto
        public var load: LoadOptions = .strict
        public var encoding: Encoding = .standard
        public var format: OutputFormat?
        /// The generation record and the edit record written into the output (see `ProvenanceCarry`).
        public var provenance = ProvenanceCarry.Options()
        public init() {}
    }

    public struct Result: Sendable, Codable, Equatable {
        public var input: String
        public var mask: String
        public var output: String
        public var width: Int
        public var height: Int
        public var filledPixels: Int
        public var changedPixels: Int
        public var changedOutsideMask: Int
        public var regions: Int
        public var fastRegions: Int
        public var textureRegions: Int
        public var processedPixels: Int
        public var fillMilliseconds: Double
    }

    public var options: Options
    public init(_ options: Options) { self.options = options }

    public func run(input: String, mask maskPath: String, output: String) throws -> (Result, Usage) {
        let source = try PixelRaster(Image.decode(input, options: options.load))
        let holes = try Mask.load(maskPath, options: options.load)
        let (result, report) = try Inpaint(method: options.method).run(source, mask: holes)
        let parameters = ["method": options.method.rawValue, "filled": "\(report.filledPixels)",
                          "regions": "\(report.regions)", "texture-regions": "\(report.textureRegions)"]
        let carried = try ProvenanceCarry.save(result.image(), to: output, format: options.format, encoding: options.encoding,
                                               source: input, operation: "inpaint", parameters: parameters,
                                               options: options.provenance)
        let made = Result(input: input, mask: maskPath, output: output, width: result.width, height: result.height,
                          filledPixels: report.filledPixels, changedPixels: report.changedPixels, changedOutsideMask: 0,
                          regions: report.regions, fastRegions: report.fastRegions, textureRegions: report.textureRegions,
                          processedPixels: report.processedPixels, fillMilliseconds: report.seconds * 1000)
        var usage = Usage(operation: "inpaint", parameters: parameters,
                          inputs: [.init(input, width: source.width, height: source.height),
                                   .init(maskPath, width: holes.width, height: holes.height)],
                          outputs: [.init(output, width: result.width, height: result.height)])
        carried.apply(to: &usage)
        return (made, usage)
    }
}
