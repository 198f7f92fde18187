import Foundation
import PixelCore
import StetSupport

/// Where a command with one output file per input writes: `-o FILE` (one input), `-o PATTERN`
/// or `--out DIR` (any number), `-o -` (standard output, one input, `--format` or the input's
/// format). Resolved and checked before any work: folders exist and are writable, no output is
/// an input, the format can be written by this build.
struct CommandOutputs {
    /// Where the user sees each output (`-` for standard output).
    var paths: [String]
    /// Where each output is written (a private temporary file for standard output).
    var writePaths: [String]
    /// The format for outputs whose path does not say (standard output).
    var format: OutputFormat?

    static func validate(output: String?, outDir: String?, format: OutputFormat?, inputs: [String]) throws {
        if let output, OutputNames.isPattern(output) { try OutputNames.check(output, option: "output") }
        if output == "-" {
            guard inputs.count == 1 else {
                throw StetError.usage("Expected one input for -o - (standard output) but received \(inputs.count)")
            }
        } else if let output, !OutputNames.isPattern(output), outDir == nil {
            guard inputs.count == 1, inputs.first.map({ !isFolder($0) }) ?? true else {
                throw StetError.usage("Expected a name pattern such as %s_2x.png for output (several inputs) but received \(output)")
            }
        }
        if output == nil, outDir == nil {
            throw StetError.usage("Expected -o FILE, -o PATTERN or --out DIR but received none")
        }
        if let format { try format.checkWritable("--format \(format.fileExtension)") }
    }

    static func isFolder(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }

    static func resolve(output: String?, outDir: String?, format: OutputFormat?, inputs: [String],
                        defaultPattern: String, extraInputs: [String] = []) throws -> CommandOutputs {
        if let outDir { try OutputCheck.folder(outDir, create: true) }
        if output == "-" {
            let input = inputs[0]
            let chosen = try format ?? OutputFormat(name: (input as NSString).pathExtension)
                .map { f -> OutputFormat in try f.checkWritable("-"); return f }
                ?? { throw StetError.usage("Expected --format for -o - (standard output) but received none") }()
            return CommandOutputs(paths: ["-"], writePaths: [StandardStreams.outputPath(chosen)], format: chosen)
        }
        let pattern = output ?? defaultPattern
        let names = OutputNames(pattern: pattern, folder: outDir)
        let (paths, warnings) = OutputNames.isPattern(pattern) || inputs.count > 1
            ? names.paths(for: inputs) : ([outDir.map { ($0 as NSString).appendingPathComponent(pattern) } ?? pattern], [])
        for w in warnings { Console.warning(w) }
        for p in paths {
            try OutputCheck.file(p, inputs: inputs + extraInputs)
            if format == nil || !(p as NSString).pathExtension.isEmpty { _ = try OutputFormat.forPath(p) }
        }
        return CommandOutputs(paths: paths, writePaths: paths, format: format)
    }

    var isStandardOutput: Bool { paths == ["-"] }

    /// After output `i` is written and recorded: copies it to standard output if that is where it goes.
    func emitIfStandardOutput(_ i: Int) throws {
        if StandardStreams.isStandardOutput(paths[i]) { try StandardStreams.emit(writePaths[i]) }
    }
}

extension Usage {
    /// The use with standard input and output recorded as `-`, not as their temporary files.
    func naming(_ outputs: CommandOutputs, _ i: Int) -> Usage {
        var u = self
        for k in u.inputs.indices where StandardStreams.userName(u.inputs[k].path) == "-" { u.inputs[k].recordedAs = "-" }
        for k in u.outputs.indices where u.outputs[k].path == outputs.writePaths[i] && outputs.isStandardOutput {
            u.outputs[k].recordedAs = "-"
        }
        return u
    }
}

/// A job's result with one input and one output file, shown with the user's names for them.
protocol OneToOneResult {
    var input: String { get set }
    var output: String { get set }
}

extension CommandOutputs {
    func shown<R: OneToOneResult>(_ result: R, _ i: Int) -> R {
        var r = result
        r.input = StandardStreams.userName(r.input)
        r.output = paths[i]
        return r
    }
}

extension UpscaleJob.Result: OneToOneResult {}
