import StetSupport

extension Image {
    /// libvips `colourspace`: converts to another interpretation.
    public func colourspace(_ space: Interpretation) throws -> Image {
        try Operation("colourspace").with("in", .image(self)).with("space", .string(space.rawValue)).image()
    }
}
