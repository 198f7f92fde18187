import CVips
import Foundation

extension Provenance {
    /// Text keys that hold a generation record, carried from a source PNG to a PNG output.
    public static let carriedKeys: Set<String> = ["parameters", "prompt", "workflow", "invokeai_metadata", "sd-metadata",
                                                  "fooocus_scheme", "XML:com.adobe.xmp"]

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
                   carriedKeys.contains(String(decoding: b[(i + 8)..<nul], as: UTF8.self)) {
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

    /// Copies the generation record of the PNG at `source` into the PNG just written at `output`
    /// (after its IHDR), byte for byte. Does nothing unless both are PNGs and the source has one.
    public static func carry(from source: String, into output: String) throws {
        guard let src = try? Data(contentsOf: URL(fileURLWithPath: source), options: .alwaysMapped) else { return }
        let chunks = recordChunks(src)
        guard !chunks.isEmpty else { return }
        let url = URL(fileURLWithPath: output)
        var out = try Data(contentsOf: url)
        // Signature, then IHDR (13 bytes of data + 12 of length, type and CRC).
        guard out.count > 33, out.starts(with: [0x89, 0x50, 0x4E, 0x47]),
              out[out.startIndex + 12..<out.startIndex + 16] == Data("IHDR".utf8) else { return }
        out.insert(contentsOf: chunks.reduce(Data(), +), at: out.startIndex + 33)
        try out.write(to: url)
    }
}
