import Foundation
import PixelCore
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
            XCTAssertEqual(rendered(error), "Found no grid: no gutters or seams; give the layout with --grid COLSxROWS")
        }
    }
}
