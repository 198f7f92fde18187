import Foundation
import StetSupport

/// `upscale` as a job: one input file enlarged to one output file. `prepare` reads only the
/// header, so a batch can refuse a bad size or an over-limit output before any pixel work;
/// `run` does the work and returns what it made with the `Usage` for the ledger.
public struct UpscaleJob: Sendable {
    public struct Options: Sendable {
        /// Exactly one of `scale`, `width` and `height` (the CLI checks).
        public var scale: Int?
        public var width: Int?
        public var height: Int?
        public var method: Upscale.Method = .auto
        public var weightsPath: String?
        public var useRefiner = true
        public var flips: Upscale.Flips = .auto
        public var backProjection: Upscale.BackProjectionMode = .auto
        /// What the `auto` flips and back-projection choose (`Upscale.Preset`).
        public var preset: Upscale.Preset = .fast
        /// Unsharp-mask slope after enlarging (libvips sharpen, sigma 1); 0 for none.
        public var sharpen: Double = 0
        public var load: LoadOptions = .strict
        public var encoding: Encoding = .standard
        /// The output format, when the output path's extension does not say (standard output).
        public var format: OutputFormat?
        /// The generation record and the edit record written into the output (see `ProvenanceCarry`).
        public var provenance = ProvenanceCarry.Options()
        public init() {}
    }

    /// One input, checked from its header: what it will become (`result`, known before the work).
    public struct Prepared: Sendable {
        public var result: Result
        public var plan: Upscale.Plan
        var upscale: Upscale
        var header: Image
        /// A strict JPEG is decoded (and so checked) in `run`, once (`JPEGDecode`).
        var decodesJPEG: Bool
    }

    /// What one run made, in the fields the CLI prints (text and JSON).
    public struct Result: Sendable, Codable, Equatable {
        public var input: String
        public var output: String
        public var inputWidth: Int
        public var inputHeight: Int
        public var width: Int
        public var height: Int
        public var plan: String
    }

    public var options: Options
    public init(_ options: Options) { self.options = options }

    public func prepare(input: String, output: String) throws -> Prepared {
        let load = Load(input, options: options.load)
        let header = try load.openHeader()
        let decodesJPEG = JPEGDecode.applies(to: header, options: options.load)
        if !decodesJPEG { try load.checkIntegrity() }
        let (w, h) = header.uprightSize
        if let width = options.width, width <= w {
            throw StetError.file(.source, "is \(w)x\(h), so a width of \(width) would not enlarge it; upscale only enlarges (stet draft makes smaller copies)")
        }
        if let height = options.height, height <= h {
            throw StetError.file(.source, "is \(w)x\(h), so a height of \(height) would not enlarge it; upscale only enlarges (stet draft makes smaller copies)")
        }
        let size = Upscale.targetSize(inWidth: w, inHeight: h, scale: options.scale, width: options.width,
                                      height: options.height)
        try options.load.checkPixels(width: size.width, height: size.height, role: .output, what: "output")
        let upscale = Upscale(width: size.width, height: size.height, method: options.method,
                              weightsPath: options.weightsPath, useRefiner: options.useRefiner, flips: options.flips,
                              backProjection: options.backProjection, preset: options.preset)
        let plan: Upscale.Plan
        do { plan = try upscale.plan(for: header) } catch let e as StetError { throw e.about(.source) }
        let result = Result(input: input, output: output, inputWidth: w, inputHeight: h, width: size.width,
                            height: size.height, plan: UpscaleJob.planText(plan, upscale))
        return Prepared(result: result, plan: plan, upscale: upscale, header: header, decodesJPEG: decodesJPEG)
    }

    /// Enlarges and writes the output; `progress` hears the share of rows done.
    public func run(_ prepared: Prepared, progress: (@Sendable (Double) -> Void)? = nil) throws -> (Result, Usage) {
        var upscale = prepared.upscale
        upscale.progress = progress
        let r = prepared.result
        var image: Image
        let source = prepared.decodesJPEG
            ? try Load(r.input, options: options.load).decodeJPEG(header: prepared.header, shrink: 1) : prepared.header
        do { image = try upscale.run(source) } catch let e as StetError { throw e.about(.source) }
        if options.sharpen > 0 { image = try image.sharpened(sigma: 1, m2: options.sharpen) }
        var parameters = ["method": options.method.rawValue, "preset": options.preset.rawValue, "plan": r.plan,
                          "width": "\(r.width)", "height": "\(r.height)"]
        if options.sharpen > 0 { parameters["sharpen"] = "\(options.sharpen)" }
        if options.flips != .auto { parameters["flips"] = options.flips.rawValue }
        if options.backProjection != .auto { parameters["back-projection"] = options.backProjection.rawValue }
        // The source's generation record goes on into the output, with this edit's record.
        let carried = try ProvenanceCarry.save(image, to: r.output, format: options.format, encoding: options.encoding,
                                               source: r.input, operation: "upscale", parameters: parameters,
                                               options: options.provenance)
        var usage = Usage(operation: "upscale", parameters: parameters,
                          inputs: [.init(r.input, width: r.inputWidth, height: r.inputHeight)],
                          outputs: [.init(r.output, width: r.width, height: r.height)])
        carried.apply(to: &usage)
        return (r, usage)
    }

    /// The path taken, as the ledger and the summary name it: "learned-x4+refiner+flips+...".
    static func planText(_ plan: Upscale.Plan, _ job: Upscale) -> String {
        switch plan {
        case .lanczos: return "lanczos3"
        case .learned(let k, let resize):
            return "learned-x\(k)" + (job.refines(scale: k) ? "+refiner" : "") + (job.averagesFlips(scale: k) ? "+flips" : "")
                + (job.transposes(scale: k) ? "+transposes" : "")
                + (job.backProjects(scale: k) ? "+backproject" : "") + (resize ? "+lanczos3" : "")
        }
    }
}
