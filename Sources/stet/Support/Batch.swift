import CostLedger
import Foundation
import PixelCore
import StetSupport

/// The inputs of a command: files as given, folders opened into the images they hold (sorted,
/// `--recursive` descends), and `-` for one image read from standard input.
enum InputList {
    /// Extensions taken from a folder (a file given by name is taken whatever its name).
    static let imageExtensions: Set<String> = ["jpg", "jpeg", "png", "webp", "tif", "tiff", "gif", "heic", "heif",
                                               "avif", "jxl"]

    /// `extensions`: what a folder's files must end in (images by default; clips for `sheet`).
    static func expand(_ arguments: [String], recursive: Bool, extensions: Set<String> = imageExtensions) throws -> [String] {
        var out: [String] = []
        for arg in arguments {
            if arg == "-" {
                guard arguments.count == 1 else {
                    throw StetError.usage("Expected - (standard input) as the only input but received \(arguments.count) inputs")
                }
                out.append(try StandardStreams.spoolInput())
                continue
            }
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: arg, isDirectory: &isDir), isDir.boolValue else {
                out.append(arg); continue
            }
            let found = try images(in: arg, recursive: recursive, extensions: extensions)
            guard !found.isEmpty else {
                throw StetError.input(arg, "folder has no images" + (recursive ? "" : " (--recursive looks in its subfolders)"))
            }
            out += found
        }
        return out
    }

    /// The inputs when they are all video clips (found from their bytes), nil when none is; a
    /// mix is refused, since the two kinds take different options and outputs.
    static func clips(in inputs: [String], command: String) throws -> [String]? {
        let kinds = inputs.map(ClipSniffer.isClip)
        guard kinds.contains(true) else { return nil }
        guard !kinds.contains(false) else {
            throw StetError.usage("Expected only images or only video clips but received both; \(command) them in two runs")
        }
        return inputs
    }

    private static func images(in folder: String, recursive: Bool, extensions: Set<String>) throws -> [String] {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: folder) else {
            throw StetError.input(folder, "folder cannot be read")
        }
        var files: [String] = [], folders: [String] = []
        for name in names.sorted() where !name.hasPrefix(".") {
            let path = folder.hasSuffix("/") ? folder + name : folder + "/" + name
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDir) else { continue }
            if isDir.boolValue { folders.append(path) }
            else if extensions.contains((name as NSString).pathExtension.lowercased()) { files.append(path) }
        }
        if recursive { for f in folders { files += try images(in: f, recursive: true, extensions: extensions) } }
        return files
    }
}

/// Output names for a batch, in the style of vipsthumbnail's `-o tn_%s.jpg`:
///   %s  the input's name without its extension      %e  the input's extension
///   %i  the input's position in the batch (1, 2, ...)  %%  a literal %
/// A pattern without a folder goes into `--out DIR` (else beside each input). Two inputs that
/// would get the same name (a/x.png, b/x.png) are told apart as x-2, x-3, with a warning.
struct OutputNames {
    var pattern: String
    var folder: String?

    static func isPattern(_ text: String) -> Bool { text.contains("%") }

    /// The output path for each input, with the warnings for renamed ones.
    func paths(for inputs: [String]) -> (paths: [String], warnings: [String]) {
        var used: [String: String] = [:]
        var paths: [String] = [], warnings: [String] = []
        for (i, input) in inputs.enumerated() {
            let name = expand(input, index: i + 1)
            var path = place(name, input: input)
            if let first = used[path.lowercased()] {
                let ext = (path as NSString).pathExtension
                let stem = (path as NSString).deletingPathExtension
                var n = 2
                while used[("\(stem)-\(n)" + (ext.isEmpty ? "" : ".\(ext)")).lowercased()] != nil { n += 1 }
                let renamed = "\(stem)-\(n)" + (ext.isEmpty ? "" : ".\(ext)")
                warnings.append("\(input): output renamed to \(renamed) (\(first) has the same name)")
                path = renamed
            }
            used[path.lowercased()] = input
            paths.append(path)
        }
        return (paths, warnings)
    }

    func expand(_ input: String, index: Int) -> String {
        let file = (input as NSString).lastPathComponent
        let stem = (file as NSString).deletingPathExtension
        let ext = (file as NSString).pathExtension
        var out = "", chars = Array(pattern), i = 0
        while i < chars.count {
            if chars[i] == "%", i + 1 < chars.count {
                switch chars[i + 1] {
                case "s": out += stem; i += 2; continue
                case "e": out += ext; i += 2; continue
                case "i": out += String(index); i += 2; continue
                case "%": out += "%"; i += 2; continue
                default: break
                }
            }
            out.append(chars[i]); i += 1
        }
        return out
    }

    private func place(_ name: String, input: String) -> String {
        if name.hasPrefix("/") { return name }
        if let folder { return (folder as NSString).appendingPathComponent(name) }
        if name.contains("/") { return name }
        let dir = FilePath.parent(input)
        return dir.isEmpty ? name : (dir as NSString).appendingPathComponent(name)
    }

    /// Checks a pattern's fields before any work.
    static func check(_ pattern: String, option: String) throws {
        var chars = Array(pattern)[...]
        while let i = chars.firstIndex(of: "%") {
            let next = chars.index(after: i)
            guard next < chars.endIndex, "sei%".contains(chars[next]) else {
                throw Validate.invalid("a name pattern with %s, %e, %i or %%", option, pattern)
            }
            chars = chars[chars.index(after: next)...]
        }
    }
}

/// The outputs of one command run, checked before any work: every folder an output goes into
/// exists (or is created, for `--out`) and is writable, every output differs from every input.
enum OutputCheck {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var pending: [String] = []

    /// A folder outputs go into: a writable folder, or (with `create`) one that can be made
    /// there. It is made only when the work starts (`createPendingFolders`), and removed again
    /// if nothing was written into it, so a failed command leaves no empty folder behind.
    static func folder(_ path: String, create: Bool) throws {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isDir) {
            guard isDir.boolValue else { throw StetError.output(path, "is a file, not a folder") }
            guard access(path, W_OK) == 0 else { throw StetError.output(path, "folder is not writable") }
            return
        }
        guard create else { throw StetError.output(path, "folder does not exist") }
        var ancestor = FilePath.parent(path)
        while !ancestor.isEmpty, !fm.fileExists(atPath: ancestor, isDirectory: &isDir) {
            ancestor = FilePath.parent(ancestor)
        }
        let base = ancestor.isEmpty ? "." : ancestor
        guard fm.fileExists(atPath: base, isDirectory: &isDir), isDir.boolValue else {
            throw StetError.output(path, "folder cannot be created: \(base) is a file")
        }
        guard access(base, W_OK) == 0 else { throw StetError.output(path, "folder cannot be created: \(base) is not writable") }
        lock.lock(); pending.append(path); lock.unlock()
    }

    /// Makes the folders `folder(_:create:)` allowed; returns the ones it made.
    static func createPendingFolders() -> [String] {
        lock.lock(); defer { lock.unlock() }
        let made = pending.filter { !FileManager.default.fileExists(atPath: $0) }
        for p in made { try? FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true) }
        pending.removeAll()
        return made
    }

    static func removeIfEmpty(_ folders: [String]) {
        for f in folders where (try? FileManager.default.contentsOfDirectory(atPath: f))?.isEmpty == true {
            try? FileManager.default.removeItem(atPath: f)
        }
    }

    /// A file output: its folder exists and is writable, it is not a folder, not an input.
    static func file(_ path: String, inputs: [String]) throws {
        guard !StandardStreams.isStandardOutput(path) else { return }
        let dir = FilePath.parent(path)
        let parent = dir.isEmpty ? "." : dir
        var isDir: ObjCBool = false
        let willExist = { lock.lock(); defer { lock.unlock() }; return pending.contains { SafeOutput.resolve($0) == SafeOutput.resolve(parent) } }()
        guard willExist || (FileManager.default.fileExists(atPath: parent, isDirectory: &isDir) && isDir.boolValue) else {
            throw StetError.output(path, "folder \(parent) does not exist")
        }
        guard willExist || access(parent, W_OK) == 0 else { throw StetError.output(path, "folder \(parent) is not writable") }
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
            throw StetError.output(path, "is a folder")
        }
        try SafeOutput.refuseOverwritingInputs(output: path, inputs: inputs)
    }
}

/// `-` as a file: standard input spooled to a private temporary file (libvips reads files by
/// their bytes), and standard output written from a temporary file once it is complete.
enum StandardStreams {
    private static let folder: String = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("stet-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true,
                                                 attributes: [.posixPermissions: 0o700])
        atexit { try? FileManager.default.removeItem(atPath: StandardStreams.folder) }
        return dir
    }()

    static let inputName = "stdin"
    nonisolated(unsafe) private(set) static var spooled = false

    static func isStandardOutput(_ path: String) -> Bool { path == "-" }

    /// Reads all of standard input into a temporary file and returns its path.
    static func spoolInput() throws -> String {
        spooled = true
        let data = FileHandle.standardInput.readDataToEndOfFile()
        let path = (folder as NSString).appendingPathComponent(inputName)
        guard FileManager.default.createFile(atPath: path, contents: data) else {
            throw StetError.input("-", "standard input cannot be stored")
        }
        return path
    }

    /// A private temporary path to write a standard-output image to, with the format's extension.
    static func outputPath(_ format: OutputFormat) -> String {
        spooled = true
        return (folder as NSString).appendingPathComponent("stdout.\(format.fileExtension)")
    }

    /// Copies a finished temporary output to standard output.
    static func emit(_ path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StetError.output("-", "standard output cannot be written")
        }
        FileHandle.standardOutput.write(data)
    }

    /// A message with the private temporary files of standard input and output named `-`.
    static func userNames(in text: String) -> String {
        guard spooled, text.contains(folder) else { return text }
        var out = text.replacingOccurrences(of: (folder as NSString).appendingPathComponent(inputName), with: "-")
        for f in OutputFormat.allCases {
            out = out.replacingOccurrences(of: outputPath(f), with: "-")
        }
        return out
    }

    /// The name the user gave for a spooled input (`-`).
    static func userName(_ path: String) -> String {
        path == (folder as NSString).appendingPathComponent(inputName) ? "-" : path
    }
}

/// Runs the items of a batch: up to `workers` at once, a progress bar on a terminal (unless
/// quiet), each item recorded in the ledger as it completes, every failure named on stderr and
/// the batch going on past it; `finish` prints the results in input order and throws a
/// `BatchFailure` if any item failed.
struct BatchRunner {
    var operation: String
    var recorder: Recorder
    var report: ReportOptions
    var workers: Int
    /// False for a dry run: nothing is recorded.
    var records = true
    /// The whole batch is one use, recorded as one entry (draft: a review of these candidates);
    /// otherwise each file is its own use and entry.
    var oneEntry = false

    /// Runs `body` for each item; `body` returns what to print and the use to record.
    /// What a batch made: each item's result, or the error it failed with.
    struct Outcome<R> {
        var results: [R?]
        var failures: [(index: Int, error: Error)]
    }

    /// `finally` sees the outcome (a manifest, a summary) before a failed batch throws.
    /// `files` names the files of item `i` by role (its source, and its mask, region or output
    /// as the command has them): the core's errors name files by role, and the CLI puts in the
    /// user's paths here, in one place (the source alone by default).
    func run<R: Encodable>(_ items: [String], files: ((Int) -> FileNames)? = nil,
                           _ body: @escaping (Int, Progress) throws -> (R, Usage, String),
                           finally: (Outcome<R>) throws -> Void = { _ in }) throws {
        let names: (Int) -> FileNames = files ?? { FileNames(source: items[$0]) }
        if workers > 1 { Vips.concurrency = 1 }
        let created = OutputCheck.createPendingFolders()
        let batchClock = CommandClock()
        let usages = ResultSlots<Usage>(count: items.count)
        let bar = ProgressBar(total: items.count, enabled: Console.isTerminal && !report.quiet)
        recorder.willRead(items)
        let results = ParallelMap.run(items.count, workers: workers) { i -> (R, String) in
            let clock = CommandClock()
            // A file's cached libvips operations can never hit again (the next file's images
            // are new), and they hold its images: without this a 20-file upscale grew by about
            // 5 MB a file (131 -> 194 MB peak over 10 files; 146 MB with the cache dropped).
            defer { if items.count > 1 { Vips.dropCache() } }
            do {
                let (result, usage, text) = try body(i, Progress(bar: items.count == 1 ? bar : nil))
                if records && !oneEntry { try recorder.record(usage, clock: clock) }
                for w in usage.warnings { Console.warning("\(StandardStreams.userName(items[i])): \(w)") }
                usages[i] = usage
                bar.tick(StandardStreams.userName((items[i] as NSString).lastPathComponent))
                return (result, text)
            } catch {
                let error = error.namingRoles(names(i))
                if records && !oneEntry { recorder.recordFailure(operation: operation, error: error, clock: clock) }
                bar.tick(StandardStreams.userName((items[i] as NSString).lastPathComponent))
                throw error
            }
        }
        if records && oneEntry {
            let made = usages.values.compactMap { $0 }
            if var merged = made.first {
                merged.inputs = made.flatMap(\.inputs)
                merged.warnings = []
                merged.outputs = made.flatMap(\.outputs)
                merged.parameters["files"] = "\(made.count)"
                let clipSeconds = made.compactMap(\.seconds)
                merged.seconds = clipSeconds.isEmpty ? nil : clipSeconds.reduce(0, +)
                try recorder.record(merged, clock: batchClock)
            }
        }
        let failedCount = results.filter { if case .failure = $0 { return true } else { return false } }.count
        if failedCount == items.count { OutputCheck.removeIfEmpty(created) }
        if records && oneEntry && failedCount > 0 {
            recorder.recordFailure(operation: operation, error: BatchFailure(failed: failedCount, total: items.count),
                                   clock: batchClock)
        }
        var outcome = Outcome<R>(results: [], failures: [])
        for (i, result) in results.enumerated() {
            switch result {
            case .success(let (value, text)):
                outcome.results.append(value)
                if report.json { Console.json(value) } else if !text.isEmpty { Console.out(text) }
            case .failure(let error):
                outcome.results.append(nil)
                outcome.failures.append((i, error))
                if error is RecorderError { throw error }
                if items.count > 1 { Console.error(Console.describe(error, naming: StandardStreams.userName(items[i]))) }
            }
        }
        try finally(outcome)
        if items.count == 1, let only = outcome.failures.first { throw only.error }
        if !outcome.failures.isEmpty { throw BatchFailure(failed: outcome.failures.count, total: items.count) }
    }

    /// How one item tells the bar how far it is (single long jobs: the default 4x upscale).
    struct Progress: Sendable {
        fileprivate let bar: ProgressBar?
        var report: (@Sendable (Double) -> Void)? {
            guard let bar, bar.enabled else { return nil }
            return { bar.fraction($0) }
        }
    }
}

/// A file that goes with each input (inpaint's mask, patch's edit): one file for every input,
/// or a pattern with the output pattern's fields (`--mask masks/%s.png`, `--mask %s-mask.png`
/// beside each input).
enum Companion {
    static func paths(_ value: String, for inputs: [String]) -> [String] {
        guard OutputNames.isPattern(value) else { return inputs.map { _ in value } }
        let names = OutputNames(pattern: value, folder: nil)
        return inputs.enumerated().map { i, input in
            let name = names.expand(input, index: i + 1)
            if name.hasPrefix("/") || name.contains("/") { return name }
            let dir = FilePath.parent(input)
            return dir.isEmpty ? name : (dir as NSString).appendingPathComponent(name)
        }
    }
}
