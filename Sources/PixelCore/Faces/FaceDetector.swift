import Foundation
import StetSupport

/// One face found in a photograph, in source pixels.
public struct DetectedFace: Sendable, Equatable, Codable {
    /// The face box (brows to chin, as the cascades were trained), in source pixels.
    public var box: Rect
    /// How many overlapping detections agreed on it (OpenCV's "neighbours"): higher is surer.
    public var score: Int
    /// Which detector found it: "frontal", "profile-left" or "profile-right".
    public var kind: String
    public init(box: Rect, score: Int, kind: String) { self.box = box; self.score = score; self.kind = kind }
}

/// A Viola–Jones face detector over OpenCV's Haar cascades (frontal, alt2; profile, and the
/// profile mirrored for faces turned the other way), run on a small greyscale copy.
///
/// As OpenCV's `detectMultiScale`: the image is shrunk by `scaleFactor` per level, each level
/// gets an integral image and a squared one, and every window position (a step of 2 pixels
/// while the level is at least half size, then 1) runs the cascade; a window is normalised by
/// its standard deviation, and flat windows (standard deviation 10 or less of 255) are skipped.
/// In a colour photograph a window is tried only when its middle is at least 30% skin-toned
/// (YCbCr chroma ranges, which hold for light and dark skin alike), which skips most windows
/// and the false detections on foliage, brick and fabric; a greyscale photograph is scanned whole.
/// Raw hits are grouped (OpenCV's `groupRectangles`, eps 0.2) and a group needs more than
/// `minNeighbours` members. Levels run in parallel. Boxes from the three detectors that
/// overlap are one face: the box of the one with the most neighbours is kept.
public struct FaceDetector: Sendable {
    public struct Options: Sendable, Equatable {
        /// The long side of the greyscale copy detection runs on (smaller or larger sources are
        /// resized to it): faces from 20 pixels there, about 4% of the long side, are found.
        public var longSide = 480
        public var scaleFactor = 1.2
        /// A group needs more than this many hits to count (OpenCV's minNeighbors, whose
        /// default is 3): real faces in the tuning half drew 10 to 38, the faint face-like
        /// blobs of the synthetic reframe scenes 7 and 8.
        public var minNeighbours = 8
        /// The same for the profile cascades.
        public var minProfileNeighbours = 8
        public var useProfile = true
        /// With a colour image, the share 0...1 of skin-toned pixels the middle of a window
        /// (its central half across, from 30% to 80% down) needs for the window to be tried.
        public var minimumSkin = 0.3
        public init() {}
    }

    public let frontal: HaarCascade
    public let profile: HaarCascade
    public let profileMirrored: HaarCascade
    public var options: Options

    public init(options: Options = Options()) throws {
        let cascades = try FaceDetector.cascades()
        self.init(frontal: cascades.frontal, profile: cascades.profile, options: options)
    }

    public init(frontal: HaarCascade, profile: HaarCascade, options: Options = Options()) {
        self.frontal = frontal; self.profile = profile; self.profileMirrored = profile.mirrored
        self.options = options
    }

    private static let loaded: Result<(frontal: HaarCascade, profile: HaarCascade), Error> = Result {
        (try HaarCascade.bundled("frontal"), try HaarCascade.bundled("profile"))
    }

    /// The bundled cascades, read once per process.
    public static func cascades() throws -> (frontal: HaarCascade, profile: HaarCascade) { try loaded.get() }

    /// Faces in `image` (any size, RGB or grey), in the coordinates of a `sourceWidth×sourceHeight`
    /// image that `image` is a resized copy of.
    public func detect(in image: Image, sourceWidth: Int, sourceHeight: Int) throws -> [DetectedFace] {
        let (grey, w, h, skin) = try FaceDetector.greyCopy(of: image, longSide: options.longSide)
        let sx = Double(sourceWidth) / Double(w), sy = Double(sourceHeight) / Double(h)
        return detect(grey: grey, width: w, height: h, skin: skin).map { f in
            let x0 = Int((Double(f.box.x) * sx).rounded()), y0 = Int((Double(f.box.y) * sy).rounded())
            let x1 = min(sourceWidth, Int((Double(f.box.x + f.box.width) * sx).rounded()))
            let y1 = min(sourceHeight, Int((Double(f.box.y + f.box.height) * sy).rounded()))
            return DetectedFace(box: Rect(x: max(0, x0), y: max(0, y0), width: max(1, x1 - max(0, x0)),
                                          height: max(1, y1 - max(0, y0))), score: f.score, kind: f.kind)
        }
    }

    /// An 8-bit greyscale copy (OpenCV's weights 0.299, 0.587, 0.114 of sRGB) whose long side is `longSide`.
    static func greyCopy(of image: Image, longSide: Int) throws -> (pixels: [UInt8], width: Int, height: Int, skin: [UInt8]?) {
        var small = image
        if small.bands == 2 || small.bands == 4 { small = try small.band(0, count: small.bands - 1) }
        let long = max(small.width, small.height)
        if long != longSide { small = try small.resized(scale: Double(longSide) / Double(long)) }
        small = try small.materialized()
        let bytes = try small.pixels()
        let w = small.width, h = small.height, bands = small.bands
        guard bytes.count == w * h * bands, bands == 1 || bands == 3 else {
            throw StetError.operation("faces", "unexpected analysis buffer of \(bytes.count) bytes")
        }
        if bands == 1 { return (bytes, w, h, nil) }
        var grey = [UInt8](repeating: 0, count: w * h), skin = grey
        var chromatic = 0
        for i in 0..<(w * h) {
            let r = Int(bytes[3 * i]), g = Int(bytes[3 * i + 1]), b = Int(bytes[3 * i + 2])
            let y = (r * 4899 + g * 9617 + b * 1868 + 8192) >> 14
            grey[i] = UInt8(y)
            // Skin tones in YCbCr (after Chai and Ngan's ranges, widened): light to dark skin
            // alike, since the range is in chroma, not brightness.
            let cr = ((r - y) * 11682 + (128 << 14) + 8192) >> 14, cb = ((b - y) * 9241 + (128 << 14) + 8192) >> 14
            if cr >= 130 && cr <= 180 && cb >= 70 && cb <= 135 && y >= 25 { skin[i] = 1 }
            if abs(cr - 128) > 4 || abs(cb - 128) > 4 { chromatic += 1 }
        }
        // A greyscale photograph (or one nearly so) has no skin tones to go by.
        return (grey, w, h, chromatic * 20 >= w * h ? skin : nil)
    }

    /// Faces in an 8-bit greyscale image, in its own pixels. With `skin` (1 where a pixel has
    /// a skin tone, else 0), only windows with at least `Options.minimumSkin` of skin-toned
    /// pixels are tried: most of a photograph is not skin, so most windows are skipped.
    public func detect(grey: [UInt8], width w: Int, height h: Int, skin: [UInt8]? = nil) -> [DetectedFace] {
        precondition(grey.count == w * h && (skin == nil || skin!.count == w * h))
        let skinTable: [Int32]? = skin.map { mask in
            var t = [Int32](repeating: 0, count: (w + 1) * (h + 1))
            for y in 0..<h {
                var row: Int32 = 0
                for x in 0..<w {
                    row += Int32(mask[y * w + x])
                    t[(y + 1) * (w + 1) + x + 1] = t[y * (w + 1) + x + 1] + row
                }
            }
            return t
        }
        let minimumSkin = options.minimumSkin
        let cascades: [(HaarCascade, String, Int)] = [(frontal, "frontal", options.minNeighbours)]
            + (options.useProfile ? [(profile, "profile-left", options.minProfileNeighbours),
                                     (profileMirrored, "profile-right", options.minProfileNeighbours)] : [])
        // The levels: OpenCV's sequence of factors, while the window fits.
        let win = frontal.windowWidth
        var factors: [Double] = []
        var f = 1.0
        while Int((Double(w) / f).rounded()) >= win + 1 && Int((Double(h) / f).rounded()) >= win + 1 {
            factors.append(f); f *= options.scaleFactor
        }
        // Raw hits per level and cascade, collected in parallel (each level is independent).
        let hits = UnsafeMutableBufferPointer<[[Rect]]>.allocate(capacity: factors.count)
        hits.initialize(repeating: [])
        defer { hits.deallocate() }
        let out = SendablePointer(hits.baseAddress!)
        let todo = factors
        grey.withUnsafeBufferPointer { src in
            nonisolated(unsafe) let src = src
            DispatchQueue.concurrentPerform(iterations: todo.count) { i in
                let level = Level(grey: src, width: w, height: h, factor: todo[i])
                out.p[i] = cascades.map { level.scan($0.0, skin: skinTable, baseWidth: w, minimumSkin: minimumSkin) }
            }
        }
        var found: [DetectedFace] = []
        for (c, (_, kind, minN)) in cascades.enumerated() {
            let raw = (0..<factors.count).flatMap { hits[$0][c] }
            for (box, n) in FaceDetector.group(raw, minNeighbours: minN, eps: 0.2) {
                found.append(DetectedFace(box: box, score: n, kind: kind))
            }
        }
        return FaceDetector.merge(found)
    }

    /// One face per overlapping set across the detectors: strongest first, a box overlapping a
    /// kept one (IoU over 0.3, or its centre inside it) is the same face.
    static func merge(_ faces: [DetectedFace]) -> [DetectedFace] {
        let sorted = faces.sorted { ($0.score, $0.kind == "frontal" ? 1 : 0, $0.box.area) > ($1.score, $1.kind == "frontal" ? 1 : 0, $1.box.area) }
        var kept: [DetectedFace] = []
        for f in sorted {
            let same = kept.contains { k in
                iou(k.box, f.box) > 0.3 || contains(k.box, centreOf: f.box) || contains(f.box, centreOf: k.box)
            }
            if !same { kept.append(f) }
        }
        return kept.sorted { ($0.box.y, $0.box.x) < ($1.box.y, $1.box.x) }
    }

    static func iou(_ a: Rect, _ b: Rect) -> Double {
        let ix = max(0, min(a.x + a.width, b.x + b.width) - max(a.x, b.x))
        let iy = max(0, min(a.y + a.height, b.y + b.height) - max(a.y, b.y))
        let inter = Double(ix * iy)
        return inter / Double(a.area + b.area - ix * iy)
    }

    static func contains(_ a: Rect, centreOf b: Rect) -> Bool {
        let cx = b.x + b.width / 2, cy = b.y + b.height / 2
        return cx >= a.x && cx < a.x + a.width && cy >= a.y && cy < a.y + a.height
    }

    /// OpenCV's `groupRectangles`: hits that are alike (every edge within eps of the smaller
    /// size) form a group; a group with more than `minNeighbours` members becomes its average
    /// rectangle; a group inside a much stronger one is dropped. Returns boxes with their counts.
    static func group(_ rects: [Rect], minNeighbours: Int, eps: Double) -> [(Rect, Int)] {
        guard !rects.isEmpty else { return [] }
        var parent = Array(0..<rects.count)
        func root(_ i: Int) -> Int {
            var i = i
            while parent[i] != i { parent[i] = parent[parent[i]]; i = parent[i] }
            return i
        }
        func similar(_ a: Rect, _ b: Rect) -> Bool {
            let delta = eps * Double(min(a.width, b.width) + min(a.height, b.height)) * 0.5
            return Double(abs(a.x - b.x)) <= delta && Double(abs(a.y - b.y)) <= delta
                && Double(abs(a.x + a.width - b.x - b.width)) <= delta && Double(abs(a.y + a.height - b.y - b.height)) <= delta
        }
        for i in 0..<rects.count {
            for j in (i + 1)..<rects.count where similar(rects[i], rects[j]) {
                let a = root(i), b = root(j)
                if a != b { parent[a] = b }
            }
        }
        var sums: [Int: (x: Int, y: Int, w: Int, h: Int, n: Int)] = [:]
        for (i, r) in rects.enumerated() {
            let k = root(i)
            let s = sums[k] ?? (0, 0, 0, 0, 0)
            sums[k] = (s.x + r.x, s.y + r.y, s.w + r.width, s.h + r.height, s.n + 1)
        }
        let groups: [(Rect, Int)] = sums.keys.sorted().compactMap { k in
            let s = sums[k]!
            guard s.n > minNeighbours else { return nil }
            let n = Double(s.n)
            return (Rect(x: Int((Double(s.x) / n).rounded()), y: Int((Double(s.y) / n).rounded()),
                         width: Int((Double(s.w) / n).rounded()), height: Int((Double(s.h) / n).rounded())), s.n)
        }
        return groups.enumerated().filter { i, g in
            let (r1, n1) = g
            return !groups.enumerated().contains { j, other in
                let (r2, n2) = other
                guard i != j else { return false }
                let dx = Int((Double(r2.width) * eps).rounded()), dy = Int((Double(r2.height) * eps).rounded())
                return r1.x >= r2.x - dx && r1.y >= r2.y - dy && r1.x + r1.width <= r2.x + r2.width + dx
                    && r1.y + r1.height <= r2.y + r2.height + dy && (n2 > max(3, n1) || n1 < 3)
            }
        }.map(\.element)
    }
}

/// One level of the detection pyramid: the image shrunk by `factor`, with its integral image
/// (Int32) and squared integral (UInt32, exact modulo 2^32, which every window's sum of
/// squares fits in, as OpenCV keeps it).
struct Level {
    let width: Int, height: Int, factor: Double
    let sum: [Int32]
    let sqsum: [UInt32]

    init(grey: UnsafeBufferPointer<UInt8>, width w: Int, height h: Int, factor: Double) {
        let sw = Int((Double(w) / factor).rounded()), sh = Int((Double(h) / factor).rounded())
        width = sw; height = sh; self.factor = factor
        // Bilinear resampling, pixel centres aligned (OpenCV's INTER_LINEAR).
        var img = [UInt8](repeating: 0, count: sw * sh)
        if factor == 1 {
            for i in 0..<(sw * sh) { img[i] = grey[i] }
        } else {
            let fx = Double(w) / Double(sw), fy = Double(h) / Double(sh)
            var x0s = [Int](repeating: 0, count: sw), wxs = [Int32](repeating: 0, count: sw)
            for x in 0..<sw {
                let sx = max(0, (Double(x) + 0.5) * fx - 0.5)
                let x0 = min(w - 1, Int(sx)); x0s[x] = x0
                wxs[x] = Int32(((sx - Double(x0)) * 2048).rounded())
            }
            for y in 0..<sh {
                let sy = max(0, (Double(y) + 0.5) * fy - 0.5)
                let y0 = min(h - 1, Int(sy)), y1 = min(h - 1, y0 + 1)
                let wy = Int32(((sy - Double(y0)) * 2048).rounded())
                let r0 = y0 * w, r1 = y1 * w
                for x in 0..<sw {
                    let x0 = x0s[x], x1 = min(w - 1, x0 + 1), wx = wxs[x]
                    let top = Int32(grey[r0 + x0]) * (2048 - wx) + Int32(grey[r0 + x1]) * wx
                    let bottom = Int32(grey[r1 + x0]) * (2048 - wx) + Int32(grey[r1 + x1]) * wx
                    img[y * sw + x] = UInt8((top * (2048 - wy) + bottom * wy + (1 << 21)) >> 22)
                }
            }
        }
        let stride = sw + 1
        var s = [Int32](repeating: 0, count: stride * (sh + 1)), q = [UInt32](repeating: 0, count: stride * (sh + 1))
        for y in 0..<sh {
            var rs: Int32 = 0, rq: UInt32 = 0
            for x in 0..<sw {
                let v = img[y * sw + x]
                rs += Int32(v); rq &+= UInt32(v) * UInt32(v)
                s[(y + 1) * stride + x + 1] = s[y * stride + x + 1] + rs
                q[(y + 1) * stride + x + 1] = q[y * stride + x + 1] &+ rq
            }
        }
        sum = s; sqsum = q
    }

    /// Every window that passes all of `cascade`'s stages, in the unshrunk image's pixels.
    func scan(_ c: HaarCascade, skin: [Int32]? = nil, baseWidth: Int = 0, minimumSkin: Double = 0) -> [Rect] {
        let ww = c.windowWidth, wh = c.windowHeight
        guard width > ww, height > wh else { return [] }
        let stride = width + 1
        let nf = c.featureCount
        // Per feature one 64-byte record: 12 corner offsets from the window's top-left corner
        // in the integral image, then the three weights' bits.
        var feat = [Int32](repeating: 0, count: nf * 16)
        for f in 0..<nf {
            for r in 0..<3 {
                let x = Int(c.rects[f * 12 + r * 4]), y = Int(c.rects[f * 12 + r * 4 + 1])
                let rw = Int(c.rects[f * 12 + r * 4 + 2]), rh = Int(c.rects[f * 12 + r * 4 + 3])
                feat[f * 16 + r * 4] = Int32(y * stride + x)
                feat[f * 16 + r * 4 + 1] = Int32(y * stride + x + rw)
                feat[f * 16 + r * 4 + 2] = Int32((y + rh) * stride + x)
                feat[f * 16 + r * 4 + 3] = Int32((y + rh) * stride + x + rw)
                feat[f * 16 + 12 + r] = Int32(bitPattern: c.weights[f * 3 + r].bitPattern)
            }
        }
        // Per node one 16-byte record: left, right, feature, threshold bits.
        var nodes = [Int32](repeating: 0, count: c.nodeLeft.count * 4)
        for i in 0..<c.nodeLeft.count {
            nodes[4 * i] = c.nodeLeft[i]; nodes[4 * i + 1] = c.nodeRight[i]; nodes[4 * i + 2] = c.nodeFeature[i]
            nodes[4 * i + 3] = Int32(bitPattern: c.nodeThreshold[i].bitPattern)
        }
        // The normalising rectangle: the window less a one-pixel border.
        let n0 = 1 * stride + 1, n1 = 1 * stride + ww - 1, n2 = (wh - 1) * stride + 1, n3 = (wh - 1) * stride + ww - 1
        let area = Double((ww - 2) * (wh - 2))
        let step = factor > 2 ? 1 : 2
        let winW = Int((Double(ww) * factor).rounded()), winH = Int((Double(wh) * factor).rounded())
        var hits: [Rect] = []
        let (h, w, fac) = (height, width, factor)
        let kStride = baseWidth + 1
        let baseHeight = skin.map { $0.count / kStride - 1 } ?? 0
        let skinNeeded = minimumSkin * Double((winW / 2) * (winH / 2))
        let skinArray = skin ?? [0]
        skinArray.withUnsafeBufferPointer { KB in
        let skinBase: UnsafePointer<Int32>? = skin == nil ? nil : KB.baseAddress
        sum.withUnsafeBufferPointer { S in
        sqsum.withUnsafeBufferPointer { Q in
        feat.withUnsafeBufferPointer { F in
        nodes.withUnsafeBufferPointer { N in
        c.leaves.withUnsafeBufferPointer { LV in
        c.weakNode.withUnsafeBufferPointer { WN in
        c.weakLeaf.withUnsafeBufferPointer { WL in
        c.stageStart.withUnsafeBufferPointer { SS in
        c.stageCount.withUnsafeBufferPointer { SC in
        c.stageThreshold.withUnsafeBufferPointer { ST in
            let S = S.baseAddress!, Q = Q.baseAddress!, F = F.baseAddress!, N = N.baseAddress!
            let LV = LV.baseAddress!, WN = WN.baseAddress!, WL = WL.baseAddress!
            let SS = SS.baseAddress!, SC = SC.baseAddress!, ST = ST.baseAddress!
            let stages = c.stageTotal
            let K = skinBase
            @inline(__always) func rect(_ p: UnsafePointer<Int32>, _ r: UnsafePointer<Int32>) -> Float {
                Float(p[Int(r[0])] &- p[Int(r[1])] &- p[Int(r[2])] &+ p[Int(r[3])])
            }
            var y = 0
            while y + wh <= h {
                var x = 0
                while x + ww <= w {
                    if let K {
                        // The window in the unshrunk image, where the skin table is.
                        // Its middle: a face's cheeks, nose and mouth, not hair or background.
                        let bx0 = Int(Double(x) * fac) + winW / 4, by0 = Int(Double(y) * fac) + winH * 3 / 10
                        let bx1 = min(baseWidth, bx0 + winW / 2), by1 = min(baseHeight, by0 + winH / 2)
                        let n = K[by1 * kStride + bx1] - K[by0 * kStride + bx1] - K[by1 * kStride + bx0] + K[by0 * kStride + bx0]
                        if Double(n) < skinNeeded { x += step; continue }
                    }
                    let o = y * stride + x
                    let vs = Double(S[o + n0] &- S[o + n1] &- S[o + n2] &+ S[o + n3])
                    let vq = Double(Q[o + n0] &- Q[o + n1] &- Q[o + n2] &+ Q[o + n3])
                    let nfactor = area * vq - vs * vs
                    // Flat windows (standard deviation 10 or less) are no face (OpenCV's rule).
                    if nfactor > 0, area / nfactor.squareRoot() < 0.1 {
                        let inv = Float(1 / nfactor.squareRoot())
                        let p = S + o
                        var passed = true
                        for s in 0..<stages {
                            var total: Float = 0
                            let w0 = Int(SS[s]), w1 = w0 + Int(SC[s])
                            for k in w0..<w1 {
                                let base = Int(WN[k])
                                var idx: Int32 = 0
                                repeat {
                                    let node = N + 4 * (base + Int(idx))
                                    let fr = F + 16 * Int(node[2])
                                    var v = Float(bitPattern: UInt32(bitPattern: fr[12])) * rect(p, fr)
                                    v += Float(bitPattern: UInt32(bitPattern: fr[13])) * rect(p, fr + 4)
                                    let w2 = Float(bitPattern: UInt32(bitPattern: fr[14]))
                                    if w2 != 0 { v += w2 * rect(p, fr + 8) }
                                    idx = v * inv < Float(bitPattern: UInt32(bitPattern: node[3])) ? node[0] : node[1]
                                } while idx > 0
                                total += LV[Int(WL[k]) - Int(idx)]
                            }
                            if total < ST[s] { passed = false; break }
                        }
                        if passed {
                            hits.append(Rect(x: Int((Double(x) * fac).rounded()), y: Int((Double(y) * fac).rounded()),
                                             width: winW, height: winH))
                        }
                    }
                    x += step
                }
                y += step
            }
        }}}}}}}}}}}
        return hits
    }
}
