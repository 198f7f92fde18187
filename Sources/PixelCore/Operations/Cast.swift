import StetSupport

extension Image {
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
}
