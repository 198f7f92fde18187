import Foundation
import PixelCore
import StetSupport

/// Fixture paths and small pixel statistics shared by the PixelCore tests.
enum Fixture {
    static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }
    static func path(_ name: String) -> String {
        root.appendingPathComponent("Fixtures").appendingPathComponent(name).path
    }
}

enum Pixels {
    /// Mean of each band over a rectangle of an 8-bit image.
    static func mean(_ image: Image, x: Int = 0, y: Int = 0, width: Int? = nil, height: Int? = nil) throws -> [Double] {
        let w = width ?? image.width, h = height ?? image.height
        let crop = try image.cropped(x: x, y: y, width: w, height: h)
        let px = try crop.pixels()
        let bands = image.bands
        var sums = [Double](repeating: 0, count: bands)
        for i in 0..<px.count { sums[i % bands] += Double(px[i]) }
        return sums.map { $0 / Double(w * h) }
    }

    /// PSNR in dB between two 8-bit images of the same size and bands.
    static func psnr(_ a: Image, _ b: Image) throws -> Double {
        let pa = try a.pixels(), pb = try b.pixels()
        precondition(pa.count == pb.count, "size mismatch")
        var se = 0.0
        for i in 0..<pa.count { let d = Double(pa[i]) - Double(pb[i]); se += d * d }
        let mse = se / Double(pa.count)
        return mse == 0 ? 99 : 10 * log10(255 * 255 / mse)
    }
}

/// An error's text as the CLI shows it: hints spelled as flags.
func rendered(_ error: Error) -> String {
    (error as? StetError)?.rendered() ?? "\(error)"
}

/// An error's text with the job's file roles named as the CLI names them (and hints as flags).
func named(_ error: Error, _ files: [FileRole: String]) -> String {
    (error as? StetError)?.naming(FileNames(files)).rendered() ?? "\(error)"
}
