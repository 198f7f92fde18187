import ArgumentParser
import Foundation
import PixelCore
import StetSupport

/// `stet reframe`: an approved shot fitted to other ratios and platform sizes, by a
/// content-aware crop or by padding with an outpaint mask, with the decision written as data.
struct Reframe: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fit an approved shot to other aspect ratios and platform sizes: crop around the subject, or pad and write an outpaint mask.",
        discussion: """
        One decode serves every target of an image; targets with the same geometry (shorts, \
        reels, tiktok) are rendered once and linked to each name, and count as one avoided generation. \
        Many images (files, folders, --recursive) run across cores. Examples:
          stet reframe hero.jpg --for youtube,shorts,instagram-portrait --out social/
          stet reframe approved/ --to 9:16,1:1 --out social/ --json
          stet reframe hero.jpg --to 9:16,1:1 --mode pad --fill mirror --plan
          stet reframe --list
          stet reframe take.mp4 --for shorts,instagram-square --out social/

        A video clip (found from its bytes) is cropped along a path that follows the subject \
        (faces first, as for stills), held still or panning at constant speed within each scene \
        and never moving across a scene change; each target is an MP4 with the audio copied, and \
        NAME-plan.json records every scene's path and the windows planned on the sampled frames.
        """)

    @Argument(help: "Images or folders of images to reframe.")
    var images: [String] = []

    @Option(name: .customLong("to"), help: "Target ratios, comma-separated (9:16,1:1,4:5,1.91:1), each at the largest size the source supports.")
    var ratios: String?

    @Option(name: .customLong("for"), help: "Platform presets, comma-separated (see --list), each at the preset's exact pixels.")
    var presets: String?

    @Option(help: "Exact output sizes, comma-separated (1200x800).")
    var size: String?

    @Option(help: "crop, pad, or auto (crop when the crop holds every face whole or, with no faces, keeps at least --threshold of the subject; else pad).")
    var mode = "auto"

    @Option(help: "Where crops centre: auto (faces when there are any, else attention), faces, attention, entropy, centre, or X,Y: whole pixels (640,360) or fractions 0-1 with a decimal point (0.3,0.6).")
    var focus = "auto"

    @Option(help: "Pad fill: blur, mirror, edge, or a colour (#202020, 32,32,32, black).")
    var fill = "blur"

    @Option(parsing: .unconditional, help: "For --mode auto: the share 0-1 of the salient mass a crop must keep.")
    var threshold = ReframeOptions.defaultThreshold

    @Option(name: .customLong("out"), help: "Folder for the outputs (created if missing; default: the image's folder).")
    var outDir: String?

    @Option(help: "Output image format: \(OutputFormat.allValueStrings.joined(separator: ", ")) (default: the input's, else png).")
    var format: OutputFormat?

    @Flag(help: "Print the plan (per target: mode, crop box or padding, focus, subject kept, scale, warnings, files) as JSON.")
    var plan = false

    @Flag(name: .customLong("dry-run"), help: "Decide and print the plan, but write nothing.")
    var dryRun = false

    @Option(name: .customLong("saliency-map"), help: "Also write the saliency map (white = subject) as a PNG here.")
    var saliencyMap: String?

    @Flag(help: "List the platform presets with their sizes, dates checked and sources.")
    var list = false

    @OptionGroup var batch: BatchOptions
    @OptionGroup var report: ReportOptions
    @OptionGroup var input: InputOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var provenance: ProvenanceFlags
    @OptionGroup var ledgerOptions: LedgerOptions

    func validate() throws {
        if list { return }
        try usage {
            guard !images.isEmpty else { throw StetError.usage("Expected an image to reframe (or --list)") }
            guard ratios != nil || presets != nil || size != nil else {
                throw StetError.usage("Expected at least one target: --to RATIOS, --for PRESETS or --size WxH")
            }
            _ = try targets()
            try Validate.oneOf(mode, "mode", ReframeMode.allCases.map(\.rawValue))
            _ = try ReframeFocus.parse(focus)
            _ = try PadFill.parse(fill)
            try Validate.number(threshold, "threshold", in: 0...1)
            if let format { try format.checkWritable("--format \(format.fileExtension)") }
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
        let recorder = try ledgerOptions.recorder()
        let inputs = try InputList.expand(images, recursive: batch.recursive)
        if let clips = try InputList.clips(in: inputs, command: "reframe") { return try runClips(clips, recorder: recorder) }
        if let saliencyMap {
            guard inputs.count == 1 else {
                throw StetError.usage("Expected one image with --saliency-map but received \(inputs.count)")
            }
            if !dryRun { try OutputCheck.file(saliencyMap, inputs: inputs) }
        }
        if let outDir, !dryRun { try OutputCheck.folder(outDir, create: true) }
        let folders = inputs.map { path in
            outDir ?? { let d = FilePath.parent(path); return d.isEmpty ? "." : d }()
        }
        if !dryRun {
            for f in Set(folders) where f != outDir { try OutputCheck.folder(f, create: false) }
        }
        var options = ReframeJob.Options(ReframeOptions(targets: try targets(), mode: ReframeMode(rawValue: mode) ?? .auto, focus: try ReframeFocus.parse(focus),
                                                        fill: try PadFill.parse(fill), threshold: threshold))
        options.format = format; options.saliencyMap = dryRun ? nil : saliencyMap
        options.load = input.loadOptions; options.encoding = output.encoding(input)
        options.provenance = provenance.options(recorder)
        let job = ReframeJob(options)
        let clockStart = Date()
        try BatchRunner(operation: "reframe", recorder: recorder, report: report,
                        workers: batch.jobs ?? (inputs.count > 1 ? ProcessInfo.processInfo.activeProcessorCount : 1),
                        records: !dryRun)
            .run(inputs) { i, _ in
                let planned = try job.plan(input: inputs[i], folder: folders[i])
                for p in planned.files { try SafeOutput.refuseOverwritingInputs(output: p, inputs: inputs) }
                if dryRun {
                    // Decide and print; write nothing at all (not even the saliency map).
                    let r = ReframeJob.Result(input: inputs[i], folder: folders[i], planFile: planned.planFile,
                                              distinctRenders: 0, plan: planned.plan)
                    return (r, Usage(operation: "reframe"), String(decoding: planned.planJSON, as: UTF8.self))
                }
                let r: ReframeJob.Result, usage: Usage
                do { (r, usage) = try job.render(planned) } catch {
                    throw error.namingRoles(FileNames(source: inputs[i], [ReframeJob.planRole: planned.planFile]))
                }
                return (r, usage, text(r, seconds: Date().timeIntervalSince(clockStart)))
            }
    }

    private func text(_ r: ReframeJob.Result, seconds: Double) -> String {
        let decision = r.plan
        if plan { return String(decoding: (try? stetJSONEncoder().encode(decision)) ?? Data(), as: UTF8.self) }
        let rows = decision.targets.map { t in
            [t.target, "\(t.width)x\(t.height)", t.mode.rawValue, String(format: "%.3f", t.subjectKept),
             String(format: "%.3f", t.scale), t.files.image]
        }
        for t in decision.targets { for w in t.warnings { Console.warning("\(t.target): \(w)") } }
        if !report.quiet {
            let crops = decision.targets.filter { $0.mode == .crop }.count
            Console.status(String(format: "reframe: %@: %d targets (%d crop, %d pad; %d distinct renders) from %dx%d in %.2f s -> %@",
                                  r.input, decision.targets.count, crops, decision.targets.count - crops, r.distinctRenders,
                                  decision.sourceWidth, decision.sourceHeight, seconds, r.folder))
        }
        return Table.render(header: ["target", "size", "mode", "kept", "scale", "file"], rows: rows)
    }

    private func printList() {
        let rows = PlatformPreset.all.map { p in
            [p.id, "\(p.width)x\(p.height)", p.ratio.description, p.name, p.checked, p.source]
        }
        Console.out(Table.render(header: ["preset", "size", "ratio", "name", "checked", "source"], rows: rows))
    }
}
