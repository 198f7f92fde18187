import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Every output Stet writes goes to a temporary sibling first and is renamed into place,
/// so a failure never leaves a partial file and never truncates an existing one.
/// An output that resolves to one of the inputs (same path, a symlink to it, or a hard link)
/// is refused before anything is written.
public enum SafeOutput {
    /// A sibling temporary path that keeps the extension (libvips picks its saver from it):
    /// `.NAME.stet-tmp-PID-TOKEN.ext`. The first time a process asks for one in a folder, the
    /// temporaries that killed runs left there are removed first (`removeStaleTemporaries`).
    public static func temporaryPath(for path: String) -> String {
        let url = URL(fileURLWithPath: path)
        let dir = url.deletingLastPathComponent().path
        StaleTemporaries.cleanOnce(dir)
        let ext = url.pathExtension
        let base = url.deletingPathExtension().lastPathComponent
        let token = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let name = ".\(base).stet-tmp-\(getpid())-\(token)" + (ext.isEmpty ? "" : ".\(ext)")
        return (dir as NSString).appendingPathComponent(name)
    }

    /// Runs `write` against a temporary sibling, then renames it onto `path`.
    /// The temporary file is removed on every failure path.
    public static func write(to path: String, _ write: (String) throws -> Void) throws {
        let dir = FilePath.parent(path)
        let parent = dir.isEmpty ? "." : dir
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: parent, isDirectory: &isDir), isDir.boolValue else {
            throw StetError.output(path, "folder \(parent) does not exist")
        }
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), isDir.boolValue {
            throw StetError.output(path, "is a folder")
        }
        let tmp = temporaryPath(for: path)
        do {
            try write(tmp)
            guard rename(tmp, path) == 0 else {
                let reason = String(cString: strerror(errno))
                throw StetError.output(path, "cannot be renamed into place: \(reason)")
            }
        } catch {
            unlink(tmp)
            throw outputError(error, temporary: tmp, path: path)
        }
    }

    /// A failure that names the temporary (a full disk, a file-size limit: libvips says
    /// "VipsForeignSavePngFile: DIR/.NAME.stet-tmp-...: write error; unix error: No space left
    /// on device; ...") re-addressed to the user's output path, one short line:
    /// "PATH: cannot be written: No space left on device". In any other error the temporary
    /// name is replaced by PATH.
    public static func outputError(_ error: Error, temporary tmp: String, path: String) -> Error {
        let text = "\(error)"
        guard text.contains(tmp) else { return error }
        if let r = text.range(of: "unix error: ") {
            let reason = text[r.upperBound...].prefix { $0 != ";" }.trimmingCharacters(in: .whitespaces)
            return StetError.output(path, "cannot be written: \(reason)")
        }
        // No system error: most likely the input failed to decode while the lazy pipeline
        // saved; keep the error's kind (the caller names the input) and only the user's path.
        func fix(_ t: String) -> String { t.replacingOccurrences(of: tmp, with: path) }
        switch error as? StetError {
        case let .operation(name, message)?: return StetError.operation(name, fix(message))
        case let .input(p, message)?: return StetError.input(fix(p), fix(message))
        case let .output(p, message)?: return StetError.output(fix(p), fix(message))
        case let .file(role, message)?: return StetError.file(role, fix(message))
        case let .usage(message)?: return StetError.usage(fix(message))
        case nil: return StetError.output(path, "cannot be written: " + fix(text))
        }
    }

    /// Writes bytes atomically (JSON sidecars, manifests).
    public static func write(_ data: Data, to path: String) throws {
        try write(to: path) { tmp in
            guard FileManager.default.createFile(atPath: tmp, contents: data) else {
                throw StetError.output(path, "cannot be written")
            }
        }
    }

    /// Throws if `output` is the same file as any input: by resolved path, or by device and
    /// inode when it already exists (a hard link has another path but the same inode).
    public static func refuseOverwritingInputs(output: String, inputs: [String]) throws {
        let outResolved = resolve(output)
        let outID = identity(output)
        for input in inputs {
            if resolve(input) == outResolved || (outID != nil && identity(input) == outID) {
                throw StetError.usage("Output \(output) is also an input; choose another output path")
            }
        }
    }

    /// A path with symlinks resolved, also for a file that does not exist yet
    /// (its folder is resolved instead).
    public static func resolve(_ path: String) -> String {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        if FileManager.default.fileExists(atPath: url.path) {
            return url.resolvingSymlinksInPath().path
        }
        let parent = url.deletingLastPathComponent().resolvingSymlinksInPath()
        return parent.appendingPathComponent(url.lastPathComponent).path
    }

    private struct FileID: Equatable { let dev: UInt64; let ino: UInt64 }

    private static func identity(_ path: String) -> FileID? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return FileID(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino))
    }
}
