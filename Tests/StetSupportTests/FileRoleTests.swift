import StetSupport
import XCTest

/// Core errors name files by role; the caller puts in its paths in one place.
final class FileRoleTests: XCTestCase {
    func testRoleErrorsAreNamedWithTheCallersPaths() {
        let error = StetError.file(.mask, "mask is 10x10 but \(FileRole.source) is 20x20; use \(Hint.feather)")
        // Unnamed, the roles speak for themselves (a library user who names nothing).
        XCTAssertEqual(error.rendered(), "the mask: mask is 10x10 but the source image is 20x20; use --feather")
        let named = error.naming(FileNames(source: "shots/a b.png", [.mask: "m/a.png"]))
        XCTAssertEqual(named, .input("m/a.png", "mask is 10x10 but shots/a b.png is 20x20; use \(Hint.feather)"))
        XCTAssertEqual(named.rendered(), "m/a.png: mask is 10x10 but shots/a b.png is 20x20; use --feather")
        // An output role becomes an output error.
        XCTAssertEqual(StetError.file(.output, "cannot be written").naming(FileNames([.output: "o.png"])),
                       .output("o.png", "cannot be written"))
        XCTAssertEqual(StetError.file(.companion("plan"), "cannot be written").naming(FileNames()),
                       .output("the plan", "cannot be written"))
    }

    func testEveryRoleRoundTripsThroughItsToken() {
        let roles: [FileRole] = [.source, .listed(3), .mask, .region, .edited, .base, .strokes, .gridMap, .resource,
                                 .output, .companion("region image"), .referenced("a/m.png"), .bundled("x.bin")]
        var files = FileNames()
        for (i, role) in roles.enumerated() { files[role] = "path\(i)" }
        let text = roles.map(\.token).joined(separator: " ")
        XCTAssertEqual(FileRole.render(text) { files[$0] }, (0..<roles.count).map { "path\($0)" }.joined(separator: " "))
        XCTAssertEqual(FileRole.render("\(FileRole.listed(0)) and \(FileRole.bundled("x.bin"))") { _ in nil },
                       "source 1 and Stet's bundled x.bin")
    }

    func testLibvipsFailuresAreNamedAfterTheSourceOnly() {
        let failure = StetError.operation("embed", "bad size")
        XCTAssertEqual(failure.about(.mask), .file(.mask, "embed: bad size"))
        XCTAssertEqual(failure.naming("a.png"), .input("a.png", "embed: bad size"))
        // A single command's line keeps libvips' own form; only roles are filled in.
        XCTAssertEqual(failure.namingRoles(FileNames(source: "a.png")), failure)
        XCTAssertEqual(StetError.usage("Expected x").naming("a.png"), .usage("Expected x"))
    }
}
