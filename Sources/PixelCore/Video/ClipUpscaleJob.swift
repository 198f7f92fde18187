import CFFmpeg
import Foundation
import StetSupport

/// `upscale` of a clip: every frame enlarged by the learned upscaler (one pass, as the still
/// default), encoded as H.264 in MP4 at a high quality, each frame at its source timestamp and the
/// audio copied packet for packet, so the clip keeps its timing. One streaming pass: memory holds
/// a frame or two, whatever the clip's length.
///
/// The temporal check: a frame-by-frame upscaler can shimmer, turning the source's tiny
/// frame-to-frame differences into visible flicker. The job measures the mean absolute luma
/// change between consecutive frames of the output (at the source's size, so the two compare)
/// and of the source; a static scene stays static when the first is no larger than the second.
public struct ClipUpscaleJob: Sendable {
    public struct Options: Sendable {
        /// 2, 3 or 4.
        public var scale = 2
        public var method: Upscale.Method = .auto
        /// libx264's constant rate factor: 18 is visually lossless for most footage.
        public var crf = 18
        public var preset = "fast"
        public var load: LoadOptions = .strict
        public init() {}
    }

    public struct Result: Sendable, Codable, Equatable {
        public var input: String
        public var output: String
        public var sourceWidth: Int
        public var sourceHeight: Int
        public var width: Int
        public var height: Int
        public var frames: Int
        public var seconds: Double
        /// Frames enlarged and encoded per second of wall time.
        public var framesPerSecond: Double
        /// Mean absolute luma change between consecutive frames (0-255): the output's, brought
        /// back to the source's size, and the source's own.
        public var outputChange: Double
        public var sourceChange: Double
        public var plan: String
        public var encoder: String
        public var warning: String?
    }

    public var options: Options
    public init(_ options: Options) { self.options = options }

    /// The output's size: the source's times the scale, each side even (4:2:0 needs it).
    public static func outputSize(width: Int, height: Int, scale: Int) -> (Int, Int) {
        ((width * scale) & ~1, (height * scale) & ~1)
    }

    public func run(input: String, output: String, progress: (@Sendable (Double) -> Void)? = nil) throws -> (Result, Usage) {
        let o = options
        let started = Date()
        let source = try VideoSource(input, limits: o.load)
        let info = source.info
        let (w, h) = ClipUpscaleJob.outputSize(width: info.width, height: info.height, scale: o.scale)
        try o.load.checkPixels(width: w, height: h, role: .output, what: "output frame")
        let fps = info.fps > 0 ? info.fps : 25
        let settings = ProxyEncoder.Settings(width: w, height: h, crf: o.crf, preset: o.preset,
                                             keyframeInterval: max(1, Int(fps.rounded())))
        // One pass per frame, no ensemble: the still default's speed, frame after frame.
        let upscale = Upscale(width: info.width * o.scale, height: info.height * o.scale, method: o.method,
                              flips: .off, backProjection: .off)
        let tmp = SafeOutput.temporaryPath(for: output)
        let toRGB = FrameScaler(width: info.width, height: info.height)
        var frames = 0, lastTime = 0.0
        var encoder: ProxyEncoder?
        var encoderName = "", warning: String?, planText = ""
        var previousOut: [UInt8]? = nil, previousIn: [UInt8]? = nil
        var outChange = 0.0, inChange = 0.0
        do {
            encoder = try ProxyEncoder(path: tmp, source: source, settings: settings)
            encoderName = encoder!.encoderName
            warning = encoder!.audioDropped
            frames = try source.decode({ frame in
                let image = try toRGB.image(frame.frame)
                if planText.isEmpty { planText = UpscaleJob.planText(try upscale.plan(for: image), upscale) }
                let big = try upscale.run(image)
                let raster = try PixelRaster(big).withBands(3)
                try encoder!.add(rgb: raster.bytes, width: raster.width, height: raster.height, pts: frame.pts)
                // The temporal check, at the source's size (luma of a box-filtered copy).
                let small = ClipUpscaleJob.luma(shrinking: raster, by: o.scale, to: (info.width, info.height))
                let sourceLuma = ClipUpscaleJob.luma(shrinking: try PixelRaster(image), by: 1, to: (info.width, info.height))
                if let p = previousOut, let q = previousIn {
                    outChange += ClipUpscaleJob.meanAbsoluteDifference(p, small)
                    inChange += ClipUpscaleJob.meanAbsoluteDifference(q, sourceLuma)
                }
                previousOut = small; previousIn = sourceLuma
                lastTime = frame.time
                if info.declaredFrames > 0 { progress?(min(1, Double(frame.index + 1) / Double(info.declaredFrames))) }
                return true
            }, onAudio: { packet in try encoder!.copyAudio(packet) })
            if frames == 1 { throw ClipSniffer.oneFrame(input) }
            try encoder!.finish()
            encoder = nil
            guard rename(tmp, output) == 0 else { throw StetError.file(.output, "cannot be renamed into place") }
        } catch {
            encoder = nil
            unlink(tmp)
            throw SafeOutput.outputError(error, temporary: tmp, path: output)
        }
        progress?(1)
        let seconds = lastTime + 1 / fps
        let pairs = Double(max(1, frames - 1))
        let result = Result(input: input, output: output, sourceWidth: info.width, sourceHeight: info.height,
                            width: w, height: h, frames: frames, seconds: seconds,
                            framesPerSecond: Double(frames) / max(1e-9, Date().timeIntervalSince(started)),
                            outputChange: outChange / pairs, sourceChange: inChange / pairs, plan: planText,
                            encoder: encoderName, warning: warning)
        let usage = Usage(operation: "upscale",
                          parameters: ["scale": "\(o.scale)", "plan": planText, "crf": "\(o.crf)", "clip": "true",
                                       "width": "\(w)", "height": "\(h)"],
                          inputs: [.init(input, width: info.width, height: info.height)],
                          outputs: [.init(output, width: w, height: h)], seconds: seconds)
        return (result, usage)
    }

    /// Luma (BT.601) of `raster` box-averaged by `factor` and cut to `size`.
    static func luma(shrinking raster: PixelRaster, by factor: Int, to size: (Int, Int)) -> [UInt8] {
        let (w, h) = size, b = raster.bands
        var out = [UInt8](repeating: 0, count: w * h)
        let n = Double(factor * factor)
        raster.bytes.withUnsafeBufferPointer { p in
            for y in 0..<h {
                for x in 0..<w {
                    var sum = 0.0
                    for dy in 0..<factor {
                        let row = (y * factor + dy) * raster.width
                        for dx in 0..<factor {
                            let i = (row + x * factor + dx) * b
                            sum += 0.299 * Double(p[i]) + 0.587 * Double(p[i + 1]) + 0.114 * Double(p[i + 2])
                        }
                    }
                    out[y * w + x] = UInt8(min(255, max(0, (sum / n).rounded())))
                }
            }
        }
        return out
    }

    static func meanAbsoluteDifference(_ a: [UInt8], _ b: [UInt8]) -> Double {
        var s = 0
        for i in 0..<min(a.count, b.count) { s += abs(Int(a[i]) - Int(b[i])) }
        return Double(s) / Double(max(1, a.count))
    }
}
