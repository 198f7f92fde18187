import Foundation
import PixelCore
import StetSupport
import XCTest

final class GridLayoutTests: XCTestCase {
    func testDefaultColumnsAreNearSquare() {
        XCTAssertEqual([1, 2, 3, 4, 5, 6, 9, 10, 16, 17].map(GridLayout.defaultColumns(for:)),
                       [1, 2, 2, 2, 3, 3, 3, 4, 4, 5])
    }

    func testFourOptionGridReadingOrder() {
        let layout = GridLayout(count: 4, cell: 512, gap: 8)
        XCTAssertEqual([layout.columns, layout.rows, layout.width, layout.height], [2, 2, 1048, 1048])
        XCTAssertEqual(layout.rect(of: 0), Rect(x: 8, y: 8, width: 512, height: 512))       // 1 top-left
        XCTAssertEqual(layout.rect(of: 1), Rect(x: 528, y: 8, width: 512, height: 512))     // 2 top-right
        XCTAssertEqual(layout.rect(of: 2), Rect(x: 8, y: 528, width: 512, height: 512))     // 3 bottom-left
        XCTAssertEqual(layout.rect(of: 3), Rect(x: 528, y: 528, width: 512, height: 512))   // 4 bottom-right
        XCTAssertEqual(layout.contentRect(of: 1, width: 512, height: 384), Rect(x: 528, y: 72, width: 512, height: 384))
    }
}

final class GridDetectorTests: XCTestCase {
    private func assertRects(_ rects: [Rect], _ expected: [Rect], tolerance: Int = 2,
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(rects.count, expected.count, "\(rects)", file: file, line: line)
        for (r, e) in zip(rects, expected) {
            for (a, b) in [(r.x, e.x), (r.y, e.y), (r.x + r.width, e.x + e.width), (r.y + r.height, e.y + e.height)] {
                XCTAssertLessThanOrEqual(abs(a - b), tolerance, "\(r) vs \(e)", file: file, line: line)
            }
        }
    }

    func testGuttersAndBorderAreFoundAndTrimmed() throws {
        let image = try Image.decode(Fixture.path("grid-2x2-gutter.jpg"))
        assertRects(try GridDetector().cells(in: image), [
            Rect(x: 10, y: 10, width: 500, height: 500), Rect(x: 526, y: 10, width: 500, height: 500),
            Rect(x: 10, y: 526, width: 500, height: 500), Rect(x: 526, y: 526, width: 500, height: 500),
        ])
    }

    func testSeamsWithoutGuttersAreMeasuredNotHalved() throws {
        let image = try Image.decode(Fixture.path("grid-2x2-seamless.jpg"))
        assertRects(try GridDetector().cells(in: image), [
            Rect(x: 0, y: 0, width: 540, height: 470), Rect(x: 540, y: 0, width: 484, height: 470),
            Rect(x: 0, y: 470, width: 540, height: 530), Rect(x: 540, y: 470, width: 484, height: 530),
        ])
    }

    func testColouredGuttersThreeColumns() throws {
        let image = try Image.decode(Fixture.path("grid-3x2-green-gutter.jpg"))
        var expected: [Rect] = []
        for r in 0..<2 { for c in 0..<3 { expected.append(Rect(x: c * 306, y: r * 306, width: 300, height: 300)) } }
        assertRects(try GridDetector().cells(in: image), expected)
        // A fixed layout finds the same boundaries.
        assertRects(try GridDetector().cells(in: image, columns: 3, rows: 2), expected)
    }

    func testAPlainPictureHasNoGrid() throws {
        let image = try Image.decode(Fixture.path("candidate-1.jpg"))
        XCTAssertThrowsError(try GridDetector().cells(in: image)) { error in
            XCTAssertEqual(rendered(error), "no grid found: no gutters or seams between pictures; give the layout with --grid COLSxROWS")
        }
    }

    // MARK: Stet's own sheets, and photographs that are not grids (issue 13)

    /// Landscapes (960x720 fixtures) and portraits (a 400x720 crop, and the upright 300x400
    /// EXIF-rotated fixture) written where `ContactSheet` can read them.
    private func mixedPictures() throws -> [String] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("stet-grid-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let portrait = dir.appendingPathComponent("portrait.png").path
        try Image.decode(Fixture.path("candidate-2.jpg")).cropped(x: 300, y: 0, width: 400, height: 720).save(portrait)
        return [Fixture.path("candidate-1.jpg"), portrait, Fixture.path("candidate-3.jpg"),
                Fixture.path("orientation-6.jpg"), Fixture.path("candidate-4.jpg"), portrait]
    }

    func testStetSheetsWithMixedShapesLabelsAndDarkBackgroundAreCutExactly() throws {
        let pictures = try mixedPictures()
        let cases: [(columns: Int, count: Int, cell: Int, gap: Int, labels: ContactSheet.Labels, background: Colour)] = [
            (3, 6, 160, 8, .index, Colour(0x20, 0x20, 0x20)),
            (2, 4, 200, 12, .name, Colour(0x20, 0x20, 0x20)),
            (2, 6, 150, 4, .index, Colour(255, 255, 255)),
            (4, 4, 128, 6, .name, Colour(0, 0, 0)),
            (3, 5, 140, 8, .index, Colour(0x20, 0x20, 0x20)),   // the last cell blank: not a cell
        ]
        for c in cases {
            let layout = GridLayout(count: c.count, columns: c.columns, cell: c.cell, gap: c.gap)
            let sheet = ContactSheet(paths: Array(pictures.prefix(c.count)), layout: layout, labels: c.labels,
                                     background: c.background)
            let image = try sheet.render().image.materialized()
            // The cells as `stet grid` placed them: gap + i * (cell + gap), squares of `cell`.
            var expected: [Rect] = []
            for i in 0..<c.count {
                expected.append(Rect(x: c.gap + (i % c.columns) * (c.cell + c.gap),
                                     y: c.gap + (i / c.columns) * (c.cell + c.gap), width: c.cell, height: c.cell))
            }
            XCTAssertEqual(try GridDetector().cells(in: image), expected, "\(c)")
            // Given the layout, the same cells.
            XCTAssertEqual(try GridDetector().cells(in: image, columns: c.columns, rows: layout.rows), expected, "\(c)")
        }
    }

    /// A street of two buildings under a sky, with rows of windows: long straight vertical and
    /// horizontal edges, one of them (where the buildings meet) near the middle and running from
    /// the lower roof to the ground, softened as a lens softens them. Seeded noise.
    private func buildingScene(width: Int = 640, height: Int = 480) throws -> Image {
        var rng: UInt64 = 0x9E3779B97F4A7C15
        func noise() -> Int {
            rng = rng &* 6364136223846793005 &+ 1442695040888963407
            return Int((rng >> 33) % 13) - 6
        }
        let meet = 300, roofA = 140, roofB = 220, street = 400
        var px = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                var rgb: (Int, Int, Int)
                let roof = x < meet ? roofA : roofB
                if y >= street {
                    rgb = (50 + x / 12, 50 + x / 12, 48 + x / 12)                   // the road, lit from the right
                } else if y < roof {
                    rgb = (120 + y / 4, 160 + y / 5, 230)                     // the sky
                } else {
                    let wall = x < meet ? (150, 120, 95) : (200, 195, 180)
                    let (wx, wy) = ((x - (x < meet ? 12 : meet + 16)) % 40, (y - roof - 18) % 50)
                    let window = wx >= 0 && wx < 20 && wy >= 0 && wy < 28 && y < street - 20
                    rgb = window ? (40, 50, 65) : wall
                }
                let n = noise()
                let i = (y * width + x) * 3
                px[i] = UInt8(clamping: rgb.0 + n); px[i + 1] = UInt8(clamping: rgb.1 + n); px[i + 2] = UInt8(clamping: rgb.2 + n)
            }
        }
        return try Image.fromPixels(px, width: width, height: height, bands: 3).copyInterpretation(.srgb)
            .gaussianBlurred(sigma: 0.8).cast(.uchar).materialized()
    }

    func testABuildingPhotographIsNotAGrid() throws {
        let image = try buildingScene()
        XCTAssertThrowsError(try GridDetector().cells(in: image)) { error in
            XCTAssertEqual((error as? StetError)?.rendered(),
                           "no grid found: no gutters or seams between pictures; give the layout with --grid COLSxROWS")
        }
        // The same two buildings abutting a second, unrelated picture are a grid: the seam is found.
        let other = try Image.decode(Fixture.path("candidate-3.jpg")).cropped(x: 0, y: 0, width: 500, height: 480)
        let joined = try Image.arrayJoin([image, other], across: 2).materialized()
        assertRects(try GridDetector().cells(in: joined),
                    [Rect(x: 0, y: 0, width: 640, height: 480), Rect(x: 640, y: 0, width: 500, height: 480)])
    }
}
