import CVips
import Foundation
import StetSupport

/// Opens an image file through the loader that libvips picks from the file's bytes
/// (not its extension). Opening reads the header only; pixels decode when a pipeline
/// pulls them. Untrusted loaders are blocked process-wide (see `Vips`).
public struct Load: Sendable {
    public var path: String
    /// The part the file plays in the job, which errors name it by (the caller adds its path).
    public var role: FileRole
    public var options: LoadOptions
    /// `sequential` lets the loader stream top to bottom; leave nil for random access.
    public var sequential: Bool

    public init(_ path: String, role: FileRole = .source, options: LoadOptions = .strict, sequential: Bool = false) {
        self.path = path; self.role = role; self.options = options; self.sequential = sequential
    }

    /// The libvips loader for this file ("jpegload", "pngload", ...), judged from its bytes.
    public static func loaderName(for path: String, role: FileRole = .source) throws -> String {
        Vips.start()
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw StetError.file(role, "no such file")
        }
        guard !isDir.boolValue else { throw StetError.file(role, "is a folder, not an image") }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw StetError.file(role, "is not readable")
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue
        if size == 0 { throw StetError.file(role, "empty file (0 bytes)") }
        if let blocked = Load.blockedFormat(path) {
            throw StetError.file(role, "\(blocked) is blocked: Stet does not render vector or document formats")
        }
        guard let raw = vips_foreign_find_load(path) else {
            vips_error_clear()
            if ClipSniffer.isClip(path) {
                throw StetError.file(role, "is a video clip, not an image (stet draft, sheet, upscale and reframe take clips)")
            }
            throw StetError.file(role, "is not an image in a format Stet can read")
        }
        // vips_foreign_find_load answers with a class name ("VipsForeignLoadJpegFile");
        // the operation's nickname ("jpegload") is what users and messages know.
        if let nick = vips_nickname_find(g_type_from_name(raw)) { return String(cString: nick) }
        return String(cString: raw)
    }

    /// Vector and document formats, named from their first bytes: libvips renders them through
    /// librsvg and poppler, which Stet does not trust with strangers' files.
    static func blockedFormat(_ path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 4096)) ?? Data()
        let text = String(decoding: head, as: UTF8.self)
        let start = text.drop(while: { $0 == "\u{FEFF}" || $0.isWhitespace })
        if start.hasPrefix("%PDF-") { return "PDF" }
        if start.hasPrefix("<"), text.contains("<svg") { return "SVG" }
        return nil
    }

    /// The format's name in messages: "JPEG" for jpegload, "WebP" for webpload.
    static func formatName(_ loader: String) -> String {
        let known = ["jpegload": "JPEG", "pngload": "PNG", "webpload": "WebP", "gifload": "GIF",
                     "tiffload": "TIFF", "heifload": "HEIF", "jxlload": "JPEG XL", "jp2kload": "JPEG 2000"]
        if let name = known[loader] { return name }
        return loader.hasSuffix("load") ? String(loader.dropLast(4)).uppercased() : loader
    }

    /// The error for a file whose pixels failed to decode after its header opened. libvips
    /// keeps one error buffer for the whole process, so what it holds at this point may be
    /// another thread's message, or nothing ("unknown libvips error"); the message names the
    /// file and its format instead, the same on every run.
    static func decodeFailure(_ role: FileRole, loader: String?, options: LoadOptions) -> StetError {
        let format = loader.map(formatName) ?? "image"
        let hint = options.failOn == .none ? "" : "; \(Hint.lenient) decodes what is there"
        return StetError.file(role, "corrupt \(format) (the decoder stopped on damaged data)\(hint)")
    }

    /// Opens the file (header only) and checks the pixel cap before anything decodes.
    ///
    /// Unless `failOn` is `.none`, the file's structure is then checked from its bytes (see
    /// `FileIntegrity`), so a truncated JPEG, PNG or WebP is refused here, wherever it was cut,
    /// with the same message on every run, before a lazy pipeline decodes it on libvips'
    /// threads (where libvips 8.14's own check depends on timing).
    public func run() throws -> Image {
        let image = try openHeader()
        try checkIntegrity()
        return image
    }

    /// Opens the file and reads its pixels the cheapest strict way: a strict JPEG is decoded
    /// now, once, at 1/`shrink` scale (`JPEGDecode`: the decode is also its integrity check);
    /// any other file is checked and returned lazy, as `run()` returns it. `decoded` says which,
    /// since a decoded image is 1/`shrink` of the header's size.
    func runDecodingJPEG(shrink: Int = 1) throws -> (header: Image, image: Image, decoded: Bool) {
        let header = try openHeader()
        if JPEGDecode.applies(to: header, options: options) {
            return (header, try decodeJPEG(header: header, shrink: shrink), true)
        }
        try checkIntegrity()
        return (header, header, false)
    }

    /// The loader from the file's bytes, its header, and the pixel cap; no pixel is read.
    func openHeader() throws -> Image {
        let loader = try Load.loaderName(for: path, role: role)
        var op = Operation(loader)
        op.set("filename", .string(path))
        op.set("fail_on", .string(options.failOn.rawValue))
        if sequential { op.set("access", .string("sequential")) }
        let image: Image
        do { image = try op.image() } catch let e as StetError {
            if case .operation(_, let message) = e, message.contains("operation is blocked") {
                throw StetError.file(role, "needs the \(loader) loader, which Stet blocks as untrusted")
            }
            // A header the loader cannot read: the bytes say why, in the same words every run
            // (libvips' error buffer is shared by every thread).
            if let problem = try FileIntegrity.check(path) { throw StetError.file(role, problem.text) }
            throw e.about(role)
        }
        try options.checkPixels(width: image.width, height: image.height, role: role)
        return image
    }

    /// The structure check (after the pixel cap, so that a header bomb is refused before
    /// anything decodes); `--lenient` skips it.
    func checkIntegrity() throws {
        if options.failOn != .none, let problem = try FileIntegrity.check(path) { throw failure(problem) }
    }

    /// A strict JPEG decoded once, checked as it decodes (see `JPEGDecode`).
    func decodeJPEG(header: Image, shrink: Int) throws -> Image {
        do { return try JPEGDecode.decode(path, header: header, shrink: shrink) } catch let problem as FileIntegrity.Problem {
            throw failure(problem)
        }
    }

    private func failure(_ problem: FileIntegrity.Problem) -> StetError {
        StetError.file(role, problem.text + (problem.lenientHelps ? "; \(Hint.lenient) decodes what is there" : ""))
    }
}

extension Image {
    /// Opens `path` (header only), checked against `options`' pixel cap.
    public static func open(_ path: String, role: FileRole = .source, options: LoadOptions = .strict) throws -> Image {
        try Load(path, role: role, options: options).run()
    }

    /// Opens and fully decodes `path` now, so that a truncated or corrupt file fails here,
    /// and returns the image as 8-bit sRGB(A) with orientation applied.
    public static func decode(_ path: String, role: FileRole = .source, options: LoadOptions = .strict) throws -> Image {
        let (header, image, _) = try Load(path, role: role, options: options).runDecodingJPEG()
        do {
            return try image.autorotated().normalizedToSRGB8().materialized()
        } catch is StetError {
            throw Load.decodeFailure(role, loader: header.loader, options: options)
        }
    }
}
