import StetSupport

/// Packed, band-interleaved 8-bit pixels owned by Swift: what the mask, inpaint and patch code
/// works on. libvips decodes and encodes; the per-pixel algorithms run here.
public struct PixelRaster: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var bands: Int
    public var bytes: [UInt8]

    public init(width: Int, height: Int, bands: Int, bytes: [UInt8]) {
        precondition(bytes.count == width * height * bands, "PixelRaster: byte count does not match size")
        self.width = width; self.height = height; self.bands = bands; self.bytes = bytes
    }

    public init(width: Int, height: Int, bands: Int, fill: UInt8 = 0) {
        self.init(width: width, height: height, bands: bands,
                  bytes: [UInt8](repeating: fill, count: width * height * bands))
    }

    /// Copies an 8-bit image's pixels out (the pipeline runs here).
    public init(_ image: Image) throws {
        let source = image.format == .uchar ? image : try image.cast(.uchar)
        self.init(width: source.width, height: source.height, bands: source.bands, bytes: try source.pixels())
    }

    /// Back into libvips, tagged sRGB (3-4 bands) or b-w (1-2 bands).
    public func image() throws -> Image {
        let made = try Image.fromPixels(bytes, width: width, height: height, bands: bands)
        return try made.copyInterpretation(bands >= 3 ? .srgb : .bw)
    }

    public var hasAlpha: Bool { bands == 2 || bands == 4 }
    public var colourBands: Int { hasAlpha ? bands - 1 : bands }

    /// The pixels inside `box` (which must lie inside the raster).
    public func cropped(_ box: Rect) -> PixelRaster {
        var out = [UInt8](repeating: 0, count: box.width * box.height * bands)
        let rowBytes = box.width * bands
        bytes.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<box.height {
                    let s = ((box.y + y) * width + box.x) * bands
                    for i in 0..<rowBytes { dst[y * rowBytes + i] = src[s + i] }
                }
            }
        }
        return PixelRaster(width: box.width, height: box.height, bands: bands, bytes: out)
    }

    /// Writes `patch` into this raster with its top-left at (x, y).
    public mutating func insert(_ patch: PixelRaster, x: Int, y: Int) {
        precondition(patch.bands == bands)
        let rowBytes = patch.width * bands
        patch.bytes.withUnsafeBufferPointer { src in
            bytes.withUnsafeMutableBufferPointer { dst in
                for row in 0..<patch.height {
                    let d = ((y + row) * width + x) * bands
                    for i in 0..<rowBytes { dst[d + i] = src[row * rowBytes + i] }
                }
            }
        }
    }

    /// The same pixels with `count` bands: an alpha band is dropped or added (opaque), grey
    /// widens to RGB by repetition.
    public func withBands(_ count: Int) -> PixelRaster {
        if count == bands { return self }
        var out = [UInt8](repeating: 255, count: width * height * count)
        let inColour = colourBands, outColour = (count == 2 || count == 4) ? count - 1 : count
        let outAlpha = count == 2 || count == 4
        for p in 0..<(width * height) {
            for c in 0..<outColour { out[p * count + c] = bytes[p * bands + min(c, inColour - 1)] }
            if outAlpha { out[p * count + count - 1] = hasAlpha ? bytes[p * bands + bands - 1] : 255 }
        }
        return PixelRaster(width: width, height: height, bands: count, bytes: out)
    }
}

extension Rect {
    public var maxX: Int { x + width }
    public var maxY: Int { y + height }

    /// This box grown by `margin` on every side and clipped to a `width`×`height` frame.
    public func expanded(by margin: Int, within width: Int, _ height: Int) -> Rect {
        let x0 = max(0, x - margin), y0 = max(0, y - margin)
        let x1 = min(width, maxX + margin), y1 = min(height, maxY + margin)
        return Rect(x: x0, y: y0, width: x1 - x0, height: y1 - y0)
    }
}
