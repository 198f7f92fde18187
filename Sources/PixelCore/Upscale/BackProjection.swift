import Foundation

/// One step of back-projection (Irani and Peleg's iterative back-projection): the enlarged luma
/// is shrunk back to the input's size the way small images are usually made (antialiased cubic,
/// as Pillow BICUBIC and MATLAB `imresize`), the difference from the input's own luma is
/// enlarged with the cubic kernel and added. The learned prediction then agrees with the input
/// it came from, which the bank and the refiner alone only approximate.
///
/// Measured (Tools/upscale/README.md): at ×4, +0.05 dB on the 13 photographs it was chosen on
/// and +0.02 dB on the benchmark's 40; more steps add under 0.005 dB, so there is one. Work
/// per output pixel: about 25 multiply-adds, next to the refiner's thousands.
///
/// It runs in row bands like the rest of the learned path. For output rows `rows × scale` it
/// needs the error on the input rows the cubic enlargement reads, and for those the prediction
/// on the rows the shrinking reads (`predictionRows(for:)`): a few rows more than the band.
struct BackProjection: Sendable {
    let scale: Int
    /// The input (low-resolution) size.
    let width: Int, height: Int
    /// High resolution to low: the antialiased cubic shrink.
    let downX: Resampler.Axis, downY: Resampler.Axis
    /// Low resolution to high: the cubic enlargement of the error.
    let upX: Resampler.Axis, upY: Resampler.Axis

    /// After back-projection the luma is kept within each input pixel's de-ringing range
    /// (`OrientedLuma.clampMargin` beyond the 5×5 window's) widened by this much more: the
    /// correction is real detail, and clamping it at the bank's margin undid half its gain.
    static let extraMargin: Float = 0.02

    init(scale: Int, width: Int, height: Int) {
        self.scale = scale; self.width = width; self.height = height
        downX = Resampler.Axis(input: width * scale, output: width, kernel: .cubic)
        downY = Resampler.Axis(input: height * scale, output: height, kernel: .cubic)
        upX = Resampler.Axis(input: width, output: width * scale, kernel: .cubic)
        upY = Resampler.Axis(input: height, output: height * scale, kernel: .cubic)
    }

    /// Input rows whose error the enlargement of output rows `rows × scale` reads.
    func errorRows(for rows: Range<Int>) -> Range<Int> {
        upY.starts[rows.lowerBound * scale]..<(upY.starts[rows.upperBound * scale - 1] + upY.count)
    }

    /// Input rows of the prediction needed to back-project `rows` (covers `rows`).
    func predictionRows(for rows: Range<Int>) -> Range<Int> {
        let e = errorRows(for: rows)
        let first = downY.starts[e.lowerBound], last = downY.starts[e.upperBound - 1] + downY.count
        return min(first / scale, rows.lowerBound)..<max((last - 1) / scale + 1, rows.upperBound)
    }

    /// `prediction` is the enlarged luma of input rows `predictionRows` (`predictionRows.count ×
    /// scale` rows of `width × scale`), `luma` the whole input luma. Returns output rows `rows ×
    /// scale` back-projected, `rows.count × scale` rows of `width × scale`.
    func corrected(_ prediction: [Float], predictionRows: Range<Int>, luma: UnsafePointer<Float>, rows: Range<Int>) -> [Float] {
        let s = scale, w = width, outW = width * s
        let errors = errorRows(for: rows)
        let firstHR = predictionRows.lowerBound * s
        precondition(prediction.count == predictionRows.count * s * outW)
        precondition(downY.starts[errors.lowerBound] >= firstHR
                     && downY.starts[errors.upperBound - 1] + downY.count <= predictionRows.upperBound * s)
        var shrunk = [Float](repeating: 0, count: outW)
        var error = [Float](repeating: 0, count: errors.count * w)
        prediction.withUnsafeBufferPointer { pp in
          downY.weights.withUnsafeBufferPointer { wyp in
          downX.weights.withUnsafeBufferPointer { wxp in
          shrunk.withUnsafeMutableBufferPointer { sp in
            let hr = pp.baseAddress!, row = sp.baseAddress!, ny = downY.count, nx = downX.count
            for (i, e) in errors.enumerated() {
                // Vertical shrink into one high-resolution-wide row, then horizontal, minus the input.
                let wy = wyp.baseAddress! + e * ny, top = hr + (downY.starts[e] - firstHR) * outW
                for x in 0..<outW { row[x] = wy[0] * top[x] }
                for k in 1..<max(ny, 1) where wy[k] != 0 {
                    let src = top + k * outW, wk = wy[k]
                    for x in 0..<outW { row[x] += wk * src[x] }
                }
                for x in 0..<w {
                    error[i * w + x] = luma[e * w + x] - BackProjection.dot(row + downX.starts[x], wxp.baseAddress! + x * nx, nx)
                }
            }
          }
          }
          }
        }
        // Horizontal enlargement of each error row, then vertical, added to the prediction.
        var wide = [Float](repeating: 0, count: errors.count * outW)
        let n = upX.count
        upX.weights.withUnsafeBufferPointer { wx in
            error.withUnsafeBufferPointer { ep in
                for i in 0..<errors.count {
                    let src = ep.baseAddress! + i * w, dst = i * outW
                    for x in 0..<outW {
                        wide[dst + x] = BackProjection.dot(src + upX.starts[x], wx.baseAddress! + x * n, n)
                    }
                }
            }
        }
        var out = [Float](repeating: 0, count: rows.count * s * outW)
        prediction.withUnsafeBufferPointer { pp in
            wide.withUnsafeBufferPointer { wp in
                out.withUnsafeMutableBufferPointer { op in
                    for (i, y) in ((rows.lowerBound * s)..<(rows.upperBound * s)).enumerated() {
                        let dst = op.baseAddress! + i * outW
                        let base = pp.baseAddress! + (y - firstHR) * outW
                        for x in 0..<outW { dst[x] = base[x] }
                        let top = wp.baseAddress! + (upY.starts[y] - errors.lowerBound) * outW
                        for k in 0..<upY.count {
                            let wk = upY.weights[y * upY.count + k]
                            if wk == 0 { continue }
                            let src = top + k * outW
                            for x in 0..<outW { dst[x] += wk * src[x] }
                        }
                    }
                }
            }
        }
        return out
    }

    /// The dot product of `n` floats, eight at a time: the taps of one output sample (5 to 17
    /// here), which a plain loop adds one by one.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var acc = SIMD8<Float>(), k = 0
        while k + 8 <= n {
            acc += UnsafeRawPointer(a + k).loadUnaligned(as: SIMD8<Float>.self)
                * UnsafeRawPointer(b + k).loadUnaligned(as: SIMD8<Float>.self)
            k += 8
        }
        var sum = acc.sum()
        while k < n { sum += a[k] * b[k]; k += 1 }
        return sum
    }
}
