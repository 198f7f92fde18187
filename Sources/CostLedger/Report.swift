import Foundation
import GRDB
import StetSupport

/// What a savings report groups by.
public enum ReportGrouping: String, CaseIterable, Sendable {
    case operation, model, project, user, day, tag
}

/// One group's totals in one currency. Amounts in different currencies are never added.
public struct ReportRow: Codable, Equatable, Sendable {
    public var group: String
    /// "" for a group with no money at all (say, only `stet info` uses).
    public var currency: String
    /// Entries in the group (successful and failed), whatever their currency.
    public var entries: Int
    public var failed: Int
    public var avoided: Money
    public var spent: Money
    public var net: Money { avoided - spent }
    /// Logged generations: outputs generated and kept (--count), seconds generated and kept (--seconds).
    public var generated: Double
    public var kept: Double?
    public var generatedSeconds: Double
    public var keptSeconds: Double?
    /// kept ÷ generated, over generations logged with --kept.
    public var yield: Double?
    public var secondsYield: Double?
    /// Spend on generations logged with --kept, per kept output or per kept second.
    public var costPerKept: Money?
    public var costPerKeptSecond: Money?
    /// Measured on the review board: candidates reviewed and kept (`stet review`).
    public var review: ReviewYield?

    enum CodingKeys: String, CodingKey {
        case group, currency, entries, failed, avoided, spent, net, generated, kept, generatedSeconds, keptSeconds
        case yield, secondsYield, costPerKept, costPerKeptSecond, review
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(group, forKey: .group); try c.encode(currency, forKey: .currency)
        try c.encode(entries, forKey: .entries); try c.encode(failed, forKey: .failed)
        try c.encode(avoided, forKey: .avoided); try c.encode(spent, forKey: .spent); try c.encode(net, forKey: .net)
        try c.encode(generated, forKey: .generated); try c.encodeIfPresent(kept, forKey: .kept)
        try c.encode(generatedSeconds, forKey: .generatedSeconds); try c.encodeIfPresent(keptSeconds, forKey: .keptSeconds)
        try c.encodeIfPresent(yield, forKey: .yield); try c.encodeIfPresent(secondsYield, forKey: .secondsYield)
        try c.encodeIfPresent(costPerKept, forKey: .costPerKept)
        try c.encodeIfPresent(costPerKeptSecond, forKey: .costPerKeptSecond)
        try c.encodeIfPresent(review, forKey: .review)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        group = try c.decode(String.self, forKey: .group); currency = try c.decode(String.self, forKey: .currency)
        entries = try c.decode(Int.self, forKey: .entries); failed = try c.decode(Int.self, forKey: .failed)
        avoided = try c.decode(Money.self, forKey: .avoided); spent = try c.decode(Money.self, forKey: .spent)
        generated = try c.decode(Double.self, forKey: .generated); kept = try c.decodeIfPresent(Double.self, forKey: .kept)
        generatedSeconds = try c.decode(Double.self, forKey: .generatedSeconds)
        keptSeconds = try c.decodeIfPresent(Double.self, forKey: .keptSeconds)
        yield = try c.decodeIfPresent(Double.self, forKey: .yield)
        secondsYield = try c.decodeIfPresent(Double.self, forKey: .secondsYield)
        costPerKept = try c.decodeIfPresent(Money.self, forKey: .costPerKept)
        costPerKeptSecond = try c.decodeIfPresent(Money.self, forKey: .costPerKeptSecond)
        review = try c.decodeIfPresent(ReviewYield.self, forKey: .review)
    }

    // Sums behind the yields, kept so that rows can be added up (not encoded).
    var genWithKept: Double?
    var secWithKept: Double?
    var spentWithKept: Money?
    var spentWithKeptSeconds: Money?

    mutating func finishYield() {
        yield = nil; costPerKept = nil; secondsYield = nil; costPerKeptSecond = nil
        if let g = genWithKept, let k = kept, g > 0 { yield = k / g }
        if let k = kept, let s = spentWithKept, k > 0 { costPerKept = Money(micros: Int64((Double(s.micros) / k).rounded())) }
        if let g = secWithKept, let k = keptSeconds, g > 0 { secondsYield = k / g }
        if let k = keptSeconds, let s = spentWithKeptSeconds, k > 0 {
            costPerKeptSecond = Money(micros: Int64((Double(s.micros) / k).rounded()))
        }
    }

    init(group: String, currency: String) {
        self.group = group; self.currency = currency; entries = 0; failed = 0; avoided = .zero; spent = .zero
        generated = 0; generatedSeconds = 0
    }

    /// Adds another row's money and generations (not its entry counts; call `finishYield` after).
    mutating func accumulate(_ r: ReportRow) {
        avoided = avoided + r.avoided
        spent = spent + r.spent
        generated += r.generated
        generatedSeconds += r.generatedSeconds
        kept = Ledger.sum(kept, r.kept)
        keptSeconds = Ledger.sum(keptSeconds, r.keptSeconds)
        genWithKept = Ledger.sum(genWithKept, r.genWithKept)
        secWithKept = Ledger.sum(secWithKept, r.secWithKept)
        spentWithKept = Ledger.sumMoney(spentWithKept, r.spentWithKept)
        spentWithKeptSeconds = Ledger.sumMoney(spentWithKeptSeconds, r.spentWithKeptSeconds)
    }
}

/// A unit price the report's avoided or spent amounts were computed with.
public struct PriceUsed: Codable, Equatable, Sendable {
    public var kind: String   // "avoided" or "spent"
    public var model: String
    public var unit: String
    public var unitPrice: Money
    public var currency: String
    public var uses: Int

    public init(kind: String, model: String, unit: String, unitPrice: Money, currency: String, uses: Int) {
        self.kind = kind; self.model = model; self.unit = unit; self.unitPrice = unitPrice; self.currency = currency; self.uses = uses
    }
}

/// Totals avoided, spent and net, grouped, with the assumptions they rest on.
public struct SavingsReport: Codable, Sendable {
    public var ledger: String
    public var by: String
    public var since: String?
    public var until: String?
    public var tags: [String]
    public var rows: [ReportRow]
    /// One row per currency over every matching entry (an entry counts once, whatever the grouping).
    public var totals: [ReportRow]
    public var pricesUsed: [PriceUsed]
    /// Price card hash to the number of entries recorded with it.
    public var priceCards: [String: Int]
    public var assumptions: [String]
}

extension Ledger {
    /// Builds a grouped report with SQL aggregates (no per-entry work in Swift, so 100,000
    /// entries stay under the 0.3 s target).
    public func report(by grouping: ReportGrouping, filter: LedgerFilter = LedgerFilter(),
                       currentCard: PriceCard? = nil) throws -> SavingsReport {
        try mapErrors {
            // The report's four parts are independent queries; they run at once on the pool's
            // two reader connections (about 1.6x faster on two cores). Entries are only ever
            // appended, each in one transaction, so parts that saw the same last entry id saw
            // the same ledger; if a writer committed in between, they are read again together.
            let parts: [@Sendable (Database) throws -> ReportPart] = [
                { db in .rows(try Ledger.aggregate(db, grouping: grouping, filter: filter)) },
                // Groupings that put each entry in exactly one group can add their rows up;
                // model and tag groupings count an entry under several groups, so ask SQLite.
                { db in .totals(grouping == .model || grouping == .tag
                                ? try Ledger.aggregate(db, grouping: nil, filter: filter) : nil) },
                { db in .prices(try Ledger.pricesUsed(db, filter: filter)) },
                { db in .cards(try Ledger.priceCards(db, filter: filter)) },
                { db in .reviews(try Ledger.reviewYields(db, grouping: grouping, filter: filter),
                                 try Ledger.reviewYields(db, grouping: nil, filter: filter)) },
            ]
            var results = try concurrentReads(parts)
            if Set(results.map(\.0)).count > 1 {
                results = try pool.read { db in try parts.map { (try Ledger.lastEntry(db), try $0(db)) } }
            }
            var rows: [ReportRow] = [], totals: [ReportRow]? = nil, prices: [PriceUsed] = [], cards: [String: Int] = [:]
            var reviews: [String: ReviewYield] = [:], reviewTotal: [String: ReviewYield] = [:]
            for (_, part) in results {
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
            return SavingsReport(ledger: path, by: grouping.rawValue, since: filter.since, until: filter.until,
                                 tags: filter.tags.map { "\($0.key)=\($0.value)" }, rows: rows, totals: allTotals,
                                 pricesUsed: prices, priceCards: cards, assumptions: assumptions)
        }
    }

    /// One independently computed part of a report.
    enum ReportPart: Sendable {
        case rows([ReportRow]), totals([ReportRow]?), prices([PriceUsed]), cards([String: Int])
        case reviews([String: ReviewYield], [String: ReviewYield])
    }

    /// Puts each group's measured yield on that group's first row (by the report's order), or on
    /// a new row with no currency.
    static func attach(_ yields: [String: ReviewYield], to rows: inout [ReportRow]) {
        for (g, y) in yields {
            if let i = rows.firstIndex(where: { $0.group == g }) { rows[i].review = y } else {
                var row = ReportRow(group: g, currency: "")
                row.review = y
                rows.append(row)
            }
        }
    }

    /// Runs each job in its own read (so on its own reader connection, at the same time as the
    /// others) and returns, in order, the last entry id each one saw with its result.
    func concurrentReads<T: Sendable>(_ jobs: [@Sendable (Database) throws -> T]) throws -> [(Int64, T)] {
        let slots = ResultSlots<Result<(Int64, T), Error>>(count: jobs.count)
        let pool = self.pool
        DispatchQueue.concurrentPerform(iterations: jobs.count) { i in
            slots[i] = Result { try pool.read { db in (try Ledger.lastEntry(db), try jobs[i](db)) } }
        }
        return try slots.values.map { try $0!.get() }
    }

    static func lastEntry(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT max(id) FROM entry") ?? 0
    }

    /// The unit prices behind the report's amounts, with how many items used each.
    static func pricesUsed(_ db: Database, filter: LedgerFilter) throws -> [PriceUsed] {
        let (w, args) = filter.whereClause()
        var prices: [PriceUsed] = []
        for (kind, table, extra) in [("avoided", "avoided", ""), ("spent", "spend", "AND x.model != ''")] {
            // Without a filter the entry table is not needed at all.
            let from = filter.isEmpty ? "\(table) x WHERE 1 \(extra)"
                : "\(table) x CROSS JOIN entry e ON e.id = x.entry_id \(extra) \(w)"
            let sql = "SELECT x.model, x.unit, x.unit_price_micros, x.currency, count(*) FROM \(from) GROUP BY 1, 2, 3, 4 ORDER BY 1, 3"
            for r in try Row.fetchAll(db, sql: sql, arguments: args) {
                prices.append(PriceUsed(kind: kind, model: r[0], unit: r[1], unitPrice: Money(micros: r[2]),
                                        currency: r[3], uses: r[4]))
            }
        }
        return prices
    }

    /// Price card hash to the number of matching entries recorded with it.
    static func priceCards(_ db: Database, filter: LedgerFilter) throws -> [String: Int] {
        let (w, args) = filter.whereClause()
        var cards: [String: Int] = [:]
        for r in try Row.fetchAll(db, sql: "SELECT e.price_card_hash, count(*) FROM entry e \(w) GROUP BY 1", arguments: args) {
            cards[r[0]] = r[1]
        }
        return cards
    }

    /// Per-currency totals of rows whose groups do not overlap.
    static func total(_ rows: [ReportRow]) -> [ReportRow] {
        var byCurrency: [String: ReportRow] = [:]
        var entries = 0, failed = 0
        var counted = Set<String>()
        for r in rows {
            if counted.insert(r.group).inserted { entries += r.entries; failed += r.failed }
            byCurrency[r.currency, default: ReportRow(group: "total", currency: r.currency)].accumulate(r)
        }
        // A currency-less row only when nothing at all carries money.
        if byCurrency.count > 1 { byCurrency[""] = nil }
        var result = byCurrency.values.sorted { $0.currency < $1.currency }
        for i in result.indices {
            result[i].entries = entries
            result[i].failed = failed
            result[i].finishYield()
        }
        return result
    }

    static func sum(_ a: Double?, _ b: Double?) -> Double? { a == nil && b == nil ? nil : (a ?? 0) + (b ?? 0) }
    static func sumMoney(_ a: Money?, _ b: Money?) -> Money? { a == nil && b == nil ? nil : (a ?? .zero) + (b ?? .zero) }

    /// Rows per (group, currency); `grouping == nil` gives the per-currency totals.
    static func aggregate(_ db: Database, grouping: ReportGrouping?, filter: LedgerFilter) throws -> [ReportRow] {
        let (w, args) = filter.whereClause()
        // Without a filter, groupings that do not read entry columns (model, tag, the totals)
        // aggregate the child tables alone: no lookup into the wide entry rows.
        let joinEntry = !filter.isEmpty || [.operation, .project, .user, .day].contains(grouping)
        // Tags group by each entry's tag signature (copied onto the money rows, see migration
        // v4); the signatures are split into tags below.
        func entryGroup() -> String {
            switch grouping {
            case nil: return "'total'"
            case .operation: return "e.operation"
            case .project: return "COALESCE(e.project, '(none)')"
            case .user: return "e.user"
            case .day: return "e.day"
            case .tag: return "e.tags"
            case .model: return "'(none)'"   // replaced below
            }
        }
        let avoidedGroup = grouping == .model ? "a.model" : grouping == .tag ? "a.tags" : entryGroup()
        let spendGroup = grouping == .model ? "CASE WHEN s.model = '' THEN '(unspecified)' ELSE s.model END"
            : grouping == .tag ? "s.tags" : entryGroup()

        let decisionModel = "CASE WHEN d.model = '' THEN '(unspecified)' ELSE d.model END"
        // Entries (and failed entries) per group.
        var entries: [String: (Int, Int)] = [:]
        func collect(_ sql: String, _ arguments: StatementArguments, failedOnly: Bool = false) throws {
            for r in try Row.fetchAll(db, sql: sql, arguments: arguments) {
                let g: String = r[0]
                var e = entries[g] ?? (0, 0)
                if failedOnly { e.1 += r[1] } else { e.0 += r[1]; e.1 += (r[2] as Int?) ?? 0 }
                entries[g] = e
            }
        }
        switch (grouping, joinEntry) {
        case (.model, true):
            let none = (w.isEmpty ? "WHERE " : w + " AND ") + "e.avoided_count = 0 AND e.spend_count = 0 AND e.decision_count = 0"
            try collect("""
                SELECT g, count(DISTINCT id), count(DISTINCT CASE WHEN succeeded = 0 THEN id END) FROM (
                    SELECT a.model AS g, e.id AS id, e.succeeded AS succeeded FROM avoided a CROSS JOIN entry e ON e.id = a.entry_id \(w)
                    UNION ALL SELECT \(spendGroup), e.id, e.succeeded FROM spend s CROSS JOIN entry e ON e.id = s.entry_id \(w)
                    UNION ALL SELECT \(decisionModel), e.id, e.succeeded FROM decision d CROSS JOIN entry e ON e.id = d.entry_id \(w)
                    UNION ALL SELECT '(none)', e.id, e.succeeded FROM entry e \(none)
                ) GROUP BY g
                """, args + args + args + args)
        case (.model, false):
            // Stet never records avoided items or spend on a failed entry, so failures all
            // fall under (none).
            try collect("""
                SELECT g, count(DISTINCT id), 0 FROM (
                    SELECT a.model AS g, a.entry_id AS id FROM avoided a
                    UNION ALL SELECT \(spendGroup), s.entry_id FROM spend s
                    UNION ALL SELECT \(decisionModel), d.entry_id FROM decision d
                ) GROUP BY g
                """, [])
            try collect("SELECT '(none)', count(*), sum(succeeded = 0) FROM entry WHERE avoided_count = 0 AND spend_count = 0 AND decision_count = 0", [])
        default:
            try collect("SELECT \(entryGroup()), count(*), sum(e.succeeded = 0) FROM entry e \(w) GROUP BY 1", args)
        }
        entries = entries.filter { $0.value.0 > 0 }   // the short cuts report empty groups as 0

        var rows: [String: ReportRow] = [:]
        func key(_ g: String, _ c: String) -> String { g + "\u{1}" + c }
        let avoidedSQL = """
            SELECT \(avoidedGroup), a.currency, sum(a.subtotal_micros) FROM avoided a
            \(joinEntry ? "CROSS JOIN entry e ON e.id = a.entry_id" : "") \(w) GROUP BY 1, 2
            """
        for r in try Row.fetchAll(db, sql: avoidedSQL, arguments: args) {
            let g: String = r[0], c: String = r[1]
            rows[key(g, c), default: ReportRow(group: g, currency: c)].avoided = Money(micros: r[2])
        }
        let spendSQL = """
            SELECT \(spendGroup), s.currency, sum(s.subtotal_micros),
                total(s.generated_count),
                sum(CASE WHEN s.kept_count IS NOT NULL THEN s.generated_count END), sum(s.kept_count),
                sum(CASE WHEN s.kept_count IS NOT NULL THEN s.subtotal_micros END),
                total(s.generated_seconds),
                sum(CASE WHEN s.kept_seconds IS NOT NULL THEN s.generated_seconds END), sum(s.kept_seconds),
                sum(CASE WHEN s.kept_seconds IS NOT NULL THEN s.subtotal_micros END)
            FROM spend s \(joinEntry ? "CROSS JOIN entry e ON e.id = s.entry_id" : "") \(w) GROUP BY 1, 2
            """
        for r in try Row.fetchAll(db, sql: spendSQL, arguments: args) {
            let g: String = r[0], c: String = r[1]
            var row = rows[key(g, c), default: ReportRow(group: g, currency: c)]
            row.spent = Money(micros: r[2])
            row.generated = r[3]
            row.genWithKept = r[4]
            row.kept = r[5]
            row.spentWithKept = (r[6] as Int64?).map { Money(micros: $0) }
            row.generatedSeconds = r[7]
            row.secWithKept = r[8]
            row.keptSeconds = r[9]
            row.spentWithKeptSeconds = (r[10] as Int64?).map { Money(micros: $0) }
            row.finishYield()
            rows[key(g, c)] = row
        }
        if grouping == .tag { (entries, rows) = splitTagSignatures(entries: entries, rows: rows) }
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
        // Largest net first within a currency; stable by name. Days sort by date.
        result.sort { a, b in
            if grouping == .day { return (a.group, a.currency) < (b.group, b.currency) }
            if a.currency != b.currency { return a.currency < b.currency }
            if a.net != b.net { return a.net > b.net }
            return a.group < b.group
        }
        return result
    }

    /// Turns rows and entry counts per tag signature into rows per tag: an entry with several
    /// tags counts under each of them, an entry with none under "(untagged)".
    static func splitTagSignatures(entries: [String: (Int, Int)], rows: [String: ReportRow])
        -> ([String: (Int, Int)], [String: ReportRow]) {
        var labels: [String: [String]] = [:]
        func tags(_ signature: String) -> [String] {
            if let known = labels[signature] { return known }
            let found = tagLabels(signature)
            let result = found.isEmpty ? ["(untagged)"] : found
            labels[signature] = result
            return result
        }
        var byTag: [String: (Int, Int)] = [:]
        for (signature, counts) in entries {
            for t in tags(signature) {
                let e = byTag[t] ?? (0, 0)
                byTag[t] = (e.0 + counts.0, e.1 + counts.1)
            }
        }
        var tagRows: [String: ReportRow] = [:]
        for row in rows.values {
            for t in tags(row.group) {
                tagRows[t + "\u{1}" + row.currency, default: ReportRow(group: t, currency: row.currency)].accumulate(row)
            }
        }
        for k in tagRows.keys { tagRows[k]!.finishYield() }
        return (byTag, tagRows)
    }
}
