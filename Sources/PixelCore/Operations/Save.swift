import CVips
import Foundation
import StetSupport

/// How outputs are encoded. Defaults, in one place:
/// - `quality`: unset, so libvips' own default holds (JPEG, WebP, HEIC, AVIF: 75; JPEG XL: 75).
/// - `compression`: unset, so libvips' own PNG zlib level holds (6).
/// - `strip`: true. Proxies and derived images carry no metadata unless asked.
/// - `limitPixels`: the same cap as inputs (see `LoadOptions`).
public struct Encoding: Sendable, Equatable {
    public var quality: Int?
    public var compression: Int?
    public var strip: Bool
    public var limitPixels: Int

    public init(quality: Int? = nil, compression: Int? = nil, strip: Bool = true,
                limitPixels: Int = LoadOptions.defaultLimitPixels) {
        self.quality = quality; self.compression = compression; self.strip = strip; self.limitPixels = limitPixels
    }

    public static let standard = Encoding()
}

/// Writes an image through the saver for the output's format (from its extension, or given),
/// always via a sibling temporary file renamed into place (see `SafeOutput`).
public struct Save: Sendable {
    public var path: String
    /// What errors call the file (the job's output unless it is a companion such as a poster).
    public var role: FileRole
    public var format: OutputFormat?
    public var encoding: Encoding
    /// The source's generation record and this edit's, written into the file before it is
    /// renamed into place (nil: none, the file is as libvips wrote it).
    public var carry: ProvenanceCarry?

    public init(_ path: String, role: FileRole = .output, format: OutputFormat? = nil, encoding: Encoding = .standard,
                carry: ProvenanceCarry? = nil) {
        self.path = path; self.role = role; self.format = format; self.encoding = encoding; self.carry = carry
    }

    public func run(_ image: Image) throws {
        try LoadOptions(limitPixels: encoding.limitPixels)
            .checkPixels(width: image.width, height: image.height, role: role, what: "output")
        let format = try self.format ?? OutputFormat.forPath(path, role: role)
        try format.checkWritable(path, role: role)
        try SafeOutput.write(to: path) { tmp in
            var op = Operation(format.saver)
            op.set("in", .image(image))
            op.set("filename", .string(tmp))
            op.set("strip", .bool(encoding.strip))
            format.codecArguments(&op)
            if format.isLossy { op.set("Q", encoding.quality.map { .int($0) }) }
            if format == .png { op.set("compression", encoding.compression.map { .int($0) }) }
            // A lazy pipeline decodes while it saves, so a failure here is usually the input's
            // (a truncated file); the caller names the file it was working on.
            _ = try op.run(outputs: [])
            try carry?.embed(into: tmp, format: format)
        }
    }
}

extension Image {
    /// Saves atomically; format from the extension unless given.
    public func save(_ path: String, role: FileRole = .output, format: OutputFormat? = nil,
                     encoding: Encoding = .standard, carry: ProvenanceCarry? = nil) throws {
        try Save(path, role: role, format: format, encoding: encoding, carry: carry).run(self)
    }

    /// Encodes to memory, for tests, payloads and standard output.
    public func encoded(_ format: OutputFormat, encoding: Encoding = .standard) throws -> [UInt8] {
        try format.checkWritable("-")
        var op = Operation(format.bufferSaver)
        op.set("in", .image(self))
        op.set("strip", .bool(encoding.strip))
        format.codecArguments(&op)
        if format.isLossy { op.set("Q", encoding.quality.map { .int($0) }) }
        if format == .png { op.set("compression", encoding.compression.map { .int($0) }) }
        guard let bytes = try op.run(outputs: ["buffer"]).blob("buffer") else {
            throw StetError.operation(op.name, "produced no buffer")
        }
        return bytes
    }
}
