import StetSupport

extension Image {
    /// libvips `extract_area`: a crop.
    public func cropped(x: Int, y: Int, width: Int, height: Int) throws -> Image {
        try Operation("extract_area").with("input", .image(self)).with("left", .int(x)).with("top", .int(y))
            .with("width", .int(width)).with("height", .int(height)).image()
    }
}
