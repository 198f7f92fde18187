import Foundation

/// Running totals kept beside the PostgreSQL ledger's entries, so a report over a million
/// entries reads a few thousand rows instead of joining a million. Per day, operation, project,
/// user, tag set and price card: entries and failures (`rollup_entry`); per day and model
/// group: entries (`rollup_model`); per the same keys plus model, unit, unit price and currency:
/// money and generations (`rollup_money`). They are upserted in the same statement that inserts
/// the entries (`PostgresLedger.insertSQL`), rows in key order so that concurrent writers lock
/// them in the same order and never deadlock; `stet ledger check` rebuilds them from the rows and
/// compares. Unfiltered and whole-day reports read them; `--tag` or intra-day bounds run the
/// shared SQL (`LedgerSQL`) over the entries.
enum PostgresRollups {
    static let tables = [
        """
        CREATE TABLE rollup_entry (
            day TEXT NOT NULL, operation TEXT NOT NULL, project TEXT NOT NULL, "user" TEXT NOT NULL, tags TEXT NOT NULL,
            price_card_hash TEXT NOT NULL, entries BIGINT NOT NULL, failed BIGINT NOT NULL,
            PRIMARY KEY (day, operation, project, "user", tags, price_card_hash))
        """,
        """
        CREATE TABLE rollup_model (
            day TEXT NOT NULL, model TEXT NOT NULL, entries BIGINT NOT NULL, failed BIGINT NOT NULL, PRIMARY KEY (day, model))
        """,
        """
        CREATE TABLE rollup_money (
            kind TEXT NOT NULL, day TEXT NOT NULL, operation TEXT NOT NULL, project TEXT NOT NULL, "user" TEXT NOT NULL,
            tags TEXT NOT NULL, model TEXT NOT NULL, unit TEXT NOT NULL, unit_price_micros BIGINT NOT NULL, currency TEXT NOT NULL,
            uses BIGINT NOT NULL, subtotal BIGINT NOT NULL, generated DOUBLE PRECISION NOT NULL, gen_with_kept DOUBLE PRECISION,
            kept DOUBLE PRECISION, spent_with_kept BIGINT, gen_seconds DOUBLE PRECISION NOT NULL, sec_with_kept DOUBLE PRECISION,
            kept_seconds DOUBLE PRECISION, spent_with_kept_seconds BIGINT,
            PRIMARY KEY (kind, day, operation, project, "user", tags, model, unit, unit_price_micros, currency))
        """,
        "CREATE TABLE stet_rollups (built_at TIMESTAMPTZ NOT NULL DEFAULT now())",
    ]

    static let entryKey = #"day, operation, project, "user", tags, price_card_hash"#
    static let moneyKey = #"kind, day, operation, project, "user", tags, model, unit, unit_price_micros, currency"#

    /// NULL-preserving addition for the upserts (a sum over no kept counts stays NULL).
    static func add(_ c: String) -> String {
        "\(c) = CASE WHEN t.\(c) IS NULL AND excluded.\(c) IS NULL THEN NULL ELSE COALESCE(t.\(c), 0) + COALESCE(excluded.\(c), 0) END"
    }

    static let entryUpsert = "ON CONFLICT (\(entryKey)) DO UPDATE SET entries = t.entries + excluded.entries, failed = t.failed + excluded.failed"
    static let modelUpsert = "ON CONFLICT (day, model) DO UPDATE SET entries = t.entries + excluded.entries, failed = t.failed + excluded.failed"
    static let moneyUpsert = """
        ON CONFLICT (\(moneyKey)) DO UPDATE SET uses = t.uses + excluded.uses, subtotal = t.subtotal + excluded.subtotal,
            generated = t.generated + excluded.generated, gen_seconds = t.gen_seconds + excluded.gen_seconds,
            \(["gen_with_kept", "kept", "spent_with_kept", "sec_with_kept", "kept_seconds", "spent_with_kept_seconds"].map(add).joined(separator: ", "))
        """

    /// The money columns' aggregates over spend-like rows aliased `r`.
    static let moneyAggregates = """
        count(*), CAST(sum(r.subtotal_micros) AS BIGINT), COALESCE(sum(r.generated_count), 0),
        sum(CASE WHEN r.kept_count IS NOT NULL THEN r.generated_count END), sum(r.kept_count),
        CAST(sum(CASE WHEN r.kept_count IS NOT NULL THEN r.subtotal_micros END) AS BIGINT),
        COALESCE(sum(r.generated_seconds), 0), sum(CASE WHEN r.kept_seconds IS NOT NULL THEN r.generated_seconds END),
        sum(r.kept_seconds), CAST(sum(CASE WHEN r.kept_seconds IS NOT NULL THEN r.subtotal_micros END) AS BIGINT)
        """
    static let moneyColumns = "uses, subtotal, generated, gen_with_kept, kept, spent_with_kept, gen_seconds, sec_with_kept, kept_seconds, spent_with_kept_seconds"

    /// The CTEs `insertSQL` adds: the new entries' totals, upserted. `ins` holds the new
    /// entries' ids and uuids, `src` the batch.
    static let insertCTEs = """
        re AS (
            INSERT INTO rollup_entry AS t (\(entryKey), entries, failed)
            SELECT src.day, src.operation, COALESCE(src.project, '(none)'), src."user", src.tags, src.price_card_hash, count(*),
                sum(CASE WHEN src.succeeded = 0 THEN 1 ELSE 0 END)
            FROM ins JOIN src ON src.uuid = ins.uuid GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6
            \(entryUpsert)
        ),
        rm AS (
            INSERT INTO rollup_model AS t (day, model, entries, failed)
            SELECT x.day, x.g, count(*), sum(CASE WHEN x.succeeded = 0 THEN 1 ELSE 0 END) FROM (
                SELECT DISTINCT src.uuid, src.day, src.succeeded, m.g FROM ins JOIN src ON src.uuid = ins.uuid
                CROSS JOIN LATERAL (
                    SELECT r.model AS g FROM jsonb_to_recordset(src.avoided) AS r(model TEXT)
                    UNION ALL SELECT CASE WHEN r.model = '' THEN '(unspecified)' ELSE r.model END
                        FROM jsonb_to_recordset(src.spend) AS r(model TEXT)
                    UNION ALL SELECT CASE WHEN r.model = '' THEN '(unspecified)' ELSE r.model END
                        FROM jsonb_to_recordset(src.decision) AS r(model TEXT)
                    UNION ALL SELECT '(none)' WHERE src.avoided_count = 0 AND src.spend_count = 0 AND src.decision_count = 0
                ) AS m
            ) AS x GROUP BY 1, 2 ORDER BY 1, 2
            \(modelUpsert)
        ),
        ra AS (
            INSERT INTO rollup_money AS t (\(moneyKey), \(moneyColumns))
            SELECT 'avoided', src.day, src.operation, COALESCE(src.project, '(none)'), src."user", src.tags, r.model, r.unit,
                r.unit_price_micros, r.currency, count(*), CAST(sum(r.subtotal_micros) AS BIGINT), 0, NULL, NULL, NULL, 0, NULL, NULL, NULL
            FROM ins JOIN src ON src.uuid = ins.uuid CROSS JOIN LATERAL jsonb_to_recordset(src.avoided)
                AS r(model TEXT, unit TEXT, unit_price_micros BIGINT, currency TEXT, subtotal_micros BIGINT)
            GROUP BY 2, 3, 4, 5, 6, 7, 8, 9, 10 ORDER BY 2, 3, 4, 5, 6, 7, 8, 9, 10
            \(moneyUpsert)
        ),
        rs AS (
            INSERT INTO rollup_money AS t (\(moneyKey), \(moneyColumns))
            SELECT 'spend', src.day, src.operation, COALESCE(src.project, '(none)'), src."user", src.tags, r.model, r.unit,
                r.unit_price_micros, r.currency, \(moneyAggregates)
            FROM ins JOIN src ON src.uuid = ins.uuid CROSS JOIN LATERAL jsonb_to_recordset(src.spend)
                AS r(model TEXT, unit TEXT, unit_price_micros BIGINT, currency TEXT, subtotal_micros BIGINT,
                     generated_count DOUBLE PRECISION, kept_count DOUBLE PRECISION, generated_seconds DOUBLE PRECISION,
                     kept_seconds DOUBLE PRECISION)
            GROUP BY 2, 3, 4, 5, 6, 7, 8, 9, 10 ORDER BY 2, 3, 4, 5, 6, 7, 8, 9, 10
            \(moneyUpsert)
        ),
        """

    /// The rollups computed from the rows, as SELECTs with the tables' columns (to build or to check).
    static let fromRows: [(table: String, select: String)] = [
        ("rollup_entry", """
            SELECT e.day, e.operation, COALESCE(e.project, '(none)'), e."user", e.tags, e.price_card_hash, count(*),
                sum(CASE WHEN e.succeeded = 0 THEN 1 ELSE 0 END) FROM entry e GROUP BY 1, 2, 3, 4, 5, 6
            """),
        ("rollup_model", """
            SELECT x.day, x.g, count(*), sum(CASE WHEN x.succeeded = 0 THEN 1 ELSE 0 END) FROM (
                SELECT DISTINCT e.id, e.day, e.succeeded, m.g FROM (
                    SELECT a.entry_id AS id, a.model AS g FROM avoided a
                    UNION ALL SELECT s.entry_id, CASE WHEN s.model = '' THEN '(unspecified)' ELSE s.model END FROM spend s
                    UNION ALL SELECT d.entry_id, CASE WHEN d.model = '' THEN '(unspecified)' ELSE d.model END FROM decision d
                    UNION ALL SELECT e2.id, '(none)' FROM entry e2 WHERE e2.avoided_count = 0 AND e2.spend_count = 0 AND e2.decision_count = 0
                ) AS m JOIN entry e ON e.id = m.id
            ) AS x GROUP BY 1, 2
            """),
        ("rollup_money", """
            SELECT 'avoided', e.day, e.operation, COALESCE(e.project, '(none)'), e."user", e.tags, r.model, r.unit,
                r.unit_price_micros, r.currency, count(*), CAST(sum(r.subtotal_micros) AS BIGINT), 0, NULL, NULL, NULL, 0, NULL, NULL, NULL
            FROM avoided r JOIN entry e ON e.id = r.entry_id GROUP BY 2, 3, 4, 5, 6, 7, 8, 9, 10
            UNION ALL
            SELECT 'spend', e.day, e.operation, COALESCE(e.project, '(none)'), e."user", e.tags, r.model, r.unit,
                r.unit_price_micros, r.currency, \(moneyAggregates)
            FROM spend r JOIN entry e ON e.id = r.entry_id GROUP BY 2, 3, 4, 5, 6, 7, 8, 9, 10
            """),
    ]

    /// Statements that create the rollups and fill them from the rows already there.
    static var build: [String] {
        tables + fromRows.map { "INSERT INTO \($0.table) \($0.select)" }
    }

    /// Problems found comparing the rollups with totals rebuilt from the rows.
    static func problems(_ db: SQLRows) throws -> [String] {
        var problems: [String] = []
        for (table, select) in fromRows {
            let differ = try db.rows("""
                SELECT (SELECT count(*) FROM ((SELECT * FROM \(table)) EXCEPT ALL (\(select))) AS extra)
                     + (SELECT count(*) FROM ((\(select)) EXCEPT ALL (SELECT * FROM \(table))) AS missing)
                """, []).first?.first?.int64 ?? 0
            if differ > 0 { problems.append("\(table): \(differ) running totals disagree with the entries") }
        }
        return problems
    }

    /// True when the rollups can answer a report with this filter: no tags, and bounds (if any)
    /// on whole UTC days.
    static func covers(_ filter: LedgerFilter) -> Bool {
        filter.tags.isEmpty && filter.idRange == nil
            && [filter.since, filter.until].allSatisfy { $0 == nil || $0!.hasSuffix("T00:00:00.000Z") }
    }

    static func dayCondition(_ filter: LedgerFilter) -> (String, [SQLValue]) {
        var parts = ["1 = 1"], args: [SQLValue] = []
        if let since = filter.since { parts.append("day >= ?"); args.append(.text(String(since.prefix(10)))) }
        if let until = filter.until { parts.append("day < ?"); args.append(.text(String(until.prefix(10)))) }
        return (parts.joined(separator: " AND "), args)
    }

    static func group(_ grouping: ReportGrouping?) -> String {
        switch grouping {
        case nil: return "'total'"
        case .operation: return "operation"
        case .project: return "project"
        case .user: return "\"user\""
        case .day: return "day"
        case .tag: return "tags"
        case .model: return "model"
        }
    }

    /// `LedgerSQL.aggregate`, read from the rollups.
    static func aggregate(_ db: SQLRows, grouping: ReportGrouping?, filter: LedgerFilter) throws -> [ReportRow] {
        let (w, args) = dayCondition(filter)
        var entries: [String: (Int, Int)] = [:]
        let entrySQL = grouping == .model
            ? "SELECT model, CAST(sum(entries) AS BIGINT), CAST(sum(failed) AS BIGINT) FROM rollup_model WHERE \(w) GROUP BY 1"
            : "SELECT \(group(grouping)), CAST(sum(entries) AS BIGINT), CAST(sum(failed) AS BIGINT) FROM rollup_entry WHERE \(w) GROUP BY 1"
        for r in try db.rows(entrySQL, args) where r[1].int64 > 0 {
            // As the shared SQL's unfiltered short cut (which never joins the entries): failures
            // count under (none) only, since Stet records no items on a failed entry.
            let failed = grouping == .model && filter.isEmpty && r[0].string != "(none)" ? 0 : Int(r[2].int64)
            entries[r[0].string] = (Int(r[1].int64), failed)
        }
        let spendGroup = grouping == .model ? "CASE WHEN model = '' THEN '(unspecified)' ELSE model END" : group(grouping)
        let avoided = try db.rows("""
            SELECT \(group(grouping)), currency, CAST(sum(subtotal) AS BIGINT) FROM rollup_money
            WHERE kind = 'avoided' AND \(w) GROUP BY 1, 2
            """, args)
        let spend = try db.rows("""
            SELECT \(spendGroup), currency, CAST(sum(subtotal) AS BIGINT), sum(generated), sum(gen_with_kept), sum(kept),
                CAST(sum(spent_with_kept) AS BIGINT), sum(gen_seconds), sum(sec_with_kept), sum(kept_seconds),
                CAST(sum(spent_with_kept_seconds) AS BIGINT)
            FROM rollup_money WHERE kind = 'spend' AND \(w) GROUP BY 1, 2
            """, args)
        return LedgerSQL.finishAggregate(entries: entries, avoided: avoided, spend: spend, grouping: grouping)
    }

    static func pricesUsed(_ db: SQLRows, filter: LedgerFilter) throws -> [PriceUsed] {
        let (w, args) = dayCondition(filter)
        var prices: [PriceUsed] = []
        for (kind, stored, extra) in [("avoided", "avoided", ""), ("spent", "spend", "AND model != ''")] {
            for r in try db.rows("""
                SELECT model, unit, unit_price_micros, currency, CAST(sum(uses) AS BIGINT) FROM rollup_money
                WHERE kind = '\(stored)' AND \(w) \(extra) GROUP BY 1, 2, 3, 4 ORDER BY 1, 3
                """, args) {
                prices.append(PriceUsed(kind: kind, model: r[0].string, unit: r[1].string, unitPrice: Money(micros: r[2].int64),
                                        currency: r[3].string, uses: Int(r[4].int64)))
            }
        }
        return prices
    }

    static func priceCards(_ db: SQLRows, filter: LedgerFilter) throws -> [String: Int] {
        let (w, args) = dayCondition(filter)
        var cards: [String: Int] = [:]
        for r in try db.rows("SELECT price_card_hash, CAST(sum(entries) AS BIGINT) FROM rollup_entry WHERE \(w) GROUP BY 1", args) {
            cards[r[0].string] = Int(r[1].int64)
        }
        return cards
    }

    /// The report's parts from the rollups; the review yields (from the decision rows, few) as in `LedgerSQL`.
    static func reportParts(grouping: ReportGrouping, filter: LedgerFilter) -> [@Sendable (SQLRows) throws -> ReportPart] {
        [
            { db in .rows(try aggregate(db, grouping: grouping, filter: filter)) },
            { db in .totals(grouping == .model || grouping == .tag ? try aggregate(db, grouping: nil, filter: filter) : nil) },
            { db in .prices(try pricesUsed(db, filter: filter)) },
            { db in .cards(try priceCards(db, filter: filter)) },
            { db in .reviews(try LedgerSQL.reviewYields(db, grouping: grouping, filter: filter),
                             try LedgerSQL.reviewYields(db, grouping: nil, filter: filter)) },
        ]
    }
}
