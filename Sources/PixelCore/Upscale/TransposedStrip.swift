import Foundation

/// The other four orientations of the self-ensemble (`Upscale.Flips.all`): the image's
/// transpose, as it is and flipped three ways, for one band of output rows.
///
/// The learned path works in bands of rows, and a band of rows of the image is a band of
/// *columns* of its transpose. So for upright rows `rows`, the strip takes those rows plus
/// `halo` on each side, transposes them (a short, wide image: `width` rows of the strip's
/// `rows.count + 2 × halo` columns), predicts all of it in the four flips, and keeps the
/// middle columns. Rows further than `halo` from the band cannot change its prediction (the
/// bank reads ±4 rows at ×3 and ×4, its buckets ±3, the refiner ±1 a layer: their sum plus 2
/// is a safe bound), so the result is the same as predicting the whole transposed image;
/// where the strip's edge is the image's own edge, both replicate it. The halo is paid for
/// every band: at ×4, bands of 128 input rows, a strip costs about an eighth more than one of
/// the upright orientations (162 rows against 128 plus the refiner's 16).
struct TransposedStrip {
    /// Upright rows the strip holds: its columns.
    let held: Range<Int>
    let orientations: [OrientedLuma]

    /// Upright rows beyond a band that can reach its prediction, with a margin (17 at ×4).
    static func halo(bank: FilterBank, refiner: Refiner?) -> Int {
        bank.taps / 2 + 3 + (refiner?.depth ?? 0) + 2
    }

    /// `luma` is the upright image, `width × height`.
    init(luma: UnsafePointer<Float>, width w: Int, height h: Int, rows: Range<Int>, bank: FilterBank, refiner: Refiner?) {
        let halo = TransposedStrip.halo(bank: bank, refiner: refiner)
        held = max(rows.lowerBound - halo, 0)..<min(rows.upperBound + halo, h)
        let sw = held.count
        var strip = [Float](repeating: 0, count: w * sw)
        for (j, y) in held.enumerated() {
            let src = luma + y * w
            for x in 0..<w { strip[x * sw + j] = src[x] }
        }
        orientations = [(false, false), (true, false), (false, true), (true, true)].map {
            OrientedLuma(luma: strip, width: sw, height: w, flipX: $0.0, flipY: $0.1, bank: bank)
        }
    }

    /// Adds the four predictions for upright `rows`, mapped back upright (pixels and phases
    /// transposed), into `sum`: `rows.count × width` pixels of `bank.lanes` floats.
    func accumulate(rows: Range<Int>, into sum: UnsafeMutablePointer<Float>, bank: FilterBank, refiner: Refiner?) {
        let s = bank.scale, lanes = bank.lanes, sw = held.count, w = orientations[0].height
        var strip = [Float](repeating: 0, count: w * sw * lanes)
        strip.withUnsafeMutableBufferPointer { sp in
            for o in orientations {
                let p = o.prediction(rows: 0..<w, bank: bank, refiner: refiner)
                o.accumulate(p, rows: w, into: sp.baseAddress!, scale: s, lanes: lanes)
            }
            for (i, y) in rows.enumerated() {
                let column = y - held.lowerBound
                for x in 0..<w {
                    let d = sum + (i * w + x) * lanes, q = sp.baseAddress! + (x * sw + column) * lanes
                    for dy in 0..<s {
                        for dx in 0..<s { d[dy * s + dx] += q[dx * s + dy] }
                    }
                }
            }
        }
    }
}
