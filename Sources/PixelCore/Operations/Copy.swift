import StetSupport

extension Image {
    /// libvips `copy` with a new interpretation (no pixel change).
    public func copyInterpretation(_ interpretation: Interpretation) throws -> Image {
        try Operation("copy").with("in", .image(self)).with("interpretation", .string(interpretation.rawValue)).image()
    }
}
