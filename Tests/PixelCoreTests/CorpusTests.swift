import Foundation
@testable import PixelCore
import StetSupport
import XCTest

/// A corpus of damaged files, made at test time from a fixture photograph (nothing binary is
/// committed): truncations at many cut points, CRC errors, bad Huffman data, header bombs,
/// spoofed extensions, empty and 1-byte files, SVG and PDF. Each file is opened and decoded 5
/// times, with libvips on 1 and on 4 threads, and must give one verdict and one message.
final class CorpusTests: XCTestCase {
    static let dir: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("stet-corpus-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: CorpusTests.dir) }
        return url
    }()

    /// The encodings of one photograph (candidate-1.jpg, 960x720), made by libvips.
    static let encodings: [String: [UInt8]] = {
        let photo = try! Image.decode(Fixture.path("candidate-1.jpg"))
        func encode(_ saver: String, _ args: [(String, VipsArgument)]) -> [UInt8] {
            var op = Operation(saver)
            op.set("in", .image(photo))
            op.set("strip", .bool(true))
            for (k, v) in args { op.set(k, v) }
            return try! op.run(outputs: ["buffer"]).blob("buffer")!
        }
        return [
            "baseline.jpg": encode("jpegsave_buffer", [("Q", .int(90))]),
            "progressive.jpg": encode("jpegsave_buffer", [("Q", .int(90)), ("interlace", .bool(true))]),
            "interlaced.png": encode("pngsave_buffer", [("interlace", .bool(true)), ("compression", .int(1))]),
            "plain.png": encode("pngsave_buffer", [("compression", .int(1))]),
            "lossy.webp": encode("webpsave_buffer", [("Q", .int(80))]),
            "lossless.webp": encode("webpsave_buffer", [("lossless", .bool(true))]),
        ]
    }()

    static let lenient = "; \(Hint.lenient) decodes what is there"

    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let url = CorpusTests.dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    /// The one message that opening and decoding `path` gives, asserted the same over 5 runs
    /// (alternating the draft path, `Thumbnail`, and the full decode, on 1 and 4 threads);
    /// nil when every run succeeds.
    func verdict(_ path: String, options: LoadOptions = .strict, file: StaticString = #filePath,
                 line: UInt = #line) -> String? {
        var seen: [String?] = []
        let saved = Vips.concurrency
        defer { Vips.concurrency = saved }
        for run in 0..<5 {
            Vips.concurrency = run % 2 == 0 ? 1 : 4
            do {
                if run < 3 { _ = try Thumbnail(path, width: 128, height: 128, options: options).run() }
                else { _ = try Image.decode(path, options: options) }
                seen.append(nil)
            } catch {
                // Named as the CLI names a source: the core names it by role.
                seen.append("\((error as? StetError)?.naming(path) ?? error)")
            }
        }
        XCTAssertEqual(Set(seen.map { $0 ?? "ok" }).count, 1, "\(path): \(seen)", file: file, line: line)
        return seen[0]
    }

    static let fractions = [0.05, 0.2, 0.4, 0.6, 0.8, 0.9, 0.95, 0.97, 0.99, 0.995, 0.999]

    func testTruncatedJPEGsAreRefusedWhereverCut() throws {
        for name in ["baseline.jpg", "progressive.jpg"] {
            let bytes = CorpusTests.encodings[name]!
            XCTAssertEqual(Array(bytes.suffix(2)), [0xFF, 0xD9])
            var cuts = CorpusTests.fractions.map { Int(Double(bytes.count) * $0) }
            cuts += [bytes.count - 2, bytes.count - 1]         // just before EOI, inside EOI
            for cut in cuts {
                let path = try write("cut\(cut)-\(name)", Array(bytes[0..<cut]))
                XCTAssertEqual(verdict(path), "\(path): truncated JPEG (premature end of data)\(CorpusTests.lenient)")
                let lenient = try Image.decode(path, options: LoadOptions(failOn: .none))
                XCTAssertEqual([lenient.width, lenient.height], [960, 720], path)
            }
        }
    }

    /// A non-interlaced PNG cut short decodes what is there with --lenient; an interlaced one
    /// cannot (libspng decodes it whole), so its message does not offer --lenient.
    func testTruncatedPNGsAreRefusedWhereverCut() throws {
        for name in ["plain.png", "interlaced.png"] {
            let bytes = CorpusTests.encodings[name]!
            let hint = name == "plain.png" ? CorpusTests.lenient : ""
            XCTAssertEqual(String(decoding: bytes.suffix(8).prefix(4), as: UTF8.self), "IEND")
            for fraction in CorpusTests.fractions {
                let cut = Int(Double(bytes.count) * fraction)
                let path = try write("cut\(cut)-\(name)", Array(bytes[0..<cut]))
                let message = try XCTUnwrap(verdict(path))
                XCTAssertTrue(message.hasPrefix("\(path): truncated PNG ("), message)
                XCTAssertTrue(message.hasSuffix(")\(hint)"), message)
                if name == "plain.png" {
                    let lenient = try Image.decode(path, options: LoadOptions(failOn: .none))
                    XCTAssertEqual([lenient.width, lenient.height], [960, 720], path)
                } else {
                    XCTAssertThrowsError(try Image.decode(path, options: LoadOptions(failOn: .none))) { error in
                        XCTAssertEqual(named(error, [.source: path]), "\(path): corrupt PNG (the decoder stopped on damaged data)")
                    }
                }
            }
            let noEnd = try write("no-iend-\(name)", Array(bytes.dropLast(12)))
            XCTAssertEqual(verdict(noEnd), "\(noEnd): truncated PNG (no IEND chunk after the IDAT chunk)\(hint)")
            let inEnd = try write("in-iend-\(name)", Array(bytes.dropLast(1)))
            XCTAssertEqual(verdict(inEnd), "\(inEnd): truncated PNG (cut inside the IEND chunk)\(hint)")
            XCTAssertEqual(try Image.decode(noEnd, options: LoadOptions(failOn: .none)).width, 960)
        }
    }

    func testTruncatedWebPsAreRefusedWhereverCut() throws {
        for name in ["lossy.webp", "lossless.webp"] {
            let bytes = CorpusTests.encodings[name]!
            for cut in CorpusTests.fractions.map({ Int(Double(bytes.count) * $0) }) + [bytes.count - 1] {
                let path = try write("cut\(cut)-\(name)", Array(bytes[0..<cut]))
                // libvips 8.14 cannot decode any of a WebP cut short, so --lenient is not offered.
                XCTAssertEqual(verdict(path), "\(path): truncated WebP (the RIFF header declares \(bytes.count) bytes, the file has \(cut))")
            }
        }
    }

    func testWholeFilesPass() throws {
        for (name, bytes) in CorpusTests.encodings {
            let path = try write("whole-\(name)", bytes)
            XCTAssertNil(verdict(path), name)
            // A spoofed extension changes nothing: the format is judged from the bytes.
            let spoofed = try write("spoofed-\(name).\(name.hasSuffix("jpg") ? "png" : "jpg")", bytes)
            XCTAssertNil(verdict(spoofed), spoofed)
        }
        let png = CorpusTests.encodings["plain.png"]!
        let spoofedCut = try write("cut-png.jpg", Array(png[0..<(png.count / 2)]))
        let message = try XCTUnwrap(verdict(spoofedCut))
        XCTAssertTrue(message.hasPrefix("\(spoofedCut): truncated PNG ("), message)
    }

    func testPNGCRCErrorIsRefused() throws {
        var bytes = CorpusTests.encodings["plain.png"]!
        bytes[bytes.count / 2] ^= 0x55
        let path = try write("crc.png", bytes)
        XCTAssertEqual(verdict(path), "\(path): corrupt PNG (CRC mismatch in the IDAT chunk)\(CorpusTests.lenient)")
        XCTAssertEqual(try Image.decode(path, options: LoadOptions(failOn: .none)).width, 960)
    }

    func testBadHuffmanDataIsRefused() throws {
        let bytes = CorpusTests.encodings["baseline.jpg"]!
        // A DHT segment whose 16 code counts are all 255: more codes than the table can hold.
        var table = bytes
        let dht = try XCTUnwrap((0..<(table.count - 1)).first { table[$0] == 0xFF && table[$0 + 1] == 0xC4 })
        for k in (dht + 5)..<(dht + 21) { table[k] = 0xFF }
        let bogus = try write("bogus-dht.jpg", table)
        // libjpeg refuses the table while reading the header, so --lenient cannot help either.
        XCTAssertEqual(verdict(bogus), "\(bogus): corrupt JPEG (Bogus Huffman table definition)")
        // Entropy-coded data overwritten (no FF bytes, so no markers appear) near the end, where
        // libvips 8.14 on several threads sometimes decodes it without failing.
        for fraction in [0.5, 0.95, 0.995] {
            var damaged = bytes
            var state: UInt32 = 12345
            let start = Int(Double(damaged.count) * fraction)
            for k in start..<(start + 48) {
                state = state &* 1_103_515_245 &+ 12345
                damaged[k] = UInt8((state >> 16) % 255)
            }
            let path = try write("scan\(fraction).jpg", damaged)
            if let message = verdict(path) {
                XCTAssertTrue(message.hasPrefix("\(path): corrupt JPEG ("), message)
                XCTAssertTrue(message.hasSuffix(")\(CorpusTests.lenient)"), message)
            }
        }
    }

    /// Header bombs: each format's header declares 100000x100000 (or its format's maximum);
    /// the pixel cap refuses it from the header, before anything decodes.
    func testHeaderBombsAreRefusedFromTheHeader() throws {
        let cap = LoadOptions.defaultLimitPixels
        for (name, bytes, size) in Bombs.all {
            let path = try write("bomb-\(name)", bytes)
            XCTAssertEqual(verdict(path), "\(path): image of \(size) pixels exceeds the pixel limit of \(cap) (see \(Hint.limitPixels))", name)
        }
        // libvips' WebP loader refuses 16384x16384 itself, before Stet's cap is asked.
        let webp = try write("bomb-webp.webp", Bombs.webp)
        XCTAssertEqual(verdict(webp), "\(webp): webpload: webp: bad image dimensions")
    }

    func testEmptyOneByteSVGAndPDF() throws {
        let empty = try write("empty.jpg", [])
        XCTAssertEqual(verdict(empty), "\(empty): empty file (0 bytes)")
        XCTAssertEqual(verdict(empty, options: LoadOptions(failOn: .none)), "\(empty): empty file (0 bytes)")
        let one = try write("one.png", [0x89])
        XCTAssertEqual(verdict(one), "\(one): is not an image in a format Stet can read")
        let svg = try write("drawing.png", Array("<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><rect width=\"10\" height=\"10\"/></svg>\n".utf8))
        XCTAssertEqual(verdict(svg), "\(svg): SVG is blocked: Stet does not render vector or document formats")
        let pdf = try write("page.jpg", Array("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".utf8))
        XCTAssertEqual(verdict(pdf), "\(pdf): PDF is blocked: Stet does not render vector or document formats")
    }
}

/// Minimal files whose headers declare huge images, written byte by byte.
enum Bombs {
    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    static func le32(_ v: UInt32) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)] }
    static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }

    static func crc(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        }
        return c ^ 0xFFFF_FFFF
    }

    static func pngChunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return be32(UInt32(data.count)) + body + be32(crc(body))
    }

    static var png: [UInt8] {
        [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
            + pngChunk("IHDR", be32(100_000) + be32(100_000) + [8, 2, 0, 0, 0])
            + pngChunk("IDAT", [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])
            + pngChunk("IEND", [])
    }

    /// SOI, a baseline SOF0 of 60000x60000 with three components, an SOS, EOI.
    static var jpeg: [UInt8] {
        let sof: [UInt8] = [0xFF, 0xC0, 0x00, 0x11, 0x08, 0xEA, 0x60, 0xEA, 0x60, 0x03,
                            0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01]
        let sos: [UInt8] = [0xFF, 0xDA, 0x00, 0x0C, 0x03, 0x01, 0x00, 0x02, 0x11, 0x03, 0x11, 0x00, 0x3F, 0x00]
        return [0xFF, 0xD8] + sof + sos + [0x00, 0x00, 0xFF, 0xD9]
    }

    /// RIFF/WEBP with a lossless VP8L header declaring 16384x16384, the format's maximum (just
    /// over the default cap of 16383x16383).
    static var webp: [UInt8] {
        let body: [UInt8] = [0x2F, 0xFF, 0xFF, 0xFF, 0x0F] + [UInt8](repeating: 0, count: 11)
        let vp8l = Array("VP8L".utf8) + le32(UInt32(body.count)) + body
        return Array("RIFF".utf8) + le32(UInt32(4 + vp8l.count)) + Array("WEBP".utf8) + vp8l
    }

    /// GIF89a whose logical screen and one frame are 65535x65535.
    static var gif: [UInt8] {
        Array("GIF89a".utf8) + le16(65535) + le16(65535) + [0x00, 0, 0]
            + [0x2C] + le16(0) + le16(0) + le16(65535) + le16(65535) + [0x00]
            + [0x02, 0x02, 0x4C, 0x01, 0x00] + [0x3B]
    }

    /// A little-endian TIFF whose one IFD declares 100000x100000, 8-bit grey, one strip.
    static var tiff: [UInt8] {
        func entry(_ tag: UInt16, _ type: UInt16, _ value: UInt32) -> [UInt8] {
            le16(tag) + le16(type) + le32(1) + le32(value)
        }
        let entries = [entry(256, 4, 100_000), entry(257, 4, 100_000), entry(258, 3, 8), entry(259, 3, 1),
                       entry(262, 3, 1), entry(273, 4, 8), entry(277, 3, 1), entry(278, 4, 100_000),
                       entry(279, 4, 1)]
        return [0x49, 0x49, 0x2A, 0x00] + le32(8) + le16(UInt16(entries.count)) + entries.flatMap { $0 } + le32(0)
    }

    static var all: [(String, [UInt8], String)] {
        [("png.png", png, "100000x100000"), ("jpeg.jpg", jpeg, "60000x60000"),
         ("gif.gif", gif, "65535x65535"), ("tiff.tif", tiff, "100000x100000")]
    }
}
