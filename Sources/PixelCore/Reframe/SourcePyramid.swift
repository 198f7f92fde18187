import StetSupport

/// One decode, kept at full size and at halves (box-filtered, materialised once), so that every
/// target is cut from the smallest level that still has at least its output's pixels. This is
/// what `thumbnail`'s shrink-on-load gives a single output, shared by all of them: a 4000x3000
/// source cut to eight presets resizes from 2000x1500 for seven of them instead of from
/// 4000x3000, with the same Lanczos reduction at the end.
public final class SourcePyramid: @unchecked Sendable {
    /// Level 0 is the decoded source; level n is about 1/2^n of it.
    public let levels: [Image]

    public var source: Image { levels[0] }

    /// Decodes `path` once, upright, as 8-bit sRGB(A) in memory, as `Image.decode` does, but for
    /// an upright file (EXIF orientation 1, most files) with sequential access: the loader
    /// streams straight into the one memory image instead of first decoding into a buffer of
    /// its own, which halves the peak memory and saves a full-size copy. Rotated files take
    /// `Image.decode`, since rotating needs random access.
    public static func decodeSource(_ path: String, options: LoadOptions = .strict) throws -> Image {
        let (header, image, decoded) = try Load(path, options: options, sequential: true).runDecodingJPEG()
        guard header.orientation == 1 || decoded else { return try Image.decode(path, options: options) }
        do { return try image.autorotated().normalizedToSRGB8().materialized() } catch is StetError {
            throw Load.decodeFailure(.source, loader: header.loader, options: options)
        }
    }

    /// Builds halves while the next level would still be at least `minimumSide` on its short side.
    public init(_ source: Image, minimumSide: Int = 256) throws {
        var levels = [source]
        while min(levels.last!.width, levels.last!.height) / 2 >= minimumSide && levels.count < 6 {
            levels.append(try levels.last!.shrunk(by: 2).materialized())
        }
        self.levels = levels
    }

    /// The smallest level whose long side is at least `longSide` (else the source).
    public func smallest(longSide: Int) -> Image {
        levels.last { max($0.width, $0.height) >= longSide } ?? levels[0]
    }

    /// The smallest level on which `box` (source pixels) still covers `width×height` pixels,
    /// and `box` in that level's pixels.
    public func level(for box: Rect, width: Int, height: Int) -> (image: Image, box: Rect) {
        let src = levels[0]
        for image in levels.reversed() {
            let sx = Double(image.width) / Double(src.width), sy = Double(image.height) / Double(src.height)
            let x0 = Int((Double(box.x) * sx).rounded()), y0 = Int((Double(box.y) * sy).rounded())
            let x1 = min(image.width, Int((Double(box.x + box.width) * sx).rounded()))
            let y1 = min(image.height, Int((Double(box.y + box.height) * sy).rounded()))
            if x1 - x0 >= width && y1 - y0 >= height {
                return (image, Rect(x: x0, y: y0, width: x1 - x0, height: y1 - y0))
            }
        }
        return (src, box)
    }

    /// The crop window `box` (source pixels) at exactly `width×height`.
    public func crop(_ box: Rect, width: Int, height: Int) throws -> Image {
        let (image, b) = level(for: box, width: width, height: height)
        return try ReframeRender.crop(image, box: b, width: width, height: height)
    }

    /// The whole source at exactly `width×height`, from the smallest level that has the pixels.
    public func resized(toWidth width: Int, height: Int) throws -> Image {
        try crop(Rect(x: 0, y: 0, width: levels[0].width, height: levels[0].height), width: width, height: height)
    }
}
