import Foundation
import StetSupport

/// The canonical mask: 8-bit grey, the image's size, 255 = edit, 0 = keep, values between
/// are partial (anti-aliased edges, feathering). Every exporter starts from this.
public struct Mask: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var values: [UInt8]

    public init(width: Int, height: Int, values: [UInt8]) {
        precondition(values.count == width * height, "Mask: value count does not match size")
        self.width = width; self.height = height; self.values = values
    }

    /// An empty (all keep) mask.
    public init(width: Int, height: Int) {
        self.init(width: width, height: height, values: [UInt8](repeating: 0, count: width * height))
    }

    /// Reads a mask image: one band is used as it is; colour masks are reduced to their
    /// luminance; an alpha band is ignored. Canonical polarity (255 = edit) is assumed.
    public init(_ image: Image) throws {
        var grey = image
        if grey.bands >= 3 { grey = try grey.colourspace(.bw) }
        if grey.bands > 1 { grey = try grey.band(0) }
        let raster = try PixelRaster(grey)
        self.init(width: raster.width, height: raster.height, values: raster.bytes)
    }

    /// Opens a mask file (canonical polarity).
    /// A mask with transparent pixels is another API's convention (OpenAI's: alpha 0 = edit),
    /// and is refused by name rather than read with the wrong polarity.
    /// `role`: what errors call the file (`.mask` unless the caller says otherwise).
    public static func load(_ path: String, role: FileRole = .mask, options: LoadOptions = .strict) throws -> Mask {
        let image = try Image.decode(path, role: role, options: options)
        if image.hasAlpha, let alpha = try? PixelRaster(image.band(image.bands - 1)), alpha.bytes.contains(where: { $0 < 255 }) {
            throw StetError.file(role, "is an RGBA mask in OpenAI's convention (transparent = edit), not a canonical mask (white = edit); stet mask \(role) \(Hint.fromAlpha) -o mask.png converts it")
        }
        do { return try Mask(image) } catch let e as StetError { throw e.about(role) }
    }

    public func image() throws -> Image {
        try PixelRaster(width: width, height: height, bands: 1, bytes: values).image()
    }

    /// Number of pixels with any edit weight.
    public var editedPixelCount: Int { values.reduce(0) { $0 + ($1 > 0 ? 1 : 0) } }

    /// Fraction of the frame with any edit weight, 0...1.
    public var coverage: Double { width * height == 0 ? 0 : Double(editedPixelCount) / Double(width * height) }

    public var isEmpty: Bool { !values.contains { $0 > 0 } }

    /// The smallest box holding every pixel above `threshold`, or nil when there is none.
    public func boundingBox(above threshold: UInt8 = 0) -> Rect? {
        var x0 = width, y0 = height, x1 = -1, y1 = -1
        values.withUnsafeBufferPointer { v in
            for y in 0..<height {
                let row = y * width
                var first = -1, last = -1
                for x in 0..<width where v[row + x] > threshold {
                    if first < 0 { first = x }
                    last = x
                }
                if first >= 0 {
                    x0 = min(x0, first); x1 = max(x1, last)
                    y0 = min(y0, y); y1 = max(y1, y)
                }
            }
        }
        guard x1 >= 0 else { return nil }
        return Rect(x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1)
    }

    /// Union: the larger edit weight of the two at each pixel.
    public func union(_ other: Mask) -> Mask {
        precondition(other.width == width && other.height == height)
        var out = values
        for i in out.indices where other.values[i] > out[i] { out[i] = other.values[i] }
        return Mask(width: width, height: height, values: out)
    }

    /// Swaps edit and keep.
    public func inverted() -> Mask {
        Mask(width: width, height: height, values: values.map { 255 - $0 })
    }

    /// Values at or above `threshold` become 255, the rest 0.
    public func binarized(threshold: UInt8 = 128) -> Mask {
        Mask(width: width, height: height, values: values.map { $0 >= threshold ? 255 : 0 })
    }

    /// The part of the mask inside `box`.
    public func cropped(_ box: Rect) -> Mask {
        let r = PixelRaster(width: width, height: height, bands: 1, bytes: values).cropped(box)
        return Mask(width: r.width, height: r.height, values: r.bytes)
    }
}
