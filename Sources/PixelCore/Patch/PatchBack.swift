import Foundation
import StetSupport

/// Pastes an edited result back onto BASE through a (feathered) mask, and proves that nothing
/// outside the mask changed: every pixel whose feathered mask value is 0 is verified equal to
/// BASE, in every band, before anything is written.
///
/// The edited pixels cover `box` (the whole frame, or a region crop already resized to the
/// box). Colour bands blend as base × (1 − m) + edited × m; BASE's alpha is kept.
public struct PatchBack: Sendable {
    /// Gaussian feather of the mask, in pixels (0 keeps the mask's own edges).
    public var feather: Int
    /// Correct the edited pixels' colour and brightness against a ring just outside the mask.
    public var matchColour: Bool
    /// Width of that ring, in pixels.
    public var ringWidth: Int = 8

    public init(feather: Int = 0, matchColour: Bool = false) {
        self.feather = feather; self.matchColour = matchColour
    }

    public struct Report: Sendable, Equatable {
        /// Pixels whose value differs from BASE in the output.
        public var changedPixels: Int
        /// Pixels under the feathered mask (value above 0): the most that may change.
        public var maskedPixels: Int
        public var box: Rect
        /// Per colour band, the gain and offset applied by --match-color (nil without it).
        public var colourCorrection: [ColourMatch.Channel]?
    }

    /// - Parameters:
    ///   - edited: pixels for `box`, `box.width`×`box.height`.
    ///   - mask: canonical, BASE's size.
    ///   - maskRole: what errors call the mask's file (the caller's, or one a region file named).
    public func run(base: PixelRaster, edited: PixelRaster, box: Rect, mask: Mask, maskRole: FileRole = .mask) throws
        -> (PixelRaster, Report)
    {
        guard mask.width == base.width, mask.height == base.height else {
            throw StetError.file(maskRole, "mask is \(mask.width)x\(mask.height) but \(FileRole.base) is \(base.width)x\(base.height); the mask must be the base image's size")
        }
        guard edited.width == box.width, edited.height == box.height else {
            throw StetError.file(.edited, "is \(edited.width)x\(edited.height) but the patch area is \(box.width)x\(box.height)")
        }
        guard box.x >= 0, box.y >= 0, box.maxX <= base.width, box.maxY <= base.height else {
            throw StetError.file(.edited, "patch box \(box.x),\(box.y),\(box.width)x\(box.height) does not fit inside \(FileRole.base) (\(base.width)x\(base.height))")
        }
        let soft = mask.feathered(by: feather)
        guard let reach = soft.boundingBox() else {
            throw StetError.file(maskRole, "mask is empty (every pixel is 0); nothing to patch")
        }
        guard reach.x >= box.x, reach.y >= box.y, reach.maxX <= box.maxX, reach.maxY <= box.maxY else {
            throw StetError.file(maskRole, "the \(feather > 0 ? "feathered " : "")mask reaches \(reach.x),\(reach.y),\(reach.width)x\(reach.height), outside the patch box \(box.x),\(box.y),\(box.width)x\(box.height); use a smaller \(Hint.feather), or make the region with a larger margin")
        }

        var patch = edited.withBands(base.bands)
        var correction: [ColourMatch.Channel]? = nil
        if matchColour {
            let fit = try ColourMatch.fit(base: base, edited: patch, box: box, mask: soft, ringWidth: ringWidth,
                                          maskRole: maskRole)
            ColourMatch.apply(fit, to: &patch, colourBands: base.colourBands)
            correction = fit
        }

        var out = base
        let b = base.bands, colour = base.colourBands
        for y in 0..<box.height {
            for x in 0..<box.width {
                let i = (box.y + y) * base.width + box.x + x
                let m = Int(soft.values[i])
                if m == 0 { continue }
                let j = (y * box.width + x) * b
                for c in 0..<colour {
                    let v = (Int(base.bytes[i * b + c]) * (255 - m) + Int(patch.bytes[j + c]) * m + 127) / 255
                    out.bytes[i * b + c] = UInt8(v)
                }
            }
        }
        let (changed, masked) = try PatchBack.verify(base: base, result: out, mask: soft)
        return (out, Report(changedPixels: changed, maskedPixels: masked, box: box, colourCorrection: correction))
    }

    /// Every pixel with mask 0 must equal BASE exactly. Returns (changed, masked) pixel counts.
    static func verify(base: PixelRaster, result: PixelRaster, mask: Mask) throws -> (Int, Int) {
        let b = base.bands
        var changed = 0, broken = 0, masked = 0
        base.bytes.withUnsafeBufferPointer { o in
            result.bytes.withUnsafeBufferPointer { r in
                for i in 0..<(base.width * base.height) {
                    if mask.values[i] > 0 { masked += 1 }
                    var differs = false
                    for c in 0..<b where o[i * b + c] != r[i * b + c] { differs = true }
                    if differs { changed += 1; if mask.values[i] == 0 { broken += 1 } }
                }
            }
        }
        guard broken == 0 else {
            throw StetError.operation("patch", "\(broken) pixels outside the mask of \(FileRole.base) would change; no output written")
        }
        return (changed, masked)
    }
}
