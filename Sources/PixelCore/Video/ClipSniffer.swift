import CFFmpeg
import Foundation
import StetSupport

/// Tells a video clip from a still by its first bytes (and, for files too damaged to say, by
/// its name), and explains why FFmpeg could not open one, in a user's terms.
public enum ClipSniffer {
    /// Extensions taken as clips when the bytes do not decide.
    public static let clipExtensions: Set<String> = ["mp4", "m4v", "mov", "mkv", "webm", "avi", "mts", "m2ts", "ts",
                                                     "mpg", "mpeg", "ogv", "y4m", "3gp", "flv", "wmv"]
    /// ISO-BMFF brands that are still images (HEIF, AVIF), not clips.
    static let stillBrands: Set<String> = ["heic", "heix", "heim", "heis", "hevc", "mif1", "msf1", "avif", "avis",
                                           "jpeg", "avci"]

    /// True when `path` is a video clip rather than a still image.
    public static func isClip(_ path: String) -> Bool {
        let head = firstBytes(path, 16)
        if head.count >= 12, Array(head[4..<8]) == Array("ftyp".utf8) {
            let brand = String(decoding: head[8..<12], as: UTF8.self).lowercased()
            return !stillBrands.contains(brand)
        }
        if head.count >= 4, head[0..<4] == [0x1A, 0x45, 0xDF, 0xA3] { return true }            // Matroska, WebM
        if head.count >= 12, Array(head[0..<4]) == Array("RIFF".utf8), Array(head[8..<12]) == Array("AVI ".utf8) { return true }
        if head.count >= 9, Array(head[0..<9]) == Array("YUV4MPEG2".utf8) { return true }
        if head.count >= 4, head[0..<4] == [0x00, 0x00, 0x01, 0xBA] { return true }            // MPEG-PS
        if head.count >= 8, Array(head[4..<8]) == Array("moov".utf8) || Array(head[4..<8]) == Array("mdat".utf8) ||
            Array(head[4..<8]) == Array("wide".utf8) { return true }                             // QuickTime without ftyp
        // A recognised still signature decides for the still, whatever the name says.
        if head.count >= 3, head[0..<3] == [0xFF, 0xD8, 0xFF] { return false }
        if head.count >= 4, head[0..<4] == [0x89, 0x50, 0x4E, 0x47] { return false }
        return clipExtensions.contains((path as NSString).pathExtension.lowercased())
    }

    static func firstBytes(_ path: String, _ n: Int) -> [UInt8] {
        guard let h = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? h.close() }
        return [UInt8]((try? h.read(upToCount: n)) ?? Data())
    }

    /// The top-level boxes of an ISO-BMFF file (MP4, MOV), walked by their sizes, or nil
    /// when the file is not one.
    static func topLevelBoxes(_ path: String) -> [String]? {
        guard let h = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? h.close() }
        let total = UInt64(fileSize(path))
        var offset: UInt64 = 0, boxes: [String] = []
        while offset + 8 <= total, boxes.count < 10_000 {
            try? h.seek(toOffset: offset)
            guard let head = try? h.read(upToCount: 16), head.count >= 8 else { break }
            let b = [UInt8](head)
            var size = UInt64(b[0]) << 24 | UInt64(b[1]) << 16 | UInt64(b[2]) << 8 | UInt64(b[3])
            let type = String(decoding: b[4..<8], as: UTF8.self)
            if size == 1, b.count >= 16 { size = b[8..<16].reduce(0) { $0 << 8 | UInt64($1) } }
            if size == 0 { size = total - offset }
            boxes.append(type)
            guard size >= 8 else { break }
            offset += size
        }
        return boxes.first == "ftyp" ? boxes : nil
    }

    /// Why `avformat_open_input` refused the file, in one clause.
    static func openFailure(_ path: String, code: Int32) -> String {
        if let boxes = topLevelBoxes(path), !boxes.contains("moov") {
            return "truncated or unfinished MP4: the moov atom (the clip's index) is missing, so no frame can be found; re-export or download it again"
        }
        if code == stet_averror_invaliddata() {
            return isClip(path) ? "damaged clip: FFmpeg cannot read its container" : "not a video clip or image Stet can read"
        }
        return "cannot be opened as a clip (\(avMessage(code)))"
    }

    static func oneFrame(_ path: String) -> StetError {
        .file(.source, "clip has only one frame: a still, not a clip (give it to Stet as an image)")
    }

    /// " 'xxxx'" for a printable fourcc, else "".
    static func fourcc(_ tag: UInt32) -> String {
        let bytes = (0..<4).map { UInt8((tag >> (8 * UInt32($0))) & 0xFF) }
        guard tag != 0, bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { return "" }
        return " '\(String(decoding: bytes, as: UTF8.self))'"
    }

    static var libavcodecVersion: String {
        let v = avcodec_version()
        return "\(v >> 16).\((v >> 8) & 0xFF)"
    }
}
