import ArgumentParser
import CostLedger
import PixelCore
import StetSupport

extension ParsableArguments {
    /// `validate()` bodies run through this, so that Stet's usage errors (from the `Validate`
    /// helpers) reach swift-argument-parser as `ValidationError`s: usage text and exit code 2.
    func usage(_ checks: () throws -> Void) throws {
        do { try checks() } catch let error as StetError where error.isUsage {
            throw ValidationError(error.rendered())
        }
    }
}

/// How inputs are read; shared by every command that reads images.
struct InputOptions: ParsableArguments {
    @Flag(help: "Decode damaged files as well as possible instead of failing (libvips fail_on=none).")
    var lenient = false

    @Option(name: .customLong("limit-pixels"),
            help: "Refuse inputs and outputs with more pixels than this (0 for no limit).")
    var limitPixels: Int = LoadOptions.defaultLimitPixels

    func validate() throws {
        try usage { try Validate.nonNegativeInteger(limitPixels, "limit-pixels") }
    }

    var loadOptions: LoadOptions {
        LoadOptions(failOn: lenient ? .none : .warning, limitPixels: limitPixels)
    }
}

/// How image outputs are encoded, for commands that may write lossy formats.
struct OutputOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Encoder quality 1-100 for JPEG, WebP, AVIF, HEIC and JPEG XL (libvips default 75).")
    var quality: Int?

    @OptionGroup var lossless: LosslessOutputOptions

    func validate() throws {
        try usage { if let quality { try Validate.integer(quality, "quality", in: 1...100) } }
    }

    func encoding(_ input: InputOptions) -> Encoding {
        Encoding(quality: quality, compression: lossless.pngCompression, strip: !lossless.keepMetadata,
                 limitPixels: input.limitPixels)
    }
}

/// How image outputs are encoded, for every command (inpaint and patch write PNG or TIFF only).
struct LosslessOutputOptions: ParsableArguments {
    @Option(name: .customLong("png-compression"),
            help: "PNG zlib level 0-9 (libvips default 6; 1 is about 1-2% larger on photographs and much faster to write).")
    var pngCompression: Int?

    @Flag(name: .customLong("keep-metadata"), help: "Keep EXIF, XMP and ICC metadata in outputs.")
    var keepMetadata = false

    func validate() throws {
        try usage { if let pngCompression { try Validate.integer(pngCompression, "png-compression", in: 0...9) } }
    }

    func encoding(_ input: InputOptions) -> Encoding {
        Encoding(compression: pngCompression, strip: !keepMetadata, limitPixels: input.limitPixels)
    }
}

/// How a command reports: results on stdout (text or one JSON object per output), progress and
/// diagnostics on stderr; the same in every command.
struct ReportOptions: ParsableArguments {
    @Flag(help: "Print one JSON object per output on stdout (JSON Lines), with the same fields as the text.")
    var json = false

    @Flag(name: [.customShort("q"), .customLong("quiet")], help: "No progress bar and no summary on stderr (errors and warnings still print).")
    var quiet = false
}

/// How a command takes many inputs.
struct BatchOptions: ParsableArguments {
    @Flag(help: "Look for images in the folders given, and in their subfolders.")
    var recursive = false

    @Option(parsing: .unconditional, help: "Files processed at once (default: all cores for light work, 1 for commands that use every core per file).")
    var jobs: Int?

    func validate() throws {
        try usage { if let jobs { try Validate.positiveInteger(jobs, "jobs") } }
    }
}

extension OutputFormat: ExpressibleByArgument {
    public init?(argument: String) { self.init(name: argument) }
    public static var allValueStrings: [String] { allCases.map(\.fileExtension) }
}

/// Where a command with one output per input writes: a file, a name pattern, or standard output,
/// and the folder for a batch (see `CommandOutputs`).
struct FileOutputOptions: ParsableArguments {
    @Option(name: [.customShort("o"), .customLong("output")], help: ArgumentHelp("Output file (format from its extension), a name pattern for many inputs (%s, %e, %i, %%), or - for standard output.", valueName: "path|pattern"))
    var outputPath: String?

    @Option(name: .customLong("out"), help: ArgumentHelp("Folder for the outputs of many inputs (created if missing).", valueName: "dir"))
    var outDir: String?
}

/// What becomes of a source's provenance in the outputs: every command that writes an edit of
/// an image carries its generation record (prompt, seed, workflow) and adds Stet's edit record.
struct ProvenanceFlags: ParsableArguments {
    @Flag(name: .customLong("strip-provenance"),
          help: "Write no generation record (prompt, seed, workflow) and no Stet edit record into the outputs.")
    var strip = false

    @Flag(name: .customLong("keep-c2pa"),
          help: "Copy a source's C2PA manifest into the outputs unchanged (it no longer matches their pixels: re-sign them) instead of into a NAME.c2pa sidecar.")
    var keepC2PA = false

    /// The core's settings; `entryID` for a batch recorded as one entry (draft).
    func options(_ recorder: Recorder, entryID: String? = nil) -> ProvenanceCarry.Options {
        var o = ProvenanceCarry.Options()
        o.keep = !strip
        o.keepC2PA = keepC2PA
        o.entryID = entryID
        o.recordsEntry = recorder.isEnabled
        o.digest = { try recorder.digest($0) }
        o.version = StetVersion.current
        return o
    }
}
