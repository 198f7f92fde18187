import ArgumentParser
import CostLedger
import Foundation
import StetSupport

/// `stet ledger push [--to URL] [--ledger LOCAL]`: send a local SQLite ledger's entries to the
/// team's PostgreSQL server.
struct LedgerPush: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Send this machine's ledger entries to the team's PostgreSQL ledger (entries already there are skipped).",
        discussion: """
            Entries go in batches of 1000, one transaction each, and each entry keeps its uuid, so
            pushing twice adds nothing and a push that was interrupted is finished by pushing again.
            The server's password comes from PGPASSWORD, ~/.pgpass (PGPASSFILE) or STET_LEDGER_URL,
            never from the command line.
            Examples:
              stet ledger push --to postgresql://ana@ledger.example.com/stet
              STET_LEDGER_URL=postgresql://ana@ledger.example.com/stet stet ledger push --ledger ~/old.sqlite
            """)

    @Option(help: ArgumentHelp("The team ledger: a postgresql:// URL (or another SQLite file). Default: $STET_LEDGER_URL, else url in .stet/config.toml.",
                               valueName: "url"))
    var to: String?

    @Option(help: ArgumentHelp("The local ledger to send. Default: $STET_LEDGER, else .stet/ledger.sqlite in the nearest folder upward that has a .stet/, else $XDG_DATA_HOME/stet/ledger.sqlite.",
                             valueName: "path"))
    var ledger: String?

    func validate() throws {
        try usage {
            if let ledger, PostgresURL.isURL(ledger) {
                throw StetError.usage("--ledger: expected the local SQLite ledger to push from, but received a URL; name the server with --to")
            }
            if target == nil {
                throw StetError.usage("Expected --to URL, or STET_LEDGER_URL, or url in .stet/config.toml: where to push")
            }
        }
    }

    /// The server: --to, else STET_LEDGER_URL, else the project's config.toml.
    var target: String? {
        if let to, !to.isEmpty { return to }
        let env = ProcessInfo.processInfo.environment
        if let url = env["STET_LEDGER_URL"], !url.isEmpty { return url }
        var noURL = env
        noURL["STET_LEDGER"] = nil
        let found = LedgerLocation.resolve(explicit: nil, environment: noURL)
        return found.source == .config ? found.ledgerPath : nil
    }

    /// The local file: --ledger, else where commands record when no server is named.
    var source: LedgerLocation {
        var env = ProcessInfo.processInfo.environment
        env["STET_LEDGER_URL"] = nil
        if let e = env["STET_LEDGER"], PostgresURL.isURL(e) { env["STET_LEDGER"] = nil }
        return LedgerLocation.resolve(explicit: ledger, environment: env, configURL: false)
    }

    func run() throws {
        let local = try Ledger.open(source.ledgerPath, mode: .read)
        let remote = try LedgerStores.open(target!, mode: .record, option: "to")
        if remote.name == local.name { throw StetError.usage("--to: the team ledger is the local ledger \(local.name)") }
        let batch = ProcessInfo.processInfo.environment["STET_LEDGER_PUSH_BATCH"].flatMap(Int.init).map { max(1, $0) } ?? 1000
        var added = 0, skipped = 0, after: Int64 = 0
        while true {
            let entries = try local.entries(after: after, limit: batch)
            guard let last = entries.last?.id else { break }
            let result = try remote.importEntries(entries.map { var e = $0; e.id = nil; return e })
            added += result.added; skipped += result.skipped
            after = last
            if Console.isTerminal { Console.status("pushed \(added + skipped) entries…") }
        }
        Console.out("Pushed \(added) entr\(added == 1 ? "y" : "ies") from \(local.name) to \(remote.name)"
                    + (skipped > 0 ? " (\(skipped) already there)" : ""))
    }
}
