import StetSupport

/// A 64-bit difference hash (dHash, after Neal Krawetz's "Kind of Like That"): the picture shrunk
/// to 9x8 luma, one bit per horizontally adjacent pair (left brighter than right). Re-encoding,
/// resizing and small colour shifts change few bits; a different picture changes about half.
public struct PerceptualHash: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var bits: UInt64
    public init(bits: UInt64) { self.bits = bits }

    /// The hash of an image file (shrink-on-load, EXIF orientation applied).
    public init(file: String, options: LoadOptions = .strict) throws {
        let small = try Thumbnail(file, width: 9, height: 8, size: .force, options: options).run()
        self.init(try PixelRaster(small))
    }

    /// The hash of a 9x8 raster (grey or sRGB, alpha ignored).
    public init(_ raster: PixelRaster) {
        precondition(raster.width == 9 && raster.height == 8, "PerceptualHash: expected a 9x8 raster")
        var luma = [Int](repeating: 0, count: 72)
        let b = raster.bands
        for i in 0..<72 {
            let p = i * b
            if raster.colourBands >= 3 {
                luma[i] = 299 * Int(raster.bytes[p]) + 587 * Int(raster.bytes[p + 1]) + 114 * Int(raster.bytes[p + 2])
            } else {
                luma[i] = 1000 * Int(raster.bytes[p])
            }
        }
        var bits: UInt64 = 0
        for y in 0..<8 {
            for x in 0..<8 where luma[y * 9 + x] > luma[y * 9 + x + 1] {
                bits |= 1 << UInt64(y * 8 + x)
            }
        }
        self.bits = bits
    }

    /// Bits that differ (0 identical, 64 opposite).
    public func distance(to other: PerceptualHash) -> Int { (bits ^ other.bits).nonzeroBitCount }

    /// 16 hex digits.
    public var description: String {
        let hex = String(bits, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Groups of near-duplicates: indices whose hashes are within `maxDistance` of some other
    /// member (single linkage), each group in input order, groups ordered by their first member.
    public static func fold(_ hashes: [PerceptualHash], maxDistance: Int) -> [[Int]] {
        var parent = Array(hashes.indices)
        func root(_ i: Int) -> Int {
            var i = i
            while parent[i] != i { parent[i] = parent[parent[i]]; i = parent[i] }
            return i
        }
        for i in hashes.indices {
            for j in hashes.indices where j > i && hashes[i].distance(to: hashes[j]) <= maxDistance {
                let (a, b) = (root(i), root(j))
                if a != b { parent[max(a, b)] = min(a, b) }
            }
        }
        var groups: [Int: [Int]] = [:]
        for i in hashes.indices { groups[root(i), default: []].append(i) }
        return groups.keys.sorted().map { groups[$0]! }
    }
}
