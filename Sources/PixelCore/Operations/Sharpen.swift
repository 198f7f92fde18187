import StetSupport

extension Image {
    /// libvips `sharpen`: an unsharp mask on the L channel (in LabS), leaving colour alone;
    /// the result is back in this image's colour space.
    ///
    /// Arguments set: `sigma` (libvips default 0.5) and `m2`, the slope in "jaggy" areas
    /// (libvips default 3). Left at libvips' defaults: `x1` 2 (flat/jaggy threshold), `y2` 10
    /// (maximum brightening), `y3` 20 (maximum darkening), `m1` 0 (slope in flat areas).
    public func sharpened(sigma: Double, m2: Double) throws -> Image {
        try Operation("sharpen").with("in", .image(self)).with("sigma", .double(sigma))
            .with("m2", .double(m2)).image()
    }
}
