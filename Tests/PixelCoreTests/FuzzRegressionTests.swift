import Foundation
@testable import PixelCore
import StetSupport
import XCTest

/// Inputs that Tools/fuzz found crashing a parser (or the first code that uses its result),
/// kept so they stay clean errors or correct results, not traps.
final class FuzzRegressionTests: XCTestCase {
    func testFocusPointBeyondAnyImageIsAnError() {
        // Parsed as a pixel point, then Int(1e308) in the plan's description trapped.
        for text in ["0,01e308", "1e300,5", "5,10000001"] {
            XCTAssertThrowsError(try ReframeFocus.parse(text)) {
                XCTAssertEqual("\($0)", "Expected auto, faces, attention, entropy, centre, X,Y in pixels or fractions such as 0.3,0.6 for focus but received \(text)")
            }
        }
        XCTAssertEqual(try ReframeFocus.parse("10000000,0"), .point(x: 10_000_000, y: 0, fractional: false))
    }

    func testShapesFarOutsideTheFrameRender() throws {
        // The polygon the fuzzer found: one vertex at x = 4e231.
        let polygon = try MaskShape.polygon(parsing: "20,28,4e231,10,1,199")
        let m = Mask.render([polygon], width: 32, height: 24)
        XCTAssertEqual(m.values.count, 32 * 24)
        // A rectangle 1e300 wide covers whole rows 0..4 and nothing below.
        let rect = Mask.render([try MaskShape.rect(parsing: "0,0,1e300,5")], width: 8, height: 8)
        XCTAssertEqual(Array(rect.values[0..<40]), Array(repeating: 255, count: 40))
        XCTAssertEqual(Array(rect.values[40...]), Array(repeating: 0, count: 24))
        // Left of the frame by 1e308, and an ellipse whose radius overflows to infinity in the span.
        let left = Mask.render([try MaskShape.rect(parsing: "-1e308,-1e308,1e308,1e308")], width: 4, height: 4)
        XCTAssertEqual(left.values, Array(repeating: 0, count: 16))
        _ = Mask.render([try MaskShape.ellipse(parsing: "0,0,1e308,1e308")], width: 4, height: 4)
    }

    func testStrokesWithHugeCoordinatesRender() throws {
        let json = #"[{"width": 17, "points": [[10, 10], [40, 20.5], [6022222222222222222222222222222222222222, 60]]}]"#
        let shapes = try MaskShape.strokes(json: Data(json.utf8))
        let m = Mask.render(shapes, width: 32, height: 24)
        XCTAssertGreaterThan(m.values[10 * 32 + 10], 0)   // the first point is still painted
        let wide = #"{"strokes": [{"width": 1e308, "points": [[1e308, -1e308]]}]}"#
        _ = Mask.render(try MaskShape.strokes(json: Data(wide.utf8)), width: 4, height: 4)
    }

    func testRegionAndGridMapBoxesThatOverflowAreRefused() throws {
        let region = #"{"api":"stability","box":{"x":9223372036854775807,"y":0,"width":1,"height":1},"outputWidth":64,"outputHeight":64,"scaleX":1,"scaleY":1,"margin":32,"source":{"path":"a.png","sha256":"","bytes":0},"image":"i.png","mask":"m.png","polarity":"white-edit"}"#
        let file = try RegionFile.decode(Data(region.utf8))
        XCTAssertThrowsError(try file.check(baseWidth: 960, baseHeight: 720)) {
            XCTAssertEqual(named($0, [.region: "r.json", .base: "b.png"]), "r.json: box 9223372036854775807,0,1x1 does not fit inside b.png (960x720)")
        }
        XCTAssertThrowsError(try RegionFile.decode(Data("{".utf8))) {
            XCTAssertEqual(named($0, [.region: "r.json"]), "r.json: is not a region.json written by stet mask --region")
        }
        let map = ##"{"stetVersion":"0","width":100,"height":50,"columns":1,"rows":1,"cell":50,"gap":0,"background":"#fff","labels":"none","cells":[{"index":1,"label":"1","source":{"path":"a","sha256":"","bytes":0},"cell":{"x":0,"y":0,"width":1,"height":1},"image":{"x":9223372036854775807,"y":0,"width":9,"height":9}}]}"##
        let grid = try GridMap.decode(Data(map.utf8))
        XCTAssertThrowsError(try grid.imageRects(sheetWidth: 100, sheetHeight: 50)) {
            XCTAssertEqual(named($0, [.gridMap: "g.json", .source: "g.png"]), "g.json: cell 1 lies outside the sheet")
        }
    }
}
