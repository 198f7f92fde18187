import Foundation
import PixelCore
import XCTest

final class GridSplitCLITests: XCTestCase {
    let candidates = (1...4).map { Stet.fixture("candidate-\($0).jpg") }

    /// Mean absolute difference between two same-sized 8-bit images.
    private func mad(_ a: Image, _ b: Image) throws -> Double {
        let pa = try a.pixels(), pb = try b.pixels()
        XCTAssertEqual(pa.count, pb.count)
        var s = 0.0
        for i in 0..<min(pa.count, pb.count) { s += abs(Double(pa[i]) - Double(pb[i])) }
        return s / Double(pa.count)
    }

    private func thumbnail(_ path: String, _ size: Int) throws -> Image {
        try Thumbnail(path, width: size, height: size).run().materialized()
    }

    func testFourOptionGridPutsEachCandidateInItsCellWithItsLabel() throws {
        let dir = try Stet.tempDir()
        let sheetPath = dir.appendingPathComponent("grid.png").path
        let run = try Stet.run(["grid"] + candidates + ["-o", sheetPath, "--cell", "256", "--gap", "8", "--no-log"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(Stet.listing(dir), ["grid.json", "grid.png"])
        let sheet = try Image.decode(sheetPath)
        XCTAssertEqual([sheet.width, sheet.height], [536, 536])

        // 1 top-left, 2 top-right, 3 bottom-left, 4 bottom-right; each 256x192 centred in its cell.
        let origins = [(8, 8), (272, 8), (8, 272), (272, 272)]
        let thumbs = try candidates.map { try thumbnail($0, 256) }
        for (i, (x, y)) in origins.enumerated() {
            // Below the label badge, compare the cell's picture with every candidate.
            let region = try sheet.cropped(x: x, y: y + 32 + 40, width: 256, height: 150)
            let diffs = try thumbs.map { try mad(region, $0.cropped(x: 0, y: 40, width: 256, height: 150)) }
            XCTAssertLessThan(diffs[i], 2, "cell \(i + 1): \(diffs)")
            for (j, d) in diffs.enumerated() where j != i { XCTAssertGreaterThan(d, 20, "cell \(i + 1) vs \(j + 1)") }
            // The label badge: black box with white glyph pixels, at the cell's top-left.
            let badge = try sheet.cropped(x: x + 6, y: y + 6, width: 16, height: 18).pixels()
            let dark = stride(from: 0, to: badge.count, by: 3).filter { badge[$0] < 40 }.count
            let light = stride(from: 0, to: badge.count, by: 3).filter { badge[$0] > 215 }.count
            XCTAssertGreaterThan(dark, 60, "cell \(i + 1) badge background")
            XCTAssertGreaterThan(light, 15, "cell \(i + 1) badge glyph")
        }
        // The gap and the letterbox bands are background.
        let gap = try Image.decode(sheetPath).cropped(x: 264, y: 100, width: 8, height: 100)
        XCTAssertEqual(try mad(gap, try Image.solid(width: 8, height: 100, colour: Colour(255, 255, 255))), 0, accuracy: 0.5)

        struct Map: Decodable {
            struct C: Decodable { var index: Int; var cell: Rect; var image: Rect; var source: S }
            struct S: Decodable { var path: String; var sha256: String; var width: Int }
            var columns: Int; var rows: Int; var cells: [C]
        }
        let map = try JSONDecoder().decode(Map.self, from: Data(contentsOf: dir.appendingPathComponent("grid.json")))
        XCTAssertEqual([map.columns, map.rows], [2, 2])
        XCTAssertEqual(map.cells.map(\.index), [1, 2, 3, 4])
        XCTAssertEqual(map.cells.map(\.source.path), candidates)
        XCTAssertEqual(map.cells[1].cell, Rect(x: 272, y: 8, width: 256, height: 256))
        XCTAssertEqual(map.cells[1].image, Rect(x: 272, y: 40, width: 256, height: 192))
        XCTAssertEqual(map.cells[0].source.width, 960)
        XCTAssertEqual(map.cells[0].source.sha256.count, 64)
    }

    func testSplitWithTheMapGivesBackTheThumbnails() throws {
        let dir = try Stet.tempDir()
        let sheetPath = dir.appendingPathComponent("grid.png").path
        XCTAssertEqual(try Stet.run(["grid"] + candidates + ["-o", sheetPath, "--cell", "200", "--labels", "none", "--no-log"]).status, 0)
        let out = dir.appendingPathComponent("cells").path
        let run = try Stet.run(["split", sheetPath, "--map", dir.appendingPathComponent("grid.json").path, "--out", out, "--no-log"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(Stet.listing(URL(fileURLWithPath: out)), ["grid-1.png", "grid-2.png", "grid-3.png", "grid-4.png"])
        for (i, source) in candidates.enumerated() {
            let cell = try Image.decode("\(out)/grid-\(i + 1).png")
            let thumb = try thumbnail(source, 200)
            XCTAssertEqual([cell.width, cell.height], [thumb.width, thumb.height])
            XCTAssertLessThan(try mad(cell, thumb), 0.5, "cell \(i + 1)")
        }
    }

    func testSplitAutoOnAModelStyleGrid() throws {
        let dir = try Stet.tempDir()
        let run = try Stet.run(["split", Stet.fixture("grid-2x2-seamless.jpg"), "--auto", "--out", dir.path, "--no-log"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let sizes = try (1...4).map { i -> [Int] in
            let c = try Image.open(dir.appendingPathComponent("grid-2x2-seamless-\(i).png").path)
            return [c.width, c.height]
        }
        XCTAssertEqual(sizes, [[540, 470], [484, 470], [540, 530], [484, 530]])
        let green = try Stet.run(["split", Stet.fixture("grid-3x2-green-gutter.jpg"), "--auto", "--out", dir.path, "--no-log"])
        XCTAssertEqual(green.status, 0, green.stderr)
        XCTAssertEqual(green.stdout.split(separator: "\n").count, 6)
        XCTAssertTrue(green.stdout.hasPrefix("1\t0,0\t300x300\t"), green.stdout)
    }

    func testSplitAutoOnAPlainPictureSaysSo() throws {
        let dir = try Stet.tempDir()
        let path = Stet.fixture("candidate-1.jpg")
        let run = try Stet.run(["split", path, "--auto", "--out", dir.path, "--no-log"])
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(run.stderr, "stet: \(path): no grid found: no gutters or seams between pictures; give the layout with --grid COLSxROWS\n")
        XCTAssertEqual(Stet.listing(dir), [])
    }

    func testSplitAutoCutsAStetSheetOfPortraitsAndLandscapesExactly() throws {
        let dir = try Stet.tempDir()
        let portrait = dir.appendingPathComponent("tall.png").path
        try Image.decode(candidates[1]).cropped(x: 280, y: 0, width: 420, height: 720).save(portrait)
        let sheetPath = dir.appendingPathComponent("sheet.png").path
        let pictures = [candidates[0], portrait, candidates[2], Stet.fixture("orientation-6.jpg"), candidates[3], portrait]
        let made = try Stet.run(["grid"] + pictures + ["-o", sheetPath, "--cols", "3", "--cell", "180", "--gap", "10",
                                                       "--labels", "name", "--background", "#202020", "--no-log"])
        XCTAssertEqual(made.status, 0, made.stderr)
        let out = dir.appendingPathComponent("cells").path
        let run = try Stet.run(["split", sheetPath, "--auto", "--out", out, "--no-log"])
        XCTAssertEqual(run.status, 0, run.stderr)
        // Every cell exactly where `stet grid` put it: 10 + i * 190, 180x180.
        var expected: [String] = []
        for i in 0..<6 {
            expected.append("\(i + 1)\t\(10 + (i % 3) * 190),\(10 + (i / 3) * 190)\t180x180\t\(out)/sheet-\(i + 1).png")
        }
        XCTAssertEqual(run.stdout.split(separator: "\n").map(String.init), expected)
        let tall = try Image.decode("\(out)/sheet-2.png")
        XCTAssertEqual([tall.width, tall.height], [180, 180])
    }

    func testBadInputsLeaveNoFiles() throws {
        let dir = try Stet.tempDir()
        let out = dir.appendingPathComponent("sheet.jpg").path
        for bad in ["not-an-image.png", "truncated.jpg", "huge-declared.png"] {
            let run = try Stet.run(["grid", candidates[0], Stet.fixture(bad), "-o", out, "--no-log"])
            XCTAssertEqual(run.status, 1, bad)
            XCTAssertTrue(run.stderr.hasPrefix("stet: \(Stet.fixture(bad)): "), run.stderr)
            XCTAssertEqual(run.stderr.split(separator: "\n").count, 1, run.stderr)
            XCTAssertEqual(Stet.listing(dir), [], bad)
        }
    }

    func testGridRefusesToOverwriteAnInput() throws {
        let dir = try Stet.tempDir()
        let input = dir.appendingPathComponent("a.jpg").path
        try FileManager.default.copyItem(atPath: candidates[0], toPath: input)
        let link = dir.appendingPathComponent("link.jpg").path
        try FileManager.default.linkItem(atPath: input, toPath: link)
        let before = try Data(contentsOf: URL(fileURLWithPath: input))
        let run = try Stet.run(["grid", input, candidates[1], "-o", link, "--no-log"])
        XCTAssertEqual(run.status, 2)
        XCTAssertEqual(run.stderr, "stet: Output \(link) is also an input; choose another output path\n")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: input)), before)
        XCTAssertEqual(Stet.listing(dir), ["a.jpg", "link.jpg"])
    }
}
