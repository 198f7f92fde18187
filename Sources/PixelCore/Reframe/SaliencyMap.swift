import Foundation
import StetSupport

/// Where the subject is: a grid of non-negative weights over the whole source (at the size of
/// a small analysis copy), with a summed-area table so any window's salient mass is O(1).
///
/// Two measures, both computed here from the analysis copy's CIELAB pixels:
/// - `attention`, after libvips' smartcrop attention: local edge density of L, colour
///   distinctness (centre against surround), saturation, and skin-like hues. Each cue is
///   scaled by its own 99th percentile (with a floor, so a flat image does not turn noise into
///   a subject), the sum is blurred, and the median (the background level) is subtracted, so
///   the mass that remains is what stands out from the background.
/// - `entropy`, after libvips' smartcrop entropy: the Shannon entropy of L (16 levels) in a
///   local window, with its median subtracted likewise.
///
/// A map with no mass at all (a flat image) means nothing salient can be lost: every window
/// keeps a share of 1.
public struct SaliencyMap: Sendable {
    public enum Measure: String, Sendable, Codable, CaseIterable { case attention, entropy }

    public let width: Int
    public let height: Int
    public let values: [Float]
    public let table: SummedAreaTable

    /// The long side of the analysis copy the measures run on.
    public static let analysisLongSide = 320

    public init(width: Int, height: Int, values: [Float]) {
        precondition(width > 0 && height > 0 && values.count == width * height)
        self.width = width
        self.height = height
        self.values = values.map { $0.isFinite ? max(0, $0) : 0 }
        self.table = SummedAreaTable(width: width, height: height, values: self.values)
    }

    public var total: Double { table.total }

    /// Salient mass inside `rect` given in the coordinates of a `sourceWidth×sourceHeight` image
    /// that this map covers. Fractional edges are allowed.
    public func mass(x: Double, y: Double, width w: Double, height h: Double,
                     sourceWidth: Int, sourceHeight: Int) -> Double {
        let sx = Double(width) / Double(sourceWidth), sy = Double(height) / Double(sourceHeight)
        return table.mass(x: x * sx, y: y * sy, width: w * sx, height: h * sy)
    }

    /// Share 0...1 of the total salient mass inside `rect` (source coordinates); 1 for an empty map.
    public func share(of rect: Rect, sourceWidth: Int, sourceHeight: Int) -> Double {
        let t = total
        guard t > 1e-9 else { return 1 }
        let m = mass(x: Double(rect.x), y: Double(rect.y), width: Double(rect.width), height: Double(rect.height),
                     sourceWidth: sourceWidth, sourceHeight: sourceHeight)
        return min(1, m / t)
    }

    /// Mass-weighted centre of the map (or of `rect`'s part of it), in source coordinates.
    public func centroid(in rect: Rect? = nil, sourceWidth: Int, sourceHeight: Int) -> (x: Double, y: Double) {
        let sx = Double(sourceWidth) / Double(width), sy = Double(sourceHeight) / Double(height)
        var x0 = 0, y0 = 0, x1 = width, y1 = height
        if let r = rect {
            x0 = max(0, Int(Double(r.x) / sx)); y0 = max(0, Int(Double(r.y) / sy))
            x1 = min(width, Int((Double(r.x + r.width) / sx).rounded(.up)))
            y1 = min(height, Int((Double(r.y + r.height) / sy).rounded(.up)))
        }
        var m = 0.0, mx = 0.0, my = 0.0
        if x0 < x1 && y0 < y1 {
            for y in y0..<y1 {
                for x in x0..<x1 {
                    let v = Double(values[y * width + x])
                    m += v; mx += v * (Double(x) + 0.5); my += v * (Double(y) + 0.5)
                }
            }
        }
        guard m > 1e-9 else {
            if let r = rect { return (Double(r.x) + Double(r.width) / 2, Double(r.y) + Double(r.height) / 2) }
            return (Double(sourceWidth) / 2, Double(sourceHeight) / 2)
        }
        return (mx / m * sx, my / m * sy)
    }

    /// The map as a one-band 8-bit image (its peak at 255), to see what was taken for the subject.
    public func visualised() throws -> Image {
        let peak = max(values.max() ?? 0, 1e-9)
        let bytes = values.map { UInt8(min(255, max(0, ($0 / peak * 255).rounded()))) }
        return try Image.fromPixels(bytes, width: width, height: height, bands: 1).copyInterpretation(.bw)
    }

    /// The map in grey with each face's box outlined in green (faces in the coordinates of a
    /// `sourceWidth×sourceHeight` source), to see what was taken for the subject and the people.
    public func visualised(faces: [DetectedFace], sourceWidth: Int, sourceHeight: Int) throws -> Image {
        guard !faces.isEmpty else { return try visualised() }
        let peak = max(values.max() ?? 0, 1e-9)
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            let v = UInt8(min(255, max(0, (values[i] / peak * 255).rounded())))
            rgb[3 * i] = v; rgb[3 * i + 1] = v; rgb[3 * i + 2] = v
        }
        let sx = Double(width) / Double(sourceWidth), sy = Double(height) / Double(sourceHeight)
        let thick = max(1, min(width, height) / 160)
        for f in faces {
            let x0 = max(0, Int(Double(f.box.x) * sx)), y0 = max(0, Int(Double(f.box.y) * sy))
            let x1 = min(width - 1, Int(Double(f.box.x + f.box.width) * sx)), y1 = min(height - 1, Int(Double(f.box.y + f.box.height) * sy))
            guard x0 <= x1, y0 <= y1 else { continue }
            for y in y0...y1 {
                for x in x0...x1 where x - x0 < thick || x1 - x < thick || y - y0 < thick || y1 - y < thick {
                    rgb[3 * (y * width + x)] = 0; rgb[3 * (y * width + x) + 1] = 255; rgb[3 * (y * width + x) + 2] = 0
                }
            }
        }
        return try Image.fromPixels(rgb, width: width, height: height, bands: 3).copyInterpretation(.srgb)
    }

    // MARK: - Computing the measures

    /// A small copy of `image` (long side at most `analysisLongSide`) for analysis.
    public static func analysisCopy(of image: Image, longSide: Int = analysisLongSide) throws -> Image {
        var small = image
        if small.bands > 3 { small = try small.band(0, count: 3) }
        let long = max(small.width, small.height)
        if long > longSide {
            small = try small.resized(scale: Double(longSide) / Double(long))
        }
        return try small.materialized()
    }

    /// Computes `measure` for `image` (any size; it makes its own analysis copy).
    public static func compute(_ measure: Measure, for image: Image) throws -> SaliencyMap {
        let small = try analysisCopy(of: image)
        let lab = try small.colourspace(.lab).cast(.float)
        let bytes = try lab.pixels()
        let w = lab.width, h = lab.height
        var interleaved = [Float](repeating: 0, count: w * h * 3)
        guard bytes.count == interleaved.count * 4 else {
            throw StetError.operation("saliency", "unexpected analysis buffer of \(bytes.count) bytes")
        }
        interleaved.withUnsafeMutableBytes { dst in bytes.withUnsafeBytes { src in dst.copyMemory(from: src) } }
        var L = [Float](repeating: 0, count: w * h), A = L, B = L
        for i in 0..<(w * h) {
            L[i] = interleaved[i * 3]; A[i] = interleaved[i * 3 + 1]; B[i] = interleaved[i * 3 + 2]
        }
        let values: [Float]
        switch measure {
        case .attention: values = attention(L: L, A: A, B: B, width: w, height: h)
        case .entropy: values = entropy(L: L, width: w, height: h)
        }
        return SaliencyMap(width: w, height: h, values: values)
    }

    static func attention(L: [Float], A: [Float], B: [Float], width w: Int, height h: Int) -> [Float] {
        let n = w * h
        let sigma = Float(max(w, h)) * 0.012
        // Smooth the colour planes a little so single-pixel noise is no subject.
        let Ls = gaussianBlur(L, width: w, height: h, sigma: 1), As = gaussianBlur(A, width: w, height: h, sigma: 1)
        let Bs = gaussianBlur(B, width: w, height: h, sigma: 1)

        // Edges: Sobel magnitude of L, then its local density.
        var edge = [Float](repeating: 0, count: n)
        if w > 2 && h > 2 {
            for y in 1..<(h - 1) {
                for x in 1..<(w - 1) {
                    let i = y * w + x
                    let gx = (Ls[i - w + 1] + 2 * Ls[i + 1] + Ls[i + w + 1]) - (Ls[i - w - 1] + 2 * Ls[i - 1] + Ls[i + w - 1])
                    let gy = (Ls[i + w - 1] + 2 * Ls[i + w] + Ls[i + w + 1]) - (Ls[i - w - 1] + 2 * Ls[i - w] + Ls[i - w + 1])
                    edge[i] = (gx * gx + gy * gy).squareRoot() / 8
                }
            }
        }
        edge = gaussianBlur(edge, width: w, height: h, sigma: sigma)

        // Colour distinctness: centre against surround (each pixel against the mean colour of
        // its wide neighbourhood), so a large plain area such as sky or ground is not a subject
        // merely because it differs from the image's average. Then saturation and skin hues.
        let surround = max(2, max(w, h) / 10)
        let Lw = boxBlur(boxBlur(Ls, width: w, height: h, radius: surround), width: w, height: h, radius: surround)
        let Aw = boxBlur(boxBlur(As, width: w, height: h, radius: surround), width: w, height: h, radius: surround)
        let Bw = boxBlur(boxBlur(Bs, width: w, height: h, radius: surround), width: w, height: h, radius: surround)
        var distinct = [Float](repeating: 0, count: n), chroma = distinct, skin = distinct
        for i in 0..<n {
            let dl = Ls[i] - Lw[i], da = As[i] - Aw[i], db = Bs[i] - Bw[i]
            distinct[i] = (0.5 * dl * dl + da * da + db * db).squareRoot()
            let c = (As[i] * As[i] + Bs[i] * Bs[i]).squareRoot()
            chroma[i] = c
            let hue = atan2(Double(Bs[i]), Double(As[i])) * 180 / .pi
            if (15...75).contains(hue), (8...55).contains(c), (25...92).contains(Ls[i]) {
                skin[i] = min(1, c / 15)
            }
        }
        let e = normalised(edge, floor: 4), d = normalised(distinct, floor: 12), s = normalised(chroma, floor: 25)
        var sum = [Float](repeating: 0, count: n)
        // Saturation and skin count where the colour also stands out locally: a field of
        // orange sand is neither a face nor a subject.
        for i in 0..<n { sum[i] = e[i] + d[i] + d[i] * (0.5 * s[i] + 0.75 * skin[i]) }
        sum = gaussianBlur(sum, width: w, height: h, sigma: sigma)
        return suppressBackground(sum)
    }

    static func entropy(L: [Float], width w: Int, height h: Int) -> [Float] {
        let bins = 16
        let radius = max(2, max(w, h) / 40)
        let stride = w + 1
        var integral = [Int32](repeating: 0, count: bins * stride * (h + 1))
        for y in 0..<h {
            var row = [Int32](repeating: 0, count: bins)
            for x in 0..<w {
                let b = min(bins - 1, max(0, Int(L[y * w + x] / 100 * Float(bins))))
                row[b] += 1
                for k in 0..<bins {
                    let base = k * stride * (h + 1)
                    integral[base + (y + 1) * stride + x + 1] = integral[base + y * stride + x + 1] + row[k]
                }
            }
        }
        var out = [Float](repeating: 0, count: w * h)
        for y in 0..<h {
            let y0 = max(0, y - radius), y1 = min(h, y + radius + 1)
            for x in 0..<w {
                let x0 = max(0, x - radius), x1 = min(w, x + radius + 1)
                let count = Float((x1 - x0) * (y1 - y0))
                var ent: Float = 0
                for k in 0..<bins {
                    let base = k * stride * (h + 1)
                    let c = integral[base + y1 * stride + x1] - integral[base + y0 * stride + x1]
                        - integral[base + y1 * stride + x0] + integral[base + y0 * stride + x0]
                    if c > 0 { let p = Float(c) / count; ent -= p * log2(p) }
                }
                out[y * w + x] = ent
            }
        }
        return suppressBackground(gaussianBlur(out, width: w, height: h, sigma: Float(max(w, h)) * 0.01))
    }

    /// Scales by the 99th percentile (at least `floor`), clamped to 0...1.
    static func normalised(_ v: [Float], floor: Float) -> [Float] {
        let scale = max(percentile(v, 0.99), floor)
        return v.map { min(1, $0 / scale) }
    }

    /// Subtracts the median (the background level) and clamps at 0.
    static func suppressBackground(_ v: [Float]) -> [Float] {
        let median = percentile(v, 0.5)
        return v.map { max(0, $0 - median) }
    }

    static func percentile(_ v: [Float], _ q: Double) -> Float {
        guard !v.isEmpty else { return 0 }
        let sorted = v.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * q))]
    }

    /// Box mean over a (2r+1)² window with clamped edges, by running sums: O(1) per pixel at
    /// any radius. Two passes approximate a wide Gaussian.
    static func boxBlur(_ v: [Float], width w: Int, height h: Int, radius r: Int) -> [Float] {
        var tmp = [Float](repeating: 0, count: v.count), out = tmp
        let span = Float(2 * r + 1)
        for y in 0..<h {
            let row = y * w
            var acc: Float = 0
            for k in -r...r { acc += v[row + min(w - 1, max(0, k))] }
            for x in 0..<w {
                tmp[row + x] = acc / span
                acc += v[row + min(w - 1, x + r + 1)] - v[row + max(0, x - r)]
            }
        }
        for x in 0..<w {
            var acc: Float = 0
            for k in -r...r { acc += tmp[min(h - 1, max(0, k)) * w + x] }
            for y in 0..<h {
                out[y * w + x] = acc / span
                acc += tmp[min(h - 1, y + r + 1) * w + x] - tmp[max(0, y - r) * w + x]
            }
        }
        return out
    }

    /// Separable Gaussian blur with clamped edges.
    static func gaussianBlur(_ v: [Float], width w: Int, height h: Int, sigma: Float) -> [Float] {
        guard sigma > 0.3 else { return v }
        let r = max(1, Int((sigma * 3).rounded(.up)))
        var kernel = (-r...r).map { exp(-Float($0 * $0) / (2 * sigma * sigma)) }
        let sum = kernel.reduce(0, +)
        kernel = kernel.map { $0 / sum }
        var tmp = [Float](repeating: 0, count: v.count), out = tmp
        for y in 0..<h {
            for x in 0..<w {
                var acc: Float = 0
                for k in -r...r { acc += kernel[k + r] * v[y * w + min(w - 1, max(0, x + k))] }
                tmp[y * w + x] = acc
            }
        }
        for y in 0..<h {
            for x in 0..<w {
                var acc: Float = 0
                for k in -r...r { acc += kernel[k + r] * tmp[min(h - 1, max(0, y + k)) * w + x] }
                out[y * w + x] = acc
            }
        }
        return out
    }
}
