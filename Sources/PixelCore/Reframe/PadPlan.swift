import Foundation

/// Padding in output pixels on each side.
public struct Padding: Sendable, Equatable, Codable {
    public var top: Int, bottom: Int, left: Int, right: Int
    public init(top: Int, bottom: Int, left: Int, right: Int) {
        self.top = top; self.bottom = bottom; self.left = left; self.right = right
    }
    public var isZero: Bool { top == 0 && bottom == 0 && left == 0 && right == 0 }
}

/// Extending the canvas to the target's ratio: the whole source is kept, scaled to fit the
/// output, centred, and the rest of the output is new area (filled locally, or outpainted).
///
/// `imageWidth + left + right == outputWidth` and `imageHeight + top + bottom == outputHeight`
/// hold exactly, in whole pixels.
public struct PadPlan: Sendable, Equatable, Codable {
    public var outputWidth: Int
    public var outputHeight: Int
    /// The source's size inside the output.
    public var imageWidth: Int
    public var imageHeight: Int
    public var padding: Padding
    /// Output pixels per source pixel.
    public var scale: Double

    /// Where the source sits in the output.
    public var imageRect: Rect { Rect(x: padding.left, y: padding.top, width: imageWidth, height: imageHeight) }

    /// Share 0...1 of the output that is new area.
    public var newAreaShare: Double {
        1 - Double(imageWidth * imageHeight) / Double(outputWidth * outputHeight)
    }

    /// Fits `sourceWidth×sourceHeight` inside `outputWidth×outputHeight`, centred.
    public static func fit(sourceWidth sw: Int, sourceHeight sh: Int,
                           outputWidth ow: Int, outputHeight oh: Int) -> PadPlan {
        let scale = min(Double(ow) / Double(sw), Double(oh) / Double(sh))
        // The limiting side fills the output exactly; the other rounds to whole pixels.
        var iw = Int((Double(sw) * scale).rounded()), ih = Int((Double(sh) * scale).rounded())
        if Double(ow) / Double(sw) <= Double(oh) / Double(sh) { iw = ow } else { ih = oh }
        iw = min(ow, max(1, iw)); ih = min(oh, max(1, ih))
        let left = (ow - iw) / 2, top = (oh - ih) / 2
        return PadPlan(outputWidth: ow, outputHeight: oh, imageWidth: iw, imageHeight: ih,
                       padding: Padding(top: top, bottom: oh - ih - top, left: left, right: ow - iw - left),
                       scale: scale)
    }
}
