import StetSupport

extension Image {
    /// libvips `black`, then `linear` to the colour: a solid 8-bit sRGB canvas.
    public static func solid(width: Int, height: Int, colour: Colour) throws -> Image {
        let black = try Operation("black").with("width", .int(width)).with("height", .int(height))
            .with("bands", .int(3)).image()
        return try black.linear(multiply: [1, 1, 1], add: colour.values).cast(.uchar)
            .copyInterpretation(.srgb)
    }
}
