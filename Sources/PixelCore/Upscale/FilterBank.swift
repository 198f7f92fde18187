import Foundation

/// A learned bank of linear upscaling filters, RAISR/BLADE style (trained by
/// `Tools/upscale/train.py`; see `Tools/upscale/README.md`).
///
/// Every low-resolution luma pixel is hashed by the structure tensor of its neighbourhood:
/// dominant gradient angle, strength and coherence. The bucket picks `taps × taps` weights per
/// output phase; each of the `scale × scale` high-resolution pixels the low-resolution pixel
/// covers is the dot product of its phase's weights with the luma patch centred on it.
/// Weights are stored tap-major with the phases padded to `lanes` (4 or 16), so one tap is one
/// SIMD multiply-add for all phases at once.
public struct FilterBank: Sendable {
    public let scale: Int
    public let taps: Int
    public let angles: Int
    public let strengths: Int
    public let coherences: Int
    public let strengthThresholds: [Float]
    public let coherenceThresholds: [Float]
    /// `[bucket][tap][lane]`, `lanes` floats per tap; lanes past `scale²` are zero.
    let weights: [Float]
    /// SIMD width holding all phases: 4 for ×2, 16 for ×3 and ×4.
    let lanes: Int

    public var bucketCount: Int { angles * strengths * coherences }

    init(scale: Int, taps: Int, angles: Int, strengths: Int, coherences: Int,
         strengthThresholds: [Float], coherenceThresholds: [Float], phaseMajorWeights: [Float]) {
        self.scale = scale; self.taps = taps; self.angles = angles
        self.strengths = strengths; self.coherences = coherences
        self.strengthThresholds = strengthThresholds; self.coherenceThresholds = coherenceThresholds
        let phases = scale * scale
        let lanes = phases <= 4 ? 4 : 16
        self.lanes = lanes
        let buckets = angles * strengths * coherences, tapCount = taps * taps
        var padded = [Float](repeating: 0, count: buckets * tapCount * lanes)
        for b in 0..<buckets {
            for p in 0..<phases {
                // Unit DC gain, exactly: flat areas stay flat even at 16 bits. (train.py already
                // writes weights that sum to 1; this removes the float32 rounding left over.)
                var sum = 0.0
                for t in 0..<tapCount { sum += Double(phaseMajorWeights[(b * tapCount + t) * phases + p]) }
                let correction = (1 - sum) / Double(tapCount)
                for t in 0..<tapCount {
                    padded[(b * tapCount + t) * lanes + p] =
                        Float(Double(phaseMajorWeights[(b * tapCount + t) * phases + p]) + correction)
                }
            }
        }
        self.weights = padded
    }

    /// The bucket of every pixel of a luma plane (`width × height`, row-major), from the
    /// structure tensor of central-difference gradients weighted by the 5×5 binomial window,
    /// edges replicated. Matches `features`/`buckets` in train.py.
    func buckets(luma: UnsafeBufferPointer<Float>, width: Int, height: Int) -> [UInt16] {
        let n = width * height
        var out = [UInt16](unsafeUninitializedCapacity: n) { _, initialised in initialised = n }
        let k0: Float = 1.0 / 16, k1: Float = 4.0 / 16, k2: Float = 6.0 / 16
        let angles = self.angles, strengths = self.strengths, coherences = self.coherences
        let sthr = strengthThresholds, cthr = coherenceThresholds
        let fAngles = Float(angles)
        out.withUnsafeMutableBufferPointer { op in
            let o = SendablePointer(op.baseAddress!)
            parallelRows(height) { rows in
                // Each band makes the horizontally blurred gradient products (three planes) of
                // its rows and the two rows on either side, which the vertical blur reads (the
                // same floats as planes of the whole image, held a band at a time).
                let first = max(rows.lowerBound - 2, 0), last = min(rows.upperBound + 2, height)
                let m = (last - first) * width
                let planes = UnsafeMutablePointer<Float>.allocate(capacity: 3 * m)
                defer { planes.deallocate() }
                // Products with two replicated samples on each side.
                let buffer = UnsafeMutablePointer<Float>.allocate(capacity: 3 * (width + 4))
                defer { buffer.deallocate() }
                let pxx = buffer + 2, pxy = pxx + (width + 4), pyy = pxy + (width + 4)
                for y in first..<last {
                    let row = luma.baseAddress! + y * width
                    let up = luma.baseAddress! + max(y - 1, 0) * width
                    let down = luma.baseAddress! + min(y + 1, height - 1) * width
                    for x in 0..<width {
                        let l = x > 0 ? x - 1 : 0, r = x < width - 1 ? x + 1 : width - 1
                        let gx = (row[r] - row[l]) * 0.5
                        let gy = (down[x] - up[x]) * 0.5
                        pxx[x] = gx * gx; pxy[x] = gx * gy; pyy[x] = gy * gy
                    }
                    func replicateEdges(_ p: UnsafeMutablePointer<Float>) {
                        p[-2] = p[0]; p[-1] = p[0]; p[width] = p[width - 1]; p[width + 1] = p[width - 1]
                    }
                    replicateEdges(pxx); replicateEdges(pxy); replicateEdges(pyy)
                    let a = planes + (y - first) * width, b = a + m, c = b + m
                    for x in 0..<width {
                        a[x] = k0 * (pxx[x - 2] + pxx[x + 2]) + k1 * (pxx[x - 1] + pxx[x + 1]) + k2 * pxx[x]
                        b[x] = k0 * (pxy[x - 2] + pxy[x + 2]) + k1 * (pxy[x - 1] + pxy[x + 1]) + k2 * pxy[x]
                        c[x] = k0 * (pyy[x - 2] + pyy[x + 2]) + k1 * (pyy[x - 1] + pyy[x + 1]) + k2 * pyy[x]
                    }
                }
                // The three planes blurred vertically, one row at a time.
                let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 3 * width)
                defer { scratch.deallocate() }
                let sa = scratch, sb = sa + width, sc = sa + 2 * width
                for y in rows {
                    let o0 = (max(y - 2, 0) - first) * width, o1 = (max(y - 1, 0) - first) * width
                    let o2 = (y - first) * width
                    let o3 = (min(y + 1, height - 1) - first) * width, o4 = (min(y + 2, height - 1) - first) * width
                    func blur(_ plane: Int, into d: UnsafeMutablePointer<Float>) {
                        let p = planes + plane * m
                        let r0 = p + o0, r1 = p + o1, r2 = p + o2, r3 = p + o3, r4 = p + o4
                        for x in 0..<width { d[x] = k0 * (r0[x] + r4[x]) + k1 * (r1[x] + r3[x]) + k2 * r2[x] }
                    }
                    blur(0, into: sa); blur(1, into: sb); blur(2, into: sc)
                    let dst = o.p + y * width
                    for x in 0..<width {
                        let a = sa[x], b = sb[x], c = sc[x]
                        let halfTrace = (a + c) * 0.5
                        let d = ((a - c) * (a - c) * 0.25 + b * b).squareRoot()
                        let l1 = halfTrace + d, l2 = max(halfTrace - d, 0)
                        var angle = 0.5 * FilterBank.fastAtan2(2 * b, a - c) / Float.pi
                        if angle < 0 { angle += 1 }
                        let s1 = l1.squareRoot(), s2 = l2.squareRoot()
                        let coherence: Float = s1 + s2 > 1e-12 ? (s1 - s2) / (s1 + s2) : 0
                        let ai = min(Int(angle * fAngles), angles - 1)
                        var si = 0
                        while si < sthr.count && s1 >= sthr[si] { si += 1 }
                        var ci = 0
                        while ci < cthr.count && coherence >= cthr[ci] { ci += 1 }
                        dst[x] = UInt16((ai * strengths + si) * coherences + ci)
                    }
                }
            }
        }
        return out
    }

    /// atan2 to about 1e-5 rad (a minimax polynomial for atan on [0, 1] and octant folding),
    /// three times faster than libm's. The angle buckets are π/24 wide, so it picks another
    /// bucket than train.py's numpy arctan2 only within 1e-5 rad of a boundary.
    @inline(__always)
    static func fastAtan2(_ y: Float, _ x: Float) -> Float {
        let ax = abs(x), ay = abs(y)
        let big = max(ax, ay), small = min(ax, ay)
        if big == 0 { return 0 }
        let t = small / big, t2 = t * t
        var r = t * (0.99997726 + t2 * (-0.33262347 + t2 * (0.19354346 + t2 * (-0.11643287 + t2 * (0.05265332 + t2 * -0.01172120)))))
        if ay > ax { r = Float.pi / 2 - r }
        if x < 0 { r = Float.pi - r }
        return y < 0 ? -r : r
    }

    /// Predicts the high-resolution luma of low-resolution rows `rows`: for each row, `width`
    /// pixels × `lanes` phase values, written to `out` (row-major in `rows`, then x, then lane).
    /// `padded` is the luma plane with `taps / 2` replicated pixels on every side.
    func predict(padded: UnsafePointer<Float>, paddedWidth: Int, width: Int, rows: Range<Int>,
                 buckets: UnsafePointer<UInt16>, out: UnsafeMutablePointer<Float>) {
        weights.withUnsafeBufferPointer { wp in
            let w = UnsafeRawPointer(wp.baseAddress!)
            if lanes == 4 {
                predictLanes(SIMD4<Float>.self, w: w, padded: padded, paddedWidth: paddedWidth,
                             width: width, rows: rows, buckets: buckets, out: out)
            } else {
                predictLanes(SIMD16<Float>.self, w: w, padded: padded, paddedWidth: paddedWidth,
                             width: width, rows: rows, buckets: buckets, out: out)
            }
        }
    }

    @inline(__always)
    private func predictLanes<V: SIMD>(_: V.Type, w: UnsafeRawPointer, padded: UnsafePointer<Float>,
                                       paddedWidth: Int, width: Int, rows: Range<Int>,
                                       buckets: UnsafePointer<UInt16>, out: UnsafeMutablePointer<Float>)
    where V.Scalar == Float {
        let taps = self.taps
        let tapCount = taps * taps
        let bucketStride = tapCount * MemoryLayout<V>.stride, vs = MemoryLayout<V>.stride
        let outRaw = UnsafeMutableRawPointer(out)
        var o = 0
        for y in rows {
            let bucketRow = buckets + y * width
            var x = 0
            // Four pixels at a time: four independent chains of multiply-adds (one pixel's 49 or
            // 81 taps are a chain of dependent adds, which the adder's latency, not its
            // throughput, bounds). Each pixel is still summed tap by tap in the same order, so
            // the same floats as one pixel at a time.
            while x + 4 <= width {
                let w0 = w + Int(bucketRow[x]) * bucketStride, w1 = w + Int(bucketRow[x + 1]) * bucketStride
                let w2 = w + Int(bucketRow[x + 2]) * bucketStride, w3 = w + Int(bucketRow[x + 3]) * bucketStride
                var a0 = V(), a1 = V(), a2 = V(), a3 = V()
                var t = 0
                for r in 0..<taps {
                    let row = padded + (y + r) * paddedWidth + x
                    for c in 0..<taps {
                        let offset = t * vs
                        a0 += w0.loadUnaligned(fromByteOffset: offset, as: V.self) * row[c]
                        a1 += w1.loadUnaligned(fromByteOffset: offset, as: V.self) * row[c + 1]
                        a2 += w2.loadUnaligned(fromByteOffset: offset, as: V.self) * row[c + 2]
                        a3 += w3.loadUnaligned(fromByteOffset: offset, as: V.self) * row[c + 3]
                        t += 1
                    }
                }
                outRaw.storeBytes(of: a0, toByteOffset: o * vs, as: V.self)
                outRaw.storeBytes(of: a1, toByteOffset: (o + 1) * vs, as: V.self)
                outRaw.storeBytes(of: a2, toByteOffset: (o + 2) * vs, as: V.self)
                outRaw.storeBytes(of: a3, toByteOffset: (o + 3) * vs, as: V.self)
                o += 4
                x += 4
            }
            while x < width {
                let wb = w + Int(bucketRow[x]) * bucketStride
                var acc = V()
                var t = 0
                for r in 0..<taps {
                    let row = padded + (y + r) * paddedWidth + x
                    for c in 0..<taps {
                        acc += wb.loadUnaligned(fromByteOffset: t * vs, as: V.self) * row[c]
                        t += 1
                    }
                }
                outRaw.storeBytes(of: acc, toByteOffset: o * vs, as: V.self)
                o += 1
                x += 1
            }
        }
    }
}
