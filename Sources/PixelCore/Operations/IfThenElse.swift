import StetSupport

extension Image {
    /// libvips `ifthenelse` with `blend`: mixes `a` where the mask is 255 and `b` where it is 0.
    public static func blend(mask: Image, a: Image, b: Image) throws -> Image {
        try Operation("ifthenelse").with("cond", .image(mask)).with("in1", .image(a)).with("in2", .image(b))
            .with("blend", .bool(true)).image()
    }
}
