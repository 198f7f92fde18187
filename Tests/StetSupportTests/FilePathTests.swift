import StetSupport
import XCTest

final class FilePathTests: XCTestCase {
    /// NSString's answers, and the one-character names on which swift-corelibs-foundation traps.
    func testParentAsNSStringDefinesIt() {
        let cases = ["a": "", "a/": "", "ab": "", "a/b": "a", "x.png": "", "/a": "/", "./a": ".", "/": "/",
                     "a/b/": "a", "a//b": "a", "/x/y/z.jpg": "/x/y", "b/a": "b", "": ""]
        for (path, parent) in cases { XCTAssertEqual(FilePath.parent(path), parent, path) }
    }
}
