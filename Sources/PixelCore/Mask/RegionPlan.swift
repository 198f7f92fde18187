import Foundation
import StetSupport

/// A crop around the mask, with context margin, sized to an API's rules, so that a paid call
/// processes a small image instead of the whole frame. `box` is in source pixels; the crop is
/// sent at `outputWidth`×`outputHeight` (equal to the box unless the image is too small for the
/// API's minimums or too large for its maximum, when the crop is resized by `scaleX`/`scaleY`).
public struct RegionPlan: Codable, Equatable, Sendable {
    public var api: InpaintAPI
    public var box: Rect
    public var outputWidth: Int
    public var outputHeight: Int
    public var scaleX: Double
    public var scaleY: Double
    public var margin: Int

    public var isScaled: Bool { outputWidth != box.width || outputHeight != box.height }

    /// The default context margin: a quarter of the mask's longer side, at least 32 px.
    public static func defaultMargin(for maskBox: Rect) -> Int {
        max(32, max(maskBox.width, maskBox.height) / 4)
    }

    /// Plans the crop for a mask whose edit area spans `maskBox` in a `width`×`height` image.
    public static func plan(maskBox: Rect, width: Int, height: Int, api: InpaintAPI,
                            margin: Int? = nil) -> RegionPlan {
        let rules = api.rules
        let m = margin ?? defaultMargin(for: maskBox)
        func roundUp(_ v: Int) -> Int { (v + rules.multiple - 1) / rules.multiple * rules.multiple }
        func roundDown(_ v: Int) -> Int { max(rules.multiple, v / rules.multiple * rules.multiple) }

        // Wanted size: the mask plus margin, at least the minimum side, snapped up.
        var bw = roundUp(max(maskBox.width + 2 * m, rules.minSide))
        var bh = roundUp(max(maskBox.height + 2 * m, rules.minSide))
        // An API that returns only some shapes: grow to the allowed aspect that adds the least
        // area and still fits the image (none fits: keep the shape; pre-flight then says so).
        if !rules.aspects.isEmpty {
            var best: (Int, Int)? = nil
            for a in rules.aspects {
                // Smallest a.width:a.height box holding bw × bh.
                let k = max((bw + a.width - 1) / a.width, (bh + a.height - 1) / a.height)
                let (cw, ch) = (k * a.width, k * a.height)
                guard cw <= width, ch <= height else { continue }
                if best == nil || cw * ch < best!.0 * best!.1 { best = (cw, ch) }
            }
            if let best { (bw, bh) = best }
        }
        // A side the image cannot supply is cut back to a multiple that still holds the mask,
        // or else to the whole side (then resized up to a multiple).
        if bw > width { bw = roundDown(width) >= maskBox.width ? roundDown(width) : width }
        if bh > height { bh = roundDown(height) >= maskBox.height ? roundDown(height) : height }
        bw = min(bw, width); bh = min(bh, height)

        func place(_ start: Int, _ extent: Int, _ size: Int, _ limit: Int) -> Int {
            let centre = start + extent / 2
            return min(max(0, centre - size / 2), limit - size)
        }
        let box = Rect(x: place(maskBox.x, maskBox.width, bw, width),
                       y: place(maskBox.y, maskBox.height, bh, height), width: bw, height: bh)

        var ow = max(roundUp(bw), rules.minSide), oh = max(roundUp(bh), rules.minSide)
        ow = roundUp(ow); oh = roundUp(oh)
        if ow * oh > rules.maxPixels {
            let s = (Double(rules.maxPixels) / Double(ow * oh)).squareRoot()
            ow = roundDown(Int(Double(ow) * s)); oh = roundDown(Int(Double(oh) * s))
        }
        return RegionPlan(api: api, box: box, outputWidth: ow, outputHeight: oh,
                          scaleX: Double(ow) / Double(bw), scaleY: Double(oh) / Double(bh), margin: m)
    }

    /// The crop of `raster` this plan sends, resized when the plan scales. `kernel` is a libvips
    /// resize kernel ("linear" for masks, nil for libvips' lanczos3 on images).
    public func crop(_ raster: PixelRaster, kernel: Image.Kernel? = nil) throws -> PixelRaster {
        let cut = raster.cropped(box)
        guard isScaled else { return cut }
        return try PixelRaster.resizing(cut, width: outputWidth, height: outputHeight, kernel: kernel)
    }
}

extension PixelRaster {
    /// libvips `resize` to an exact size (the last row or column is padded or trimmed if
    /// libvips rounds a side the other way).
    public static func resizing(_ raster: PixelRaster, width: Int, height: Int, kernel: Image.Kernel? = nil) throws -> PixelRaster {
        if raster.width == width && raster.height == height { return raster }
        let sx = Double(width) / Double(raster.width), sy = Double(height) / Double(raster.height)
        var image = try raster.image().resized(scale: sx, vscale: sy, kernel: kernel)
        if image.width != width || image.height != height {
            image = try image.embedded(x: 0, y: 0, width: max(width, image.width), height: max(height, image.height),
                                       extend: .copy)
                .cropped(x: 0, y: 0, width: width, height: height)
        }
        return try PixelRaster(image)
    }
}

/// The sidecar that `stet mask --region` writes and `stet patch --region` reads.
public struct RegionFile: Codable, Equatable, Sendable {
    public var api: InpaintAPI
    /// The crop in source pixels.
    public var box: Rect
    /// The size the crop (image and mask) was written at.
    public var outputWidth: Int
    public var outputHeight: Int
    /// Output size over box size, per axis; 1 when the crop is sent at source scale.
    public var scaleX: Double
    public var scaleY: Double
    public var margin: Int
    /// The source image, for checking that a patch goes back onto the same picture.
    public var source: FileRecord
    /// The crop of the image and the mask in the API's convention, relative to this file.
    public var image: String
    public var mask: String
    public var polarity: InpaintAPI.Polarity

    public init(plan: RegionPlan, source: FileRecord, image: String, mask: String) {
        api = plan.api; box = plan.box; outputWidth = plan.outputWidth; outputHeight = plan.outputHeight
        scaleX = plan.scaleX; scaleY = plan.scaleY; margin = plan.margin
        self.source = source; self.image = image; self.mask = mask; polarity = plan.api.polarity
    }

    /// Errors call the file `role` (the caller adds its path).
    public static func load(_ path: String, role: FileRole = .region) throws -> RegionFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StetError.file(role, "no such file")
        }
        return try decode(data, role: role)
    }

    /// Parses a region file's bytes; errors call the file `role`.
    public static func decode(_ data: Data, role: FileRole = .region) throws -> RegionFile {
        do {
            return try JSONDecoder().decode(RegionFile.self, from: data)
        } catch {
            throw StetError.file(role, "is not a region.json written by stet mask \(Hint.region)")
        }
    }

    public func encoded() throws -> Data { try stetJSONEncoder().encode(self) }
}
