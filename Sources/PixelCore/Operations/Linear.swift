import StetSupport

extension Image {
    /// libvips `linear`: out = in × a + b, per band.
    public func linear(multiply a: [Double], add b: [Double]) throws -> Image {
        try Operation("linear").with("in", .image(self)).with("a", .doubles(a)).with("b", .doubles(b)).image()
    }
}
