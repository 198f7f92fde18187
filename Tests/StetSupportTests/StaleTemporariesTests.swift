import Foundation
import StetSupport
import XCTest

/// A run killed between creating its temporary and renaming it leaves `.NAME.stet-tmp-PID-TOKEN.ext`;
/// the next run into that folder removes it, and nothing else.
final class StaleTemporariesTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("stale-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// The PID of a process that has exited and been reaped.
    func deadPID() throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/true")
        try p.run()
        p.waitUntilExit()
        return p.processIdentifier
    }

    func touch(_ name: String, modified: Date? = nil) throws {
        let path = dir.appendingPathComponent(name).path
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data("x".utf8)))
        if let modified { try FileManager.default.setAttributes([.modificationDate: modified], ofItemAtPath: path) }
    }

    func testNamesItRecognises() {
        XCTAssertEqual(SafeOutput.temporaryOwner(".photo.stet-tmp-4242-3k9zq1.png"), 4242)
        XCTAssertEqual(SafeOutput.temporaryOwner(".photo.v2.stet-tmp-7-a"), 7)
        XCTAssertEqual(SafeOutput.temporaryOwner(".a.stet-tmp-1-x.stet-tmp-12-b.jpg"), 12)
        for name in ["photo.stet-tmp-4242-3k9zq1.png", ".stet-tmp-4242-3k9zq1.png", ".p.stet-tmp--3k9zq1.png",
                     ".p.stet-tmp-42.png", ".p.stet-tmp-42-.png", ".p.stet-tmp-42-ABC.png", ".p.stet-tmp-x2-abc.png",
                     ".p.stet-tmp-0-abc.png", ".p.stet-tmp-42-abc.png.bak", ".p.stet-tmp-42-abc.", ".p.stet-tmp-42-a-b.png",
                     ".p.stet-tmp-99999999999-abc.png", ".p.png", "notes.txt"] {
            XCTAssertNil(SafeOutput.temporaryOwner(name), name)
        }
        // What temporaryPath makes, it recognises, naming this process.
        let tmp = SafeOutput.temporaryPath(for: dir.appendingPathComponent("out.webp").path)
        XCTAssertEqual(SafeOutput.temporaryOwner((tmp as NSString).lastPathComponent), getpid())
    }

    func testRemovesOnlyStaleStetTemporaries() throws {
        let dead = try deadPID()
        let mine = getpid()
        try touch(".a.stet-tmp-\(dead)-k3j2.png")                  // its process is gone: stale
        try touch(".b.stet-tmp-\(dead)-zz")                        // no extension
        try touch(".c.stet-tmp-\(mine)-q1.jpg")                    // this process, being written now: kept
        try touch(".d.stet-tmp-1-q1.jpg")                          // PID 1 is alive and older than the file: kept
        // PID reuse: a file last written an hour before this process started cannot be its own.
        try touch(".e.stet-tmp-\(mine)-old.png", modified: Date(timeIntervalSince1970: 1_000_000_000))
        try touch("a.stet-tmp-\(dead)-k3j2.png")                   // not Stet's name (no leading dot)
        try touch(".a.stet-tmp-\(dead)-k3j2.png.keep")             // not Stet's name
        try touch("photo.png")
        // A folder and a symlink with Stet's name are not removed.
        try FileManager.default.createDirectory(at: dir.appendingPathComponent(".f.stet-tmp-\(dead)-dir.png"),
                                                withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent(".g.stet-tmp-\(dead)-ln.png").path,
                                                   withDestinationPath: dir.appendingPathComponent("photo.png").path)
        let sub = dir.appendingPathComponent("sub")
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: false)
        FileManager.default.createFile(atPath: sub.appendingPathComponent(".h.stet-tmp-\(dead)-s.png").path, contents: Data())

        let removed = SafeOutput.removeStaleTemporaries(in: dir.path).sorted()
        XCTAssertEqual(removed, [".a.stet-tmp-\(dead)-k3j2.png", ".b.stet-tmp-\(dead)-zz", ".e.stet-tmp-\(mine)-old.png"])
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        XCTAssertEqual(left, [".a.stet-tmp-\(dead)-k3j2.png.keep", ".c.stet-tmp-\(mine)-q1.jpg", ".d.stet-tmp-1-q1.jpg",
                              ".f.stet-tmp-\(dead)-dir.png", ".g.stet-tmp-\(dead)-ln.png", "a.stet-tmp-\(dead)-k3j2.png",
                              "photo.png", "sub"].sorted())
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: sub.path), [".h.stet-tmp-\(dead)-s.png"])
    }

    func testAWriteIntoTheFolderCleansIt() throws {
        let dead = try deadPID()
        try touch(".out.stet-tmp-\(dead)-k3j2.json")
        let target = dir.appendingPathComponent("out.json").path
        try SafeOutput.write(Data("{}".utf8), to: target)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["out.json"])
    }
}
