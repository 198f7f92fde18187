/// The `fast` fill: a thin-plate (biharmonic) spline in tension, solved from the hole's
/// boundary. Biharmonic continuation reproduces smooth gradients and carries the boundary's
/// slope into the hole; the tension term (a little of the harmonic operator) damps the
/// overshoot that a pure biharmonic fill shows next to strong edges.
///
/// Discretely, each unknown pixel satisfies (Δ² − λΔ)u = 0 with the 13-point biharmonic
/// stencil; known pixels are fixed. The system is solved by successive over-relaxation,
/// coarse to fine: each level of a 2× pyramid starts from the coarser level's solution, so the
/// fine level only has to correct local detail.
struct DiffusionFill: Sendable {
    /// Tension λ: 0 is a pure biharmonic fill; large values tend to a harmonic (membrane) fill.
    /// nil picks by hole depth: 0 for thin holes (scratches), where the biharmonic fill is
    /// best, and 0.5 for wider ones (tuned on CSun_Hays80; see Benchmarks/README.md).
    var tension: Float? = nil
    var relaxation: Float = 1.6
    /// Stop when no pixel moves by more than this (0-255 scale) in one sweep.
    var tolerance: Float = 0.05
    var maxSweepsFine = 150
    var maxSweepsCoarsest = 3000

    func fill(_ domain: inout FillDomain) {
        guard domain.unknownCount > 0 else { return }
        // The hole's depth is measured once; each 2x level halves it.
        let depth = domain.holeDepth
        var solver = self
        if solver.tension == nil { solver.tension = depth <= 3 ? 0 : 0.5 }
        solver.solve(&domain, depth: depth)
    }

    private func solve(_ domain: inout FillDomain, depth: Double) {
        // Enough levels that the hole is a few pixels deep at the coarsest one.
        var levels = [domain]
        var levelDepth = depth
        while levels.count < 12 {
            let last = levels[levels.count - 1]
            if levelDepth <= 3 || last.width < 8 || last.height < 8 { break }
            let next = last.downsampled()
            if next.unknownCount == 0 { break }
            levels.append(next)
            levelDepth /= 2
        }
        for l in stride(from: levels.count - 1, through: 0, by: -1) {
            if l < levels.count - 1 { levels[l].initialiseUnknowns(from: levels[l + 1]) }
            else { seed(&levels[l]) }
            relax(&levels[l], maxSweeps: l == levels.count - 1 ? maxSweepsCoarsest : maxSweepsFine)
        }
        domain.pixels = levels[0].pixels
    }

    /// A first guess for the coarsest level: the mean of the known pixels next to the hole.
    private func seed(_ d: inout FillDomain) {
        var sum = SIMD4<Float>.zero, n: Float = 0
        for y in 0..<d.height {
            for x in 0..<d.width where d.known[y * d.width + x] {
                var edge = false
                for (dx, dy) in [(1, 0), (-1, 0), (0, 1), (0, -1)] {
                    let xx = x + dx, yy = y + dy
                    if xx >= 0, yy >= 0, xx < d.width, yy < d.height, !d.known[yy * d.width + xx] { edge = true }
                }
                if edge { sum += d.pixels[y * d.width + x]; n += 1 }
            }
        }
        let mean = n > 0 ? sum / n : SIMD4<Float>(repeating: 128)
        for i in 0..<d.pixels.count where !d.known[i] { d.pixels[i] = mean }
    }

    /// SOR sweeps. Each unknown pixel's twelve stencil taps are looked up once; taps past the
    /// domain's side are clamped to it (a reflecting edge where the hole meets the frame).
    func relax(_ d: inout FillDomain, maxSweeps: Int) {
        let w = d.width, h = d.height
        var unknown: [Int32] = []
        var taps: [Int32] = []
        let offsets: [(Int, Int)] = [(-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (1, -1), (-1, 1), (1, 1),
                                     (-2, 0), (2, 0), (0, -2), (0, 2)]
        for y in 0..<h {
            for x in 0..<w where !d.known[y * w + x] {
                unknown.append(Int32(y * w + x))
                for (dx, dy) in offsets {
                    taps.append(Int32(min(max(y + dy, 0), h - 1) * w + min(max(x + dx, 0), w - 1)))
                }
            }
        }
        let lambda = tension ?? 0, omega = relaxation
        let centre = 1 / (20 + 4 * lambda)
        let w8 = 8 + lambda
        d.pixels.withUnsafeMutableBufferPointer { p in
            unknown.withUnsafeBufferPointer { list in
                taps.withUnsafeBufferPointer { t in
                    for _ in 0..<maxSweeps {
                        var worst: Float = 0
                        for k in 0..<list.count {
                            let i = Int(list[k]), o = k * 12
                            let n4 = p[Int(t[o])] + p[Int(t[o + 1])] + p[Int(t[o + 2])] + p[Int(t[o + 3])]
                            let diag = p[Int(t[o + 4])] + p[Int(t[o + 5])] + p[Int(t[o + 6])] + p[Int(t[o + 7])]
                            let far = p[Int(t[o + 8])] + p[Int(t[o + 9])] + p[Int(t[o + 10])] + p[Int(t[o + 11])]
                            let target = (w8 * n4 - 2 * diag - far) * centre
                            let delta = (target - p[i]) * omega
                            p[i] += delta
                            let m = max(max(abs(delta.x), abs(delta.y)), max(abs(delta.z), abs(delta.w)))
                            if m > worst { worst = m }
                        }
                        if worst < tolerance { break }
                    }
                }
            }
        }
    }
}
