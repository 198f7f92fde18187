import StetSupport

extension Image {
    /// A resampling kernel (libvips' `VipsKernel`).
    public enum Kernel: String, Sendable {
        case nearest, linear, cubic, mitchell, lanczos2, lanczos3
    }

    /// libvips `resize` with its default kernel (lanczos3).
    public func resized(scale: Double, vscale: Double? = nil, kernel: Kernel? = nil) throws -> Image {
        try Operation("resize").with("in", .image(self)).with("scale", .double(scale))
            .with("vscale", vscale.map { .double($0) }).with("kernel", kernel.map { .string($0.rawValue) }).image()
    }
}
