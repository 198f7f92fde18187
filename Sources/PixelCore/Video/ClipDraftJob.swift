import CFFmpeg
import Foundation
import StetSupport

/// `draft` for a clip: a low-resolution review proxy (H.264 in MP4, CRF 28, a keyframe at least
/// every second so scrubbing lands at once, the index first) with the source's audio copied,
/// and a poster frame (a third of the way in) as a still. One streaming pass: each frame is
/// decoded, scaled and encoded before the next, so memory does not grow with the clip.
public struct ClipDraftJob: Sendable {
    public struct Options: Sendable {
        /// The proxy's longest edge in pixels (never enlarged; rounded to even sizes).
        public var size = 540
        public var crf = 28
        public var preset = "veryfast"
        /// Seconds between keyframes, at most.
        public var keyframeSeconds = 1.0
        public var posterFormat: OutputFormat = .jpeg
        public var load: LoadOptions = .strict
        public var encoding: Encoding = .standard
        public init() {}
    }

    public var options: Options
    public init(_ options: Options) { self.options = options }

    /// The proxy's frame size for a `width`×`height` source: the longest edge `size` at most,
    /// both sides even (4:2:0 chroma), the display aspect kept.
    public static func proxySize(width: Int, height: Int, size: Int) -> (width: Int, height: Int) {
        let scale = min(1.0, Double(size) / Double(max(width, height)))
        func even(_ v: Double) -> Int { max(2, Int((v / 2).rounded()) * 2) }
        return (even(Double(width) * scale), even(Double(height) * scale))
    }

    /// What errors call the poster still written beside the proxy.
    public static let posterRole = FileRole.companion("poster")

    /// Where the poster of `proxy` goes: beside it, `NAME-poster.jpg`.
    public static func posterPath(for proxy: String, format: OutputFormat = .jpeg) -> String {
        (proxy as NSString).deletingPathExtension + "-poster." + format.fileExtension
    }

    public func run(input: String, output: String, poster: String) throws -> (DraftJob.Result, Usage) {
        let o = options
        let source = try VideoSource(input, limits: o.load)
        let info = source.info
        let (w, h) = ClipDraftJob.proxySize(width: info.width, height: info.height, size: o.size)
        let fps = info.fps > 0 ? info.fps : 25
        let settings = ProxyEncoder.Settings(width: w, height: h, crf: o.crf, preset: o.preset,
                                             keyframeInterval: max(1, Int((fps * o.keyframeSeconds).rounded(.down))))
        let proxyTmp = SafeOutput.temporaryPath(for: output), posterTmp = SafeOutput.temporaryPath(for: poster)
        var frames = 0, lastTime = 0.0
        var encoder: ProxyEncoder?
        var encoderName = "", warning: String?
        do {
            encoder = try ProxyEncoder(path: proxyTmp, source: source, settings: settings)
            encoderName = encoder!.encoderName
            warning = encoder!.audioDropped
            let posterScaler = FrameScaler(width: w, height: h)
            let posterTime = info.duration / 3
            var posterImage: Image?
            frames = try source.decode({ frame in
                try encoder!.add(frame)
                if posterImage == nil && frame.time + 0.5 / fps >= posterTime {
                    posterImage = try posterScaler.image(frame.frame).materialized()
                }
                lastTime = frame.time
                return true
            }, onAudio: { packet in try encoder!.copyAudio(packet) })
            if frames == 1 { throw ClipSniffer.oneFrame(input) }
            try encoder!.finish()
            encoder = nil
            try posterImage!.save(posterTmp, role: ClipDraftJob.posterRole, format: o.posterFormat, encoding: o.encoding)
            guard rename(proxyTmp, output) == 0 else { throw StetError.file(.output, "cannot be renamed into place") }
            guard rename(posterTmp, poster) == 0 else {
                unlink(output)
                throw StetError.file(ClipDraftJob.posterRole, "cannot be renamed into place")
            }
        } catch {
            encoder = nil
            unlink(proxyTmp); unlink(posterTmp)
            throw SafeOutput.outputError(error, temporary: proxyTmp, path: output)
        }
        let seconds = lastTime + 1 / fps
        let result = DraftJob.Result(input: input, output: output, sourceWidth: info.width, sourceHeight: info.height,
                                     width: w, height: h, bytesIn: fileSize(input), bytesOut: fileSize(output),
                                     poster: poster, seconds: seconds, frames: frames, codec: info.codec,
                                     fps: info.fps, encoder: encoderName, warning: warning)
        let usage = Usage(operation: "draft",
                          parameters: ["size": "\(o.size)", "format": "mp4", "crf": "\(o.crf)", "clip": "true"],
                          inputs: [.init(input, width: info.width, height: info.height)],
                          outputs: [.init(output, width: w, height: h), .init(poster, width: w, height: h)],
                          seconds: seconds, outputPixels: PixelSize(width: info.width, height: info.height))
        return (result, usage)
    }
}
