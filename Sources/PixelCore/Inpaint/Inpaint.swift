import Foundation
import StetSupport

/// Local fill of small defects, with no model. Only boxes around the mask are processed (one
/// per cluster of holes), never the whole frame. Every pixel with a mask value above 0 is
/// filled (an anti-aliased or grown edge still belongs to the defect, so it is replaced, not
/// blended); pixels where the mask is 0 are copied through and then verified bit-identical;
/// alpha is kept as it was.
public struct Inpaint: Sendable {
    public enum Method: String, CaseIterable, Sendable, Codable {
        /// Biharmonic spline in tension from the boundary: exact on smooth gradients, fastest.
        case fast
        /// Exemplar search and voting (PatchMatch), coarse to fine: for blobs in texture.
        case texture
        /// Per hole: thin holes (scratches) in detailed surroundings get the `fast` and `texture`
        /// fills mixed (weight `textureWeight` on texture), which beats either alone on PSNR and
        /// SSIM because their errors are largely independent; wide holes and smooth
        /// surroundings get `fast` (on wide holes the mix raised PSNR but lowered SSIM on the
        /// tuning set).
        case auto
    }

    /// Masks covering more than this fraction of the frame are regenerations, not defects.
    public static let maxCoverage = 0.5

    /// `auto` mixes in the texture fill for holes at most this deep (pixels from the hole's
    /// deepest point to the nearest known pixel: a 5 px scratch is 3 deep, two crossing at a
    /// shallow angle a little more)...
    public var textureMaxDepth: Double = 6
    /// ...where the surroundings carry at least this much fine detail (mean absolute Laplacian
    /// of luminance over a ring of known pixels, 0-255 scale)...
    public var textureMinDetail: Double = 2
    /// ...with this weight (tuned on CSun_Hays80; reported on CBSD68).
    public var textureWeight: Float = 0.25

    /// Tension of the `fast` fill (see `DiffusionFill`); nil picks by hole depth.
    public var tension: Float? = nil

    public var method: Method

    public init(method: Method = .auto) { self.method = method }

    public struct Report: Sendable, Equatable {
        /// Pixels with a non-zero mask value (all of them filled).
        public var filledPixels: Int
        /// Pixels whose value differs from the input afterwards.
        public var changedPixels: Int
        /// Boxes processed, and how many pixels they held in total.
        public var regions: Int
        public var processedPixels: Int
        /// Regions filled by each method.
        public var fastRegions: Int
        public var textureRegions: Int
        /// Time spent filling (not decoding or encoding), in seconds.
        public var seconds: Double
    }

    /// The checks `run` makes, for callers that want them before decoding anything else.
    public static func check(mask: Mask, width: Int, height: Int) throws {
        guard mask.width == width, mask.height == height else {
            throw StetError.file(.mask, "mask is \(mask.width)x\(mask.height) but \(FileRole.source) is \(width)x\(height); a mask must be the image's size")
        }
        let filled = mask.editedPixelCount
        guard filled > 0 else {
            throw StetError.file(.mask, "mask is empty (every pixel is 0); nothing to inpaint")
        }
        let share = Double(filled) / Double(width * height)
        if share > maxCoverage {
            throw StetError.file(.mask, String(format: "mask covers %.1f%% of the image; that is a regeneration, not a defect fill (inpaint takes masks up to 50%%)", share * 100))
        }
    }

    /// Errors name the files by role (`FileRole.mask`, `.source`).
    public func run(_ image: PixelRaster, mask: Mask) throws -> (PixelRaster, Report) {
        try Inpaint.check(mask: mask, width: image.width, height: image.height)
        let start = Date()
        let groups = Inpaint.groups(mask: mask, margin: { self.margin(for: $0, area: $1) })

        // Fill every box independently (boxes are disjoint), in parallel.
        let results = ResultSlots<(domain: FillDomain, texture: Bool)>(count: groups.count)
        let selfCopy = self
        DispatchQueue.concurrentPerform(iterations: groups.count) { g in
            let box = groups[g]
            var domain = FillDomain(raster: image, mask: mask, box: box)
            domain.measureDepth()
            let diffusion = DiffusionFill(tension: selfCopy.tension)
            var texture = false
            switch selfCopy.method {
            case .fast:
                diffusion.fill(&domain)
            case .texture:
                texture = PatchMatchFill(diffusion: diffusion).fill(&domain)
                if !texture { diffusion.fill(&domain) }
            case .auto:
                let detailed = domain.holeDepth <= selfCopy.textureMaxDepth
                    && Inpaint.surroundingDetail(domain) >= selfCopy.textureMinDetail
                var smooth = domain
                diffusion.fill(&smooth)
                var patchMatch = PatchMatchFill(diffusion: diffusion)
                patchMatch.thinRadius = 2   // the mix weighs it 1:3; see PatchMatchFill.thinRadius
                patchMatch.thinPasses = 1
                if detailed, patchMatch.fill(&domain, smooth: smooth) {
                    texture = true
                    let a = selfCopy.textureWeight
                    for i in 0..<domain.pixels.count where !domain.known[i] {
                        domain.pixels[i] = smooth.pixels[i] * (1 - a) + domain.pixels[i] * a
                    }
                } else {
                    domain = smooth
                }
            }
            results[g] = (domain, texture)
        }

        var out = image
        let b = image.bands, colour = image.colourBands
        var processed = 0
        let filled = results.values
        for (g, box) in groups.enumerated() {
            guard let domain = filled[g]?.domain else { continue }
            processed += box.width * box.height
            for y in 0..<box.height {
                for x in 0..<box.width {
                    let i = (box.y + y) * image.width + box.x + x
                    let m = mask.values[i]
                    if m == 0 { continue }
                    let fill = domain.pixels[y * box.width + x]
                    for c in 0..<colour {
                        out.bytes[i * b + c] = UInt8(min(255, max(0, fill[c].rounded())))
                    }
                }
            }
        }
        let changed = try Inpaint.verify(original: image, result: out, mask: mask)
        let textureCount = filled.filter { $0?.texture == true }.count
        return (out, Report(filledPixels: mask.editedPixelCount, changedPixels: changed, regions: groups.count,
                            processedPixels: processed, fastRegions: groups.count - textureCount,
                            textureRegions: textureCount, seconds: Date().timeIntervalSince(start)))
    }

    /// Proves the promise: every pixel with mask 0, and every alpha value, is unchanged.
    /// Returns the number of pixels that changed.
    static func verify(original: PixelRaster, result: PixelRaster, mask: Mask) throws -> Int {
        let b = original.bands
        var changed = 0, broken = 0
        original.bytes.withUnsafeBufferPointer { o in
            result.bytes.withUnsafeBufferPointer { r in
                for i in 0..<(original.width * original.height) {
                    var differs = false
                    for c in 0..<b where o[i * b + c] != r[i * b + c] {
                        differs = true
                        if original.hasAlpha && c == b - 1 { broken += 1 }
                    }
                    if differs { changed += 1; if mask.values[i] == 0 { broken += 1 } }
                }
            }
        }
        guard broken == 0 else {
            throw StetError.operation("inpaint", "\(broken) pixels outside the mask of \(FileRole.source) changed; no output written")
        }
        return changed
    }

    /// Context kept around each hole: a few pixels for the boundary solve, a wide band of
    /// surroundings to copy patches from for the texture fill.
    /// The hole's thickness is estimated as its area over its longer side, so a long scratch
    /// keeps a narrow band and a round blob a wide one.
    /// `auto` fills wide holes with `fast` alone, so a clearly wide hole (area over longer side
    /// above 24, which a curled scratch does not reach) needs only the narrow band too.
    func margin(for holeBox: Rect, area: Int) -> Int {
        if method == .fast { return 4 }
        let thickness = Double(area) / Double(max(holeBox.width, holeBox.height))
        if method == .auto && thickness > 24 { return 4 }
        return max(24, min(160, Int(2 * thickness)))
    }

    /// Boxes around clusters of holes: each 8-connected hole grown by its margin, and boxes
    /// that overlap merged until all are disjoint.
    static func groups(mask: Mask, margin: (Rect, Int) -> Int) -> [Rect] {
        guard let bbox = mask.boundingBox() else { return [] }
        let w = mask.width
        var label = [Int32](repeating: -1, count: bbox.width * bbox.height)
        var boxes: [Rect] = []
        var stack: [Int] = []
        for y0 in 0..<bbox.height {
            for x0 in 0..<bbox.width {
                let start = y0 * bbox.width + x0
                guard label[start] < 0, mask.values[(bbox.y + y0) * w + bbox.x + x0] > 0 else { continue }
                let id = Int32(boxes.count)
                var minX = x0, maxX = x0, minY = y0, maxY = y0, area = 0
                label[start] = id; stack.append(start)
                while let p = stack.popLast() {
                    area += 1
                    let px = p % bbox.width, py = p / bbox.width
                    minX = min(minX, px); maxX = max(maxX, px); minY = min(minY, py); maxY = max(maxY, py)
                    for dy in -1...1 {
                        for dx in -1...1 {
                            let nx = px + dx, ny = py + dy
                            guard nx >= 0, ny >= 0, nx < bbox.width, ny < bbox.height else { continue }
                            let n = ny * bbox.width + nx
                            if label[n] < 0 && mask.values[(bbox.y + ny) * w + bbox.x + nx] > 0 {
                                label[n] = id; stack.append(n)
                            }
                        }
                    }
                }
                let hole = Rect(x: bbox.x + minX, y: bbox.y + minY, width: maxX - minX + 1, height: maxY - minY + 1)
                boxes.append(hole.expanded(by: margin(hole, area), within: mask.width, mask.height))
            }
        }
        // Merge overlapping boxes until none overlap.
        var merged = true
        while merged {
            merged = false
            outer: for i in 0..<boxes.count {
                for j in (i + 1)..<boxes.count where boxes[i].intersects(boxes[j]) {
                    boxes[i] = boxes[i].union(boxes[j])
                    boxes.remove(at: j)
                    merged = true
                    break outer
                }
            }
        }
        return boxes
    }

    /// Mean absolute Laplacian of luminance over known pixels within 8 px of the hole (the
    /// distance transform runs on the hole's box plus that ring, not the whole domain).
    static func surroundingDetail(_ d: FillDomain) -> Double {
        guard let box = d.holeBox(pad: 9) else { return 0 }
        let w = d.width, bw = box.width, bh = box.height
        var hole = [Bool](repeating: false, count: bw * bh)
        for y in 0..<bh { for x in 0..<bw { hole[y * bw + x] = !d.known[(box.y + y) * w + box.x + x] } }
        let d2 = DistanceTransform.squaredDistance(to: hole, width: bw, height: bh)
        func lum(_ i: Int) -> Double {
            let p = d.pixels[i]
            return 0.299 * Double(p.x) + 0.587 * Double(p.y) + 0.114 * Double(p.z)
        }
        var sum = 0.0, n = 0
        for by in 0..<bh {
            for bx in 0..<bw {
                let x = box.x + bx, y = box.y + by
                guard x > 0, y > 0, x < w - 1, y < d.height - 1, d2[by * bw + bx] <= 64 else { continue }
                let i = y * w + x
                guard d.known[i], d.known[i - 1], d.known[i + 1], d.known[i - w], d.known[i + w] else { continue }
                sum += abs(4 * lum(i) - lum(i - 1) - lum(i + 1) - lum(i - w) - lum(i + w))
                n += 1
            }
        }
        return n == 0 ? 0 : sum / Double(n)
    }
}

extension Rect {
    func intersects(_ o: Rect) -> Bool { x < o.maxX && o.x < maxX && y < o.maxY && o.y < maxY }
    func union(_ o: Rect) -> Rect {
        let x0 = min(x, o.x), y0 = min(y, o.y)
        return Rect(x: x0, y: y0, width: max(maxX, o.maxX) - x0, height: max(maxY, o.maxY) - y0)
    }
}
