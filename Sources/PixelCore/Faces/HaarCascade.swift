import Foundation
import StetSupport

/// A boosted cascade of Haar-feature trees (Viola–Jones, with Lienhart's trees), as OpenCV
/// trains them, read from Stet's compact resource format (`Tools/faces/convert_cascades.py`
/// converts OpenCV's XML; the format is described there). Flattened into arrays so a window is
/// evaluated with no allocation: stages of weak classifiers, each a small tree of nodes whose
/// feature is two or three weighted rectangles in the detection window.
public struct HaarCascade: Sendable {
    public let windowWidth: Int
    public let windowHeight: Int

    /// Per feature, up to three rectangles (x, y, w, h in window pixels) and their weights
    /// (weight 0 and an empty rectangle where a feature has only two).
    let rects: [Int32]     // 12 per feature
    let weights: [Float]   // 3 per feature
    /// Per node: left, right (> 0 another node of the same tree, <= 0 a leaf, -index), feature, threshold.
    let nodeLeft: [Int32], nodeRight: [Int32], nodeFeature: [Int32], nodeThreshold: [Float]
    let leaves: [Float]
    /// Per weak classifier: its first node and first leaf.
    let weakNode: [Int32], weakLeaf: [Int32]
    /// Per stage: its first weak classifier, how many, and the threshold its sum must reach.
    let stageStart: [Int32], stageCount: [Int32], stageThreshold: [Float]

    public var featureCount: Int { weights.count / 3 }
    public var stageTotal: Int { stageThreshold.count }

    /// Reads a cascade from bytes in the resource format; `role` is what messages call the file.
    public init(bytes: [UInt8], role: FileRole) throws {
        var at = 0
        func fail(_ why: String) -> Error { StetError.file(role, "face cascade is corrupt (\(why))") }
        func u32() throws -> UInt32 {
            guard at + 4 <= bytes.count else { throw fail("truncated") }
            defer { at += 4 }
            return UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
        }
        func i32() throws -> Int32 { Int32(bitPattern: try u32()) }
        func f32() throws -> Float { Float(bitPattern: try u32()) }
        guard bytes.count > 12, Array(bytes[0..<8]) == Array("STETHAAR".utf8) else { throw fail("not a Stet cascade") }
        at = 8
        guard try u32() == 1 else { throw fail("unknown version") }
        let ww = Int(try u32()), wh = Int(try u32())
        guard (8...64).contains(ww), (8...64).contains(wh) else { throw fail("window \(ww)x\(wh)") }
        let nf = Int(try u32())
        guard nf > 0 && nf < 100_000 else { throw fail("\(nf) features") }
        var rects = [Int32](repeating: 0, count: nf * 12), weights = [Float](repeating: 0, count: nf * 3)
        for f in 0..<nf {
            let n = Int(try u32())
            guard (1...3).contains(n) else { throw fail("feature with \(n) rectangles") }
            for r in 0..<n {
                let x = Int(try u32()), y = Int(try u32()), w = Int(try u32()), h = Int(try u32())
                guard x + w <= ww, y + h <= wh else { throw fail("rectangle outside the window") }
                rects[f * 12 + r * 4] = Int32(x); rects[f * 12 + r * 4 + 1] = Int32(y)
                rects[f * 12 + r * 4 + 2] = Int32(w); rects[f * 12 + r * 4 + 3] = Int32(h)
                weights[f * 3 + r] = try f32()
            }
        }
        let ns = Int(try u32())
        guard ns > 0 && ns < 1000 else { throw fail("\(ns) stages") }
        var nodeLeft: [Int32] = [], nodeRight: [Int32] = [], nodeFeature: [Int32] = [], nodeThreshold: [Float] = []
        var leaves: [Float] = [], weakNode: [Int32] = [], weakLeaf: [Int32] = []
        var stageStart: [Int32] = [], stageCount: [Int32] = [], stageThreshold: [Float] = []
        for _ in 0..<ns {
            let threshold = try f32()
            let nw = Int(try u32())
            guard nw > 0 && nw < 10_000 else { throw fail("stage of \(nw) classifiers") }
            stageStart.append(Int32(weakNode.count)); stageCount.append(Int32(nw))
            // OpenCV subtracts a small epsilon from each stage threshold when it reads one.
            stageThreshold.append(threshold - 1e-5)
            for _ in 0..<nw {
                let nn = Int(try u32())
                guard nn > 0 && nn < 64 else { throw fail("tree of \(nn) nodes") }
                weakNode.append(Int32(nodeLeft.count)); weakLeaf.append(Int32(leaves.count))
                var tree: [(Int32, Int32)] = []
                for _ in 0..<nn {
                    let l = try i32(), r = try i32(), f = Int(try u32())
                    guard f < nf else { throw fail("node names feature \(f) of \(nf)") }
                    nodeLeft.append(l); nodeRight.append(r); nodeFeature.append(Int32(f)); nodeThreshold.append(try f32())
                    tree.append((l, r))
                }
                let nl = Int(try u32())
                guard nl > 0 && nl <= 65 else { throw fail("tree of \(nl) leaves") }
                for (l, r) in tree {
                    // Children are later nodes (so every walk ends) or existing leaves.
                    for c in [l, r] where c > Int32(nn - 1) || -c >= Int32(nl) { throw fail("tree child \(c) out of range") }
                }
                for (i, (l, r)) in tree.enumerated() where (l > 0 && l <= Int32(i)) || (r > 0 && r <= Int32(i)) {
                    throw fail("tree node \(i) points backwards")
                }
                for _ in 0..<nl { leaves.append(try f32()) }
            }
        }
        guard at + 4 == bytes.count else { throw fail("\(bytes.count - at - 4) stray bytes") }
        guard CRC32.checksum(bytes[0..<(bytes.count - 4)]) == (try u32()) else { throw fail("checksum mismatch") }
        windowWidth = ww; windowHeight = wh
        self.rects = rects; self.weights = weights
        self.nodeLeft = nodeLeft; self.nodeRight = nodeRight; self.nodeFeature = nodeFeature; self.nodeThreshold = nodeThreshold
        self.leaves = leaves; self.weakNode = weakNode; self.weakLeaf = weakLeaf
        self.stageStart = stageStart; self.stageCount = stageCount; self.stageThreshold = stageThreshold
    }

    private init(mirroring c: HaarCascade) {
        windowWidth = c.windowWidth; windowHeight = c.windowHeight
        var rects = c.rects
        for f in 0..<(rects.count / 12) {
            for r in 0..<3 where c.weights[f * 3 + r] != 0 {
                let x = rects[f * 12 + r * 4], w = rects[f * 12 + r * 4 + 2]
                rects[f * 12 + r * 4] = Int32(c.windowWidth) - x - w
            }
        }
        self.rects = rects; weights = c.weights
        nodeLeft = c.nodeLeft; nodeRight = c.nodeRight; nodeFeature = c.nodeFeature; nodeThreshold = c.nodeThreshold
        leaves = c.leaves; weakNode = c.weakNode; weakLeaf = c.weakLeaf
        stageStart = c.stageStart; stageCount = c.stageCount; stageThreshold = c.stageThreshold
    }

    /// The same cascade for the mirror image: evaluating it on a window is exactly evaluating
    /// this one on the window flipped left to right (a right-facing profile detector from a
    /// left-facing one).
    public var mirrored: HaarCascade { HaarCascade(mirroring: self) }

    /// A bundled cascade by name (`frontal`, `profile`), loaded and checked once.
    public static func bundled(_ name: String) throws -> HaarCascade {
        let file = "faces-\(name).bin"
        let bytes = try UpscaleResource.read(UpscaleResource.path(file), role: .bundled(file), kind: "face cascade",
                                             magic: Array("STETHAAR".utf8), minimumLength: 32)
        return try HaarCascade(bytes: bytes, role: .bundled(file))
    }
}
