import Foundation
import GRDB
import StetSupport

/// What a budget covers: one project, user, model, operation or tag, or all spend.
public struct BudgetScope: Codable, Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Codable, CaseIterable, Sendable { case project, user, model, operation, tag, all }
    public var kind: Kind
    /// The project's name (or folder), user, model, operation, or `key=value` tag; "" for all.
    public var value: String

    public init(kind: Kind, value: String) { self.kind = kind; self.value = value }

    /// `project=launch`, `user=ana`, `model=gpt-image-1`, `operation=generation`,
    /// `tag=campaign=spring`, or `all`.
    public static func parse(_ text: String) throws -> BudgetScope {
        if text == "all" { return BudgetScope(kind: .all, value: "") }
        guard let eq = text.firstIndex(of: "="), let kind = Kind(rawValue: String(text[..<eq])), kind != .all else {
            throw Validate.invalid("a scope (project=NAME, user=NAME, model=NAME, operation=NAME, tag=KEY=VALUE or all)", "scope", text)
        }
        let value = String(text[text.index(after: eq)...])
        guard !value.isEmpty, kind != .tag || (value.firstIndex(of: "=").map { $0 != value.startIndex } ?? false) else {
            throw Validate.invalid("a scope (project=NAME, user=NAME, model=NAME, operation=NAME, tag=KEY=VALUE or all)", "scope", text)
        }
        return BudgetScope(kind: kind, value: value)
    }

    public var description: String { kind == .all ? "all" : "\(kind.rawValue)=\(value)" }

    /// The spend rows (aliased `s`, joined to their entry `e`) the scope covers, as SQL both
    /// stores run.
    func condition() -> (String, [SQLValue]) {
        switch kind {
        case .all: return ("1 = 1", [])
        // A project is recorded as its folder; `project=launch` matches the folder or its name.
        case .project: return ("(e.project = ? OR e.project LIKE ?)", [.text(value), .text("%/" + value)])
        case .user: return ("e.\"user\" = ?", [.text(value)])
        case .model: return ("s.model = ?", [.text(value)])
        case .operation: return ("e.operation = ?", [.text(value)])
        case .tag:
            let eq = value.firstIndex(of: "=")!
            return ("e.id IN (SELECT bt.entry_id FROM tag bt WHERE bt.key = ? AND bt.value = ?)",
                    [.text(String(value[..<eq])), .text(String(value[value.index(after: eq)...]))])
        }
    }
}

/// A spending limit with a warning line (`stet budget set project=launch 500 USD --warn 80%`).
public struct Budget: Codable, Equatable, Sendable {
    public var scope: BudgetScope
    public var limit: Money
    public var currency: String
    /// The warning line, as a fraction of the limit (0.8 for 80%).
    public var warnAt: Double

    public init(scope: BudgetScope, limit: Money, currency: String, warnAt: Double) {
        self.scope = scope; self.limit = limit; self.currency = currency; self.warnAt = warnAt
    }

    public var warnLine: Money { Money(micros: Int64((Double(limit.micros) * warnAt).rounded())) }

    /// Where a budget stands after `spent`, and the line the latest spend crossed, if any.
    public enum Level: String, Codable, Sendable { case under, warning, over }
    public func level(_ spent: Money) -> Level {
        if spent.micros > limit.micros || (limit.micros > 0 && spent.micros == limit.micros) { return .over }
        return spent.micros >= warnLine.micros && warnLine.micros > 0 ? .warning : .under
    }
}

/// One budget with its spend so far (`stet budget list`).
public struct BudgetStanding: Codable, Equatable, Sendable {
    public var budget: Budget
    public var spent: Money
    public var level: Budget.Level
    public var remaining: Money { budget.limit - spent }
    public var fraction: Double { budget.limit.micros > 0 ? Double(spent.micros) / Double(budget.limit.micros) : 0 }
}

/// Budget SQL shared by both stores.
enum BudgetSQL {
    static func budgets(_ db: SQLRows) throws -> [Budget] {
        try db.rows("SELECT kind, value, limit_micros, currency, warn_at FROM budget ORDER BY kind, value", []).compactMap { r in
            guard let kind = BudgetScope.Kind(rawValue: r[0].string) else { return nil }
            return Budget(scope: BudgetScope(kind: kind, value: r[1].string), limit: Money(micros: r[2].int64),
                          currency: r[3].string, warnAt: r[4].double)
        }
    }

    static func spent(_ db: SQLRows, _ scope: BudgetScope) throws -> [String: Money] {
        let (cond, args) = scope.condition()
        var result: [String: Money] = [:]
        for r in try db.rows("""
            SELECT s.currency, CAST(sum(s.subtotal_micros) AS BIGINT) FROM spend s CROSS JOIN entry e
            WHERE e.id = s.entry_id AND \(cond) GROUP BY 1
            """, args) {
            result[r[0].string] = Money(micros: r[1].int64)
        }
        return result
    }

    static let upsert = """
        INSERT INTO budget (kind, value, limit_micros, currency, warn_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (kind, value) DO UPDATE SET limit_micros = excluded.limit_micros, currency = excluded.currency,
            warn_at = excluded.warn_at
        """

    static func arguments(_ b: Budget) -> [SQLValue] {
        [.text(b.scope.kind.rawValue), .text(b.scope.value), .int(b.limit.micros), .text(b.currency), .double(b.warnAt)]
    }
}

extension Ledger {
    public func budgets() throws -> [Budget] {
        try mapErrors { try pool.read { db in try BudgetSQL.budgets(SQLiteRows(db: db)) } }
    }

    public func setBudget(_ budget: Budget) throws {
        try mapErrors {
            try pool.write { db in
                try db.execute(sql: BudgetSQL.upsert, arguments: StatementArguments(BudgetSQL.arguments(budget).map(\.grdb)))
            }
        }
    }

    @discardableResult
    public func removeBudget(scope: BudgetScope) throws -> Bool {
        try mapErrors {
            try pool.write { db in
                try db.execute(sql: "DELETE FROM budget WHERE kind = ? AND value = ?", arguments: [scope.kind.rawValue, scope.value])
                return db.changesCount > 0
            }
        }
    }

    public func spent(_ scope: BudgetScope) throws -> [String: Money] {
        try mapErrors { try pool.read { db in try BudgetSQL.spent(SQLiteRows(db: db), scope) } }
    }
}

extension LedgerStore {
    /// Every budget with its spend so far.
    public func budgetStandings() throws -> [BudgetStanding] {
        try budgets().map { b in
            let spent = try spent(b.scope)[b.currency] ?? .zero
            return BudgetStanding(budget: b, spent: spent, level: b.level(spent))
        }
    }

    /// Lines for the budgets an entry's spend pushed across their warning line or limit:
    /// "budget project=launch: 412.00 of 500.00 USD spent (82%), past its 80% warning line".
    public func budgetWarnings(after entry: LedgerEntry) throws -> [String] {
        guard !entry.spent.isEmpty else { return [] }
        var lines: [String] = []
        for b in try budgets() {
            let mine = entry.spent.filter { item in
                guard item.currency == b.currency else { return false }
                switch b.scope.kind {
                case .all: return true
                case .project: return entry.project.map { $0 == b.scope.value || $0.hasSuffix("/" + b.scope.value) } ?? false
                case .user: return entry.user == b.scope.value
                case .model: return item.model == b.scope.value
                case .operation: return entry.operation == b.scope.value
                case .tag: return entry.tags.contains { "\($0.key)=\($0.value)" == b.scope.value }
                }
            }
            guard !mine.isEmpty else { continue }
            let now = try spent(b.scope)[b.currency] ?? .zero
            let before = now - mine.reduce(Money.zero) { $0 + $1.subtotal }
            let (was, is_) = (b.level(before), b.level(now))
            guard is_ != .under, is_ != was else { continue }
            let percent = b.limit.micros > 0 ? Int((Double(now.micros) / Double(b.limit.micros) * 100).rounded(.down)) : 100
            let what = is_ == .over ? "over its limit" : "past its \(Int((b.warnAt * 100).rounded()))% warning line"
            lines.append("budget \(b.scope): \(now.cents) of \(b.limit.cents) \(b.currency) spent (\(percent)%), \(what)")
        }
        return lines
    }
}
