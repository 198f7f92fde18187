import CVips
import Foundation

/// The generation record a file carries, as read from its bytes.
public struct GenerationRecord: Codable, Equatable, Sendable {
    /// Automatic1111's `parameters`, parsed (from a PNG text chunk, EXIF UserComment or XMP).
    public var automatic1111: A1111Parameters?
    /// ComfyUI's `prompt` and `workflow` graphs.
    public var comfyui: ComfyUI?
    /// InvokeAI's record (`invokeai_metadata`, or InvokeAI 2's `sd-metadata`), its common settings typed.
    public var invokeai: ToolParameters?
    /// Fooocus' JSON `parameters`, its common settings typed.
    public var fooocus: ToolParameters?
    /// Other text chunks that hold JSON (InvokeAI's `invokeai_metadata`, Fooocus' JSON `parameters`), as they are.
    public var json: [String: JSONValue]?
    /// Other text chunks, as text.
    public var text: [String: String]?
    /// EXIF UserComment text, when it is not A1111's record.
    public var userComment: String?
    /// The XMP packet.
    public var xmp: String?

    public struct ComfyUI: Codable, Equatable, Sendable {
        public var prompt: JSONValue?
        public var workflow: JSONValue?
    }

    public var isEmpty: Bool {
        automatic1111 == nil && comfyui == nil && invokeai == nil && fooocus == nil && json == nil && text == nil
            && userComment == nil && xmp == nil
    }
}

/// What a file says about how it was made, and whether it carries C2PA content credentials.
public struct Provenance: Sendable {
    public var generation: GenerationRecord?
    /// A C2PA manifest store is present (PNG `caBX`, JPEG APP11 JUMBF, WebP `C2PA`); not validated.
    public var c2pa: Bool
    /// One line each: what was skipped, cut or decoded lossily.
    public var warnings: [String]
    /// The edits Stet made on the way to this file, oldest first (each output's `stet` record).
    public var edits: [StetEdit] = []
    /// What an edit carries on into its output, as found (see `Provenance+Carry.swift`).
    var carried = Carried()

    /// The parts of a file's provenance that go on into an edit's output.
    struct Carried: Sendable {
        /// The generation text items by their PNG keyword, in file order ("parameters", "prompt", ...).
        var items: [(key: String, value: String)] = []
        /// The source's own XMP packet (carried whole).
        var xmp: String?
        /// A PNG source's record chunks, byte for byte (a PNG output takes them as they are).
        var pngChunks: [Data] = []
        /// The C2PA manifest store (the JUMBF superbox), reassembled from its carrier.
        var c2paStore: Data?
        /// The carrier format the store came in (`png`, `jpeg`, `webp`) and, for JPEG, its APP11
        /// segments as they were (a JPEG output with `keepC2PA` takes them byte for byte).
        var c2paFormat: String?
        var c2paSegments: [Data] = []
    }

    /// The most text kept from one chunk or field; longer values are left out with a warning.
    public static let maxTextBytes = 4 << 20
    /// Files are read mapped; this bounds how much of one is looked at.
    public static let maxFileBytes = 1 << 30

    /// Reads the file at `path`. An unreadable file gives an empty record and a warning.
    public static func read(path: String) -> Provenance {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else {
            return Provenance(generation: nil, c2pa: false, warnings: ["cannot be read for provenance"])
        }
        return read(data: data)
    }

    public static func read(data: Data) -> Provenance {
        var reader = Reader()
        data.withUnsafeBytes { raw in
            let bytes = UnsafeRawBufferPointer(rebasing: raw[0..<min(raw.count, maxFileBytes)])
            if bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { reader.png(bytes) }
            else if bytes.starts(with: [0xFF, 0xD8]) { reader.jpeg(bytes) }
            else if bytes.count >= 12, bytes.starts(with: Array("RIFF".utf8)),
                    Array(bytes[8..<12]) == Array("WEBP".utf8) { reader.webp(bytes) }
        }
        reader.finish()
        var p = Provenance(generation: reader.record.isEmpty ? nil : reader.record, c2pa: reader.c2pa,
                           warnings: reader.warnings)
        p.edits = reader.edits
        p.carried = reader.carried
        if reader.c2pa, p.carried.c2paStore == nil, !reader.c2paParts.isEmpty {
            p.carried.c2paStore = reader.c2paParts.sorted { $0.key < $1.key }.reduce(Data()) { $0 + $1.value }
        }
        return p
    }
}

private func be32(_ b: UnsafeRawBufferPointer, _ i: Int) -> UInt32 {
    UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
}
private func le32(_ b: UnsafeRawBufferPointer, _ i: Int) -> UInt32 {
    UInt32(b[i + 3]) << 24 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 1]) << 8 | UInt32(b[i])
}

private struct Reader {
    var record = GenerationRecord()
    var c2pa = false
    var warnings: [String] = []
    /// JPEG APP11 JUMBF boxes by instance: bytes declared and bytes seen.
    var jumbf: [UInt16: (declared: UInt64, seen: UInt64)] = [:]
    var edits: [StetEdit] = []
    var carried = Provenance.Carried()
    /// The first JUMBF instance's APP11 payloads by sequence number (the box bytes only).
    var c2paParts: [UInt32: Data] = [:]
    var c2paInstance: UInt16?
    /// Extended XMP (JPEG APP1 `http://ns.adobe.com/xmp/extension/`) by GUID: length and parts by offset.
    var extendedXMP: [String: (length: Int, parts: [Int: Data])] = [:]

    mutating func warn(_ s: String) { if warnings.count < 32 { warnings.append(s) } }

    mutating func finish() {
        for (_, ext) in extendedXMP.sorted(by: { $0.key < $1.key }) {
            var whole = Data()
            for (offset, part) in ext.parts.sorted(by: { $0.key < $1.key }) where offset == whole.count { whole += part }
            guard whole.count == ext.length else { warn("extended XMP is incomplete; skipped"); continue }
            xmp(utf8(whole, "XMP"))
        }
        for (_, box) in jumbf.sorted(by: { $0.key < $1.key }) where box.seen < box.declared {
            warn("C2PA JUMBF box is truncated (declares \(box.declared) bytes, \(box.seen) present)")
        }
    }

    // MARK: PNG

    mutating func png(_ b: UnsafeRawBufferPointer) {
        var i = 8
        while i + 12 <= b.count {
            let length = Int(be32(b, i))
            let type = String(decoding: b[(i + 4)..<(i + 8)], as: UTF8.self)
            guard length <= b.count - i - 12 else {
                warn("PNG chunk \(type) is truncated (declares \(length) bytes, \(b.count - i - 12) present); stopped reading")
                return
            }
            let body = UnsafeRawBufferPointer(rebasing: b[(i + 8)..<(i + 8 + length)])
            let isMetadata = ["tEXt", "iTXt", "zTXt", "caBX", "eXIf"].contains(type)
            if isMetadata {
                let stored = be32(b, i + 8 + length)
                let computed = UInt32(crc32(0, b.baseAddress!.assumingMemoryBound(to: UInt8.self) + i + 4, uInt(4 + length)))
                if stored != computed {
                    warn("PNG \(type) chunk has a bad CRC; skipped")
                } else {
                    switch type {
                    case "tEXt": pngText(body)
                    case "zTXt": pngCompressedText(body)
                    case "iTXt": pngInternationalText(body)
                    case "caBX":
                        c2pa = true; checkJUMBF(body, what: "caBX")
                        if carried.c2paStore == nil { carried.c2paStore = Data(body); carried.c2paFormat = "png" }
                    default: exif(body)
                    }
                }
            }
            if type == "IEND" { return }
            i += 12 + length
        }
    }

    /// Splits `keyword\0rest`; nil (with a warning) when the keyword is missing or not 1-79 bytes.
    mutating func keyword(_ b: UnsafeRawBufferPointer, _ type: String) -> (String, Int)? {
        guard let nul = b.firstIndex(of: 0), (1...79).contains(nul) else {
            warn("PNG \(type) chunk has no valid keyword; skipped"); return nil
        }
        return (String(decoding: b[..<nul], as: UTF8.self), nul + 1)
    }

    mutating func pngText(_ b: UnsafeRawBufferPointer) {
        guard let (key, start) = keyword(b, "tEXt") else { return }
        let bytes = b[start...]
        guard fits(bytes.count, key) else { return }
        // tEXt is Latin-1 by the PNG spec; generators write UTF-8 there, so UTF-8 is tried first.
        if let s = String(bytes: bytes, encoding: .utf8) { add(key, s) }
        else {
            warn("\(key) text is not UTF-8; read as Latin-1")
            add(key, String(bytes: bytes, encoding: .isoLatin1) ?? "")
        }
    }

    mutating func pngCompressedText(_ b: UnsafeRawBufferPointer) {
        guard let (key, start) = keyword(b, "zTXt") else { return }
        guard start < b.count, b[start] == 0 else { warn("\(key) zTXt chunk has an unknown compression method; skipped"); return }
        guard let bytes = inflate(UnsafeRawBufferPointer(rebasing: b[(start + 1)...]), key) else { return }
        add(key, String(bytes: bytes, encoding: .utf8) ?? String(bytes: bytes, encoding: .isoLatin1) ?? "")
    }

    mutating func pngInternationalText(_ b: UnsafeRawBufferPointer) {
        guard let (key, start) = keyword(b, "iTXt") else { return }
        guard start + 2 <= b.count else { warn("\(key) iTXt chunk is cut short; skipped"); return }
        let compressed = b[start] == 1
        var i = start + 2
        for _ in 0..<2 {  // language tag, translated keyword
            guard let nul = b[i...].firstIndex(of: 0) else { warn("\(key) iTXt chunk is cut short; skipped"); return }
            i = nul + 1
        }
        let rest = UnsafeRawBufferPointer(rebasing: b[i...])
        let bytes: [UInt8]
        if compressed {
            guard b[start + 1] == 0, let inflated = inflate(rest, key) else {
                if b[start + 1] != 0 { warn("\(key) iTXt chunk has an unknown compression method; skipped") }
                return
            }
            bytes = inflated
        } else {
            guard fits(rest.count, key) else { return }
            bytes = Array(rest)
        }
        add(key, utf8(bytes, key))
    }

    mutating func fits(_ count: Int, _ key: String) -> Bool {
        if count > Provenance.maxTextBytes {
            warn("\(key) text is \(count) bytes, over the \(Provenance.maxTextBytes)-byte limit; left out")
            return false
        }
        return true
    }

    mutating func utf8<C: Collection>(_ bytes: C, _ what: String) -> String where C.Element == UInt8 {
        if let s = String(bytes: bytes, encoding: .utf8) { return s }
        warn("\(what) text is not valid UTF-8; invalid bytes replaced")
        return String(decoding: Array(bytes), as: UTF8.self)
    }

    /// zlib data inflated to at most `maxTextBytes`; nil with a warning when larger or damaged.
    mutating func inflate(_ input: UnsafeRawBufferPointer, _ key: String) -> [UInt8]? {
        guard input.count > 0 else { warn("\(key) compressed text is empty; skipped"); return nil }
        var stream = z_stream()
        guard inflateInit_(&stream, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress!.assumingMemoryBound(to: UInt8.self))
        stream.avail_in = uInt(input.count)
        while true {
            let status = buffer.withUnsafeMutableBufferPointer { buf -> Int32 in
                stream.next_out = buf.baseAddress; stream.avail_out = uInt(buf.count)
                return CVips.inflate(&stream, Z_NO_FLUSH)
            }
            out.append(contentsOf: buffer[0..<(buffer.count - Int(stream.avail_out))])
            if out.count > Provenance.maxTextBytes {
                warn("\(key) text inflates to over the \(Provenance.maxTextBytes)-byte limit; left out"); return nil
            }
            if status == Z_STREAM_END { return out }
            if status != Z_OK || (stream.avail_in == 0 && stream.avail_out != 0) {
                warn("\(key) compressed text is damaged; skipped"); return nil
            }
        }
    }

    mutating func add(_ key: String, _ value: String) {
        if key == Provenance.editKey {
            if let list = try? JSONDecoder().decode([StetEdit].self, from: Data(value.utf8)) { edits = list }
            else { warn("stet edit record is not valid JSON; skipped") }
            return
        }
        if key == "XML:com.adobe.xmp" { xmp(value); return }
        if Provenance.carriedKeys.contains(key), !carried.items.contains(where: { $0.key == key }) {
            carried.items.append((key, value))
        }
        switch key {
        case "parameters":
            if let p = A1111Parameters.parse(value) { record.automatic1111 = p; return }
        case "prompt", "workflow":
            guard let json = JSONValue.parse(value) else {
                warn("ComfyUI \(key) is not valid JSON; kept as text"); break
            }
            var comfy = record.comfyui ?? GenerationRecord.ComfyUI()
            if key == "prompt" { comfy.prompt = json } else { comfy.workflow = json }
            record.comfyui = comfy
            return
        case "XML:com.adobe.xmp":
            xmp(value); return
        default: break
        }
        if value.first == "{" || value.first == "[", let json = JSONValue.parse(value) {
            record.json = (record.json ?? [:]).merging([key: json]) { a, _ in a }
            switch key {
            case "invokeai_metadata", "sd-metadata": record.invokeai = record.invokeai ?? ToolParameters.invokeAI(json)
            case "parameters": record.fooocus = record.fooocus ?? ToolParameters.fooocus(json)
            default: break
            }
        } else if (record.text?.count ?? 0) < 64 {
            record.text = (record.text ?? [:]).merging([key: value]) { a, _ in a }
        }
    }

    // MARK: XMP and EXIF

    mutating func xmp(_ packet: String) {
        guard fits(packet.utf8.count, "XMP") else { return }
        // A packet Stet wrote carries the record's items under its own namespace (and the
        // source's own packet, whole, as one of them).
        if packet.contains("xmlns:\(XMP.stetPrefix)=") {
            for (key, value) in XMP.stetItems(in: packet) {
                if key == "xmp" { xmp(value) } else { add(key, value) }
            }
            return
        }
        record.xmp = packet
        if carried.xmp == nil { carried.xmp = packet }
        if record.automatic1111 == nil {
            for name in ["exif:UserComment", "dc:description", "sd:parameters"] {
                if let v = XMP.value(named: name, in: packet), let p = A1111Parameters.parse(v) {
                    record.automatic1111 = p; break
                }
            }
        }
    }

    /// A TIFF-structured EXIF block (optionally after `Exif\0\0`): UserComment from the Exif IFD.
    mutating func exif(_ block: UnsafeRawBufferPointer) {
        var b = block
        if b.starts(with: Array("Exif\0\0".utf8)) { b = UnsafeRawBufferPointer(rebasing: b[6...]) }
        guard b.count >= 8 else { warn("EXIF block is too short; skipped"); return }
        let little: Bool
        if b[0] == 0x49, b[1] == 0x49 { little = true } else if b[0] == 0x4D, b[1] == 0x4D { little = false }
        else { warn("EXIF block has no byte-order mark; skipped"); return }
        func u16(_ i: Int) -> Int? {
            guard i >= 0, i + 2 <= b.count else { return nil }
            return little ? Int(b[i]) | Int(b[i + 1]) << 8 : Int(b[i]) << 8 | Int(b[i + 1])
        }
        func u32(_ i: Int) -> Int? {
            guard i >= 0, i + 4 <= b.count else { return nil }
            return Int(little ? le32(b, i) : be32(b, i))
        }
        /// (count, value offset) of `tag` in the IFD at `ifd`.
        func entry(_ ifd: Int, _ tag: Int) -> (Int, Int)? {
            guard let n = u16(ifd), n <= 1000 else { return nil }
            for k in 0..<n {
                let e = ifd + 2 + 12 * k
                guard let t = u16(e) else { return nil }
                if t == tag, let count = u32(e + 4) { return (count, count <= 4 ? e + 8 : (u32(e + 8) ?? -1)) }
            }
            return nil
        }
        guard let ifd0 = u32(4), let (_, exifPointer) = entry(ifd0, 0x8769), let exifIFD = u32(exifPointer),
              let (count, offset) = entry(exifIFD, 0x9286) else { return }
        guard count >= 8, offset >= 0, offset <= b.count - count else {
            warn("EXIF UserComment points outside the block; skipped"); return
        }
        guard fits(count - 8, "UserComment") else { return }
        let prefix = Array(b[offset..<(offset + 8)])
        let body = Array(b[(offset + 8)..<(offset + count)])
        var text: String
        if prefix == Array("UNICODE\0".utf8) {
            // UTF-16 in the block's byte order (piexif, as A1111 uses it, writes big-endian).
            let units = stride(from: 0, to: body.count - 1, by: 2).map {
                little ? UInt16(body[$0]) | UInt16(body[$0 + 1]) << 8 : UInt16(body[$0]) << 8 | UInt16(body[$0 + 1])
            }
            text = String(decoding: units, as: UTF16.self)
        } else {
            text = utf8(body, "UserComment")
        }
        text = String(text.reversed().drop { $0 == "\0" || $0 == " " }.reversed())
        guard !text.isEmpty else { return }
        if record.automatic1111 == nil, let p = A1111Parameters.parse(text) { record.automatic1111 = p }
        else { record.userComment = text }
    }

    // MARK: JPEG

    mutating func jpeg(_ b: UnsafeRawBufferPointer) {
        var i = 2
        while i + 4 <= b.count {
            guard b[i] == 0xFF else { warn("JPEG marker expected at byte \(i); stopped reading"); return }
            let marker = b[i + 1]
            if marker == 0xFF { i += 1; continue }
            if marker == 0xD9 || marker == 0xDA { return }
            if (0xD0...0xD7).contains(marker) || marker == 0x01 { i += 2; continue }
            let length = (Int(b[i + 2]) << 8) | Int(b[i + 3])
            guard length >= 2, i + 2 + length <= b.count else {
                warn("JPEG segment at byte \(i) is truncated; stopped reading"); return
            }
            let payload = UnsafeRawBufferPointer(rebasing: b[(i + 4)..<(i + 2 + length)])
            if marker == 0xE1 {
                let xmpID = Array("http://ns.adobe.com/xap/1.0/\0".utf8)
                if payload.starts(with: Array("Exif\0\0".utf8)) { exif(payload) }
                else if payload.starts(with: xmpID) { xmp(utf8(payload[xmpID.count...], "XMP")) }
                else if payload.starts(with: XMP.extensionID), payload.count >= XMP.extensionID.count + 40 {
                    let at = XMP.extensionID.count
                    let guid = String(decoding: payload[at..<(at + 32)], as: UTF8.self)
                    let length = Int(be32(payload, at + 32)), offset = Int(be32(payload, at + 36))
                    if length <= Provenance.maxTextBytes {
                        var ext = extendedXMP[guid] ?? (length, [:])
                        ext.parts[offset] = Data(payload[(at + 40)...])
                        extendedXMP[guid] = ext
                    } else { warn("extended XMP declares \(length) bytes, over the \(Provenance.maxTextBytes)-byte limit; left out") }
                }
            } else if marker == 0xEB, payload.count >= 16, payload[0] == 0x4A, payload[1] == 0x50 {
                jpegJUMBF(payload)
                if let first = c2paInstance, first == UInt16(payload[2]) << 8 | UInt16(payload[3]) {
                    carried.c2paSegments.append(Data(b[i..<(i + 2 + length)]))
                    carried.c2paFormat = "jpeg"
                }
            }
            i += 2 + length
        }
    }

    /// One APP11 segment: `JP`, box instance, sequence number, then the box (its LBox/TBox
    /// repeated in every segment), per ISO/IEC 19566-5.
    mutating func jpegJUMBF(_ p: UnsafeRawBufferPointer) {
        let instance = UInt16(p[2]) << 8 | UInt16(p[3])
        let sequence = be32(p, 4)
        let type = String(decoding: p[12..<16], as: UTF8.self)
        guard type == "jumb" else { return }
        c2pa = true
        var declared = UInt64(be32(p, 8))
        let header: UInt64 = declared == 1 ? 16 : 8
        if declared == 1 {
            guard p.count >= 24 else { warn("C2PA JUMBF box header is truncated"); return }
            declared = UInt64(be32(p, 16)) << 32 | UInt64(be32(p, 20))
        }
        if c2paInstance == nil { c2paInstance = instance }
        if instance == c2paInstance {
            let skip = sequence == 1 ? 8 : 8 + Int(header)
            if p.count >= skip { c2paParts[sequence] = Data(p[skip...]) }
        }
        var box = jumbf[instance] ?? (declared: declared, seen: 0)
        // The first segment carries the box from its header on; later ones repeat the header.
        box.seen += UInt64(p.count - 8) - (sequence == 1 ? 0 : header)
        jumbf[instance] = box
    }

    /// A whole JUMBF superbox (PNG caBX, WebP C2PA): warns when it declares more than is there.
    mutating func checkJUMBF(_ b: UnsafeRawBufferPointer, what: String) {
        guard b.count >= 8 else { warn("C2PA JUMBF box in \(what) is truncated (\(b.count) bytes)"); return }
        var declared = UInt64(be32(b, 0))
        if declared == 1, b.count >= 16 { declared = UInt64(be32(b, 8)) << 32 | UInt64(be32(b, 12)) }
        if String(decoding: b[4..<8], as: UTF8.self) != "jumb" { warn("C2PA \(what) chunk does not hold a JUMBF box") }
        else if declared > UInt64(b.count) {
            warn("C2PA JUMBF box is truncated (declares \(declared) bytes, \(b.count) present)")
        }
    }

    // MARK: WebP

    mutating func webp(_ b: UnsafeRawBufferPointer) {
        var i = 12
        while i + 8 <= b.count {
            let type = String(decoding: b[i..<(i + 4)], as: UTF8.self)
            let size = Int(le32(b, i + 4))
            guard size <= b.count - i - 8 else {
                warn("WebP chunk \(type) is truncated; stopped reading"); return
            }
            let body = UnsafeRawBufferPointer(rebasing: b[(i + 8)..<(i + 8 + size)])
            switch type {
            case "XMP ": xmp(utf8(body, "XMP"))
            case "EXIF": exif(body)
            case "C2PA":
                c2pa = true; checkJUMBF(body, what: "WebP C2PA")
                if carried.c2paStore == nil { carried.c2paStore = Data(body); carried.c2paFormat = "webp" }
            default: break
            }
            i += 8 + size + (size & 1)
        }
    }
}

/// Just enough XMP reading to find one property's text, as an element or an attribute.
enum XMP {
    static func value(named name: String, in packet: String) -> String? {
        if let open = packet.range(of: "<\(name)"), let gt = packet[open.upperBound...].firstIndex(of: ">"),
           packet[packet.index(before: gt)] != "/",
           let close = packet.range(of: "</\(name)>", range: gt..<packet.endIndex) {
            var inner = String(packet[packet.index(after: gt)..<close.lowerBound])
            // rdf:Alt / rdf:li wrappers: keep the first item's text.
            if let li = inner.range(of: "<rdf:li"), let ligt = inner[li.upperBound...].firstIndex(of: ">"),
               let liEnd = inner.range(of: "</rdf:li>", range: ligt..<inner.endIndex) {
                inner = String(inner[inner.index(after: ligt)..<liEnd.lowerBound])
            }
            return unescape(inner)
        }
        if let attr = packet.range(of: " \(name)=\"") ,
           let end = packet[attr.upperBound...].firstIndex(of: "\"") {
            return unescape(String(packet[attr.upperBound..<end]))
        }
        return nil
    }

    static func unescape(_ s: String) -> String {
        s.replacingOccurrences(of: "&#10;", with: "\n").replacingOccurrences(of: "&#13;", with: "\r").replacingOccurrences(of: "&#xA;", with: "\n")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
