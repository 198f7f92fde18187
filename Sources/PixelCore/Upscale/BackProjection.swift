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
/// It runs in row bands like the rest of the learned path, with the two `Resampler`s the
/// plain paths use. For output rows `rows × scale` it needs the error on the input rows the
/// enlargement reads, and for those the prediction on the rows the shrinking reads
/// (`predictionRows(for:)`): a few rows more than the band.
struct BackProjection: Sendable {
    let scale: Int
    /// The input (low-resolution) size.
    let width: Int, height: Int
    /// High resolution to low, one band: the antialiased cubic shrink.
    let shrink: Resampler
    /// Low resolution to high, one band: the cubic enlargement of the error.
    let enlarge: Resampler

    /// After back-projection the luma is kept within each input pixel's de-ringing range
    /// (`OrientedLuma.clampMargin` beyond the 5×5 window's) widened by this much more: the
    /// correction is real detail, and clamping it at the bank's margin undid half its gain.
    static let extraMargin: Float = 0.02

    init(scale: Int, width: Int, height: Int) {
        self.scale = scale; self.width = width; self.height = height
        shrink = Resampler(inWidth: width * scale, inHeight: height * scale, outWidth: width, outHeight: height,
                           channels: 1, kernel: .cubic)
        enlarge = Resampler(inWidth: width, inHeight: height, outWidth: width * scale, outHeight: height * scale,
                            channels: 1, kernel: .cubic)
    }

    /// Input rows whose error the enlargement of output rows `rows × scale` reads.
    func errorRows(for rows: Range<Int>) -> Range<Int> {
        enlarge.inputRows(for: (rows.lowerBound * scale)..<(rows.upperBound * scale))
    }

    /// Input rows of the prediction needed to back-project `rows` (covers `rows`).
    func predictionRows(for rows: Range<Int>) -> Range<Int> {
        let read = shrink.inputRows(for: errorRows(for: rows))
        return min(read.lowerBound / scale, rows.lowerBound)..<max((read.upperBound - 1) / scale + 1, rows.upperBound)
    }

    /// `prediction` is the enlarged luma of input rows `predictionRows` (`predictionRows.count ×
    /// scale` rows of `width × scale`), `luma` the whole input luma. Returns output rows `rows ×
    /// scale` back-projected, `rows.count × scale` rows of `width × scale`.
    func corrected(_ prediction: [Float], predictionRows: Range<Int>, luma: UnsafePointer<Float>, rows: Range<Int>) -> [Float] {
        let s = scale, w = width, outW = width * s
        let errors = errorRows(for: rows), hr = (rows.lowerBound * s)..<(rows.upperBound * s)
        precondition(prediction.count == predictionRows.count * s * outW)
        var error = uninitialisedFloats(errors.count * w)
        var out = uninitialisedFloats(hr.count * outW)
        prediction.withUnsafeBufferPointer { pp in
            error.withUnsafeMutableBufferPointer { ep in
                // The input's luma minus the prediction shrunk back.
                shrink.resample(rows: errors, input: pp.baseAddress!, firstInputRow: predictionRows.lowerBound * s,
                                into: ep.baseAddress!)
                let known = luma + errors.lowerBound * w
                for i in 0..<ep.count { ep[i] = known[i] - ep[i] }
            }
            out.withUnsafeMutableBufferPointer { op in
                error.withUnsafeBufferPointer { enlarge.resample(rows: hr, input: $0.baseAddress!, firstInputRow: errors.lowerBound,
                                                                 into: op.baseAddress!) }
                let base = pp.baseAddress! + (hr.lowerBound - predictionRows.lowerBound * s) * outW
                for i in 0..<op.count { op[i] += base[i] }
            }
        }
        return out
    }
}
