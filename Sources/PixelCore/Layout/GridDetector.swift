import StetSupport

/// Finds the cells of a grid image that a model (or a person) made: N columns by M rows,
/// separated by gutters (uniform lines of any colour), by plain seams (no gutter at all), and
/// possibly framed by a uniform border. It never assumes exact halves: boundaries are measured.
///
/// Two readings are tried, the stricter first:
/// - **A Stet contact sheet** (`ContactSheet`, `GridLayout`): square cells of one size with the
///   same gap between them and around the outside, all of one background colour. Its letterbox
///   bands are background too, so gutters measured alone would swallow them; when a lattice with
///   exactly that geometry has every gap line uniform and every cell holding a picture fitted
///   to it (or, at the end of the last row, blank), the cells are the lattice's squares, exactly
///   as `stet grid` placed them.
/// - **A grid a model made.** Per column (and likewise per row) it measures, over the whole
///   length: uniformity (the standard deviation of the line; a gutter or border is a run of
///   lines that are each nearly constant and all of about the same value) and sharp steps (at
///   how many points along the line the difference to the previous line is both large and at
///   least `stepRatio` times the differences beside it). A seam between two unrelated pictures
///   is such a step almost everywhere along it, at one exact position; an edge in a photograph
///   (a skyscraper, a barn's wall, a horizon) is sharp over only part of the line, or drifts by
///   a pixel, or is a soft ramp. A division into k equal-ish parts is accepted when every
///   expected boundary has a measured gutter or seam near it, and every seam is sharp along
///   most of the cells it separates together and along each of them in part (not just along the
///   whole line: a photograph's edge rarely spans both halves of a 2x2 split). A border or gutter
///   is one colour and meets a picture abruptly on at least one side (a band of clear sky fades
///   into the rest). `--auto` takes the division with the most cells.
public struct GridDetector: Sendable {
    /// Standard deviation (grey levels) below which a line counts as uniform.
    public var uniformThreshold = 5.0
    /// A step counts as sharp at a point when it is at least this many grey levels...
    public var stepMinimum = 8.0
    /// ...and at least this many times the steps one line before and one line after it.
    public var stepRatio = 2.0
    /// Share of a line's points with a sharp step for it to be a seam candidate.
    public var candidateCoverage = 0.3
    /// Share of the points along a seam with a sharp step for it to be accepted... On the tuning
    /// half of Benchmarks/split, no division of a single photograph reached 0.39 and no seam
    /// between two photographs fell below 0.73.
    public var seamCoverage = 0.6
    /// ...and along each cell's side that it separates.
    public var seamCellCoverage = 0.35
    /// Mean difference (grey levels) between a gutter and the line beside it on at least one side.
    public var gutterContrast = 8.0
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
        var mean: [Double]
        var sd: [Double]
        var borderStart: Int          // first content line after a leading border
        var borderEnd: Int            // one past the last content line before a trailing border
        var candidates: [Boundary]
        /// Points sampled along each line (every `step`-th pixel across), and per line the running
        /// count of sharp steps over them: `sharp[i * (samples + 1) + k]` counts samples `0..<k`.
        var step: Int
        var samples: Int
        var sharp: [Int32]

        func isUniform(_ i: Int, threshold: Double) -> Bool { sd[i] < threshold }

        /// Share of the points of line `i` inside `range` (pixels across) with a sharp step.
        func coverage(_ i: Int, over range: Range<Int>) -> Double {
            let lo = (range.lowerBound + step - 1) / step, hi = min(samples, (range.upperBound + step - 1) / step)
            guard hi > lo else { return 0 }
            let base = i * (samples + 1)
            return Double(sharp[base + hi] - sharp[base + lo]) / Double(hi - lo)
        }
    }

    /// The message when `--auto` finds nothing to cut along.
    static let noGrid = "no grid found: no gutters or seams between pictures; give the layout with \(Hint.grid) COLSxROWS"

    /// Cell rectangles in reading order. `columns`/`rows` fix the counts; nil means detect.
    public func cells(in image: Image, columns: Int? = nil, rows: Int? = nil) throws -> [Rect] {
        let grey = try image.flattened(on: Colour(255, 255, 255)).colourspace(.bw).cast(.uchar)
        let pixels = try grey.band(0).pixels()
        let w = image.width, h = image.height
        let xAxis = pixels.withUnsafeBufferPointer { p in measure(length: w, across: h) { x, y in p[y * w + x] } }
        let yAxis = pixels.withUnsafeBufferPointer { p in measure(length: h, across: w) { y, x in p[y * w + x] } }

        // A Stet sheet is cut on its own cells, whether the layout is detected or given.
        let counts = columns == nil && rows == nil ? nil : (columns ?? 1, rows ?? 1)
        if let sheet = pixels.withUnsafeBufferPointer({ p in
            sheetLattice(xAxis, yAxis, counts: counts) { x, y in p[y * w + x] }
        }) {
            return sheet
        }
        let xs: [Range<Int>], ys: [Range<Int>]
        if counts == nil {
            if let found = detect(xAxis, yAxis) {
                (xs, ys) = found
            } else {
                throw StetError.usage(GridDetector.noGrid)
            }
        } else {
            guard let x = divide(xAxis, count: columns ?? 1), let y = divide(yAxis, count: rows ?? 1) else {
                throw StetError.usage(GridDetector.noGrid)
            }
            (xs, ys) = (x, y)
        }
        var rects: [Rect] = []
        for y in ys {
            for x in xs {
                rects.append(Rect(x: x.lowerBound, y: y.lowerBound, width: x.count, height: y.count))
            }
        }
        return rects
    }

    /// Measures uniformity and sharp steps of every line along an axis.
    func measure(length: Int, across: Int, _ value: (Int, Int) -> UInt8) -> Axis {
        var mean = [Double](repeating: 0, count: length)
        var sd = [Double](repeating: 0, count: length)
        let step = max(1, across / 1024)          // sample at most ~1024 points per line
        let samples = (across + step - 1) / step
        var sharp = [Int32](repeating: 0, count: length * (samples + 1))
        for i in 0..<length {
            var s = 0.0, ss = 0.0
            var count: Int32 = 0
            let base = i * (samples + 1)
            for k in 0..<samples {
                let j = k * step
                let v = Int(value(i, j))
                s += Double(v); ss += Double(v * v)
                if i > 0 {
                    let d0 = abs(v - Int(value(i - 1, j)))
                    let before = i > 1 ? abs(Int(value(i - 1, j)) - Int(value(i - 2, j))) : 0
                    let after = i + 1 < length ? abs(Int(value(i + 1, j)) - v) : 0
                    if Double(d0) >= stepMinimum && Double(d0) >= stepRatio * Double(max(before, after)) { count += 1 }
                }
                sharp[base + k + 1] = count
            }
            let n = Double(samples)
            mean[i] = s / n
            sd[i] = (max(0, ss / n - mean[i] * mean[i])).squareRoot()
        }

        // Runs of uniform lines of one value (a clear sky's gradient is uniform line by line,
        // but not one colour: it is not a border).
        var runs: [(Int, Int)] = []
        var i = 0
        while i < length {
            guard sd[i] < uniformThreshold else { i += 1; continue }
            var j = i + 1
            while j < length && sd[j] < uniformThreshold && abs(mean[j] - mean[i]) < 6 { j += 1 }
            runs.append((i, j))
            i = j
        }
        // A gutter ends abruptly at a picture on at least one side; a band of clear sky or calm
        // water in a photograph fades into what is around it.
        func contrast(_ line: Int, _ level: Double) -> Double {
            var d = 0.0
            for k in 0..<samples { d += abs(Double(value(line, k * step)) - level) }
            return d / Double(samples)
        }
        var start = 0, end = length
        var gutters: [Boundary] = []
        for (s, e) in runs {
            if s == 0 { start = e } else if e == length { end = s } else {
                let level = mean[(s + e) / 2]
                if max(contrast(s - 1, level), contrast(e, level)) >= gutterContrast { gutters.append(.gutter(start: s, end: e)) }
            }
        }
        if start >= end { start = 0; end = length }   // all uniform: nothing to trim

        var axis = Axis(length: length, mean: mean, sd: sd, borderStart: start, borderEnd: end, candidates: [],
                        step: step, samples: samples, sharp: sharp)
        // Seam candidates: lines sharp over much of their length, local maxima, away from gutters.
        let cover = (0..<length).map { axis.coverage($0, over: 0..<across) }
        var seams: [Boundary] = []
        if start + 2 < end - 1 {
            for x in (start + 2)..<(end - 1) where cover[x] >= candidateCoverage {
                let lo = max(1, x - 3), hi = min(length - 1, x + 3)
                guard (lo...hi).allSatisfy({ cover[$0] <= cover[x] }), !(lo..<x).contains(where: { cover[$0] == cover[x] })
                else { continue }
                let nearGutter = gutters.contains { g in
                    if case let .gutter(s, e) = g { return x >= s - 2 && x <= e + 2 } else { return false }
                }
                if !nearGutter { seams.append(.seam(at: x)) }
            }
        }
        axis.candidates = (gutters + seams).sorted { $0.centre < $1.centre }
        return axis
    }

    /// The boundaries that divide an axis into `k` equal-ish cells, each near its expected place;
    /// `strict` refuses a division with a missing boundary, otherwise it falls back to the
    /// expected position.
    func boundaries(_ axis: Axis, k: Int, strict: Bool) -> [Boundary]? {
        guard k > 1 else { return [] }
        let a = axis.borderStart, b = axis.borderEnd
        let cell = Double(b - a) / Double(k)
        var chosen: [Boundary] = []
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

    /// The cell ranges between an axis' borders and the given boundaries (nil if one is empty).
    func ranges(_ axis: Axis, _ found: [Boundary]) -> [Range<Int>]? {
        var ranges: [Range<Int>] = []
        var lower = axis.borderStart
        for boundary in found {
            switch boundary {
            case let .gutter(s, e): ranges.append(lower..<s); lower = e
            case let .seam(x): ranges.append(lower..<x); lower = x
            }
        }
        ranges.append(lower..<axis.borderEnd)
        return ranges.allSatisfy({ !$0.isEmpty }) ? ranges : nil
    }

    /// A fixed count along one axis: boundaries measured near the expected lines.
    func divide(_ axis: Axis, count: Int) -> [Range<Int>]? {
        guard let found = boundaries(axis, k: count, strict: false) else { return nil }
        return ranges(axis, found)
    }

    /// `--auto` for a model's grid: the division with the most cells whose every boundary was
    /// measured, and whose seams are sharp along every cell they separate.
    func detect(_ xAxis: Axis, _ yAxis: Axis) -> ([Range<Int>], [Range<Int>])? {
        func options(_ axis: Axis) -> [(Int, [Boundary], [Range<Int>])] {
            (1...maxCount).compactMap { k in
                guard let b = boundaries(axis, k: k, strict: true), let r = ranges(axis, b) else { return nil }
                return (k, b, r)
            }
        }
        let xo = options(xAxis), yo = options(yAxis)
        var pairs: [((Int, [Boundary], [Range<Int>]), (Int, [Boundary], [Range<Int>]))] = []
        for x in xo { for y in yo where x.0 * y.0 > 1 { pairs.append((x, y)) } }
        pairs.sort { $0.0.0 * $0.1.0 > $1.0.0 * $1.1.0 }
        for (x, y) in pairs where seamsHold(x.1, along: xAxis, cells: y.2) && seamsHold(y.1, along: yAxis, cells: x.2) {
            return (x.2, y.2)
        }
        return nil
    }

    /// Every seam among `boundaries` is sharp along the `cells` (ranges across) it separates:
    /// over all of them together, and along each one.
    func seamsHold(_ boundaries: [Boundary], along axis: Axis, cells: [Range<Int>]) -> Bool {
        let length = Double(cells.reduce(0) { $0 + $1.count })
        for case let .seam(at) in boundaries {
            let each = cells.map { axis.coverage(at, over: $0) }
            guard each.allSatisfy({ $0 >= seamCellCoverage }) else { return false }
            // Gutters across the seam (a grid with both) are left out: they are nobody's side.
            let all = zip(each, cells).reduce(0.0) { $0 + $1.0 * Double($1.1.count) } / length
            guard all >= seamCoverage else { return false }
        }
        return true
    }

    /// A Stet contact sheet: `columns`×`rows` squares of side `c` with a gap `g` (at least 1)
    /// between them and around the outside (`GridLayout`), every gap line uniform and of the
    /// border's colour, and in every cell a picture fitted inside it: touching both its left and
    /// right sides, or both its top and bottom (a grid with wider gutters than its border has
    /// lattices that fit its uniform lines too, but their cells end in a gutter, not at a picture).
    /// Only the last row may end in blank cells (fewer pictures than the lattice holds); they are
    /// not cells. The finest such lattice, then the widest gap. Cell rectangles in reading order.
    /// `counts` (columns, rows), when given, is the only lattice tried.
    func sheetLattice(_ xAxis: Axis, _ yAxis: Axis, counts: (Int, Int)? = nil,
                      _ value: (Int, Int) -> UInt8) -> [Rect]? {
        let w = xAxis.length, h = yAxis.length
        let background = xAxis.mean[0]
        guard abs(yAxis.mean[0] - background) < 6 else { return nil }
        // The geometry is exact, so a gap line may be less uniform than a gutter found on its own:
        // JPEG rings into a dark gap beside a picture.
        let gapThreshold = 2 * uniformThreshold
        func isGap(_ axis: Axis, _ line: Int) -> Bool {
            axis.sd[line] < gapThreshold && abs(axis.mean[line] - background) < 10
        }
        func edge(_ axis: Axis) -> Int {
            let lead = (0..<axis.length).first { !isGap(axis, $0) } ?? 0
            let trail = (0..<axis.length).first { !isGap(axis, axis.length - 1 - $0) } ?? 0
            return min(lead, trail)
        }
        let maxGap = min(edge(xAxis), edge(yAxis))
        guard maxGap >= 1 else { return nil }
        func gapsHold(_ axis: Axis, count: Int, cell: Int, gap: Int) -> Bool {
            for i in 0...count {
                let s = i * (cell + gap)
                for line in s..<(s + gap) where !isGap(axis, line) { return false }
            }
            // Every column (row) holds a picture: some line inside it is not uniform.
            for i in 0..<count {
                let s = gap + i * (cell + gap)
                guard (s..<(s + cell)).contains(where: { axis.sd[$0] >= uniformThreshold }) else { return false }
            }
            return true
        }
        // Whether the `count` pixels from (x, y) along x (or y) show a picture, not background.
        func picture(x: Int, y: Int, count: Int, alongX: Bool) -> Bool {
            var s = 0.0, ss = 0.0
            for k in 0..<count {
                let v = Double(alongX ? value(x + k, y) : value(x, y + k))
                s += v; ss += v * v
            }
            let m = s / Double(count)
            return (ss / Double(count) - m * m).squareRoot() >= uniformThreshold || abs(m - background) >= 6
        }
        // Whether a cell is blank: background throughout (sampled on a grid of about 32x32 points).
        func blank(x: Int, y: Int, cell: Int) -> Bool {
            let step = max(1, cell / 32)
            for yy in stride(from: y, to: y + cell, by: step) {
                for xx in stride(from: x, to: x + cell, by: step) where abs(Double(value(xx, yy)) - background) >= 10 {
                    return false
                }
            }
            return true
        }
        // The number of cells holding a fitted picture, if the lattice is a sheet.
        func fitted(cols: Int, rows: Int, cell: Int, gap: Int) -> Int? {
            var pictures = 0
            for i in 0..<(cols * rows) {
                let x = gap + (i % cols) * (cell + gap), y = gap + (i / cols) * (cell + gap)
                if pictures == i {
                    let sides = picture(x: x, y: y, count: cell, alongX: false)
                        && picture(x: x + cell - 1, y: y, count: cell, alongX: false)
                    let ends = picture(x: x, y: y, count: cell, alongX: true)
                        && picture(x: x, y: y + cell - 1, count: cell, alongX: true)
                    if sides || ends { pictures += 1; continue }
                }
                guard i / cols == rows - 1, i % cols > 0, blank(x: x, y: y, cell: cell) else { return nil }
            }
            return pictures
        }
        var best: (cols: Int, rows: Int, cell: Int, gap: Int, count: Int)?
        for cols in 1...max(maxCount, counts?.0 ?? 0) {
            for rows in 1...max(maxCount, counts?.1 ?? 0) where cols * rows > 1 {
                if let counts, counts != (cols, rows) { continue }
                if let b = best, cols * rows < b.cols * b.rows { continue }
                for gap in stride(from: maxGap, through: 1, by: -1) {
                    let inner = w - (cols + 1) * gap
                    guard inner > 0, inner % cols == 0 else { continue }
                    let cell = inner / cols
                    guard cell >= 16, rows * cell + (rows + 1) * gap == h,
                          gapsHold(xAxis, count: cols, cell: cell, gap: gap),
                          gapsHold(yAxis, count: rows, cell: cell, gap: gap),
                          let count = fitted(cols: cols, rows: rows, cell: cell, gap: gap) else { continue }
                    if best == nil || cols * rows > best!.cols * best!.rows { best = (cols, rows, cell, gap, count) }
                    break
                }
            }
        }
        guard let b = best else { return nil }
        return (0..<b.count).map { i in
            Rect(x: b.gap + (i % b.cols) * (b.cell + b.gap), y: b.gap + (i / b.cols) * (b.cell + b.gap),
                 width: b.cell, height: b.cell)
        }
    }
}
