import Foundation
import StetSupport
#if canImport(Glibc)
import Glibc
#endif

/// One locked source: the file a later prompt should attach, by path and SHA-256, and its role.
public struct Lock: Codable, Equatable, Sendable {
    /// Relative to the project folder when the file is inside it, else absolute.
    public var path: String
    public var sha256: String
    public var role: String
    /// When it was locked (UTC, the ledger's form) and by whom.
    public var lockedAt: String
    public var user: String
    /// The board asset it was picked from, if any.
    public var asset: String?

    public init(path: String, sha256: String, role: String, lockedAt: String, user: String, asset: String? = nil) {
        self.path = path; self.sha256 = sha256; self.role = role; self.lockedAt = lockedAt; self.user = user
        self.asset = asset
    }
}

/// `.stet/locks.json` of a project: the locked sources, one per path. Read-modify-write under an
/// exclusive flock on the `.stet/` folder, written to a temporary sibling and renamed into place,
/// so two boards or a board and `stet lock` never lose each other's locks and a crash leaves the
/// old file whole.
public struct LockStore: Sendable {
    public struct File: Codable, Equatable, Sendable {
        public var version: Int
        public var locks: [Lock]
    }

    /// The folder holding `.stet/`.
    public let project: String
    public var path: String { (project as NSString).appendingPathComponent("\(LedgerLocation.folderName)/locks.json") }

    public init(project: String) { self.project = project }

    /// The store of the nearest project at or above `cwd`; an error naming the folder when there is none.
    public static func find(from cwd: String = FileManager.default.currentDirectoryPath) throws -> LockStore {
        guard let project = LedgerLocation.findProject(from: cwd) else {
            throw StetError.input(cwd, "no .stet/ folder here or above, so there is nowhere to keep locks; run `stet init` first")
        }
        return LockStore(project: project)
    }

    /// The path as locks.json records it: relative to the project when inside it.
    public func recordedPath(_ file: String) -> String {
        let abs = URL(fileURLWithPath: file).standardizedFileURL.resolvingSymlinksInPath().path
        let root = URL(fileURLWithPath: project).standardizedFileURL.resolvingSymlinksInPath().path
        if abs.hasPrefix(root + "/") { return String(abs.dropFirst(root.count + 1)) }
        return abs
    }

    /// The absolute path of a recorded lock.
    public func absolutePath(_ lock: Lock) -> String {
        lock.path.hasPrefix("/") ? lock.path : (project as NSString).appendingPathComponent(lock.path)
    }

    public func read() throws -> [Lock] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        guard let data = FileManager.default.contents(atPath: path) else { throw StetError.input(path, "cannot be read") }
        do { return try JSONDecoder().decode(File.self, from: data).locks } catch {
            throw StetError.input(path, "is not a Stet locks file (expected {\"version\": 1, \"locks\": [...]})")
        }
    }

    /// Adds or replaces the lock on `file`; returns it.
    @discardableResult
    public func lock(_ file: String, sha256: String, role: String, user: String, asset: String? = nil,
                     time: Date = Date()) throws -> Lock {
        let entry = Lock(path: recordedPath(file), sha256: sha256, role: role, lockedAt: LedgerTime.string(time),
                         user: user, asset: asset)
        try update { locks in
            locks.removeAll { $0.path == entry.path }
            locks.append(entry)
        }
        return entry
    }

    /// Removes the lock on `file`; returns it, or nil when the file was not locked.
    @discardableResult
    public func unlock(_ file: String) throws -> Lock? {
        let key = recordedPath(file)
        var removed: Lock?
        try update { locks in
            removed = locks.first { $0.path == key }
            locks.removeAll { $0.path == key }
        }
        return removed
    }

    private func update(_ change: (inout [Lock]) throws -> Void) throws {
        let folder = (path as NSString).deletingLastPathComponent
        let fd = Glibc.open(folder, O_RDONLY | O_DIRECTORY)
        guard fd >= 0 else { throw StetError.output(path, "folder \(folder) cannot be opened") }
        flock(fd, LOCK_EX)
        defer { flock(fd, LOCK_UN); close(fd) }
        var locks = try read()
        try change(&locks)
        locks.sort { $0.path < $1.path }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(File(version: 1, locks: locks))
        data.append(0x0A)
        try SafeOutput.write(data, to: path)
    }
}
