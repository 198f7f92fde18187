import Foundation
import StetSupport
import XCTest

final class SafeOutputTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("safe-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func testRefusesSamePathSymlinkAndHardLink() throws {
        let input = dir.appendingPathComponent("in.jpg").path
        try Data("x".utf8).write(to: URL(fileURLWithPath: input))
        let link = dir.appendingPathComponent("link.jpg").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: input)
        let hard = dir.appendingPathComponent("hard.jpg").path
        try FileManager.default.linkItem(atPath: input, toPath: hard)
        let dotted = dir.path + "/./in.jpg"
        for output in [input, link, hard, dotted] {
            XCTAssertThrowsError(try SafeOutput.refuseOverwritingInputs(output: output, inputs: [input])) { error in
                XCTAssertEqual("\(error)", "Output \(output) is also an input; choose another output path")
            }
        }
        XCTAssertNoThrow(try SafeOutput.refuseOverwritingInputs(output: dir.appendingPathComponent("new.jpg").path,
                                                                inputs: [input]))
    }

    func testFailedWriteLeavesNothingAndKeepsOldFile() throws {
        let target = dir.appendingPathComponent("out.json").path
        try Data("old".utf8).write(to: URL(fileURLWithPath: target))
        struct Boom: Error {}
        XCTAssertThrowsError(try SafeOutput.write(to: target) { tmp in
            try Data("partial".utf8).write(to: URL(fileURLWithPath: tmp))
            throw Boom()
        })
        XCTAssertEqual(try String(contentsOfFile: target, encoding: .utf8), "old")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["out.json"])
        try SafeOutput.write(Data("new".utf8), to: target)
        XCTAssertEqual(try String(contentsOfFile: target, encoding: .utf8), "new")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["out.json"])
    }

    func testMissingFolderIsAClearError() {
        let target = dir.appendingPathComponent("nope/out.png").path
        XCTAssertThrowsError(try SafeOutput.write(Data(), to: target)) { error in
            XCTAssertEqual("\(error)", "\(target): folder \(dir.appendingPathComponent("nope").path) does not exist")
        }
    }

    func testValidationMessagesFollowOneFormat() {
        XCTAssertThrowsError(try Validate.positiveInteger(-3, "width")) { error in
            XCTAssertEqual("\(error)", "Expected positive integer for width but received -3")
        }
        XCTAssertThrowsError(try Validate.integer(101, "quality", in: 1...100)) { error in
            XCTAssertEqual("\(error)", "Expected integer between 1 and 100 for quality but received 101")
        }
    }
}
