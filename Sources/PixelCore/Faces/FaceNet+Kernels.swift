import Foundation

/// The face network's layers. Channels are innermost, so one pixel's channels are contiguous:
/// a 1×1 convolution is a matrix product (pixels × inputs times inputs × outputs) computed six
/// pixels by sixteen outputs at a time in SIMD registers (twelve accumulators, the most AVX2's
/// sixteen registers hold beside the weights and a broadcast input), and a depthwise
/// convolution is eight channels per SIMD vector. Rows run in parallel.
extension FaceNet {
    typealias V8 = SIMD8<Float>

    /// Freed maps' memory, handed to the next layers: a layer's output is written into memory
    /// an earlier layer already touched, instead of fresh pages the kernel must fault in and zero.
    final class Pool {
        private var free: [[Float]] = []

        /// A map whose every value the caller writes (its old contents are left in place).
        func map(height: Int, width: Int, channels: Int) -> FeatureMap {
            let n = height * width * channels
            var best = -1
            for (i, a) in free.enumerated() where a.capacity >= n && (best < 0 || a.capacity < free[best].capacity) { best = i }
            guard best >= 0 else {
                return FeatureMap(height: height, width: width, channels: channels,
                                  values: [Float](unsafeUninitializedCapacity: n) { _, c in c = n })
            }
            var values = free.remove(at: best)
            if values.count > n { values.removeLast(values.count - n) } else if values.count < n {
                values.append(contentsOf: repeatElement(0, count: n - values.count))
            }
            return FeatureMap(height: height, width: width, channels: channels, values: values)
        }

        func recycle(_ m: FeatureMap) { free.append(m.values) }
    }

    /// The fewest rows worth a thread of their own, for rows of `work` multiply-adds each: the
    /// deep layers' maps are a few pixels across, where handing rows to another core costs more
    /// than it saves.
    @inline(__always)
    static func band(_ work: Int) -> Int { max(1, 1 << 19 / max(work, 1)) }

    /// The input's, weights', bias's and output's memory, for the length of `body`.
    @inline(__always)
    private static func withPointers(_ x: FeatureMap, _ l: Layer, _ out: inout FeatureMap,
                                     _ body: (UnsafePointer<Float>, UnsafeRawPointer, UnsafeRawPointer, SendablePointer<Float>) -> Void) {
        x.values.withUnsafeBufferPointer { xb in
            l.weights.withUnsafeBufferPointer { wb in
                l.bias.withUnsafeBufferPointer { bb in
                    out.values.withUnsafeMutableBufferPointer { ob in
                        body(xb.baseAddress!, UnsafeRawPointer(wb.baseAddress!), UnsafeRawPointer(bb.baseAddress!),
                             SendablePointer(ob.baseAddress!))
                    }
                }
            }
        }
    }

    /// 1×1 convolution, stride 1.
    static func pointwise(_ x: FeatureMap, _ l: Layer, _ pool: Pool) -> FeatureMap {
        var out = pool.map(height: x.height, width: x.width, channels: l.outChannels)
        let cin = l.inChannels, cout = l.outChannels, op = l.paddedOut, w = x.width
        withPointers(x, l, &out) { X, W, B, O in
            parallelRows(x.height, minimumBand: band(w * cin * cout), maximumBand: 64) { rows in
                let end = rows.upperBound * w
                var p = rows.lowerBound * w
                while p < end {
                    let n = min(6, end - p)
                    // Past the band's end the block's spare pixels reread the last one, unstored.
                    let i0 = X + p * cin, i1 = X + min(p + 1, end - 1) * cin, i2 = X + min(p + 2, end - 1) * cin
                    let i3 = X + min(p + 3, end - 1) * cin, i4 = X + min(p + 4, end - 1) * cin
                    let i5 = X + min(p + 5, end - 1) * cin
                    var co = 0
                    while co + 16 <= op {
                        let b0 = B.loadUnaligned(fromByteOffset: co * 4, as: V8.self)
                        let b1 = B.loadUnaligned(fromByteOffset: (co + 8) * 4, as: V8.self)
                        var a0 = b0, a1 = b1, c0 = b0, c1 = b1, d0 = b0, d1 = b1
                        var e0 = b0, e1 = b1, f0 = b0, f1 = b1, g0 = b0, g1 = b1
                        var wq = W + co * 4
                        for ci in 0..<cin {
                            let w0 = wq.loadUnaligned(as: V8.self)
                            let w1 = wq.loadUnaligned(fromByteOffset: 32, as: V8.self)
                            var v = i0[ci]; a0 += w0 * v; a1 += w1 * v
                            v = i1[ci]; c0 += w0 * v; c1 += w1 * v
                            v = i2[ci]; d0 += w0 * v; d1 += w1 * v
                            v = i3[ci]; e0 += w0 * v; e1 += w1 * v
                            v = i4[ci]; f0 += w0 * v; f1 += w1 * v
                            v = i5[ci]; g0 += w0 * v; g1 += w1 * v
                            wq += op * 4
                        }
                        store(O.p, p, co, cout, n, l.relu, a0, c0, d0, e0, f0, g0)
                        store(O.p, p, co + 8, cout, n, l.relu, a1, c1, d1, e1, f1, g1)
                        co += 16
                    }
                    if co < op {
                        let b0 = B.loadUnaligned(fromByteOffset: co * 4, as: V8.self)
                        var a0 = b0, c0 = b0, d0 = b0, e0 = b0, f0 = b0, g0 = b0
                        var wq = W + co * 4
                        for ci in 0..<cin {
                            let w0 = wq.loadUnaligned(as: V8.self)
                            a0 += w0 * i0[ci]; c0 += w0 * i1[ci]; d0 += w0 * i2[ci]
                            e0 += w0 * i3[ci]; f0 += w0 * i4[ci]; g0 += w0 * i5[ci]
                            wq += op * 4
                        }
                        store(O.p, p, co, cout, n, l.relu, a0, c0, d0, e0, f0, g0)
                    }
                    p += 6
                }
            }
        }
        return out
    }

    /// Stores eight outputs from `co` of the first `n` of six pixels from pixel `p` (ReLU'd if
    /// asked); outputs at `cout` and beyond are the weights' zero padding and are not stored.
    @inline(__always)
    private static func store(_ out: UnsafeMutablePointer<Float>, _ p: Int, _ co: Int, _ cout: Int, _ n: Int, _ relu: Bool,
                              _ v0: V8, _ v1: V8, _ v2: V8, _ v3: V8, _ v4: V8, _ v5: V8) {
        put(out + p * cout + co, co, cout, relu, v0)
        if n > 1 { put(out + (p + 1) * cout + co, co, cout, relu, v1) }
        if n > 2 { put(out + (p + 2) * cout + co, co, cout, relu, v2) }
        if n > 3 { put(out + (p + 3) * cout + co, co, cout, relu, v3) }
        if n > 4 { put(out + (p + 4) * cout + co, co, cout, relu, v4) }
        if n > 5 { put(out + (p + 5) * cout + co, co, cout, relu, v5) }
    }

    @inline(__always)
    private static func put(_ o: UnsafeMutablePointer<Float>, _ co: Int, _ cout: Int, _ relu: Bool, _ value: V8) {
        var v = value
        if relu { v = v.replacing(with: 0, where: v .< 0) }
        if co + 8 <= cout {
            UnsafeMutableRawPointer(o).storeBytes(of: v, as: V8.self)
        } else {
            for c in 0..<(cout - co) { o[c] = v[c] }
        }
    }

    /// A full convolution (the first layer: 3×3 over RGB, stride 2), zero padding; 32 outputs
    /// at a time in four SIMD accumulators (the weights are padded to a multiple of 32 outputs).
    static func convolution(_ x: FeatureMap, _ l: Layer, _ pool: Pool) -> FeatureMap {
        let k = l.kernel, s = l.stride, pad = l.padding, cin = l.inChannels, op = l.paddedOut, cout = l.outChannels
        let oh = (x.height + 2 * pad - k) / s + 1, ow = (x.width + 2 * pad - k) / s + 1
        var out = pool.map(height: oh, width: ow, channels: cout)
        withPointers(x, l, &out) { X, W, B, O in
            parallelRows(oh, minimumBand: band(ow * k * k * cin * cout), maximumBand: 64) { rows in
                for oy in rows {
                    for ox in 0..<ow {
                        let o = O.p + (oy * ow + ox) * cout
                        for cb in stride(from: 0, to: op, by: 32) {
                            let bias = B + cb * 4
                            var a0 = bias.loadUnaligned(as: V8.self), a1 = bias.loadUnaligned(fromByteOffset: 32, as: V8.self)
                            var a2 = bias.loadUnaligned(fromByteOffset: 64, as: V8.self), a3 = bias.loadUnaligned(fromByteOffset: 96, as: V8.self)
                            for ky in 0..<k {
                                let iy = oy * s - pad + ky
                                guard iy >= 0 && iy < x.height else { continue }
                                for kx in 0..<k {
                                    let ix = ox * s - pad + kx
                                    guard ix >= 0 && ix < x.width else { continue }
                                    let px = X + (iy * x.width + ix) * cin
                                    var wt = W + (((ky * k + kx) * cin) * op + cb) * 4
                                    for ci in 0..<cin {
                                        let v = px[ci]
                                        a0 += wt.loadUnaligned(as: V8.self) * v
                                        a1 += wt.loadUnaligned(fromByteOffset: 32, as: V8.self) * v
                                        a2 += wt.loadUnaligned(fromByteOffset: 64, as: V8.self) * v
                                        a3 += wt.loadUnaligned(fromByteOffset: 96, as: V8.self) * v
                                        wt += op * 4
                                    }
                                }
                            }
                            put(o + cb, cb, cout, l.relu, a0)
                            if cb + 8 < cout { put(o + cb + 8, cb + 8, cout, l.relu, a1) }
                            if cb + 16 < cout { put(o + cb + 16, cb + 16, cout, l.relu, a2) }
                            if cb + 24 < cout { put(o + cb + 24, cb + 24, cout, l.relu, a3) }
                        }
                    }
                }
            }
        }
        return out
    }

    /// Depthwise 3×3 convolution, stride 1 or 2, one pixel of zeros around. Eight channels per
    /// SIMD vector, the nine taps of a pixel summed in a register; rows above or below the image
    /// read a row of zeros, and only the first and last columns test the border.
    static func depthwise(_ x: FeatureMap, _ l: Layer, _ pool: Pool) -> FeatureMap {
        let s = l.stride, c = l.inChannels, h = x.height, w = x.width
        let oh = (h + 2 - 3) / s + 1, ow = (w + 2 - 3) / s + 1
        var out = pool.map(height: oh, width: ow, channels: c)
        let zeros = [Float](repeating: 0, count: w * c)
        let groups = c / 8, relu = l.relu
        x.values.withUnsafeBufferPointer { xb in
            l.weights.withUnsafeBufferPointer { wb in
                l.bias.withUnsafeBufferPointer { bb in
                    zeros.withUnsafeBufferPointer { zb in
                        out.values.withUnsafeMutableBufferPointer { ob in
                            let X = xb.baseAddress!, W = wb.baseAddress!, B = bb.baseAddress!, Z = zb.baseAddress!
                            let O = SendablePointer(ob.baseAddress!)
                            let WR = UnsafeRawPointer(W), BR = UnsafeRawPointer(B)
                            parallelRows(oh, minimumBand: band(ow * 9 * c), maximumBand: 64) { rows in
                                for oy in rows {
                                    let iy = oy * s - 1
                                    let r0 = iy >= 0 ? X + iy * w * c : Z
                                    let r1 = X + (iy + 1) * w * c
                                    let r2 = iy + 2 < h ? X + (iy + 2) * w * c : Z
                                    for ox in 0..<ow {
                                        let ix = ox * s - 1
                                        let o = O.p + (oy * ow + ox) * c
                                        if ix >= 0 && ix + 2 < w {
                                            let p0 = UnsafeRawPointer(r0 + ix * c), p1 = UnsafeRawPointer(r1 + ix * c)
                                            let p2 = UnsafeRawPointer(r2 + ix * c)
                                            let cs = c * 4
                                            for g in 0..<groups {
                                                let off = g * 32
                                                var acc = BR.loadUnaligned(fromByteOffset: off, as: V8.self)
                                                acc += p0.loadUnaligned(fromByteOffset: off, as: V8.self) * WR.loadUnaligned(fromByteOffset: off, as: V8.self)
                                                acc += p0.loadUnaligned(fromByteOffset: off + cs, as: V8.self) * WR.loadUnaligned(fromByteOffset: off + cs, as: V8.self)
                                                acc += p0.loadUnaligned(fromByteOffset: off + 2 * cs, as: V8.self) * WR.loadUnaligned(fromByteOffset: off + 2 * cs, as: V8.self)
                                                acc += p1.loadUnaligned(fromByteOffset: off, as: V8.self) * WR.loadUnaligned(fromByteOffset: off + 3 * cs, as: V8.self)
                                                acc += p1.loadUnaligned(fromByteOffset: off + cs, as: V8.self) * WR.loadUnaligned(fromByteOffset: off + 4 * cs, as: V8.self)
                                                acc += p1.loadUnaligned(fromByteOffset: off + 2 * cs, as: V8.self) * WR.loadUnaligned(fromByteOffset: off + 5 * cs, as: V8.self)
                                                acc += p2.loadUnaligned(fromByteOffset: off, as: V8.self) * WR.loadUnaligned(fromByteOffset: off + 6 * cs, as: V8.self)
                                                acc += p2.loadUnaligned(fromByteOffset: off + cs, as: V8.self) * WR.loadUnaligned(fromByteOffset: off + 7 * cs, as: V8.self)
                                                acc += p2.loadUnaligned(fromByteOffset: off + 2 * cs, as: V8.self) * WR.loadUnaligned(fromByteOffset: off + 8 * cs, as: V8.self)
                                                if relu { acc = acc.replacing(with: 0, where: acc .< 0) }
                                                UnsafeMutableRawPointer(o).storeBytes(of: acc, toByteOffset: off, as: V8.self)
                                            }
                                            for ch in (groups * 8)..<c {
                                                var acc = B[ch]
                                                for k in 0..<3 {
                                                    acc += r0[(ix + k) * c + ch] * W[k * c + ch]
                                                    acc += r1[(ix + k) * c + ch] * W[(3 + k) * c + ch]
                                                    acc += r2[(ix + k) * c + ch] * W[(6 + k) * c + ch]
                                                }
                                                o[ch] = relu ? max(acc, 0) : acc
                                            }
                                        } else {
                                            for ch in 0..<c {
                                                var acc = B[ch]
                                                for k in 0..<3 where ix + k >= 0 && ix + k < w {
                                                    acc += r0[(ix + k) * c + ch] * W[k * c + ch]
                                                    acc += r1[(ix + k) * c + ch] * W[(3 + k) * c + ch]
                                                    acc += r2[(ix + k) * c + ch] * W[(6 + k) * c + ch]
                                                }
                                                o[ch] = relu ? max(acc, 0) : acc
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    static func add(_ a: FeatureMap, _ b: FeatureMap, relu: Bool, _ pool: Pool) -> FeatureMap {
        var out = pool.map(height: a.height, width: a.width, channels: a.channels)
        out.values.withUnsafeMutableBufferPointer { o in
            a.values.withUnsafeBufferPointer { ap in
                b.values.withUnsafeBufferPointer { bp in
                    if relu {
                        for i in 0..<o.count { o[i] = max(ap[i] + bp[i], 0) }
                    } else {
                        for i in 0..<o.count { o[i] = ap[i] + bp[i] }
                    }
                }
            }
        }
        return out
    }

    /// Bilinear resize to `height × width` with half-pixel centres (TFLite's RESIZE_BILINEAR with
    /// half_pixel_centers, align_corners off): source y = (y + 0.5) · h / H − 0.5, clamped at 0.
    static func upsample(_ x: FeatureMap, height H: Int, width W: Int, _ pool: Pool) -> FeatureMap {
        var out = pool.map(height: H, width: W, channels: x.channels)
        func taps(_ n: Int, _ N: Int) -> [(Int, Int, Float)] {
            (0..<N).map { i in
                let s = max((Double(i) + 0.5) * Double(n) / Double(N) - 0.5, 0)
                let i0 = min(Int(s.rounded(.down)), n - 1)
                return (i0, min(i0 + 1, n - 1), Float(s - Double(i0)))
            }
        }
        let ty = taps(x.height, H), tx = taps(x.width, W), c = x.channels
        x.values.withUnsafeBufferPointer { xp in
            out.values.withUnsafeMutableBufferPointer { op in
                for y in 0..<H {
                    let (y0, y1, fy) = ty[y]
                    for xx in 0..<W {
                        let (x0, x1, fx) = tx[xx]
                        let a = y0 * x.width, b = y1 * x.width
                        let o = (y * W + xx) * c
                        for ch in 0..<c {
                            let top = xp[(a + x0) * c + ch] * (1 - fx) + xp[(a + x1) * c + ch] * fx
                            let bottom = xp[(b + x0) * c + ch] * (1 - fx) + xp[(b + x1) * c + ch] * fx
                            op[o + ch] = top * (1 - fy) + bottom * fy
                        }
                    }
                }
            }
        }
        return out
    }

    /// TFLite's DEPTH_TO_SPACE: output (y·b + dy, x·b + dx, c) is input (y, x, (dy·b + dx)·C + c).
    static func depthToSpace(_ x: FeatureMap, block b: Int, _ pool: Pool) -> FeatureMap {
        let c = x.channels / (b * b)
        var out = pool.map(height: x.height * b, width: x.width * b, channels: c)
        x.values.withUnsafeBufferPointer { xp in
            out.values.withUnsafeMutableBufferPointer { op in
                for y in 0..<x.height {
                    for xx in 0..<x.width {
                        for dy in 0..<b {
                            for dx in 0..<b {
                                let o = ((y * b + dy) * out.width + xx * b + dx) * c
                                let i = (y * x.width + xx) * x.channels + (dy * b + dx) * c
                                for ch in 0..<c { op[o + ch] = xp[i + ch] }
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}
