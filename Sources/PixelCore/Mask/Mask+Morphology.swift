import Foundation

extension Mask {
    /// Dilates the edit area by `pixels` (a round brush): every pixel within `pixels` of a pixel
    /// at 128 or above becomes 255, with a one-pixel anti-aliased rim. Uses an exact Euclidean
    /// distance transform over the mask's bounding box plus the growth, not the whole frame.
    public func grown(by pixels: Int) -> Mask {
        guard pixels > 0, let bbox = boundingBox(above: 127) else { return self }
        let box = bbox.expanded(by: pixels + 1, within: width, height)
        let w = box.width, h = box.height
        var seed = [Bool](repeating: false, count: w * h)
        for y in 0..<h { for x in 0..<w { seed[y * w + x] = values[(box.y + y) * width + box.x + x] >= 128 } }
        let d2 = DistanceTransform.squaredDistance(to: seed, width: w, height: h)
        var out = values
        let r = Double(pixels)
        for y in 0..<h {
            for x in 0..<w {
                let d = d2[y * w + x].squareRoot()
                let cover = min(1, max(0, r + 0.5 - d))
                let v = UInt8((cover * 255).rounded())
                let i = (box.y + y) * width + box.x + x
                if v > out[i] { out[i] = v }
            }
        }
        return Mask(width: width, height: height, values: out)
    }

    /// Softens the edges with a Gaussian of sigma = `pixels` / 2 (the ramp is about `pixels`
    /// wide on each side of the edge). Only the bounding box plus the kernel is touched.
    public func feathered(by pixels: Int) -> Mask {
        guard pixels > 0, let bbox = boundingBox() else { return self }
        let sigma = Double(pixels) / 2
        let radius = Int(ceil(3 * sigma))
        let box = bbox.expanded(by: radius, within: width, height)
        var kernel = (-radius...radius).map { exp(-Double($0 * $0) / (2 * sigma * sigma)) }
        let sum = kernel.reduce(0, +)
        kernel = kernel.map { $0 / sum }
        let w = box.width, h = box.height
        var plane = [Double](repeating: 0, count: w * h)
        for y in 0..<h { for x in 0..<w { plane[y * w + x] = Double(values[(box.y + y) * width + box.x + x]) } }
        // Outside the box the mask is 0 (the box holds every non-zero pixel plus the kernel),
        // except where the box meets the frame edge: there the edge pixel repeats.
        let touchesLeft = box.x == 0, touchesRight = box.maxX == width
        let touchesTop = box.y == 0, touchesBottom = box.maxY == height
        var tmp = [Double](repeating: 0, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                var acc = 0.0
                for k in -radius...radius {
                    var xx = x + k
                    if xx < 0 { if touchesLeft { xx = 0 } else { continue } }
                    if xx >= w { if touchesRight { xx = w - 1 } else { continue } }
                    acc += kernel[k + radius] * plane[y * w + xx]
                }
                tmp[y * w + x] = acc
            }
        }
        var out = values
        for y in 0..<h {
            for x in 0..<w {
                var acc = 0.0
                for k in -radius...radius {
                    var yy = y + k
                    if yy < 0 { if touchesTop { yy = 0 } else { continue } }
                    if yy >= h { if touchesBottom { yy = h - 1 } else { continue } }
                    acc += kernel[k + radius] * tmp[yy * w + x]
                }
                out[(box.y + y) * width + box.x + x] = UInt8(min(255, max(0, acc.rounded())))
            }
        }
        return Mask(width: width, height: height, values: out)
    }
}

/// Exact Euclidean distance transform (Felzenszwalb & Huttenlocher, 2012): two passes of the
/// 1-D lower-envelope-of-parabolas transform.
enum DistanceTransform {
    /// Squared distance from each pixel to the nearest `true` pixel (a large value when none).
    static func squaredDistance(to seed: [Bool], width w: Int, height h: Int) -> [Double] {
        let far = 1e20
        var grid = seed.map { $0 ? 0 : far }
        var f = [Double](repeating: 0, count: max(w, h))
        var d = [Double](repeating: 0, count: max(w, h))
        var v = [Int](repeating: 0, count: max(w, h))
        var z = [Double](repeating: 0, count: max(w, h) + 1)
        func pass(_ n: Int) {
            var k = 0
            v[0] = 0; z[0] = -.infinity; z[1] = .infinity
            if n > 1 {
                for q in 1..<n {
                    var s: Double
                    repeat {
                        let p = v[k]
                        s = ((f[q] + Double(q * q)) - (f[p] + Double(p * p))) / Double(2 * q - 2 * p)
                        if s <= z[k] { k -= 1 } else { break }
                    } while k >= 0
                    k += 1
                    v[k] = q; z[k] = s; z[k + 1] = .infinity
                }
            }
            k = 0
            for q in 0..<n {
                while z[k + 1] < Double(q) { k += 1 }
                let p = v[k]
                d[q] = Double((q - p) * (q - p)) + f[p]
            }
        }
        for x in 0..<w {
            for y in 0..<h { f[y] = grid[y * w + x] }
            pass(h)
            for y in 0..<h { grid[y * w + x] = d[y] }
        }
        for y in 0..<h {
            for x in 0..<w { f[x] = grid[y * w + x] }
            pass(w)
            for x in 0..<w { grid[y * w + x] = d[x] }
        }
        return grid
    }
}
