import StetSupport

/// libvips `thumbnail` on a file, so that shrink-on-load applies: a JPEG decodes at 1/2, 1/4 or
/// 1/8 scale and a WebP or PNG at reduced size where the format allows. EXIF orientation is
/// applied. The result is normalised to 8-bit sRGB(A).
///
/// The header is checked against the pixel cap first, and the same header says whether the
/// file carries an ICC profile: only then is `export_profile=srgb` passed, so profiled images
/// (including CMYK) are converted through their profile while untagged sRGB pays nothing.
///
/// The file is read sequentially, top to bottom, and the result is computed before `run()`
/// returns (into memory), so a damaged file fails here, named as the input.
///
/// Optional arguments left unset keep libvips' defaults: `size=both`, `crop=none`,
/// `linear=false`, `intent=relative`.
public struct Thumbnail: Sendable {
    public enum Size: String, Sendable { case both, up, down, force }
    public enum Crop: String, Sendable { case none, centre, entropy, attention }

    public var path: String
    public var width: Int
    public var height: Int?
    public var size: Size?
    public var crop: Crop?
    public var options: LoadOptions
    /// What errors call the file.
    public var role: FileRole

    public init(_ path: String, role: FileRole = .source, width: Int, height: Int? = nil, size: Size? = nil,
                crop: Crop? = nil, options: LoadOptions = .strict) {
        self.path = path; self.role = role; self.width = width; self.height = height; self.size = size; self.crop = crop
        self.options = options
    }

    public func run() throws -> Image { try runWithSource().image }

    /// The thumbnail together with the source's own size (from its header).
    public func runWithSource() throws -> (image: Image, sourceWidth: Int, sourceHeight: Int) {
        let load = Load(path, role: role, options: options)
        let header = try load.openHeader()
        let (sw, sh) = header.uprightSize
        var op: Operation
        if JPEGDecode.applies(to: header, options: options) {
            // Shrink-on-load done by Stet's one-pass strict decode, at the factor `thumbnail`
            // would pick; `thumbnail_image` then does the rest, as `thumbnail` would.
            let shrink = JPEGDecode.thumbnailShrink(uprightWidth: sw, uprightHeight: sh, width: width, height: height,
                                                    crops: crop.map { $0 != .none } ?? false, enlargesOnly: size == .up)
            op = Operation("thumbnail_image")
            op.set("in", .image(try load.decodeJPEG(header: header, shrink: shrink)))
        } else {
            try load.checkIntegrity()
            op = Operation("thumbnail")
            op.set("filename", .string(path))
            op.set("fail_on", .string(options.failOn.rawValue))
        }
        op.set("width", .int(width))
        op.set("height", height.map { .int($0) })
        op.set("size", size.map { .string($0.rawValue) })
        op.set("crop", crop.map { .string($0.rawValue) })
        if header.hasICCProfile || header.interpretation == .cmyk {
            op.set("export_profile", .string("srgb"))
        }
        let lazy: Image
        do { lazy = try op.image().normalizedToSRGB8() } catch let e as StetError { throw e.about(role) }
        // The pixels are computed here, so that a file that fails to decode fails as the input
        // it is, not later inside whichever step pulls them (a save would name itself and
        // whatever libvips' shared error buffer held). A thumbnail is small.
        do {
            return (try lazy.materialized(), sw, sh)
        } catch is StetError {
            throw Load.decodeFailure(role, loader: header.loader, options: options)
        }
    }
}
