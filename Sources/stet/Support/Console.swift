import Foundation
import StetSupport

/// Terminal output. Errors are one line on stderr, prefixed "stet: ".
enum Console {
    static let isTerminal = isatty(STDERR_FILENO) != 0

    static func error(_ message: String) {
        // Core messages carry hints as tokens; the CLI spells them as its flags, here only.
        let line = Hint.render(message, Hint.flag).split(whereSeparator: \.isNewline).joined(separator: " ")
        FileHandle.standardError.write(Data("stet: \(line)\n".utf8))
    }

    static func out(_ message: String) {
        FileHandle.standardOutput.write(Data((message + "\n").utf8))
    }

    static func status(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}

/// A one-line progress bar on stderr, drawn only on a terminal.
final class ProgressBar: @unchecked Sendable {
    private let total: Int
    private var done = 0
    private let lock = NSLock()
    private let enabled: Bool

    init(total: Int, enabled: Bool = Console.isTerminal) {
        self.total = total
        self.enabled = enabled && total > 1
    }

    func tick(_ label: String) {
        lock.lock(); defer { lock.unlock() }
        done += 1
        guard enabled else { return }
        let width = 30
        let filled = total == 0 ? width : width * done / total
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let name = String(label.suffix(30))
        FileHandle.standardError.write(Data("\r[\(bar)] \(done)/\(total) \(name)\u{1B}[K".utf8))
        if done == total { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
