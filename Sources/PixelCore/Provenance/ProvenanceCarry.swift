import CVips
import Foundation
import StetSupport

/// One edit Stet made, as the output's `stet` record keeps it: what was done, to which source
/// (by SHA-256), and the ledger entry that recorded it. An output's record lists the source's
/// edits and then its own, so `stet info` shows the chain.
public struct StetEdit: Codable, Equatable, Sendable {
    public var operation: String
    public var parameters: [String: String]
    /// The SHA-256 of the file this edit read; nil when the use was not recorded (`--no-log`:
    /// the ledger hashes its inputs anyway, so the record costs no extra read; without it, Stet
    /// does not read every source a second time only for this).
    public var source: String?
    /// The ledger entry's uuid; nil when the edit was not recorded (`--no-log`).
    public var entry: String?
    public var stet: String
    /// What became of the source's C2PA manifest: `sidecar` (written beside the output as
    /// `NAME.c2pa`) or `kept` (copied in unchanged); nil when the source had none.
    public var c2pa: String?

    public init(operation: String, parameters: [String: String] = [:], source: String?, entry: String?, stet: String,
                c2pa: String? = nil) {
        self.operation = operation; self.parameters = parameters; self.source = source; self.entry = entry
        self.stet = stet; self.c2pa = c2pa
    }
}

extension Provenance {
    /// Text keys that hold a generation record, carried from a source into its outputs.
    public static let carriedKeys: Set<String> = ["parameters", "prompt", "workflow", "invokeai_metadata", "sd-metadata",
                                                  "fooocus_scheme", "Dream", "sd:parameters"]
    /// The key of Stet's own edit record (a PNG iTXt keyword; `stetgen:stet` in XMP).
    public static let editKey = "stet"

    /// The source's generation-record text chunks (tEXt, zTXt, iTXt with a carried key and a good
    /// CRC), as raw chunk bytes; empty for anything that is not a PNG.
    static func recordChunks(_ data: Data) -> [Data] {
        var out: [Data] = []
        data.withUnsafeBytes { b in
            guard b.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) else { return }
            var i = 8
            while i + 12 <= b.count {
                let length = Int(UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3]))
                guard length <= b.count - i - 12 else { return }
                let type = String(decoding: b[(i + 4)..<(i + 8)], as: UTF8.self)
                if type == "IEND" { return }
                if ["tEXt", "zTXt", "iTXt"].contains(type), let nul = b[(i + 8)..<(i + 8 + length)].firstIndex(of: 0),
                   (carriedKeys.union(["XML:com.adobe.xmp"])).contains(String(decoding: b[(i + 8)..<nul], as: UTF8.self)) {
                    let stored = UInt32(b[i + 8 + length]) << 24 | UInt32(b[i + 9 + length]) << 16
                        | UInt32(b[i + 10 + length]) << 8 | UInt32(b[i + 11 + length])
                    let computed = UInt32(crc32(0, b.baseAddress!.assumingMemoryBound(to: UInt8.self) + i + 4, uInt(4 + length)))
                    if stored == computed { out.append(Data(b[i..<(i + 12 + length)])) }
                }
                i += 12 + length
            }
        }
        return out
    }
}

/// What an edit writes into its output's metadata: the source's generation record in the output
/// format's own carrier (PNG text chunks; JPEG and WebP XMP), the chain of Stet's edits, and what
/// becomes of a C2PA manifest. Everything else stays stripped (libvips saves with `strip`).
///
/// C2PA: Stet does not sign, and an edited file's manifest no longer matches its pixels, so by
/// default the output gets no manifest and the original goes to a sidecar (`NAME.c2pa`, the
/// manifest store as it was); `keepC2PA` copies it into the output as it is, for users who re-sign.
public struct ProvenanceCarry: Sendable {
    public struct Options: Sendable {
        /// False (`--strip-provenance`): neither the generation record nor the edit record is written.
        public var keep = true
        /// Copy a source's C2PA manifest store into the output unchanged instead of a sidecar.
        public var keepC2PA = false
        /// The ledger entry's uuid this use will be recorded under; nil: the job makes one.
        public var entryID: String?
        /// Whether the use is recorded at all (the edit record names its entry only then).
        public var recordsEntry = true
        /// The SHA-256 of a file (the CLI passes the ledger's, so a source is hashed once).
        public var digest: @Sendable (String) throws -> String = { try SHA256.hex(ofFile: $0) }
        /// Stet's version, for the edit record.
        public var version = "unknown"
        public init() {}
    }

    public var source: Provenance
    public var sourceData: Data
    public var edit: StetEdit?
    public var options: Options

    /// The source's provenance and this edit's record, or nil when there is nothing to carry
    /// (`keep` off) — the output is then as libvips wrote it.
    public static func prepare(source path: String, operation: String, parameters: [String: String], entry: String,
                               options: Options) throws -> ProvenanceCarry? {
        guard options.keep else { return nil }
        let data = (try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)) ?? Data()
        let source = Provenance.read(data: data)
        let edit = StetEdit(operation: operation, parameters: parameters,
                            source: options.recordsEntry ? try options.digest(path) : nil,
                            entry: options.recordsEntry ? entry : nil, stet: options.version,
                            c2pa: source.carried.c2paStore == nil ? nil : (options.keepC2PA ? "kept" : "sidecar"))
        return ProvenanceCarry(source: source, sourceData: data, edit: edit, options: options)
    }

    /// The edits the output records: the source's, then this one.
    var edits: [StetEdit] { source.edits + (edit.map { [$0] } ?? []) }

    /// Whether the source's C2PA store goes to a sidecar (a source with one, and `keepC2PA` off).
    public var writesC2PASidecar: Bool { source.carried.c2paStore != nil && !options.keepC2PA }

    /// The sidecar's path for `output`: the same name with the `.c2pa` extension, as C2PA's
    /// specification names external manifests.
    public static func sidecarPath(for output: String) -> String {
        (output as NSString).deletingPathExtension + ".c2pa"
    }

    /// The warning an output of a source with content credentials gets.
    /// One line for all the outputs of one source (a reframe's targets, a split's cells).
    public func c2paNote(outputs: [String]) -> String? {
        guard source.c2pa, let first = outputs.first else { return nil }
        if options.keepC2PA {
            return "the source's C2PA manifest was copied unchanged into the output\(outputs.count > 1 ? "s" : "") and no longer matches \(outputs.count > 1 ? "their" : "its") pixels; re-sign \(outputs.count > 1 ? "them" : "it")"
        }
        let place = outputs.count == 1 ? "in \(ProvenanceCarry.sidecarPath(for: first))"
            : "beside each of the \(outputs.count) outputs (\(ProvenanceCarry.sidecarPath(for: first)), ...)"
        return "the source carries C2PA content credentials, which the edit no longer matches; the output\(outputs.count > 1 ? "s have" : " has") none, the original manifest is \(place)"
    }

    /// Writes the record into the file at `path`, just saved as `format`.
    public func embed(into path: String, format: OutputFormat) throws {
        let url = URL(fileURLWithPath: path)
        var out = try Data(contentsOf: url)
        switch format {
        case .png: out = try pngEmbed(out)
        case .jpeg: out = try jpegEmbed(out)
        case .webp: out = try webpEmbed(out)
        default: return   // TIFF and the rest: stripped, as before
        }
        try out.write(to: url)
    }

    // MARK: PNG

    private func pngEmbed(_ png: Data) throws -> Data {
        guard png.count > 33, png.starts(with: [0x89, 0x50, 0x4E, 0x47]),
              png[png.startIndex + 12..<png.startIndex + 16] == Data("IHDR".utf8) else { return png }
        var chunks = Data()
        let copied = Provenance.recordChunks(sourceData)
        if !copied.isEmpty {
            // PNG to PNG: the record's chunks as they were, byte for byte.
            chunks = copied.reduce(Data(), +)
        } else {
            for (key, value) in source.carried.items { chunks += PNGChunk.iTXt(key, value) }
            if let xmp = source.carried.xmp { chunks += PNGChunk.iTXt("XML:com.adobe.xmp", xmp) }
        }
        let edits = self.edits
        if !edits.isEmpty { chunks += PNGChunk.iTXt(Provenance.editKey, String(decoding: try stetJSONEncoder().encode(edits), as: UTF8.self)) }
        if options.keepC2PA, let store = source.carried.c2paStore { chunks += PNGChunk.make("caBX", [UInt8](store)) }
        var out = png
        out.insert(contentsOf: chunks, at: png.startIndex + 33)
        return out
    }

    // MARK: XMP (JPEG, WebP)

    /// The record as XMP properties in Stet's namespace: each generation item under its PNG
    /// keyword, the source's own packet whole (`xmp`), and the edits (`stet`).
    private func xmpItems() throws -> [(String, String)] {
        var items = source.carried.items.map { ($0.key, $0.value) }
        if let xmp = source.carried.xmp { items.append(("xmp", xmp)) }
        let edits = self.edits
        if !edits.isEmpty { items.append((Provenance.editKey, String(decoding: try stetJSONEncoder().encode(edits), as: UTF8.self))) }
        return items
    }

    private func jpegEmbed(_ jpeg: Data) throws -> Data {
        guard jpeg.starts(with: [0xFF, 0xD8]) else { return jpeg }
        var segments = Data()
        let items = try xmpItems()
        if !items.isEmpty {
            for payload in XMP.jpegPayloads(items) { segments += JPEGSegment.make(0xE1, payload) }
        }
        if options.keepC2PA {
            if source.carried.c2paFormat == "jpeg" { segments += source.carried.c2paSegments.reduce(Data(), +) }
            else if let store = source.carried.c2paStore {
                for payload in JPEGSegment.jumbfPayloads([UInt8](store)) { segments += JPEGSegment.make(0xEB, payload) }
            }
        }
        guard !segments.isEmpty else { return jpeg }
        // After SOI and a JFIF APP0, where readers look first.
        var at = 2
        let b = [UInt8](jpeg.prefix(64))
        if b.count > 6, b[2] == 0xFF, b[3] == 0xE0 { at = 4 + (Int(b[4]) << 8 | Int(b[5])) }
        var out = jpeg
        out.insert(contentsOf: segments, at: jpeg.startIndex + at)
        return out
    }

    private func webpEmbed(_ webp: Data) throws -> Data {
        var chunks: [(String, [UInt8])] = []
        let items = try xmpItems()
        if !items.isEmpty { chunks.append(("XMP ", Array(XMP.packet(items).utf8))) }
        if options.keepC2PA, let store = source.carried.c2paStore { chunks.append(("C2PA", [UInt8](store))) }
        guard !chunks.isEmpty else { return webp }
        return try WebPFile.appending(chunks, to: webp, xmp: !items.isEmpty)
    }
}

extension ProvenanceCarry {
    /// What saving through a carry did: the use's ledger id, the C2PA sidecar written, the
    /// warning for the user.
    public struct Outcome: Sendable {
        public var id: String
        /// The C2PA sidecars written, one beside each output.
        public var sidecars: [String]
        public var warnings: [String]

        /// Puts the id, the sidecar and the warnings on the job's `Usage`.
        public func apply(to usage: inout Usage) {
            usage.id = id
            usage.warnings += warnings
            usage.outputs += sidecars.map { .init($0) }
        }
    }

    /// Saves `image` to `output` with `source`'s generation record and this edit's record in it,
    /// and the source's C2PA manifest in a sidecar (see `ProvenanceCarry`). The edit record
    /// names the ledger entry `options.entryID` (a new id unless given).
    public static func save(_ image: Image, to output: String, format: OutputFormat? = nil, encoding: Encoding,
                            source: String, operation: String, parameters: [String: String],
                            options: Options) throws -> Outcome {
        let id = options.entryID ?? UUID().uuidString.lowercased()
        let carry = try prepare(source: source, operation: operation, parameters: parameters, entry: id, options: options)
        try image.save(output, format: format, encoding: encoding, carry: carry)
        return try carry?.finish(outputs: [output], id: id) ?? Outcome(id: id, sidecars: [], warnings: [])
    }

    /// After the output is in place: the sidecar, if any, and the warning.
    /// After the outputs are in place: a sidecar beside each, if any, and one warning for them all.
    public func finish(outputs: [String], id: String) throws -> Outcome {
        var sidecars: [String] = []
        if writesC2PASidecar, let store = source.carried.c2paStore {
            for output in outputs {
                let path = ProvenanceCarry.sidecarPath(for: output)
                try SafeOutput.write(store, to: path)
                sidecars.append(path)
            }
        }
        return Outcome(id: id, sidecars: sidecars, warnings: c2paNote(outputs: outputs).map { [$0] } ?? [])
    }
}

/// PNG chunks: length, type, data, CRC-32 over type and data.
enum PNGChunk {
    static func make(_ type: String, _ body: [UInt8]) -> Data {
        var out = Data()
        let n = UInt32(body.count)
        out += [UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)]
        let typed = Array(type.utf8) + body
        out += typed
        let crc = UInt32(typed.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) })
        out += [UInt8(crc >> 24), UInt8(crc >> 16 & 0xFF), UInt8(crc >> 8 & 0xFF), UInt8(crc & 0xFF)]
        return out
    }

    /// An iTXt chunk in UTF-8, compressed with zlib when the text is over 1 KB.
    static func iTXt(_ key: String, _ text: String) -> Data {
        let bytes = Array(text.utf8)
        if bytes.count > 1024, let z = deflated(bytes) {
            return make("iTXt", Array(key.utf8) + [0, 1, 0, 0, 0] + z)
        }
        return make("iTXt", Array(key.utf8) + [0, 0, 0, 0, 0] + bytes)
    }

    static func deflated(_ bytes: [UInt8]) -> [UInt8]? {
        var size = compressBound(uLong(bytes.count))
        var out = [UInt8](repeating: 0, count: Int(size))
        let status = out.withUnsafeMutableBufferPointer { o in
            bytes.withUnsafeBufferPointer { compress2(o.baseAddress, &size, $0.baseAddress, uLong($0.count), 9) }
        }
        guard status == Z_OK else { return nil }
        return Array(out.prefix(Int(size)))
    }
}

/// JPEG marker segments.
enum JPEGSegment {
    static func make(_ marker: UInt8, _ payload: [UInt8]) -> Data {
        let n = payload.count + 2
        return Data([0xFF, marker, UInt8(n >> 8), UInt8(n & 0xFF)] + payload)
    }

    /// A JUMBF superbox as APP11 payloads (ISO/IEC 19566-5): `JP`, instance 1, sequence from 1,
    /// and the box; every segment after the first repeats the box's 8-byte header.
    static func jumbfPayloads(_ box: [UInt8]) -> [[UInt8]] {
        guard box.count >= 8 else { return [] }
        let header = Array(box[0..<8])
        let room = 65533 - 8 - 8
        var out: [[UInt8]] = []
        var at = 0, sequence: UInt32 = 1
        while at < box.count {
            let first = at == 0
            let take = min(first ? room + 8 : room, box.count - at)
            let seq = [UInt8(sequence >> 24), UInt8(sequence >> 16 & 0xFF), UInt8(sequence >> 8 & 0xFF), UInt8(sequence & 0xFF)]
            out.append([0x4A, 0x50, 0, 1] + seq + (first ? [] : header) + Array(box[at..<(at + take)]))
            at += take; sequence += 1
        }
        return out
    }
}

/// WebP's RIFF container, enough to add metadata chunks: a simple file (VP8/VP8L) becomes an
/// extended one (VP8X) with the XMP flag set; the chunks go at the end, as the container's
/// specification orders them.
enum WebPFile {
    static func appending(_ chunks: [(String, [UInt8])], to webp: Data, xmp: Bool) throws -> Data {
        let b = [UInt8](webp)
        guard b.count >= 30, b.starts(with: Array("RIFF".utf8)), Array(b[8..<12]) == Array("WEBP".utf8) else { return webp }
        let first = String(decoding: b[12..<16], as: UTF8.self)
        var body = Array(b[12...])   // the chunks after "WEBP"
        if first == "VP8X" {
            if xmp { body[8] |= 0x04 }
        } else {
            guard let (w, h, alpha) = size(of: body) else { return webp }
            var flags: UInt8 = xmp ? 0x04 : 0
            if alpha { flags |= 0x10 }
            let cw = w - 1, ch = h - 1
            let vp8x: [UInt8] = Array("VP8X".utf8) + [10, 0, 0, 0, flags, 0, 0, 0,
                                                        UInt8(cw & 0xFF), UInt8(cw >> 8 & 0xFF), UInt8(cw >> 16 & 0xFF),
                                                        UInt8(ch & 0xFF), UInt8(ch >> 8 & 0xFF), UInt8(ch >> 16 & 0xFF)]
            body = vp8x + body
        }
        for (type, data) in chunks {
            let n = UInt32(data.count)
            body += Array(type.utf8) + [UInt8(n & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 24)] + data
            if data.count % 2 == 1 { body.append(0) }
        }
        let total = UInt32(body.count + 4)
        return Data(Array("RIFF".utf8) + [UInt8(total & 0xFF), UInt8(total >> 8 & 0xFF), UInt8(total >> 16 & 0xFF),
                                          UInt8(total >> 24)] + Array("WEBP".utf8) + body)
    }

    /// The canvas of a simple file's first chunk: VP8 (lossy) or VP8L (lossless, with its alpha bit).
    static func size(of body: [UInt8]) -> (Int, Int, Bool)? {
        let type = String(decoding: body[0..<4], as: UTF8.self)
        let d = Array(body[8...])
        if type == "VP8 ", d.count >= 10, d[3] == 0x9D, d[4] == 0x01, d[5] == 0x2A {
            return (Int(d[6]) | Int(d[7] & 0x3F) << 8, Int(d[8]) | Int(d[9] & 0x3F) << 8, false)
        }
        if type == "VP8L", d.count >= 5, d[0] == 0x2F {
            let bits = UInt32(d[1]) | UInt32(d[2]) << 8 | UInt32(d[3]) << 16 | UInt32(d[4]) << 24
            return (Int(bits & 0x3FFF) + 1, Int(bits >> 14 & 0x3FFF) + 1, bits >> 28 & 1 == 1)
        }
        return nil
    }
}

extension XMP {
    /// Stet's namespace for the record's properties.
    static let stetPrefix = "stetgen"
    static let stetNamespace = "https://stet.dev/ns/generation/1.0/"
    static let standardID = Array("http://ns.adobe.com/xap/1.0/\0".utf8)
    static let extensionID = Array("http://ns.adobe.com/xmp/extension/\0".utf8)
    /// The most a standard XMP packet may take in one APP1 segment.
    static let standardRoom = 65533 - 29

    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\n": out += "&#10;"
            case "\r": out += "&#13;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// A packet with the items as `stetgen:KEY` properties (and `extra` attributes on the description).
    static func packet(_ items: [(String, String)], extra: String = "") -> String {
        var s = "<?xpacket begin=\"\u{FEFF}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>"
            + "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">"
            + "<rdf:Description rdf:about=\"\" xmlns:\(stetPrefix)=\"\(stetNamespace)\""
            + " xmlns:xmpNote=\"http://ns.adobe.com/xmp/note/\"\(extra)>"
        for (key, value) in items { s += "<\(stetPrefix):\(key)>\(escape(value))</\(stetPrefix):\(key)>" }
        return s + "</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end=\"w\"?>"
    }

    /// The APP1 payloads for `items`: one standard packet when it fits a segment, else the
    /// largest items in Extended XMP (Adobe's XMP specification part 3): the standard packet
    /// names the extension by the MD5 of its bytes, and the extension follows in parts.
    static func jpegPayloads(_ items: [(String, String)]) -> [[UInt8]] {
        let whole = packet(items)
        if whole.utf8.count <= standardRoom { return [standardID + Array(whole.utf8)] }
        var small: [(String, String)] = [], large: [(String, String)] = []
        for item in items { (item.1.utf8.count < 4096 ? { small.append(item) } : { large.append(item) })() }
        let ext = Array(packet(large).utf8)
        let guid = md5Hex(ext)
        let main = Array(packet(small, extra: " xmpNote:HasExtendedXMP=\"\(guid)\"").utf8)
        var out: [[UInt8]] = [standardID + main]
        let room = 65533 - extensionID.count - 40
        var offset = 0
        let length = UInt32(ext.count)
        while offset < ext.count {
            let take = min(room, ext.count - offset)
            let o = UInt32(offset)
            out.append(extensionID + Array(guid.utf8)
                + [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)]
                + [UInt8(o >> 24), UInt8(o >> 16 & 0xFF), UInt8(o >> 8 & 0xFF), UInt8(o & 0xFF)]
                + Array(ext[offset..<(offset + take)]))
            offset += take
        }
        return out
    }

    /// The MD5 digest in upper-case hex, as Extended XMP's GUID (GLib's checksum).
    static func md5Hex(_ bytes: [UInt8]) -> String {
        guard let c = bytes.withUnsafeBufferPointer({ g_compute_checksum_for_data(G_CHECKSUM_MD5, $0.baseAddress, gsize($0.count)) })
        else { return String(repeating: "0", count: 32) }
        defer { g_free(c) }
        return String(cString: c).uppercased()
    }

    /// The `stetgen:KEY` properties of a packet Stet wrote, in order.
    static func stetItems(in packet: String) -> [(String, String)] {
        var out: [(String, String)] = []
        let open = "<\(stetPrefix):"
        var rest = packet[...]
        while let start = rest.range(of: open) {
            let afterName = rest[start.upperBound...]
            guard let gt = afterName.firstIndex(of: ">") else { break }
            let name = String(afterName[..<gt])
            let close = "</\(stetPrefix):\(name)>"
            guard !name.contains(" "), !name.hasSuffix("/"),
                  let end = rest.range(of: close, range: rest.index(after: gt)..<rest.endIndex) else {
                rest = rest[rest.index(after: gt)...]; continue
            }
            out.append((name, unescape(String(rest[rest.index(after: gt)..<end.lowerBound]))))
            rest = rest[end.upperBound...]
        }
        return out
    }
}
