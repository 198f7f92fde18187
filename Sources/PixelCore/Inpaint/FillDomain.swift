/// The pixels one fill works on: a box of the image as float RGBA (all channels in one
/// `SIMD4<Float>`, so every step runs on the four bands at once), with the pixels to be filled
/// marked unknown. Fills run on domains, never on the whole frame.
struct FillDomain: Sendable {
    var width: Int
    var height: Int
    var pixels: [SIMD4<Float>]
    /// true where the value is given (outside the hole).
    var known: [Bool]
    /// `holeDepth`, once measured for this level (copies of the domain share it).
    var measuredDepth: Double?

    init(width: Int, height: Int, pixels: [SIMD4<Float>], known: [Bool]) {
        self.width = width; self.height = height; self.pixels = pixels; self.known = known
    }

    /// The box of `raster` with every pixel whose mask value is above 0 unknown.
    init(raster: PixelRaster, mask: Mask, box: Rect) {
        width = box.width; height = box.height
        pixels = [SIMD4<Float>](repeating: .zero, count: box.width * box.height)
        known = [Bool](repeating: true, count: box.width * box.height)
        let b = raster.bands
        for y in 0..<box.height {
            for x in 0..<box.width {
                let src = (box.y + y) * raster.width + box.x + x
                var v = SIMD4<Float>.zero
                for c in 0..<b { v[c] = Float(raster.bytes[src * b + c]) }
                pixels[y * width + x] = v
                known[y * width + x] = mask.values[src] == 0
            }
        }
    }

    var unknownCount: Int { known.reduce(0) { $0 + ($1 ? 0 : 1) } }

    /// Measures the hole's depth once, so later fills of this domain (or copies) reuse it.
    mutating func measureDepth() { measuredDepth = nil; measuredDepth = holeDepth }

    /// Half size: a coarse pixel averages its (up to four) children and is known only when
    /// all of them are.
    func downsampled() -> FillDomain {
        let cw = (width + 1) / 2, ch = (height + 1) / 2
        var px = [SIMD4<Float>](repeating: .zero, count: cw * ch)
        var kn = [Bool](repeating: false, count: cw * ch)
        for y in 0..<ch {
            for x in 0..<cw {
                var sum = SIMD4<Float>.zero, n: Float = 0, allKnown = true, knownSum = SIMD4<Float>.zero, nk: Float = 0
                for dy in 0..<2 {
                    let yy = 2 * y + dy
                    if yy >= height { continue }
                    for dx in 0..<2 {
                        let xx = 2 * x + dx
                        if xx >= width { continue }
                        let i = yy * width + xx
                        sum += pixels[i]; n += 1
                        if known[i] { knownSum += pixels[i]; nk += 1 } else { allKnown = false }
                    }
                }
                px[y * cw + x] = allKnown ? sum / n : (nk > 0 ? knownSum / nk : .zero)
                kn[y * cw + x] = allKnown
            }
        }
        return FillDomain(width: cw, height: ch, pixels: px, known: kn)
    }

    /// Fills this level's unknown pixels by bilinear interpolation of a coarser level's result.
    mutating func initialiseUnknowns(from coarse: FillDomain) {
        for y in 0..<height {
            for x in 0..<width where !known[y * width + x] {
                pixels[y * width + x] = coarse.bilinear((Float(x) + 0.5) / 2 - 0.5, (Float(y) + 0.5) / 2 - 0.5)
            }
        }
    }

    func bilinear(_ fx: Float, _ fy: Float) -> SIMD4<Float> {
        let x = min(max(fx, 0), Float(width - 1)), y = min(max(fy, 0), Float(height - 1))
        let x0 = Int(x), y0 = Int(y)
        let x1 = min(x0 + 1, width - 1), y1 = min(y0 + 1, height - 1)
        let ax = x - Float(x0), ay = y - Float(y0)
        let top = pixels[y0 * width + x0] * (1 - ax) + pixels[y0 * width + x1] * ax
        let bottom = pixels[y1 * width + x0] * (1 - ax) + pixels[y1 * width + x1] * ax
        return top * (1 - ay) + bottom * ay
    }

    /// The smallest box holding every unknown pixel, grown by `pad` within the domain.
    func holeBox(pad: Int) -> Rect? {
        var x0 = width, y0 = height, x1 = -1, y1 = -1
        for y in 0..<height {
            for x in 0..<width where !known[y * width + x] {
                x0 = min(x0, x); x1 = max(x1, x); y0 = min(y0, y); y1 = max(y1, y)
            }
        }
        guard x1 >= 0 else { return nil }
        return Rect(x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1).expanded(by: pad, within: width, height)
    }

    /// Largest distance (in pixels) from an unknown pixel to the nearest known one. The
    /// transform runs on the hole's box plus one pixel: the nearest known pixel is always there.
    var holeDepth: Double {
        if let measuredDepth { return measuredDepth }
        guard let box = holeBox(pad: 1) else { return 0 }
        var seed = [Bool](repeating: false, count: box.width * box.height)
        for y in 0..<box.height { for x in 0..<box.width { seed[y * box.width + x] = known[(box.y + y) * width + box.x + x] } }
        let d2 = DistanceTransform.squaredDistance(to: seed, width: box.width, height: box.height)
        var worst = 0.0
        for i in 0..<d2.count where !seed[i] { worst = max(worst, d2[i]) }
        return worst.squareRoot()
    }
}
