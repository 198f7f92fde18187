import StetSupport

extension Image {
    /// libvips `colourspace`: converts to another interpretation.
    public func colourspace(_ space: Interpretation) throws -> Image {
        try Operation("colourspace").with("in", .image(self)).with("space", .string(space.rawValue)).image()
    }

    /// libvips `cast`: changes the band format, clipping.
    public func cast(_ format: BandFormat) throws -> Image {
        let nick: String
        switch format {
        case .uchar: nick = "uchar"
        case .char: nick = "char"
        case .ushort: nick = "ushort"
        case .short: nick = "short"
        case .uint: nick = "uint"
        case .int: nick = "int"
        case .float: nick = "float"
        case .double: nick = "double"
        case .complex: nick = "complex"
        case .dpcomplex: nick = "dpcomplex"
        }
        return try Operation("cast").with("in", .image(self)).with("format", .string(nick)).image()
    }

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

    /// libvips `autorot`: applies EXIF orientation and resets the tag.
    public func autorotated() throws -> Image {
        guard orientation != 1 else { return self }
        return try Operation("autorot").with("in", .image(self)).image()
    }

}
