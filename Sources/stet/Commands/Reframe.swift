import ArgumentParser
import Dispatch
import Foundation
import PixelCore
import StetSupport

/// `stet reframe`: an approved shot fitted to other ratios and platform sizes, by a
/// content-aware crop or by padding with an outpaint mask, with the decision written as data.
struct Reframe: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit an approved shot to other aspect ratios and platform sizes: crop around the subject, or pad and write an outpaint mask.",
        discussion: """
        One decode serves every target. Examples:
          stet reframe hero.jpg --for youtube,shorts,instagram-portrait --out social/
          stet reframe hero.jpg --to 9:16,1:1 --mode pad --fill mirror --plan
          stet reframe --list
        """)

    @Argument(help: "The image to reframe.")
    var image: String?

    @Option(name: .customLong("to"), help: "Target ratios, comma-separated (9:16,1:1,4:5,1.91:1), each at the largest size the source supports.")
    var ratios: String?

    @Option(name: .customLong("for"), help: "Platform presets, comma-separated (see --list), each at the preset's exact pixels.")
    var presets: String?

    @Option(help: "Exact output sizes, comma-separated (1200x800).")
    var size: String?

    @Option(help: "crop, pad, or auto (crop when the crop keeps at least --threshold of the subject, else pad).")
    var mode = "auto"

    @Option(help: "Where crops centre: attention, entropy, centre, or X,Y (pixels, or fractions such as 0.3,0.6).")
    var focus = "attention"

    @Option(help: "Pad fill: blur, mirror, edge, or a colour (#202020, 32,32,32, black).")
    var fill = "blur"

    @Option(help: "For --mode auto: the share 0-1 of the salient mass a crop must keep.")
    var threshold = ReframeOptions.defaultThreshold

    @Option(name: .customLong("out"), help: "Folder for the outputs (created if missing; default: the image's folder).")
    var outDir: String?

    @Option(help: "Output image format: jpg, png, webp or tif (default: the input's, else png).")
    var format: String?

    @Flag(help: "Print the plan (per target: mode, crop box or padding, focus, subject kept, scale, warnings, files) as JSON.")
    var plan = false

    @Flag(name: .customLong("dry-run"), help: "Decide and print the plan, but write nothing.")
    var dryRun = false

    @Option(name: .customLong("saliency-map"), help: "Also write the saliency map (white = subject) as a PNG here.")
    var saliencyMap: String?

    @Flag(help: "List the platform presets with their sizes, dates checked and sources.")
    var list = false

    @OptionGroup var input: InputOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var ledgerOptions: LedgerOptions

    static let formats = ["jpg", "jpeg", "png", "webp", "tif", "tiff"]

    func validate() throws {
        if list { return }
        try usage {
            guard image != nil else { throw StetError.usage("Expected an image to reframe (or --list)") }
            guard ratios != nil || presets != nil || size != nil else {
                throw StetError.usage("Expected at least one target: --to RATIOS, --for PRESETS or --size WxH")
            }
            _ = try targets()
            try Validate.oneOf(mode, "mode", ReframeMode.allCases.map(\.rawValue))
            _ = try ReframeFocus.parse(focus)
            _ = try PadFill.parse(fill)
            try Validate.number(threshold, "threshold", in: 0...1)
            if let format { try Validate.oneOf(format.lowercased(), "format", Reframe.formats) }
        }
    }

    func targets() throws -> [ReframeTarget] {
        var all: [ReframeTarget] = []
        if let ratios { all += try ReframeTarget.ratios(ratios) }
        if let presets { all += try ReframeTarget.presets(presets) }
        if let size { all += try ReframeTarget.sizes(size) }
        var seen = Set<String>()
        for t in all where !seen.insert(t.label).inserted {
            throw Validate.invalid("distinct targets", "targets", "\(t.label) twice")
        }
        return all
    }

    func run() throws {
        if list { return printList() }
        try ledgerOptions.recordingFailure(of: "reframe", inputs: image.map { [$0] } ?? []) { try reframe(clock: $0) }
    }

    private func reframe(clock: CommandClock) throws {
        guard let path = image else { throw StetError.usage("Expected an image to reframe (or --list)") }
        let options = ReframeOptions(targets: try targets(), mode: ReframeMode(rawValue: mode) ?? .auto,
                                     focus: try ReframeFocus.parse(focus), fill: try PadFill.parse(fill),
                                     threshold: threshold)
        let dir = outDir ?? {
            let d = (path as NSString).deletingLastPathComponent
            return d.isEmpty ? "." : d
        }()
        let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
        let ext = imageExtension(for: path)

        // One decode serves every target: analysis and every cut read this memory image.
        let source = try SourcePyramid.decodeSource(path, options: input.loadOptions)
        if case let .point(x, y, false) = options.focus, x > Double(source.width) || y > Double(source.height) {
            throw Validate.invalid("focus point inside the \(source.width)x\(source.height) image", "focus",
                                   "\(Int(x)),\(Int(y))")
        }
        let pyramid = try SourcePyramid(source)
        // The measures run on a small analysis copy; the smallest level makes it cheaply.
        let map = try SaliencyMap.compute(options.focus.measure, for: pyramid.levels.last!)
        let decision = ReframePlanner.plan(input: path, sourceWidth: source.width, sourceHeight: source.height,
                                           map: map, options: options, stem: stem, imageExtension: ext)
        if let saliencyMap { try SafeOutput.refuseOverwritingInputs(output: saliencyMap, inputs: [path]) }
        let planName = "\(stem)-plan.json"
        let planJSON = try stetJSONEncoder().encode(decision)

        var names = [planName]
        for t in decision.targets {
            names.append(t.files.image)
            names += [t.files.mask, t.files.payload, t.files.outpaintSource].compactMap { $0 }
            names += (t.files.scaledSources ?? [:]).values.sorted()
        }
        let paths = names.map { (dir as NSString).appendingPathComponent($0) }
        for p in paths { try SafeOutput.refuseOverwritingInputs(output: p, inputs: [path]) }
        for t in decision.targets {
            try input.loadOptions.checkPixels(width: t.width, height: t.height,
                                              path: (dir as NSString).appendingPathComponent(t.files.image),
                                              what: "output")
        }

        if dryRun {
            if let saliencyMap { try map.visualised().save(saliencyMap) }
            Console.out(String(decoding: planJSON, as: UTF8.self))
            return
        }

        let batch = try OutputBatch(folder: dir)
        do {
            try render(decision, from: pyramid, into: batch, folder: dir)
            try batch.add((dir as NSString).appendingPathComponent(planName)) { tmp in
                guard FileManager.default.createFile(atPath: tmp, contents: planJSON) else {
                    throw StetError.output(planName, "cannot be written")
                }
            }
            if let saliencyMap {
                let image = try map.visualised()
                try batch.add(saliencyMap) { tmp in try image.save(tmp) }
            }
            try batch.commit()
        } catch {
            batch.discard()
            throw error
        }

        if plan {
            Console.out(String(decoding: planJSON, as: UTF8.self))
        } else {
            let rows = decision.targets.map { t in
                [t.target, "\(t.width)x\(t.height)", t.mode.rawValue, String(format: "%.3f", t.subjectKept),
                 String(format: "%.3f", t.scale), t.files.image]
            }
            Console.out(Table.render(header: ["target", "size", "mode", "kept", "scale", "file"], rows: rows))
            for t in decision.targets { for w in t.warnings { Console.status("warning: \(t.target): \(w)") } }
        }
        let crops = decision.targets.filter { $0.mode == .crop }.count
        Console.status(String(format: "reframe: %d targets (%d crop, %d pad) from %dx%d in %.2f s -> %@",
                              decision.targets.count, crops, decision.targets.count - crops,
                              source.width, source.height, clock.wallSeconds, dir))

        var usage = Usage(operation: "reframe", units: decision.targets.count)
        usage.parameters = [
            "targets": decision.targets.map(\.target).joined(separator: ","), "mode": mode,
            "focus": options.focus.description, "fill": options.fill.description,
            "threshold": String(format: "%.2f", threshold), "crops": "\(crops)",
            "pads": "\(decision.targets.count - crops)",
        ]
        usage.inputs = [try ledgerOptions.fileRecord(path, width: source.width, height: source.height)]
        usage.outputs = try decision.targets.map { t in
            try ledgerOptions.fileRecord((dir as NSString).appendingPathComponent(t.files.image),
                                         width: t.width, height: t.height)
        }
        try ledgerOptions.record(usage, clock: clock)
    }

    /// Renders every target to temporary files in `batch`, as many at once as there are cores
    /// (each libvips pipeline is threaded too, but JPEG encoding is serial). Targets with the
    /// same geometry (Shorts, Reels and TikTok are all 1080x1920) are rendered and encoded once
    /// and copied.
    private func render(_ decision: ReframePlan, from source: SourcePyramid, into batch: OutputBatch,
                        folder: String) throws {
        let quality = output.quality, compression = output.pngCompression, strip = !output.keepMetadata
        let limit = input.loadOptions.limitPixels
        let padFill = try PadFill.parse(fill)
        func path(_ name: String) -> String { (folder as NSString).appendingPathComponent(name) }
        var jobs: [(tmp: String, make: @Sendable () throws -> Image)] = []
        var copies: [(from: String, to: String)] = []
        var byGeometry: [String: String] = [:]
        for t in decision.targets {
            if let box = t.crop {
                let key = "crop \(box) \(t.width)x\(t.height) \((t.files.image as NSString).pathExtension)"
                let tmp = try batch.reserve(path(t.files.image))
                if let first = byGeometry[key] {
                    copies.append((first, tmp))
                } else {
                    byGeometry[key] = tmp
                    let (w, h) = (t.width, t.height)
                    jobs.append((tmp, { try source.crop(box, width: w, height: h) }))
                }
            } else if let pad = t.pad {
                let fitted = try source.resized(toWidth: pad.imageWidth, height: pad.imageHeight).materialized()
                jobs.append((try batch.reserve(path(t.files.image)), { try ReframeRender.pad(fitted, plan: pad, fill: padFill) }))
                if let mask = t.files.mask {
                    jobs.append((try batch.reserve(path(mask)), { try ReframeRender.mask(plan: pad) }))
                }
                if let name = t.files.outpaintSource { jobs.append((try batch.reserve(path(name)), { fitted })) }
                for request in t.outpaint?.requests ?? [] where request.scaledDown {
                    let (w, h) = (request.imageWidth, request.imageHeight)
                    jobs.append((try batch.reserve(path(request.image)), { try fitted.resized(toWidth: w, height: h) }))
                }
                if let payload = t.outpaint, let name = t.files.payload {
                    let data = try stetJSONEncoder().encode(payload)
                    try batch.add(path(name)) { tmp in
                        guard FileManager.default.createFile(atPath: tmp, contents: data) else {
                            throw StetError.output(name, "cannot be written")
                        }
                    }
                }
            }
        }
        let failures = ResultSlots<Error>(count: jobs.count)
        let next = AtomicCounter()
        let todo = jobs
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, todo.count))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                let i = next.increment()
                guard i < todo.count else { break }
                do {
                    try todo[i].make().save(todo[i].tmp, quality: quality, compression: compression, strip: strip,
                                                            limitPixels: limit)
                } catch {
                    failures[i] = error
                }
            }
        }
        if let error = failures.values.compactMap({ $0 }).first { throw error }
        for (from, to) in copies {
            do { try FileManager.default.copyItem(atPath: from, toPath: to) } catch {
                throw StetError.output(to, "cannot be written: \(error.localizedDescription)")
            }
        }
    }

    private func imageExtension(for path: String) -> String {
        if let format { return format.lowercased() }
        let ext = (path as NSString).pathExtension.lowercased()
        return Reframe.formats.contains(ext) ? ext : "png"
    }

    private func printList() {
        let rows = PlatformPreset.all.map { p in
            [p.id, "\(p.width)x\(p.height)", p.ratio.description, p.name, p.checked, p.source]
        }
        Console.out(Table.render(header: ["preset", "size", "ratio", "name", "checked", "source"], rows: rows))
    }
}
