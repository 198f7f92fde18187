import CVips
import Foundation
import StetSupport

/// The image formats Stet writes: one list for every command. Each knows its extensions, its
/// libvips saver and whether it is lossy; whether this libvips build can write it is asked of
/// libvips once per process (AVIF and HEIC need libheif with an AV1 or HEVC encoder, JPEG XL
/// needs libjxl), so the error says which formats this machine can write.
public enum OutputFormat: String, CaseIterable, Sendable, Codable {
    case jpeg, png, webp, tiff, avif, heic, jxl

    /// The extension a new file gets.
    public var fileExtension: String {
        switch self {
        case .jpeg: return "jpg"
        case .tiff: return "tif"
        default: return rawValue
        }
    }

    /// Every extension read as this format.
    public var extensions: [String] {
        switch self {
        case .jpeg: return ["jpg", "jpeg"]
        case .tiff: return ["tif", "tiff"]
        case .heic: return ["heic", "heif"]
        default: return [rawValue]
        }
    }

    /// Lossy encoders take a quality (`Q`); PNG takes a zlib level.
    public var isLossy: Bool { [.jpeg, .webp, .avif, .heic, .jxl].contains(self) }

    /// Keeps every pixel of an 8-bit image exactly as it is.
    public var isLossless: Bool { self == .png || self == .tiff }

    /// The format named by a path's extension (or by a bare name such as "jpg", "webp").
    public init?(name: String) {
        let ext = name.contains(".") ? (name as NSString).pathExtension.lowercased() : name.lowercased()
        guard let f = OutputFormat.allCases.first(where: { $0.extensions.contains(ext) }) else { return nil }
        self = f
    }

    /// Every extension Stet knows, for messages.
    public static var allExtensions: [String] { allCases.flatMap(\.extensions) }

    /// The formats this libvips build can write, in `allCases` order.
    public static var writable: [OutputFormat] { Probe.shared.writable }

    /// Whether this build can write the format (a tiny trial encode, once per process).
    public var isWritable: Bool { OutputFormat.writable.contains(self) }

    /// The format for an output path, or a one-line error naming what is known and writable.
    /// The error names `path` (a caller checking its user's paths), or `role` when given (a job
    /// naming its output by role, as the core does).
    public static func forPath(_ path: String, role: FileRole? = nil) throws -> OutputFormat {
        let ext = (path as NSString).pathExtension.lowercased()
        guard let format = OutputFormat(name: ext.isEmpty ? "-" : ext), !ext.isEmpty else {
            throw StetError.about(path, role, "unsupported output format \"\(ext)\"; use one of \(writable.map(\.fileExtension).joined(separator: ", "))")
        }
        try format.checkWritable(path, role: role)
        return format
    }

    /// Throws unless this build can write the format (the error names `path`, or `role`).
    public func checkWritable(_ path: String, role: FileRole? = nil) throws {
        guard isWritable else {
            throw StetError.about(path, role, "this libvips build cannot write \(displayName); it can write \(OutputFormat.writable.map(\.fileExtension).joined(separator: ", "))")
        }
    }

    public var displayName: String {
        switch self {
        case .jpeg: return "JPEG"
        case .png: return "PNG"
        case .webp: return "WebP"
        case .tiff: return "TIFF"
        case .avif: return "AVIF"
        case .heic: return "HEIC"
        case .jxl: return "JPEG XL"
        }
    }

    /// The libvips saver for a file of this format.
    var saver: String {
        switch self {
        case .jpeg: return "jpegsave"
        case .png: return "pngsave"
        case .webp: return "webpsave"
        case .tiff: return "tiffsave"
        case .avif, .heic: return "heifsave"
        case .jxl: return "jxlsave"
        }
    }

    /// The libvips saver to memory.
    var bufferSaver: String { saver + "_buffer" }

    /// The arguments that choose the codec within a saver (heifsave writes both AVIF and HEIC).
    func codecArguments(_ op: inout Operation) {
        switch self {
        case .avif: op.set("compression", .string("av1"))
        case .heic: op.set("compression", .string("hevc"))
        default: break
        }
    }

    private final class Probe: @unchecked Sendable {
        static let shared = Probe()
        lazy var writable: [OutputFormat] = {
            Vips.start()
            return OutputFormat.allCases.filter { format in
                guard vips_type_find("VipsOperation", format.bufferSaver) != 0 else { return false }
                do {
                    let tiny = try Image.solid(width: 16, height: 16, colour: Colour(0, 0, 0))
                    var op = Operation(format.bufferSaver)
                    op.set("in", .image(tiny))
                    format.codecArguments(&op)
                    return try op.run(outputs: ["buffer"]).blob("buffer").map { !$0.isEmpty } ?? false
                } catch {
                    return false
                }
            }
        }()
    }
}

extension StetError {
    /// An output error by role where the caller names its files by role, else by path.
    static func about(_ path: String, _ role: FileRole?, _ problem: String) -> StetError {
        role.map { .file($0, problem) } ?? .output(path, problem)
    }
}
