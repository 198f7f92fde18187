import CFFmpeg
import Foundation
import StetSupport

/// What a clip is, from its container header (and the first packets where the header is
/// silent): the facts a contact sheet's header line and a ledger entry need.
public struct VideoInfo: Sendable, Codable, Equatable {
    public var width: Int
    public var height: Int
    /// Frames per second (the stream's average rate; 0 when the clip does not say).
    public var fps: Double
    /// Seconds, from the container (0 when unknown).
    public var duration: Double
    /// Frames the container declares (0 when it does not).
    public var declaredFrames: Int
    /// The video codec's FFmpeg name (h264, hevc, vp9, ...).
    public var codec: String
    public var container: String
    /// The audio codec, when the clip has an audio stream.
    public var audio: String?
}

/// FFmpeg error text for a return code.
func avMessage(_ code: Int32) -> String {
    var buffer = [CChar](repeating: 0, count: 128)
    stet_av_strerror(code, &buffer, buffer.count)
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// FFmpeg's own log is silenced once: each problem is reported by Stet in one line.
private let quietFFmpeg: Void = { stet_av_quiet() }()

/// A clip opened for streaming decode: the demuxer, the video decoder, and (optionally) the
/// audio stream's packets handed through untouched. One frame is held at a time, so memory stays
/// bounded whatever the clip's length. Every problem is an input error naming `path`.
public final class VideoSource {
    public let path: String
    public let info: VideoInfo
    var format: UnsafeMutablePointer<AVFormatContext>?
    var decoder: UnsafeMutablePointer<AVCodecContext>?
    let videoIndex: Int32
    let audioIndex: Int32
    /// Largest frame side FFmpeg's image code accepts in practice, whatever --limit-pixels says.
    static let maxSide = 16384

    public init(_ path: String, limits: LoadOptions = .strict) throws {
        _ = quietFFmpeg
        self.path = path
        func fail(_ problem: String) -> StetError { .file(.source, problem) }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw fail(FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file")
        }
        if fileSize(path) == 0 { throw fail("empty file (0 bytes), not a clip") }
        try FFmpegLibraries.require()
        var ctx: UnsafeMutablePointer<AVFormatContext>? = nil
        let opened = avformat_open_input(&ctx, path, nil, nil)
        guard opened >= 0, let ctx else {
            throw fail(ClipSniffer.openFailure(path, code: opened))
        }
        var owned: UnsafeMutablePointer<AVFormatContext>? = ctx
        var failed = true
        defer { if failed { avformat_close_input(&owned) } }

        // The header's claims are checked before FFmpeg probes any frame.
        func checkSize(_ par: UnsafeMutablePointer<AVCodecParameters>) throws {
            let w = Int(par.pointee.width), h = Int(par.pointee.height)
            guard w > 0 || h > 0 else { return }
            if w > VideoSource.maxSide || h > VideoSource.maxSide {
                throw fail("header claims \(w)x\(h) frames, beyond the \(VideoSource.maxSide)x\(VideoSource.maxSide) any decoder here accepts (damaged or hostile clip)")
            }
            try limits.checkPixels(width: w, height: h, what: "clip frame")
        }
        for i in 0..<Int(ctx.pointee.nb_streams) {
            if let st = ctx.pointee.streams[i], st.pointee.codecpar.pointee.codec_type == AVMEDIA_TYPE_VIDEO {
                try checkSize(st.pointee.codecpar)
            }
        }
        let probed = avformat_find_stream_info(ctx, nil)
        guard probed >= 0 else { throw fail("damaged clip: its streams cannot be read (\(avMessage(probed)))") }

        // The video stream: the container's best, with a known codec. An attached picture
        // (cover art in an audio file) is not video.
        var best: Int32 = -1
        for i in 0..<Int32(ctx.pointee.nb_streams) {
            let st = ctx.pointee.streams[Int(i)]!
            guard st.pointee.codecpar.pointee.codec_type == AVMEDIA_TYPE_VIDEO,
                  st.pointee.disposition & AV_DISPOSITION_ATTACHED_PIC == 0 else { continue }
            best = av_find_best_stream(ctx, AVMEDIA_TYPE_VIDEO, -1, -1, nil, 0)
            if best < 0 { best = i }
            break
        }
        guard best >= 0 else {
            let hasAudio = (0..<Int(ctx.pointee.nb_streams)).contains {
                ctx.pointee.streams[$0]!.pointee.codecpar.pointee.codec_type == AVMEDIA_TYPE_AUDIO
            }
            throw fail(hasAudio ? "clip has no video stream (audio only)" : "clip has no video stream")
        }
        videoIndex = best
        let stream = ctx.pointee.streams[Int(best)]!
        let par = stream.pointee.codecpar!
        try checkSize(par)
        let codecID = par.pointee.codec_id
        guard codecID != AV_CODEC_ID_NONE else {
            throw fail("unknown video codec\(ClipSniffer.fourcc(par.pointee.codec_tag)) (not one FFmpeg \(ClipSniffer.libavcodecVersion) can decode)")
        }
        let codecName = String(cString: avcodec_get_name(codecID))
        guard let codec = avcodec_find_decoder(codecID) else {
            throw fail("video codec \(codecName) has no decoder in this FFmpeg build (libavcodec \(ClipSniffer.libavcodecVersion))")
        }
        guard par.pointee.width > 0, par.pointee.height > 0 else {
            throw fail("damaged clip: the video stream has no frame size")
        }
        audioIndex = av_find_best_stream(ctx, AVMEDIA_TYPE_AUDIO, -1, best, nil, 0)

        guard let dec = avcodec_alloc_context3(codec) else { throw fail("cannot allocate a \(codecName) decoder") }
        avcodec_parameters_to_context(dec, par)
        dec.pointee.thread_count = 0
        dec.pointee.pkt_timebase = stream.pointee.time_base
        let openedDecoder = avcodec_open2(dec, codec, nil)
        guard openedDecoder >= 0 else {
            var d: UnsafeMutablePointer<AVCodecContext>? = dec
            avcodec_free_context(&d)
            throw fail("\(codecName) decoder cannot start: \(avMessage(openedDecoder))")
        }

        var rate = stream.pointee.avg_frame_rate
        if rate.num == 0 || rate.den == 0 { rate = stream.pointee.r_frame_rate }
        let fps = rate.den != 0 ? Double(rate.num) / Double(rate.den) : 0
        var duration = 0.0
        if stream.pointee.duration > 0 {
            duration = Double(stream.pointee.duration) * av_q2d(stream.pointee.time_base)
        } else if ctx.pointee.duration > 0 {
            duration = Double(ctx.pointee.duration) / Double(AV_TIME_BASE)
        }
        var audioName: String? = nil
        if audioIndex >= 0 {
            audioName = String(cString: avcodec_get_name(ctx.pointee.streams[Int(audioIndex)]!.pointee.codecpar.pointee.codec_id))
        }
        let container = String(cString: ctx.pointee.iformat.pointee.name).split(separator: ",").first.map(String.init) ?? ""
        info = VideoInfo(width: Int(par.pointee.width), height: Int(par.pointee.height), fps: fps, duration: duration,
                         declaredFrames: Int(stream.pointee.nb_frames), codec: codecName, container: container,
                         audio: audioName)
        format = ctx
        decoder = dec
        failed = false
        if info.declaredFrames == 1 { throw ClipSniffer.oneFrame(path) }
    }

    deinit {
        avcodec_free_context(&decoder)
        avformat_close_input(&format)
    }

    var videoStream: UnsafeMutablePointer<AVStream> { format!.pointee.streams[Int(videoIndex)]! }
    var audioStream: UnsafeMutablePointer<AVStream>? { audioIndex >= 0 ? format!.pointee.streams[Int(audioIndex)]! : nil }
    var videoTimeBase: AVRational { videoStream.pointee.time_base }

    /// One decoded frame, valid only during the callback.
    public struct Frame {
        /// 0-based, in presentation order.
        public var index: Int
        /// Seconds from the clip's first frame.
        public var time: Double
        /// In the video stream's time base.
        public var pts: Int64
        let frame: UnsafeMutablePointer<AVFrame>
    }

    /// Decodes every frame in order, streaming: `onFrame` sees each one and returns false to
    /// stop; `onAudio` (when given) sees each audio packet, untouched. Returns the number of
    /// frames decoded. A clip that ends in damage fails with the frame it reached.
    @discardableResult
    public func decode(_ onFrame: (Frame) throws -> Bool,
                       onAudio: ((UnsafeMutablePointer<AVPacket>) throws -> Void)? = nil) throws -> Int {
        guard let format, let decoder else { return 0 }
        var packet = av_packet_alloc()
        var frame = av_frame_alloc()
        defer { av_packet_free(&packet); av_frame_free(&frame) }
        guard let packet, let frame else { throw StetError.file(.source, "out of memory") }
        var count = 0
        var firstPTS: Int64? = nil
        let timeBase = av_q2d(videoTimeBase)
        var stopped = false
        var decodeErrors = 0

        func drain() throws -> Bool {
            while true {
                let r = avcodec_receive_frame(decoder, frame)
                if r == stet_averror_eagain() || r == stet_averror_eof() { return true }
                if r < 0 {
                    decodeErrors += 1
                    if decodeErrors > 16 || count == 0 && decodeErrors > 4 {
                        throw StetError.file(.source, "damaged clip: frame \(count) cannot be decoded (\(avMessage(r)))")
                    }
                    continue
                }
                defer { av_frame_unref(frame) }
                var pts = frame.pointee.best_effort_timestamp
                if pts == stet_nopts_value() { pts = frame.pointee.pts }
                if pts == stet_nopts_value() { pts = Int64(count) }
                if firstPTS == nil { firstPTS = pts }
                let t = Double(pts - firstPTS!) * timeBase
                let keepGoing = try onFrame(Frame(index: count, time: t, pts: pts, frame: frame))
                count += 1
                if !keepGoing { return false }
            }
        }

        reading: while true {
            let r = av_read_frame(format, packet)
            if r < 0 {
                if r != stet_averror_eof() && count == 0 {
                    throw StetError.file(.source, "damaged clip: \(avMessage(r))")
                }
                break
            }
            defer { av_packet_unref(packet) }
            if packet.pointee.stream_index == videoIndex {
                let s = avcodec_send_packet(decoder, packet)
                if s < 0 && s != stet_averror_eagain() {
                    decodeErrors += 1
                    if decodeErrors > 16 {
                        throw StetError.file(.source, "damaged clip: frame \(count) cannot be decoded (\(avMessage(s)))")
                    }
                }
                if try !drain() { stopped = true; break reading }
            } else if packet.pointee.stream_index == audioIndex, let onAudio {
                try onAudio(packet)
            }
        }
        if !stopped {
            avcodec_send_packet(decoder, nil)
            _ = try drain()
        }
        if count == 0 { throw StetError.file(.source, "damaged clip: no frame can be decoded") }
        return count
    }
}

/// Converts decoded frames to packed 8-bit RGB (for the pixel core) or to another frame
/// format and size (for the encoder), with swscale; the context is kept across frames.
final class FrameScaler {
    private var context: OpaquePointer?
    private var target: UnsafeMutablePointer<AVFrame>?
    let width: Int, height: Int, pixelFormat: AVPixelFormat
    let flags: Int32

    init(width: Int, height: Int, pixelFormat: AVPixelFormat = AV_PIX_FMT_RGB24, flags: Int32 = SWS_AREA) {
        self.width = width; self.height = height; self.pixelFormat = pixelFormat; self.flags = flags
    }

    deinit {
        sws_freeContext(context)
        av_frame_free(&target)
    }

    /// The frame scaled into this scaler's own frame (valid until the next call).
    func scale(_ source: UnsafeMutablePointer<AVFrame>) throws -> UnsafeMutablePointer<AVFrame> {
        let srcFormat = AVPixelFormat(source.pointee.format)
        context = sws_getCachedContext(context, source.pointee.width, source.pointee.height, srcFormat,
                                       Int32(width), Int32(height), pixelFormat, flags, nil, nil, nil)
        guard let context else { throw StetError.operation("swscale", "cannot convert \(String(cString: av_get_pix_fmt_name(srcFormat))) frames") }
        if target == nil {
            target = av_frame_alloc()
            target!.pointee.width = Int32(width); target!.pointee.height = Int32(height)
            target!.pointee.format = pixelFormat.rawValue
            guard av_frame_get_buffer(target, 0) >= 0 else { throw StetError.operation("swscale", "out of memory") }
        } else {
            guard av_frame_make_writable(target) >= 0 else { throw StetError.operation("swscale", "out of memory") }
        }
        let r = sws_scale_frame(context, target, source)
        guard r >= 0 else { throw StetError.operation("swscale", avMessage(r)) }
        return target!
    }

    /// Packed RGB bytes (rows without padding) of a frame scaled to this size.
    func rgb(_ source: UnsafeMutablePointer<AVFrame>) throws -> [UInt8] {
        precondition(pixelFormat == AV_PIX_FMT_RGB24)
        let f = try scale(source)
        let rowBytes = width * 3
        let stride = Int(f.pointee.linesize.0)
        var out = [UInt8](repeating: 0, count: rowBytes * height)
        out.withUnsafeMutableBytes { dst in
            let src = UnsafeRawPointer(f.pointee.data.0!)
            for y in 0..<height {
                dst.baseAddress!.advanced(by: y * rowBytes).copyMemory(from: src.advanced(by: y * stride), byteCount: rowBytes)
            }
        }
        return out
    }

    /// The frame as a libvips image (8-bit sRGB), for the pixel core.
    func image(_ source: UnsafeMutablePointer<AVFrame>) throws -> Image {
        try Image.fromPixels(try rgb(source), width: width, height: height, bands: 3).copyInterpretation(.srgb)
    }
}

extension VideoSource.Frame {
    /// The frame's display size.
    public var width: Int { Int(frame.pointee.width) }
    public var height: Int { Int(frame.pointee.height) }
}
