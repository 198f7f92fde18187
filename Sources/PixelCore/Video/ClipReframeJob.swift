import CFFmpeg
import Foundation
import StetSupport

/// `reframe` of a clip, in the manner of Google's AutoFlip: the crop window follows the subject
/// (faces first, then the attention map, as for stills) along a smoothed path that never moves
/// across a scene change. Two streaming passes: the first samples frames (`samplesPerSecond`),
/// plans each one as a still, and finds the scene starts; the path is then fixed per scene (held
/// still when the subject stays within `holdShare` of the frame, else a constant-speed pan fitted
/// to the samples, as a camera operator would move); the second pass cuts every frame on the
/// path and encodes each target, with the source's audio copied.
public struct ClipReframeJob: Sendable {
    public struct Options: Sendable {
        public var targets: [ReframeTarget]
        public var focus: ReframeFocus = .auto
        public var samplesPerSecond = 4.0
        /// A scene whose planned windows stay within this share of the frame holds still.
        public var holdShare = 0.08
        public var crf = 20
        public var preset = "fast"
        public var load: LoadOptions = .strict
        public init(targets: [ReframeTarget]) { self.targets = targets }
    }

    /// One target's path through the clip.
    public struct TargetPath: Sendable, Codable, Equatable {
        public var target: String
        public var file: String
        public var width: Int
        public var height: Int
        /// The window's size in source pixels (fixed for the clip).
        public var windowWidth: Int
        public var windowHeight: Int
        public var scenes: [ScenePath]
    }

    /// The window in one scene: `hold` (one position) or `pan` (from the first to the last).
    public struct ScenePath: Sendable, Codable, Equatable {
        public var startFrame: Int
        public var startTime: Double
        public var motion: String
        public var from: Point
        public var to: Point
        /// The windows planned on the sampled frames (frame, x, y), the path's evidence.
        public var samples: [Sample]
    }

    public struct Point: Sendable, Codable, Equatable { public var x: Int; public var y: Int }
    public struct Sample: Sendable, Codable, Equatable { public var frame: Int; public var x: Int; public var y: Int }

    public struct Result: Sendable, Codable, Equatable {
        public var input: String
        public var folder: String
        public var plan: String
        public var frames: Int
        public var seconds: Double
        public var sourceWidth: Int
        public var sourceHeight: Int
        public var targets: [TargetPath]
        public var warning: String?
    }

    public var options: Options
    public init(_ options: Options) { self.options = options }

    public func run(input: String, folder: String, version: String) throws -> (Result, Usage) {
        let o = options
        // Pass 1: sample, plan each sample as a still, find the scenes.
        let first = try VideoSource(input, limits: o.load)
        let info = first.info
        let fps = info.fps > 0 ? info.fps : 25
        let small = SceneDetector.analysisSize(width: info.width, height: info.height)
        let smallScaler = FrameScaler(width: small.width, height: small.height)
        let toRGB = FrameScaler(width: info.width, height: info.height)
        var detector = SceneDetector(fps: fps)
        let step = max(1, Int((fps / o.samplesPerSecond).rounded()))
        let reframe = ReframeOptions(targets: o.targets, mode: .crop, focus: o.focus)
        var samples: [(frame: Int, crops: [Rect])] = []
        var times: [Double] = []
        var planned: [TargetPlan] = []
        let stem = ReframeJob.stem(input)
        let frames = try first.decode { frame in
            times.append(frame.time)
            _ = detector.push(SceneDetector.features(rgb: try smallScaler.rgb(frame.frame)))
            if frame.index % step == 0 {
                let image = try toRGB.image(frame.frame).materialized()
                let pyramid = try SourcePyramid(image)
                let map = try SaliencyMap.compute(o.focus.measure, for: pyramid.levels.last!)
                let faces = o.focus.usesFaces
                    ? try FaceDetector().detect(in: pyramid.smallest(longSide: FaceDetector.Options().longSide),
                                                sourceWidth: info.width, sourceHeight: info.height)
                    : []
                let plan = ReframePlanner.plan(input: input, sourceWidth: info.width, sourceHeight: info.height, map: map,
                                               faces: faces, options: reframe, stem: stem, imageExtension: "mp4")
                let crops = plan.targets.map { $0.crop ?? Rect(x: 0, y: 0, width: info.width, height: info.height) }
                if planned.isEmpty { planned = plan.targets }
                samples.append((frame.index, crops))
            }
            return true
        }
        if frames == 1 { throw ClipSniffer.oneFrame(input) }
        _ = detector.finish()
        let starts = detector.starts.filter { $0 < frames }
        let seconds = (times.last ?? 0) + 1 / fps

        // The path: per target, per scene. The window's size is the planner's for the clip's shape.
        var paths: [TargetPath] = []
        for (t, target) in planned.enumerated() {
            let window = target.crop ?? Rect(x: 0, y: 0, width: info.width, height: info.height)
            let (ww, wh) = (window.width, window.height)
            // H.264 in 4:2:0 needs even sides.
            let size = (max(2, target.width & ~1), max(2, target.height & ~1))
            var scenes: [ScenePath] = []
            for (s, start) in starts.enumerated() {
                let end = s + 1 < starts.count ? starts[s + 1] : frames
                var inScene = samples.filter { $0.frame >= start && $0.frame < end }
                // A scene shorter than the sampling step: its nearest sample.
                if inScene.isEmpty, let near = samples.min(by: { abs($0.frame - start) < abs($1.frame - start) }) { inScene = [near] }
                let pts = inScene.map { Sample(frame: $0.frame, x: $0.crops[t].x, y: $0.crops[t].y) }
                scenes.append(ClipReframeJob.scenePath(pts, start: start, end: end, startTime: times[min(start, times.count - 1)],
                                                       sourceWidth: info.width, sourceHeight: info.height,
                                                       window: (ww, wh), holdShare: o.holdShare))
            }
            paths.append(TargetPath(target: target.target, file: target.files.image, width: size.0, height: size.1,
                                    windowWidth: ww, windowHeight: wh, scenes: scenes))
        }

        // Pass 2: cut every frame on its path, one encoder per target.
        let source = try VideoSource(input, limits: o.load)
        let outputs = paths.map { (folder as NSString).appendingPathComponent($0.file) }
        let temps = outputs.map(SafeOutput.temporaryPath(for:))
        var encoders: [ProxyEncoder] = []
        var warning: String?
        do {
            for (i, p) in paths.enumerated() {
                let e = try ProxyEncoder(path: temps[i], source: source,
                                         settings: .init(width: p.width, height: p.height, crf: o.crf, preset: o.preset,
                                                         keyframeInterval: max(1, Int(fps.rounded()))))
                warning = warning ?? e.audioDropped
                encoders.append(e)
            }
            try source.decode({ frame in
                let image = try toRGB.image(frame.frame).materialized()
                for (i, p) in paths.enumerated() {
                    let at = ClipReframeJob.position(p, frame: frame.index, frames: frames)
                    let cut = try ReframeRender.crop(image, box: Rect(x: at.x, y: at.y, width: p.windowWidth, height: p.windowHeight),
                                                     width: p.width, height: p.height)
                    let raster = try PixelRaster(cut).withBands(3)
                    try encoders[i].add(rgb: raster.bytes, width: raster.width, height: raster.height, pts: frame.pts)
                }
                return true
            }, onAudio: { packet in for e in encoders { try e.copyAudio(packet) } })
            for e in encoders { try e.finish() }
            encoders.removeAll()
            let planFile = (folder as NSString).appendingPathComponent("\(stem)-plan.json")
            let result = Result(input: input, folder: folder, plan: planFile, frames: frames, seconds: seconds,
                                sourceWidth: info.width, sourceHeight: info.height, targets: paths, warning: warning)
            // The clips and their plan appear together.
            let batch = try OutputBatch(folder: folder)
            for (i, out) in outputs.enumerated() {
                let tmp = temps[i]
                try batch.add(out) { reserved in
                    guard rename(tmp, reserved) == 0 else { throw StetError.file(.referenced(out), "cannot be written") }
                }
            }
            let json = try stetJSONEncoder().encode(result)
            try batch.add(planFile) { tmp in
                guard FileManager.default.createFile(atPath: tmp, contents: json) else {
                    throw StetError.file(ReframeJob.planRole, "cannot be written")
                }
            }
            try batch.commit()
            let usage = Usage(operation: "reframe",
                              parameters: ["targets": paths.map(\.target).joined(separator: ","), "mode": "crop", "clip": "true",
                                           "focus": o.focus.description,
                                           "pans": "\(paths.flatMap(\.scenes).filter { $0.motion == "pan" }.count)"],
                              inputs: [.init(input, width: info.width, height: info.height)],
                              outputs: zip(outputs, paths).map { .init($0, width: $1.width, height: $1.height) } + [.init(planFile)],
                              units: paths.count, seconds: seconds)
            return (result, usage)
        } catch {
            encoders.removeAll()
            for t in temps { unlink(t) }
            throw error
        }
    }

    /// A scene's path from its samples: held at the samples' median when they stay within
    /// `holdShare` of the frame, else a constant-speed pan fitted by least squares over the
    /// frame numbers, its ends clamped inside the frame.
    static func scenePath(_ samples: [Sample], start: Int, end: Int, startTime: Double, sourceWidth: Int, sourceHeight: Int,
                          window: (Int, Int), holdShare: Double) -> ScenePath {
        let maxX = sourceWidth - window.0, maxY = sourceHeight - window.1
        func clamp(_ p: Point) -> Point { Point(x: min(max(0, p.x), maxX), y: min(max(0, p.y), maxY)) }
        let xs = samples.map { Double($0.x) }, ys = samples.map { Double($0.y) }
        func median(_ v: [Double]) -> Double { let s = v.sorted(); return s.isEmpty ? 0 : s[s.count / 2] }
        let spreadX = (xs.max() ?? 0) - (xs.min() ?? 0), spreadY = (ys.max() ?? 0) - (ys.min() ?? 0)
        if samples.count < 2 || (spreadX <= holdShare * Double(sourceWidth) && spreadY <= holdShare * Double(sourceHeight)) {
            let p = clamp(Point(x: Int(median(xs).rounded()), y: Int(median(ys).rounded())))
            return ScenePath(startFrame: start, startTime: startTime, motion: "hold", from: p, to: p, samples: samples)
        }
        func fit(_ v: [Double]) -> (Double, Double) {
            let ts = samples.map { Double($0.frame) }
            let n = Double(ts.count), mt = ts.reduce(0, +) / n, mv = v.reduce(0, +) / n
            var sxy = 0.0, sxx = 0.0
            for (t, y) in zip(ts, v) { sxy += (t - mt) * (y - mv); sxx += (t - mt) * (t - mt) }
            let slope = sxx > 0 ? sxy / sxx : 0
            return (mv - slope * mt, slope)
        }
        let (ax, bx) = fit(xs), (ay, by) = fit(ys)
        let last = Double(max(start, end - 1))
        let from = clamp(Point(x: Int((ax + bx * Double(start)).rounded()), y: Int((ay + by * Double(start)).rounded())))
        let to = clamp(Point(x: Int((ax + bx * last).rounded()), y: Int((ay + by * last).rounded())))
        return ScenePath(startFrame: start, startTime: startTime, motion: "pan", from: from, to: to, samples: samples)
    }

    /// The window's top-left at `frame`: on its scene's line from `from` to `to`.
    static func position(_ path: TargetPath, frame: Int, frames: Int) -> Point {
        guard let s = path.scenes.lastIndex(where: { $0.startFrame <= frame }) else { return path.scenes[0].from }
        let scene = path.scenes[s]
        let end = s + 1 < path.scenes.count ? path.scenes[s + 1].startFrame : frames
        let span = Double(max(1, end - 1 - scene.startFrame))
        let f = min(1, Double(frame - scene.startFrame) / span)
        return Point(x: Int((Double(scene.from.x) + f * Double(scene.to.x - scene.from.x)).rounded()),
                     y: Int((Double(scene.from.y) + f * Double(scene.to.y - scene.from.y)).rounded()))
    }
}
