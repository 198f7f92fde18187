import CVips
import Foundation
import StetSupport

/// A strict JPEG load decoded once, by libjpeg on the calling thread, instead of twice.
///
/// Why: `FileIntegrity` must entropy-decode a JPEG to judge it the same on every run (libvips
/// 8.14's own `fail_on` depends on how its threads split the image), and libvips then decoded
/// it again for the pixels. That second pass cost `draft` of ten 1926x2886 JPEGs 26-31%. Here
/// the checking decode *is* the decode: the marker walk, then libjpeg at the scale libvips'
/// `jpegload` would use (`shrink` 1, 2, 4 or 8; libjpeg's default accurate DCT and fancy
/// upsampling, as libvips leaves them; Adobe CMYK inverted, as libvips does), with every
/// warning fatal, into a memory image that gets the header's metadata (EXIF, XMP, ICC profile,
/// orientation). Pipelines downstream (`thumbnail_image`, `autorot`, the colour import) see what
/// they would have seen from `jpegload`: the same pixels, within rounding (tested).
///
/// Only for `failOn != .none`: `--lenient` keeps libvips' own decoder, which decodes what is
/// there in a damaged file.
enum JPEGDecode {
    /// Whether `header` (an opened file) is decoded here under `options`.
    static func applies(to header: Image, options: LoadOptions) -> Bool {
        options.failOn != .none && header.loader == "jpegload"
    }

    /// libvips 8.14 `thumbnail`'s shrink-on-load for a JPEG: the shrink that fits the upright
    /// source into the target box (the larger of the two axes' shrinks, or the smaller when
    /// cropping to fill), then a block shrink that leaves at least a factor of two for the final
    /// resize: 8 from 16, 4 from 8, 2 from 4 (measured against `vips thumbnail` with VIPS_INFO).
    static func thumbnailShrink(uprightWidth w: Int, uprightHeight h: Int, width: Int, height: Int?,
                                crops: Bool, enlargesOnly: Bool) -> Int {
        guard !enlargesOnly, width > 0 else { return 1 }
        let hs = Double(w) / Double(width)
        let vs = Double(h) / Double(height ?? width)
        let shrink = crops ? min(hs, vs) : max(hs, vs)
        if shrink >= 16 { return 8 }
        if shrink >= 8 { return 4 }
        if shrink >= 4 { return 2 }
        return 1
    }

    /// Decodes `path`, already opened as `header` by `jpegload`, at 1/`shrink` scale. A damaged
    /// file throws `FileIntegrity.Problem`, in the words of the check.
    static func decode(_ path: String, header: Image, shrink: Int = 1) throws -> Image {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw FileIntegrity.Problem(text: "cannot be read (\(error.localizedDescription))", lenientHelps: false)
        }
        return try data.withUnsafeBytes { bytes -> Image in
            if let problem = FileIntegrity.jpeg(bytes) { throw problem }
            guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
                throw FileIntegrity.Problem(text: "truncated JPEG (premature end of data)")
            }
            var message = [CChar](repeating: 0, count: 256)
            var out: UnsafeMutablePointer<VipsImage>?
            let status = stet_jpeg_decode(base, UInt(bytes.count), Int32(shrink), &out, &message, Int32(message.count))
            if status == 1 { throw FileIntegrity.jpegProblem(message) }
            guard status == 0, let out else { throw StetError.operation("jpegload", "out of memory decoding the JPEG") }
            stet_copy_metadata(header.pointer, out)
            return Image(owning: out)
        }
    }
}
