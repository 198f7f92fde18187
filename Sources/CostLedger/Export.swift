import Foundation
import GRDB
import StetSupport

extension Ledger {
    /// Every matching entry, oldest first, with its files, avoided items, spend and tags,
    /// read in one snapshot.
    public func entries(_ filter: LedgerFilter = LedgerFilter()) throws -> [LedgerEntry] {
        try mapErrors {
            try pool.read { db in
                let (w, values) = filter.whereClause()
                let args = StatementArguments(values.map(\.grdb))
                let ids = "SELECT e.id FROM entry e \(w)"
                var files: [Int64: (inputs: [FileRecord], outputs: [FileRecord])] = [:]
                try Ledger.eachRow(db, "SELECT entry_id, role, path, sha256, width, height, bytes FROM entry_file WHERE entry_id IN (\(ids)) ORDER BY entry_id, role, position", args) { r in
                    let f = FileRecord(path: r[2], sha256: r[3], bytes: r[6], width: r[4], height: r[5])
                    let id: Int64 = r[0]
                    if (r[1] as String) == "input" { files[id, default: ([], [])].inputs.append(f) } else { files[id, default: ([], [])].outputs.append(f) }
                }
                var avoided: [Int64: [AvoidedItem]] = [:]
                try Ledger.eachRow(db, "SELECT entry_id, what, model, quantity, unit, unit_price_micros, currency, subtotal_micros FROM avoided WHERE entry_id IN (\(ids)) ORDER BY entry_id, position", args) { r in
                    avoided[r[0], default: []].append(AvoidedItem(what: r[1], model: r[2], quantity: r[3], unit: r[4],
                        unitPrice: Money(micros: r[5]), currency: r[6], subtotal: Money(micros: r[7])))
                }
                var spent: [Int64: [SpendItem]] = [:]
                try Ledger.eachRow(db, "SELECT entry_id, what, model, quantity, unit, unit_price_micros, currency, subtotal_micros, generated_count, kept_count, generated_seconds, kept_seconds FROM spend WHERE entry_id IN (\(ids)) ORDER BY entry_id, position", args) { r in
                    spent[r[0], default: []].append(SpendItem(what: r[1], model: r[2], quantity: r[3], unit: r[4],
                        unitPrice: Money(micros: r[5]), currency: r[6], subtotal: Money(micros: r[7]),
                        generatedCount: r[8], keptCount: r[9], generatedSeconds: r[10], keptSeconds: r[11]))
                }
                var tags: [Int64: [String: String]] = [:]
                try Ledger.eachRow(db, "SELECT entry_id, key, value FROM tag WHERE entry_id IN (\(ids))", args) { r in
                    tags[r[0], default: [:]][r[1]] = r[2]
                }
                var decisions: [Int64: ReviewDecision] = [:]
                try Ledger.eachRow(db, "SELECT entry_id, kind, asset, asset_label, candidates, path, sha256, model, role FROM decision WHERE entry_id IN (\(ids))", args) { r in
                    decisions[r[0]] = ReviewDecision(kind: ReviewDecision.Kind(rawValue: r[1]) ?? .pick, asset: r[2], assetLabel: r[3],
                                                     candidates: r[4], path: r[5], sha256: r[6], model: r[7], role: r[8])
                }
                var result: [LedgerEntry] = []
                try Ledger.eachRow(db, """
                    SELECT e.id, e.uuid, e.time, e.project, e.user, e.command_line, e.operation, e.parameters, e.succeeded,
                        e.error, e.price_card_hash, e.wall_seconds, e.cpu_seconds, e.stet_version FROM entry e \(w) ORDER BY e.id
                    """, args) { r in
                    let id: Int64 = r[0]
                    let paramsText: String = r[7]
                    let params = (try? JSONSerialization.jsonObject(with: Data(paramsText.utf8))) as? [String: String] ?? [:]
                    let timeText: String = r[2]
                    result.append(LedgerEntry(
                        id: id, uuid: r[1], time: LedgerTime.date(timeText) ?? Date(timeIntervalSince1970: 0),
                        project: r[3], user: r[4], commandLine: r[5], operation: r[6], parameters: params,
                        inputs: files[id]?.inputs ?? [], outputs: files[id]?.outputs ?? [],
                        avoided: avoided[id] ?? [], spent: spent[id] ?? [], priceCardHash: r[10],
                        wallSeconds: r[11], cpuSeconds: r[12], stetVersion: r[13], tags: tags[id] ?? [:],
                        succeeded: r[8], error: r[9]))
                    result[result.count - 1].decision = decisions[id]
                }
                return result
            }
        }
    }
}

extension Ledger {
    /// Up to `limit` entries with ids above `after`, oldest first (`stet ledger push` sends a
    /// ledger in such batches).
    public func entries(after: Int64, limit: Int) throws -> [LedgerEntry] {
        let last = try mapErrors {
            try pool.read { db in
                try Int64.fetchOne(db, sql: "SELECT max(id) FROM (SELECT id FROM entry WHERE id > ? ORDER BY id LIMIT ?)",
                                   arguments: [after, limit])
            }
        }
        guard let last else { return [] }
        var filter = LedgerFilter()
        filter.idRange = (after, last)
        return try entries(filter)
    }

    /// Walks a query's rows without materialising them all.
    static func eachRow(_ db: Database, _ sql: String, _ args: StatementArguments, _ body: (Row) throws -> Void) throws {
        let cursor = try Row.fetchCursor(db, sql: sql, arguments: args)
        while let row = try cursor.next() { try body(row) }
    }
}

/// `stet ledger export` formats.
public enum EntryFormat {
    /// One JSON object per line, keys sorted, times in the ledger's ISO 8601 form.
    public static func jsonLine(_ entry: LedgerEntry) throws -> String {
        String(decoding: try lineEncoder().encode(entry), as: UTF8.self)
    }

    /// Every entry as JSON lines, with one encoder for all of them.
    public static func jsonLines(_ entries: [LedgerEntry]) throws -> Data {
        let encoder = lineEncoder()
        var out = Data()
        out.reserveCapacity(entries.count * 600)
        for entry in entries {
            out.append(try encoder.encode(entry))
            out.append(0x0A)
        }
        return out
    }

    static func lineEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, enc in
            var c = enc.singleValueContainer()
            try c.encode(LedgerTime.string(date))
        }
        return encoder
    }

    /// Reads a line `jsonLine` wrote (an entry from `stet ledger export --format jsonl`).
    /// Pass one `lineDecoder()` for a whole file.
    public static func entry(fromJSONLine line: String, decoder: JSONDecoder = lineDecoder()) throws -> LedgerEntry {
        try decoder.decode(LedgerEntry.self, from: Data(line.utf8))
    }

    public static func lineDecoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { dec in
            let c = try dec.singleValueContainer()
            let text = try c.decode(String.self)
            guard let date = LedgerTime.date(text) else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected an ISO 8601 time but found \(text)")
            }
            return date
        }
        return decoder
    }

    public static let csvHeader = [
        "id", "uuid", "time", "project", "user", "operation", "succeeded", "error", "avoided", "avoided_currency",
        "avoided_items", "spent", "spent_currency", "spent_items", "inputs", "outputs", "parameters", "tags",
        "price_card_sha256", "wall_seconds", "cpu_seconds", "stet_version", "command_line",
    ]

    /// One row per entry. Money is summed per currency ("0.08" or "0.08 USD; 4 credits");
    /// files are "path@sha256" joined with "; ".
    public static func csvRow(_ e: LedgerEntry) -> [String] {
        func money(_ items: [(String, Money)]) -> (String, String) {
            var by: [String: Money] = [:]
            for (c, m) in items { by[c] = (by[c] ?? .zero) + m }
            if by.count <= 1 { return (by.first.map { $0.value.exact } ?? "0.00", by.first?.key ?? "") }
            return (by.sorted { $0.key < $1.key }.map { "\($0.value.exact) \($0.key)" }.joined(separator: "; "), "mixed")
        }
        let (avoided, avoidedCurrency) = money(e.avoided.map { ($0.currency, $0.subtotal) })
        let (spent, spentCurrency) = money(e.spent.map { ($0.currency, $0.subtotal) })
        let params = e.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
        return [
            e.id.map(String.init) ?? "", e.uuid, LedgerTime.string(e.time), e.project ?? "", e.user, e.operation,
            e.succeeded ? "true" : "false", e.error ?? "", avoided, avoidedCurrency,
            e.avoided.map(\.what).joined(separator: "; "), spent, spentCurrency, e.spent.map(\.what).joined(separator: "; "),
            e.inputs.map { "\($0.path)@\($0.sha256)" }.joined(separator: "; "),
            e.outputs.map { "\($0.path)@\($0.sha256)" }.joined(separator: "; "), params,
            e.tags.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; "),
            e.priceCardHash, String(format: "%.3f", e.wallSeconds), String(format: "%.3f", e.cpuSeconds),
            e.stetVersion, e.commandLine,
        ]
    }
}

/// RFC 4180 CSV fields.
public enum CSV {
    public static func field(_ s: String) -> String {
        if s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return s
    }

    public static func line(_ fields: [String]) -> String { fields.map(field).joined(separator: ",") }
}
