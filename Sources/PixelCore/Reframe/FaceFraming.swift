import Foundation

/// Where a crop window of a fixed size goes when the photograph has faces in it: composition,
/// not saliency.
///
/// - The faces to keep: all of them when the window can hold the whole group; otherwise the
///   set with the most weight (face area, more for faces near the middle) that it can hold,
///   grown from each face in turn, the most central of those within a tenth of the heaviest.
///   The rest are left out, and named.
/// - Headroom: each kept face is taken with a margin (a fifth of its width each side, half its
///   height above for the forehead and hair, a quarter below for the chin), as much of the
///   margin as the window holds (in steps down to none).
/// - Placement, inside the positions that hold those boxes: across, the group's centre at the
///   window's centre; down, the eyes (the network's eye points, else two fifths down a face
///   box) on the upper third line,
///   and salient mass fills in (a height that keeps more of the body wins over that ideal by
///   twice the share of the mass it gains). A
///   face left out is kept wholly outside where the window can manage it, never cut in half
///   when another position avoids it.
enum FaceFraming {
    struct Framed {
        var box: Rect
        var focus: FocusPoint
        var leftOut: [Int]
    }

    /// Margins around a detected face box, as shares of its width and height (the one above is
    /// never less than `browRaise`).
    static let side = 0.2, above = 0.5, below = 0.25
    /// How far down a detected face box the eyes are, for a face given without its landmarks.
    static let eyeLine = 0.4
    /// BlazeFace's box starts below the brows: on the tuning half of Benchmarks/faces (14 faces)
    /// its top lay a median 12% of the face's height below the top of a box drawn from the
    /// brows (or hairline) to the chin, its bottom 5% below the chin. Framing raises the top by
    /// that much, so a window that only just holds the face keeps the brows; the bottom is
    /// left as detected (a cut chin is the worse cut).
    static let browRaise = 0.12

    struct Box {
        var x0: Double, y0: Double, x1: Double, y1: Double
        var width: Double { x1 - x0 }
        var height: Double { y1 - y0 }
        func union(_ o: Box) -> Box { Box(x0: min(x0, o.x0), y0: min(y0, o.y0), x1: max(x1, o.x1), y1: max(y1, o.y1)) }
    }

    /// How much the share of salient mass a window keeps counts against its distance from the
    /// ideal placement (both shares of the photograph): the faces are placed first, and among
    /// the heights that hold them the one keeping more of the rest of the subject (the body
    /// below a face) wins over the eye line when it keeps noticeably more of it.
    static let salientWeight = 2.0

    /// `salient(x, y)`, when given, is the share 0...1 of the salient mass a window at (x, y)
    /// keeps, less what its edges cut through (the attention window's own measure).
    static func window(width cw: Int, height ch: Int, sourceWidth sw: Int, sourceHeight sh: Int,
                       faces: [DetectedFace], salient: ((Double, Double) -> Double)? = nil) -> Framed {
        let W = Double(cw), H = Double(ch)
        // The face as a person sees it, brows to chin: the detector's box starts lower (see `browRaise`).
        let raw = faces.map { f in
            let h = Double(f.box.height)
            return Box(x0: Double(f.box.x), y0: max(0, Double(f.box.y) - browRaise * h),
                       x1: Double(f.box.x + f.box.width), y1: Double(f.box.y + f.box.height))
        }
        // Margins are shares of the detected box; the one above includes the brows' raise.
        func expanded(_ i: Int, _ m: Double) -> Box {
            let f = faces[i].box
            let (x0, y0, w, h) = (Double(f.x), Double(f.y), Double(f.width), Double(f.height))
            return Box(x0: max(0, x0 - m * side * w), y0: max(0, y0 - max(browRaise, m * above) * h),
                       x1: min(Double(sw), x0 + w + m * side * w), y1: min(Double(sh), y0 + h + m * below * h))
        }
        func union(_ set: [Int], _ m: Double) -> Box { set.dropFirst().reduce(expanded(set[0], m)) { $0.union(expanded($1, m)) } }
        func fits(_ set: [Int], _ m: Double) -> Bool {
            let u = union(set, m)
            return u.width <= W + 0.5 && u.height <= H + 0.5
        }
        // Weight: area, up to half again for a face at the centre of the photograph.
        let weight = raw.map { b -> Double in
            let dx = ((b.x0 + b.x1) / 2 - Double(sw) / 2) / Double(sw), dy = ((b.y0 + b.y1) / 2 - Double(sh) / 2) / Double(sh)
            return b.width * b.height * (1.5 - min(1, (dx * dx + dy * dy).squareRoot() * 2))
        }
        let all = Array(raw.indices)
        var keep = all
        if !fits(all, 0) {
            let order = all.sorted { weight[$0] > weight[$1] }
            var sets: [(set: [Int], weight: Double)] = []
            for anchor in order {
                var set = [anchor]
                for j in order where j != anchor && fits(set + [j], 0) { set.append(j) }
                sets.append((set, set.reduce(0) { $0 + weight[$1] }))
            }
            // Sets within a tenth of the heaviest are a tie (a detector's box sizes vary by
            // about that much): the one nearest the middle of the photograph wins.
            let heaviest = sets.map(\.weight).max() ?? 0
            func offCentre(_ set: [Int]) -> Double {
                let u = union(set, 0)
                let dx = ((u.x0 + u.x1) / 2 - Double(sw) / 2) / Double(sw), dy = ((u.y0 + u.y1) / 2 - Double(sh) / 2) / Double(sh)
                return (dx * dx + dy * dy).squareRoot()
            }
            keep = sets.filter { $0.weight >= 0.9 * heaviest }.min { offCentre($0.set) < offCentre($1.set) }?.set ?? [order[0]]
        }
        let margin = [1, 0.75, 0.5, 0.3, 0.15, 0].first { fits(keep, $0) } ?? 0
        let required = union(keep, margin)
        let maxX = Double(sw - cw), maxY = Double(sh - ch)
        // Positions whose window holds `required` (the whole range if it cannot, which the
        // choice above rules out but rounding may not).
        // Where no position holds them (a face larger than the window), the window centres on
        // the faces' features (half-way between the eyes and the mouth, where the network gives
        // them; else the boxes' middle): eyes, nose and mouth stay in, brow and chin go.
        let keptArea = keep.reduce(0) { $0 + raw[$1].width * raw[$1].height }
        func features(_ axis: KeyPath<FocusPoint, Double>, _ middle: (Box) -> Double) -> Double {
            keep.reduce(0) { sum, i in
                let at = faces[i].landmarks.map { $0.centre[keyPath: axis] } ?? middle(raw[i])
                return sum + at * raw[i].width * raw[i].height
            } / max(keptArea, 1e-9)
        }
        func range(_ lo: Double, _ hi: Double, _ limit: Double, _ centred: Double) -> (Double, Double) {
            let a = max(0, lo), b = min(limit, hi)
            let c = min(limit, max(0, centred))
            return a <= b ? (a, b) : (c, c)
        }
        let (xLo, xHi) = range(required.x1 - W, required.x0, maxX, features(\.x) { ($0.x0 + $0.x1) / 2 } - W / 2)
        let (yLo, yHi) = range(required.y1 - H, required.y0, maxY, features(\.y) { ($0.y0 + $0.y1) / 2 } - H / 2)
        let core = union(keep, 0)
        let idealX = min(xHi, max(xLo, (core.x0 + core.x1) / 2 - W / 2))
        let totalArea = keep.reduce(0) { $0 + raw[$1].width * raw[$1].height }
        let eyes = keep.reduce(0) { sum, i in
            let y = faces[i].landmarks?.eyes.y ?? Double(faces[i].box.y) + eyeLine * Double(faces[i].box.height)
            return sum + y * raw[i].width * raw[i].height
        } / totalArea
        let idealY = min(yHi, max(yLo, eyes - H / 3))
        // Candidates: the ideal, a sweep of the range, and the positions that put a left-out
        // face's edge just outside the window.
        let leftOutSet = all.filter { !keep.contains($0) }
        func candidates(_ lo: Double, _ hi: Double, _ ideal: Double, _ size: Double, _ edges: [(Double, Double)]) -> [Double] {
            var c = [ideal]
            if hi > lo { for k in 0...32 { c.append(lo + (hi - lo) * Double(k) / 32) } }
            for (a, b) in edges { c += [b, a - size].filter { $0 >= lo && $0 <= hi } }
            return c
        }
        let xs = candidates(xLo, xHi, idealX, W, leftOutSet.map { (raw[$0].x0, raw[$0].x1) })
        let ys = candidates(yLo, yHi, idealY, H, leftOutSet.map { (raw[$0].y0, raw[$0].y1) })
        func inside(_ b: Box, _ x: Double, _ y: Double) -> Double {
            let ix = max(0, min(b.x1, x + W) - max(b.x0, x)), iy = max(0, min(b.y1, y + H) - max(b.y0, y))
            return ix * iy / max(1e-9, b.width * b.height)
        }
        var best = (x: idealX, y: idealY), bestCost = Double.infinity
        for y in ys {
            for x in xs {
                // A face cut through costs far more than any distance from the ideal.
                var cut = 0.0
                for j in leftOutSet {
                    let s = inside(raw[j], x, y)
                    if s > 0.001 && s < 0.999 { cut += min(s, 1 - s) * weight[j] }
                }
                var cost = cut / max(1e-9, totalArea) * 1000 + abs(x - idealX) / Double(sw) + abs(y - idealY) / Double(sh)
                // Down only: across, the faces' centre decides (what lies beside a group is
                // not more of it), but below a face is its body.
                if let salient { cost -= salientWeight * salient(idealX, y) }
                if cost < bestCost { bestCost = cost; best = (x, y) }
            }
        }
        let box = Rect(x: min(sw - cw, max(0, Int(best.x.rounded()))), y: min(sh - ch, max(0, Int(best.y.rounded()))),
                       width: cw, height: ch)
        let leftOut = all.filter { i in
            let b = faces[i].box
            return b.x < box.x || b.y < box.y || b.x + b.width > box.x + box.width || b.y + b.height > box.y + box.height
        }
        return Framed(box: box, focus: FocusPoint(x: (core.x0 + core.x1) / 2, y: (core.y0 + core.y1) / 2), leftOut: leftOut)
    }
}
