import Foundation
import StetSupport

/// A shape that marks an edit area, in pixel coordinates (pixel (0,0) covers [0,1)×[0,1)).
public enum MaskShape: Sendable, Equatable {
    case rect(x: Double, y: Double, width: Double, height: Double)
    case ellipse(cx: Double, cy: Double, rx: Double, ry: Double)
    /// A closed polygon, filled with the even-odd rule.
    case polygon([SIMD2<Double>])
    /// A brush stroke: every point within `width / 2` of the polyline (round caps and joins).
    case stroke(points: [SIMD2<Double>], width: Double)

    /// Samples per pixel side for anti-aliased coverage (4×4 = 16 coverage levels).
    public static let supersampling = 4

    /// The rows this shape touches (may extend past the frame).
    var verticalExtent: ClosedRange<Double> {
        switch self {
        case let .rect(_, y, _, h): return y...(y + h)
        case let .ellipse(_, cy, _, ry): return (cy - ry)...(cy + ry)
        case let .polygon(points):
            let ys = points.map(\.y)
            return (ys.min() ?? 0)...(ys.max() ?? 0)
        case let .stroke(points, width):
            let ys = points.map(\.y)
            return ((ys.min() ?? 0) - width / 2)...((ys.max() ?? 0) + width / 2)
        }
    }

    /// The horizontal spans [a, b) of this shape on the line y = `y`.
    func spans(atY y: Double, into out: inout [(Double, Double)]) {
        switch self {
        case let .rect(x, ry, w, h):
            if y >= ry && y < ry + h && w > 0 { out.append((x, x + w)) }
        case let .ellipse(cx, cy, rx, ry):
            guard rx > 0, ry > 0 else { return }
            let d = (y - cy) / ry
            if d * d <= 1 {
                let half = rx * (1 - d * d).squareRoot()
                out.append((cx - half, cx + half))
            }
        case let .polygon(points):
            var crossings: [Double] = []
            let n = points.count
            for i in 0..<n {
                let a = points[i], b = points[(i + 1) % n]
                // Half-open rule: each vertex is counted once.
                if (a.y <= y && b.y > y) || (b.y <= y && a.y > y) {
                    crossings.append(a.x + (y - a.y) / (b.y - a.y) * (b.x - a.x))
                }
            }
            crossings.sort()
            var i = 0
            while i + 1 < crossings.count { out.append((crossings[i], crossings[i + 1])); i += 2 }
        case let .stroke(points, width):
            let r = width / 2
            guard r > 0, let first = points.first else { return }
            if points.count == 1 { MaskShape.capsuleSpan(first, first, r, y, &out); return }
            for i in 0..<(points.count - 1) { MaskShape.capsuleSpan(points[i], points[i + 1], r, y, &out) }
        }
    }

    /// The span of a capsule (segment a-b thickened by r) on line y. A capsule is convex, so its
    /// intersection with the line is one interval: the hull of the two end discs' chords and
    /// the crossings of the thickened segment's sides.
    private static func capsuleSpan(_ a: SIMD2<Double>, _ b: SIMD2<Double>, _ r: Double, _ y: Double,
                                    _ out: inout [(Double, Double)]) {
        var lo = Double.infinity, hi = -Double.infinity
        for c in [a, b] {
            let dy = y - c.y
            if dy * dy <= r * r {
                let h = (r * r - dy * dy).squareRoot()
                lo = min(lo, c.x - h); hi = max(hi, c.x + h)
            }
        }
        let d = b - a
        let len = (d.x * d.x + d.y * d.y).squareRoot()
        if len > 0 {
            let normal = SIMD2(-d.y, d.x) / len * r
            let corners = [a + normal, b + normal, b - normal, a - normal]
            for i in 0..<4 {
                let p = corners[i], q = corners[(i + 1) % 4]
                if (p.y <= y && q.y >= y) || (q.y <= y && p.y >= y) {
                    let x = p.y == q.y ? p.x : p.x + (y - p.y) / (q.y - p.y) * (q.x - p.x)
                    lo = min(lo, x); hi = max(hi, x)
                    if p.y == q.y { lo = min(lo, q.x); hi = max(hi, q.x) }
                }
            }
        }
        if lo < hi { out.append((lo, hi)) }
    }
}

extension Mask {
    /// Rasterises the union of `shapes` with anti-aliased edges: each pixel's value is the
    /// fraction of its 4×4 sub-samples inside any shape, times 255, rounded.
    public static func render(_ shapes: [MaskShape], width: Int, height: Int) -> Mask {
        let s = MaskShape.supersampling
        let samples = s * s
        var values = [UInt8](repeating: 0, count: width * height)
        guard !shapes.isEmpty else { return Mask(width: width, height: height, values: values) }
        var minY = Double.infinity, maxY = -Double.infinity
        for shape in shapes {
            let e = shape.verticalExtent
            minY = min(minY, e.lowerBound); maxY = max(maxY, e.upperBound)
        }
        // Shapes may lie far outside the frame (1e300, or an edge computed as infinity): clamp
        // in Double before converting, as Int(1e300) traps (found by Tools/fuzz).
        let rowStart = clampedIndex(floor(minY), 0, height), rowEnd = clampedIndex(ceil(maxY) + 1, 0, height)
        guard rowStart < rowEnd else { return Mask(width: width, height: height, values: values) }
        var counts = [Int](repeating: 0, count: width)
        var spans: [(Double, Double)] = []
        let sampleCols = width * s
        for y in rowStart..<rowEnd {
            for i in 0..<width { counts[i] = 0 }
            var any = false
            for sy in 0..<s {
                let py = Double(y) + (Double(sy) + 0.5) / Double(s)
                spans.removeAll(keepingCapacity: true)
                for shape in shapes { shape.spans(atY: py, into: &spans) }
                if spans.isEmpty { continue }
                spans.sort { $0.0 < $1.0 }
                // Merge overlapping spans so that a union counts each sample once.
                var merged: [(Double, Double)] = []
                for span in spans {
                    if let last = merged.last, span.0 <= last.1 {
                        merged[merged.count - 1].1 = max(last.1, span.1)
                    } else {
                        merged.append(span)
                    }
                }
                for (a, b) in merged {
                    // Sample k sits at (k + 0.5) / s; it is inside when a <= centre < b.
                    let k0 = clampedIndex(ceil(a * Double(s) - 0.5), 0, sampleCols)
                    let k1 = clampedIndex(ceil(b * Double(s) - 0.5), 0, sampleCols)
                    if k0 >= k1 { continue }
                    any = true
                    for k in k0..<k1 { counts[k / s] += 1 }
                }
            }
            if !any { continue }
            let row = y * width
            for x in 0..<width where counts[x] > 0 {
                values[row + x] = UInt8((counts[x] * 255 + samples / 2) / samples)
            }
        }
        return Mask(width: width, height: height, values: values)
    }
}

/// `v` as an index in `lo...hi`; NaN counts as `lo`.
private func clampedIndex(_ v: Double, _ lo: Int, _ hi: Int) -> Int {
    guard v > Double(lo) else { return lo }
    guard v < Double(hi) else { return hi }
    return Int(v)
}

// MARK: - Parsing

extension MaskShape {
    private static func numbers(_ text: String, _ name: String, expected: String) throws -> [Double] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
            .map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil && $0!.isFinite }) else {
            throw Validate.invalid(expected, name, text)
        }
        return parts.map { $0! }
    }

    /// "X,Y,W,H" with a positive width and height.
    public static func rect(parsing text: String) throws -> MaskShape {
        let n = try numbers(text, "rect", expected: "X,Y,W,H")
        guard n.count == 4, n[2] > 0, n[3] > 0 else {
            throw Validate.invalid("X,Y,W,H with positive W and H", "rect", text)
        }
        return .rect(x: n[0], y: n[1], width: n[2], height: n[3])
    }

    /// "CX,CY,RX,RY" with positive radii.
    public static func ellipse(parsing text: String) throws -> MaskShape {
        let n = try numbers(text, "ellipse", expected: "CX,CY,RX,RY")
        guard n.count == 4, n[2] > 0, n[3] > 0 else {
            throw Validate.invalid("CX,CY,RX,RY with positive RX and RY", "ellipse", text)
        }
        return .ellipse(cx: n[0], cy: n[1], rx: n[2], ry: n[3])
    }

    /// "X1,Y1,X2,Y2,X3,Y3,...": at least three points.
    public static func polygon(parsing text: String) throws -> MaskShape {
        let n = try numbers(text, "polygon", expected: "X1,Y1,X2,Y2,X3,Y3,...")
        guard n.count >= 6, n.count % 2 == 0 else {
            throw Validate.invalid("at least three X,Y points", "polygon", text)
        }
        return .polygon(stride(from: 0, to: n.count, by: 2).map { SIMD2(n[$0], n[$0 + 1]) })
    }

    /// Strokes from JSON: `{"strokes": [{"width": 12, "points": [[x, y], ...]}, ...]}` or the
    /// bare array. `width` is the brush diameter in pixels.
    public static func strokes(json data: Data, role: FileRole = .strokes) throws -> [MaskShape] {
        struct Stroke: Decodable { var width: Double; var points: [[Double]] }
        struct File: Decodable { var strokes: [Stroke] }
        let decoder = JSONDecoder()
        let list: [Stroke]
        if let file = try? decoder.decode(File.self, from: data) {
            list = file.strokes
        } else if let bare = try? decoder.decode([Stroke].self, from: data) {
            list = bare
        } else {
            throw StetError.file(role, "is not strokes JSON; expected {\"strokes\": [{\"width\": 12, \"points\": [[x, y], ...]}]}")
        }
        guard !list.isEmpty else { throw StetError.file(role, "has no strokes") }
        return try list.enumerated().map { i, stroke in
            guard stroke.width > 0, stroke.width.isFinite else {
                throw StetError.file(role, "stroke \(i + 1) needs a positive width but has \(stroke.width)")
            }
            guard !stroke.points.isEmpty, stroke.points.allSatisfy({ $0.count == 2 && $0[0].isFinite && $0[1].isFinite }) else {
                throw StetError.file(role, "stroke \(i + 1) needs points as [x, y] pairs")
            }
            return .stroke(points: stroke.points.map { SIMD2($0[0], $0[1]) }, width: stroke.width)
        }
    }
}
