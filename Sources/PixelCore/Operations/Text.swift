import StetSupport

extension Image {
    /// libvips `text`: renders Pango markup to a one-band 0–255 mask.
    public static func text(_ markup: String, font: String? = nil, dpi: Int? = nil) throws -> Image {
        try Operation("text").with("text", .string(markup)).with("font", font.map { .string($0) })
            .with("dpi", dpi.map { .int($0) }).image()
    }
}
