import Foundation
import StetSupport

/// `reframe` as a job: one approved shot fitted to every target from one decode. `plan`
/// decodes, measures the subject and decides every target (and writes nothing); `render`
/// writes the targets, the plan file and any asked-for saliency map, together or not at all.
/// Targets with the same geometry (Shorts, Reels and TikTok are all 1080x1920) are rendered
/// and encoded once and linked to each name, and count as one avoided generation.
public struct ReframeJob: Sendable {
    public struct Options: Sendable {
        public var reframe: ReframeOptions
        /// The output format (default: the input's when Stet writes it, else PNG).
        public var format: OutputFormat?
        public var saliencyMap: String?
        public var load: LoadOptions = .strict
        public var encoding: Encoding = .standard
        /// The generation record and the edit record written into each target (see `ProvenanceCarry`).
        public var provenance = ProvenanceCarry.Options()
        public init(_ reframe: ReframeOptions) { self.reframe = reframe }
    }

    /// The decision for one input, before anything is written.
    public struct Planned: @unchecked Sendable {
        public var input: String
        public var folder: String
        public var plan: ReframePlan
        public var planFile: String
        /// Every file `render` writes, in the folder.
        public var files: [String]
        let pyramid: SourcePyramid
        let map: SaliencyMap

        public var planJSON: Data { (try? stetJSONEncoder().encode(plan)) ?? Data() }
    }

    public struct Result: Sendable, Codable, Equatable {
        public var input: String
        public var folder: String
        public var planFile: String
        public var distinctRenders: Int
        public var plan: ReframePlan
        public init(input: String, folder: String, planFile: String, distinctRenders: Int, plan: ReframePlan) {
            self.input = input; self.folder = folder; self.planFile = planFile; self.distinctRenders = distinctRenders
            self.plan = plan
        }
    }

    public var options: Options
    public init(_ options: Options) { self.options = options }

    public static func stem(_ input: String) -> String {
        ((input as NSString).lastPathComponent as NSString).deletingPathExtension
    }

    public func plan(input: String, folder: String) throws -> Planned {
        let o = options.reframe
        let ext = options.format?.fileExtension ?? OutputFormat(name: (input as NSString).pathExtension)
            .map { ($0.isWritable ? (input as NSString).pathExtension.lowercased() : "png") } ?? "png"
        let stem = ReframeJob.stem(input)
        // One decode serves every target: analysis and every cut read this memory image.
        let source = try SourcePyramid.decodeSource(input, options: options.load)
        if case let .point(x, y, false) = o.focus, x > Double(source.width) || y > Double(source.height) {
            throw Validate.invalid("focus point inside the \(source.width)x\(source.height) image", "focus",
                                   "\(Int(x)),\(Int(y))")
        }
        let pyramid = try SourcePyramid(source)
        // The measures run on a small analysis copy; the smallest level makes it cheaply.
        let map = try SaliencyMap.compute(o.focus.measure, for: pyramid.levels.last!)
        let faces = o.focus.usesFaces
            ? try FaceDetector().detect(in: pyramid.smallest(longSide: FaceDetector.Options().longSide),
                                        sourceWidth: source.width, sourceHeight: source.height)
            : []
        let decision = ReframePlanner.plan(input: input, sourceWidth: source.width, sourceHeight: source.height,
                                           map: map, faces: faces, options: o, stem: stem, imageExtension: ext)
        let planFile = (folder as NSString).appendingPathComponent("\(stem)-plan.json")
        var names: [String] = []
        for t in decision.targets {
            names.append(t.files.image)
            names += [t.files.mask, t.files.payload, t.files.outpaintSource].compactMap { $0 }
            names += (t.files.scaledSources ?? [:]).values.sorted()
        }
        let files = [planFile] + names.map { (folder as NSString).appendingPathComponent($0) }
        for t in decision.targets {
            try options.load.checkPixels(width: t.width, height: t.height,
                                         role: .referenced((folder as NSString).appendingPathComponent(t.files.image)),
                                         what: "output")
        }
        return Planned(input: input, folder: folder, plan: decision, planFile: planFile, files: files,
                       pyramid: pyramid, map: map)
    }

    /// What errors call the plan file written beside the targets (the caller has its path from
    /// `Planned.planFile`).
    public static let planRole = FileRole.companion("plan")

    /// Writes every target of `planned`, its plan file and the saliency map if asked for.
    public func render(_ planned: Planned) throws -> (Result, Usage) {
        let decision = planned.plan, folder = planned.folder
        let o = options.reframe
        let parameters = ["targets": decision.targets.map(\.target).joined(separator: ","), "mode": o.mode.rawValue,
                          "focus": o.focus.description, "fill": o.fill.description,
                          "threshold": String(format: "%.2f", o.threshold)]
        // Every target image carries the source's generation record and this edit's.
        let id = options.provenance.entryID ?? UUID().uuidString.lowercased()
        let carry = try ProvenanceCarry.prepare(source: planned.input, operation: "reframe", parameters: parameters,
                                                entry: id, options: options.provenance)
        let batch = try OutputBatch(folder: folder)
        let distinct: Int
        do {
            distinct = try renderTargets(decision, from: planned.pyramid, into: batch, folder: folder, carry: carry)
            let json = planned.planJSON
            try batch.add(planned.planFile) { tmp in
                guard FileManager.default.createFile(atPath: tmp, contents: json) else {
                    throw StetError.file(ReframeJob.planRole, "cannot be written")
                }
            }
            if let saliencyMap = options.saliencyMap {
                let image = try planned.map.visualised(faces: decision.faces ?? [], sourceWidth: decision.sourceWidth,
                                                       sourceHeight: decision.sourceHeight)
                try batch.add(saliencyMap) { tmp in try image.save(tmp, role: .referenced(saliencyMap), format: .png) }
            }
            try batch.commit()
        } catch {
            batch.discard()
            throw error
        }
        let crops = decision.targets.filter { $0.mode == .crop }.count
        var usage = Usage(
            operation: "reframe",
            parameters: parameters.merging(["crops": "\(crops)", "pads": "\(decision.targets.count - crops)",
                                            "renders": "\(distinct)"]) { a, _ in a },
            inputs: [.init(planned.input, width: decision.sourceWidth, height: decision.sourceHeight)],
            outputs: decision.targets.map { t in
                .init((folder as NSString).appendingPathComponent(t.files.image), width: t.width, height: t.height)
            },
            units: distinct)
        usage.id = id
        try carry?.finish(outputs: decision.targets.map { (folder as NSString).appendingPathComponent($0.files.image) },
                          id: id).apply(to: &usage)
        return (Result(input: planned.input, folder: folder, planFile: planned.planFile, distinctRenders: distinct,
                       plan: decision), usage)
    }

    /// Renders every target to temporary files in `batch`, as many at once as there are cores
    /// (each libvips pipeline is threaded too, but JPEG encoding is serial). Returns how many
    /// distinct target images were rendered.
    private func renderTargets(_ decision: ReframePlan, from source: SourcePyramid, into batch: OutputBatch,
                               folder: String, carry: ProvenanceCarry?) throws -> Int {
        let encoding = options.encoding
        let padFill = options.reframe.fill
        func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }
        // `carries`: a target image (not a mask or an outpaint request) takes the provenance.
        var jobs: [(tmp: String, final: String, carries: Bool, make: @Sendable () throws -> Image)] = []
        var links: [(from: String, to: String, final: String)] = []
        var byGeometry: [String: String] = [:]
        for t in decision.targets {
            let ext = (t.files.image as NSString).pathExtension
            let key = t.crop.map { "crop \($0) \(t.width)x\(t.height) \(ext)" } ?? t.pad.map { "pad \($0) \(ext)" }
            let tmp = try batch.reserve(path(t.files.image))
            if let key, let first = byGeometry[key] {
                links.append((first, tmp, path(t.files.image)))
            } else if let box = t.crop {
                byGeometry[key!] = tmp
                let (w, h) = (t.width, t.height)
                jobs.append((tmp, path(t.files.image), true, { try source.crop(box, width: w, height: h) }))
            } else if let pad = t.pad {
                byGeometry[key!] = tmp
                let fitted = try source.resized(toWidth: pad.imageWidth, height: pad.imageHeight).materialized()
                jobs.append((tmp, path(t.files.image), true, { try ReframeRender.pad(fitted, plan: pad, fill: padFill) }))
                if let mask = t.files.mask {
                    jobs.append((try batch.reserve(path(mask)), path(mask), false, { try ReframeRender.mask(plan: pad) }))
                }
                if let name = t.files.outpaintSource { jobs.append((try batch.reserve(path(name)), path(name), false, { fitted })) }
                for request in t.outpaint?.requests ?? [] where request.scaledDown {
                    let (w, h) = (request.imageWidth, request.imageHeight)
                    jobs.append((try batch.reserve(path(request.image)), path(request.image), false,
                                 { try fitted.resized(toWidth: w, height: h) }))
                }
                if let payload = t.outpaint, let name = t.files.payload {
                    let data = try stetJSONEncoder().encode(payload)
                    try batch.add(path(name)) { tmp in
                        guard FileManager.default.createFile(atPath: tmp, contents: data) else {
                            throw StetError.file(.referenced(path(name)), "cannot be written")
                        }
                    }
                }
            }
        }
        let todo = jobs
        _ = try ParallelMap.all(todo.count) { i in
            try todo[i].make().save(todo[i].tmp, role: .referenced(todo[i].final), encoding: encoding,
                                    carry: todo[i].carries ? carry : nil)
        }
        // The same render under each name: a hard link where the file system allows, else a copy.
        for (from, to, final) in links where link(from, to) != 0 {
            do { try FileManager.default.copyItem(atPath: from, toPath: to) } catch {
                throw StetError.file(.referenced(final), "cannot be written: \(error.localizedDescription)")
            }
        }
        return byGeometry.count
    }
}
