import StetSupport

extension Image {
    /// libvips `autorot`: applies EXIF orientation and resets the tag.
    public func autorotated() throws -> Image {
        guard orientation != 1 else { return self }
        return try Operation("autorot").with("in", .image(self)).image()
    }
}
