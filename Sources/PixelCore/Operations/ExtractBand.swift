import StetSupport

extension Image {
    /// libvips `extract_band`.
    public func band(_ index: Int, count: Int? = nil) throws -> Image {
        try Operation("extract_band").with("in", .image(self)).with("band", .int(index))
            .with("n", count.map { .int($0) }).image()
    }
}
