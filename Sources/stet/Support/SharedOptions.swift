import ArgumentParser
import PixelCore
import StetSupport

extension ParsableArguments {
    /// `validate()` bodies run through this, so that Stet's usage errors (from the `Validate`
    /// helpers) reach swift-argument-parser as `ValidationError`s: usage text and exit code 2.
    func usage(_ checks: () throws -> Void) throws {
        do { try checks() } catch let error as StetError where error.isUsage {
            throw ValidationError(error.description)
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

/// How image outputs are encoded, for commands that may write JPEG or WebP.
struct OutputOptions: ParsableArguments {
    @Option(help: "Encoder quality 1-100 for JPEG and WebP (libvips default 75).")
    var quality: Int?

    @OptionGroup var lossless: LosslessOutputOptions

    var pngCompression: Int? { lossless.pngCompression }
    var keepMetadata: Bool { lossless.keepMetadata }

    func validate() throws {
        try usage { if let quality { try Validate.integer(quality, "quality", in: 1...100) } }
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
}
