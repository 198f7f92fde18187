import Dispatch
import Foundation
import StetSupport

/// The one thing a command hands its work to for the cost-avoidance log. It resolves, once per
/// process, where the ledger is, which price card is in effect, what `avoids` means and which
/// tags and spend go with each entry; a bad card, a bad `avoids` or a ledger that cannot be
/// written is a `RecorderError` at `init`, before the command does any work. Then `record`
/// turns a job's `Usage` into an entry and `recordFailure` records a failed use. Recording off
/// (`.disabled`) opens nothing, hashes nothing and records nothing.
///
/// Thread-safe: a batch records each file's use from its worker as the file completes.
public final class Recorder: @unchecked Sendable {
    /// What the user said about recording; the CLI builds it from its options.
    public struct Settings: Sendable {
        public var ledger: String?
        public var enabled: Bool
        public var avoids: String?
        public var tags: [String: String]
        public var spent: Double?
        public var commandLine: String
        public var version: String

        public init(ledger: String? = nil, enabled: Bool = true, avoids: String? = nil, tags: [String: String] = [:],
                    spent: Double? = nil, commandLine: String, version: String) {
            self.ledger = ledger; self.enabled = enabled; self.avoids = avoids; self.tags = tags; self.spent = spent
            self.commandLine = commandLine; self.version = version
        }
    }

    public let settings: Settings
    public let location: LedgerLocation
    private let card: PriceCard?
    private let digests = FileDigests()
    private let lock = NSLock()
    private var ledger: (any LedgerStore)?
    private let clock = CommandClock()
    /// Told, one line each, when an entry this recorder wrote pushed a budget across its
    /// warning line or its limit (the CLI prints them; the core prints nothing).
    public var onBudgetWarning: (@Sendable (String) -> Void)?

    public var isEnabled: Bool { settings.enabled }

    public init(_ settings: Settings, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        self.settings = settings
        location = LedgerLocation.resolve(explicit: settings.ledger, environment: environment)
        guard settings.enabled else { card = nil; return }
        do {
            let card = try location.loadCard()
            if let avoids = settings.avoids { _ = try card.avoidSpec(avoids) }
            if location.isURL {
                // A server is connected to now, so a bad URL, a wrong password or a server that
                // is down stops the command before it does any work.
                ledger = try location.openStore(.record, environment: environment)
            } else {
                try Ledger.checkRecordable(location.ledgerPath, createsFolder: location.source == .user)
            }
            self.card = card
        } catch let error as StetError {
            throw error.isUsage ? error : RecorderError(error)
        }
    }

    /// A file's SHA-256, hashed once per process: what the ledger records and what a sidecar
    /// (a draft manifest) lists are the same digest, read from the disk once.
    public func digest(_ path: String) throws -> String { try digests.digest(path) }

    /// Starts hashing files the command will record, so hashing overlaps the pixel work.
    public func willRead(_ paths: [String]) {
        guard settings.enabled else { return }
        digests.start(paths)
    }

    /// Records a successful use, after its outputs are in place. `clock` is the use's own
    /// (one file of a batch); by default the process's.
    @discardableResult
    public func record(_ usage: Usage, clock: CommandClock? = nil) throws -> LedgerEntry? {
        guard settings.enabled, let card else { return nil }
        let clock = clock ?? self.clock
        do {
            let priced = try card.pricedCounterfactual(operation: usage.operation, explicit: settings.avoids,
                                                       units: usage.units, seconds: usage.seconds,
                                                       outputPixels: usage.outputPixels)
            let avoided = priced.map(\.item)
            var parameters = usage.parameters
            if let seconds = usage.seconds { parameters["seconds"] = formatQuantity(seconds) }
            // Which tier of a model priced by size and quality the saving was priced at (the
            // label says why); kept in the parameters so the ledger's schema is unchanged.
            if let tier = priced.compactMap(\.tier).first { parameters["avoided-tier"] = tier.tier.key }
            let spent = settings.spent.map { [card.spent($0, operation: usage.operation)] } ?? []
            // The job's id when it chose one: its outputs' `stet` records name this entry.
            let entry = LedgerEntry(
                uuid: usage.id ?? UUID().uuidString.lowercased(),
                project: location.project, user: Recorder.user, commandLine: settings.commandLine,
                operation: usage.operation, parameters: parameters,
                inputs: try usage.inputs.map(fileRecord), outputs: try usage.outputs.map(fileRecord),
                avoided: avoided, spent: spent, priceCardHash: card.hash, wallSeconds: clock.wallSeconds,
                cpuSeconds: clock.cpuSecondsUsed, stetVersion: settings.version, tags: settings.tags)
            try append(entry)
            return entry
        } catch let error as StetError {
            throw RecorderError(error)
        }
    }

    /// Records real, paid generations (`stet log generation`): spend, and outputs kept for the
    /// yield. Returns the entry (also when recording is off, so the command can print it).
    /// `size` and `quality` choose the tier of a model priced by size and quality.
    public func recordGeneration(model: String, count: Int?, seconds: Double?, kept: Double?,
                                 size: String? = nil, quality: String? = nil) throws -> LedgerEntry {
        let card = try self.card ?? location.loadCard()
        let (item, tier) = try card.pricedGeneration(model: model, count: count, seconds: seconds, kept: kept,
                                                     spent: settings.spent, size: size, quality: quality)
        var parameters = ["model": item.model]
        if let count { parameters["count"] = String(count) }
        if let seconds { parameters["seconds"] = formatQuantity(seconds) }
        if let kept { parameters["kept"] = formatQuantity(kept) }
        if let size { parameters["size"] = size }
        if let quality { parameters["quality"] = quality }
        if let tier { parameters["tier"] = tier.tier.key }
        let entry = LedgerEntry(
            project: location.project, user: Recorder.user, commandLine: settings.commandLine,
            operation: "generation", parameters: parameters, spent: [item], priceCardHash: card.hash,
            wallSeconds: clock.wallSeconds, cpuSeconds: clock.cpuSecondsUsed, stetVersion: settings.version,
            tags: settings.tags)
        guard settings.enabled else { return entry }
        do { try append(entry) } catch let error as StetError { throw RecorderError(error) }
        return entry
    }

    /// Records a failed use: it claims no savings. Never throws; a ledger that cannot take the
    /// failure entry does not hide the command's own error, and a failure of the ledger itself
    /// is not recorded into it.
    public func recordFailure(operation: String, error: Error, clock: CommandClock? = nil) {
        guard settings.enabled, !(error is RecorderError) else { return }
        let clock = clock ?? self.clock
        let text = (error as? StetError)?.rendered() ?? "\(error)"
        let entry = LedgerEntry.failure(
            project: location.project, user: Recorder.user, commandLine: settings.commandLine,
            operation: operation, error: text, priceCardHash: card?.hash ?? "", wallSeconds: clock.wallSeconds,
            cpuSeconds: clock.cpuSecondsUsed, stetVersion: settings.version, tags: settings.tags)
        try? append(entry)
    }

    /// A file as the ledger records it: its digest (started early by `willRead` where it could
    /// be), bytes and pixel size.
    private func fileRecord(_ file: Usage.File) throws -> FileRecord {
        var record = try FileRecord.of(file.path, width: file.width, height: file.height, sha256: digests.digest(file.path))
        if let name = file.recordedAs { record.path = name }
        return record
    }

    func appendEntry(_ entry: LedgerEntry) throws { try append(entry) }

    private func append(_ entry: LedgerEntry) throws {
        lock.lock(); defer { lock.unlock() }
        if ledger == nil { ledger = try location.openStore(.record) }
        // Test hook: STET_LEDGER_TEST_PAUSE_BEFORE_RECORD=SECONDS sleeps after the work, before
        // recording, so a test can take the server away in between.
        if let text = ProcessInfo.processInfo.environment["STET_LEDGER_TEST_PAUSE_BEFORE_RECORD"], let seconds = Double(text) {
            FileHandle.standardError.write(Data("stet-test: about to record\n".utf8))
            Thread.sleep(forTimeInterval: seconds)
        }
        try ledger!.append([entry])
        // Budgets are checked only for spend, and a budget check that fails does not undo the entry.
        if !entry.spent.isEmpty, let onBudgetWarning, let lines = try? ledger!.budgetWarnings(after: entry) {
            for line in lines { onBudgetWarning(line) }
        }
    }

    public static var user: String {
        let env = ProcessInfo.processInfo.environment
        if let u = env["USER"], !u.isEmpty { return u }
        if let u = env["LOGNAME"], !u.isEmpty { return u }
        if let pw = getpwuid(getuid()), let name = pw.pointee.pw_name { return String(cString: name) }
        return "uid \(getuid())"
    }
}

/// The ledger itself failed (a bad price card, a read-only or busy ledger): the command's work
/// may have succeeded, but its use could not be recorded. Its text is the underlying one line.
public struct RecorderError: Error, CustomStringConvertible, Sendable {
    public let underlying: StetError
    public init(_ underlying: StetError) { self.underlying = underlying }
    public var description: String { underlying.description }
}

/// Wall and CPU time since a use started.
public struct CommandClock: Sendable {
    public let wallStart = Date()
    public let cpuStart = CommandClock.cpuSeconds()
    public init() {}
    public static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }
    public var wallSeconds: Double { Date().timeIntervalSince(wallStart) }
    public var cpuSecondsUsed: Double { CommandClock.cpuSeconds() - cpuStart }
}

/// SHA-256 digests of files, started on background threads, so hashing overlaps the pixel work
/// instead of following it (hashing is most of what logging costs). Inputs are never written
/// by the command that reads them (outputs that resolve to an input are refused), so a digest
/// taken early is the digest at the end. A file not started is hashed when asked for, and kept.
final class FileDigests: @unchecked Sendable {
    private let lock = NSLock()
    private var pending: [String: DispatchGroup] = [:]
    private var digests: [String: Result<String, Error>] = [:]

    func start(_ paths: [String]) {
        for path in paths {
            lock.lock()
            if pending[path] != nil { lock.unlock(); continue }
            let group = DispatchGroup()
            pending[path] = group
            lock.unlock()
            group.enter()
            DispatchQueue.global(qos: .utility).async {
                let result = Result { try SHA256.hex(ofFile: path) }
                self.lock.lock(); self.digests[path] = result; self.lock.unlock()
                group.leave()
            }
        }
    }

    func digest(_ path: String) throws -> String {
        lock.lock()
        let group = pending[path]
        lock.unlock()
        guard let group else {
            let result = Result { try SHA256.hex(ofFile: path) }
            lock.lock(); digests[path] = result; pending[path] = DispatchGroup(); lock.unlock()
            return try result.get()
        }
        group.wait()
        lock.lock()
        defer { lock.unlock() }
        return try digests[path]!.get()
    }
}
