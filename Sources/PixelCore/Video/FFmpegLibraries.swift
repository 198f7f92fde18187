import CFFmpegLoader
import StetSupport

/// FFmpeg's libraries are opened on first use, not when the program starts (CFFmpegLoader:
/// linking them cost every command 15-30 ms). The video engine asks for them before it opens a
/// clip, so that a machine without them gets one line saying so.
enum FFmpegLibraries {
    static func require() throws {
        var message = [CChar](repeating: 0, count: 512)
        guard stet_ffmpeg_open(&message, UInt(message.count)) == 0 else { return }
        let why = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        throw StetError.operation("ffmpeg", "FFmpeg's libraries cannot be loaded (\(why)); install libavformat59, libavcodec59 and libswscale6")
    }
}
