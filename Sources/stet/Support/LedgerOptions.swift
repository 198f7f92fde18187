import ArgumentParser
import Foundation
import StetSupport

// TEMPORARY CONTRACT (to be completed by the ledger work, issue 3): the options every command
// takes to record itself in the cost-avoidance log, and the call it makes once its outputs are
// safely in place.

/// Options every command shares for the cost-avoidance log.
struct LedgerOptions: ParsableArguments {
    @Option(help: "Ledger database to record into (default: nearest .stet/ledger.sqlite, then $STET_LEDGER, then the per-user ledger).")
    var ledger: String?

    @Flag(name: .customLong("no-log"), help: "Record nothing in the cost-avoidance log.")
    var noLog = false

    @Option(help: "What this use replaced: MODEL[xN], or none (default: the price card's [avoids] entry for this operation).")
    var avoids: String?

    @Option(name: .customLong("tag"), help: "A key=value tag for the ledger entry (repeatable).")
    var tags: [String] = []

    @Option(help: "Money this use did cost, e.g. a paid inpaint call on a cropped region.")
    var spent: Double?
}

/// What one command did, for the ledger.
struct Usage {
    var operation: String
    var parameters: [String: String] = [:]
    var inputs: [FileRecord] = []
    var outputs: [FileRecord] = []
    /// How many units of the default counterfactual this use stands for (reframe: one per target).
    var units: Int = 1
}

/// Wall and CPU time since the command started.
struct CommandClock {
    let wallStart = Date()
    let cpuStart = CommandClock.cpuSeconds()
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }
    var wallSeconds: Double { Date().timeIntervalSince(wallStart) }
    var cpuSecondsUsed: Double { CommandClock.cpuSeconds() - cpuStart }
}

extension LedgerOptions {
    /// Records a successful use. Called only after every output is renamed into place.
    func record(_ usage: Usage, clock: CommandClock) throws {
        // Implemented by the ledger work (issue 3).
    }

    /// Records a failed use: it claims no savings.
    func recordFailure(operation: String, error: Error, clock: CommandClock) {
        // Implemented by the ledger work (issue 3).
    }
}
