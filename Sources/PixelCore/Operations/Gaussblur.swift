import StetSupport

extension Image {
    /// libvips `gaussblur`: a Gaussian blur with standard deviation `sigma` pixels.
    ///
    /// Optional arguments left unset keep libvips' defaults: `min_ampl=0.2` (where the mask is
    /// cut off) and `precision=integer` (an 8-bit image stays 8-bit).
    public func gaussianBlurred(sigma: Double) throws -> Image {
        try Operation("gaussblur").with("in", .image(self)).with("sigma", .double(sigma)).image()
    }
}
