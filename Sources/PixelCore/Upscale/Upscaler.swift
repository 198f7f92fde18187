import Foundation
import StetSupport

/// Enlarges an image: by the learned filter bank (`FilterBank`) and refiner (`Refiner`) on
/// luma, or by Lanczos-3.
///
/// The learned path: luma Y = 0.299 R + 0.587 G + 0.114 B is predicted by the filter bank,
/// then corrected by the small convolutional refiner bundled for that scale (if any);
/// every band (colour and alpha) is enlarged with the cubic kernel, and the colour bands get
/// the difference between the predicted luma and the cubic luma added, which is the same as
/// converting to YCbCr, enlarging Cb and Cr with the cubic kernel and converting back. Alpha
/// takes the plain cubic path. Grey images are luma only.
///
/// Which path (`plan`):
/// - `learned` and `auto` at an integer scale 2, 3 or 4 (same in both directions): the bank.
/// - `learned` and `auto` at any other enlargement up to 4×: the bank at the next integer scale
///   (at least 2), then Lanczos-3 down to the exact size.
/// - `auto` beyond 4× or not enlarging: Lanczos-3. `learned` there is a usage error.
///
/// With `preset` `.best` the learned luma is the mean of the predictions from eight
/// orientations: the image as it is and flipped three ways (`Flips`, `OrientedLuma`), and its
/// transpose likewise (`TransposedStrip`); by default (`.fast`) it is one pass. One step of
/// back-projection (`BackProjection`) at ×3 and ×4 (and at ×2 with `.best`) makes it agree
/// with the input.
///
/// Output rows are made in bands, in parallel, and each row is rounded into the output samples
/// as soon as it is made (the samples are libvips' image memory, handed over without a copy); a
/// band is at most 512 output rows with a refiner (whose context rows around each band are
/// computed twice, so its bands are taller: at ×4 this halves that waste against 256), 32
/// without, and holds its low-resolution planes and one horizontal pass of the cubic base, not
/// an output-sized float buffer. Memory is the output samples plus a few planes the size of the
/// input (four times as many with flips, and the transposes' strips, a band's worth each),
/// whatever the scale. A non-integer scale adds one float copy of the intermediate image it
/// resizes.
public struct Upscale: Sendable {
    public enum Method: String, Sendable, CaseIterable { case auto, lanczos, learned }

    public enum Plan: Equatable, Sendable {
        case lanczos
        /// The filter bank at `scale`; `resize` when Lanczos-3 then fits the exact size.
        case learned(scale: Int, resize: Bool)
    }

    public var width: Int
    public var height: Int
    public var method: Method
    /// A weights file to use instead of the bundled one (the bank alone, without the refiner).
    public var weightsPath: String?
    /// Whether the bundled refiner follows the bundled bank (the default); off, the bank alone.
    public var useRefiner: Bool
    /// Which orientations the learned path averages its prediction over (`Flips`).
    public var flips: Flips
    /// Whether the learned path back-projects its luma onto the input (`BackProjection`).
    public var backProjection: BackProjectionMode
    /// What the `auto` settings of `flips` and `backProjection` choose (`Preset`).
    public var preset: Preset
    /// Told the share of output rows done (0...1) as bands finish, from worker threads, one at
    /// a time and never going back; the last report is 1.
    public var progress: (@Sendable (Double) -> Void)? = nil
    /// The learned path's band height in output rows (its tiles: each band is computed with its
    /// own context rows, so the result does not depend on it); nil for the default (512 with a
    /// refiner, 32 without). Tests set it small.
    var bandRows: Int? = nil

    /// Back-projection (`BackProjection`): one step that corrects the enlarged luma so that it
    /// shrinks back to the input. +0.02 dB at ×4 and +0.05 dB at ×2 on the benchmark's
    /// photographs, for about 10% more time at ×2. `auto` uses it at ×3 and ×4, and at ×2 only
    /// with `preset` `.best` (×2's fast default has a speed goal: 1.5 times `vips resize`).
    public enum BackProjectionMode: String, Sendable, CaseIterable { case auto, on, off }

    /// The self-ensemble: the luma predicted from the image as it is, flipped left-right,
    /// top-bottom and both (`on`), and also from its transpose in the same four ways (`all`:
    /// the eight orientations, `TransposedStrip`), each mapped back, then averaged. The bank's
    /// and the refiner's errors are not symmetric, so they partly cancel. Four flips cost four
    /// times the learned luma work for +0.10 dB at ×4; all eight twice that again, for +0.015 dB
    /// more on the benchmark's photographs (+0.038 on the 13 they were chosen on;
    /// Tools/upscale/README.md). `auto` follows `preset`: all eight with `.best`, none with
    /// `.fast`.
    public enum Flips: String, Sendable, CaseIterable { case auto, on, all, off }

    /// What `Flips.auto` and `BackProjectionMode.auto` mean. `fast` (the default): one pass of
    /// the bank and refiner (about seven times as fast as the ensemble at ×4, 0.12 dB lower on
    /// the benchmark's photographs), back-projection at ×3 and ×4. `best`: the eight-orientation
    /// self-ensemble and back-projection at every scale.
    public enum Preset: String, Sendable, CaseIterable { case fast, best }

    public init(width: Int, height: Int, method: Method = .auto, weightsPath: String? = nil, useRefiner: Bool = true,
                flips: Flips = .auto, backProjection: BackProjectionMode = .auto, preset: Preset = .fast) {
        self.width = width; self.height = height; self.method = method; self.weightsPath = weightsPath
        self.useRefiner = useRefiner; self.flips = flips; self.backProjection = backProjection
        self.preset = preset
    }

    /// The output size for a scale, or a width or height with the aspect ratio kept.
    public static func targetSize(inWidth: Int, inHeight: Int, scale: Int? = nil, width: Int? = nil,
                                  height: Int? = nil) -> (width: Int, height: Int) {
        if let scale { return (inWidth * scale, inHeight * scale) }
        if let width {
            return (width, max(1, Int((Double(inHeight) * Double(width) / Double(inWidth)).rounded())))
        }
        if let height {
            return (max(1, Int((Double(inWidth) * Double(height) / Double(inHeight)).rounded())), height)
        }
        return (inWidth, inHeight)
    }

    public static func plan(method: Method, inWidth: Int, inHeight: Int, outWidth: Int, outHeight: Int) throws -> Plan {
        if method == .lanczos { return .lanczos }
        for k in 2...4 where outWidth == inWidth * k && outHeight == inHeight * k {
            return .learned(scale: k, resize: false)
        }
        let scale = max(Double(outWidth) / Double(inWidth), Double(outHeight) / Double(inHeight))
        if scale > 1 && scale <= 4 {
            return .learned(scale: max(2, Int((scale - 1e-9).rounded(.up))), resize: true)
        }
        if method == .auto { return .lanczos }
        throw StetError.usage("Expected an enlargement of more than 1x and at most 4x for \(Hint.method) learned but received \(String(format: "%.3g", scale))x; use \(Hint.method) lanczos")
    }

    /// Whether the learned path at `scale` runs the refiner: when asked, when one is bundled for
    /// that scale, and only after the bundled bank (the refiner was trained on its output).
    public func refines(scale: Int) -> Bool {
        useRefiner && weightsPath == nil && Refiner.bundledPath(scale: scale) != nil
    }

    /// Whether the learned path at `scale` averages over the four flips (`Flips`).
    public func averagesFlips(scale: Int) -> Bool {
        switch flips {
        case .on, .all: return true
        case .off: return false
        case .auto: return preset == .best
        }
    }

    /// Whether the learned path at `scale` also averages over the transpose's four flips.
    public func transposes(scale: Int) -> Bool {
        switch flips {
        case .all: return true
        case .on, .off: return false
        case .auto: return preset == .best
        }
    }

    /// Whether the learned path at `scale` back-projects (`BackProjectionMode`).
    public func backProjects(scale: Int) -> Bool {
        switch backProjection {
        case .on: return true
        case .off: return false
        case .auto: return scale >= 3 || preset == .best
        }
    }

    /// The path for `image` as it stands upright (EXIF orientation applied).
    public func plan(for image: Image) throws -> Plan {
        let upright = image.uprightSize
        return try Upscale.plan(method: method, inWidth: upright.width, inHeight: upright.height, outWidth: width,
                                outHeight: height)
    }

    /// Runs the enlargement now and returns the result, upright, in the input's depth (8 or 16
    /// bits) and colour space (grey or sRGB, with or without alpha). `width` and `height` are
    /// the upright output size.
    public func run(_ image: Image) throws -> Image {
        let plan = try self.plan(for: image)
        var bank: FilterBank? = nil, refiner: Refiner? = nil
        if case .learned(let k, _) = plan {
            bank = try FilterBank.load(scale: k, path: weightsPath)
            if refines(scale: k) { refiner = try Refiner.bundled(scale: k) }
        }
        let source = try PixelBuffer(image)
        switch plan {
        case .lanczos:
            let done = RowProgress(total: height, report: progress)
            return try source.resampledImage(width: width, height: height, kernel: .lanczos3, done: done)
        case .learned(let k, let resize):
            let pass = LearnedPass(source: source, bank: bank!, refiner: refiner, flips: averagesFlips(scale: k),
                                   transposes: transposes(scale: k), backProjection: backProjects(scale: k))
            if resize {
                // The learned rows, then the Lanczos rows, one count.
                let done = RowProgress(total: pass.outHeight + height, report: progress)
                return try pass.render(done: done).resampledImage(width: width, height: height, kernel: .lanczos3, done: done)
            }
            // Straight to output samples, band by band: no full-size float copy. Bands are
            // taller with a refiner, whose context rows around each band are computed twice.
            let done = RowProgress(total: pass.outHeight, report: progress)
            let rows = bandRows ?? (refiner == nil ? 32 : 512)
            return try source.image(width: pass.outWidth, height: pass.outHeight, granularity: k,
                                    maximumRows: rows, minimumRows: bandRows ?? 2 * k) { rows, emit in
                pass.render(lowResRows: (rows.lowerBound / k)..<(rows.upperBound / k), emit: emit)
                done.add(rows.count)
            }
        }
    }
}

/// Interleaved float pixels in 0...1, with the depth and colour space to write them back in.
struct PixelBuffer: @unchecked Sendable {
    var width: Int, height: Int, channels: Int
    var sixteenBit: Bool
    var interpretation: Interpretation
    var hasAlpha: Bool
    var data: [Float]

    var colourChannels: Int { channels - (hasAlpha ? 1 : 0) }

    init(width: Int, height: Int, like other: PixelBuffer, data: [Float]) {
        self.width = width; self.height = height; channels = other.channels
        sixteenBit = other.sixteenBit; interpretation = other.interpretation; hasAlpha = other.hasAlpha
        self.data = data
    }

    /// Decodes `image` (upright) to floats. 8- and 16-bit grey and sRGB, with or without alpha,
    /// are kept as they are; anything else (CMYK, float, other spaces) becomes 8-bit sRGB.
    init(_ image: Image) throws {
        var img = try image.autorotated()
        let keep16 = img.format == .ushort && [.rgb16, .grey16].contains(img.interpretation) && img.bands <= 4
        let keep8 = img.format == .uchar && [.srgb, .bw].contains(img.interpretation) && img.bands <= 4
        if !(keep16 || keep8) { img = try img.normalizedToSRGB8() }
        width = img.width; height = img.height; channels = img.bands
        sixteenBit = img.format == .ushort
        interpretation = img.interpretation
        hasAlpha = channels == 2 || channels == 4
        let count = width * height * channels
        var values = uninitialisedFloats(count)
        let sixteen = sixteenBit, rowSamples = width * channels, rowCount = height
        try img.withPixels { raw in
            values.withUnsafeMutableBufferPointer { vb in
                let v = SendablePointer(vb.baseAddress!)
                parallelRows(rowCount, maximumBand: 128) { rows in
                    let range = (rows.lowerBound * rowSamples)..<(rows.upperBound * rowSamples)
                    if sixteen {
                        let p = raw.bindMemory(to: UInt16.self)
                        for i in range { v.p[i] = Float(p[i]) * (1 / 65535) }
                    } else {
                        let p = raw.bindMemory(to: UInt8.self)
                        for i in range { v.p[i] = Float(p[i]) * (1 / 255) }
                    }
                }
            }
        }
        data = values
    }

    /// Resampled with `kernel` straight into an image, in parallel bands; `done` counts the rows.
    func resampledImage(width: Int, height: Int, kernel: Resampler.Kernel, done: RowProgress? = nil) throws -> Image {
        let r = Resampler(inWidth: self.width, inHeight: self.height, outWidth: width, outHeight: height,
                          channels: channels, kernel: kernel)
        return try data.withUnsafeBufferPointer { src in
            try image(width: width, height: height) { rows, emit in
                r.resample(rows: rows, input: src.baseAddress!, emit: emit)
                done?.add(rows.count)
            }
        }
    }

    /// An image of this buffer's depth, bands and colour space, whose float rows `render`
    /// makes in parallel bands (row ranges aligned to `granularity`). `render(rows, emit)` hands
    /// each row to `emit(i, row)` (row `rows.lowerBound + i`, `width × channels` floats in
    /// 0...1), which rounds it into the output samples at once; the samples are written in
    /// place into the memory the image then owns (no copy, no band-sized float buffer).
    func image(width: Int, height: Int, granularity: Int = 1, maximumRows: Int = 32, minimumRows: Int? = nil,
               render: (Range<Int>, (Int, UnsafeMutablePointer<Float>) -> Void) -> Void) throws -> Image {
        let rowSamples = width * channels
        let sixteen = sixteenBit
        let made = try Image.fromPixels(width: width, height: height, bands: channels,
                                        format: sixteen ? .ushort : .uchar) { raw in
            guard rowSamples > 0, height > 0 else { return }
            let base = SendablePointer(raw.baseAddress!.assumingMemoryBound(to: UInt8.self))
            parallelRows(height / granularity, minimumBand: max(1, (minimumRows ?? 2 * granularity) / granularity),
                         maximumBand: max(1, maximumRows / granularity)) { units in
                let rows = (units.lowerBound * granularity)..<(units.upperBound * granularity)
                // Rounded as UInt8(v * 255 + 0.5) would (v clamped to 0...1), without its trap
                // checks, which kept the loop from being vectorised: the integer part of a float
                // under 2²³ is the low bits of its sum with 2²³.
                render(rows) { i, row in
                    let start = (rows.lowerBound + i) * rowSamples
                    if sixteen {
                        let dst = UnsafeMutableRawPointer(base.p).assumingMemoryBound(to: UInt16.self) + start
                        for j in 0..<rowSamples {
                            let q = (min(max(row[j], 0), 1) * 65535 + 0.5).rounded(.down) + 8_388_608
                            dst[j] = UInt16(truncatingIfNeeded: q.bitPattern)
                        }
                    } else {
                        let dst = base.p + start
                        for j in 0..<rowSamples {
                            let q = (min(max(row[j], 0), 1) * 255 + 0.5).rounded(.down) + 8_388_608
                            dst[j] = UInt8(truncatingIfNeeded: q.bitPattern)
                        }
                    }
                }
            }
        }
        return try made.copyInterpretation(interpretation)
    }
}

/// An array of `count` floats left uninitialised, for buffers that are written whole before
/// they are read (zero-filling them cost a measurable share of an upscale).
@inline(__always)
func uninitialisedFloats(_ count: Int) -> [Float] {
    [Float](unsafeUninitializedCapacity: count) { _, initialised in initialised = count }
}

/// The filter bank (and refiner) applied to one image: its luma in one orientation, or in all
/// four (`flips`), and the cubic base for colour.
final class LearnedPass: @unchecked Sendable {
    let source: PixelBuffer
    let bank: FilterBank
    let refiner: Refiner?
    let scale: Int
    /// The upright orientation first; with flips, also left-right, top-bottom and both.
    let orientations: [OrientedLuma]
    let base: Resampler
    /// Whether the transpose's four flips join the average (`TransposedStrip`).
    let transposes: Bool
    /// Back-projection of the prediction onto the input (`Upscale.backProjection`), if on.
    let backProjection: BackProjection?

    init(source: PixelBuffer, bank: FilterBank, refiner: Refiner? = nil, flips: Bool = false, transposes: Bool = false,
         backProjection: Bool = false) {
        self.source = source; self.bank = bank; self.refiner = refiner; scale = bank.scale
        self.transposes = transposes
        self.backProjection = backProjection ? BackProjection(scale: bank.scale, width: source.width, height: source.height) : nil
        let w = source.width, h = source.height, ch = source.channels
        var luma = uninitialisedFloats(w * h)
        let colour = source.colourChannels >= 3
        source.data.withUnsafeBufferPointer { s in
            luma.withUnsafeMutableBufferPointer { lb in
                let l = SendablePointer(lb.baseAddress!), src = s.baseAddress!
                parallelRows(h, maximumBand: 128) { rows in
                    for i in (rows.lowerBound * w)..<(rows.upperBound * w) {
                        let p = src + i * ch
                        l.p[i] = colour ? 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2] : p[0]
                    }
                }
            }
        }
        let mirrors = flips ? [(false, false), (true, false), (false, true), (true, true)] : [(false, false)]
        orientations = mirrors.map { OrientedLuma(luma: luma, width: w, height: h, flipX: $0.0, flipY: $0.1, bank: bank) }
        base = Resampler(inWidth: w, inHeight: h, outWidth: w * scale, outHeight: h * scale,
                         channels: ch, kernel: .cubic)
    }

    var outWidth: Int { source.width * scale }
    var outHeight: Int { source.height * scale }

    /// The whole enlarged image, made in parallel bands of low-resolution rows; `done` counts
    /// the output rows.
    func render(done: RowProgress? = nil) -> PixelBuffer {
        let s = scale, outW = source.width * s, outH = source.height * s, ch = source.channels
        var out = uninitialisedFloats(outW * outH * ch)
        out.withUnsafeMutableBufferPointer { dst in
            let d = SendablePointer(dst.baseAddress!)
            parallelRows(source.height, minimumBand: 4) { lrRows in
                let hr = (lrRows.lowerBound * s)..<(lrRows.upperBound * s)
                self.render(lowResRows: lrRows, into: d.p + hr.lowerBound * outW * ch)
                done?.add(hr.count)
            }
        }
        return PixelBuffer(width: outW, height: outH, like: source, data: out)
    }

    /// The luma prediction for `rows`, `bank.lanes` floats per low-resolution pixel: the
    /// upright orientation's, or the mean of the four flips' (and the transpose's four flips')
    /// mapped back upright (`Upscale.Flips`).
    func prediction(rows: Range<Int>) -> [Float] {
        let upright = orientations[0]
        var sum = upright.prediction(rows: rows, bank: bank, refiner: refiner)
        let count = orientations.count * (transposes ? 2 : 1)
        guard count > 1 else { return sum }
        sum.withUnsafeMutableBufferPointer { sp in
            for o in orientations.dropFirst() {
                let p = o.prediction(rows: o.rows(holding: rows), bank: bank, refiner: refiner)
                o.accumulate(p, rows: rows.count, into: sp.baseAddress!, scale: scale, lanes: bank.lanes)
            }
            if transposes {
                let strip = upright.luma.withUnsafeBufferPointer {
                    TransposedStrip(luma: $0.baseAddress!, width: source.width, height: source.height, rows: rows,
                                    bank: bank, refiner: refiner)
                }
                strip.accumulate(rows: rows, into: sp.baseAddress!, bank: bank, refiner: refiner)
            }
            let k = 1 / Float(count)
            for i in 0..<sp.count { sp[i] *= k }
        }
        return sum
    }

    /// The enlarged luma of output rows `rows × scale`, `width × scale` floats a row: the
    /// prediction kept within the de-ringing range (`OrientedLuma.rangeLow`/`rangeHigh`); with
    /// back-projection, then corrected and kept within that range widened by
    /// `BackProjection.extraMargin`.
    func luma(lowResRows rows: Range<Int>) -> [Float] {
        guard let backProjection else {
            var luma = plane(prediction(rows: rows), rows: rows)
            clamp(&luma, rows: rows, extraMargin: 0)
            return luma
        }
        let predRows = backProjection.predictionRows(for: rows)
        var predicted = plane(prediction(rows: predRows), rows: predRows)
        clamp(&predicted, rows: predRows, extraMargin: 0)
        var corrected = orientations[0].luma.withUnsafeBufferPointer {
            backProjection.corrected(predicted, predictionRows: predRows, luma: $0.baseAddress!, rows: rows)
        }
        clamp(&corrected, rows: rows, extraMargin: BackProjection.extraMargin)
        return corrected
    }

    /// Output rows `rows × scale` as a plane, from a prediction of `bank.lanes` floats per
    /// input pixel (phase dy·s+dx).
    private func plane(_ prediction: [Float], rows: Range<Int>) -> [Float] {
        let s = scale, w = source.width, outW = w * s, lanes = bank.lanes
        var out = uninitialisedFloats(rows.count * s * outW)
        prediction.withUnsafeBufferPointer { pp in
            out.withUnsafeMutableBufferPointer { op in
                for i in 0..<(rows.count * s) {
                    let dst = op.baseAddress! + i * outW, src = pp.baseAddress! + (i / s) * w * lanes + (i % s) * s
                    for lx in 0..<w {
                        for dx in 0..<s { dst[lx * s + dx] = src[lx * lanes + dx] }
                    }
                }
            }
        }
        return out
    }

    /// Keeps a plane of output rows `rows × scale` within each input pixel's de-ringing range
    /// widened by `extraMargin`.
    private func clamp(_ plane: inout [Float], rows: Range<Int>, extraMargin: Float) {
        let s = scale, w = source.width, outW = w * s, upright = orientations[0]
        plane.withUnsafeMutableBufferPointer { pp in
          upright.rangeLow.withUnsafeBufferPointer { lowp in
          upright.rangeHigh.withUnsafeBufferPointer { highp in
            for ly in rows {
                for dy in 0..<s {
                    let row = pp.baseAddress! + ((ly - rows.lowerBound) * s + dy) * outW
                    for lx in 0..<w {
                        let low = lowp[ly * w + lx] - extraMargin, high = highp[ly * w + lx] + extraMargin
                        for dx in 0..<s { row[lx * s + dx] = min(max(row[lx * s + dx], low), high) }
                    }
                }
            }
          }
          }
        }
    }

    /// Rows `lowResRows × scale` of the output, into `out`, clipped to 0...1.
    func render(lowResRows: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        let rowLength = source.width * scale * source.channels
        render(lowResRows: lowResRows) { i, row in (out + i * rowLength).update(from: row, count: rowLength) }
    }

    /// Rows `lowResRows × scale` of the output, clipped to 0...1, one at a time: `emit(i, row)`
    /// gets output row `lowResRows.lowerBound × scale + i` (`width × scale × channels` floats,
    /// in a buffer the next row reuses). The cubic base is made row by row from one horizontal
    /// pass, and without back-projection each luma row is spread out of the prediction and
    /// clamped where it is used, so a band holds no output-sized plane.
    func render(lowResRows: Range<Int>, emit: (Int, UnsafeMutablePointer<Float>) -> Void) {
        let s = scale, w = source.width, ch = source.channels, lanes = bank.lanes
        let outW = w * s
        let hr = (lowResRows.lowerBound * s)..<(lowResRows.upperBound * s)
        // With back-projection, the corrected luma plane; without, the prediction, spread and
        // clamped row by row below as `plane` and `clamp` would (the same floats).
        let spreads = backProjection == nil
        let values = spreads ? prediction(rows: lowResRows) : luma(lowResRows: lowResRows)
        let colour = source.colourChannels
        let lumaRow = UnsafeMutablePointer<Float>.allocate(capacity: outW)
        defer { lumaRow.deallocate() }
        let upright = orientations[0]
        source.data.withUnsafeBufferPointer { src in
          values.withUnsafeBufferPointer { lp in
          upright.rangeLow.withUnsafeBufferPointer { lowp in
          upright.rangeHigh.withUnsafeBufferPointer { highp in
            base.resample(rows: hr, input: src.baseAddress!) { i, row in
                let lumaRowPointer: UnsafePointer<Float>
                if spreads {
                    let ly = lowResRows.lowerBound + i / s, dy = i % s
                    let from = lp.baseAddress! + (i / s) * w * lanes + dy * s
                    let low = lowp.baseAddress! + ly * w, high = highp.baseAddress! + ly * w
                    for lx in 0..<w {
                        let lo = low[lx], hi = high[lx]
                        for dx in 0..<s { lumaRow[lx * s + dx] = min(max(from[lx * lanes + dx], lo), hi) }
                    }
                    lumaRowPointer = UnsafePointer(lumaRow)
                } else {
                    lumaRowPointer = lp.baseAddress! + i * outW
                }
                for x in 0..<outW {
                    let p = lumaRowPointer[x], px = row + x * ch
                    if colour >= 3 {
                        let delta = p - (0.299 * px[0] + 0.587 * px[1] + 0.114 * px[2])
                        px[0] = min(max(px[0] + delta, 0), 1)
                        px[1] = min(max(px[1] + delta, 0), 1)
                        px[2] = min(max(px[2] + delta, 0), 1)
                    } else {
                        px[0] = min(max(p, 0), 1)
                    }
                    if colour < ch { px[colour] = min(max(px[colour], 0), 1) }
                }
                emit(i, row)
            }
          }
          }
          }
        }
    }
}

/// Counts finished rows across bands and reports the share done: never less than the share
/// reported before it (reports are made under the lock, in order), and 1 when every row is done.
final class RowProgress: @unchecked Sendable {
    private let total: Int
    private let report: (@Sendable (Double) -> Void)?
    private var done = 0
    private let lock = NSLock()
    init(total: Int, report: (@Sendable (Double) -> Void)?) { self.total = max(total, 1); self.report = report }
    func add(_ rows: Int) {
        guard let report else { return }
        lock.lock(); defer { lock.unlock() }
        done += rows
        report(min(Double(done) / Double(total), 1))
    }
}
