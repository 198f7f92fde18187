import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension SafeOutput {
    /// Removes the temporaries that killed Stet runs left in `folder`, and returns their names.
    ///
    /// A run killed with SIGKILL (or by a power cut) between creating its temporary sibling and
    /// renaming it into place leaves `.NAME.stet-tmp-PID-TOKEN.ext` behind; no code of its own
    /// can run to remove it. The next run that writes into the same folder removes it instead,
    /// and only when it is certainly stale:
    /// - the name is exactly Stet's own pattern (a leading dot, `.stet-tmp-`, a decimal PID, a
    ///   base-36 token, then nothing or an extension), and it is a regular file, not a folder
    ///   or a symlink;
    /// - the process in the name is gone, or is a zombie (it can write nothing more), or
    ///   started after the file was last modified, so it is another process that reuses the
    ///   PID (Linux; with a 2 s margin, as the boot time in /proc/stat has whole seconds).
    /// A temporary of a live run, including this process's own other threads, is kept.
    /// Only the folder given is looked at, never its subfolders. Limit: a writer in another
    /// PID namespace (a container sharing the folder) has a PID this process cannot see.
    @discardableResult
    public static func removeStaleTemporaries(in folder: String) -> [String] {
        let dir = folder.isEmpty ? "." : folder
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return [] }
        var removed: [String] = []
        for name in names {
            guard let pid = temporaryOwner(name) else { continue }
            let path = (dir as NSString).appendingPathComponent(name)
            var st = stat()
            guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
            let modified = Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9
            guard ProcessLiveness.isStale(pid: pid, modified: modified) else { continue }
            if unlink(path) == 0 { removed.append(name) }
        }
        return removed
    }

    /// The PID in a name of the form `temporaryPath` makes, or nil for any other name.
    public static func temporaryOwner(_ name: String) -> pid_t? {
        guard name.hasPrefix("."), let marker = name.range(of: ".stet-tmp-", options: .backwards),
              marker.lowerBound > name.index(after: name.startIndex) else { return nil }
        let rest = name[marker.upperBound...]
        let idPart = rest.prefix { $0 != "." }
        let ext = rest.dropFirst(idPart.count)
        let pieces = idPart.split(separator: "-", omittingEmptySubsequences: false)
        guard pieces.count == 2, !pieces[0].isEmpty, pieces[0].count <= 10,
              pieces[0].allSatisfy({ $0.isASCII && $0.isNumber }),
              (1...13).contains(pieces[1].count),
              pieces[1].allSatisfy({ $0.isASCII && ($0.isNumber || ("a"..."z").contains($0)) }),
              ext.isEmpty || (ext.count > 1 && !ext.contains("/") && !ext.dropFirst().contains(".")),
              let pid = Int32(pieces[0]), pid > 0 else { return nil }
        return pid
    }
}

/// Runs `removeStaleTemporaries` once per folder per process, from `temporaryPath`: a batch
/// that writes a thousand proxies into one folder lists it once.
enum StaleTemporaries {
    private final class Seen: @unchecked Sendable {
        let lock = NSLock()
        var folders = Set<String>()
    }
    private static let seen = Seen()

    static func cleanOnce(_ folder: String) {
        let key = URL(fileURLWithPath: folder.isEmpty ? "." : folder).standardizedFileURL.path
        seen.lock.lock()
        let first = seen.folders.insert(key).inserted
        seen.lock.unlock()
        if first { SafeOutput.removeStaleTemporaries(in: folder) }
    }
}

enum ProcessLiveness {
    /// Whether a file last modified at `modified` (seconds since 1970) and named for `pid`
    /// can no longer be written by the process that made it.
    static func isStale(pid: pid_t, modified: Double) -> Bool {
        if kill(pid, 0) != 0 && errno == ESRCH { return true }
        #if os(Linux)
        guard let info = procStat(pid) else { return false }
        if info.state == "Z" || info.state == "X" { return true }
        return modified < info.started - 2
        #else
        return false
        #endif
    }

    #if os(Linux)
    /// State letter and start time (seconds since 1970) of a process, from /proc.
    static func procStat(_ pid: pid_t) -> (state: Character, started: Double)? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.range(of: ")", options: .backwards) else { return nil }
        // After "(comm)": field 3 (state) ... field 22 (starttime, clock ticks since boot).
        let fields = text[close.upperBound...].split(separator: " ")
        guard fields.count > 19, let state = fields[0].first, let ticks = Double(fields[19]),
              let boot = bootTime else { return nil }
        let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
        guard hz > 0 else { return nil }
        return (state, boot + ticks / hz)
    }

    /// `btime` in /proc/stat: when the machine booted, in whole seconds since 1970.
    static let bootTime: Double? = {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst(6).trimmingCharacters(in: .whitespaces))
        }
        return nil
    }()
    #endif
}
