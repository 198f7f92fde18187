import CostLedger
import Foundation
import PixelCore
import StetSupport

/// What the board shows: assets (a folder, a drafts manifest, a grid map, or the loose files
/// given), each with its candidates, their proxies (made with `DraftJob`, cached by the
/// source's SHA-256), sizes, SHA-256s and dHashes, and near-duplicates folded into stacks.
public struct Board: Sendable {
    public struct Options: Sendable {
        /// The proxies' longest edge: what the wipe shows.
        public var proxySize = 1024
        /// Longest edges of the smaller grid proxies, made from the proxy and cached beside it.
        /// The page's grid shows the smallest one that fills its cell, so a board of 64 does not
        /// make the browser decode 64 proxies of 1024 px to show them at 200 (issue 16). Sizes
        /// not below `proxySize` are left out.
        public var gridSizes = [256, 512]
        /// Candidates whose dHashes differ in at most this many of 64 bits fold into one stack.
        public var foldDistance = 6
        /// The model that made the candidates, recorded with each decision.
        public var model = ""
        /// The role a lock from the board records.
        public var role = "reference"
        public var load: LoadOptions = .strict
        /// Where proxies are kept (`.stet/cache/review` in a project, else a temporary folder).
        public var cacheFolder: String
        public var jobs = ProcessInfo.processInfo.activeProcessorCount
        public init(cacheFolder: String) { self.cacheFolder = cacheFolder }
    }

    /// A grid proxy: a smaller copy of the proxy.
    public struct Thumb: Sendable {
        /// The longest edge it was made for (the URL names it).
        public var size: Int
        public var path: String
        public var width: Int
        public var height: Int
    }

    public struct Candidate: Sendable {
        /// 1-based position in its asset.
        public var index: Int
        /// The path as given (or as the manifest recorded it): the board's name for the file.
        public var path: String
        /// The file actually read (symlinks resolved).
        public var resolved: String
        public var sha256: String
        public var width: Int
        public var height: Int
        public var bytes: Int64
        public var proxy: String
        public var proxyWidth: Int
        public var proxyHeight: Int
        /// Grid proxies, smallest first.
        public var thumbs: [Thumb]
        public var hash: PerceptualHash
        /// 1-based stack this candidate belongs to.
        public var stack: Int
    }

    public struct Asset: Sendable {
        public var id: Int
        public var label: String
        public var kind: String
        /// `ReviewDecision.assetIdentity` of its candidates.
        public var identity: String
        public var candidates: [Candidate]
        /// Candidate indices per stack, in order.
        public var stacks: [[Int]]
    }

    public var assets: [Asset]
    public var options: Options
    /// Files left out, with why (a symlink that leads outside its folder, say).
    public var skipped: [String]

    /// A source before it is decoded.
    struct Source { var path: String; var resolved: String }
    struct Pending { var label: String; var kind: String; var sources: [Source] }

    /// Reads the inputs and makes every proxy and hash. Errors name the input file.
    public static func prepare(_ inputs: [String], options: Options, progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> Board {
        var skipped: [String] = []
        let pending = try collect(inputs, skipped: &skipped)
        try FileManager.default.createDirectory(atPath: options.cacheFolder, withIntermediateDirectories: true)
        let flat = pending.flatMap(\.sources)
        let done = DoneCounter()
        let made = try ParallelMap.all(flat.count, workers: max(1, options.jobs)) { i -> Candidate in
            let c = try makeCandidate(flat[i], options: options)
            progress?(done.next(), flat.count)
            return c
        }
        var assets: [Asset] = []
        var k = 0
        for p in pending {
            var cands = Array(made[k..<(k + p.sources.count)])
            k += p.sources.count
            for i in cands.indices { cands[i].index = i + 1 }
            let groups = PerceptualHash.fold(cands.map(\.hash), maxDistance: options.foldDistance)
            for (s, g) in groups.enumerated() { for i in g { cands[i].stack = s + 1 } }
            assets.append(Asset(id: assets.count + 1, label: p.label, kind: p.kind,
                                identity: ReviewDecision.assetIdentity(cands.map(\.sha256)), candidates: cands,
                                stacks: groups.map { $0.map { $0 + 1 } }))
        }
        return Board(assets: assets, options: options, skipped: skipped)
    }

    final class DoneCounter: @unchecked Sendable {
        private var n = 0
        private let lock = NSLock()
        func next() -> Int { lock.lock(); defer { lock.unlock() }; n += 1; return n }
    }

    static let imageExtensions: Set<String> = ["jpg", "jpeg", "png", "webp", "tif", "tiff", "gif", "heic", "heif", "avif", "jxl"]

    static func realPath(_ path: String) -> String? {
        guard let r = realpath(path, nil) else { return nil }
        defer { free(r) }
        return String(cString: r)
    }

    /// Inputs into assets: a folder's images (a symlink leading outside the folder is left out),
    /// a drafts manifest's or grid map's sources, and the loose files together.
    static func collect(_ inputs: [String], skipped: inout [String]) throws -> [Pending] {
        var pending: [Pending] = []
        var loose: [Source] = []
        let fm = FileManager.default
        for input in inputs {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: input, isDirectory: &isDir) else { throw StetError.input(input, "does not exist") }
            guard let real = realPath(input) else { throw StetError.input(input, "cannot be resolved") }
            if isDir.boolValue {
                guard let names = try? fm.contentsOfDirectory(atPath: input) else { throw StetError.input(input, "folder cannot be read") }
                var sources: [Source] = []
                for name in names.sorted() where !name.hasPrefix(".")
                    && imageExtensions.contains((name as NSString).pathExtension.lowercased()) {
                    let path = input.hasSuffix("/") ? input + name : input + "/" + name
                    guard let r = realPath(path) else { continue }
                    var d: ObjCBool = false
                    guard fm.fileExists(atPath: r, isDirectory: &d), !d.boolValue else { continue }
                    guard r.hasPrefix(real + "/") else {
                        skipped.append("\(path): leads outside \(input) (\(r)); left out")
                        continue
                    }
                    sources.append(Source(path: path, resolved: r))
                }
                guard !sources.isEmpty else { throw StetError.input(input, "folder has no images") }
                pending.append(Pending(label: input, kind: "folder", sources: sources))
            } else if (input as NSString).pathExtension.lowercased() == "json" {
                guard let data = fm.contents(atPath: input) else { throw StetError.input(input, "cannot be read") }
                let base = (input as NSString).deletingLastPathComponent
                var records: [FileRecord]
                var kind: String
                if let m = try? JSONDecoder().decode(DraftManifest.self, from: data) {
                    records = m.proxies.map(\.source); kind = "drafts"
                } else if let g = try? JSONDecoder().decode(GridMap.self, from: data) {
                    records = g.cells.sorted { $0.index < $1.index }.map(\.source); kind = "grid"
                } else {
                    throw StetError.input(input, "is neither a drafts manifest (stet draft --manifest) nor a grid map (stet grid)")
                }
                guard !records.isEmpty else { throw StetError.input(input, "lists no sources") }
                var sources: [Source] = []
                for rec in records {
                    // Recorded relative to where the command ran; else beside the manifest.
                    var path = rec.path
                    if !fm.fileExists(atPath: path), !path.hasPrefix("/") {
                        path = (base.isEmpty ? "." : base) + "/" + rec.path
                    }
                    guard let r = realPath(path) else {
                        throw StetError.input(input, "source \(rec.path) does not exist")
                    }
                    sources.append(Source(path: path, resolved: r))
                }
                pending.append(Pending(label: input, kind: kind, sources: sources))
            } else {
                loose.append(Source(path: input, resolved: real))
            }
        }
        if !loose.isEmpty { pending.append(Pending(label: loose.count == 1 ? loose[0].path : "\(loose.count) files", kind: "files", sources: loose)) }
        guard !pending.isEmpty else { throw StetError.usage("Expected at least one folder, drafts manifest, grid map or image") }
        return pending
    }

    static func makeCandidate(_ s: Source, options: Options) throws -> Candidate {
        let sha = try SHA256.hex(ofFile: s.resolved)
        let proxy = (options.cacheFolder as NSString).appendingPathComponent("\(sha)-\(options.proxySize).jpg")
        var draft = DraftJob.Options()
        draft.size = options.proxySize
        draft.load = options.load
        draft.provenance.keep = false   // a cache proxy, not an edit of the user's
        let header: (Int, Int)
        if FileManager.default.fileExists(atPath: proxy) {
            let info: Image
            do { info = try Load(s.resolved, options: options.load).run() } catch let e as StetError { throw e.naming(s.path) }
            header = info.uprightSize
        } else {
            do {
                let (result, _) = try SafeOutputProxy.write(proxy) { tmp in try DraftJob(draft).run(input: s.resolved, output: tmp) }
                header = (result.sourceWidth, result.sourceHeight)
            } catch let e as StetError {
                throw e.naming(s.path).renamed(from: s.resolved, to: s.path)
            }
        }
        let shown = try Load(proxy, options: .strict).run()
        let hash = try PerceptualHash(file: proxy)
        let thumbs = try makeThumbs(proxy: proxy, sha: sha, options: options)
        return Candidate(index: 0, path: s.path, resolved: s.resolved, sha256: sha, width: header.0, height: header.1,
                         bytes: fileSize(s.resolved), proxy: proxy, proxyWidth: shown.width, proxyHeight: shown.height,
                         thumbs: thumbs, hash: hash, stack: 0)
    }

    /// The grid proxies of one candidate, each shrunk from its proxy (a few milliseconds, not a
    /// second decode of the source) and cached by the source's SHA-256 like the proxy.
    static func makeThumbs(proxy: String, sha: String, options: Options) throws -> [Thumb] {
        try Set(options.gridSizes).filter { $0 > 0 && $0 < options.proxySize }.sorted().map { size in
            let path = (options.cacheFolder as NSString).appendingPathComponent("\(sha)-\(options.proxySize)-\(size).jpg")
            if FileManager.default.fileExists(atPath: path) {
                let info = try Load(path, options: .strict).run()
                return Thumb(size: size, path: path, width: info.width, height: info.height)
            }
            var draft = DraftJob.Options()
            draft.size = size
            let (result, _) = try SafeOutputProxy.write(path) { tmp in try DraftJob(draft).run(input: proxy, output: tmp) }
            return Thumb(size: size, path: path, width: result.width, height: result.height)
        }
    }

    public func asset(_ id: Int) -> Asset? { assets.indices.contains(id - 1) ? assets[id - 1] : nil }
}

/// Proxies are written to a temporary sibling and renamed into place, so a board killed while
/// making one never leaves a half proxy in the cache for the next board.
enum SafeOutputProxy {
    static func write<T>(_ path: String, _ body: (String) throws -> T) throws -> T {
        var result: T?
        try SafeOutput.write(to: path) { tmp in result = try body(tmp) }
        return result!
    }
}

extension StetError {
    /// The same error with a resolved path replaced by the name the user gave.
    func renamed(from: String, to: String) -> StetError {
        guard from != to else { return self }
        switch self {
        case .input(let p, let m): return .input(p == from ? to : p, m)
        default: return self
        }
    }
}
