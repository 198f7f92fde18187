import StetSupport

extension Image {
    /// Grey, 16-bit, CMYK and other inputs as 8-bit sRGB, or sRGBA when there is alpha.
    /// 16-bit data is scaled to 8 bits by the colourspace conversion (not clipped).
    public func normalizedToSRGB8() throws -> Image {
        var image = self
        if image.interpretation != .srgb || image.bands < 3 {
            image = try image.colourspace(.srgb)
        }
        if image.format != .uchar {
            image = try image.cast(.uchar)
        }
        return image
    }
}
