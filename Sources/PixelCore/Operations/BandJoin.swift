import StetSupport

extension Image {
    /// libvips `bandjoin`: stacks bands.
    public static func bandJoin(_ images: [Image]) throws -> Image {
        try Operation("bandjoin").with("in", .images(images)).image()
    }
}
