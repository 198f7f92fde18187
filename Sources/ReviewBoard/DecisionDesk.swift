import CostLedger
import Foundation
import Hummingbird
import PixelCore
import StetSupport

/// Takes the page's decisions: checks them against the board, writes each to the ledger (and a
/// lock to `.stet/locks.json`), and remembers the latest per candidate for the page.
final class DecisionDesk: @unchecked Sendable {
    let board: Board
    let recorder: Recorder?
    let locks: LockStore?
    private let lock = NSLock()
    private var latest: [String: CandidateState] = [:]   // "asset/index"

    init(board: Board, recorder: Recorder?, locks: LockStore?) {
        self.board = board; self.recorder = recorder; self.locks = locks
        // Candidates already locked (by path and the same SHA-256) show as locked.
        let existing = (try? locks?.read()) ?? []
        for a in board.assets {
            for c in a.candidates {
                guard let store = locks else { continue }
                let key = store.recordedPath(c.resolved)
                if let l = existing.first(where: { $0.path == key && $0.sha256 == c.sha256 }) {
                    latest["\(a.id)/\(c.index)"] = CandidateState(decision: "lock", locked: true, role: l.role)
                }
            }
        }
    }

    func states(_ asset: Board.Asset) -> [CandidateState] {
        lock.lock(); defer { lock.unlock() }
        return asset.candidates.map { latest["\(asset.id)/\($0.index)"] ?? CandidateState(decision: nil, locked: false, role: nil) }
    }

    struct Request: Decodable {
        var asset: AssetRef
        var file: String
        var decision: String
        var role: String?
    }

    /// `asset` as the API lists it: its number, or its identity.
    enum AssetRef: Decodable {
        case number(Int), identity(String)
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let n = try? c.decode(Int.self) { self = .number(n) } else { self = .identity(try c.decode(String.self)) }
        }
    }

    struct Recorded: Encodable {
        var recorded: Bool
        var asset: Int
        var file: String
        var sha256: String
        var decision: String
        var entry: String?
        var locked: Bool
        var role: String?
        var locksFile: String?
    }

    func handle(_ body: Data) -> Response {
        let req: Request
        do { req = try JSONDecoder().decode(Request.self, from: body) } catch {
            return problem(.badRequest, "expected {\"asset\": ID, \"file\": PATH, \"decision\": \"pick\"|\"reject\"|\"lock\"}")
        }
        guard let kind = ReviewDecision.Kind(rawValue: req.decision), kind != .unlock else {
            return problem(.badRequest, "decision must be pick, reject or lock, not \(req.decision)")
        }
        let asset: Board.Asset?
        switch req.asset {
        case .number(let n): asset = board.asset(n)
        case .identity(let s): asset = board.assets.first { $0.identity == s }
        }
        guard let asset else { return problem(.notFound, "no such asset") }
        guard let c = asset.candidates.first(where: { $0.path == req.file }) else {
            return problem(.forbidden, "\(req.file) is not under review in asset \(asset.id)")
        }
        let role = kind == .lock ? (req.role.flatMap { $0.isEmpty ? nil : $0 } ?? board.options.role) : nil
        if kind == .lock, locks == nil {
            return problem(.conflict, "no .stet/ folder here or above, so there is nowhere to keep locks; run `stet init` first")
        }
        if let role, role.count > 200 || role.contains(where: { $0.isNewline }) {
            return problem(.badRequest, "a role is one line of at most 200 characters")
        }
        let decision = ReviewDecision(kind: kind, asset: asset.identity, assetLabel: asset.label,
                                      candidates: asset.candidates.count, path: c.path, sha256: c.sha256,
                                      model: board.options.model, role: role)
        // Writes one at a time: the ledger takes them in order, and locks.json is read-modify-write.
        lock.lock(); defer { lock.unlock() }
        do {
            // The file must still be the one on the board.
            guard (try? SHA256.hex(ofFile: c.resolved)) == c.sha256 else {
                return problem(.conflict, "\(c.path) changed since the board opened; restart the board")
            }
            var locksFile: String?
            if kind == .lock, let locks {
                try locks.lock(c.resolved, sha256: c.sha256, role: role!, user: Recorder.user, asset: asset.label)
                locksFile = locks.path
            }
            let entry = try recorder?.recordDecision(decision, width: c.width, height: c.height)
            let key = "\(asset.id)/\(c.index)"
            let wasLocked = latest[key]?.locked ?? false
            let locked = kind == .lock || (wasLocked && kind == .pick)
            latest[key] = CandidateState(decision: kind.rawValue, locked: locked,
                                         role: kind == .lock ? role : latest[key]?.role)
            if kind == .reject, wasLocked, let locks {
                // A reject takes a lock back: the file is no longer the one to attach.
                try locks.unlock(c.resolved)
                latest[key]?.locked = false
                locksFile = locks.path
            }
            return json(.created, Recorded(recorded: entry != nil, asset: asset.id, file: c.path, sha256: c.sha256,
                                           decision: kind.rawValue, entry: entry?.uuid, locked: latest[key]!.locked,
                                           role: latest[key]!.role, locksFile: locksFile))
        } catch {
            return problem(.internalServerError, "\(error)")
        }
    }

    /// A full-size JPEG of a candidate in a format browsers cannot show, made once into the cache.
    func fullSize(_ c: Board.Candidate) throws -> String {
        let path = (board.options.cacheFolder as NSString).appendingPathComponent("\(c.sha256)-full.jpg")
        if FileManager.default.fileExists(atPath: path) { return path }
        var o = DraftJob.Options()
        o.size = max(c.width, c.height)
        o.load = board.options.load
        o.encoding.quality = 92
        o.provenance.keep = false   // a cache copy for the browser, not an edit of the user's
        do { try SafeOutput.write(to: path) { tmp in _ = try DraftJob(o).run(input: c.resolved, output: tmp) } } catch let e as StetError {
            throw e.naming(c.path)
        }
        return path
    }
}

/// The page's own files (HTML, script, style), bundled with Stet and served from memory: nothing
/// comes from a CDN, so the page works offline and tells no one what is under review.
struct PageFiles: Sendable {
    var files: [String: (type: String, text: String)]

    static func load() throws -> PageFiles {
        var files: [String: (String, String)] = [:]
        for (name, type) in [("index.html", "text/html; charset=utf-8"), ("board.js", "text/javascript; charset=utf-8"),
                             ("board.css", "text/css; charset=utf-8"), ("favicon.svg", "image/svg+xml")] {
            guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Page"),
                  let text = try? String(contentsOf: url, encoding: .utf8) else {
                throw StetError.input(name, "the review page's file is missing from Stet's resources")
            }
            files[name] = (type, text)
        }
        return PageFiles(files: files)
    }

    func response(_ name: String, token: String) -> Response {
        guard let f = files[name] else { return problem(.notFound, "no such page file") }
        let text = f.text.replacingOccurrences(of: "__TOKEN__", with: token)
        return Response(status: .ok, headers: [.contentType: f.type], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
