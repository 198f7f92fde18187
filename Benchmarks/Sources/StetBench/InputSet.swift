import Foundation

/// The benchmark's own inputs: large photo-like JPEGs, made deterministically and cached.
///
/// Each image is a smooth two-colour gradient under a vignette, a dozen shaded ellipses and
/// rectangles with soft edges, five octaves of value-noise texture (384 px down to 2 px), a chroma mottle and
/// per-pixel sensor noise. The pixels are written as binary PPM and encoded by libvips
/// (`vips copy x.ppm x.jpg[Q=90]`), so these are ordinary baseline JPEGs with the entropy of
/// a photograph (a few MB each at 10 MP), not flat colour that decodes for free.
struct InputSet {
    /// Bump when the generator changes, so stale caches are not reused.
    static let version = 2

    let folder: String
    let width: Int
    let height: Int
    let files: [String]

    /// The cached set if it is complete, otherwise makes it.
    static func prepare(count: Int, width: Int, height: Int, under root: String?) throws -> InputSet {
        let base = root ?? (NSTemporaryDirectory() as NSString).appendingPathComponent("stet-bench-inputs")
        let folder = (base as NSString).appendingPathComponent("v\(version)-\(width)x\(height)")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var files: [String] = []
        for i in 0..<count {
            let path = (folder as NSString).appendingPathComponent(String(format: "photo-%02d.jpg", i + 1))
            files.append(path)
            if FileManager.default.fileExists(atPath: path) { continue }
            let started = ProcessRunner.monotonicSeconds()
            try make(seed: UInt64(i + 1), width: width, height: height, to: path)
            FileHandle.standardError.write(Data(String(
                format: "  made %@ (%.1f MB, %.1f s)\n", (path as NSString).lastPathComponent,
                Double(fileSize(path)) / 1e6, ProcessRunner.monotonicSeconds() - started).utf8))
        }
        return InputSet(folder: folder, width: width, height: height, files: files)
    }

    var totalBytes: Int { files.reduce(0) { $0 + fileSize($1) } }

    /// Writes one image: PPM to a sibling temporary file, JPEG through libvips, renamed into place.
    static func make(seed: UInt64, width: Int, height: Int, to path: String) throws {
        let ppm = path + ".tmp.ppm", partial = path + ".tmp.jpg"
        defer { try? FileManager.default.removeItem(atPath: ppm) }
        try PhotoSynth(seed: seed, width: width, height: height).writePPM(to: ppm)
        _ = try ProcessRunner.run(["vips", "copy", ppm, partial + "[Q=90]"], log: path + ".log")
        try? FileManager.default.removeItem(atPath: path + ".log")
        guard rename(partial, path) == 0 else { throw BenchError.failed("cannot rename \(partial)") }
    }
}

func fileSize(_ path: String) -> Int {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
}

/// SplitMix64: small, fast and the same on every platform, so inputs are reproducible.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    mutating func unit() -> Float { Float(next() >> 40) / Float(1 << 24) }
    mutating func range(_ lo: Float, _ hi: Float) -> Float { lo + (hi - lo) * unit() }
}

/// A photo-like picture computed one row at a time (so memory stays at one row).
struct PhotoSynth {
    let width: Int, height: Int
    private let c0: SIMD3<Float>, c1: SIMD3<Float>
    private let gx: Float, gy: Float
    private let shapes: [Shape]
    private let octaves: [ValueNoise]
    private let chroma: [ValueNoise]
    private var grain: SplitMix64

    struct Shape {
        var ellipse: Bool
        var cx: Float, cy: Float, rx: Float, ry: Float
        var colour: SIMD3<Float>
    }

    init(seed: UInt64, width: Int, height: Int) {
        self.width = width; self.height = height
        var rng = SplitMix64(seed: seed)
        func colour() -> SIMD3<Float> { SIMD3(rng.range(20, 235), rng.range(20, 235), rng.range(20, 235)) }
        c0 = colour(); c1 = colour()
        let angle = rng.range(0, 2 * .pi)
        gx = cos(angle); gy = sin(angle)
        let w = Float(width), h = Float(height)
        shapes = (0..<12).map { _ in
            Shape(ellipse: rng.unit() < 0.6, cx: rng.range(0, w), cy: rng.range(0, h),
                  rx: rng.range(0.03, 0.22) * w, ry: rng.range(0.03, 0.22) * h, colour: colour())
        }
        octaves = [(384, 26), (96, 14), (24, 9), (6, 7), (2, 5)].map {
            ValueNoise(spacing: $0.0, amplitude: $0.1, width: width, height: height, seed: rng.next())
        }
        chroma = (0..<3).map { _ in
            ValueNoise(spacing: 192, amplitude: 12, width: width, height: height, seed: rng.next())
        }
        grain = SplitMix64(seed: rng.next())
    }

    func writePPM(to path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let out = FileHandle(forWritingAtPath: path) else { throw BenchError.failed("cannot write \(path)") }
        defer { try? out.close() }
        try out.write(contentsOf: Data("P6\n\(width) \(height)\n255\n".utf8))
        var synth = self
        var row = [UInt8](repeating: 0, count: width * 3)
        for y in 0..<height {
            synth.render(row: y, into: &row)
            try out.write(contentsOf: Data(row))
        }
    }

    private mutating func render(row y: Int, into bytes: inout [UInt8]) {
        let w = Float(width), h = Float(height)
        let fy = Float(y)
        var rgb = [SIMD3<Float>](repeating: .zero, count: width)
        // Gradient under a vignette.
        let ny = fy / h - 0.5
        for x in 0..<width {
            let nx = Float(x) / w - 0.5
            let t = min(max(0.5 + (nx * gx + ny * gy), 0), 1)
            let vignette = 1 - 0.45 * (nx * nx + ny * ny)
            rgb[x] = (c0 + (c1 - c0) * t) * vignette
        }
        // Shapes, painted in order with soft (2 px) edges and sphere-like shading.
        for s in shapes where abs(fy - s.cy) < s.ry + 2 {
            let dy = (fy - s.cy) / s.ry
            let x0 = max(0, Int(s.cx - s.rx - 2)), x1 = min(width - 1, Int(s.cx + s.rx + 2))
            guard x0 <= x1 else { continue }
            for x in x0...x1 {
                let dx = (Float(x) - s.cx) / s.rx
                let alpha: Float, shade: Float
                if s.ellipse {
                    let q = (dx * dx + dy * dy).squareRoot()
                    alpha = min(max((1 - q) * min(s.rx, s.ry) / 2 + 0.5, 0), 1)
                    shade = 0.55 + 0.45 * max(0, 1 - q * q) - 0.15 * dx
                } else {
                    let edge = min((1 - abs(dx)) * s.rx, (1 - abs(dy)) * s.ry)
                    alpha = min(max(edge / 2 + 0.5, 0), 1)
                    shade = 0.8 + 0.2 * dy
                }
                if alpha > 0 { rgb[x] = rgb[x] * (1 - alpha) + s.colour * shade * alpha }
            }
        }
        // Texture (luminance), mottle (per channel) and grain.
        var lum = [Float](repeating: 0, count: width)
        for o in octaves { o.add(row: y, into: &lum) }
        var mottle = [[Float]](repeating: [Float](repeating: 0, count: width), count: 3)
        for c in 0..<3 { chroma[c].add(row: y, into: &mottle[c]) }
        for x in 0..<width {
            for c in 0..<3 {
                let g = (grain.unit() + grain.unit() - 1) * 10
                let v = rgb[x][c] + lum[x] + mottle[c][x] + g
                bytes[x * 3 + c] = UInt8(min(max(v.rounded(), 0), 255))
            }
        }
    }
}

/// Smoothly interpolated random values on a square lattice: one octave of texture.
struct ValueNoise {
    let spacing: Int
    let amplitude: Float
    let columns: Int
    let lattice: [Float]

    init(spacing: Int, amplitude: Float, width: Int, height: Int, seed: UInt64) {
        self.spacing = spacing; self.amplitude = amplitude
        columns = width / spacing + 2
        let rows = height / spacing + 2
        var rng = SplitMix64(seed: seed)
        lattice = (0..<(columns * rows)).map { _ in rng.unit() * 2 - 1 }
    }

    func add(row y: Int, into out: inout [Float]) {
        let j = y / spacing
        var ty = Float(y % spacing) / Float(spacing)
        ty = ty * ty * (3 - 2 * ty)
        let inv = 1 / Float(spacing)
        for x in 0..<out.count {
            let i = x / spacing
            var tx = Float(x - i * spacing) * inv
            tx = tx * tx * (3 - 2 * tx)
            let a = lattice[j * columns + i], b = lattice[j * columns + i + 1]
            let c = lattice[(j + 1) * columns + i], d = lattice[(j + 1) * columns + i + 1]
            let top = a + (b - a) * tx, bottom = c + (d - c) * tx
            out[x] += (top + (bottom - top) * ty) * amplitude
        }
    }
}
