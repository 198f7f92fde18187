import Foundation
import PixelCore

/// Synthetic photographs with a known subject box, drawn deterministically in code: a gradient
/// "sky to ground" background with fine noise, and each subject a figure (a skin-toned head
/// with eyes over a striped, saturated body) filling its box.
enum ReframeScene {
    static func hash(_ x: Int, _ y: Int) -> Int {
        var h = UInt32(truncatingIfNeeded: x &* 374_761_393 &+ y &* 668_265_263)
        h = (h ^ (h >> 13)) &* 1_274_126_177
        return Int(h ^ (h >> 16)) & 0xff
    }

    /// RGB bytes of a `width×height` scene with figures in `subjects` and optional small
    /// bright `spots` (distractors: high contrast but little mass).
    static func pixels(width: Int, height: Int, subjects: [Rect], spots: [Rect] = []) -> [UInt8] {
        var px = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            let t = Double(y) / Double(max(1, height - 1))
            for x in 0..<width {
                let n = Double(hash(x, y) % 13) - 6
                let i = (y * width + x) * 3
                px[i] = UInt8(max(0, min(255, 120 - 25 * t + n)))
                px[i + 1] = UInt8(max(0, min(255, 150 - 30 * t + n)))
                px[i + 2] = UInt8(max(0, min(255, 185 - 95 * t + n)))
            }
        }
        func set(_ x: Int, _ y: Int, _ c: (Int, Int, Int)) {
            guard x >= 0, y >= 0, x < width, y < height else { return }
            let i = (y * width + x) * 3
            px[i] = UInt8(c.0); px[i + 1] = UInt8(c.1); px[i + 2] = UInt8(c.2)
        }
        for s in subjects {
            let headH = s.height * 3 / 10, headW = s.width * 6 / 10
            let hcx = Double(s.x) + Double(s.width) / 2, hcy = Double(s.y) + Double(headH) / 2
            for y in s.y..<(s.y + headH) {
                for x in s.x..<(s.x + s.width) {
                    let dx = (Double(x) + 0.5 - hcx) / (Double(headW) / 2)
                    let dy = (Double(y) + 0.5 - hcy) / (Double(headH) / 2)
                    if dx * dx + dy * dy <= 1 { set(x, y, (224, 170, 138)) }
                    // Eyes.
                    let ex = abs(dx) - 0.4, ey = dy + 0.15
                    if ex * ex + ey * ey < 0.012 { set(x, y, (40, 30, 30)) }
                }
            }
            for y in (s.y + headH)..<(s.y + s.height) {
                for x in s.x..<(s.x + s.width) {
                    let stripe = ((y - s.y) / max(2, s.height / 24)) % 2 == 0
                    set(x, y, stripe ? (205, 45, 40) : (245, 210, 60))
                }
            }
        }
        for s in spots {
            for y in s.y..<(s.y + s.height) { for x in s.x..<(s.x + s.width) { set(x, y, (255, 255, 255)) } }
        }
        return px
    }

    static func image(width: Int, height: Int, subjects: [Rect], spots: [Rect] = []) throws -> Image {
        try Image.fromPixels(pixels(width: width, height: height, subjects: subjects, spots: spots),
                             width: width, height: height, bands: 3).copyInterpretation(.srgb)
    }

    /// Share of `box` inside `window`.
    static func kept(_ box: Rect, in window: Rect) -> Double {
        let x0 = max(box.x, window.x), y0 = max(box.y, window.y)
        let x1 = min(box.x + box.width, window.x + window.width), y1 = min(box.y + box.height, window.y + window.height)
        guard x1 > x0, y1 > y0 else { return 0 }
        return Double((x1 - x0) * (y1 - y0)) / Double(box.area)
    }
}
