import CVips
import Foundation
import StetSupport

/// Writes an image through the saver libvips picks from the output's extension, always via a
/// sibling temporary file renamed into place (see `SafeOutput`).
///
/// Defaults, in one place:
/// - `quality`: unset, so libvips' own default holds (JPEG and WebP: 75).
/// - `compression`: unset, so libvips' own PNG zlib level holds (6).
/// - `strip`: true. Proxies and derived images carry no metadata unless asked.
public struct Save: Sendable {
    public var path: String
    public var quality: Int?
    public var compression: Int?
    public var strip: Bool
    public var limitPixels: Int

    public init(_ path: String, quality: Int? = nil, compression: Int? = nil, strip: Bool = true,
                limitPixels: Int = LoadOptions.defaultLimitPixels) {
        self.path = path; self.quality = quality; self.compression = compression; self.strip = strip
        self.limitPixels = limitPixels
    }

    /// Formats Stet writes, by extension.
    public static let writableExtensions = ["jpg", "jpeg", "png", "webp", "tif", "tiff"]
    private static let lossy: Set<String> = ["jpg", "jpeg", "webp"]

    public static func saverName(for path: String) throws -> String {
        let ext = (path as NSString).pathExtension.lowercased()
        guard writableExtensions.contains(ext) else {
            throw StetError.output(path, "unsupported output format \"\(ext)\"; use one of \(writableExtensions.joined(separator: ", "))")
        }
        Vips.start()
        guard let raw = vips_foreign_find_save(path) else {
            vips_error_clear()
            throw StetError.output(path, "no libvips saver for \"\(ext)\"")
        }
        return String(cString: raw)
    }

    public func run(_ image: Image) throws {
        try LoadOptions(limitPixels: limitPixels)
            .checkPixels(width: image.width, height: image.height, path: path, what: "output")
        let saver = try Save.saverName(for: path)
        let ext = (path as NSString).pathExtension.lowercased()
        try SafeOutput.write(to: path) { tmp in
            var op = Operation(saver)
            op.set("in", .image(image))
            op.set("filename", .string(tmp))
            op.set("strip", .bool(strip))
            if Save.lossy.contains(ext) { op.set("Q", quality.map { .int($0) }) }
            if ext == "png" { op.set("compression", compression.map { .int($0) }) }
            // A lazy pipeline decodes while it saves, so a failure here is usually the input's
            // (a truncated file); the caller names the file it was working on.
            _ = try op.run(outputs: [])
        }
    }
}

extension Image {
    /// Saves atomically; format from the extension.
    public func save(_ path: String, quality: Int? = nil, compression: Int? = nil, strip: Bool = true,
                     limitPixels: Int = LoadOptions.defaultLimitPixels) throws {
        try Save(path, quality: quality, compression: compression, strip: strip, limitPixels: limitPixels).run(self)
    }

    /// Encodes to memory in the format of `suffix` (".png", ".jpg"), for tests and payloads.
    public func encoded(_ suffix: String, quality: Int? = nil) throws -> [UInt8] {
        Vips.start()
        guard let raw = vips_foreign_find_save_buffer(suffix) else {
            vips_error_clear()
            throw StetError.usage("Expected image suffix for format but received \(suffix)")
        }
        var op = Operation(String(cString: raw))
        op.set("in", .image(self))
        op.set("strip", .bool(true))
        if let quality, suffix != ".png" { op.set("Q", .int(quality)) }
        guard let bytes = try op.run(outputs: ["buffer"]).blob("buffer") else {
            throw StetError.operation(op.name, "produced no buffer")
        }
        return bytes
    }
}
