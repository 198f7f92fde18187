import Dispatch
import Foundation
import StetSupport

/// SHA-256 digests of a command's input files, started on a background thread when the
/// command starts, so that hashing overlaps the pixel work instead of following it (the
/// ledger records every input's digest; hashing is most of what logging costs). Inputs are
/// never written by the command that reads them (outputs that resolve to an input are
/// refused), so a digest taken early is the digest at the end.
final class InputHashes: @unchecked Sendable {
    static let shared = InputHashes()

    private let lock = NSLock()
    private var pending: [String: DispatchGroup] = [:]
    private var digests: [String: Result<String, Error>] = [:]

    /// Starts hashing each path not already started.
    func start(_ paths: [String]) {
        for path in paths {
            lock.lock()
            if pending[path] != nil { lock.unlock(); continue }
            let group = DispatchGroup()
            pending[path] = group
            lock.unlock()
            group.enter()
            DispatchQueue.global(qos: .utility).async {
                let result = Result { try SHA256.hex(ofFile: path) }
                self.lock.lock(); self.digests[path] = result; self.lock.unlock()
                group.leave()
            }
        }
    }

    /// The digest of `path`: the one started earlier (waiting for it if need be), else
    /// computed now.
    func digest(_ path: String) throws -> String {
        lock.lock()
        let group = pending[path]
        lock.unlock()
        guard let group else { return try SHA256.hex(ofFile: path) }
        group.wait()
        lock.lock()
        defer { lock.unlock() }
        return try digests[path]!.get()
    }
}
