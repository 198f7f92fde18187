import StetSupport

extension Image {
    /// libvips `arrayjoin`: lays images out in a grid, `across` per row, with `shim` pixels
    /// between them. Cells must already be the same size for an exact layout.
    public static func arrayJoin(_ images: [Image], across: Int, shim: Int? = nil,
                                 background: [Double]? = nil) throws -> Image {
        try Operation("arrayjoin").with("in", .images(images)).with("across", .int(across))
            .with("shim", shim.map { .int($0) }).with("background", background.map { .doubles($0) }).image()
    }
}
