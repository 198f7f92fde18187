import CVips
import Foundation
import StetSupport

/// Opens an image file through the loader that libvips picks from the file's bytes
/// (not its extension). Opening reads the header only; pixels decode when a pipeline
/// pulls them. Untrusted loaders are blocked process-wide (see `Vips`).
public struct Load: Sendable {
    public var path: String
    public var options: LoadOptions
    /// `sequential` lets the loader stream top to bottom; leave nil for random access.
    public var sequential: Bool

    public init(_ path: String, options: LoadOptions = .strict, sequential: Bool = false) {
        self.path = path; self.options = options; self.sequential = sequential
    }

    /// The libvips loader for this file ("jpegload", "pngload", ...), judged from its bytes.
    public static func loaderName(for path: String) throws -> String {
        Vips.start()
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw StetError.input(path, "no such file")
        }
        guard !isDir.boolValue else { throw StetError.input(path, "is a folder, not an image") }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw StetError.input(path, "is not readable")
        }
        guard let raw = vips_foreign_find_load(path) else {
            vips_error_clear()
            throw StetError.input(path, "is not an image in a format Stet can read")
        }
        // vips_foreign_find_load answers with a class name ("VipsForeignLoadJpegFile");
        // the operation's nickname ("jpegload") is what users and messages know.
        if let nick = vips_nickname_find(g_type_from_name(raw)) { return String(cString: nick) }
        return String(cString: raw)
    }

    /// Opens the file (header only) and checks the pixel cap before anything decodes.
    public func run() throws -> Image {
        let loader = try Load.loaderName(for: path)
        var op = Operation(loader)
        op.set("filename", .string(path))
        op.set("fail_on", .string(options.failOn.rawValue))
        if sequential { op.set("access", .string("sequential")) }
        let image: Image
        do { image = try op.image() } catch let e as StetError {
            if case .operation(_, let message) = e, message.contains("operation is blocked") {
                throw StetError.input(path, "needs the \(loader) loader, which Stet blocks as untrusted")
            }
            throw e.naming(path)
        }
        try options.checkPixels(width: image.width, height: image.height, path: path)
        return image
    }
}

extension Image {
    /// Opens `path` (header only), checked against `options`' pixel cap.
    public static func open(_ path: String, options: LoadOptions = .strict) throws -> Image {
        try Load(path, options: options).run()
    }

    /// Opens and fully decodes `path` now, so that a truncated or corrupt file fails here,
    /// and returns the image as 8-bit sRGB(A) with orientation applied.
    public static func decode(_ path: String, options: LoadOptions = .strict) throws -> Image {
        let header = try Load(path, options: options).run()
        let upright = try header.autorotated().normalizedToSRGB8()
        do { return try upright.materialized() } catch let e as StetError { throw e.naming(path) }
    }
}
