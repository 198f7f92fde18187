import Foundation
import XCTest

/// Runs the built `stet` binary, as a user would, and captures what it says.
struct StetRun {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum Stet {
    /// The `stet` executable that SwiftPM built next to the test bundle.
    static var binary: URL {
        // On Linux the test "bundle" is an executable in the build folder; on macOS a bundle
        // inside it. Look beside either for the `stet` that SwiftPM built.
        let starts = [Bundle(for: Marker.self).bundleURL, Bundle.main.bundleURL,
                      URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
        for start in starts {
            var dir = start
            for _ in 0..<3 {
                let candidate = dir.appendingPathComponent("stet")
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
                dir = dir.deletingLastPathComponent()
            }
        }
        return starts[0].appendingPathComponent("stet")
    }

    /// The repository root (for Fixtures/).
    static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    /// A file's SHA-256 as coreutils computes it, to check Stet's own digests against.
    static func sha256sum(_ path: String) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        p.arguments = [path]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return String(out.prefix(64))
    }

    /// Where the team's datasets may be: `STET_DATASETS`, `shared/datasets` beside the repository.
    /// Their photographs are read there, never copied into the project.
    static var datasetRoots: [String] {
        [ProcessInfo.processInfo.environment["STET_DATASETS"],
         root.deletingLastPathComponent().appendingPathComponent("shared/datasets").path,
         "/work/shared/datasets"].compactMap { $0 }.filter { FileManager.default.fileExists(atPath: $0) }
    }

    static func fixture(_ name: String) -> String {
        root.appendingPathComponent("Fixtures").appendingPathComponent(name).path
    }

    /// Everything this test process writes lives under one folder, removed when the process
    /// exits, so test runs do not pile up folders in the system's temporary directory.
    static let scratch: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("stet-tests-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: Stet.scratch) }
        return url
    }()

    /// A per-user data folder for this test process, so that commands run without `--ledger`
    /// record into a throwaway ledger instead of the real `~/.local/share/stet`.
    static let dataHome: String = {
        let url = scratch.appendingPathComponent("data")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }()

    /// Runs `stet args...` in `cwd`. Without a `.stet/` above `cwd` or an explicit ledger, entries
    /// go to a per-test-process ledger under `dataHome`.
    @discardableResult
    static func run(_ args: [String], cwd: URL? = nil, env: [String: String] = [:]) throws -> StetRun {
        let process = Process()
        process.executableURL = binary
        process.arguments = args
        if let cwd { process.currentDirectoryURL = cwd }
        var environment = ProcessInfo.processInfo.environment
        environment["XDG_DATA_HOME"] = dataHome
        environment["STET_LEDGER"] = nil
        // libvips sets VIPSHOME in this test process when the PixelCore tests start it (it
        // records the prefix it guessed); a user's shell has none, so neither does the child.
        environment["VIPSHOME"] = nil
        for (k, v) in env { environment[k] = v }
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes before waiting so a chatty child cannot fill a pipe and stall.
        final class Box: @unchecked Sendable { var data = Data() }
        let outBox = Box()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { outBox.data = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        let outData = outBox.data
        process.waitUntilExit()
        return StetRun(status: process.terminationStatus,
                       stdout: String(decoding: outData, as: UTF8.self),
                       stderr: String(decoding: errData, as: UTF8.self))
    }

    /// A fresh temporary folder for one test.
    static func tempDir(_ name: String = #function) throws -> URL {
        let safe = name.filter { $0.isLetter || $0.isNumber }
        let url = scratch.appendingPathComponent("\(safe)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Files in a folder, for "nothing left behind" checks.
    static func listing(_ dir: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).sorted()
    }
}

private final class Marker {}
