import ArgumentParser
import Foundation
import PixelCore
import StetSupport

/// `stet draft`: low-resolution proxies of many candidates at once, for review.
struct Draft: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make low-resolution review proxies of many images and clips at once (shrink-on-load, all cores).",
        discussion: """
        Proxies go to --out DIR named by -o PATTERN (default %s.<format>; fields %s, %e, %i, %%). \
        Two sources with the same name are told apart (x.jpg, x-2.jpg) with a warning.
        Examples:
          stet draft renders/*.png --size 512 --out drafts --manifest drafts.json
          stet draft shots/ --recursive --format webp --quality 70 --json
        A video clip becomes NAME.mp4 (H.264, CRF 28, a keyframe every second, audio copied) and \
        NAME-poster.jpg, 540 pixels on the longest edge unless --size says.
          stet draft takes/*.mp4 --out drafts --manifest drafts.json
        """)

    @Argument(help: "Images, clips, or folders of them to make proxies of.")
    var images: [String]

    @Option(parsing: .unconditional, help: "Longest edge of each proxy in pixels, never enlarged (default 512; 540 for clips).")
    var size: Int?

    @Option(name: .customLong("out"), help: "Folder for the proxies (created if missing).")
    var outDir = "drafts"

    @Option(name: [.customShort("o"), .customLong("output")], help: ArgumentHelp("Name pattern for each proxy in --out (default %s.<format>).", valueName: "pattern"))
    var pattern: String?

    @Option(help: "Proxy format: \(OutputFormat.allValueStrings.joined(separator: ", ")).")
    var format: OutputFormat = .jpeg

    @Option(help: "Write provenance JSON here: each proxy's source path, SHA-256 and size, and the files that failed.")
    var manifest: String?

    @OptionGroup var batch: BatchOptions
    @OptionGroup var report: ReportOptions
    @OptionGroup var input: InputOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var provenance: ProvenanceFlags
    @OptionGroup var ledgerOptions: LedgerOptions

    func validate() throws {
        try usage {
            if let size { try Validate.positiveInteger(size, "size") }
            try format.checkWritable("--format \(format.fileExtension)")
            if let pattern { try OutputNames.check(pattern, option: "output") }
        }
    }

    func run() throws {
        let clock = Date()
        let recorder = try ledgerOptions.recorder()
        let inputs = try InputList.expand(images, recursive: batch.recursive,
                                          extensions: InputList.imageExtensions.union(ClipSniffer.clipExtensions))
        let isClip = inputs.map(ClipSniffer.isClip)
        // Every output place is checked before any decoding.
        if let manifest { try OutputCheck.file(manifest, inputs: inputs) }
        try OutputCheck.folder(outDir, create: true)
        var (targets, warnings) = OutputNames(pattern: pattern ?? "%s.\(format.fileExtension)", folder: outDir)
            .paths(for: inputs)
        for w in warnings { Console.warning(w) }
        // A clip's proxy is an MP4 whatever the pattern's extension, with its poster beside it.
        for i in targets.indices where isClip[i] { targets[i] = (targets[i] as NSString).deletingPathExtension + ".mp4" }
        let posters = targets.map { ClipDraftJob.posterPath(for: $0) }
        for (i, t) in targets.enumerated() {
            if !isClip[i] { _ = try OutputFormat.forPath(t) }
            try SafeOutput.refuseOverwritingInputs(output: t, inputs: inputs)
            if isClip[i] { try SafeOutput.refuseOverwritingInputs(output: posters[i], inputs: inputs) }
        }

        var options = DraftJob.Options()
        options.size = size ?? 512; options.format = format; options.load = input.loadOptions
        options.encoding = output.encoding(input)
        options.provenance = provenance.options(recorder, entryID: UUID().uuidString.lowercased())
        let job = DraftJob(options)
        var clipOptions = ClipDraftJob.Options()
        clipOptions.size = size ?? 540; clipOptions.load = input.loadOptions; clipOptions.encoding = output.encoding(input)
        let clipJob = ClipDraftJob(clipOptions)
        let workers = min(batch.jobs ?? ProcessInfo.processInfo.activeProcessorCount, max(inputs.count, 1))
        // A draft batch is one use (a review of these candidates): one ledger entry.
        try BatchRunner(operation: "draft", recorder: recorder, report: report, workers: workers, oneEntry: true)
            .run(inputs, files: { FileNames(source: inputs[$0], [.output: targets[$0], ClipDraftJob.posterRole: posters[$0]]) }, { i, _ in
                if isClip[i] {
                    let (r, usage) = try clipJob.run(input: inputs[i], output: targets[i], poster: posters[i])
                    if let w = r.warning { Console.warning("\(inputs[i]): \(w)") }
                    return (r, usage, "")
                }
                let (r, usage) = try job.run(input: inputs[i], output: targets[i])
                return (r, usage, "")
            }, finally: { outcome in
                let made = outcome.results.compactMap { $0 }
                if let manifest, !made.isEmpty {
                    let failures = outcome.failures.map {
                        DraftManifest.Failed(source: inputs[$0.index], error: Console.describe($0.error, naming: inputs[$0.index]))
                    }
                    let doc = try DraftManifest.of(made, failures: failures, options: options, version: StetVersion.current,
                                                   digest: recorder.digest)
                    try SafeOutput.write(try stetJSONEncoder().encode(doc), to: manifest)
                }
                guard !report.quiet else { return }
                let mpIn = made.reduce(0.0) { $0 + Double($1.sourceWidth * $1.sourceHeight) / 1e6 }
                let mpOut = made.reduce(0.0) { $0 + Double($1.width * $1.height) / 1e6 }
                let bytesIn = made.reduce(Int64(0)) { $0 + $1.bytesIn }
                let bytesOut = made.reduce(Int64(0)) { $0 + $1.bytesOut }
                Console.status(String(format: "draft: %d files, %.1f MP -> %.2f MP, %@ -> %@, %.2f s -> %@",
                                      made.count, mpIn, mpOut, ByteCount.format(bytesIn), ByteCount.format(bytesOut),
                                      Date().timeIntervalSince(clock), outDir))
            })
    }
}
