import Foundation
@testable import PixelCore
import XCTest

/// The scene detector on synthetic frame streams (no codec involved), and the small pure
/// helpers of the video engine.
final class VideoTests: XCTestCase {
    /// A 48x27 "photograph": smooth colour fields with texture, different for each seed.
    func photo(_ seed: Int, width: Int = 96, height: Int = 54) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: width * height * 3)
        let a = Double(seed * 37 % 11) / 11, b = Double(seed * 53 % 13) / 13
        for y in 0..<height {
            for x in 0..<width {
                let i = (y * width + x) * 3
                let t = sin(Double(x) * (0.11 + a * 0.2) + Double(y) * 0.07 * (1 + b)) * 60
                out[i] = UInt8(max(0, min(255, 40 + 150 * a + t)))
                out[i + 1] = UInt8(max(0, min(255, 60 + 120 * b - t / 2)))
                out[i + 2] = UInt8(max(0, min(255, 200 - 130 * a + cos(Double(x * y) * 0.003) * 40)))
            }
        }
        return out
    }

    /// A 48x27 window of a 96x54 photograph at offset x.
    func window(_ p: [UInt8], x: Int, y: Int = 10) -> [UInt8] {
        var out: [UInt8] = []
        for row in y..<(y + 27) { out += p[((row * 96 + x) * 3)..<((row * 96 + x + 48) * 3)] }
        return out
    }

    func detect(_ frames: [[UInt8]], fps: Double = 25) -> (starts: [Int], fades: Set<Int>) {
        var d = SceneDetector(fps: fps)
        for f in frames { _ = d.push(SceneDetector.features(rgb: f)) }
        _ = d.finish()
        return (d.starts, d.fades)
    }

    func testHardCutsAreFoundExactlyAndPansAreNotCuts() {
        let a = photo(1), b = photo(2), c = photo(3)
        var frames: [[UInt8]] = []
        for k in 0..<40 { frames.append(window(a, x: k)) }          // a pan, a pixel a frame
        for _ in 0..<30 { frames.append(window(b, x: 20)) }         // cut at 40, a hold
        for k in 0..<45 { frames.append(window(c, x: 44 - k)) }     // cut at 70, a pan back
        let r = detect(frames)
        XCTAssertEqual(r.starts, [0, 40, 70])
        XCTAssertTrue(r.fades.isEmpty)
    }

    func testADissolveStartsItsSceneAtItsMiddle() {
        let a = photo(4), b = photo(5)
        var frames: [[UInt8]] = []
        for _ in 0..<50 { frames.append(window(a, x: 10)) }
        // Frames 50..65 blend a into b, weights 1/17..16/17.
        for k in 0..<16 {
            let w = Double(k + 1) / 17
            frames.append(zip(window(a, x: 10), window(b, x: 30)).map { UInt8((Double($0) * (1 - w) + Double($1) * w).rounded()) })
        }
        for _ in 0..<50 { frames.append(window(b, x: 30)) }
        let r = detect(frames)
        XCTAssertEqual(r.starts.count, 2, "\(r.starts)")
        XCTAssertLessThanOrEqual(abs(r.starts[1] - 58), 2)
        XCTAssertEqual(r.fades, [r.starts[1]])
    }

    func testAStaticClipIsOneScene() {
        let frames = Array(repeating: window(photo(6), x: 5), count: 100)
        XCTAssertEqual(detect(frames).starts, [0])
    }

    func testScenesCloserThanTheShortestSceneAreOne() {
        let a = photo(7), b = photo(8), c = photo(9)
        var frames: [[UInt8]] = Array(repeating: window(a, x: 0), count: 30)
        frames += Array(repeating: window(b, x: 0), count: 3)      // a 3-frame flash: under 0.4 s
        frames += Array(repeating: window(c, x: 0), count: 40)
        XCTAssertEqual(detect(frames).starts, [0, 30])
    }

    func testHelpers() {
        XCTAssertEqual(ClipSheetJob.timestamp(0), "0:00.00")
        XCTAssertEqual(ClipSheetJob.timestamp(62.485), "1:02.49")
        XCTAssertEqual(ClipSheetJob.timestamp(3723), "1:02:03.00")
        XCTAssertTrue(ClipDraftJob.proxySize(width: 1920, height: 1080, size: 540) == (540, 304))
        XCTAssertTrue(ClipDraftJob.proxySize(width: 1080, height: 1920, size: 540) == (304, 540))
        XCTAssertTrue(ClipDraftJob.proxySize(width: 320, height: 180, size: 540) == (320, 180), "never enlarged")
        XCTAssertEqual(ClipDraftJob.posterPath(for: "d/shot.mp4"), "d/shot-poster.jpg")
        let layout = ClipSheetJob.Layout(count: 5, columns: nil, cellWidth: 100, cellHeight: 50, gap: 4, header: 20)
        XCTAssertEqual([layout.columns, layout.rows, layout.width, layout.height], [4, 2, 420, 132])
        XCTAssertEqual(layout.rect(of: 5 - 1), Rect(x: 4, y: 20 + 4 + 54, width: 100, height: 50))
    }

    func testClipsAreToldFromStillsByTheirBytes() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("stet-sniff-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func file(_ name: String, _ bytes: [UInt8]) throws -> String {
            let p = dir.appendingPathComponent(name).path
            try Data(bytes).write(to: URL(fileURLWithPath: p))
            return p
        }
        let ftyp = { (brand: String) in [0, 0, 0, 24] + Array("ftyp".utf8) + Array(brand.utf8) + [0, 0, 0, 0] + Array(brand.utf8) + Array("mp41".utf8) }
        XCTAssertTrue(ClipSniffer.isClip(try file("a.bin", ftyp("isom"))))
        XCTAssertTrue(ClipSniffer.isClip(try file("b.bin", ftyp("qt  "))))
        XCTAssertFalse(ClipSniffer.isClip(try file("c.mp4", ftyp("heic"))), "a HEIC is a still, whatever its name")
        XCTAssertFalse(ClipSniffer.isClip(try file("d.bin", ftyp("avif"))))
        XCTAssertTrue(ClipSniffer.isClip(try file("e.bin", [0x1A, 0x45, 0xDF, 0xA3, 1, 2, 3, 4])))
        XCTAssertFalse(ClipSniffer.isClip(try file("f.mp4", [0xFF, 0xD8, 0xFF, 0xE0, 0, 0])), "a JPEG named .mp4")
        XCTAssertTrue(ClipSniffer.isClip(try file("g.mp4", [])), "an empty .mp4 is a (broken) clip")
        XCTAssertFalse(ClipSniffer.isClip(try file("h.png", [])))
        XCTAssertEqual(ClipSniffer.topLevelBoxes(try file("i.mp4", ftyp("isom"))), ["ftyp"])
    }
}
