import StetSupport

extension Image {
    /// libvips `flatten`: composites alpha over a background colour.
    public func flattened(on background: Colour) throws -> Image {
        guard hasAlpha else { return self }
        return try Operation("flatten").with("in", .image(self))
            .with("background", .doubles(background.values)).image().cast(.uchar)
    }
}
