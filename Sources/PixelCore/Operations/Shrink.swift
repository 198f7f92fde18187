import StetSupport

extension Image {
    /// libvips `shrink`: a box-filter reduction by `factor` on both axes (each output pixel is
    /// the mean of a factor×factor block), the cheap first stage of a large reduction.
    ///
    /// Optional arguments left unset keep libvips' defaults: `ceil=false` (the output size
    /// rounds down, so a partial block at the right or bottom edge is dropped).
    public func shrunk(by factor: Double) throws -> Image {
        try Operation("shrink").with("in", .image(self)).with("hshrink", .double(factor))
            .with("vshrink", .double(factor)).image()
    }
}
