import Dispatch
import Foundation
import Logging
import NIOCore
import PostgresNIO
import StetSupport

/// The cost-avoidance log on a team's PostgreSQL server (`--ledger postgresql://…`).
///
/// - The same tables as the SQLite store, through the same migrations (v1-v6); the version is
///   in `stet_schema`. Processes that meet an older schema take turns upgrading it under a
///   transaction-level advisory lock (`pg_advisory_xact_lock`), so exactly one runs each step.
/// - One connection per process. The CLI is synchronous; postgres-nio's futures are waited on
///   from the calling thread (never from the event loop), each with a safety timeout.
/// - One entry (or one pushed batch) is one statement: data-modifying CTEs over
///   `jsonb_to_recordset` insert the entry rows and all their child rows together, with
///   `ON CONFLICT (uuid) DO NOTHING`, so an entry is all there or not at all, and sending it
///   again adds nothing.
/// - postgres-nio never answers a query sent on a closed connection, so a lost connection is
///   remembered and every later call fails at once.
public final class PostgresLedger: LedgerStore, @unchecked Sendable {
    public let name: String
    let url: PostgresURL
    private let connection: PostgresConnection
    private let logger: Logger
    private let lock = NSLock()
    private var lost = false
    /// Seconds to wait for one answer before giving the connection up for lost (600 by default,
    /// `STET_LEDGER_TIMEOUT`): a check of a million entries takes about a minute here.
    let timeout: Double

    private init(url: PostgresURL, connection: PostgresConnection, logger: Logger, timeout: Double) {
        self.url = url; self.name = url.name; self.connection = connection; self.logger = logger; self.timeout = timeout
    }

    /// Closed before it goes (postgres-nio requires it), waiting at most a moment.
    deinit { close() }

    func close() {
        guard !connection.isClosed else { return }
        let closing: EventLoopFuture<Void> = connection.close()
        _ = try? PostgresLedger.wait(closing, timeout: 2)
    }

    /// Connects (and in `.record` mode creates or upgrades the schema). Problems come back as one
    /// line that names the ledger: a bad URL, a refused or unreachable server, a wrong password,
    /// a missing database, a newer schema.
    public static func open(_ text: String, mode: Ledger.Mode,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws -> PostgresLedger {
        let ledger = try connectOnly(text, environment: environment)
        try ledger.prepareSchema(mode: mode)
        try ledger.prepareRollups()
        return ledger
    }

    /// A connection, with no look at the schema (tests and set-up use it for CREATE DATABASE).
    static func connectOnly(_ text: String, environment: [String: String]) throws -> PostgresLedger {
        let url = try PostgresURL.parse(text, environment: environment)
        let timeout = environment["STET_LEDGER_TIMEOUT"].flatMap(Double.init) ?? 600
        var config = PostgresConnection.Configuration(host: url.host, port: url.port, username: url.user,
                                                      password: url.resolvedPassword(environment: environment),
                                                      database: url.database, tls: .disable)
        config.options.connectTimeout = .seconds(Int64(min(timeout, 10)))
        let logger = Logger(label: "stet.ledger.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
        let future = PostgresConnection.connect(on: PostgresConnection.defaultEventLoopGroup.next(), configuration: config,
                                                id: 1, logger: logger)
        let connection: PostgresConnection
        do {
            connection = try wait(future, timeout: timeout)
        } catch {
            throw describe(error, url: url, connecting: true)
        }
        return PostgresLedger(url: url, connection: connection, logger: logger, timeout: timeout)
    }

    // MARK: - Waiting and errors

    private final class Box<T>: @unchecked Sendable { var result: Result<T, Error>? }
    struct Timeout: Error {}

    static func wait<T>(_ future: EventLoopFuture<T>, timeout: Double) throws -> T {
        let done = DispatchSemaphore(value: 0)
        let box = Box<T>()
        future.whenComplete { result in box.result = result; done.signal() }
        guard done.wait(timeout: .now() + timeout) == .success else { throw Timeout() }
        return try box.result!.get()
    }

    /// One line naming the ledger for a driver error.
    static func describe(_ error: Error, url: PostgresURL, connecting: Bool) -> StetError {
        let name = url.name
        if let e = error as? StetError { return e }
        if error is Timeout {
            return connecting ? .output(name, "the server did not answer within the timeout; is it running and reachable?")
                : .output(name, "the connection to the server was lost; nothing was half-recorded")
        }
        if let e = error as? PSQLError {
            let state = e.serverInfo?[.sqlState]
            let message = e.serverInfo?[.message] ?? ""
            switch state {
            case "28P01": return .output(name, "password authentication failed for user \(url.user); check PGPASSWORD, ~/.pgpass or STET_LEDGER_URL")
            case "28000": return .output(name, "the server refused user \(url.user): \(message)")
            case "3D000": return .output(name, "database \(url.database) does not exist; create it (createdb \(url.database)) or name another")
            case "42501": return .output(name, "user \(url.user) may not do this: \(message)")
            case "57P01", "57P02", "57P03": return .output(name, "the connection to the server was lost; nothing was half-recorded")
            case "53300": return .output(name, "the server has too many connections: \(message)")
            case .some: return .output(name, "ledger error: \(message)")
            case nil: break
            }
            switch e.code {
            case .authMechanismRequiresPassword:
                return .output(name, "the server asks for a password; set PGPASSWORD, ~/.pgpass or STET_LEDGER_URL")
            case .connectionError where connecting, .uncleanShutdown where connecting:
                return .output(name, "cannot connect to the server at \(url.host):\(url.port) (\(connectionReason(e.underlying))); is it running?")
            case .serverClosedConnection, .connectionError, .uncleanShutdown, .clientClosedConnection:
                return connecting ? .output(name, "the server closed the connection while logging in")
                    : .output(name, "the connection to the server was lost; nothing was half-recorded")
            default:
                return .output(name, "ledger error: \(e.code)")
            }
        }
        let text = "\(error)"
        if connecting { return .output(name, "cannot connect to the server at \(url.host):\(url.port) (\(connectionReason(error))); is it running?") }
        return .output(name, "ledger error: \(text)")
    }

    static func connectionReason(_ error: Error?) -> String {
        guard let error else { return "no answer" }
        let text = "\(error)"
        if text.contains("refused") || text.contains("ECONNREFUSED") || text.contains("errno: 111") { return "connection refused" }
        if text.lowercased().contains("resolve") || text.contains("NXDOMAIN") || text.contains("unknown host") { return "unknown host" }
        if text.contains("timed out") || text.contains("Timeout") { return "timed out" }
        return "connection failed"
    }

    // MARK: - Queries

    /// `?` placeholders numbered `$1, $2, …` (the shared SQL never has a `?` in a literal).
    static func numbered(_ sql: String) -> String {
        var out = "", n = 0
        out.reserveCapacity(sql.count + 16)
        for ch in sql {
            if ch == "?" { n += 1; out += "$\(n)" } else { out.append(ch) }
        }
        return out
    }

    static func bindings(_ args: [SQLValue]) -> PostgresBindings {
        var b = PostgresBindings(capacity: args.count)
        for a in args {
            switch a {
            case .null: b.appendNull()
            case .int(let v): b.append(v)
            case .double(let d): b.append(d)
            case .text(let s): b.append(s)
            }
        }
        return b
    }

    static func value(_ cell: PostgresCell) -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2: return (try? cell.decode(Int16.self)).map { .int(Int64($0)) } ?? .null
        case .int4: return (try? cell.decode(Int32.self)).map { .int(Int64($0)) } ?? .null
        case .int8: return (try? cell.decode(Int64.self)).map { .int($0) } ?? .null
        case .float4: return (try? cell.decode(Float.self)).map { .double(Double($0)) } ?? .null
        case .float8: return (try? cell.decode(Double.self)).map { .double($0) } ?? .null
        case .bool: return (try? cell.decode(Bool.self)).map { .int($0 ? 1 : 0) } ?? .null
        case .numeric:
            if let d = try? cell.decode(Decimal.self) { return .text("\(d)") }
            return .null
        default: return (try? cell.decode(String.self)).map { .text($0) } ?? .null
        }
    }

    /// Runs one statement and returns its rows. Caller holds `lock`.
    private func run(_ sql: String, _ args: [SQLValue]) throws -> [[SQLValue]] {
        if lost || connection.isClosed {
            lost = true
            throw StetError.output(name, "the connection to the server was lost; nothing was half-recorded")
        }
        let query = PostgresQuery(unsafeSQL: PostgresLedger.numbered(sql), binds: PostgresLedger.bindings(args))
        do {
            let result = try PostgresLedger.wait(connection.query(query, logger: logger), timeout: timeout)
            return result.map { row in row.map(PostgresLedger.value) }
        } catch {
            let described = PostgresLedger.describe(error, url: url, connecting: false)
            if error is Timeout || connection.isClosed || described.description.hasSuffix("nothing was half-recorded") {
                lost = true
                close()
            }
            throw described
        }
    }

    /// `SQLRows` over this connection for the shared SQL (caller holds `lock`).
    private struct Rows: SQLRows {
        let ledger: PostgresLedger
        func rows(_ sql: String, _ arguments: [SQLValue]) throws -> [[SQLValue]] { try ledger.run(sql, arguments) }
    }

    /// Runs `body` in one transaction (rolled back when it throws).
    private func transaction<T>(_ begin: String = "BEGIN", _ body: (SQLRows) throws -> T) throws -> T {
        lock.lock(); defer { lock.unlock() }
        _ = try run(begin, [])
        do {
            let value = try body(Rows(ledger: self))
            _ = try run("COMMIT", [])
            return value
        } catch {
            if !lost { _ = try? run("ROLLBACK", []) }
            throw error
        }
    }

    private func read<T>(_ body: (SQLRows) throws -> T) throws -> T {
        try transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
    }

    /// For tests and set-up: one statement outside any transaction (CREATE DATABASE, say).
    func execute(_ sql: String, _ args: [SQLValue] = []) throws -> [[SQLValue]] {
        lock.lock(); defer { lock.unlock() }
        return try run(sql, args)
    }

    // MARK: - Schema

    /// The migrations, as for SQLite (`Ledger.migrator`), in PostgreSQL's types: BIGSERIAL ids,
    /// BIGINT money, DOUBLE PRECISION quantities, `"user"` quoted.
    static let migrations: [[String]] = [
        [   // v1: entries, files, avoided items
            """
            CREATE TABLE entry (
                id BIGSERIAL PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, time TEXT NOT NULL, day TEXT NOT NULL, project TEXT,
                "user" TEXT NOT NULL, command_line TEXT NOT NULL, operation TEXT NOT NULL, parameters TEXT NOT NULL DEFAULT '{}',
                succeeded INTEGER NOT NULL, error TEXT, price_card_hash TEXT NOT NULL, wall_seconds DOUBLE PRECISION NOT NULL,
                cpu_seconds DOUBLE PRECISION NOT NULL, stet_version TEXT NOT NULL, file_count INTEGER NOT NULL,
                avoided_count INTEGER NOT NULL)
            """,
            "CREATE INDEX entry_time ON entry(time)",
            """
            CREATE TABLE entry_file (
                entry_id BIGINT NOT NULL REFERENCES entry(id) ON DELETE CASCADE,
                role TEXT NOT NULL CHECK (role IN ('input', 'output')), position INTEGER NOT NULL, path TEXT NOT NULL,
                sha256 TEXT NOT NULL, width INTEGER, height INTEGER, bytes BIGINT NOT NULL,
                PRIMARY KEY (entry_id, role, position))
            """,
            """
            CREATE TABLE avoided (
                entry_id BIGINT NOT NULL REFERENCES entry(id) ON DELETE CASCADE, position INTEGER NOT NULL,
                what TEXT NOT NULL, model TEXT NOT NULL, quantity DOUBLE PRECISION NOT NULL, unit TEXT NOT NULL,
                unit_price_micros BIGINT NOT NULL, currency TEXT NOT NULL, subtotal_micros BIGINT NOT NULL,
                PRIMARY KEY (entry_id, position))
            """,
        ],
        [   // v2: spend and tags
            "ALTER TABLE entry ADD COLUMN spend_count INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE entry ADD COLUMN tag_count INTEGER NOT NULL DEFAULT 0",
            """
            CREATE TABLE spend (
                entry_id BIGINT NOT NULL REFERENCES entry(id) ON DELETE CASCADE, position INTEGER NOT NULL,
                what TEXT NOT NULL, model TEXT NOT NULL, quantity DOUBLE PRECISION NOT NULL, unit TEXT NOT NULL,
                unit_price_micros BIGINT NOT NULL, currency TEXT NOT NULL, subtotal_micros BIGINT NOT NULL,
                generated_count DOUBLE PRECISION, kept_count DOUBLE PRECISION, generated_seconds DOUBLE PRECISION,
                kept_seconds DOUBLE PRECISION, PRIMARY KEY (entry_id, position))
            """,
            """
            CREATE TABLE tag (
                entry_id BIGINT NOT NULL REFERENCES entry(id) ON DELETE CASCADE, key TEXT NOT NULL, value TEXT NOT NULL,
                PRIMARY KEY (entry_id, key))
            """,
            "CREATE INDEX tag_key_value ON tag(key, value)",
        ],
        [   // v3: indexes for grouped reports
            "CREATE INDEX entry_operation ON entry(operation, succeeded)",
            "CREATE INDEX entry_day ON entry(day, succeeded)",
            "CREATE INDEX entry_user ON entry(\"user\", succeeded)",
            "CREATE INDEX entry_project ON entry(project, succeeded)",
            "CREATE INDEX entry_card ON entry(price_card_hash)",
            "CREATE INDEX entry_failed ON entry(id) WHERE succeeded = 0",
            "CREATE INDEX avoided_entry ON avoided(entry_id)",
            "CREATE INDEX spend_entry ON spend(entry_id)",
        ],
        [   // v4: tag signatures on entries and money rows
            "ALTER TABLE entry ADD COLUMN tags TEXT NOT NULL DEFAULT '[]'",
            "ALTER TABLE avoided ADD COLUMN tags TEXT NOT NULL DEFAULT '[]'",
            "ALTER TABLE spend ADD COLUMN tags TEXT NOT NULL DEFAULT '[]'",
            """
            UPDATE entry SET tags = (SELECT json_agg(json_build_array(t.key, t.value) ORDER BY t.key)::text
                FROM tag t WHERE t.entry_id = entry.id) WHERE tag_count > 0
            """,
            "UPDATE avoided SET tags = e.tags FROM entry e WHERE e.id = avoided.entry_id",
            "UPDATE spend SET tags = e.tags FROM entry e WHERE e.id = spend.entry_id",
            "CREATE INDEX entry_tags ON entry(tags, succeeded)",
            "CREATE INDEX avoided_price ON avoided(model, unit, unit_price_micros, currency)",
        ],
        [   // v5: review decisions
            "ALTER TABLE entry ADD COLUMN decision_count INTEGER NOT NULL DEFAULT 0",
            """
            CREATE TABLE decision (
                entry_id BIGINT NOT NULL PRIMARY KEY REFERENCES entry(id) ON DELETE CASCADE,
                kind TEXT NOT NULL CHECK (kind IN ('pick', 'reject', 'lock', 'unlock')), asset TEXT NOT NULL,
                asset_label TEXT NOT NULL, candidates INTEGER NOT NULL, path TEXT NOT NULL, sha256 TEXT NOT NULL,
                model TEXT NOT NULL DEFAULT '', role TEXT, tags TEXT NOT NULL DEFAULT '[]')
            """,
            "CREATE INDEX decision_candidate ON decision(asset, sha256, entry_id)",
        ],
        [   // v6: budgets
            Ledger.budgetTable,
        ],
    ]

    /// An arbitrary fixed key for the schema's advisory lock ("stet" in ASCII).
    static let schemaLockKey: Int64 = 0x7374_6574

    private func schemaVersion(_ db: SQLRows) throws -> Int? {
        // pg_tables, not to_regclass: a scan of the catalog sees a table another process just
        // committed, where to_regclass may answer from this session's stale catalog cache.
        guard try db.rows("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'stet_schema'",
                          []).first?.first?.int64 ?? 0 > 0 else { return nil }
        return Int(try db.rows("SELECT max(version) FROM stet_schema", []).first?.first?.optionalInt64 ?? 0)
    }

    private func prepareSchema(mode: Ledger.Mode) throws {
        let newer = StetError.input(name, "ledger was written by a newer Stet (schema newer than v\(Ledger.schemaVersion)); upgrade Stet")
        // Fast path: one query when the schema is current.
        let found = try transaction { try schemaVersion($0) }
        if let found, found == Ledger.schemaVersion { return }
        if let found, found > Ledger.schemaVersion { throw newer }
        if found == nil, mode == .read {
            let tables = try transaction { db in
                try db.rows("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'entry'", [])
            }
            if tables.first?.first?.int64 ?? 0 > 0 { throw StetError.input(name, "is a PostgreSQL database but not a Stet ledger") }
        }
        // Slow path: a new or older schema. The advisory lock is held until the transaction
        // ends, so processes meeting the same old schema take turns and each step runs once.
        try transaction { db in
            _ = try db.rows("SELECT pg_advisory_xact_lock(?)", [.int(PostgresLedger.schemaLockKey)])
            var version = try schemaVersion(db)
            if version == nil {
                let tables = try db.rows("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'entry'", [])
                if tables.first?.first?.int64 ?? 0 > 0 { throw StetError.input(name, "is a PostgreSQL database but not a Stet ledger") }
                _ = try db.rows("CREATE TABLE stet_schema (version INTEGER NOT NULL, upgraded_at TIMESTAMPTZ NOT NULL DEFAULT now())", [])
                version = 0
            }
            guard var current = version else { return }
            if current > Ledger.schemaVersion { throw newer }
            while current < Ledger.schemaVersion {
                for statement in PostgresLedger.migrations[current] { _ = try db.rows(statement, []) }
                current += 1
                _ = try db.rows("INSERT INTO stet_schema (version) VALUES (?)", [.int(Int64(current))])
            }
        }
    }

    /// Creates and fills the rollups when the ledger has none yet (a new ledger, or one an
    /// older Stet made), under the schema's advisory lock so it happens once.
    private func prepareRollups() throws {
        let exists = { (db: SQLRows) throws -> Bool in
            try db.rows("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'stet_rollups'",
                        []).first?.first?.int64 ?? 0 > 0
        }
        if try transaction("BEGIN", { try exists($0) }) { return }
        try transaction { db in
            _ = try db.rows("SELECT pg_advisory_xact_lock(?)", [.int(PostgresLedger.schemaLockKey)])
            if try exists(db) { return }
            for statement in PostgresRollups.build { _ = try db.rows(statement, []) }
            _ = try db.rows("INSERT INTO stet_rollups DEFAULT VALUES", [])
        }
    }

    public func storedSchemaVersion() throws -> Int { try transaction { try schemaVersion($0) ?? 0 } }

    // MARK: - Writing

    /// The batch insert: one statement, so an entry and its child rows commit together.
    static let insertSQL = """
        WITH src AS (
            SELECT DISTINCT ON (x.uuid) x.* FROM jsonb_to_recordset(?::jsonb) AS x(
                ord INTEGER, uuid TEXT, time TEXT, day TEXT, project TEXT, "user" TEXT, command_line TEXT, operation TEXT,
                parameters TEXT, succeeded INTEGER, error TEXT, price_card_hash TEXT, wall_seconds DOUBLE PRECISION,
                cpu_seconds DOUBLE PRECISION, stet_version TEXT, file_count INTEGER, avoided_count INTEGER,
                spend_count INTEGER, tag_count INTEGER, tags TEXT, decision_count INTEGER,
                files JSONB, avoided JSONB, spend JSONB, tag_rows JSONB, decision JSONB)
            ORDER BY x.uuid
        ),
        ins AS (
            INSERT INTO entry (uuid, time, day, project, "user", command_line, operation, parameters, succeeded, error,
                price_card_hash, wall_seconds, cpu_seconds, stet_version, file_count, avoided_count, spend_count, tag_count,
                tags, decision_count)
            SELECT uuid, time, day, project, "user", command_line, operation, parameters, succeeded, error, price_card_hash,
                wall_seconds, cpu_seconds, stet_version, file_count, avoided_count, spend_count, tag_count, tags, decision_count
            FROM src ORDER BY ord
            ON CONFLICT (uuid) DO NOTHING
            RETURNING id, uuid
        ),
        \(PostgresRollups.insertCTEs)
        f AS (
            INSERT INTO entry_file (entry_id, role, position, path, sha256, width, height, bytes)
            SELECT ins.id, r.role, r.position, r.path, r.sha256, r.width, r.height, r.bytes
            FROM ins JOIN src ON src.uuid = ins.uuid CROSS JOIN LATERAL jsonb_to_recordset(src.files)
                AS r(role TEXT, position INTEGER, path TEXT, sha256 TEXT, width INTEGER, height INTEGER, bytes BIGINT)
        ),
        a AS (
            INSERT INTO avoided (entry_id, position, what, model, quantity, unit, unit_price_micros, currency, subtotal_micros, tags)
            SELECT ins.id, r.position, r.what, r.model, r.quantity, r.unit, r.unit_price_micros, r.currency, r.subtotal_micros, src.tags
            FROM ins JOIN src ON src.uuid = ins.uuid CROSS JOIN LATERAL jsonb_to_recordset(src.avoided)
                AS r(position INTEGER, what TEXT, model TEXT, quantity DOUBLE PRECISION, unit TEXT, unit_price_micros BIGINT,
                     currency TEXT, subtotal_micros BIGINT)
        ),
        s AS (
            INSERT INTO spend (entry_id, position, what, model, quantity, unit, unit_price_micros, currency, subtotal_micros,
                generated_count, kept_count, generated_seconds, kept_seconds, tags)
            SELECT ins.id, r.position, r.what, r.model, r.quantity, r.unit, r.unit_price_micros, r.currency, r.subtotal_micros,
                r.generated_count, r.kept_count, r.generated_seconds, r.kept_seconds, src.tags
            FROM ins JOIN src ON src.uuid = ins.uuid CROSS JOIN LATERAL jsonb_to_recordset(src.spend)
                AS r(position INTEGER, what TEXT, model TEXT, quantity DOUBLE PRECISION, unit TEXT, unit_price_micros BIGINT,
                     currency TEXT, subtotal_micros BIGINT, generated_count DOUBLE PRECISION, kept_count DOUBLE PRECISION,
                     generated_seconds DOUBLE PRECISION, kept_seconds DOUBLE PRECISION)
        ),
        t AS (
            INSERT INTO tag (entry_id, key, value)
            SELECT ins.id, r.key, r.value
            FROM ins JOIN src ON src.uuid = ins.uuid CROSS JOIN LATERAL jsonb_to_recordset(src.tag_rows) AS r(key TEXT, value TEXT)
        ),
        d AS (
            INSERT INTO decision (entry_id, kind, asset, asset_label, candidates, path, sha256, model, role, tags)
            SELECT ins.id, r.kind, r.asset, r.asset_label, r.candidates, r.path, r.sha256, r.model, r.role, src.tags
            FROM ins JOIN src ON src.uuid = ins.uuid CROSS JOIN LATERAL jsonb_to_recordset(src.decision)
                AS r(kind TEXT, asset TEXT, asset_label TEXT, candidates INTEGER, path TEXT, sha256 TEXT, model TEXT, role TEXT)
        )
        SELECT id FROM ins ORDER BY id
        """

    /// The entries as the JSON array `insertSQL` reads.
    static func batchJSON(_ entries: [LedgerEntry]) throws -> String {
        func opt(_ v: Any?) -> Any { v ?? NSNull() }
        var rows: [[String: Any]] = []
        rows.reserveCapacity(entries.count)
        for (ord, e) in entries.enumerated() {
            let time = LedgerTime.string(e.time)
            let params = String(decoding: try JSONSerialization.data(withJSONObject: e.parameters, options: [.sortedKeys]), as: UTF8.self)
            var files: [[String: Any]] = []
            for (role, list) in [("input", e.inputs), ("output", e.outputs)] {
                for (i, f) in list.enumerated() {
                    files.append(["role": role, "position": i, "path": f.path, "sha256": f.sha256, "width": opt(f.width),
                                  "height": opt(f.height), "bytes": f.bytes])
                }
            }
            let avoided: [[String: Any]] = e.avoided.enumerated().map { i, a in
                ["position": i, "what": a.what, "model": a.model, "quantity": a.quantity, "unit": a.unit,
                 "unit_price_micros": a.unitPrice.micros, "currency": a.currency, "subtotal_micros": a.subtotal.micros]
            }
            let spend: [[String: Any]] = e.spent.enumerated().map { i, s in
                ["position": i, "what": s.what, "model": s.model, "quantity": s.quantity, "unit": s.unit,
                 "unit_price_micros": s.unitPrice.micros, "currency": s.currency, "subtotal_micros": s.subtotal.micros,
                 "generated_count": opt(s.generatedCount), "kept_count": opt(s.keptCount),
                 "generated_seconds": opt(s.generatedSeconds), "kept_seconds": opt(s.keptSeconds)]
            }
            let tags: [[String: Any]] = e.tags.sorted { $0.key < $1.key }.map { ["key": $0.key, "value": $0.value] }
            let decision: [[String: Any]] = e.decision.map { d in
                [["kind": d.kind.rawValue, "asset": d.asset, "asset_label": d.assetLabel, "candidates": d.candidates,
                  "path": d.path, "sha256": d.sha256, "model": d.model, "role": opt(d.role)]]
            } ?? []
            rows.append([
                "ord": ord, "uuid": e.uuid, "time": time, "day": String(time.prefix(10)), "project": opt(e.project),
                "user": e.user, "command_line": e.commandLine, "operation": e.operation, "parameters": params,
                "succeeded": e.succeeded ? 1 : 0, "error": opt(e.error), "price_card_hash": e.priceCardHash,
                "wall_seconds": e.wallSeconds, "cpu_seconds": e.cpuSeconds, "stet_version": e.stetVersion,
                "file_count": e.inputs.count + e.outputs.count, "avoided_count": e.avoided.count,
                "spend_count": e.spent.count, "tag_count": e.tags.count, "tags": Ledger.tagSignature(e.tags),
                "decision_count": e.decision == nil ? 0 : 1,
                "files": files, "avoided": avoided, "spend": spend, "tag_rows": tags, "decision": decision,
            ])
        }
        return String(decoding: try JSONSerialization.data(withJSONObject: rows), as: UTF8.self)
    }

    /// Inserts the batch in one statement; returns the ids of the entries that were new.
    private func insert(_ entries: [LedgerEntry]) throws -> [Int64] {
        guard !entries.isEmpty else { return [] }
        let json = try PostgresLedger.batchJSON(entries)
        lock.lock(); defer { lock.unlock() }
        guard ProcessInfo.processInfo.environment["STET_LEDGER_TEST_PAUSE"] != nil else {
            return try run(PostgresLedger.insertSQL, [.text(json)]).map { $0[0].int64 }
        }
        // The test hook (see `Ledger.testPauseInsideWrite`): the rows are written but not
        // committed while the writer sleeps, so killing it there must leave nothing.
        _ = try run("BEGIN", [])
        let rows = try run(PostgresLedger.insertSQL, [.text(json)])
        Ledger.testPauseInsideWrite()
        _ = try run("COMMIT", [])
        return rows.map { $0[0].int64 }
    }

    @discardableResult
    public func append(_ entries: [LedgerEntry]) throws -> [Int64] { try insert(entries) }

    public func importEntries(_ entries: [LedgerEntry]) throws -> (added: Int, skipped: Int) {
        let added = try insert(entries).count
        return (added, entries.count - added)
    }

    // MARK: - Reading

    public func count(_ filter: LedgerFilter) throws -> Int { try read { try LedgerSQL.count($0, filter: filter) } }

    public func consistencyProblems() throws -> [String] {
        try read { try LedgerSQL.consistencyProblems($0) + PostgresRollups.problems($0) }
    }

    public func report(by grouping: ReportGrouping, filter: LedgerFilter, currentCard: PriceCard?) throws -> SavingsReport {
        // One snapshot (REPEATABLE READ) for every part, so they all see the same entries.
        // Unfiltered and whole-day reports read the running totals; others the entries.
        let jobs = PostgresRollups.covers(filter) ? PostgresRollups.reportParts(grouping: grouping, filter: filter)
            : LedgerSQL.reportParts(grouping: grouping, filter: filter)
        let parts = try read { db in try jobs.map { try $0(db) } }
        return LedgerSQL.assemble(parts, ledger: name, grouping: grouping, filter: filter, currentCard: currentCard)
    }

    public func entries(_ filter: LedgerFilter) throws -> [LedgerEntry] { try read { try LedgerSQL.entries($0, filter: filter) } }

    public func decisions(_ filter: LedgerFilter) throws -> [ReviewDecision] {
        try read { try LedgerSQL.entries($0, filter: filter).compactMap(\.decision) }
    }

    // MARK: - Budgets

    public func budgets() throws -> [Budget] { try read { try BudgetSQL.budgets($0) } }

    public func setBudget(_ budget: Budget) throws {
        _ = try transaction { try $0.rows(BudgetSQL.upsert, BudgetSQL.arguments(budget)) }
    }

    @discardableResult
    public func removeBudget(scope: BudgetScope) throws -> Bool {
        try transaction { db in
            try !db.rows("DELETE FROM budget WHERE kind = ? AND value = ? RETURNING 1", [.text(scope.kind.rawValue), .text(scope.value)]).isEmpty
        }
    }

    public func spent(_ scope: BudgetScope) throws -> [String: Money] { try read { try BudgetSQL.spent($0, scope) } }
}

extension LedgerSQL {
    /// Every matching entry with its child rows, over either store's SQL (the PostgreSQL
    /// store's `entries`; the SQLite store streams its own with GRDB cursors).
    static func entries(_ db: SQLRows, filter: LedgerFilter) throws -> [LedgerEntry] {
        let (w, args) = filter.whereClause()
        let ids = "SELECT e.id FROM entry e \(w)"
        var files: [Int64: (inputs: [FileRecord], outputs: [FileRecord])] = [:]
        for r in try db.rows("SELECT entry_id, role, path, sha256, width, height, bytes FROM entry_file WHERE entry_id IN (\(ids)) ORDER BY entry_id, role, position", args) {
            let f = FileRecord(path: r[2].string, sha256: r[3].string, bytes: r[6].int64, width: r[4].optionalInt64.map { Int($0) },
                               height: r[5].optionalInt64.map { Int($0) })
            if r[1].string == "input" { files[r[0].int64, default: ([], [])].inputs.append(f) } else { files[r[0].int64, default: ([], [])].outputs.append(f) }
        }
        var avoided: [Int64: [AvoidedItem]] = [:]
        for r in try db.rows("SELECT entry_id, what, model, quantity, unit, unit_price_micros, currency, subtotal_micros FROM avoided WHERE entry_id IN (\(ids)) ORDER BY entry_id, position", args) {
            avoided[r[0].int64, default: []].append(AvoidedItem(what: r[1].string, model: r[2].string, quantity: r[3].double, unit: r[4].string,
                unitPrice: Money(micros: r[5].int64), currency: r[6].string, subtotal: Money(micros: r[7].int64)))
        }
        var spent: [Int64: [SpendItem]] = [:]
        for r in try db.rows("SELECT entry_id, what, model, quantity, unit, unit_price_micros, currency, subtotal_micros, generated_count, kept_count, generated_seconds, kept_seconds FROM spend WHERE entry_id IN (\(ids)) ORDER BY entry_id, position", args) {
            spent[r[0].int64, default: []].append(SpendItem(what: r[1].string, model: r[2].string, quantity: r[3].double, unit: r[4].string,
                unitPrice: Money(micros: r[5].int64), currency: r[6].string, subtotal: Money(micros: r[7].int64),
                generatedCount: r[8].optionalDouble, keptCount: r[9].optionalDouble, generatedSeconds: r[10].optionalDouble,
                keptSeconds: r[11].optionalDouble))
        }
        var tags: [Int64: [String: String]] = [:]
        for r in try db.rows("SELECT entry_id, key, value FROM tag WHERE entry_id IN (\(ids))", args) {
            tags[r[0].int64, default: [:]][r[1].string] = r[2].string
        }
        var decisions: [Int64: ReviewDecision] = [:]
        for r in try db.rows("SELECT entry_id, kind, asset, asset_label, candidates, path, sha256, model, role FROM decision WHERE entry_id IN (\(ids))", args) {
            decisions[r[0].int64] = ReviewDecision(kind: ReviewDecision.Kind(rawValue: r[1].string) ?? .pick, asset: r[2].string,
                assetLabel: r[3].string, candidates: Int(r[4].int64), path: r[5].string, sha256: r[6].string, model: r[7].string,
                role: r[8].optionalString)
        }
        var result: [LedgerEntry] = []
        for r in try db.rows("""
            SELECT e.id, e.uuid, e.time, e.project, e."user", e.command_line, e.operation, e.parameters, e.succeeded,
                e.error, e.price_card_hash, e.wall_seconds, e.cpu_seconds, e.stet_version FROM entry e \(w) ORDER BY e.id
            """, args) {
            let id = r[0].int64
            let params = (try? JSONSerialization.jsonObject(with: Data(r[7].string.utf8))) as? [String: String] ?? [:]
            var entry = LedgerEntry(
                id: id, uuid: r[1].string, time: LedgerTime.date(r[2].string) ?? Date(timeIntervalSince1970: 0),
                project: r[3].optionalString, user: r[4].string, commandLine: r[5].string, operation: r[6].string, parameters: params,
                inputs: files[id]?.inputs ?? [], outputs: files[id]?.outputs ?? [],
                avoided: avoided[id] ?? [], spent: spent[id] ?? [], priceCardHash: r[10].string,
                wallSeconds: r[11].double, cpuSeconds: r[12].double, stetVersion: r[13].string, tags: tags[id] ?? [:],
                succeeded: r[8].int64 != 0, error: r[9].optionalString)
            entry.decision = decisions[id]
            result.append(entry)
        }
        return result
    }
}
