import StetSupport

extension Image {
    /// libvips `resize` with its default kernel (lanczos3).
    public func resized(scale: Double, vscale: Double? = nil, kernel: String? = nil) throws -> Image {
        try Operation("resize").with("in", .image(self)).with("scale", .double(scale))
            .with("vscale", vscale.map { .double($0) }).with("kernel", kernel.map { .string($0) }).image()
    }
}
