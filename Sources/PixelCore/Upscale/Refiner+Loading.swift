import Foundation
import StetSupport

/// Reading a refiner from the file train_refine.py writes (layout in
/// Tools/upscale/train_refine.py): magic "STETREF1", five little-endian UInt32 (version,
/// scale, channels, depth, dc_free), per layer its input and output counts, weights
/// `[out][in][3][3]` and biases as Float32, and a CRC-32 of everything before it.
extension Refiner {
    static let magic = Array("STETREF1".utf8)
    static let version: UInt32 = 1

    /// Parses and checks a refiner file; every problem is one line naming the file.
    /// `role`: what errors call the file (a file the caller named, or a bundled one).
    public static func load(path: String, role: FileRole = .resource) throws -> Refiner {
        let bytes = try UpscaleResource.read(path, role: role, kind: "upscale refiner", magic: magic, minimumLength: 32)
        func corrupt(_ why: String) -> StetError { .file(role, "upscale refiner file is corrupt (\(why))") }
        func u32(_ at: Int) throws -> Int {
            guard at + 4 <= bytes.count - 4 else { throw corrupt("truncated") }
            return Int(UpscaleResource.u32(bytes, at))
        }
        guard try u32(8) == Int(version) else { throw corrupt("version \(try u32(8)), expected \(version)") }
        let scale = try u32(12), channels = try u32(16), depth = try u32(20), dcFree = try u32(24) == 1
        // What the convolution runs: at most 32 lanes per pixel (16 phases at ×4, 32 channels).
        guard (2...4).contains(scale), (1...32).contains(channels), (2...16).contains(depth) else {
            throw corrupt("implausible header")
        }
        var offset = 28
        var shapes: [(inputs: Int, outputs: Int)] = [], weights: [[Float]] = [], biases: [[Float]] = []
        for l in 0..<depth {
            let inputs = try u32(offset), outputs = try u32(offset + 4)
            offset += 8
            let expectedIn = l == 0 ? scale * scale + 1 : channels
            let expectedOut = l == depth - 1 ? scale * scale : channels
            guard inputs == expectedIn, outputs == expectedOut else { throw corrupt("layer \(l + 1) has the wrong shape") }
            func floats(_ n: Int) throws -> [Float] {
                guard offset + 4 * n <= bytes.count - 4 else { throw corrupt("truncated") }
                let values = (0..<n).map { Float(bitPattern: UpscaleResource.u32(bytes, offset + 4 * $0)) }
                offset += 4 * n
                guard values.allSatisfy({ $0.isFinite }) else { throw corrupt("non-finite weights") }
                return values
            }
            shapes.append((inputs, outputs))
            weights.append(try floats(outputs * inputs * 9))
            let b = try floats(outputs)
            guard !dcFree || b.allSatisfy({ $0 == 0 }) else { throw corrupt("biases in a DC-free refiner") }
            biases.append(b)
        }
        guard offset == bytes.count - 4 else { throw corrupt("wrong length for its header") }
        return Refiner(scale: scale, channels: channels, shapes: shapes, torchWeights: weights, biases: biases)
    }

    /// The file name of the bundled refiner for a scale.
    public static func resourceName(scale: Int) -> String { "refine-x\(scale).bin" }

    /// Where the bundled refiner for `scale` is, or nil when none is bundled for it.
    public static func bundledPath(scale: Int) -> String? {
        let path = UpscaleResource.path(resourceName(scale: scale))
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// The bundled refiner for `scale`, or nil when none is bundled for it.
    public static func bundled(scale: Int) throws -> Refiner? {
        guard let path = bundledPath(scale: scale) else { return nil }
        let role = FileRole.bundled(resourceName(scale: scale))
        let refiner = try load(path: path, role: role)
        guard refiner.scale == scale else { throw StetError.file(role, "upscale refiner is for x\(refiner.scale), not x\(scale)") }
        return refiner
    }
}
