import CFFmpeg
import Foundation
import StetSupport

/// Writes H.264 in MP4 (libx264 through libavcodec; FFmpeg's next best H.264 encoder, else
/// MPEG-4 Part 2, when this build lacks it), with the source's audio copied packet for packet.
/// Frames keep their source timestamps, so the copied audio stays in sync.
final class ProxyEncoder {
    struct Settings {
        var width: Int
        var height: Int
        var crf = 28
        var preset = "veryfast"
        /// Largest distance between keyframes, in frames.
        var keyframeInterval: Int
    }

    private var output: UnsafeMutablePointer<AVFormatContext>?
    private var encoder: UnsafeMutablePointer<AVCodecContext>?
    private var packet: UnsafeMutablePointer<AVPacket>?
    /// The RGB frame `add(rgb:)` fills (kept across frames).
    private var rgbFrame: UnsafeMutablePointer<AVFrame>?
    private var videoOut: UnsafeMutablePointer<AVStream>
    private var audioOut: UnsafeMutablePointer<AVStream>?
    private let audioIn: UnsafeMutablePointer<AVStream>?
    private let scaler: FrameScaler
    private let path: String
    private var opened = false
    let encoderName: String
    /// Why the source's audio was not copied, when it was not.
    private(set) var audioDropped: String?

    /// The encoders tried, best first.
    static let encoderNames = ["libx264", "h264", "libopenh264", "mpeg4"]

    init(path: String, source: VideoSource, settings: Settings) throws {
        self.path = path
        func fail(_ what: String) -> StetError { .file(.output, what) }
        var oc: UnsafeMutablePointer<AVFormatContext>? = nil
        guard avformat_alloc_output_context2(&oc, nil, "mp4", path) >= 0, let oc else {
            throw fail("the MP4 muxer is missing from this FFmpeg build")
        }
        output = oc
        var codec: UnsafePointer<AVCodec>? = nil
        for name in ProxyEncoder.encoderNames {
            if let c = avcodec_find_encoder_by_name(name) { codec = c; break }
        }
        guard let codec else { avformat_free_context(oc); throw fail("no H.264 or MPEG-4 encoder in this FFmpeg build") }
        encoderName = String(cString: codec.pointee.name)
        scaler = FrameScaler(width: settings.width, height: settings.height, pixelFormat: AV_PIX_FMT_YUV420P,
                             flags: SWS_BICUBIC)

        let enc = avcodec_alloc_context3(codec)!
        encoder = enc
        enc.pointee.width = Int32(settings.width)
        enc.pointee.height = Int32(settings.height)
        enc.pointee.pix_fmt = AV_PIX_FMT_YUV420P
        enc.pointee.sample_aspect_ratio = AVRational(num: 1, den: 1)
        // The source's own clock: every frame keeps its timestamp.
        enc.pointee.time_base = source.videoTimeBase
        let rate = source.videoStream.pointee.avg_frame_rate
        if rate.num > 0 && rate.den > 0 { enc.pointee.framerate = rate }
        enc.pointee.gop_size = Int32(settings.keyframeInterval)
        enc.pointee.max_b_frames = 2
        enc.pointee.thread_count = 0
        enc.pointee.color_range = AVCOL_RANGE_MPEG
        if encoderName == "libx264" {
            av_opt_set(enc.pointee.priv_data, "crf", "\(settings.crf)", 0)
            av_opt_set(enc.pointee.priv_data, "preset", settings.preset, 0)
        } else {
            enc.pointee.bit_rate = Int64(settings.width * settings.height) * 3
        }
        if stet_avfmt_globalheader(oc.pointee.oformat) != 0 {
            enc.pointee.flags |= Int32(stet_codec_flag_global_header())
        }
        let o = avcodec_open2(enc, codec, nil)
        guard o >= 0 else {
            avcodec_free_context(&encoder); avformat_free_context(oc)
            throw fail("the \(encoderName) encoder cannot start: \(avMessage(o))")
        }
        videoOut = avformat_new_stream(oc, nil)
        avcodec_parameters_from_context(videoOut.pointee.codecpar, enc)
        videoOut.pointee.time_base = enc.pointee.time_base
        if rate.num > 0 { videoOut.pointee.avg_frame_rate = rate }

        // Audio, copied: only a codec MP4 can hold.
        var audioSource: UnsafeMutablePointer<AVStream>? = nil
        if let a = source.audioStream {
            let id = a.pointee.codecpar.pointee.codec_id
            if avformat_query_codec(oc.pointee.oformat, id, FF_COMPLIANCE_NORMAL) == 1 {
                let out = avformat_new_stream(oc, nil)!
                avcodec_parameters_copy(out.pointee.codecpar, a.pointee.codecpar)
                out.pointee.codecpar.pointee.codec_tag = 0
                out.pointee.time_base = a.pointee.time_base
                audioOut = out
                audioSource = a
            } else {
                audioDropped = "its \(String(cString: avcodec_get_name(id))) audio cannot go into MP4 unconverted, so the proxy is silent"
            }
        }
        audioIn = audioSource
        packet = av_packet_alloc()

        let io = avio_open(&oc.pointee.pb, path, AVIO_FLAG_WRITE)
        guard io >= 0 else {
            avcodec_free_context(&encoder); avformat_free_context(oc); output = nil
            throw fail("cannot be written: \(avMessage(io))")
        }
        var dict: OpaquePointer? = nil
        // The index goes first, so a browser starts playing (and scrubbing) at once.
        av_dict_set(&dict, "movflags", "+faststart", 0)
        let h = avformat_write_header(oc, &dict)
        av_dict_free(&dict)
        guard h >= 0 else {
            avio_closep(&oc.pointee.pb)
            avcodec_free_context(&encoder); avformat_free_context(oc); output = nil
            throw fail("the MP4 header cannot be written: \(avMessage(h))")
        }
        opened = true
    }

    deinit {
        av_packet_free(&packet)
        av_frame_free(&rgbFrame)
        avcodec_free_context(&encoder)
        if let oc = output {
            if oc.pointee.pb != nil { avio_closep(&oc.pointee.pb) }
            avformat_free_context(oc)
        }
    }

    /// Scales and encodes one source frame at its own timestamp.
    func add(_ frame: VideoSource.Frame) throws {
        let scaled = try scaler.scale(frame.frame)
        scaled.pointee.pts = frame.pts
        scaled.pointee.pict_type = AV_PICTURE_TYPE_NONE
        try send(scaled)
    }

    /// Encodes packed 8-bit RGB pixels (an enlarged frame from the pixel core) at `pts`.
    func add(rgb: [UInt8], width: Int, height: Int, pts: Int64) throws {
        if rgbFrame == nil || Int(rgbFrame!.pointee.width) != width || Int(rgbFrame!.pointee.height) != height {
            av_frame_free(&rgbFrame)
            rgbFrame = av_frame_alloc()
            guard let f = rgbFrame else { throw StetError.file(.output, "out of memory") }
            f.pointee.width = Int32(width); f.pointee.height = Int32(height); f.pointee.format = AV_PIX_FMT_RGB24.rawValue
            guard av_frame_get_buffer(f, 0) >= 0 else { throw StetError.file(.output, "out of memory") }
        }
        let f = rgbFrame!
        guard av_frame_make_writable(f) >= 0 else { throw StetError.file(.output, "out of memory") }
        let stride = Int(f.pointee.linesize.0), row = width * 3
        rgb.withUnsafeBytes { src in
            for y in 0..<height {
                UnsafeMutableRawPointer(f.pointee.data.0!).advanced(by: y * stride)
                    .copyMemory(from: src.baseAddress!.advanced(by: y * row), byteCount: row)
            }
        }
        let scaled = try scaler.scale(f)
        scaled.pointee.pts = pts
        scaled.pointee.pict_type = AV_PICTURE_TYPE_NONE
        try send(scaled)
    }

    /// Copies one audio packet from the source (its timestamps moved to the output's time base).
    func copyAudio(_ source: UnsafeMutablePointer<AVPacket>) throws {
        guard let audioOut, let audioIn, let packet else { return }
        av_packet_ref(packet, source)
        defer { av_packet_unref(packet) }
        av_packet_rescale_ts(packet, audioIn.pointee.time_base, audioOut.pointee.time_base)
        packet.pointee.stream_index = audioOut.pointee.index
        packet.pointee.pos = -1
        let w = av_interleaved_write_frame(output, packet)
        guard w >= 0 else { throw StetError.file(.output, "cannot be written: \(avMessage(w))") }
    }

    private func send(_ frame: UnsafeMutablePointer<AVFrame>?) throws {
        let s = avcodec_send_frame(encoder, frame)
        guard s >= 0 else { throw StetError.file(.output, "\(encoderName) refused a frame: \(avMessage(s))") }
        while true {
            let r = avcodec_receive_packet(encoder, packet)
            if r == stet_averror_eagain() || r == stet_averror_eof() { return }
            guard r >= 0 else { throw StetError.file(.output, "\(encoderName) failed: \(avMessage(r))") }
            av_packet_rescale_ts(packet, encoder!.pointee.time_base, videoOut.pointee.time_base)
            packet!.pointee.stream_index = videoOut.pointee.index
            let w = av_interleaved_write_frame(output, packet)
            guard w >= 0 else { throw StetError.file(.output, "cannot be written: \(avMessage(w))") }
        }
    }

    /// Flushes the encoder and writes the index.
    func finish() throws {
        try send(nil)
        let t = av_write_trailer(output)
        guard t >= 0 else { throw StetError.file(.output, "cannot be finished: \(avMessage(t))") }
        avio_closep(&output!.pointee.pb)
    }
}
