import ArgumentParser
import CostLedger
import Foundation
import StetSupport

/// `stet locks`: the locked sources of this project (`.stet/locks.json`).
struct LocksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "locks",
        abstract: "List the locked sources in .stet/locks.json: path, SHA-256 and role, and whether the file still matches.",
        discussion: """
        Examples:
          stet locks
          stet locks --json
        """)

    @Flag(help: "One JSON object per lock (JSON Lines).")
    var json = false

    func run() throws {
        let store = try LockStore.find()
        let locks = try store.read()
        for l in locks {
            let path = store.absolutePath(l)
            let now = (try? SHA256.hex(ofFile: path))
            let check = now == nil ? "missing" : now == l.sha256 ? "ok" : "changed"
            if json {
                struct Row: Encodable { var path: String; var sha256: String; var role: String; var lockedAt: String; var user: String; var asset: String?; var check: String }
                Console.json(Row(path: l.path, sha256: l.sha256, role: l.role, lockedAt: l.lockedAt, user: l.user, asset: l.asset, check: check))
            } else {
                Console.out("\(l.role)\t\(l.path)\t\(l.sha256.prefix(12))\t\(check)\t\(l.lockedAt) \(l.user)")
            }
        }
        if locks.isEmpty && !json { Console.status("no locks in \(store.path)") }
    }
}

/// `stet lock FILE --role ROLE`: lock a source from the command line, as `l` on the board does.
struct LockCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lock",
        abstract: "Lock a source file in .stet/locks.json with a role, so a later prompt can attach exactly that file.",
        discussion: """
        Examples:
          stet lock shots/hero-3.png --role "character sheet"
          stet lock world/ref.jpg --role "world reference" --tag client=acme
        """)

    @Argument(help: "The file to lock.")
    var file: String

    @Option(help: ArgumentHelp("What the file is for (\"character sheet\", \"world reference\").", valueName: "role"))
    var role: String

    @OptionGroup var ledgerOptions: LedgerOptions

    static func checkRole(_ role: String) throws {
        guard !role.trimmingCharacters(in: .whitespaces).isEmpty, role.count <= 200, !role.contains(where: \.isNewline) else {
            throw Validate.invalid("one line of 1 to 200 characters", "role", role)
        }
    }

    func validate() throws {
        try usage {
            try LockCommand.checkRole(role)
            if ledgerOptions.avoids != nil || ledgerOptions.spent != nil {
                throw StetError.usage("--avoids and --spent do not apply to stet lock: a lock neither saves nor spends")
            }
        }
    }

    func run() throws {
        let recorder = try ledgerOptions.recorder()
        try LockCommand.checkFile(file)
        let store = try LockStore.find()
        let sha = try SHA256.hex(ofFile: file)
        let lock = try store.lock(file, sha256: sha, role: role, user: Recorder.user)
        try recorder.recordDecision(ReviewDecision(kind: .lock, asset: "", assetLabel: "", candidates: 0, path: file,
                                                   sha256: sha, role: role), operation: "lock")
        Console.out("locked \(lock.path) as \(lock.role) (sha256 \(sha.prefix(12))) in \(store.path)")
    }

    static func checkFile(_ file: String) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file, isDirectory: &isDir) else { throw StetError.input(file, "does not exist") }
        if isDir.boolValue { throw StetError.input(file, "is a folder; lock one file") }
    }
}

/// `stet unlock FILE`.
struct UnlockCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unlock",
        abstract: "Remove a file's lock from .stet/locks.json.",
        discussion: """
        Examples:
          stet unlock shots/hero-3.png
        """)

    @Argument(help: "The locked file (it may be gone from disk).")
    var file: String

    @OptionGroup var ledgerOptions: LedgerOptions

    func run() throws {
        let recorder = try ledgerOptions.recorder()
        let store = try LockStore.find()
        guard let removed = try store.unlock(file) else {
            throw StetError.input(file, "is not locked in \(store.path)")
        }
        if FileManager.default.fileExists(atPath: store.absolutePath(removed)) {
            try recorder.recordDecision(ReviewDecision(kind: .unlock, asset: "", assetLabel: "", candidates: 0,
                                                       path: file, sha256: removed.sha256, role: removed.role),
                                        operation: "unlock")
        }
        Console.out("unlocked \(removed.path) (was \(removed.role))")
    }
}
