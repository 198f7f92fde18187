import StetSupport

extension Mask {
    /// The transparent part of an image as the edit area: value = 255 − alpha, so fully
    /// transparent pixels are edited fully and partly transparent ones partly.
    public static func fromAlpha(_ raster: PixelRaster, role: FileRole = .source) throws -> Mask {
        guard raster.hasAlpha else {
            throw StetError.file(role, "has no alpha channel; \(Hint.fromAlpha) needs transparent pixels to mark the edit area")
        }
        let b = raster.bands
        var values = [UInt8](repeating: 0, count: raster.width * raster.height)
        raster.bytes.withUnsafeBufferPointer { src in
            for i in values.indices { values[i] = 255 - src[i * b + b - 1] }
        }
        return Mask(width: raster.width, height: raster.height, values: values)
    }

    /// Pixels whose colour is within `tolerance` of `colour` on every channel (the largest
    /// per-channel difference, 0-255) become 255.
    public static func fromColour(_ raster: PixelRaster, colour: Colour, tolerance: Int) -> Mask {
        let b = raster.bands
        let target = [colour.r, colour.g, colour.b].map { Int($0.rounded()) }
        var values = [UInt8](repeating: 0, count: raster.width * raster.height)
        raster.bytes.withUnsafeBufferPointer { src in
            for i in values.indices {
                var worst = 0
                for c in 0..<3 {
                    let v = Int(src[i * b + (raster.colourBands >= 3 ? c : 0)])
                    worst = max(worst, abs(v - target[c]))
                }
                if worst <= tolerance { values[i] = 255 }
            }
        }
        return Mask(width: raster.width, height: raster.height, values: values)
    }
}
