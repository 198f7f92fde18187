import StetSupport

extension Image {
    /// libvips `insert`: pastes `sub` onto this image at (x, y).
    public func inserting(_ sub: Image, x: Int, y: Int) throws -> Image {
        try Operation("insert").with("main", .image(self)).with("sub", .image(sub))
            .with("x", .int(x)).with("y", .int(y)).image()
    }
}
