#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// One finished child process: wall time from spawn to reap, CPU time and peak memory.
struct Measurement: Codable {
    var seconds: Double
    /// `ru_maxrss` from `wait4`: the largest resident set of the child or of any descendant it
    /// waited for (so a shell loop over `convert` reports the largest `convert`), in bytes.
    var peakRSSBytes: Int
    var userSeconds: Double
    var systemSeconds: Double
    var cpuSeconds: Double { userSeconds + systemSeconds }
}

/// Runs a command as a child with `posix_spawn` and reaps it with `wait4`, whose `rusage`
/// gives that one child's peak RSS (Foundation's `Process` cannot), children included.
enum ProcessRunner {
    /// Runs `argv` (argv[0] is looked up on PATH when it has no slash) with the current
    /// environment plus `environment`. Standard output and error go to `log`; a non-zero exit
    /// throws with the log's last lines, because a failed tool must not count as a fast one.
    static func run(_ argv: [String], environment: [String: String] = [:], log: String) throws -> Measurement {
        precondition(!argv.isEmpty)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            cArgs.forEach { free($0) }
            cEnv.forEach { free($0) }
        }

        var pid: pid_t = 0
        let start = monotonicSeconds()
        let rc = cArgs.withUnsafeBufferPointer { a in
            cEnv.withUnsafeBufferPointer { e in
                posix_spawnp(&pid, argv[0], &actions, nil, a.baseAddress!, e.baseAddress!)
            }
        }
        guard rc == 0 else {
            throw BenchError.failed("cannot start \(argv[0]): \(String(cString: strerror(rc)))")
        }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw BenchError.failed("wait4 failed for \(argv[0])") }
        }
        let seconds = monotonicSeconds() - start

        // WIFEXITED / WEXITSTATUS are macros Swift cannot import.
        let exited = (status & 0x7f) == 0
        let code = (status >> 8) & 0xff
        guard exited && code == 0 else {
            let tail = (try? String(contentsOfFile: log, encoding: .utf8))?
                .split(separator: "\n").suffix(3).joined(separator: " | ") ?? ""
            let how = exited ? "exited \(code)" : "killed by signal \(status & 0x7f)"
            throw BenchError.failed("\(argv.prefix(3).joined(separator: " ")) ... \(how): \(tail)")
        }
        return Measurement(
            seconds: seconds,
            peakRSSBytes: maxRSSBytes(usage),
            userSeconds: Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6,
            systemSeconds: Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6)
    }

    static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Linux reports `ru_maxrss` in kilobytes, macOS in bytes.
    private static func maxRSSBytes(_ usage: rusage) -> Int {
        #if os(Linux)
        return Int(usage.ru_maxrss) * 1024
        #else
        return Int(usage.ru_maxrss)
        #endif
    }
}
