import Foundation
import StetSupport

/// Terminal output. Results go to stdout; errors (one line, prefixed "stet: "), warnings,
/// progress and summaries go to stderr, the same in every command.
enum Console {
    static let isTerminal = isatty(STDERR_FILENO) != 0
    private static let lock = NSLock()

    static func error(_ message: String) {
        // Core messages carry hints as tokens; the CLI spells them as its flags, here only.
        // Standard input and output pass through private temporary files; the user said "-".
        let line = StandardStreams.userNames(in: Hint.render(message, Hint.flag))
            .split(whereSeparator: \.isNewline).joined(separator: " ")
        write(FileHandle.standardError, "stet: \(line)\n")
    }

    static func warning(_ message: String) {
        write(FileHandle.standardError, "warning: \(Hint.render(message, Hint.flag))\n")
    }

    static func out(_ message: String) {
        write(FileHandle.standardOutput, message + "\n")
    }

    static func status(_ message: String) {
        write(FileHandle.standardError, message + "\n")
    }

    /// One JSON object on one line of stdout (JSON Lines).
    static func json<T: Encodable>(_ value: T) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return }
        write(FileHandle.standardOutput, String(decoding: data, as: UTF8.self) + "\n")
    }

    /// An error as one line that names the file it happened to.
    static func describe(_ error: Error, naming path: String) -> String {
        if let e = error as? StetError { return e.naming(path).rendered() }
        return "\(path): \(error)"
    }

    private static func write(_ handle: FileHandle, _ text: String) {
        lock.lock(); defer { lock.unlock() }
        handle.write(Data(text.utf8))
    }
}

/// A one-line progress bar on stderr, drawn only on a terminal: files done of a batch, or the
/// share done of a single long job.
final class ProgressBar: @unchecked Sendable {
    private let total: Int
    private var done = 0
    private var lastDrawn = -1
    private var started: Date?
    private let lock = NSLock()
    let enabled: Bool
    /// Seconds a single job runs before its bar appears.
    let delay: TimeInterval = 1

    init(total: Int, enabled: Bool = Console.isTerminal) {
        self.total = total
        self.enabled = enabled
    }

    func tick(_ label: String) {
        lock.lock(); defer { lock.unlock() }
        done += 1
        guard enabled, total > 1 else { return }
        draw(Double(done) / Double(max(total, 1)), "\(done)/\(total) \(String(label.suffix(30)))")
        if done == total { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    /// A single job's share done, 0...1. Drawn only once the job has run for `delay` seconds
    /// (a job that ends sooner shows no bar), then at each whole percent; cleared at 100%.
    func fraction(_ share: Double) {
        lock.lock(); defer { lock.unlock() }
        guard enabled else { return }
        let now = Date()
        if started == nil { started = now }
        let percent = Int(share * 100)
        if percent >= 100 {
            if lastDrawn >= 0 { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            lastDrawn = -1
            return
        }
        guard percent != lastDrawn, now.timeIntervalSince(started!) >= delay else { return }
        lastDrawn = percent
        draw(share, "\(percent)%")
    }

    private func draw(_ share: Double, _ label: String) {
        let width = 30
        let filled = min(width, Int(Double(width) * share))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        FileHandle.standardError.write(Data("\r[\(bar)] \(label)\u{1B}[K".utf8))
    }
}
