import Foundation
import StetSupport

extension RegionFile {
    /// Checks that this region belongs on BASE: the same size as the source it was cut from,
    /// and a box inside it.
    public func check(baseWidth: Int, baseHeight: Int) throws {
        if source.width != nil && (source.width != baseWidth || source.height != baseHeight) {
            throw StetError.file(.region, "was made for a \(source.width!)x\(source.height ?? 0) image but \(FileRole.base) is \(baseWidth)x\(baseHeight)")
        }
        guard box.width > 0, box.height > 0, box.x >= 0, box.y >= 0,
              box.width <= baseWidth - box.x, box.height <= baseHeight - box.y else {   // not maxX: x + width may overflow
            throw StetError.file(.region, "box \(box.x),\(box.y),\(box.width)x\(box.height) does not fit inside \(FileRole.base) (\(baseWidth)x\(baseHeight))")
        }
    }

    /// The edited crop brought back to the box's size. The crop may come back at the size it
    /// was sent, at the box's size, or at any size with the same aspect ratio (within 1%: an
    /// API that returns a larger image); anything else is refused.
    public func fitEdited(_ edited: PixelRaster) throws -> PixelRaster {
        if edited.width == box.width && edited.height == box.height { return edited }
        let sent = Double(outputWidth) / Double(outputHeight)
        let got = Double(edited.width) / Double(edited.height)
        guard abs(got / sent - 1) <= 0.01 else {
            throw StetError.file(.edited, "is \(edited.width)x\(edited.height) but the region crop was sent at \(outputWidth)x\(outputHeight); the aspect ratio differs, so it cannot be placed back")
        }
        return try PixelRaster.resizing(edited, width: box.width, height: box.height)
    }

    /// The region's own mask file (in its API's convention), as a canonical mask of BASE's size
    /// that is 0 outside the box, and the path it was found at (errors name it by that path:
    /// the caller named the region file, not its mask).
    public func frameMask(regionPath: String, baseWidth: Int, baseHeight: Int, options: LoadOptions) throws -> (Mask, String) {
        let dir = FilePath.parent(regionPath)
        let path = mask.hasPrefix("/") ? mask : (dir.isEmpty ? mask : (dir as NSString).appendingPathComponent(mask))
        let raster: PixelRaster
        do { raster = try PixelRaster(Image.decode(path, role: .referenced(path), options: options)) } catch let e as StetError {
            throw e.about(.referenced(path))
        }
        var crop = Mask.fromExport(raster, api: api)
        if crop.width != box.width || crop.height != box.height {
            let grey = PixelRaster(width: crop.width, height: crop.height, bands: 1, bytes: crop.values)
            let r = try PixelRaster.resizing(grey, width: box.width, height: box.height, kernel: .linear)
            crop = Mask(width: r.width, height: r.height, values: r.bytes)
        }
        var frame = PixelRaster(width: baseWidth, height: baseHeight, bands: 1)
        frame.insert(PixelRaster(width: crop.width, height: crop.height, bands: 1, bytes: crop.values), x: box.x, y: box.y)
        return (Mask(width: baseWidth, height: baseHeight, values: frame.bytes), path)
    }
}
