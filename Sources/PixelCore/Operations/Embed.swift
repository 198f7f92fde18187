import StetSupport

extension Image {
    /// libvips `embed`: places this image at (x, y) on a larger canvas.
    /// `extend` defaults to libvips' `black`; `background` applies with `.background`.
    public func embedded(x: Int, y: Int, width: Int, height: Int, extend: String? = nil,
                         background: [Double]? = nil) throws -> Image {
        try Operation("embed").with("in", .image(self)).with("x", .int(x)).with("y", .int(y))
            .with("width", .int(width)).with("height", .int(height))
            .with("extend", extend.map { .string($0) })
            .with("background", background.map { .doubles($0) }).image()
    }
}
