import StetSupport

extension Image {
    /// How `embed` fills the new pixels (libvips' `VipsExtend`).
    public enum Extend: String, Sendable {
        case black, copy, `repeat`, mirror, white, background
    }

    /// libvips `embed`: places this image at (x, y) on a larger canvas.
    /// `extend` defaults to libvips' `black`; `background` applies with `.background`.
    public func embedded(x: Int, y: Int, width: Int, height: Int, extend: Extend? = nil,
                         background: [Double]? = nil) throws -> Image {
        try Operation("embed").with("in", .image(self)).with("x", .int(x)).with("y", .int(y))
            .with("width", .int(width)).with("height", .int(height))
            .with("extend", extend.map { .string($0.rawValue) })
            .with("background", background.map { .doubles($0) }).image()
    }
}
