import CVips
import Foundation
import StetSupport

/// A file's structure checked from its bytes, before any decoder sees it, so that the verdict
/// on a damaged file is the same on every run.
///
/// Why it exists: libvips 8.14 decodes lazily, on its worker threads, while a later step (a
/// save, a copy to memory) pulls pixels. Its `fail_on` check runs in the loader's generate
/// function, so a warning raised in the last strip it decodes (a JPEG cut at 90% or 99%, or
/// just before its EOI marker) fails the run only if another generate call follows, and which
/// call comes last depends on how the threads split the image (measured: the same baseline
/// JPEG cut at 97% passes `vips thumbnail --fail-on warning` on some runs with
/// VIPS_CONCURRENCY=2 or 4 and fails on others; it always fails with 1; libvips fixed more
/// paths after 8.14.1, libvips/libvips#3293). libspng accepts a PNG without its IEND chunk.
/// And libvips keeps one error buffer for the whole process, so a failure seen during a save
/// may carry another thread's message, or none ("unknown libvips error").
///
/// The check walks the container once (JPEG markers to EOI, PNG chunks to IEND with their
/// CRCs, the WebP RIFF size and chunks), and a JPEG's entropy-coded data is decoded once at
/// 1/8 scale by libjpeg: passes over bytes that are about to be read anyway, in the calling
/// thread, with an answer that depends on the bytes alone.
///
/// Cost: a strict JPEG that a command decodes is not checked by this pass but by its own decode
/// (`JPEGDecode`: the same libjpeg walk, whose output is the pixels), so the check costs a JPEG
/// nothing. Measured (release, this 2-core machine under load 13-17, CPU user+sys, paired
/// medians of 9-11 alternating runs against the build before the check existed): `draft` of ten
/// 2048x1600 JPEGs 1.01x (it was 1.26-1.31x with a separate check pass), 8-preset `reframe` of a
/// 12 MP JPEG 1.00x, `upscale --scale 2` of a 1024x800 JPEG 1.03x, with the same pixels
/// (max difference 0 against `--lenient`, which keeps libvips' decoder). `info` and PNG/WebP
/// inputs still take this pass: five 963x1443 PNGs +4%.
enum FileIntegrity {
    /// What is wrong with a file, in the words of the error message.
    struct Problem: Error, Equatable {
        /// "truncated JPEG (premature end of data)", without the hint.
        var text: String
        /// Whether libvips 8.14 decodes what is there with `fail_on=none`: a truncated JPEG or
        /// non-interlaced PNG, yes; an interlaced PNG (decoded whole, by libspng) or a WebP
        /// (libwebp parses the RIFF size first), no, so the message does not offer it.
        var lenientHelps = true
    }

    /// Checks the file at `path` when its first bytes name a format checked here; other
    /// formats (and files too short to name one) pass, for the loader to judge.
    static func check(_ path: String) throws -> Problem? {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else {
            return nil   // unreadable files are reported by the loader's own checks
        }
        return data.withUnsafeBytes { check(bytes: $0) }
    }

    static func check(bytes b: UnsafeRawBufferPointer) -> Problem? {
        if b.count >= 3, b[0] == 0xFF, b[1] == 0xD8, b[2] == 0xFF { return jpeg(b) ?? jpegDecode(b) }
        if b.count >= 8, Array(b[0..<8]) == pngSignature { return png(b) }
        if b.count >= 12, Array(b[0..<4]) == Array("RIFF".utf8), Array(b[8..<12]) == Array("WEBP".utf8) {
            return webp(b)
        }
        return nil
    }

    // MARK: JPEG

    /// Walks the markers from SOI to EOI. Each segment's length must fit in the file; after
    /// each SOS the entropy-coded data runs to the next marker that is not a stuffed byte
    /// (FF 00) or a restart (FF D0-D7). A file that ends before EOI is truncated, wherever it
    /// was cut. Bytes after EOI (camera trailers) are allowed, as libjpeg allows them.
    static func jpeg(_ b: UnsafeRawBufferPointer) -> Problem? {
        let truncated = Problem(text: "truncated JPEG (premature end of data)")
        let n = b.count
        var i = 2
        while true {
            // Find the next marker: libjpeg skips stray bytes before one (with a warning that
            // the decoder then reports), so the walk does too.
            while i < n, b[i] != 0xFF { i += 1 }
            while i < n, b[i] == 0xFF { i += 1 }   // fill bytes
            guard i < n else { return truncated }
            let marker = b[i]
            i += 1
            switch marker {
            case 0xD9:
                return nil                              // EOI
            case 0x01, 0xD0...0xD8:
                continue                                // no length: TEM, RSTn, SOI
            default:
                guard i + 2 <= n else { return truncated }
                let length = Int(b[i]) << 8 | Int(b[i + 1])
                guard length >= 2 else { return Problem(text: "corrupt JPEG (a marker segment of length \(length))") }
                guard i + length <= n else { return truncated }
                i += length
                if marker == 0xDA {                     // SOS: skip the entropy-coded data
                    guard let next = nextMarker(b, from: i) else { return truncated }
                    i = next
                }
            }
        }
    }

    /// Decodes the entropy-coded data once (libjpeg at 1/8 scale, on this thread, by the same
    /// `stet_jpeg_decode` that `JPEGDecode` uses; the tiny image is dropped): a bad Huffman code
    /// or a corrupt segment is found wherever it is, where libvips 8.14 would miss one in the
    /// last strip it decodes on some runs.
    private static func jpegDecode(_ b: UnsafeRawBufferPointer) -> Problem? {
        guard let base = b.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
        var message = [CChar](repeating: 0, count: 256)
        var out: UnsafeMutablePointer<VipsImage>?
        let status = stet_jpeg_decode(base, UInt(b.count), 8, &out, &message, Int32(message.count))
        if let out { g_object_unref(out) }
        return status == 1 ? jpegProblem(message) : nil
    }

    /// libjpeg's message in the words of Stet's errors.
    static func jpegProblem(_ message: [CChar]) -> Problem {
        var text = String(decoding: message.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        for prefix in ["Corrupt JPEG data: ", "Warning: "] where text.hasPrefix(prefix) {
            text.removeFirst(prefix.count)
        }
        if text == "Premature end of JPEG file" { return Problem(text: "truncated JPEG (premature end of data)") }
        return Problem(text: "corrupt JPEG (\(text))")
    }

    /// The offset of the next FF that starts a real marker after `start`, or nil at the end.
    private static func nextMarker(_ b: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard let base = b.baseAddress else { return nil }
        var i = start
        let n = b.count
        while i < n {
            guard let hit = memchr(base + i, 0xFF, n - i) else { return nil }
            let at = base.distance(to: UnsafeRawPointer(hit))
            guard at + 1 < n else { return nil }
            let next = b[at + 1]
            if next == 0x00 || (0xD0...0xD7).contains(next) || next == 0xFF {
                i = at + 1
                continue
            }
            return at
        }
        return nil
    }

    // MARK: PNG

    private static let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Walks the chunks from the signature to IEND, checking each chunk's CRC (zlib's crc32,
    /// the same sum libpng and libspng compute while they decode).
    private static func png(_ b: UnsafeRawBufferPointer) -> Problem? {
        guard let base = b.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
        let n = b.count
        // IHDR's interlace method, the last of its 13 bytes.
        let interlaced = n > 28 && b[28] != 0
        func problem(_ text: String) -> Problem { Problem(text: text, lenientHelps: !interlaced) }
        var i = 8
        var last = "IHDR"
        while true {
            guard i < n else { return problem("truncated PNG (no IEND chunk after the \(last) chunk)") }
            guard i + 8 <= n else { return problem("truncated PNG (cut inside a chunk header after the \(last) chunk)") }
            let length = Int(be32(b, i))
            let type = String(decoding: UnsafeRawBufferPointer(rebasing: b[(i + 4)..<(i + 8)]), as: UTF8.self)
            let name = type.allSatisfy({ $0.isASCII && $0.isLetter }) ? type : "unknown"
            guard length <= 0x7FFF_FFFF else { return problem("corrupt PNG (the \(name) chunk declares \(length) bytes)") }
            guard i + 12 + length <= n else { return problem("truncated PNG (cut inside the \(name) chunk)") }
            let stored = be32(b, i + 8 + length)
            let computed = UInt32(crc32(0, base + i + 4, uInt(4 + length)))
            guard stored == computed else { return problem("corrupt PNG (CRC mismatch in the \(name) chunk)") }
            if type == "IEND" { return nil }
            last = name
            i += 12 + length
        }
    }

    private static func be32(_ b: UnsafeRawBufferPointer, _ i: Int) -> UInt32 {
        UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
    }

    // MARK: WebP

    /// The RIFF header declares the file's size; every chunk inside must fit in it.
    private static func webp(_ b: UnsafeRawBufferPointer) -> Problem? {
        let n = b.count
        func le32(_ i: Int) -> Int {
            Int(b[i]) | Int(b[i + 1]) << 8 | Int(b[i + 2]) << 16 | Int(b[i + 3]) << 24
        }
        let declared = le32(4) + 8
        guard declared <= n else {
            return Problem(text: "truncated WebP (the RIFF header declares \(declared) bytes, the file has \(n))",
                           lenientHelps: false)
        }
        var i = 12
        while i < declared {
            guard i + 8 <= declared else {
                return Problem(text: "corrupt WebP (a chunk header runs past the RIFF size)", lenientHelps: false)
            }
            let size = le32(i + 4)
            let fourcc = String(decoding: UnsafeRawBufferPointer(rebasing: b[i..<(i + 4)]), as: UTF8.self)
                .trimmingCharacters(in: .whitespaces)
            let name = fourcc.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) ? fourcc : "unknown"
            guard i + 8 + size <= declared else {
                return Problem(text: "corrupt WebP (the \(name) chunk runs past the RIFF size)", lenientHelps: false)
            }
            i += 8 + size + (size & 1)
        }
        return nil
    }
}
