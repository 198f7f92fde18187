import ArgumentParser
import CostLedger
import Foundation
import StetSupport

/// Options every command shares for the cost-avoidance log. They become one `Recorder` per
/// process (`recorder()`), which checks the card, `--avoids` and the ledger before any work.
struct LedgerOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Ledger to record into: an SQLite file, or a postgresql:// URL (no password; use PGPASSWORD or ~/.pgpass).",
        discussion: "Default: $STET_LEDGER, else $STET_LEDGER_URL, else url in .stet/config.toml, else .stet/ledger.sqlite in the nearest folder upward that has a .stet/, else $XDG_DATA_HOME/stet/ledger.sqlite.",
        valueName: "path|url"))
    var ledger: String?

    @Flag(name: .customLong("no-log"), help: "Record nothing in the cost-avoidance log (also STET_NO_LOG=1); the ledger is not even opened.")
    var noLog = false

    @Option(help: ArgumentHelp(
        "What this use replaced: a model or tier from the price card, optionally at a price tier and with a count (final, flux-pro x2, gpt-image-1@1536x1024/high), or none.",
        discussion: "Default: the price card's [avoids] entry for this operation, once per unit (reframe: per distinct render); a model priced by size is priced at the smallest tier covering the largest output, one priced per second for a clip's duration.",
        valueName: "model[@tier][xN]|none"))
    var avoids: String?

    @Option(name: .customLong("tag"), help: ArgumentHelp("A key=value tag for the ledger entry (repeatable).", valueName: "key=value"))
    var tags: [String] = []

    @Option(help: ArgumentHelp("Money this use did cost, in the price card's currency (e.g. a paid inpaint call on a cropped region).", valueName: "amount"))
    var spent: Double?

    func validate() throws {
        try usage {
            _ = try parsedTags()
            if let spent, !(spent.isFinite && spent >= 0) { throw Validate.invalid("non-negative amount", "spent", spent) }
        }
        // A bad card, a bad --avoids or a ledger that cannot be written stops the command
        // before it does any work, not after its outputs are written.
        do { _ = try recorder() } catch let error as StetError where error.isUsage {
            throw ValidationError(error.rendered())
        }
    }

    /// --no-log, or STET_NO_LOG set to anything but 0 or empty.
    var loggingDisabled: Bool {
        if noLog { return true }
        let env = ProcessInfo.processInfo.environment["STET_NO_LOG"] ?? ""
        return !env.isEmpty && env != "0"
    }

    var location: LedgerLocation { LedgerLocation.resolve(explicit: ledger) }

    /// The process's one recorder for these options (made once, checked once).
    func recorder() throws -> Recorder {
        let settings = Recorder.Settings(ledger: ledger, enabled: !loggingDisabled, avoids: avoids,
                                         tags: try parsedTags(), spent: spent,
                                         commandLine: LedgerOptions.commandLine, version: StetVersion.current)
        let recorder = try RecorderCache.shared.recorder(settings)
        if recorder.onBudgetWarning == nil { recorder.onBudgetWarning = { Console.warning($0) } }
        return recorder
    }

    func parsedTags() throws -> [String: String] { try Tags.parse(tags) }

    /// The command line as a shell would re-run it.
    static var commandLine: String {
        CommandLine.arguments.enumerated().map { i, arg in
            let a = i == 0 ? "stet" : arg
            if a.isEmpty { return "''" }
            if a.range(of: #"^[A-Za-z0-9_@%+=:,./-]+$"#, options: .regularExpression) != nil { return a }
            return "'" + a.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }.joined(separator: " ")
    }
}

/// One recorder per process: `validate()` makes it and `run()` uses the same one.
final class RecorderCache: @unchecked Sendable {
    static let shared = RecorderCache()
    private var made: Recorder?
    private let lock = NSLock()
    func recorder(_ settings: Recorder.Settings) throws -> Recorder {
        lock.lock(); defer { lock.unlock() }
        if let made { return made }
        made = try Recorder(settings)
        return made!
    }
}

/// Reading commands (savings, export, prices) name a ledger the same way, without recording.
struct LedgerPathOption: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Ledger to read: an SQLite file, or a postgresql:// URL (no password; use PGPASSWORD or ~/.pgpass).",
        discussion: "Default: $STET_LEDGER, else $STET_LEDGER_URL, else url in .stet/config.toml, else .stet/ledger.sqlite in the nearest folder upward that has a .stet/, else $XDG_DATA_HOME/stet/ledger.sqlite.",
        valueName: "path|url"))
    var ledger: String?

    var location: LedgerLocation { LedgerLocation.resolve(explicit: ledger) }
}
