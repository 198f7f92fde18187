import StetSupport

extension Image {
    /// Resized to exactly `width×height` (libvips `resize`, lanczos3, separate horizontal and
    /// vertical scales). libvips rounds the output size itself, so a result one pixel off is
    /// trimmed, or extended by copying its edge, to the exact size.
    public func resized(toWidth width: Int, height: Int) throws -> Image {
        if width == self.width && height == self.height { return self }
        var out = try resized(scale: Double(width) / Double(self.width),
                              vscale: Double(height) / Double(self.height))
        if out.width > width || out.height > height {
            out = try out.cropped(x: 0, y: 0, width: min(out.width, width), height: min(out.height, height))
        }
        if out.width < width || out.height < height {
            out = try out.embedded(x: 0, y: 0, width: width, height: height, extend: .copy)
        }
        return out
    }
}
