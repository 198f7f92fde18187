import Foundation
import StetSupport

/// One cost-avoidance ledger, whichever store keeps it: `Ledger` (one SQLite file, the
/// embedded default) or `PostgresLedger` (a team's PostgreSQL server). Both keep the same
/// tables through the same migrations and run the same report SQL (`LedgerSQL`), so a report
/// over the same entries is the same to the cent in either.
public protocol LedgerStore: AnyObject, Sendable {
    /// The ledger as messages name it: a file path, or a URL without its password.
    var name: String { get }
    /// The schema version the store holds.
    func storedSchemaVersion() throws -> Int
    /// Appends entries atomically (all or none) and returns their ids.
    @discardableResult func append(_ entries: [LedgerEntry]) throws -> [Int64]
    /// Adds entries exported or pushed from another ledger, skipping any whose uuid is already
    /// here, so sending the same entries twice adds nothing.
    func importEntries(_ entries: [LedgerEntry]) throws -> (added: Int, skipped: Int)
    /// Every matching entry, oldest first, with its child rows.
    func entries(_ filter: LedgerFilter) throws -> [LedgerEntry]
    /// Every decision of the matching entries, oldest first.
    func decisions(_ filter: LedgerFilter) throws -> [ReviewDecision]
    func count(_ filter: LedgerFilter) throws -> Int
    /// Problems found by the store's own checks (empty when consistent).
    func consistencyProblems() throws -> [String]
    func report(by grouping: ReportGrouping, filter: LedgerFilter, currentCard: PriceCard?) throws -> SavingsReport
    /// Budgets (schema v6).
    func budgets() throws -> [Budget]
    func setBudget(_ budget: Budget) throws
    @discardableResult func removeBudget(scope: BudgetScope) throws -> Bool
    /// What the matching entries spent, per currency (a budget's standing).
    func spent(_ scope: BudgetScope) throws -> [String: Money]
}

extension LedgerStore {
    @discardableResult
    public func append(_ entry: LedgerEntry) throws -> Int64 { try append([entry]).first ?? 0 }
    public func entries() throws -> [LedgerEntry] { try entries(LedgerFilter()) }
    public func decisions() throws -> [ReviewDecision] { try decisions(LedgerFilter()) }
    public func count() throws -> Int { try count(LedgerFilter()) }
    public func report(by grouping: ReportGrouping, filter: LedgerFilter = LedgerFilter()) throws -> SavingsReport {
        try report(by: grouping, filter: filter, currentCard: nil)
    }
}

extension Ledger: LedgerStore {
    public var name: String { path }
}

extension LedgerLocation {
    /// True when the ledger is a PostgreSQL server rather than a file.
    public var isURL: Bool { PostgresURL.isURL(ledgerPath) }

    /// The ledger as messages name it (a URL never with its password).
    public var ledgerName: String { isURL ? PostgresURL.redacted(ledgerPath) : ledgerPath }

    /// Refuses a password written where other users can read it: on the command line
    /// (`--ledger`, seen in `ps`) or in `.stet/config.toml` (committed, shared).
    public func checkPassword() throws {
        guard isURL, PostgresURL.hasPassword(ledgerPath) else { return }
        switch source {
        case .option:
            throw StetError.usage("--ledger: refusing a password in the URL (other users see the command line in ps); give it in PGPASSWORD, ~/.pgpass or STET_LEDGER_URL")
        case .config:
            throw StetError.input(configPath ?? ".stet/config.toml", "refusing a password in url (the file is shared); give it in PGPASSWORD, ~/.pgpass or STET_LEDGER_URL")
        default:
            return
        }
    }

    /// Opens the ledger this location names: `Ledger.open` for a file, a connection for a URL.
    public func openStore(_ mode: Ledger.Mode, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> any LedgerStore {
        if isURL {
            try checkPassword()
            return try PostgresLedger.open(ledgerPath, mode: mode, environment: environment)
        }
        if mode == .record { try prepareFolder() }
        return try Ledger.open(ledgerPath, mode: mode)
    }
}

/// Opens a ledger named by a path or URL given outright (`stet ledger push --to`).
public enum LedgerStores {
    public static func open(_ location: String, mode: Ledger.Mode, option: String,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws -> any LedgerStore {
        if PostgresURL.isURL(location) {
            if PostgresURL.hasPassword(location) {
                throw StetError.usage("--\(option): refusing a password in the URL (other users see the command line in ps); give it in PGPASSWORD, ~/.pgpass or STET_LEDGER_URL")
            }
            return try PostgresLedger.open(location, mode: mode, environment: environment)
        }
        return try Ledger.open(LedgerLocation.absolute(location, cwd: FileManager.default.currentDirectoryPath), mode: mode)
    }
}
