import ArgumentParser
import CostLedger
import Foundation
import StetSupport

/// Options every command shares for the cost-avoidance log.
struct LedgerOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Ledger database to record into.",
        discussion: "Default: $STET_LEDGER, else .stet/ledger.sqlite in the nearest folder upward that has a .stet/, else $XDG_DATA_HOME/stet/ledger.sqlite.",
        valueName: "path"))
    var ledger: String?

    @Flag(name: .customLong("no-log"), help: "Record nothing in the cost-avoidance log (also STET_NO_LOG=1); the ledger is not even opened.")
    var noLog = false

    @Option(help: ArgumentHelp(
        "What this use replaced: a model or tier from the price card with an optional count (final, flux-pro x2), or none.",
        discussion: "Default: the price card's [avoids] entry for this operation, once per unit (reframe: per target).",
        valueName: "model[xN]|none"))
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
        guard !loggingDisabled else { return }
        // A bad card, a bad --avoids or a ledger that cannot be written stops the command
        // before it does any work, not after its outputs are written.
        let location = self.location
        let card = try location.loadCard()
        if let avoids { try usage { _ = try card.avoidSpec(avoids) } }
        try Ledger.checkRecordable(location.ledgerPath, createsFolder: location.source == .user)
    }

    /// --no-log, or STET_NO_LOG set to anything but 0 or empty.
    var loggingDisabled: Bool {
        if noLog { return true }
        let env = ProcessInfo.processInfo.environment["STET_NO_LOG"] ?? ""
        return !env.isEmpty && env != "0"
    }

    var location: LedgerLocation { LedgerLocation.resolve(explicit: ledger) }

    func parsedTags() throws -> [String: String] {
        var result: [String: String] = [:]
        for tag in tags {
            guard let eq = tag.firstIndex(of: "="), eq != tag.startIndex else {
                throw Validate.invalid("key=value", "tag", tag)
            }
            let key = String(tag[..<eq]).trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty else { throw Validate.invalid("key=value", "tag", tag) }
            if result[key] != nil { throw StetError.usage("Tag \(key) is given twice") }
            result[key] = String(tag[tag.index(after: eq)...])
        }
        return result
    }
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
    /// The counterfactual is `--avoids` if given, else the card's `[avoids]` entry for the
    /// operation times `usage.units`; `--spent` adds a spend item in the card's currency.
    func record(_ usage: Usage, clock: CommandClock) throws {
        guard !loggingDisabled else { return }
        let location = self.location
        let card = try location.loadCard()
        let avoided = try card.counterfactual(operation: usage.operation, explicit: avoids, units: usage.units)
        let spentItems = spent.map { [card.spent($0, operation: usage.operation)] } ?? []
        let entry = LedgerEntry(
            project: location.project, user: LedgerOptions.user, commandLine: LedgerOptions.commandLine,
            operation: usage.operation, parameters: usage.parameters, inputs: usage.inputs, outputs: usage.outputs,
            avoided: avoided, spent: spentItems, priceCardHash: card.hash, wallSeconds: clock.wallSeconds,
            cpuSeconds: clock.cpuSecondsUsed, stetVersion: StetVersion.current, tags: try parsedTags())
        try append(entry, at: location)
    }

    /// Records real generations (`stet log generation`): spend, and outputs kept for the yield.
    func recordGeneration(model: String, count: Int?, seconds: Double?, kept: Double?, clock: CommandClock) throws -> LedgerEntry? {
        let location = self.location
        let card = try location.loadCard()
        let item = try card.generationSpend(model: model, count: count, seconds: seconds, kept: kept, spent: spent)
        var parameters = ["model": item.model]
        if let count { parameters["count"] = String(count) }
        if let seconds { parameters["seconds"] = formatQuantity(seconds) }
        if let kept { parameters["kept"] = formatQuantity(kept) }
        let entry = LedgerEntry(
            project: location.project, user: LedgerOptions.user, commandLine: LedgerOptions.commandLine,
            operation: "generation", parameters: parameters, spent: [item], priceCardHash: card.hash,
            wallSeconds: clock.wallSeconds, cpuSeconds: clock.cpuSecondsUsed, stetVersion: StetVersion.current,
            tags: try parsedTags())
        guard !loggingDisabled else { return nil }
        try append(entry, at: location)
        return entry
    }

    /// A file as the ledger records it. The SHA-256 is computed only when this use will be
    /// recorded, so `--no-log` costs no hashing.
    func fileRecord(_ path: String, width: Int? = nil, height: Int? = nil) throws -> FileRecord {
        guard !loggingDisabled else {
            return FileRecord(path: path, sha256: "", bytes: fileSize(path), width: width, height: height)
        }
        return try FileRecord.of(path, width: width, height: height, sha256: InputHashes.shared.digest(path))
    }

    /// Runs a command's work with a fresh clock, and records a failure entry if the work throws.
    /// When the use will be recorded, `inputs` start hashing in the background meanwhile.
    func recordingFailure(of operation: String, inputs: [String] = [], _ work: (CommandClock) throws -> Void) throws {
        let clock = CommandClock()
        if !loggingDisabled { InputHashes.shared.start(inputs) }
        do {
            try work(clock)
        } catch {
            recordFailure(operation: operation, error: error, clock: clock)
            throw error
        }
    }

    /// Records a failed use: it claims no savings. Never throws; a ledger that cannot take the
    /// failure entry does not hide the command's own error.
    func recordFailure(operation: String, error: Error, clock: CommandClock) {
        guard !loggingDisabled else { return }
        let location = self.location
        // The failure was the ledger itself (read-only, busy, bad card): do not try again.
        if let stetError = error as? StetError {
            switch stetError {
            case .input(let p, _), .output(let p, _):
                if p == location.ledgerPath || p == location.pricesPath { return }
            default: break
            }
        }
        let hash = (try? location.loadCard().hash) ?? ""
        let entry = LedgerEntry.failure(
            project: location.project, user: LedgerOptions.user, commandLine: LedgerOptions.commandLine,
            operation: operation, error: "\(error)", priceCardHash: hash, wallSeconds: clock.wallSeconds,
            cpuSeconds: clock.cpuSecondsUsed, stetVersion: StetVersion.current, tags: (try? parsedTags()) ?? [:])
        try? append(entry, at: location)
    }

    private func append(_ entry: LedgerEntry, at location: LedgerLocation) throws {
        try location.prepareFolder()
        let ledger = try Ledger.open(location.ledgerPath, mode: .record)
        try ledger.append(entry)
    }

    static var user: String {
        let env = ProcessInfo.processInfo.environment
        if let u = env["USER"], !u.isEmpty { return u }
        if let u = env["LOGNAME"], !u.isEmpty { return u }
        if let pw = getpwuid(getuid()), let name = pw.pointee.pw_name { return String(cString: name) }
        return "uid \(getuid())"
    }

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

/// Reading commands (savings, export, prices) name a ledger the same way, without recording.
struct LedgerPathOption: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Ledger database to read.",
        discussion: "Default: $STET_LEDGER, else .stet/ledger.sqlite in the nearest folder upward that has a .stet/, else $XDG_DATA_HOME/stet/ledger.sqlite.",
        valueName: "path"))
    var ledger: String?

    var location: LedgerLocation { LedgerLocation.resolve(explicit: ledger) }
}
