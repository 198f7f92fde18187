import Foundation
import StetSupport

/// Where a crop window is anchored.
public enum ReframeFocus: Sendable, Equatable, CustomStringConvertible {
    /// Faces when there are any (framed as `faces` does), otherwise `attention`.
    case auto
    /// The detected faces kept whole with headroom, a group together where the window holds
    /// it; with no faces found, the same as `attention`.
    case faces
    /// The window that keeps the most salient mass under libvips-style attention.
    case attention
    /// The same, under local entropy.
    case entropy
    /// The middle of the image.
    case centre
    /// A point in source pixels (after EXIF orientation), or fractions 0...1 of the size.
    case point(x: Double, y: Double, fractional: Bool)

    public var description: String {
        switch self {
        case .auto: return "auto"
        case .faces: return "faces"
        case .attention: return "attention"
        case .entropy: return "entropy"
        case .centre: return "centre"
        case let .point(x, y, fractional):
            return fractional ? "\(x),\(y)" : "\(Int(x)),\(Int(y))"
        }
    }

    /// The saliency measure that finds (or, for centre and point, judges) the subject.
    public var measure: SaliencyMap.Measure { self == .entropy ? .entropy : .attention }

    /// Whether the faces in the image are looked for (and frame the crop).
    public var usesFaces: Bool { self == .auto || self == .faces }

    /// Parses `auto`, `faces`, `attention`, `entropy`, `centre` (or `center`), `X,Y` in pixels, or `0.3,0.6`.
    public static func parse(_ text: String) throws -> ReframeFocus {
        switch text.lowercased() {
        case "auto": return .auto
        case "faces": return .faces
        case "attention": return .attention
        case "entropy": return .entropy
        case "centre", "center": return .centre
        default: break
        }
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        let expected = "auto, faces, attention, entropy, centre, X,Y in pixels or fractions such as 0.3,0.6"
        guard parts.count == 2,
              let x = Double(parts[0].trimmingCharacters(in: .whitespaces)),
              let y = Double(parts[1].trimmingCharacters(in: .whitespaces)),
              x.isFinite, y.isFinite, x >= 0, y >= 0,
              // No image has a side over libvips' 10,000,000; a larger point is a typo, and
              // Int(1e308) in the plan would trap (found by Tools/fuzz).
              x <= 10_000_000, y <= 10_000_000
        else { throw Validate.invalid(expected, "focus", text) }
        // A side written with a decimal point is a fraction of the size (0.3); whole numbers are
        // pixels (640). Mixing them, or a fraction above 1, is refused rather than guessed.
        let decimals = parts.filter { $0.contains(".") }.count
        if decimals == 0 { return .point(x: x, y: y, fractional: false) }
        guard decimals == 2, x <= 1, y <= 1 else {
            throw Validate.invalid("fractions between 0 and 1 (0.3,0.6) or whole pixels (640,360)", "focus", text)
        }
        return .point(x: x, y: y, fractional: true)
    }
}

/// A point in source pixels.
public struct FocusPoint: Sendable, Equatable, Codable {
    public var x: Double
    public var y: Double
    public init(x: Double, y: Double) { self.x = x; self.y = y }
}

/// The crop for one target: the largest window of the target's ratio, placed by the focus.
///
/// With a saliency focus, every window position is scored by the salient mass inside it (a
/// summed-area table makes each O(1)), less the mass its edges would cut through, and the
/// best-scoring position wins: the window keeps the most of the subject, not merely its
/// brightest point, so a large subject beside a small bright detail is not cut in half.
/// Positions within 0.1% of the best score tie, and the tie goes to the one whose centre is
/// nearest the centre of mass inside the window, so a subject that fits is framed in the
/// middle rather than pushed against an edge.
public struct CropWindow: Sendable, Equatable {
    public var box: Rect
    public var focus: FocusPoint
    /// Share 0...1 of the salient mass inside `box`.
    public var subjectKept: Double
    /// Indexes (into the detected faces) of the faces the window does not hold whole.
    public var facesLeftOut: [Int] = []

    public init(box: Rect, focus: FocusPoint, subjectKept: Double, facesLeftOut: [Int] = []) {
        self.box = box; self.focus = focus; self.subjectKept = subjectKept; self.facesLeftOut = facesLeftOut
    }

    /// The salient mass a `cw×ch` window at (x, y) holds, less the mass in a band just outside
    /// each edge that runs through the picture (a tenth of the window deep): an edge through the
    /// subject costs what it cuts. Edges at the image border cost nothing.
    static func edgeAwareMass(_ map: SaliencyMap, _ fx: Double, _ fy: Double, _ cw: Int, _ ch: Int, _ sw: Int, _ sh: Int) -> Double {
        let bandX = Double(cw) * 0.1, bandY = Double(ch) * 0.1
        let m = map.mass(x: fx, y: fy, width: Double(cw), height: Double(ch), sourceWidth: sw, sourceHeight: sh)
        var cut = 0.0
        if sw > cw {
            cut += map.mass(x: fx - bandX, y: fy, width: bandX, height: Double(ch), sourceWidth: sw, sourceHeight: sh)
            cut += map.mass(x: fx + Double(cw), y: fy, width: bandX, height: Double(ch), sourceWidth: sw, sourceHeight: sh)
        }
        if sh > ch {
            cut += map.mass(x: fx, y: fy - bandY, width: Double(cw), height: bandY, sourceWidth: sw, sourceHeight: sh)
            cut += map.mass(x: fx, y: fy + Double(ch), width: Double(cw), height: bandY, sourceWidth: sw, sourceHeight: sh)
        }
        return m - cut
    }

    public static func choose(sourceWidth sw: Int, sourceHeight sh: Int, ratio: AspectRatio,
                              focus: ReframeFocus, map: SaliencyMap, faces: [DetectedFace] = []) -> CropWindow {
        let (cw, ch) = ratio.largestInside(width: sw, height: sh)
        let maxX = sw - cw, maxY = sh - ch
        func clampedBox(centreX: Double, centreY: Double) -> Rect {
            let x = min(maxX, max(0, Int((centreX - Double(cw) / 2).rounded())))
            let y = min(maxY, max(0, Int((centreY - Double(ch) / 2).rounded())))
            return Rect(x: x, y: y, width: cw, height: ch)
        }
        func result(_ box: Rect, _ point: FocusPoint) -> CropWindow {
            CropWindow(box: box, focus: point,
                       subjectKept: map.share(of: box, sourceWidth: sw, sourceHeight: sh))
        }
        switch focus {
        case .centre:
            let p = FocusPoint(x: Double(sw) / 2, y: Double(sh) / 2)
            return result(clampedBox(centreX: p.x, centreY: p.y), p)
        case let .point(x, y, fractional):
            let p = fractional ? FocusPoint(x: x * Double(sw), y: y * Double(sh)) : FocusPoint(x: x, y: y)
            return result(clampedBox(centreX: p.x, centreY: p.y), p)
        case .auto, .faces:
            if !faces.isEmpty {
                let total = max(map.total, 1e-12)
                let framed = FaceFraming.window(width: cw, height: ch, sourceWidth: sw, sourceHeight: sh, faces: faces,
                                                salient: { x, y in edgeAwareMass(map, x, y, cw, ch, sw, sh) / total })
                var r = result(framed.box, framed.focus)
                r.facesLeftOut = framed.leftOut
                return r
            }
        case .attention, .entropy:
            break
        }
        // Score every position (whole pixels; at most 2048 steps per axis on very large sources).
        let total = map.total
        func positions(_ limit: Int) -> [Int] {
            guard limit > 0 else { return [0] }
            let step = max(1, limit / 2048)
            var p = Array(stride(from: 0, through: limit, by: step))
            if p.last != limit { p.append(limit) }
            return p
        }
        // A window edge that runs through the subject is penalised by the salient mass in a
        // band just outside it (a tenth of the window deep), so that when not everything fits
        // the window keeps one subject whole rather than halves of two, and does not shave the
        // top off a head to take in more background. Edges at the image border cost nothing.
        func score(_ x: Int, _ y: Int) -> Double { edgeAwareMass(map, Double(x), Double(y), cw, ch, sw, sh) }
        var best = -Double.infinity
        var scored: [(x: Int, y: Int, score: Double)] = []
        for y in positions(maxY) {
            for x in positions(maxX) {
                let s = score(x, y)
                scored.append((x, y, s))
                best = max(best, s)
            }
        }
        let tolerance = max(total * 0.001, 1e-12)
        let ties = scored.filter { $0.score >= best - tolerance }
        // Centre on what the best windows hold: start from the map's centre of mass, then
        // re-aim at the centre of mass inside the chosen window, so a bright detail outside
        // cannot pull the subject to the window's edge.
        var aim = map.centroid(sourceWidth: sw, sourceHeight: sh)
        var chosen = Rect(x: maxX / 2, y: maxY / 2, width: cw, height: ch)
        for _ in 0..<3 {
            var nearest = Double.infinity
            for s in ties {
                let dx = Double(s.x) + Double(cw) / 2 - aim.x, dy = Double(s.y) + Double(ch) / 2 - aim.y
                let d = dx * dx + dy * dy
                if d < nearest { nearest = d; chosen = Rect(x: s.x, y: s.y, width: cw, height: ch) }
            }
            let next = map.centroid(in: chosen, sourceWidth: sw, sourceHeight: sh)
            if abs(next.x - aim.x) < 0.5 && abs(next.y - aim.y) < 0.5 { break }
            aim = next
        }
        let inside = map.centroid(in: chosen, sourceWidth: sw, sourceHeight: sh)
        return result(chosen, FocusPoint(x: inside.x, y: inside.y))
    }
}
