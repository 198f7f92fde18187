import ArgumentParser
import CostLedger
import Foundation
import PixelCore
import StetSupport

/// Exit codes: 0 success, 1 a failed input or operation, 2 a usage error.
/// swift-argument-parser uses 64 for usage errors; Stet maps them to 2.
@main
enum Main {
    static func main() {
        // The CLI lets the pixel core keep its libvips module links in the user's cache.
        Vips.moduleCache = (ProcessInfo.processInfo.environment["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (NSHomeDirectory() + "/.cache")) + "/stet"
        let arguments = Array(CommandLine.arguments.dropFirst())
        // Bare `stet` is a usage error: the subcommands, and exit 2.
        if arguments.isEmpty {
            FileHandle.standardError.write(Data((Stet.helpMessage() + "\n").utf8))
            exit(2)
        }
        if let first = arguments.first, !first.hasPrefix("-"), Stet.subcommandNames.contains(first) == false,
           first != "help" {
            let near = Stet.nearestSubcommand(to: first)
            Console.error("unknown command '\(first)'" + (near.map { "; did you mean '\($0)'?" } ?? "")
                + " (stet --help lists the commands)")
            exit(2)
        }
        // A password in a URL on the command line is in every user's `ps`: refused before
        // anything else, and never echoed.
        if let refusal = LedgerURLGuard.refusal(arguments) {
            Console.error(refusal)
            exit(2)
        }
        do {
            var command = try Stet.parseAsRoot()
            try command.run()
        } catch let error as StetError {
            Console.error(error.description)
            exit(error.isUsage ? 2 : 1)
        } catch let error as RecorderError {
            Console.error(error.description)
            exit(1)
        } catch let error as BatchFailure {
            // One input: its own error line was the whole story.
            if error.total > 1 { Console.error(error.description) }
            exit(1)
        } catch {
            let code = Stet.exitCode(for: error)
            if code == .success {
                Stet.exit(withError: error)   // --help, --version
            }
            // Errors thrown from validate() (a bad price card, a read-only ledger) come back
            // wrapped, with swift-argument-parser's "Error: " in front; Stet's lines have no prefix.
            let message = Stet.fullMessage(for: error)
                .replacingOccurrences(of: "^Error: ", with: "", options: .regularExpression)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((Hint.render(message, Hint.flag) + "\n").utf8))
                exit(2)
            }
            Console.error(message)
            exit(1)
        }
    }
}

extension Stet {
    static var subcommandNames: [String] {
        configuration.subcommands.flatMap { [$0._commandName] + $0.configuration.aliases }
    }

    /// The subcommand a misspelling most likely meant: the fewest edits, at most two.
    static func nearestSubcommand(to word: String) -> String? {
        let scored = subcommandNames.map { ($0, editDistance(word.lowercased(), $0)) }.sorted { $0.1 < $1.1 }
        guard let best = scored.first, best.1 <= max(2, best.0.count / 3) else { return nil }
        return best.0
    }

    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var prev = row[0]
            row[0] = i
            for j in 1...max(b.count, 1) where !b.isEmpty {
                let cur = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1))
                prev = cur
            }
        }
        return a.isEmpty ? b.count : row[b.count]
    }
}

/// Thrown at the end of a batch that went on past failed files.
struct BatchFailure: Error, CustomStringConvertible {
    let failed: Int
    let total: Int
    var description: String { "\(failed) of \(total) files failed" }
}
