import StetSupport

/// How strictly files are decoded, and how many pixels Stet will accept.
///
/// Defaults, in one place:
/// - `failOn`: `.warning`. libvips 8.14 loads with `fail_on=none`, which silently fills in a
///   truncated image; Stet fails instead. `--lenient` sets `.none`.
/// - `limitPixels`: 268,402,689 (0x3FFF × 0x3FFF), as sharp's `limitInputPixels`. It applies
///   to inputs (checked against the header, before any decoding) and to outputs. 0 disables it.
public struct LoadOptions: Sendable, Equatable {
    public enum FailOn: String, Sendable { case none, truncated, error, warning }

    public static let defaultLimitPixels = 268_402_689

    public var failOn: FailOn
    public var limitPixels: Int

    public init(failOn: FailOn = .warning, limitPixels: Int = LoadOptions.defaultLimitPixels) {
        self.failOn = failOn
        self.limitPixels = limitPixels
    }

    public static let strict = LoadOptions()

    /// Throws unless `width × height` fits the cap.
    public func checkPixels(width: Int, height: Int, role: FileRole = .source, what: String = "image") throws {
        guard limitPixels > 0 else { return }
        let (count, overflow) = width.multipliedReportingOverflow(by: height)
        if overflow || count > limitPixels {
            throw StetError.file(role, "\(what) of \(width)x\(height) pixels exceeds the pixel limit of \(limitPixels) (see \(Hint.limitPixels))")
        }
    }
}
