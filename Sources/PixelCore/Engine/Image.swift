import CVips
import Foundation

/// An image owned by Swift. It holds exactly one reference to its `VipsImage` and releases
/// it exactly once, in `deinit`. libvips images are immutable after they are built, so one
/// may be read from several threads.
public final class Image: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<VipsImage>

    /// Takes ownership of a reference the caller already holds.
    init(owning pointer: UnsafeMutablePointer<VipsImage>) {
        self.pointer = pointer
    }

    deinit { g_object_unref(pointer) }

    public var width: Int { Int(vips_image_get_width(pointer)) }
    public var height: Int { Int(vips_image_get_height(pointer)) }
    public var bands: Int { Int(vips_image_get_bands(pointer)) }
    public var pixelCount: Int { width * height }
    public var hasAlpha: Bool { vips_image_hasalpha(pointer) != 0 }

    /// The one rule for EXIF orientation: 5-8 turn the picture a quarter, so its upright
    /// width and height are the stored height and width.
    public var uprightSize: (width: Int, height: Int) {
        (5...8).contains(orientation) ? (height, width) : (width, height)
    }

    public var format: BandFormat {
        BandFormat(rawValue: Int(vips_image_get_format(pointer).rawValue)) ?? .uchar
    }

    public var interpretation: Interpretation {
        let nick = vips_enum_nick(stet_type_interpretation(), Int32(vips_image_get_interpretation(pointer).rawValue))
        return Interpretation(rawValue: nick.map { String(cString: $0) } ?? "") ?? .multiband
    }

    /// The loader that made this image ("jpegload", ...), if it came from a file.
    public var loader: String? { string("vips-loader") }

    public func hasField(_ name: String) -> Bool { vips_image_get_typeof(pointer, name) != 0 }

    public func int(_ name: String) -> Int? {
        guard hasField(name) else { return nil }
        var value: Int32 = 0
        guard vips_image_get_int(pointer, name, &value) == 0 else { vips_error_clear(); return nil }
        return Int(value)
    }

    public func string(_ name: String) -> String? {
        guard hasField(name) else { return nil }
        var out: UnsafePointer<CChar>? = nil
        guard vips_image_get_string(pointer, name, &out) == 0, let out else { vips_error_clear(); return nil }
        return String(cString: out)
    }

    /// EXIF orientation 1...8 (1 when absent).
    public var orientation: Int { int("orientation") ?? 1 }

    public var hasICCProfile: Bool { hasField("icc-profile-data") }

    /// Number of pages/frames the loader saw (1 for a still image).
    public var pageCount: Int { int("n-pages") ?? 1 }

    /// Computes every pixel and copies them out, packed, band-interleaved.
    /// The pipeline runs here; the returned bytes are Swift-owned.
    public func pixels() throws -> [UInt8] {
        Vips.start()
        var size: Int = 0
        guard let raw = vips_image_write_to_memory(pointer, &size) else {
            throw PixelError.failed("write_to_memory", Vips.takeErrorMessage())
        }
        defer { g_free(raw) }
        return Array(UnsafeRawBufferPointer(start: raw, count: size))
    }

    /// Same, without the copy into a Swift array: `body` reads libvips' buffer, which is freed
    /// when it returns.
    public func withPixels<R>(_ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        Vips.start()
        var size: Int = 0
        guard let raw = vips_image_write_to_memory(pointer, &size) else {
            throw PixelError.failed("write_to_memory", Vips.takeErrorMessage())
        }
        defer { g_free(raw) }
        return try body(UnsafeRawBufferPointer(start: raw, count: size))
    }

    /// Runs the pipeline now into a memory image (`vips_image_copy_memory`). Used where a
    /// result is read many times: analysis, several targets cut from one decode, grid cells.
    public func materialized() throws -> Image {
        Vips.start()
        guard let copy = vips_image_copy_memory(pointer) else {
            throw PixelError.failed("copy_memory", Vips.takeErrorMessage())
        }
        return Image(owning: copy)
    }

    /// Builds an image from Swift-owned pixels. libvips copies them, so the buffer may die
    /// as soon as this returns, even though the pipeline that reads it runs later.
    public static func fromPixels(_ bytes: [UInt8], width: Int, height: Int, bands: Int,
                                  format: BandFormat = .uchar) throws -> Image {
        Vips.start()
        let made = bytes.withUnsafeBytes { raw in
            vips_image_new_from_memory_copy(raw.baseAddress, raw.count, Int32(width), Int32(height),
                                            Int32(bands), VipsBandFormat(Int32(format.rawValue)))
        }
        guard let made else { throw PixelError.failed("new_from_memory_copy", Vips.takeErrorMessage()) }
        return Image(owning: made)
    }

    /// Builds an image whose pixels `fill` writes in place, packed and band-interleaved, into
    /// uninitialised memory (it must write every byte). The image owns that memory (libvips'
    /// tracked memory, freed when the image closes): no copy, unlike `fromPixels(_:...)`.
    public static func fromPixels(width: Int, height: Int, bands: Int, format: BandFormat = .uchar,
                                  fill: (UnsafeMutableRawBufferPointer) throws -> Void) throws -> Image {
        Vips.start()
        let bytesPerSample = [BandFormat.uchar: 1, .char: 1, .ushort: 2, .short: 2, .float: 4][format]
        guard let bytesPerSample else { throw PixelError.failed("new_from_memory", "unsupported band format \(format)") }
        let length = width * height * bands * bytesPerSample
        guard let pixels = vips_tracked_malloc(max(length, 1)) else {
            throw PixelError.failed("new_from_memory", "out of memory for \(width)x\(height)x\(bands)")
        }
        do { try fill(UnsafeMutableRawBufferPointer(start: pixels, count: length)) } catch {
            vips_tracked_free(pixels); throw error
        }
        guard let made = stet_image_new_owning(pixels, length, Int32(width), Int32(height), Int32(bands),
                                               VipsBandFormat(Int32(format.rawValue))) else {
            throw PixelError.failed("new_from_memory", Vips.takeErrorMessage())
        }
        return Image(owning: made)
    }

    /// Same, from 32-bit floats.
    public static func fromFloats(_ values: [Float], width: Int, height: Int, bands: Int) throws -> Image {
        Vips.start()
        let made = values.withUnsafeBytes { raw in
            vips_image_new_from_memory_copy(raw.baseAddress, raw.count, Int32(width), Int32(height),
                                            Int32(bands), VIPS_FORMAT_FLOAT)
        }
        guard let made else { throw PixelError.failed("new_from_memory_copy", Vips.takeErrorMessage()) }
        return Image(owning: made)
    }
}

/// libvips band formats, by their enum values.
public enum BandFormat: Int, Sendable {
    case uchar = 0, char = 1, ushort = 2, short = 3, uint = 4, int = 5, float = 6, complex = 7,
         double = 8, dpcomplex = 9
    public var bits: Int {
        switch self {
        case .uchar, .char: return 8
        case .ushort, .short: return 16
        case .uint, .int, .float: return 32
        case .double, .complex: return 64
        case .dpcomplex: return 128
        }
    }
}

/// libvips interpretations, by their nicknames.
public enum Interpretation: String, Sendable {
    case multiband, bw = "b-w", histogram, xyz, lab, cmyk, labq, rgb, cmc, lch, labs, srgb,
         yxy, fourier, rgb16, grey16, matrix, scrgb, hsv
}
