import CostLedger
import Foundation
import Hummingbird
import NIOCore
import PixelCore
import ReviewBoard
import StetSupport
import XCTest

/// The board's JSON API and every security rule, against the real server started in-process on
/// a free loopback port, with exact status codes.
final class BoardAPITests: XCTestCase {
    static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
    static func fixture(_ name: String) -> String { root.appendingPathComponent("Fixtures/\(name)").path }

    final class Running: @unchecked Sendable {
        var port = 0
        var address = ""
        var task: Task<Void, Error>?
    }

    nonisolated(unsafe) static var dir: URL!
    nonisolated(unsafe) static var photos: URL!
    nonisolated(unsafe) static var running = Running()
    nonisolated(unsafe) static var token = ""
    nonisolated(unsafe) static var board: Board!

    var port: Int { Self.running.port }
    var token: String { Self.token }
    var host: String { "127.0.0.1:\(port)" }

    override class func setUp() {
        super.setUp()
        do { try start() } catch { XCTFail("board did not start: \(error)") }
    }

    override class func tearDown() {
        running.task?.cancel()
        try? FileManager.default.removeItem(at: dir)
        super.tearDown()
    }

    static func start() throws {
        let fm = FileManager.default
        dir = fm.temporaryDirectory.appendingPathComponent("stet-board-api-\(UUID().uuidString.prefix(8))")
        photos = dir.appendingPathComponent("takes")
        try fm.createDirectory(at: dir.appendingPathComponent(".stet"), withIntermediateDirectories: true)
        try fm.createDirectory(at: photos, withIntermediateDirectories: true)
        for i in 1...4 {
            try fm.copyItem(atPath: fixture("candidate-\(i).jpg"), toPath: photos.appendingPathComponent("candidate-\(i).jpg").path)
        }
        // A near-duplicate: candidate 1 re-encoded at another quality (other bytes, same picture).
        var o = DraftJob.Options()
        o.size = 960
        o.encoding.quality = 60
        _ = try DraftJob(o).run(input: fixture("candidate-1.jpg"), output: photos.appendingPathComponent("dup-of-1.jpg").path)
        // A symlink that stays inside the folder is a candidate; one that leads outside is not.
        try fm.createSymbolicLink(atPath: photos.appendingPathComponent("inside.jpg").path, withDestinationPath: "candidate-2.jpg")
        try fm.createSymbolicLink(atPath: photos.appendingPathComponent("escape.jpg").path, withDestinationPath: "/etc/hostname")
        var options = Board.Options(cacheFolder: dir.appendingPathComponent(".stet/cache/review").path)
        options.proxySize = 512
        options.model = "flux-schnell"
        options.role = "character sheet"
        board = try Board.prepare([photos.path], options: options)
        let recorder = try Recorder(.init(ledger: dir.appendingPathComponent(".stet/ledger.sqlite").path,
                                          tags: ["campaign": "spring"], commandLine: "stet review takes", version: "test"))
        token = BoardSecurity.newToken()
        let server = try BoardServer(board: board, token: token, recorder: recorder, locks: LockStore(project: dir.path))
        let run = running
        let ready = DispatchSemaphore(value: 0)
        let app = server.application(port: 0) { p, ip in
            run.port = p; run.address = ip
            ready.signal()
        }
        run.task = Task { try await app.run() }
        guard ready.wait(timeout: .now() + 30) == .success else { throw NSError(domain: "board did not listen", code: 1) }
    }

    // MARK: - The API

    func testAssetListFoldsNearDuplicatesAndLeavesOutTheEscapingSymlink() throws {
        let r = try RawHTTP.get(port: port, "/api/assets", host: host, token: token)
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(r.headers["content-type"], "application/json; charset=utf-8")
        let doc = try r.json()
        let assets = try XCTUnwrap(doc["assets"] as? [[String: Any]])
        XCTAssertEqual(assets.count, 1)
        XCTAssertEqual(assets[0]["candidates"] as? Int, 6)
        XCTAssertEqual(assets[0]["stacks"] as? Int, 4)
        XCTAssertEqual(doc["role"] as? String, "character sheet")
        let skipped = try XCTUnwrap(doc["skipped"] as? [String])
        XCTAssertEqual(skipped.count, 1)
        XCTAssertTrue(skipped[0].contains("escape.jpg: leads outside"), skipped[0])
    }

    func testAssetDetailListsCandidatesWithProxyURLsHashesAndSizes() throws {
        let r = try RawHTTP.get(port: port, "/api/assets/1", host: host, token: token)
        XCTAssertEqual(r.status, 200)
        let doc = try r.json()
        let cands = try XCTUnwrap(doc["candidates"] as? [[String: Any]])
        XCTAssertEqual(cands.map { ($0["file"] as! String).components(separatedBy: "/").last! },
                       ["candidate-1.jpg", "candidate-2.jpg", "candidate-3.jpg", "candidate-4.jpg", "dup-of-1.jpg", "inside.jpg"])
        XCTAssertEqual(doc["stacks"] as? [[Int]], [[1, 5], [2, 6], [3], [4]])
        let first = cands[0]
        XCTAssertEqual(first["width"] as? Int, 960)
        XCTAssertEqual(first["height"] as? Int, 720)
        XCTAssertEqual(first["proxyWidth"] as? Int, 512)
        XCTAssertEqual(first["proxyHeight"] as? Int, 384)
        XCTAssertEqual(first["proxy"] as? String, "/api/assets/1/candidates/1/proxy")
        XCTAssertEqual(first["sha256"] as? String, try SHA256.hex(ofFile: Self.fixture("candidate-1.jpg")))
        XCTAssertEqual((first["dhash"] as? String)?.count, 16)
        // The near-duplicate is within the fold distance, the other takes far from it.
        let h = Self.board.assets[0].candidates.map(\.hash)
        XCTAssertLessThanOrEqual(h[0].distance(to: h[4]), 6)
        for j in 1...3 { XCTAssertGreaterThan(h[0].distance(to: h[j]), 6) }
        XCTAssertEqual(try RawHTTP.get(port: port, "/api/assets/2", host: host, token: token).status, 404)
        XCTAssertEqual(try RawHTTP.get(port: port, "/api/assets/x", host: host, token: token).status, 404)
    }

    func testProxyIsTheSmallFileAndFullIsTheSourceItself() throws {
        let proxy = try RawHTTP.get(port: port, "/api/assets/1/candidates/3/proxy", host: host, token: token)
        XCTAssertEqual(proxy.status, 200)
        XCTAssertEqual(proxy.headers["content-type"], "image/jpeg")
        XCTAssertEqual(Array(proxy.body.prefix(3)), [0xFF, 0xD8, 0xFF])
        let tmp = Self.dir.appendingPathComponent("got-proxy.jpg").path
        try proxy.body.write(to: URL(fileURLWithPath: tmp))
        let img = try Image.decode(tmp)
        XCTAssertEqual([img.width, img.height], [512, 384])
        let full = try RawHTTP.get(port: port, "/api/assets/1/candidates/3/full", host: host, token: token)
        XCTAssertEqual(full.status, 200)
        XCTAssertEqual(full.body, try Data(contentsOf: URL(fileURLWithPath: Self.fixture("candidate-3.jpg"))))
        XCTAssertEqual(try RawHTTP.get(port: port, "/api/assets/1/candidates/7/proxy", host: host, token: token).status, 404)
        XCTAssertEqual(try RawHTTP.get(port: port, "/api/assets/1/candidates/0/full", host: host, token: token).status, 404)
    }

    /// The grid's smaller proxies (issue 16): listed with their sizes, served by size, made from
    /// the proxy and cached beside it; only sizes below the proxy's (512 here: just 256).
    func testGridProxiesAreListedAndServedBySize() throws {
        let doc = try RawHTTP.get(port: port, "/api/assets/1", host: host, token: token).json()
        let first = try XCTUnwrap((doc["candidates"] as? [[String: Any]])?.first)
        let thumbs = try XCTUnwrap(first["thumbs"] as? [[String: Any]])
        XCTAssertEqual(thumbs.count, 1)
        XCTAssertEqual(thumbs[0]["url"] as? String, "/api/assets/1/candidates/1/proxy/256")
        XCTAssertEqual(thumbs[0]["width"] as? Int, 256)
        XCTAssertEqual(thumbs[0]["height"] as? Int, 192)
        let small = try RawHTTP.get(port: port, "/api/assets/1/candidates/1/proxy/256", host: host, token: token)
        XCTAssertEqual(small.status, 200)
        XCTAssertEqual(small.headers["content-type"], "image/jpeg")
        let tmp = Self.dir.appendingPathComponent("got-grid-proxy.jpg").path
        try small.body.write(to: URL(fileURLWithPath: tmp))
        let img = try Image.decode(tmp)
        XCTAssertEqual([img.width, img.height], [256, 192])
        // Its pixels are the proxy's, shrunk: a mean difference of a few levels at most.
        let proxy = try Image.decode(Self.board.assets[0].candidates[0].proxy).resized(scale: 0.5)
        let (pa, pb) = (try img.pixels(), try proxy.pixels())
        XCTAssertEqual(pa.count, pb.count)
        let mad = zip(pa, pb).reduce(0.0) { $0 + abs(Double($1.0) - Double($1.1)) } / Double(max(pa.count, 1))
        XCTAssertLessThan(mad, 3)
        XCTAssertTrue(FileManager.default.fileExists(atPath: Self.board.assets[0].candidates[0].thumbs[0].path))
        for path in ["/api/assets/1/candidates/1/proxy/512", "/api/assets/1/candidates/1/proxy/abc",
                     "/api/assets/1/candidates/9/proxy/256"] {
            XCTAssertEqual(try RawHTTP.get(port: port, path, host: host, token: token).status, 404, path)
        }
        XCTAssertEqual(try RawHTTP.get(port: port, "/api/assets/1/candidates/1/proxy/256", host: host, token: "0" + token.dropFirst()).status, 401)
    }

    // MARK: - Token

    func testEveryRequestNeedsTheToken() throws {
        for path in ["/", "/board.js", "/api/assets", "/api/assets/1", "/api/assets/1/candidates/1/proxy"] {
            let r = try RawHTTP.get(port: port, path, host: host, token: nil)
            XCTAssertEqual(r.status, 401, path)
            XCTAssertEqual(r.headers["www-authenticate"], "Bearer")
        }
        var wrong = Array(token)
        wrong[wrong.count - 1] = wrong.last == "0" ? "1" : "0"
        XCTAssertEqual(try RawHTTP.get(port: port, "/api/assets", host: host, token: String(wrong)).status, 401)
        XCTAssertEqual(try RawHTTP.get(port: port, "/api/assets", host: host, token: String(token.dropLast())).status, 401)
        XCTAssertEqual(try RawHTTP.get(port: port, "/api/assets", host: host, token: token + "0").status, 401)
        XCTAssertEqual(try RawHTTP.get(port: port, "/api/assets", host: host, token: "").status, 401)
        XCTAssertEqual(try RawHTTP.get(port: port, "/api/assets?token=\(token)", host: host, token: nil).status, 200)
        XCTAssertEqual(try RawHTTP.get(port: port, "/api/assets?token=\(String(wrong))", host: host, token: nil).status, 401)
        XCTAssertEqual(try RawHTTP.post(port: port, "/api/decisions", json: Data("{}".utf8), token: nil).status, 401)
    }

    func testTokenComparisonIsExactAndLooksAtEveryByte() {
        let t = BoardSecurity.newToken()
        XCTAssertEqual(t.count, 64)
        XCTAssertTrue(t.allSatisfy(\.isHexDigit))
        XCTAssertNotEqual(t, BoardSecurity.newToken())
        XCTAssertTrue(BoardSecurity.constantTimeEqual(t, t))
        XCTAssertFalse(BoardSecurity.constantTimeEqual(String(t.dropLast()), t))
        XCTAssertFalse(BoardSecurity.constantTimeEqual(t + "a", t))
        XCTAssertFalse(BoardSecurity.constantTimeEqual("", t))
        // A difference in the first byte and in the last are both found.
        var first = Array(t); first[0] = first[0] == "a" ? "b" : "a"
        var last = Array(t); last[63] = last[63] == "a" ? "b" : "a"
        XCTAssertFalse(BoardSecurity.constantTimeEqual(String(first), t))
        XCTAssertFalse(BoardSecurity.constantTimeEqual(String(last), t))
    }

    // MARK: - Loopback and Host (DNS rebinding)

    func testListensOnLoopbackOnlyAndServesOnlyLoopbackPeers() throws {
        XCTAssertEqual(Self.running.address, "127.0.0.1")
        XCTAssertTrue(BoardSecurity.isLoopback(try SocketAddress(ipAddress: "127.0.0.1", port: 1)))
        XCTAssertTrue(BoardSecurity.isLoopback(try SocketAddress(ipAddress: "::1", port: 1)))
        XCTAssertFalse(BoardSecurity.isLoopback(try SocketAddress(ipAddress: "10.0.0.7", port: 1)))
        XCTAssertFalse(BoardSecurity.isLoopback(try SocketAddress(ipAddress: "192.168.1.2", port: 1)))
        XCTAssertFalse(BoardSecurity.isLoopback(nil))
    }

    func testHostHeaderMustBeLoopbackWithThisPort() throws {
        XCTAssertEqual(try RawHTTP.get(port: port, "/api/assets", host: "localhost:\(port)", token: token).status, 200)
        let evil = try RawHTTP.get(port: port, "/api/assets", host: "evil.example:\(port)", token: token)
        XCTAssertEqual(evil.status, 403)
        XCTAssertTrue(evil.text.contains("Host must be 127.0.0.1:\(port)"), evil.text)
        XCTAssertEqual(try RawHTTP.get(port: port, "/api/assets", host: "127.0.0.1:\(port + 1)", token: token).status, 403)
        XCTAssertEqual(try RawHTTP.get(port: port, "/api/assets", host: "127.0.0.1", token: token).status, 403)
        XCTAssertEqual(try RawHTTP.get(port: port, "/api/assets", host: "127.0.0.1.nip.io:\(port)", token: token).status, 403)
        // No Host at all (HTTP/1.0), and two Host headers.
        let bare = try RawHTTP.send(port: port, "GET /api/assets HTTP/1.0\r\nAuthorization: Bearer \(token)\r\nConnection: close\r\n\r\n")
        XCTAssertEqual(bare.status, 403)
        let two = try RawHTTP.send(port: port, "GET /api/assets HTTP/1.1\r\nHost: \(host)\r\nHost: evil.example\r\nAuthorization: Bearer \(token)\r\nConnection: close\r\n\r\n")
        XCTAssertTrue([400, 403].contains(two.status), "\(two.status)")
        XCTAssertEqual(try RawHTTP.post(port: port, "/api/decisions", json: Data("{}".utf8), token: token, host: "evil.example").status, 403)
    }

    // MARK: - Containment

    func testNoPathOutsideTheInputsCanBeRead() throws {
        for path in ["/../../etc/passwd", "/api/assets/1/candidates/..%2F..%2F..%2Fetc%2Fpasswd/proxy",
                     "/api/assets/1/candidates/%2e%2e/full", "/api/assets/1/candidates/1/..", "/api/./assets",
                     "/api//assets", "/api/assets/1/candidates/1%2Ffull", "/api/assets/1/candidates/1%5c..%5cfull",
                     "/api/assets/1/candidates/1/full%00"] {
            XCTAssertEqual(try RawHTTP.get(port: port, path, host: host, token: token).status, 400, path)
        }
        // Files are named by number only: a path where the number goes is no candidate.
        XCTAssertEqual(try RawHTTP.get(port: port, "/api/assets/1/candidates/etc/proxy", host: host, token: token).status, 404)
        XCTAssertEqual(try RawHTTP.get(port: port, "/etc/passwd", host: host, token: token).status, 404)
        XCTAssertEqual(try RawHTTP.get(port: port, "/index.html", host: host, token: token).status, 404)
    }

    // MARK: - Decisions

    func post(_ object: [String: Any]) throws -> RawResponse {
        try RawHTTP.post(port: port, "/api/decisions", json: try JSONSerialization.data(withJSONObject: object), token: token)
    }

    func testDecisionsAboutFilesNotUnderReviewAreRefused() throws {
        let escape = Self.photos.appendingPathComponent("escape.jpg").path
        for file in ["/etc/passwd", escape, Self.photos.path + "/../takes/candidate-1.jpg", Self.fixture("candidate-1.jpg")] {
            let r = try post(["asset": 1, "file": file, "decision": "pick"])
            XCTAssertEqual(r.status, 403, file)
            XCTAssertTrue(r.text.contains("is not under review"), r.text)
        }
        XCTAssertEqual(try post(["asset": 2, "file": Self.photos.path + "/candidate-1.jpg", "decision": "pick"]).status, 404)
        XCTAssertEqual(try post(["asset": 1, "file": Self.photos.path + "/candidate-1.jpg", "decision": "keep"]).status, 400)
        XCTAssertEqual(try post(["asset": 1, "file": Self.photos.path + "/candidate-1.jpg", "decision": "unlock"]).status, 400)
        XCTAssertEqual(try post(["asset": 1, "decision": "pick"]).status, 400)
        XCTAssertEqual(try RawHTTP.post(port: port, "/api/decisions", json: Data("not json".utf8), token: token).status, 400)
        let big = Data(("{\"asset\":1,\"file\":\"" + String(repeating: "a", count: 70_000) + "\",\"decision\":\"pick\"}").utf8)
        XCTAssertEqual(try RawHTTP.post(port: port, "/api/decisions", json: big, token: token).status, 413)
        XCTAssertEqual(try RawHTTP.get(port: port, "/api/decisions", host: host, token: token).status, 404)
    }

    func testPickRejectAndLockGoToTheLedgerAndLocksFile() throws {
        let three = Self.photos.path + "/candidate-3.jpg"
        let four = Self.photos.path + "/candidate-4.jpg"
        let pick = try post(["asset": 1, "file": three, "decision": "pick"])
        XCTAssertEqual(pick.status, 201, pick.text)
        XCTAssertEqual(try pick.json()["decision"] as? String, "pick")
        XCTAssertEqual(try post(["asset": 1, "file": four, "decision": "reject"]).status, 201)
        let identity = Self.board.assets[0].identity
        let lock = try post(["asset": identity, "file": three, "decision": "lock"])
        XCTAssertEqual(lock.status, 201, lock.text)
        let doc = try lock.json()
        XCTAssertEqual(doc["locked"] as? Bool, true)
        XCTAssertEqual(doc["role"] as? String, "character sheet")

        let ledger = try Ledger.open(Self.dir.appendingPathComponent(".stet/ledger.sqlite").path, mode: .read)
        let mine = try ledger.decisions().filter { $0.path == three || $0.path == four }
        XCTAssertEqual(mine.map(\.kind), [.pick, .reject, .lock])
        XCTAssertEqual(mine[0].sha256, try SHA256.hex(ofFile: Self.fixture("candidate-3.jpg")))
        XCTAssertEqual(mine[0].candidates, 6)
        XCTAssertEqual(mine[0].model, "flux-schnell")
        XCTAssertEqual(mine[2].role, "character sheet")
        XCTAssertEqual(mine[0].asset, identity)
        let entries = try ledger.entries().filter { $0.decision?.path == three }
        XCTAssertEqual(entries.first?.operation, "review")
        XCTAssertEqual(entries.first?.tags, ["campaign": "spring"])
        XCTAssertEqual(entries.first?.inputs.first?.sha256, mine[0].sha256)

        let locks = try LockStore(project: Self.dir.path).read()
        let l = try XCTUnwrap(locks.first { $0.path == "takes/candidate-3.jpg" })
        XCTAssertEqual(l.sha256, mine[0].sha256)
        XCTAssertEqual(l.role, "character sheet")
        // The page sees the states after a reload.
        let detail = try RawHTTP.get(port: port, "/api/assets/1", host: host, token: token).json()
        let cands = detail["candidates"] as! [[String: Any]]
        XCTAssertEqual(cands[2]["locked"] as? Bool, true)
        XCTAssertEqual(cands[3]["decision"] as? String, "reject")
    }

    // MARK: - The page is Stet's own

    func testPageComesFromStetWithNoOutsideAddressesAndStrictHeaders() throws {
        let page = try RawHTTP.get(port: port, "/?token=\(token)", host: host, token: nil)
        XCTAssertEqual(page.status, 200)
        XCTAssertEqual(page.headers["content-type"], "text/html; charset=utf-8")
        XCTAssertTrue(page.text.contains("board.js?token=\(token)"))
        XCTAssertEqual(page.headers["referrer-policy"], "no-referrer")
        XCTAssertEqual(page.headers["x-content-type-options"], "nosniff")
        XCTAssertTrue(page.headers["content-security-policy"]?.contains("default-src 'self'") ?? false)
        for name in ["/", "/board.js", "/board.css"] {
            let r = try RawHTTP.get(port: port, name, host: host, token: token)
            XCTAssertEqual(r.status, 200, name)
            XCTAssertFalse(r.text.contains("http://") || r.text.contains("https://") || r.text.contains("//cdn"), name)
        }
        XCTAssertEqual(try RawHTTP.get(port: port, "/board.js", host: host, token: token).headers["content-type"],
                       "text/javascript; charset=utf-8")
    }
}
