import StetSupport

/// Finds the cells of a grid image that a model (or a person) made: N columns by M rows,
/// separated by gutters (uniform lines of any colour), by plain seams (no gutter at all), and
/// possibly framed by a uniform border. It never assumes exact halves: boundaries are measured.
///
/// Per column (and likewise per row) it measures, over the whole height:
/// - uniformity: the standard deviation of the column; a gutter or border is a run of columns
///   that are each nearly constant and all of about the same value;
/// - seam strength: the mean absolute difference to the previous column; a seam between two
///   unrelated pictures is a sharp peak that runs the full height.
/// A division into k equal-ish parts is accepted when every expected boundary has a measured
/// gutter or seam near it; `--auto` takes the largest such k.
public struct GridDetector: Sendable {
    /// Standard deviation (grey levels) below which a line counts as uniform.
    public var uniformThreshold = 5.0
    /// A seam must be at least this many times the median line-to-line difference...
    public var seamRatio = 4.0
    /// ...and at least this many grey levels.
    public var seamMinimum = 10.0
    /// How far a boundary may sit from its equal-division position, as a share of a cell.
    public var tolerance = 0.15
    /// Largest count tried per axis by `--auto`.
    public var maxCount = 8

    public init() {}

    /// A boundary found along one axis.
    public enum Boundary: Equatable, Sendable {
        /// Uniform lines from `start` up to (not including) `end`; cells stop at `start`, resume at `end`.
        case gutter(start: Int, end: Int)
        /// A seam: the previous cell ends at `at`, the next begins there.
        case seam(at: Int)

        var centre: Double {
            switch self {
            case let .gutter(s, e): return Double(s + e) / 2
            case let .seam(x): return Double(x)
            }
        }
    }

    /// The measured structure of one axis.
    struct Axis {
        var length: Int
        var borderStart: Int          // first content line after a leading border
        var borderEnd: Int            // one past the last content line before a trailing border
        var candidates: [Boundary]
    }

    /// Cell rectangles in reading order. `columns`/`rows` fix the counts; nil means detect.
    public func cells(in image: Image, columns: Int? = nil, rows: Int? = nil) throws -> [Rect] {
        let grey = try image.flattened(on: Colour(255, 255, 255)).colourspace(.bw).cast(.uchar)
        let pixels = try grey.band(0).pixels()
        let w = image.width, h = image.height
        let xAxis = measure(length: w, across: h) { x, y in pixels[y * w + x] }
        let yAxis = measure(length: h, across: w) { y, x in pixels[y * w + x] }
        guard let xs = divide(xAxis, count: columns), let ys = divide(yAxis, count: rows) else {
            throw StetError.usage("Found no grid: no gutters or seams; give the layout with --grid COLSxROWS")
        }
        if columns == nil && rows == nil && xs.count == 1 && ys.count == 1 {
            throw StetError.usage("Found no grid: no gutters or seams; give the layout with --grid COLSxROWS")
        }
        var rects: [Rect] = []
        for y in ys {
            for x in xs {
                rects.append(Rect(x: x.lowerBound, y: y.lowerBound, width: x.count, height: y.count))
            }
        }
        return rects
    }

    /// Measures uniformity and seam strength of every line along an axis.
    func measure(length: Int, across: Int, _ value: (Int, Int) -> UInt8) -> Axis {
        var mean = [Double](repeating: 0, count: length)
        var sd = [Double](repeating: 0, count: length)
        var diff = [Double](repeating: 0, count: length)
        let step = max(1, across / 1024)          // sample at most ~1024 points per line
        var n = 0.0
        for i in 0..<length {
            var s = 0.0, ss = 0.0, d = 0.0
            n = 0
            var j = 0
            while j < across {
                let v = Double(value(i, j))
                s += v; ss += v * v
                if i > 0 { d += abs(v - Double(value(i - 1, j))) }
                n += 1
                j += step
            }
            mean[i] = s / n
            sd[i] = (max(0, ss / n - mean[i] * mean[i])).squareRoot()
            diff[i] = d / n
        }

        // Runs of uniform lines with a steady value.
        var runs: [(Int, Int)] = []
        var i = 0
        while i < length {
            guard sd[i] < uniformThreshold else { i += 1; continue }
            var j = i + 1
            while j < length && sd[j] < uniformThreshold && abs(mean[j] - mean[j - 1]) < 6 { j += 1 }
            runs.append((i, j))
            i = j
        }
        var start = 0, end = length
        var gutters: [Boundary] = []
        for (s, e) in runs {
            if s == 0 { start = e } else if e == length { end = s } else { gutters.append(.gutter(start: s, end: e)) }
        }
        if start >= end { start = 0; end = length }   // all uniform: nothing to trim

        // Seams: sharp full-length steps that are local maxima, away from gutters.
        let sorted = diff[1...].sorted()
        let median = sorted.isEmpty ? 0 : sorted[sorted.count / 2]
        let threshold = max(seamMinimum, seamRatio * median)
        var seams: [Boundary] = []
        for x in max(start + 2, 1)..<max(end - 1, max(start + 2, 1)) {
            guard diff[x] >= threshold else { continue }
            let lo = max(1, x - 3), hi = min(length - 1, x + 3)
            guard (lo...hi).allSatisfy({ diff[$0] <= diff[x] }) else { continue }
            let nearGutter = gutters.contains { g in
                if case let .gutter(s, e) = g { return x >= s - 2 && x <= e + 2 } else { return false }
            }
            if !nearGutter { seams.append(.seam(at: x)) }
        }
        let candidates = (gutters + seams).sorted { $0.centre < $1.centre }
        return Axis(length: length, borderStart: start, borderEnd: end, candidates: candidates)
    }

    /// Splits an axis into `count` cells (or the largest count that the measurements support).
    func divide(_ axis: Axis, count: Int?) -> [Range<Int>]? {
        let a = axis.borderStart, b = axis.borderEnd
        let span = Double(b - a)
        func boundaries(for k: Int, strict: Bool) -> [Boundary]? {
            guard k > 1 else { return [] }
            var chosen: [Boundary] = []
            let cell = span / Double(k)
            for i in 1..<k {
                let expected = Double(a) + Double(i) * cell
                let best = axis.candidates.min { abs($0.centre - expected) < abs($1.centre - expected) }
                if let best, abs(best.centre - expected) <= tolerance * cell {
                    chosen.append(best)
                } else if strict {
                    return nil
                } else {
                    chosen.append(.seam(at: Int(expected.rounded())))
                }
            }
            // Each boundary used once, in order.
            for (p, q) in zip(chosen, chosen.dropFirst()) where p.centre >= q.centre { return strict ? nil : chosen }
            return chosen
        }
        let found: [Boundary]
        if let count {
            guard let b = boundaries(for: count, strict: false) else { return nil }
            found = b
        } else {
            var best: [Boundary] = []
            for k in stride(from: maxCount, through: 2, by: -1) {
                if let b = boundaries(for: k, strict: true) { best = b; break }
            }
            found = best
        }
        var ranges: [Range<Int>] = []
        var lower = a
        for boundary in found {
            switch boundary {
            case let .gutter(s, e): ranges.append(lower..<s); lower = e
            case let .seam(x): ranges.append(lower..<x); lower = x
            }
        }
        ranges.append(lower..<b)
        return ranges.allSatisfy({ !$0.isEmpty }) ? ranges : nil
    }
}
