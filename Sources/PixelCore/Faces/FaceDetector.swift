import Foundation
import StetSupport

/// One face found in a photograph, in source pixels.
public struct DetectedFace: Sendable, Equatable, Codable {
    /// The face box (about brows to chin, as the network was trained), in source pixels.
    public var box: Rect
    /// The network's confidence that this is a face, 0...1 (three decimals).
    public var score: Double
    /// What was found: "face".
    public var kind: String
    /// The eyes' and the mouth's centres (source pixels), as the network places them; nil for a
    /// face given without them.
    public var landmarks: FaceLandmarks?
    public init(box: Rect, score: Double, kind: String = "face", landmarks: FaceLandmarks? = nil) {
        self.box = box; self.score = score; self.kind = kind; self.landmarks = landmarks
    }
}

/// Where a face's eyes and mouth are, in source pixels ("right" is the person's right, on the
/// left of a frontal face as seen).
public struct FaceLandmarks: Sendable, Equatable, Codable {
    public var rightEye: FocusPoint, leftEye: FocusPoint, mouth: FocusPoint
    public init(rightEye: FocusPoint, leftEye: FocusPoint, mouth: FocusPoint) {
        self.rightEye = rightEye; self.leftEye = leftEye; self.mouth = mouth
    }
    /// Half-way between the eyes.
    public var eyes: FocusPoint { FocusPoint(x: (rightEye.x + leftEye.x) / 2, y: (rightEye.y + leftEye.y) / 2) }
    /// The middle of the face's features: half-way between the eyes' middle and the mouth.
    public var centre: FocusPoint { FocusPoint(x: (eyes.x + mouth.x) / 2, y: (eyes.y + mouth.y) / 2) }
}

/// Finds faces with a small convolutional network: MediaPipe's full-range BlazeFace (Apache
/// 2.0; converted into `Resources/faces-blazeface.bin` by `Tools/faces/convert_blazeface.py`),
/// run in Swift by `FaceNet`.
///
/// The network is fully convolutional, so the photograph is scanned whole at its own aspect
/// (no letterbox) at each of `Options.longSides`: at 192 pixels, the size it was trained at, it
/// finds faces from about a tenth of the frame up to the whole of it; at 448 it also finds the
/// small ones (from about 12 pixels there, 3% of the long side). Each anchor (one per 4×4
/// pixels) scoring `minimumScore` or more is a candidate; candidates of both scans that overlap
/// (IoU over `overlap`) are one face, its box their score-weighted mean (MediaPipe's weighted
/// non-maximum suppression) and its score the highest.
///
/// Why this detector: on the tuning half of Benchmarks/faces it finds 14 of 15 faces with no
/// false detection, where Viola–Jones over OpenCV's frontal and profile Haar cascades found 11;
/// the misses of the cascades were small, tilted, cut and turned faces (numbers in
/// Benchmarks/faces/README.md).
public struct FaceDetector: Sendable {
    public struct Options: Sendable, Equatable {
        /// The long sides the photograph is scanned at (each resized copy is padded to multiples
        /// of 32 with mid-grey).
        public var longSides = [192, 448]
        /// The least score that counts (MediaPipe's own threshold for this model is 0.5).
        public var minimumScore = 0.5
        /// Candidates overlapping more than this (intersection over union) are one face.
        public var overlap = 0.3
        /// The long side of the analysis copy that detection needs (the largest scan).
        public var longSide: Int { longSides.max() ?? 448 }
        public init() {}
    }

    public var options: Options
    let net: FaceNet

    public init(options: Options = Options()) throws {
        self.options = options
        self.net = try FaceNet.bundled()
    }

    /// Faces in `image` (any size, RGB or grey, alpha ignored), in the coordinates of a
    /// `sourceWidth×sourceHeight` image that `image` is a resized copy of.
    public func detect(in image: Image, sourceWidth: Int, sourceHeight: Int) throws -> [DetectedFace] {
        var rgb = image
        if rgb.bands == 2 || rgb.bands == 4 { rgb = try rgb.band(0, count: rgb.bands - 1) }
        var candidates: [Candidate] = []
        for long in options.longSides {
            let k = Double(long) / Double(max(rgb.width, rgb.height))
            let w = max(1, Int((Double(rgb.width) * k).rounded())), h = max(1, Int((Double(rgb.height) * k).rounded()))
            let small = try rgb.resized(toWidth: w, height: h).materialized()
            let input = try FaceDetector.networkInput(small)
            let (reg, logits) = try net.run(input)
            let sx = Double(sourceWidth) / Double(w), sy = Double(sourceHeight) / Double(h)
            let gw = input.width / net.anchorStride, stride = Double(net.anchorStride)
            // The logit a score of minimumScore needs: compare before the sigmoid.
            let least = Float(log(options.minimumScore / (1 - options.minimumScore)))
            for cell in 0..<logits.values.count where logits.values[cell] >= least {
                let r = reg.values[(cell * 16)..<(cell * 16 + 8)].map(Double.init)
                let ax = (Double(cell % gw) + 0.5) * stride, ay = (Double(cell / gw) + 0.5) * stride
                let cx = ax + r[0], cy = ay + r[1]
                guard r[2] > 0, r[3] > 0 else { continue }
                let score = 1 / (1 + exp(-Double(logits.values[cell])))
                // Key points 0, 1 and 3 of BlazeFace's six: the right eye, the left eye, the mouth.
                candidates.append(Candidate(x: (cx - r[2] / 2) * sx, y: (cy - r[3] / 2) * sy, w: r[2] * sx, h: r[3] * sy, score: score,
                                            points: [(ax + r[4]) * sx, (ay + r[5]) * sy, (ax + r[6]) * sx, (ay + r[7]) * sy,
                                                     (ax + Double(reg.values[cell * 16 + 10])) * sx,
                                                     (ay + Double(reg.values[cell * 16 + 11])) * sy]))
            }
        }
        return FaceDetector.suppress(candidates, overlap: options.overlap).compactMap { c in
            let x0 = max(0, Int(c.x.rounded())), y0 = max(0, Int(c.y.rounded()))
            let x1 = min(sourceWidth, Int((c.x + c.w).rounded())), y1 = min(sourceHeight, Int((c.y + c.h).rounded()))
            guard x1 > x0, y1 > y0 else { return nil }
            let p = c.points.map { ($0 * 10).rounded() / 10 }
            return DetectedFace(box: Rect(x: x0, y: y0, width: x1 - x0, height: y1 - y0),
                                score: (c.score * 1000).rounded() / 1000,
                                landmarks: p.count == 6 ? FaceLandmarks(rightEye: FocusPoint(x: p[0], y: p[1]),
                                                                        leftEye: FocusPoint(x: p[2], y: p[3]),
                                                                        mouth: FocusPoint(x: p[4], y: p[5])) : nil)
        }.sorted { ($0.box.y, $0.box.x) < ($1.box.y, $1.box.x) }
    }

    /// The network's input for an 8-bit image: RGB (grey repeated) scaled to -1...1, padded to
    /// sides that are multiples of 32 with 0 (mid-grey).
    static func networkInput(_ image: Image) throws -> FeatureMap {
        let bytes = try image.pixels()
        let w = image.width, h = image.height, bands = image.bands
        guard bytes.count == w * h * bands, bands == 1 || bands == 3 else {
            throw StetError.operation("faces", "unexpected analysis buffer of \(bytes.count) bytes")
        }
        let pw = (w + 31) / 32 * 32, ph = (h + 31) / 32 * 32
        var map = FeatureMap(height: ph, width: pw, channels: 3)
        map.values.withUnsafeMutableBufferPointer { m in
            for y in 0..<h {
                for x in 0..<w {
                    let o = (y * pw + x) * 3, i = (y * w + x) * bands
                    for c in 0..<3 { m[o + c] = Float(bytes[i + (bands == 3 ? c : 0)]) / 127.5 - 1 }
                }
            }
        }
        return map
    }

    /// A candidate box (source pixels) and its score.
    struct Candidate: Sendable, Equatable {
        var x, y, w, h: Double
        var score: Double
        /// The right eye, left eye and mouth as x, y pairs (source pixels), or none.
        var points: [Double] = []
    }

    /// Weighted non-maximum suppression: strongest first, every candidate overlapping it by
    /// more than `overlap` joins its face; the face's box is their score-weighted mean.
    static func suppress(_ candidates: [Candidate], overlap: Double) -> [Candidate] {
        var rest = candidates.sorted { $0.score > $1.score }
        var faces: [Candidate] = []
        while let first = rest.first {
            var group: [Candidate] = [], others: [Candidate] = []
            for c in rest { if iou(first, c) > overlap { group.append(c) } else { others.append(c) } }
            let total = group.reduce(0) { $0 + $1.score }
            let withPoints = group.allSatisfy { $0.points.count == first.points.count }
            var mean = Candidate(x: 0, y: 0, w: 0, h: 0, score: first.score,
                                 points: withPoints ? [Double](repeating: 0, count: first.points.count) : [])
            for c in group {
                let k = c.score / total
                mean.x += c.x * k; mean.y += c.y * k; mean.w += c.w * k; mean.h += c.h * k
                for i in mean.points.indices { mean.points[i] += c.points[i] * k }
            }
            faces.append(mean)
            rest = others
        }
        return faces
    }

    static func iou(_ a: Candidate, _ b: Candidate) -> Double {
        let iw = max(0, min(a.x + a.w, b.x + b.w) - max(a.x, b.x)), ih = max(0, min(a.y + a.h, b.y + b.h) - max(a.y, b.y))
        let inter = iw * ih
        return inter / max(a.w * a.h + b.w * b.h - inter, 1e-9)
    }
}
