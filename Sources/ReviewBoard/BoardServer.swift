import CostLedger
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import PixelCore
import StetSupport

/// The request context: Hummingbird's basic one plus the peer's address, which the guard checks.
public struct BoardContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}

/// `stet review`'s web server: Hummingbird 2 on 127.0.0.1, the page's own files, and the JSON API.
///
/// Every request passes `Guard` first: a loopback peer (else 403), a loopback `Host` header with
/// this port (else 403: DNS rebinding), a path without `..`, `.` or encoded separators (else 400),
/// and the token, as `?token=` or `Authorization: Bearer` (else 401), compared in constant time.
/// Files are named in URLs only by asset and candidate number, never by path, so nothing outside
/// the candidates under review can be read; a decision about any other file is refused (403).
public final class BoardServer: Sendable {
    public let board: Board
    public let token: String
    let decisions: DecisionDesk
    let page: PageFiles

    public init(board: Board, token: String = BoardSecurity.newToken(), recorder: Recorder?, locks: LockStore?) throws {
        self.board = board
        self.token = token
        self.decisions = DecisionDesk(board: board, recorder: recorder, locks: locks)
        self.page = try PageFiles.load()
    }

    /// The application, bound to 127.0.0.1 on `port` (0: a free port); `onRunning` gets the port
    /// and the address the socket listens on.
    public func application(port: Int, onRunning: @escaping @Sendable (Int, String) async -> Void)
        -> some ApplicationProtocol {
        let router = Router(context: BoardContext.self)
        routes(router)
        let portBox = PortBox()
        let guarded = Guard(inner: router.buildResponder(), token: token, port: portBox)
        var logger = Logger(label: "stet.review")
        logger.logLevel = .critical
        return Application(
            responder: guarded,
            configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: nil, backlog: 512),
            onServerRunning: { channel in
                let p = channel.localAddress?.port ?? port
                portBox.set(p)
                await onRunning(p, channel.localAddress?.ipAddress ?? "")
            },
            logger: logger)
    }

    func routes(_ router: Router<BoardContext>) {
        let page = self.page, board = self.board, token = self.token, desk = self.decisions
        router.get("/") { _, _ in page.response("index.html", token: token) }
        router.get("/board.js") { _, _ in page.response("board.js", token: token) }
        router.get("/board.css") { _, _ in page.response("board.css", token: token) }
        router.get("/favicon.svg") { _, _ in page.response("favicon.svg", token: token) }
        router.get("/api/assets") { _, _ in
            json(.ok, AssetList(assets: board.assets.map { AssetSummary($0) }, model: board.options.model,
                                role: board.options.role, skipped: board.skipped))
        }
        router.get("/api/assets/:id") { _, context in
            guard let asset = board.asset(Int(context.parameters.get("id") ?? "") ?? 0) else {
                return problem(.notFound, "no such asset")
            }
            return json(.ok, AssetDetail(asset, states: desk.states(asset)))
        }
        router.get("/api/assets/:id/candidates/:n/proxy") { _, context in
            guard let c = Self.candidate(board, context) else { return problem(.notFound, "no such candidate") }
            return fileResponse(c.proxy, type: "image/jpeg")
        }
        router.get("/api/assets/:id/candidates/:n/proxy/:size") { _, context in
            guard let c = Self.candidate(board, context), let size = context.parameters.get("size").flatMap({ Int($0) }),
                  let thumb = c.thumbs.first(where: { $0.size == size }) else {
                return problem(.notFound, "no such grid proxy")
            }
            return fileResponse(thumb.path, type: "image/jpeg")
        }
        router.get("/api/assets/:id/candidates/:n/full") { _, context in
            guard let c = Self.candidate(board, context) else { return problem(.notFound, "no such candidate") }
            let ext = (c.resolved as NSString).pathExtension.lowercased()
            if let type = ["jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp",
                           "gif": "image/gif", "avif": "image/avif"][ext] {
                return fileResponse(c.resolved, type: type)
            }
            // A format browsers do not show (TIFF, HEIC, JPEG XL): a full-size JPEG of it, once.
            do { return fileResponse(try desk.fullSize(c), type: "image/jpeg") } catch {
                return problem(.internalServerError, "\(error)")
            }
        }
        router.post("/api/decisions") { request, _ in
            var request = request
            let body: ByteBuffer
            do { body = try await request.collectBody(upTo: 64 * 1024) } catch {
                return problem(.contentTooLarge, "a decision is a small JSON object (64 KiB at most)")
            }
            return desk.handle(Data(buffer: body))
        }
    }

    static func candidate(_ board: Board, _ context: BoardContext) -> Board.Candidate? {
        guard let id = context.parameters.get("id").flatMap({ Int($0) }), let asset = board.asset(id),
              let n = context.parameters.get("n").flatMap({ Int($0) }), asset.candidates.indices.contains(n - 1)
        else { return nil }
        return asset.candidates[n - 1]
    }
}

/// The port the server actually listens on (known once it runs), for the Host check.
final class PortBox: @unchecked Sendable {
    private var port = 0
    private let lock = NSLock()
    func set(_ p: Int) { lock.lock(); port = p; lock.unlock() }
    func get() -> Int { lock.lock(); defer { lock.unlock() }; return port }
}

/// Checks every request before the router sees it (see `BoardServer`).
struct Guard<Inner: HTTPResponder>: HTTPResponder where Inner.Context == BoardContext {
    let inner: Inner
    let token: String
    let port: PortBox

    func respond(to request: Request, context: BoardContext) async throws -> Response {
        var response = try await check(request, context)
        response.headers[.contentSecurityPolicy] = "default-src 'self'; img-src 'self' blob:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }

    func check(_ request: Request, _ context: BoardContext) async throws -> Response {
        guard BoardSecurity.isLoopback(context.remoteAddress) else {
            return problem(.forbidden, "only loopback clients are served")
        }
        // HTTP/1.1's Host arrives as the request's authority; a second Host header stays a field.
        guard request.headers[HTTPField.Name("Host")!] == nil,
              BoardSecurity.isAllowedHost(request.head.authority, port: port.get()) else {
            return problem(.forbidden, "Host must be 127.0.0.1:\(port.get()) or localhost:\(port.get())")
        }
        let raw = request.head.path ?? "/"
        let rawPath = String(raw.prefix { $0 != "?" })
        guard !BoardSecurity.isSuspiciousPath(rawPath) else {
            return problem(.badRequest, "path segments like .. and encoded slashes are refused")
        }
        var given: Substring?
        if let auth = request.headers[.authorization] {
            let parts = auth.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" { given = parts[1] }
        }
        if given == nil { given = request.uri.queryParameters["token"] }
        guard let given, BoardSecurity.constantTimeEqual(given, token) else {
            var r = problem(.unauthorized, "a valid token is required (?token= or Authorization: Bearer)")
            r.headers[.wwwAuthenticate] = "Bearer"
            return r
        }
        return try await inner.respond(to: request, context: context)
    }
}

// MARK: - Responses

let jsonEncoder: JSONEncoder = {
    let e = JSONEncoder()
    e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return e
}()

func json<T: Encodable>(_ status: HTTPResponse.Status, _ value: T) -> Response {
    let data = (try? jsonEncoder.encode(value)) ?? Data("{}".utf8)
    return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                    body: .init(byteBuffer: ByteBuffer(bytes: data)))
}

struct Problem: Encodable { var error: String }

func problem(_ status: HTTPResponse.Status, _ message: String) -> Response { json(status, Problem(error: message)) }

/// A candidate's file, opened without following a symlink at its last step.
func fileResponse(_ path: String, type: String) -> Response {
    let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
    guard fd >= 0 else { return problem(.notFound, "the file is gone") }
    let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    guard let data = try? handle.readToEnd() else { return problem(.internalServerError, "the file cannot be read") }
    return Response(status: .ok, headers: [.contentType: type, .cacheControl: "private, max-age=3600"],
                    body: .init(byteBuffer: ByteBuffer(bytes: data)))
}

// MARK: - API shapes

struct AssetSummary: Encodable {
    var id: Int, label: String, kind: String, identity: String, candidates: Int, stacks: Int
    init(_ a: Board.Asset) {
        id = a.id; label = a.label; kind = a.kind; identity = a.identity; candidates = a.candidates.count; stacks = a.stacks.count
    }
}

struct AssetList: Encodable {
    var assets: [AssetSummary]
    var model: String
    var role: String
    var skipped: [String]
}

struct CandidateState: Encodable, Sendable {
    var decision: String?
    var locked: Bool
    var role: String?
}

/// A grid proxy in the API: its URL and pixel size.
struct ThumbJSON: Encodable {
    var url: String, width: Int, height: Int
}

struct CandidateJSON: Encodable {
    var index: Int, file: String, sha256: String, width: Int, height: Int, bytes: Int64
    var proxy: String, full: String, proxyWidth: Int, proxyHeight: Int
    /// Smaller proxies for the grid, smallest first; `proxy` is the largest, for the wipe.
    var thumbs: [ThumbJSON]
    var dhash: String, stack: Int
    var decision: String?, locked: Bool, role: String?
}

struct AssetDetail: Encodable {
    var id: Int, label: String, kind: String, identity: String
    var candidates: [CandidateJSON]
    var stacks: [[Int]]
    init(_ a: Board.Asset, states: [CandidateState]) {
        id = a.id; label = a.label; kind = a.kind; identity = a.identity; stacks = a.stacks
        candidates = a.candidates.map { c in
            let s = states[c.index - 1]
            let base = "/api/assets/\(a.id)/candidates/\(c.index)"
            return CandidateJSON(index: c.index, file: c.path, sha256: c.sha256, width: c.width, height: c.height,
                                 bytes: c.bytes, proxy: base + "/proxy", full: base + "/full", proxyWidth: c.proxyWidth,
                                 proxyHeight: c.proxyHeight,
                                 thumbs: c.thumbs.map { ThumbJSON(url: base + "/proxy/\($0.size)", width: $0.width, height: $0.height) },
                                 dhash: c.hash.description, stack: c.stack,
                                 decision: s.decision, locked: s.locked, role: s.role)
        }
    }
}
