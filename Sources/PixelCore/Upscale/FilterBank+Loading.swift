import Foundation
import StetSupport

/// Reading a filter bank from the file train.py writes (layout in Tools/upscale/train.py):
/// magic "STETUPS1", six little-endian UInt32 (version, scale, taps, angles, strengths,
/// coherences), the strength and coherence thresholds, the weights as Float32, and a CRC-32
/// of everything before it.
extension FilterBank {
    static let magic = Array("STETUPS1".utf8)
    static let version: UInt32 = 1

    /// Parses and checks a weights file; every problem is one line naming the file.
    /// `role`: what errors call the file (a file the caller named, or a bundled one).
    public static func load(path: String, role: FileRole = .resource) throws -> FilterBank {
        try parse(try UpscaleResource.read(path, role: role, kind: "upscale weights", magic: magic, minimumLength: 36), role: role)
    }

    static func parse(_ bytes: [UInt8], role: FileRole) throws -> FilterBank {
        func corrupt(_ why: String) -> StetError { .file(role, "upscale weights file is corrupt (\(why))") }
        func u32(_ at: Int) -> UInt32 {
            UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
        }
        guard u32(8) == version else { throw corrupt("version \(u32(8)), expected \(version)") }
        let scale = Int(u32(12)), taps = Int(u32(16))
        let angles = Int(u32(20)), strengths = Int(u32(24)), coherences = Int(u32(28))
        guard (2...8).contains(scale), taps % 2 == 1, (1...15).contains(taps), (1...64).contains(angles),
              (1...16).contains(strengths), (1...16).contains(coherences) else {
            throw corrupt("implausible header")
        }
        let buckets = angles * strengths * coherences, phases = scale * scale
        let floats = (strengths - 1) + (coherences - 1) + buckets * taps * taps * phases
        guard bytes.count == 32 + 4 * floats + 4 else { throw corrupt("wrong length for its header") }
        var values = [Float](repeating: 0, count: floats)
        for i in 0..<floats { values[i] = Float(bitPattern: u32(32 + 4 * i)) }
        guard values.allSatisfy({ $0.isFinite }) else { throw corrupt("non-finite weights") }
        let sthr = Array(values[0..<(strengths - 1)])
        let cthr = Array(values[(strengths - 1)..<(strengths - 1 + coherences - 1)])
        return FilterBank(scale: scale, taps: taps, angles: angles, strengths: strengths, coherences: coherences,
                          strengthThresholds: sthr, coherenceThresholds: cthr,
                          phaseMajorWeights: Array(values[(strengths + coherences - 2)...]))
    }

    /// The file name of the bundled bank for a scale.
    public static func resourceName(scale: Int) -> String { "upscale-x\(scale).bin" }

    /// Where the bundled bank for `scale` is.
    public static func bundledPath(scale: Int) -> String { UpscaleResource.path(resourceName(scale: scale)) }

    /// The bundled bank for `scale` (2, 3 or 4), or the file at `path` when given.
    public static func load(scale: Int, path: String? = nil) throws -> FilterBank {
        let file = path ?? bundledPath(scale: scale)
        let role = path == nil ? FileRole.bundled(resourceName(scale: scale)) : .resource
        let bank = try load(path: file, role: role)
        guard bank.scale == scale else {
            throw StetError.file(role, "upscale weights are for x\(bank.scale), not x\(scale)")
        }
        return bank
    }
}

/// CRC-32 (IEEE, as zlib's `crc32`), for the weights file's checksum.
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { i -> UInt32 in
        var c = UInt32(i)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}
