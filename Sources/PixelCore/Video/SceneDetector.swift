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
        public var fadeResidual: Float = 0.3
        /// Half-window in seconds (frames = seconds × fps, at least 3).
        public var windowSeconds = 0.5
        /// Shortest scene in seconds.
        public var minSceneSeconds = 0.4
        public init() {}
    }

    public let options: Options
    public let window: Int
    public let minScene: Int
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
        if c - window >= 0, let a = frames[c - window], let m = frames[c] {
            fadeScore[c] = (SceneDetector.mad(a, f), SceneDetector.blendResidual(m, a, f))
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

    private mutating func decide(upTo last: Int) -> [Int] {
        var found: [Int] = []
        while decidedUpTo < last {
            decidedUpTo += 1
            let c = decidedUpTo
            let cut = isCut(c)
            if cut || isFade(c), c - lastStart >= minScene {
                starts.append(c); found.append(c); lastStart = c
                if !cut { fades.insert(c) }
            }
            diffs[c - 2 * window] = nil
            fadeScore[c - 3 * window] = nil
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
        return s.d - 2 * s.r
    }

    private func isFade(_ c: Int) -> Bool {
        guard let s = score(c) else { return false }
        // The dissolve's midpoint: the best score within the window (ties go to the earliest).
        for k in (c - window)...(c + window) where k != c {
            if let o = score(k), o > s || (o == s && k < c) { return false }
        }
        // Not a fade that is really a hard cut nearby (a cut's ends differ too).
        for k in (c - window)...(c + window) where isCut(k) { return false }
        return true
    }
}
