import StetSupport

/// Colour and brightness drift correction for a patch from a paid inpainting call: per colour
/// band, the edited pixels are moved so that, on a ring of pixels just outside the mask (where
/// BASE and the edit should agree), their mean and standard deviation equal BASE's:
/// e' = (e − μe) × gain + μb, gain = σb / σe clamped to 0.5...2.
public enum ColourMatch {
    public struct Channel: Sendable, Equatable, Codable {
        public var gain: Double
        public var offset: Double
    }

    /// Fits the correction on the ring: pixels inside `box` with mask 0 within `ringWidth` of
    /// a masked pixel.
    static func fit(base: PixelRaster, edited: PixelRaster, box: Rect, mask: Mask, ringWidth: Int,
                    maskRole: FileRole) throws -> [Channel] {
        let w = box.width, h = box.height
        var inside = [Bool](repeating: false, count: w * h)
        for y in 0..<h { for x in 0..<w { inside[y * w + x] = mask.values[(box.y + y) * mask.width + box.x + x] > 0 } }
        let d2 = DistanceTransform.squaredDistance(to: inside, width: w, height: h)
        let limit = Double(ringWidth * ringWidth)
        let b = base.bands, colour = base.colourBands
        var sb = [Double](repeating: 0, count: colour), se = sb, sbb = sb, see = sb
        var n = 0
        for y in 0..<h {
            for x in 0..<w {
                let k = y * w + x
                guard !inside[k], d2[k] <= limit else { continue }
                let i = ((box.y + y) * base.width + box.x + x) * b
                let j = k * b
                for c in 0..<colour {
                    let vb = Double(base.bytes[i + c]), ve = Double(edited.bytes[j + c])
                    sb[c] += vb; se[c] += ve; sbb[c] += vb * vb; see[c] += ve * ve
                }
                n += 1
            }
        }
        guard n >= 16 else {
            throw StetError.file(maskRole, "\(Hint.matchColor) needs pixels around the mask inside the patch to compare, but the mask fills the patch; make the region with a larger margin")
        }
        return (0..<colour).map { c in
            let mb = sb[c] / Double(n), me = se[c] / Double(n)
            let vb = max(0, sbb[c] / Double(n) - mb * mb), ve = max(0, see[c] / Double(n) - me * me)
            let gain = ve < 1 ? 1 : min(2, max(0.5, (vb / ve).squareRoot()))
            return Channel(gain: gain, offset: mb - me * gain)
        }
    }

    static func apply(_ fit: [Channel], to raster: inout PixelRaster, colourBands: Int) {
        let b = raster.bands
        for p in 0..<(raster.width * raster.height) {
            for c in 0..<colourBands {
                let v = Double(raster.bytes[p * b + c]) * fit[c].gain + fit[c].offset
                raster.bytes[p * b + c] = UInt8(min(255, max(0, v.rounded())))
            }
        }
    }
}
