import Foundation
import GRDB
import StetSupport

/// A value bound to or read from either store's SQL.
public enum SQLValue: Sendable, Equatable {
    case null, int(Int64), double(Double), text(String)

    var int64: Int64 {
        switch self {
        case .int(let v): return v
        case .double(let d): return Int64(d.rounded())
        case .text(let s): return Int64(s) ?? Int64(Double(s) ?? 0)
        case .null: return 0
        }
    }
    var optionalInt64: Int64? { if case .null = self { return nil }; return int64 }
    var double: Double {
        switch self {
        case .int(let v): return Double(v)
        case .double(let d): return d
        case .text(let s): return Double(s) ?? 0
        case .null: return 0
        }
    }
    var optionalDouble: Double? { if case .null = self { return nil }; return double }
    var string: String {
        switch self {
        case .text(let s): return s
        case .int(let v): return String(v)
        case .double(let d): return String(d)
        case .null: return ""
        }
    }
    var optionalString: String? { if case .null = self { return nil }; return string }

    var grdb: DatabaseValue {
        switch self {
        case .null: return .null
        case .int(let v): return v.databaseValue
        case .double(let d): return d.databaseValue
        case .text(let s): return s.databaseValue
        }
    }
}

/// The small read interface both stores' drivers offer the shared report SQL: run a query with
/// `?` placeholders, get its rows as values.
protocol SQLRows {
    func rows(_ sql: String, _ arguments: [SQLValue]) throws -> [[SQLValue]]
}

/// GRDB's connection as `SQLRows`.
struct SQLiteRows: SQLRows {
    let db: Database
    func rows(_ sql: String, _ arguments: [SQLValue]) throws -> [[SQLValue]] {
        try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments.map(\.grdb))).map { row in
            row.databaseValues.map { v in
                switch v.storage {
                case .null: return .null
                case .int64(let i): return .int(i)
                case .double(let d): return .double(d)
                case .string(let s): return .text(s)
                case .blob(let b): return .text(String(decoding: b, as: UTF8.self))
                }
            }
        }
    }
}

/// The savings report's SQL, written once for both stores. It keeps to what SQLite and
/// PostgreSQL share: `?` placeholders (numbered `$n` for PostgreSQL by its store), sums CAST to
/// BIGINT (PostgreSQL's sum of a bigint is numeric), CASE instead of summing booleans, `"user"`
/// quoted (a reserved word in PostgreSQL), every derived table named.
enum LedgerSQL {
    static func lastEntry(_ db: SQLRows) throws -> Int64 {
        try db.rows("SELECT max(id) FROM entry", []).first?.first?.optionalInt64 ?? 0
    }

    /// The unit prices behind the report's amounts, with how many items used each.
    static func pricesUsed(_ db: SQLRows, filter: LedgerFilter) throws -> [PriceUsed] {
        let (w, args) = filter.whereSQL()
        var prices: [PriceUsed] = []
        for (kind, table, extra) in [("avoided", "avoided", ""), ("spent", "spend", "AND x.model != ''")] {
            // Without a filter the entry table is not needed at all.
            let from = filter.isEmpty ? "\(table) x WHERE 1 = 1 \(extra)"
                : "\(table) x CROSS JOIN entry e WHERE e.id = x.entry_id \(extra) \(w.isEmpty ? "" : "AND " + w)"
            let sql = "SELECT x.model, x.unit, x.unit_price_micros, x.currency, count(*) FROM \(from) GROUP BY 1, 2, 3, 4 ORDER BY 1, 3"
            for r in try db.rows(sql, args) {
                prices.append(PriceUsed(kind: kind, model: r[0].string, unit: r[1].string, unitPrice: Money(micros: r[2].int64),
                                        currency: r[3].string, uses: Int(r[4].int64)))
            }
        }
        return prices
    }

    /// Price card hash to the number of matching entries recorded with it.
    static func priceCards(_ db: SQLRows, filter: LedgerFilter) throws -> [String: Int] {
        let (w, args) = filter.whereClause()
        var cards: [String: Int] = [:]
        for r in try db.rows("SELECT e.price_card_hash, count(*) FROM entry e \(w) GROUP BY 1", args) {
            cards[r[0].string] = Int(r[1].int64)
        }
        return cards
    }

    /// An entry column a grouping reads (`nil`: the totals).
    static func entryGroup(_ grouping: ReportGrouping?) -> String {
        switch grouping {
        case nil: return "'total'"
        case .operation: return "e.operation"
        case .project: return "COALESCE(e.project, '(none)')"
        case .user: return "e.\"user\""
        case .day: return "e.day"
        case .tag: return "e.tags"
        case .model: return "'(none)'"   // the money rows' model instead
        }
    }

    /// Rows per (group, currency); `grouping == nil` gives the per-currency totals.
    static func aggregate(_ db: SQLRows, grouping: ReportGrouping?, filter: LedgerFilter) throws -> [ReportRow] {
        let (w, args) = filter.whereClause()
        let (cond, _) = filter.whereSQL()
        // Without a filter, groupings that do not read entry columns (model, tag, the totals)
        // aggregate the child tables alone: no lookup into the wide entry rows.
        let joinEntry = !filter.isEmpty || [.operation, .project, .user, .day].contains(grouping)
        // Tags group by each entry's tag signature (copied onto the money rows, see migration
        // v4); the signatures are split into tags below.
        let avoidedGroup = grouping == .model ? "a.model" : grouping == .tag ? "a.tags" : entryGroup(grouping)
        let spendGroup = grouping == .model ? "CASE WHEN s.model = '' THEN '(unspecified)' ELSE s.model END"
            : grouping == .tag ? "s.tags" : entryGroup(grouping)
        let decisionModel = "CASE WHEN d.model = '' THEN '(unspecified)' ELSE d.model END"
        func join(_ alias: String) -> String {
            joinEntry ? "CROSS JOIN entry e WHERE e.id = \(alias).entry_id \(cond.isEmpty ? "" : "AND " + cond)" : ""
        }
        let failedSum = "CAST(COALESCE(sum(CASE WHEN e.succeeded = 0 THEN 1 ELSE 0 END), 0) AS BIGINT)"

        // Entries (and failed entries) per group.
        var entries: [String: (Int, Int)] = [:]
        func collect(_ sql: String, _ arguments: [SQLValue], failedOnly: Bool = false) throws {
            for r in try db.rows(sql, arguments) {
                let g = r[0].string
                var e = entries[g] ?? (0, 0)
                if failedOnly { e.1 += Int(r[1].int64) } else { e.0 += Int(r[1].int64); e.1 += Int(r[2].int64) }
                entries[g] = e
            }
        }
        switch (grouping, joinEntry) {
        case (.model, true):
            let none = (w.isEmpty ? "WHERE " : w + " AND ") + "e.avoided_count = 0 AND e.spend_count = 0 AND e.decision_count = 0"
            try collect("""
                SELECT g, count(DISTINCT id), count(DISTINCT CASE WHEN succeeded = 0 THEN id END) FROM (
                    SELECT a.model AS g, e.id AS id, e.succeeded AS succeeded FROM avoided a \(join("a"))
                    UNION ALL SELECT \(spendGroup), e.id, e.succeeded FROM spend s \(join("s"))
                    UNION ALL SELECT \(decisionModel), e.id, e.succeeded FROM decision d \(join("d"))
                    UNION ALL SELECT '(none)', e.id, e.succeeded FROM entry e \(none)
                ) AS used GROUP BY g
                """, args + args + args + args)
        case (.model, false):
            // Stet never records avoided items or spend on a failed entry, so failures all
            // fall under (none).
            try collect("""
                SELECT g, count(DISTINCT id), 0 FROM (
                    SELECT a.model AS g, a.entry_id AS id FROM avoided a
                    UNION ALL SELECT \(spendGroup), s.entry_id FROM spend s
                    UNION ALL SELECT \(decisionModel), d.entry_id FROM decision d
                ) AS used GROUP BY g
                """, [])
            try collect("""
                SELECT '(none)', count(*), \(failedSum) FROM entry e
                WHERE e.avoided_count = 0 AND e.spend_count = 0 AND e.decision_count = 0
                """, [])
        default:
            try collect("SELECT \(entryGroup(grouping)), count(*), \(failedSum) FROM entry e \(w) GROUP BY 1", args)
        }
        entries = entries.filter { $0.value.0 > 0 }   // the short cuts report empty groups as 0

        let avoidedSQL = """
            SELECT \(avoidedGroup), a.currency, CAST(sum(a.subtotal_micros) AS BIGINT) FROM avoided a
            \(join("a")) GROUP BY 1, 2
            """
        let avoided = try db.rows(avoidedSQL, joinEntry ? args : [])
        let spendSQL = """
            SELECT \(spendGroup), s.currency, CAST(sum(s.subtotal_micros) AS BIGINT),
                COALESCE(sum(s.generated_count), 0),
                sum(CASE WHEN s.kept_count IS NOT NULL THEN s.generated_count END), sum(s.kept_count),
                CAST(sum(CASE WHEN s.kept_count IS NOT NULL THEN s.subtotal_micros END) AS BIGINT),
                COALESCE(sum(s.generated_seconds), 0),
                sum(CASE WHEN s.kept_seconds IS NOT NULL THEN s.generated_seconds END), sum(s.kept_seconds),
                CAST(sum(CASE WHEN s.kept_seconds IS NOT NULL THEN s.subtotal_micros END) AS BIGINT)
            FROM spend s \(join("s")) GROUP BY 1, 2
            """
        let spend = try db.rows(spendSQL, joinEntry ? args : [])
        return finishAggregate(entries: entries, avoided: avoided, spend: spend, grouping: grouping)
    }

    /// Rows from entry counts per group, avoided money per (group, currency) and spend per
    /// (group, currency) with its generation sums, in `aggregate`'s column order; shared by the
    /// rollups' report (`PostgresRollups`).
    static func finishAggregate(entries: [String: (Int, Int)], avoided: [[SQLValue]], spend: [[SQLValue]],
                                grouping: ReportGrouping?) -> [ReportRow] {
        var entries = entries
        var rows: [String: ReportRow] = [:]
        func key(_ g: String, _ c: String) -> String { g + "\u{1}" + c }
        for r in avoided {
            let g = r[0].string, c = r[1].string
            rows[key(g, c), default: ReportRow(group: g, currency: c)].avoided = Money(micros: r[2].int64)
        }
        for r in spend {
            let g = r[0].string, c = r[1].string
            var row = rows[key(g, c), default: ReportRow(group: g, currency: c)]
            row.spent = Money(micros: r[2].int64)
            row.generated = r[3].double
            row.genWithKept = r[4].optionalDouble
            row.kept = r[5].optionalDouble
            row.spentWithKept = r[6].optionalInt64.map { Money(micros: $0) }
            row.generatedSeconds = r[7].double
            row.secWithKept = r[8].optionalDouble
            row.keptSeconds = r[9].optionalDouble
            row.spentWithKeptSeconds = r[10].optionalInt64.map { Money(micros: $0) }
            row.finishYield()
            rows[key(g, c)] = row
        }
        if grouping == .tag { (entries, rows) = Ledger.splitTagSignatures(entries: entries, rows: rows) }
        // Groups with entries but no money get one row with no currency.
        for (g, _) in entries where !rows.values.contains(where: { $0.group == g }) {
            rows[key(g, "")] = ReportRow(group: g, currency: "")
        }
        var result = Array(rows.values)
        for i in result.indices {
            let counts = entries[result[i].group] ?? (0, 0)
            result[i].entries = counts.0
            result[i].failed = counts.1
        }
        return sortRows(result, grouping: grouping)
    }

    /// Largest net first within a currency; stable by name. Days sort by date.
    static func sortRows(_ rows: [ReportRow], grouping: ReportGrouping?) -> [ReportRow] {
        rows.sorted { a, b in
            if grouping == .day { return (a.group, a.currency) < (b.group, b.currency) }
            if a.currency != b.currency { return a.currency < b.currency }
            if a.net != b.net { return a.net > b.net }
            return a.group < b.group
        }
    }

    /// Measured yield per group: for each (asset, candidate) only its last decision counts; an
    /// asset's candidates count once as reviewed, in the group of its last decisions.
    static func reviewYields(_ db: SQLRows, grouping: ReportGrouping?, filter: LedgerFilter) throws -> [String: ReviewYield] {
        let (cond, args) = filter.whereSQL()
        let group: String
        switch grouping {
        case .tag: group = "d.tags"
        case .model: group = "CASE WHEN d.model = '' THEN '(unspecified)' ELSE d.model END"
        default: group = entryGroup(grouping)
        }
        let sql = """
            WITH last AS (
                SELECT g, asset, candidates, kind FROM (
                    SELECT \(group) AS g, d.asset AS asset, d.candidates AS candidates, d.kind AS kind,
                        row_number() OVER (PARTITION BY d.asset, d.sha256 ORDER BY d.entry_id DESC) AS rn
                    FROM decision d CROSS JOIN entry e WHERE e.id = d.entry_id AND d.candidates > 0
                        \(cond.isEmpty ? "" : "AND " + cond)
                ) AS ranked WHERE rn = 1
            )
            SELECT g, (SELECT CAST(COALESCE(sum(c), 0) AS BIGINT) FROM
                       (SELECT max(l2.candidates) AS c FROM last l2 WHERE l2.g = last.g GROUP BY l2.asset) AS per_asset),
                CAST(sum(CASE WHEN kind IN ('pick', 'lock') THEN 1 ELSE 0 END) AS BIGINT)
            FROM last GROUP BY g
            """
        var result: [String: ReviewYield] = [:]
        for r in try db.rows(sql, args) {
            let g = r[0].string
            let y = ReviewYield(reviewed: Int(r[1].int64), kept: Int(r[2].int64))
            if grouping == .tag {
                let labels = Ledger.tagLabels(g)
                for t in labels.isEmpty ? ["(untagged)"] : labels {
                    let old = result[t] ?? ReviewYield(reviewed: 0, kept: 0)
                    result[t] = ReviewYield(reviewed: old.reviewed + y.reviewed, kept: old.kept + y.kept)
                }
            } else {
                result[g] = y
            }
        }
        return result
    }

    /// The report's independent parts, each a query or a few (the SQLite store runs them at
    /// once on its reader connections; PostgreSQL runs them in one snapshot).
    static func reportParts(grouping: ReportGrouping, filter: LedgerFilter) -> [@Sendable (SQLRows) throws -> ReportPart] {
        [
            { db in .rows(try aggregate(db, grouping: grouping, filter: filter)) },
            // Groupings that put each entry in exactly one group can add their rows up;
            // model and tag groupings count an entry under several groups, so ask the store.
            { db in .totals(grouping == .model || grouping == .tag ? try aggregate(db, grouping: nil, filter: filter) : nil) },
            { db in .prices(try pricesUsed(db, filter: filter)) },
            { db in .cards(try priceCards(db, filter: filter)) },
            { db in .reviews(try reviewYields(db, grouping: grouping, filter: filter),
                             try reviewYields(db, grouping: nil, filter: filter)) },
        ]
    }

    /// Puts the parts together, with the assumptions the numbers rest on.
    static func assemble(_ parts: [ReportPart], ledger: String, grouping: ReportGrouping, filter: LedgerFilter,
                         currentCard: PriceCard?) -> SavingsReport {
        var rows: [ReportRow] = [], totals: [ReportRow]? = nil, prices: [PriceUsed] = [], cards: [String: Int] = [:]
        var reviews: [String: ReviewYield] = [:], reviewTotal: [String: ReviewYield] = [:]
        for part in parts {
            switch part {
            case .rows(let r): rows = r
            case .totals(let t): totals = t
            case .prices(let p): prices = p
            case .cards(let c): cards = c
            case .reviews(let r, let t): reviews = r; reviewTotal = t
            }
        }
        var allTotals = totals ?? Ledger.total(rows)
        Ledger.attach(reviews, to: &rows)
        if let t = reviewTotal["total"] {
            if allTotals.isEmpty { allTotals = [ReportRow(group: "total", currency: "")] }
            allTotals[0].review = t
        }
        var assumptions = [
            "Avoided amounts are estimates: each entry was priced with the price card in effect when it was recorded (the unit prices listed), not with invoices.",
            "A use avoids what its --avoids said, else the card's [avoids] entry for its operation (reframe: once per distinct render; targets of the same size share one); a failed command claims nothing.",
            "Spent is what `stet log generation` and --spent recorded; net = avoided - spent, per currency; different currencies and credits are never added together.",
            "Yield = kept / generated, over logged generations that gave --kept; cost per kept uses the spend of those generations only.",
            "Days and --since/--until are in UTC.",
        ]
        if !reviewTotal.isEmpty {
            assumptions.append("Reviewed and kept are measured on the review board (`stet review`): each asset's candidates count once as reviewed; a candidate is kept when its last decision is a pick or a lock, not when a reject or an unlock followed.")
        }
        if grouping == .tag {
            assumptions.append("An entry with several tags counts once under each tag; the totals count it once.")
        }
        if grouping == .model {
            assumptions.append("An entry that avoided one model and spent on another counts under both; the totals count it once.")
        }
        for (hash, n) in cards.sorted(by: { $0.key < $1.key }) {
            assumptions.append("\(n) entr\(n == 1 ? "y" : "ies") priced with price card sha256 \(hash.prefix(12)).")
        }
        if let currentCard {
            assumptions.append("The card in effect now is \(currentCard.source) (sha256 \(currentCard.hash.prefix(12))); edit it to change future entries, not past ones.")
        }
        return SavingsReport(ledger: ledger, by: grouping.rawValue, since: filter.since, until: filter.until,
                             tags: filter.tags.map { "\($0.key)=\($0.value)" }, rows: rows, totals: allTotals,
                             pricesUsed: prices, priceCards: cards, assumptions: assumptions)
    }

    /// Stet's own consistency check, in SQL both stores run: every entry row has exactly the
    /// child rows it says it has, and no child row is without its entry.
    static func consistencyProblems(_ db: SQLRows) throws -> [String] {
        var problems = try db.rows("""
            SELECT e.id FROM entry e WHERE
                e.file_count != (SELECT count(*) FROM entry_file f WHERE f.entry_id = e.id)
             OR e.avoided_count != (SELECT count(*) FROM avoided a WHERE a.entry_id = e.id)
             OR e.spend_count != (SELECT count(*) FROM spend s WHERE s.entry_id = e.id)
             OR e.tag_count != (SELECT count(*) FROM tag t WHERE t.entry_id = e.id)
             OR e.decision_count != (SELECT count(*) FROM decision d WHERE d.entry_id = e.id)
            """, []).map { "entry \($0[0].int64) is missing child rows" }
        // NOT EXISTS, not NOT IN: PostgreSQL runs NOT IN over a million ids as a nested loop once
        // they no longer fit in work_mem; an anti-join is a primary-key probe in both stores.
        let orphans = try db.rows(["entry_file", "avoided", "spend", "tag", "decision"].map { table in
            "(SELECT count(*) FROM \(table) c WHERE NOT EXISTS (SELECT 1 FROM entry e WHERE e.id = c.entry_id))"
        }.joined(separator: " + ").replacingOccurrences(of: "^", with: "SELECT ", options: .regularExpression), [])
            .first?.first?.int64 ?? 0
        if orphans > 0 { problems.append("\(orphans) child rows belong to no entry") }
        return problems
    }

    static func count(_ db: SQLRows, filter: LedgerFilter) throws -> Int {
        let (w, args) = filter.whereClause()
        return Int(try db.rows("SELECT count(*) FROM entry e \(w)", args).first?.first?.int64 ?? 0)
    }
}

/// One independently computed part of a report.
enum ReportPart: Sendable {
    case rows([ReportRow]), totals([ReportRow]?), prices([PriceUsed]), cards([String: Int])
    case reviews([String: ReviewYield], [String: ReviewYield])
}
