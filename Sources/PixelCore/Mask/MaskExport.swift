import Foundation
import StetSupport

/// Writes a canonical mask in one API's convention, after a pre-flight check that stops an
/// upload the API would reject. Each error says what to change.
public struct MaskExport: Sendable {
    public var api: InpaintAPI

    public init(_ api: InpaintAPI) { self.api = api }

    /// The mask's pixels in the API's convention. `image` supplies the colours for OpenAI's
    /// RGBA mask (the image itself with the edit area made transparent).
    public func raster(_ mask: Mask, image: PixelRaster) -> PixelRaster {
        switch api.polarity {
        case .whiteEdit:
            let v = api.binary ? mask.binarized().values : mask.values
            return PixelRaster(width: mask.width, height: mask.height, bands: 1, bytes: v)
        case .blackEdit:
            return PixelRaster(width: mask.width, height: mask.height, bands: 1,
                               bytes: mask.binarized().inverted().values)
        case .transparentEdit:
            let rgb = image.withBands(3)
            var out = [UInt8](repeating: 0, count: mask.width * mask.height * 4)
            for i in 0..<(mask.width * mask.height) {
                out[i * 4] = rgb.bytes[i * 3]; out[i * 4 + 1] = rgb.bytes[i * 3 + 1]
                out[i * 4 + 2] = rgb.bytes[i * 3 + 2]; out[i * 4 + 3] = 255 - mask.values[i]
            }
            return PixelRaster(width: mask.width, height: mask.height, bands: 4, bytes: out)
        }
    }

    /// Checks sizes that do not need the encoded file: same size as the image, the API's
    /// side and pixel-count limits, and a mask that marks something.
    /// Errors call the mask file `role` (the job's output unless said otherwise).
    public func preflight(mask: Mask, imageWidth: Int, imageHeight: Int, role: FileRole = .output) throws {
        guard mask.width == imageWidth, mask.height == imageHeight else {
            throw StetError.file(role, "\(api.displayName) needs the mask the same size as the image, but the mask is \(mask.width)x\(mask.height) and the image \(imageWidth)x\(imageHeight)")
        }
        guard !mask.isEmpty else {
            throw StetError.file(role, "the mask is empty: no pixel is marked for editing; check the shapes' coordinates against the image size \(imageWidth)x\(imageHeight)")
        }
        let rules = api.rules
        let w = mask.width, h = mask.height
        if w < rules.minSide || h < rules.minSide {
            throw StetError.file(role, "\(api.displayName) needs every side at least \(rules.minSide) px but the image is \(w)x\(h); use \(Hint.region) (it pads the crop to the API's sizes) or upscale the image")
        }
        let pixels = w * h
        if pixels < rules.minPixels || pixels > rules.maxPixels {
            throw StetError.file(role, "\(api.displayName) accepts \(grouped(rules.minPixels)) to \(grouped(rules.maxPixels)) pixels but the image has \(grouped(pixels)) (\(w)x\(h)); " + (pixels > rules.maxPixels ? "use \(Hint.region) to send a crop around the mask, or downscale the image" : "upscale the image"))
        }
    }

    /// Checks the encoded file against the API's byte limit.
    public func preflight(encodedBytes: Int, role: FileRole = .output) throws {
        guard let limit = api.rules.maxBytes, encodedBytes >= limit else { return }
        let mb = Double(encodedBytes) / 1_048_576
        throw StetError.file(role, "\(api.displayName) needs a PNG under 4 MB but this mask is \(String(format: "%.1f", mb)) MB; use \(Hint.region) to send a crop around the mask, or downscale the image")
    }

    /// Pre-flight, encode as PNG, check the bytes, write atomically. Returns the PNG's size.
    @discardableResult
    public func write(_ mask: Mask, image: PixelRaster, to path: String) throws -> Int {
        try preflight(mask: mask, imageWidth: image.width, imageHeight: image.height)
        let png = try raster(mask, image: image).image().encoded(.png)
        try preflight(encodedBytes: png.count)
        try SafeOutput.write(Data(png), to: path)
        return png.count
    }

    private func grouped(_ n: Int) -> String {
        if n == Int.max { return "any number of" }
        let digits = String(n)
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return out
    }
}

extension Mask {
    /// Reads a mask written in `api`'s convention back to canonical polarity (255 = edit).
    public static func fromExport(_ raster: PixelRaster, api: InpaintAPI) -> Mask {
        let n = raster.width * raster.height
        var values = [UInt8](repeating: 0, count: n)
        switch api.polarity {
        case .whiteEdit:
            for i in 0..<n { values[i] = raster.bytes[i * raster.bands] }
        case .blackEdit:
            for i in 0..<n { values[i] = 255 - raster.bytes[i * raster.bands] }
        case .transparentEdit:
            if raster.hasAlpha {
                for i in 0..<n { values[i] = 255 - raster.bytes[i * raster.bands + raster.bands - 1] }
            }
        }
        return Mask(width: raster.width, height: raster.height, values: values)
    }
}
