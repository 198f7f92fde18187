import Foundation

/// Finds scene starts in a stream of small frames (a few thousand pixels each), one frame at a
/// time, with a fixed delay and bounded memory.
///
/// Two kinds of change:
/// - **Hard cuts.** The frame-to-frame difference `d(t)` (mean absolute difference of luma and
///   chroma, 0–255) spikes: it must exceed `cutThreshold` and be `cutRatio` times the mean of
///   its neighbours within `window` frames (as PySceneDetect's AdaptiveDetector), so that a pan,
///   a zoom or a flicker, whose differences stay high from frame to frame, is not a cut.
/// - **Cross-fades and fades.** Frame-to-frame differences in a dissolve are small, so each
///   frame `t` is instead compared with the frames `window` before and after it: in a linear
///   dissolve between shots A and B, `f(t-W)` is A, `f(t+W)` is B and `f(t)` is their average.
///   A fade is where the two ends differ by at least `fadeThreshold` (`D`) while the middle
///   frame is within `fadeResidual × D` of the ends' average (`R`); it starts its scene at the
///   local maximum of `D - 2R`, the dissolve's midpoint. Motion is not a blend: a pan's middle
///   frame is not the average of its ends (its residual is near `D`), nor is a hard cut's (`D/2`).
///
/// Two scene starts are at least `minScene` frames apart (the first one found wins; a hard cut
/// wins over a fade at the same place).
public struct SceneDetector: Sendable {
    public struct Options: Sendable, Equatable {
        public var cutThreshold: Float = 10
        public var cutRatio: Float = 3
        public var fadeThreshold: Float = 18
        public var fadeResidual: Float = 0.25
        /// Half-window in seconds (frames = seconds × fps, at least 3).
        public var windowSeconds = 0.5
        /// Shortest scene in seconds.
        public var minSceneSeconds = 0.4
        public init() {}
    }

    public let options: Options
    public let window: Int
    public let minScene: Int
    /// Half-widths of the dissolve test, in frames: a third of the window up to all of it.
    public let fadeWindows: [Int]
    /// Frames kept: the window either side of the frame being judged, and the delay.
    private var frames: [Int: [Float]] = [:]
    private var diffs: [Int: Float] = [:]
    private var fadeScore: [Int: (d: Float, r: Float)] = [:]
    private var count = 0
    private var decidedUpTo = 0
    private var lastStart = 0
    public private(set) var starts: [Int] = [0]
    /// Scene starts found as the midpoint of a dissolve (the others are hard cuts).
    public private(set) var fades: Set<Int> = []
    /// Whether the frame just pushed may be shown for a scene: it follows a large change, or it
    /// ends a window whose middle looks like a dissolve's.
    public private(set) var lastFrameWanted = false
    /// Frames of delay between a frame arriving and its verdict.
    public var delay: Int { 2 * window }

    public init(fps: Double, options: Options = Options()) {
        self.options = options
        let f = fps > 0 ? fps : 25
        window = max(3, Int((options.windowSeconds * f).rounded()))
        minScene = max(2, Int((options.minSceneSeconds * f).rounded()))
        let w = window
        fadeWindows = Array(Set([w / 3, w / 2, (2 * w) / 3, (5 * w) / 6, w].map { max(2, $0) })).sorted()
    }

    /// Size of the small frames the detector wants for a `width`×`height` clip (about 2,300 pixels).
    public static func analysisSize(width: Int, height: Int) -> (width: Int, height: Int) {
        let aspect = Double(max(width, 1)) / Double(max(height, 1))
        let w = max(8, Int((2304 * aspect).squareRoot().rounded()))
        let h = max(8, Int((2304 / aspect).squareRoot().rounded()))
        return (w, h)
    }

    /// Packed RGB bytes to the detector's planes: luma, and two chroma planes at half weight.
    public static func features(rgb: [UInt8]) -> [Float] {
        let n = rgb.count / 3
        var out = [Float](repeating: 0, count: n * 3)
        for i in 0..<n {
            let r = Float(rgb[3 * i]), g = Float(rgb[3 * i + 1]), b = Float(rgb[3 * i + 2])
            let y = 0.299 * r + 0.587 * g + 0.114 * b
            out[i] = y
            out[n + i] = 0.5 * 0.564 * (b - y)
            out[2 * n + i] = 0.5 * 0.713 * (r - y)
        }
        return out
    }

    static func mad(_ a: [Float], _ b: [Float]) -> Float {
        var s: Float = 0
        for i in a.indices { s += abs(a[i] - b[i]) }
        // Luma and chroma planes: the mean over the luma plane's pixels of the summed differences.
        return s / Float(a.count / 3)
    }

    static func blendResidual(_ mid: [Float], _ a: [Float], _ b: [Float]) -> Float {
        var s: Float = 0
        for i in mid.indices { s += abs(mid[i] - 0.5 * (a[i] + b[i])) }
        return s / Float(mid.count / 3)
    }

    /// Adds the next frame's features; returns the scene starts decided now (frame numbers).
    public mutating func push(_ f: [Float]) -> [Int] {
        let t = count
        frames[t] = f
        if t > 0, let p = frames[t - 1] { diffs[t] = SceneDetector.mad(f, p) }
        let c = t - window
        // The dissolve test at several half-widths (a short fade is judged over a short span,
        // where the shots' own motion adds less): the most blend-like that differs enough.
        if c >= 0, let m = frames[c] {
            var best: (d: Float, r: Float)? = nil
            for w in fadeWindows where c - w >= 0 {
                guard let a = frames[c - w], let b = frames[c + w] else { continue }
                let d = SceneDetector.mad(a, b)
                guard d >= options.fadeThreshold else { continue }
                let r = SceneDetector.blendResidual(m, a, b)
                if best == nil || r / d < best!.r / best!.d { best = (d, r) }
            }
            if let best { fadeScore[c] = best }
        }
        lastFrameWanted = (diffs[t] ?? 0) >= options.cutThreshold || score(c) != nil
        count += 1
        frames[t - 2 * window - 1] = nil
        return decide(upTo: t - delay)
    }

    /// The frame to show for a scene that starts at `start`: the cut's first frame, or for a
    /// dissolve the frame `window` after its midpoint, past the blend.
    public func shownFrame(forStart start: Int) -> Int {
        fades.contains(start) ? min(start + window, count - 1) : start
    }

    /// The verdicts for the last frames, once the clip has ended.
    public mutating func finish() -> [Int] { decide(upTo: count - 1) }

    /// The open run of frames that pass the dissolve test: its first and last frame.
    private var run: (first: Int, last: Int)?

    private mutating func decide(upTo last: Int) -> [Int] {
        var found: [Int] = []
        func add(_ c: Int, fade: Bool) {
            guard c - lastStart >= minScene else { return }
            starts.append(c); found.append(c); lastStart = c
            if fade { fades.insert(c) }
        }
        while decidedUpTo < last {
            decidedUpTo += 1
            let c = decidedUpTo
            // A dissolve is the run of frames whose window looks like a blend; it starts its
            // scene at the run's middle, unless a hard cut lies in or near the run.
            if score(c) != nil {
                run = (run?.first ?? c, c)
            } else if let r = run, c - r.last > 1 {
                run = nil
                let cutNear = ((r.first - window)...(r.last + window)).contains { isCut($0) }
                if r.last - r.first >= 1, !cutNear { add((r.first + r.last + 1) / 2, fade: true) }
            }
            if isCut(c) { add(c, fade: false) }
            diffs[c - 3 * window] = nil
            fadeScore[c - 4 * window] = nil
        }
        return found
    }

    private func isCut(_ c: Int) -> Bool {
        guard let d = diffs[c], d >= options.cutThreshold else { return false }
        var sum: Float = 0, n: Float = 0
        for k in (c - window)...(c + window) where k != c {
            if let v = diffs[k] { sum += v; n += 1 }
        }
        let neighbours = n > 0 ? sum / n : 0
        return d >= options.cutRatio * neighbours + 1
    }

    private func score(_ c: Int) -> Float? {
        guard let s = fadeScore[c], s.d >= options.fadeThreshold, s.r <= options.fadeResidual * s.d else { return nil }
        return s.r / s.d
    }

}
