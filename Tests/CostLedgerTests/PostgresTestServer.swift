@testable import CostLedger
import Foundation
import XCTest

/// The PostgreSQL server the tests use: the one `.ci/run` or `scripts/test.sh` started
/// (`STET_TEST_PG_URL`, `STET_TEST_PG_PASSWORD`), else a throwaway one this test process starts
/// with `scripts/pg-test-server.sh` when PostgreSQL is installed, else none (the tests then say
/// so with a `notice:` and pass without running). Each test gets its own new database.
enum PostgresTestServer {
    struct Server { var url: String; var password: String }

    static let server: Server? = {
        let env = ProcessInfo.processInfo.environment
        if let url = env["STET_TEST_PG_URL"], !url.isEmpty { return Server(url: url, password: env["STET_TEST_PG_PASSWORD"] ?? "") }
        let installed = ["17", "16", "15"].contains { FileManager.default.isExecutableFile(atPath: "/usr/lib/postgresql/\($0)/bin/initdb") }
        guard installed else { return nil }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("stet-pg-\(getpid())").path
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/pg-test-server.sh").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [script, "start", dir]
        let out = Pipe()
        p.standardOutput = out
        guard (try? p.run()) != nil else { return nil }
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { return nil }
        var values: [String: String] = [:]
        for line in text.split(separator: "\n") {
            if let eq = line.firstIndex(of: "=") { values[String(line[..<eq])] = String(line[line.index(after: eq)...]) }
        }
        startedDir = dir
        startedScript = script
        atexit {
            guard let dir = PostgresTestServer.startedDir, let script = PostgresTestServer.startedScript else { return }
            let stop = Process()
            stop.executableURL = URL(fileURLWithPath: "/bin/bash")
            stop.arguments = [script, "stop", dir]
            try? stop.run()
            stop.waitUntilExit()
        }
        guard let url = values["STET_TEST_PG_URL"], let password = values["STET_TEST_PG_PASSWORD"] else { return nil }
        return Server(url: url, password: password)
    }()
    nonisolated(unsafe) static var startedDir: String?
    nonisolated(unsafe) static var startedScript: String?

    /// The server, or nil after printing the notice (the caller returns).
    static func available(_ test: String = #function) -> Server? {
        guard let server else {
            print("notice: \(test) did not run: no PostgreSQL (set STET_TEST_PG_URL, or install postgresql-15)")
            return nil
        }
        return server
    }

    /// Environment for the driver: the server's password.
    static var environment: [String: String] {
        var env = ProcessInfo.processInfo.environment
        env["PGPASSWORD"] = server?.password
        return env
    }

    /// A new, empty database on the server; returns its URL.
    static func freshDatabase() throws -> String {
        guard let server else { throw XCTSkip("no PostgreSQL") }
        let name = "stet_test_\(UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: ""))"
        let admin = try PostgresLedger.connectOnly(server.url, environment: environment)
        _ = try admin.execute("CREATE DATABASE \(name)")
        return replacingDatabase(server.url, with: name)
    }

    static func replacingDatabase(_ url: String, with name: String) -> String {
        var c = URLComponents(string: url)!
        c.path = "/" + name
        return c.string!
    }
}
