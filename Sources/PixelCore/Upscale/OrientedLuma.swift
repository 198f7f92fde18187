import Foundation

/// The low-resolution luma of one image in one orientation (as it is, or flipped left-right
/// and/or top-bottom), with what the filter bank and the refiner read: the luma padded for the
/// bank's taps, each pixel's bucket, and the de-ringing range. The learned path predicts from
/// one orientation, or averages the predictions of all four (`Upscale.flips`), each mapped back.
final class OrientedLuma: @unchecked Sendable {
    let flipX: Bool
    let flipY: Bool
    let width: Int
    let height: Int
    let luma: [Float]
    let lumaPadded: [Float]
    let paddedWidth: Int
    let bucketIndex: [UInt16]
    /// De-ringing: each prediction is kept within the range of the 5×5 low-resolution window
    /// around it, widened by `clampMargin` (about 5 levels of 255). Measured cost: under
    /// 0.01 dB; it bounds the overshoot of the sharpening filters at hard edges.
    let rangeLow: [Float]
    let rangeHigh: [Float]
    static let clampRadius = 2
    static let clampMargin: Float = 0.02

    /// `luma` is the image as it stands, `width × height`; this orientation holds it flipped.
    init(luma upright: [Float], width w: Int, height h: Int, flipX: Bool, flipY: Bool, bank: FilterBank) {
        self.flipX = flipX; self.flipY = flipY; width = w; height = h
        var luma = upright
        if flipX || flipY {
            upright.withUnsafeBufferPointer { src in
                luma.withUnsafeMutableBufferPointer { dst in
                    let d = SendablePointer(dst.baseAddress!), s = src.baseAddress!
                    parallelRows(h, maximumBand: 128) { rows in
                        for y in rows {
                            let from = s + (flipY ? h - 1 - y : y) * w, to = d.p + y * w
                            if flipX { for x in 0..<w { to[x] = from[w - 1 - x] } } else { to.update(from: from, count: w) }
                        }
                    }
                }
            }
        }
        let r = bank.taps / 2
        let pw = w + 2 * r
        paddedWidth = pw
        var padded = uninitialisedFloats(pw * (h + 2 * r))
        luma.withUnsafeBufferPointer { lb in
            padded.withUnsafeMutableBufferPointer { pb in
                let dst = SendablePointer(pb.baseAddress!), src = lb.baseAddress!
                parallelRows(h + 2 * r, maximumBand: 128) { rows in
                    for py in rows {
                        let row = src + min(max(py - r, 0), h - 1) * w, out = dst.p + py * pw
                        for px in 0..<r { out[px] = row[0]; out[r + w + px] = row[w - 1] }
                        (out + r).update(from: row, count: w)
                    }
                }
            }
        }
        lumaPadded = padded
        self.luma = luma
        (rangeLow, rangeHigh) = OrientedLuma.localRange(luma, width: w, height: h)
        bucketIndex = luma.withUnsafeBufferPointer { bank.buckets(luma: $0, width: w, height: h) }
    }

    /// The rows of this orientation that hold the upright image's `rows`.
    func rows(holding rows: Range<Int>) -> Range<Int> {
        flipY ? (height - rows.upperBound)..<(height - rows.lowerBound) : rows
    }

    /// Minimum and maximum over the 5×5 window (`clampRadius` 2), edges replicated, minus/plus
    /// the margin: a horizontal then a vertical pass of five-sample minima and maxima.
    static func localRange(_ luma: [Float], width w: Int, height h: Int) -> ([Float], [Float]) {
        precondition(clampRadius == 2)
        var low = uninitialisedFloats(w * h), high = uninitialisedFloats(w * h)
        luma.withUnsafeBufferPointer { lp in low.withUnsafeMutableBufferPointer { lob in high.withUnsafeMutableBufferPointer { hib in
            let lo0 = SendablePointer(lob.baseAddress!), hi0 = SendablePointer(hib.baseAddress!), src = lp.baseAddress!
            let margin = clampMargin
            parallelRows(h, maximumBand: 128) { rows in
                // The horizontal minima and maxima of the band's rows and the two rows on either
                // side, then the vertical pass (the same floats as whole planes, a band at a time).
                let first = max(rows.lowerBound - 2, 0), last = min(rows.upperBound + 2, h)
                let mn = UnsafeMutablePointer<Float>.allocate(capacity: 2 * (last - first) * w)
                defer { mn.deallocate() }
                let mx = mn + (last - first) * w
                for y in first..<last {
                    let row = src + y * w, a = mn + (y - first) * w, b = mx + (y - first) * w
                    for x in 0..<w {
                        let x0 = max(x - 2, 0), x1 = max(x - 1, 0), x3 = min(x + 1, w - 1), x4 = min(x + 2, w - 1)
                        a[x] = min(min(min(row[x0], row[x1]), min(row[x], row[x3])), row[x4])
                        b[x] = max(max(max(row[x0], row[x1]), max(row[x], row[x3])), row[x4])
                    }
                }
                for y in rows {
                    let o0 = (max(y - 2, 0) - first) * w, o1 = (max(y - 1, 0) - first) * w, o2 = (y - first) * w
                    let o3 = (min(y + 1, h - 1) - first) * w, o4 = (min(y + 2, h - 1) - first) * w
                    let n0 = mn + o0, n1 = mn + o1, n2 = mn + o2, n3 = mn + o3, n4 = mn + o4
                    let m0 = mx + o0, m1 = mx + o1, m2 = mx + o2, m3 = mx + o3, m4 = mx + o4
                    let lo = lo0.p + y * w, hi = hi0.p + y * w
                    for x in 0..<w {
                        lo[x] = min(min(min(n0[x], n1[x]), min(n2[x], n3[x])), n4[x]) - margin
                        hi[x] = max(max(max(m0[x], m1[x]), max(m2[x], m3[x])), m4[x]) + margin
                    }
                }
            }
        }}}
        return (low, high)
    }

    /// The luma prediction for `rows` of this orientation: the bank's, clamped, then corrected
    /// by the refiner (if any). `bank.lanes` floats per low-resolution pixel, phase dy·s+dx.
    func prediction(rows: Range<Int>, bank: FilterBank, refiner: Refiner?) -> [Float] {
        let w = width, h = height, lanes = bank.lanes, phases = bank.scale * bank.scale
        // The refiner needs `halo` rows of the bank's prediction around the band.
        let halo = refiner?.halo ?? 0
        let predRows = max(rows.lowerBound - halo, 0)..<min(rows.upperBound + halo, h)
        var pred = uninitialisedFloats(predRows.count * w * lanes)
        pred.withUnsafeMutableBufferPointer { pp in
            lumaPadded.withUnsafeBufferPointer { lp in
                bucketIndex.withUnsafeBufferPointer { bp in
                    bank.predict(padded: lp.baseAddress!, paddedWidth: paddedWidth, width: w, rows: predRows,
                                 buckets: bp.baseAddress!, out: pp.baseAddress!)
                }
            }
        }
        pred.withUnsafeMutableBufferPointer { pp in
            rangeLow.withUnsafeBufferPointer { lo in
                rangeHigh.withUnsafeBufferPointer { hi in
                    for y in predRows {
                        for x in 0..<w {
                            let i = y * w + x, o = pp.baseAddress! + ((y - predRows.lowerBound) * w + x) * lanes
                            let low = lo[i], high = hi[i]
                            for p in 0..<phases { o[p] = min(max(o[p], low), high) }
                        }
                    }
                }
            }
        }
        guard let refiner else { return pred }
        var corrections = luma.withUnsafeBufferPointer { lp in
            pred.withUnsafeBufferPointer { pp in
                refiner.corrections(luma: lp.baseAddress!, width: w, height: h, rows: rows, prediction: pp.baseAddress!,
                                    predictionRows: predRows, predictionLanes: lanes)
            }
        }
        // corrections + the band's rows of the prediction (same lanes: 4, or 16).
        precondition(Refiner.lanes(for: phases) == lanes)
        let skip = (rows.lowerBound - predRows.lowerBound) * w * lanes
        corrections.withUnsafeMutableBufferPointer { cp in
            pred.withUnsafeBufferPointer { pp in
                for i in 0..<cp.count { cp[i] += pp[skip + i] }
            }
        }
        return corrections
    }

    /// Adds this orientation's `prediction` of the upright image's `rows` (made for
    /// `rows(holding: rows)`) into `sum`, upright: pixels and phases mirrored back.
    func accumulate(_ prediction: [Float], rows: Int, into sum: UnsafeMutablePointer<Float>, scale s: Int, lanes: Int) {
        let w = width
        prediction.withUnsafeBufferPointer { pp in
            let src = pp.baseAddress!
            for i in 0..<rows {
                let vi = flipY ? rows - 1 - i : i
                for x in 0..<w {
                    let vx = flipX ? w - 1 - x : x
                    let d = sum + (i * w + x) * lanes, q = src + (vi * w + vx) * lanes
                    for dy in 0..<s {
                        let qy = q + (flipY ? s - 1 - dy : dy) * s, dr = d + dy * s
                        if flipX { for dx in 0..<s { dr[dx] += qy[s - 1 - dx] } } else { for dx in 0..<s { dr[dx] += qy[dx] } }
                    }
                }
            }
        }
    }
}
