import Foundation
import PixelCore
import XCTest

final class DraftCLITests: XCTestCase {
    let candidates = (1...4).map { Stet.fixture("candidate-\($0).jpg") }

    /// A one-character folder name, relative: swift-corelibs-foundation traps on
    /// `("a" as NSString).deletingLastPathComponent`, and this crashed with an illegal instruction.
    func testOneCharacterOutputFolder() throws {
        let dir = try Stet.tempDir()
        let run = try Stet.run(["draft", candidates[0], "--size", "64", "--out", "a", "--no-log", "-q"], cwd: dir)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(Stet.listing(dir.appendingPathComponent("a")), ["candidate-1.jpg"])
        let single = try Stet.run(["upscale", candidates[0], "--scale", "2", "--method", "lanczos", "-o", "b", "--format", "png", "--no-log", "-q"], cwd: dir)
        XCTAssertEqual(single.status, 0, single.stderr)
        XCTAssertEqual(try Image.open(dir.appendingPathComponent("b").path).width, 1920)
    }

    func testProxiesHaveTheRightSizeAndLookLikeTheirSources() throws {
        let dir = try Stet.tempDir()
        let manifest = dir.appendingPathComponent("drafts.json").path
        let out = dir.appendingPathComponent("drafts").path
        let run = try Stet.run(["draft"] + candidates + ["--size", "256", "--out", out, "--manifest", manifest, "--no-log"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stderr.contains("draft: 4 files, 2.8 MP -> 0.20 MP"), run.stderr)
        XCTAssertEqual(Stet.listing(URL(fileURLWithPath: out)),
                       ["candidate-1.jpg", "candidate-2.jpg", "candidate-3.jpg", "candidate-4.jpg"])
        for (i, source) in candidates.enumerated() {
            let proxy = try Image.decode("\(out)/candidate-\(i + 1).jpg")
            XCTAssertEqual([proxy.width, proxy.height], [256, 192])
            // Likeness: the proxy against the source reduced by libvips' Lanczos resize.
            let reference = try Image.decode(source).resized(scale: 256.0 / 960.0).materialized()
            XCTAssertEqual([reference.width, reference.height], [256, 192])
            XCTAssertGreaterThan(try psnr(proxy, reference), 30)
            // And unlike the other candidates.
            let other = try Image.decode(candidates[(i + 1) % 4]).resized(scale: 256.0 / 960.0)
            XCTAssertLessThan(try psnr(proxy, other), 20)
        }
        struct M: Decodable {
            struct P: Decodable { struct F: Decodable { var path: String; var sha256: String; var bytes: Int; var width: Int }
                var source: F; var proxy: F }
            var proxies: [P]
        }
        let doc = try JSONDecoder().decode(M.self, from: Data(contentsOf: URL(fileURLWithPath: manifest)))
        XCTAssertEqual(doc.proxies.map(\.source.path), candidates)
        XCTAssertEqual(doc.proxies[0].source.sha256, try Stet.sha256sum(candidates[0]))
        XCTAssertEqual(doc.proxies[0].proxy.sha256, try Stet.sha256sum("\(out)/candidate-1.jpg"))
        XCTAssertEqual(doc.proxies[0].source.width, 960)
        XCTAssertEqual(doc.proxies[0].proxy.width, 256)
    }

    func testSmallImagesAreNotEnlargedAndOddInputsBecomeSRGB() throws {
        let dir = try Stet.tempDir()
        let inputs = ["orientation-6.jpg", "alpha.png", "rgb16.png", "grey.jpg", "cmyk.jpg"].map(Stet.fixture)
        let run = try Stet.run(["draft"] + inputs + ["--size", "1000", "--format", "png", "--out", dir.path, "--no-log"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let expected: [String: (Int, Int, Int)] = [
            "orientation-6.png": (300, 400, 3), "alpha.png": (320, 240, 4), "rgb16.png": (256, 64, 3),
            "grey.png": (320, 240, 3), "cmyk.png": (320, 240, 3),
        ]
        for (name, (w, h, bands)) in expected {
            let image = try Image.open(dir.appendingPathComponent(name).path)
            XCTAssertEqual([image.width, image.height, image.bands], [w, h, bands], name)
            XCTAssertEqual(image.format, .uchar, name)
            XCTAssertEqual(image.interpretation, .srgb, name)
        }
    }

    func testABatchGoesOnPastBadFilesAndNamesThem() throws {
        let dir = try Stet.tempDir()
        let bad = ["not-an-image.png", "truncated.jpg", "huge-declared.png"].map(Stet.fixture)
        let run = try Stet.run(["draft", candidates[0]] + bad + [candidates[1], "--out", dir.path, "--no-log"])
        XCTAssertEqual(run.status, 1)
        let lines = run.stderr.split(separator: "\n").map(String.init).filter { $0.hasPrefix("stet: ") }
        XCTAssertTrue(lines.contains("stet: \(bad[0]): is not an image in a format Stet can read"), run.stderr)
        XCTAssertTrue(lines.contains("stet: \(bad[1]): truncated JPEG (premature end of data); --lenient decodes what is there"), run.stderr)
        XCTAssertTrue(lines.contains("stet: \(bad[2]): image of 100000x100000 pixels exceeds the pixel limit of 268402689 (see --limit-pixels)"), run.stderr)
        XCTAssertEqual(lines.last, "stet: 3 of 5 files failed")
        // Good files done; nothing at all for the bad ones, not even a temporary file.
        XCTAssertEqual(Stet.listing(dir), ["candidate-1.jpg", "candidate-2.jpg"])
    }

    func testLenientLoadsATruncatedFile() throws {
        let dir = try Stet.tempDir()
        let run = try Stet.run(["draft", Stet.fixture("truncated.jpg"), "--lenient", "--out", dir.path, "--no-log"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(Stet.listing(dir), ["truncated.jpg"])
    }

    func testUsageErrorsExitTwoWithSharpStyleText() throws {
        let run = try Stet.run(["draft", candidates[0], "--size=-3", "--no-log"])
        XCTAssertEqual(run.status, 2)
        XCTAssertTrue(run.stderr.contains("Expected positive integer for size but received -3"), run.stderr)
        let q = try Stet.run(["draft", candidates[0], "--quality", "0", "--no-log"])
        XCTAssertEqual(q.status, 2)
        XCTAssertTrue(q.stderr.contains("Expected integer between 1 and 100 for quality but received 0"), q.stderr)
    }

    func testAnOutputThatIsAnInputIsRefusedAndTheInputUnchanged() throws {
        let dir = try Stet.tempDir()
        let input = dir.appendingPathComponent("shot.jpg")
        try FileManager.default.copyItem(atPath: candidates[0], toPath: input.path)
        let before = try Data(contentsOf: input)
        // Same folder, same name, same format: the proxy would land on the source.
        let run = try Stet.run(["draft", input.path, "--out", dir.path, "--no-log"])
        XCTAssertEqual(run.status, 2)   // refused before any work, as a usage error
        XCTAssertTrue(run.stderr.contains("Output \(dir.path)/shot.jpg is also an input; choose another output path"), run.stderr)
        XCTAssertEqual(try Data(contentsOf: input), before)
        XCTAssertEqual(Stet.listing(dir), ["shot.jpg"])
    }

    private func psnr(_ a: Image, _ b: Image) throws -> Double {
        let pa = try a.pixels(), pb = try b.pixels()
        XCTAssertEqual(pa.count, pb.count)
        var se = 0.0
        for i in 0..<min(pa.count, pb.count) { let d = Double(pa[i]) - Double(pb[i]); se += d * d }
        return 10 * log10(255 * 255 / max(se / Double(pa.count), 1e-9))
    }
}
