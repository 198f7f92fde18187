import ArgumentParser
import Dispatch
import Foundation
import PixelCore
import StetSupport

/// `stet draft`: low-resolution proxies of many candidates at once, for review.
struct Draft: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make low-resolution review proxies of many images at once (shrink-on-load, all cores).")

    @Argument(help: "Images to make proxies of.")
    var images: [String]

    @Option(help: "Longest edge of each proxy in pixels (never enlarged).")
    var size = 512

    @Option(name: .customLong("out"), help: "Folder for the proxies (created if missing).")
    var outDir = "drafts"

    @Option(help: "Proxy format: jpg, webp or png.")
    var format = "jpg"

    @Option(help: "Files processed at once (default: all cores).")
    var jobs: Int?

    @Option(help: "Write provenance JSON here: each proxy's source path, SHA-256 and size.")
    var manifest: String?

    @OptionGroup var input: InputOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var ledgerOptions: LedgerOptions

    func validate() throws {
        try usage {
            try Validate.positiveInteger(size, "size")
            try Validate.oneOf(format, "format", ["jpg", "webp", "png"])
            if let jobs { try Validate.positiveInteger(jobs, "jobs") }
        }
    }

    /// One proxy's record, for the summary, the manifest and the ledger.
    struct Made: Codable {
        var source: FileRecord
        var proxy: FileRecord
    }

    struct Manifest: Codable {
        var stetVersion: String
        var size: Int
        var format: String
        var proxies: [Made]
    }

    func run() throws {
        let clock = CommandClock()
        do {
            try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
        } catch {
            throw StetError.output(outDir, "cannot create folder")
        }
        let targets = DraftNaming.outputPaths(for: images, in: outDir, format: format)
        if let manifest { try SafeOutput.refuseOverwritingInputs(output: manifest, inputs: images) }

        let workers = min(jobs ?? ProcessInfo.processInfo.activeProcessorCount, images.count)
        // Files spread across cores; each pipeline then runs on one libvips thread so the two
        // kinds of parallelism do not oversubscribe the machine.
        if workers > 1 { Vips.concurrency = 1 }

        let results = ResultSlots<Result<Made, Error>>(count: images.count)
        let progress = ProgressBar(total: images.count)
        let next = AtomicCounter()
        let loadOptions = input.loadOptions
        let quality = output.quality, compression = output.pngCompression, strip = !output.keepMetadata, size = self.size
        let wantHash = manifest != nil || !ledgerOptions.loggingDisabled
        DispatchQueue.concurrentPerform(iterations: max(workers, 1)) { _ in
            while true {
                let i = next.increment()
                guard i < images.count else { break }
                let source = images[i], target = targets[i]
                results[i] = Result {
                    try SafeOutput.refuseOverwritingInputs(output: target, inputs: images)
                    let thumb = try Thumbnail(source, width: size, height: size, size: .down,
                                              options: loadOptions).runWithSource()
                    try thumb.image.save(target, quality: quality, compression: compression, strip: strip,
                                         limitPixels: loadOptions.limitPixels)
                    let src = wantHash
                        ? try FileRecord.of(source, width: thumb.sourceWidth, height: thumb.sourceHeight)
                        : FileRecord(path: source, sha256: "", bytes: fileSize(source),
                                     width: thumb.sourceWidth, height: thumb.sourceHeight)
                    let out = wantHash
                        ? try FileRecord.of(target, width: thumb.image.width, height: thumb.image.height)
                        : FileRecord(path: target, sha256: "", bytes: fileSize(target),
                                     width: thumb.image.width, height: thumb.image.height)
                    return Made(source: src, proxy: out)
                }
                progress.tick((source as NSString).lastPathComponent)
            }
        }

        var made: [Made] = []
        var failures = 0
        for (i, result) in results.values.enumerated() {
            switch result {
            case .success(let m)?: made.append(m)
            case .failure(let error)?:
                failures += 1
                Console.error((error as? StetError)?.naming(images[i]).description ?? "\(images[i]): \(error)")
            case nil: break
            }
        }

        if let manifest, !made.isEmpty {
            let doc = Manifest(stetVersion: StetVersion.current, size: size, format: format, proxies: made)
            try SafeOutput.write(try stetJSONEncoder().encode(doc), to: manifest)
        }

        let seconds = clock.wallSeconds
        let mpIn = made.reduce(0.0) { $0 + Double(($1.source.width ?? 0) * ($1.source.height ?? 0)) / 1e6 }
        let mpOut = made.reduce(0.0) { $0 + Double(($1.proxy.width ?? 0) * ($1.proxy.height ?? 0)) / 1e6 }
        let bytesIn = made.reduce(Int64(0)) { $0 + $1.source.bytes }
        let bytesOut = made.reduce(Int64(0)) { $0 + $1.proxy.bytes }
        Console.status(String(format: "draft: %d files, %.1f MP -> %.2f MP, %@ -> %@, %.2f s -> %@",
                              made.count, mpIn, mpOut, ByteCount.format(bytesIn), ByteCount.format(bytesOut),
                              seconds, outDir))

        if !made.isEmpty {
            var usage = Usage(operation: "draft")
            usage.parameters = ["size": "\(size)", "format": format, "files": "\(made.count)"]
            usage.inputs = made.map(\.source)
            usage.outputs = made.map(\.proxy)
            if let manifest { usage.outputs.append(try FileRecord.of(manifest)) }
            try ledgerOptions.record(usage, clock: clock)
        }
        if failures > 0 {
            let failure = BatchFailure(failed: failures, total: images.count)
            ledgerOptions.recordFailure(operation: "draft", error: failure, clock: clock)
            throw failure
        }
    }
}

/// Output names for a batch: the source's base name with the new extension, made unique
/// when two sources share a base name.
enum DraftNaming {
    static func outputPaths(for inputs: [String], in dir: String, format: String) -> [String] {
        var used: [String: Int] = [:]
        return inputs.map { input in
            let base = ((input as NSString).lastPathComponent as NSString).deletingPathExtension
            let key = base.lowercased()
            let n = (used[key] ?? 0) + 1
            used[key] = n
            let name = n == 1 ? "\(base).\(format)" : "\(base)-\(n).\(format)"
            return (dir as NSString).appendingPathComponent(name)
        }
    }
}
