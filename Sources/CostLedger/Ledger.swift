import Foundation
import CSQLiteTuning
import GRDB
import StetSupport
#if canImport(Glibc)
import Glibc
#endif

/// The cost-avoidance log: one SQLite file, written by many `stet` processes at once.
///
/// - WAL mode (a `DatabasePool`), so reports read while commands write.
/// - A 10 s busy timeout: GRDB fails at once on `SQLITE_BUSY` by default, and eight processes
///   appending together do meet a held lock.
/// - Every write is an `IMMEDIATE` transaction. GRDB's multi-process guide relies on
///   `NSFileCoordinator`, which Linux lacks; taking the write lock at `BEGIN` instead of at the
///   first write means a transaction never has to be abandoned half way with `SQLITE_BUSY`.
/// - One entry is one transaction: its row, files, avoided items, spend and tags commit
///   together or not at all, so a process killed mid-command leaves no half entry.
/// - `synchronous = NORMAL`: a committed entry survives the application crashing or being
///   killed, but the last few commits may be lost on power loss or an OS crash (the database
///   stays consistent either way; WAL frames not yet synced are simply not there).
/// - The schema goes through GRDB's `DatabaseMigrator`; `PRAGMA user_version` holds
///   `Ledger.schemaVersion` as well, so `sqlite3` users can see it.
public final class Ledger: @unchecked Sendable {
    /// The schema version this Stet writes (v1: entries, files, avoided items; v2: spend and
    /// tags; v3: indexes for grouped reports; v4: tag signatures on entries and money rows; v5: review
    /// decisions; v6: budgets). PostgreSQL's store keeps the same versions.
    public static let schemaVersion = 6

    /// The budget table (v6), in SQL both stores accept.
    static let budgetTable = """
        CREATE TABLE budget (
            kind TEXT NOT NULL CHECK (kind IN ('project', 'user', 'model', 'operation', 'tag', 'all')),
            value TEXT NOT NULL,
            limit_micros BIGINT NOT NULL,
            currency TEXT NOT NULL,
            warn_at DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (kind, value)
        )
        """

    public enum Mode: Sendable {
        /// Create the file if needed and upgrade the schema; refuse a read-only ledger.
        case record
        /// Require an existing ledger; open it read-only if it is.
        case read
    }

    public let path: String
    let pool: DatabasePool

    private init(path: String, pool: DatabasePool) {
        self.path = path
        self.pool = pool
    }

    /// Opens (and in `.record` mode creates and upgrades) the ledger at `path`.
    /// Problems come back as one-line `StetError`s that name the file.
    public static func open(_ path: String, mode: Mode) throws -> Ledger {
        let fm = FileManager.default
        let parent = FilePath.parent(path).isEmpty ? "." : FilePath.parent(path)
        var isDir: ObjCBool = false
        let exists = fm.fileExists(atPath: path, isDirectory: &isDir)
        if exists && isDir.boolValue { throw StetError.input(path, "is a folder, not a ledger file") }
        var readonly = false
        switch mode {
        case .record:
            try checkRecordable(path)
        case .read:
            guard exists else {
                throw StetError.input(path, "no ledger here; run `stet init`, or record a command first")
            }
            // A read-only file (by its mode, which Stet honours even for root) or folder: read
            // without WAL writes. SQLite still needs the -shm file in that case.
            readonly = !isWritable(path) || access(parent, W_OK) != 0
        }
        if exists, fileSize(path) > 0, !looksLikeSQLite(path) {
            throw StetError.input(path, "is not a Stet ledger (not an SQLite database)")
        }

        var config = Configuration()
        config.busyMode = .timeout(10)
        config.readonly = readonly
        config.label = "stet.ledger"
        config.maximumReaderCount = 2
        config.prepareDatabase { db in
            if !db.configuration.readonly {
                // GRDB's default for WAL; set here so the choice is visible (see the type's comment).
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
                // No checkpoint when this short-lived process closes the ledger: a later
                // write's automatic checkpoint folds the WAL in. Durability is unchanged.
                if let handle = db.sqliteConnection {
                    _ = stet_sqlite_skip_checkpoint_on_close(UnsafeMutableRawPointer(handle))
                }
            }
        }
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: config)
        } catch let error as DatabaseError {
            throw describe(error, path: path)
        }
        let ledger = Ledger(path: path, pool: pool)
        try ledger.prepareSchema(readonly: readonly)
        return ledger
    }

    /// Throws the error `open(path, mode: .record)` would give for a missing folder or a
    /// read-only ledger, without opening anything (commands check before they do their work).
    public static func checkRecordable(_ path: String, createsFolder: Bool = false) throws {
        let fm = FileManager.default
        let parent = FilePath.parent(path).isEmpty ? "." : FilePath.parent(path)
        var isDir: ObjCBool = false
        let exists = fm.fileExists(atPath: path, isDirectory: &isDir)
        if exists && isDir.boolValue { throw StetError.input(path, "is a folder, not a ledger file") }
        if exists {
            if !isWritable(path) {
                throw StetError.output(path, "ledger is read-only; make it writable, or pass --no-log to record nothing")
            }
            return
        }
        guard fm.fileExists(atPath: parent, isDirectory: &isDir), isDir.boolValue else {
            if createsFolder { return }
            throw StetError.output(path, "folder \(parent) does not exist")
        }
        if access(parent, W_OK) != 0 { throw StetError.output(path, "folder \(parent) is not writable") }
    }

    /// True unless the file's mode has no write bit for its owner (or the process cannot write it).
    static func isWritable(_ path: String) -> Bool {
        var st = stat()
        guard stat(path, &st) == 0 else { return access(path, W_OK) == 0 }
        return (st.st_mode & S_IWUSR) != 0 && access(path, W_OK) == 0
    }

    static func looksLikeSQLite(_ path: String) -> Bool {
        guard let h = FileHandle(forReadingAtPath: path) else { return true }   // let SQLite say why
        defer { try? h.close() }
        let head = (try? h.read(upToCount: 16)) ?? Data()
        return head.count < 16 || head == Data("SQLite format 3\u{0}".utf8)
    }

    /// Maps SQLite failures to one line naming the ledger.
    static func describe(_ error: DatabaseError, path: String) -> StetError {
        switch error.resultCode {
        case .SQLITE_READONLY:
            return .output(path, "ledger is read-only; make it writable, or pass --no-log to record nothing")
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return .output(path, "ledger is busy: another stet held its lock for more than 10 s")
        case .SQLITE_NOTADB:
            return .input(path, "is not a Stet ledger (not an SQLite database)")
        case .SQLITE_CORRUPT:
            return .input(path, "ledger is damaged: \(error.message ?? "database disk image is malformed")")
        case .SQLITE_CANTOPEN:
            return .input(path, "ledger cannot be opened: \(error.message ?? "unable to open database file")")
        case .SQLITE_FULL:
            return .output(path, "ledger cannot grow: the disk is full")
        default:
            return .output(path, "ledger error: \(error.message ?? "\(error.resultCode)")")
        }
    }

    func mapErrors<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as DatabaseError { throw Ledger.describe(error, path: path) }
    }

    // MARK: - Schema

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE entry (
                    id INTEGER PRIMARY KEY,
                    uuid TEXT NOT NULL UNIQUE,
                    time TEXT NOT NULL,
                    day TEXT NOT NULL,
                    project TEXT,
                    user TEXT NOT NULL,
                    command_line TEXT NOT NULL,
                    operation TEXT NOT NULL,
                    parameters TEXT NOT NULL DEFAULT '{}',
                    succeeded INTEGER NOT NULL,
                    error TEXT,
                    price_card_hash TEXT NOT NULL,
                    wall_seconds REAL NOT NULL,
                    cpu_seconds REAL NOT NULL,
                    stet_version TEXT NOT NULL,
                    file_count INTEGER NOT NULL,
                    avoided_count INTEGER NOT NULL
                );
                CREATE INDEX entry_time ON entry(time);
                CREATE TABLE entry_file (
                    entry_id INTEGER NOT NULL REFERENCES entry(id) ON DELETE CASCADE,
                    role TEXT NOT NULL CHECK (role IN ('input', 'output')),
                    position INTEGER NOT NULL,
                    path TEXT NOT NULL,
                    sha256 TEXT NOT NULL,
                    width INTEGER,
                    height INTEGER,
                    bytes INTEGER NOT NULL,
                    PRIMARY KEY (entry_id, role, position)
                );
                CREATE TABLE avoided (
                    entry_id INTEGER NOT NULL REFERENCES entry(id) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    what TEXT NOT NULL,
                    model TEXT NOT NULL,
                    quantity REAL NOT NULL,
                    unit TEXT NOT NULL,
                    unit_price_micros INTEGER NOT NULL,
                    currency TEXT NOT NULL,
                    subtotal_micros INTEGER NOT NULL,
                    PRIMARY KEY (entry_id, position)
                );
                PRAGMA user_version = 1;
                """)
        }
        m.registerMigration("v2") { db in
            // Spend (stet log generation, --spent) and tags; counts on the entry row let an
            // integrity check prove every entry has all its child rows.
            try db.execute(sql: """
                ALTER TABLE entry ADD COLUMN spend_count INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE entry ADD COLUMN tag_count INTEGER NOT NULL DEFAULT 0;
                CREATE TABLE spend (
                    entry_id INTEGER NOT NULL REFERENCES entry(id) ON DELETE CASCADE,
                    position INTEGER NOT NULL,
                    what TEXT NOT NULL,
                    model TEXT NOT NULL,
                    quantity REAL NOT NULL,
                    unit TEXT NOT NULL,
                    unit_price_micros INTEGER NOT NULL,
                    currency TEXT NOT NULL,
                    subtotal_micros INTEGER NOT NULL,
                    generated_count REAL,
                    kept_count REAL,
                    generated_seconds REAL,
                    kept_seconds REAL,
                    PRIMARY KEY (entry_id, position)
                );
                CREATE TABLE tag (
                    entry_id INTEGER NOT NULL REFERENCES entry(id) ON DELETE CASCADE,
                    key TEXT NOT NULL,
                    value TEXT NOT NULL,
                    PRIMARY KEY (entry_id, key)
                );
                CREATE INDEX tag_key_value ON tag(key, value);
                PRAGMA user_version = 2;
                """)
        }
        m.registerMigration("v3") { db in
            // Reports group entries by these columns; narrow covering indexes let SQLite count
            // 100,000 entries without reading the wide entry rows (about 5x less work).
            try db.execute(sql: """
                CREATE INDEX entry_operation ON entry(operation, succeeded);
                CREATE INDEX entry_day ON entry(day, succeeded);
                CREATE INDEX entry_user ON entry(user, succeeded);
                CREATE INDEX entry_project ON entry(project, succeeded);
                CREATE INDEX entry_card ON entry(price_card_hash);
                CREATE INDEX entry_failed ON entry(id) WHERE succeeded = 0;
                PRAGMA user_version = 3;
                """)
        }
        m.registerMigration("v4") { db in
            // Each entry's tag set, as a signature (`Ledger.tagSignature`), on the entry and on
            // its money rows. `--by tag` then groups the money rows by signature, a plain scan
            // with a handful of groups, and splits the signatures into tags in Swift, instead of
            // joining every money row to its tag rows (the join made that report 2x slower than
            // the others over 100,000 entries). Entries are never edited, so the copies cannot
            // go stale; the tag table stays the source of truth for filters and exports.
            // avoided_price lets the report list the unit prices it used without sorting.
            try db.execute(sql: """
                ALTER TABLE entry ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
                ALTER TABLE avoided ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
                ALTER TABLE spend ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
                UPDATE entry SET tags = (SELECT json_group_array(json_array(key, value))
                    FROM (SELECT key, value FROM tag t WHERE t.entry_id = entry.id ORDER BY key)) WHERE tag_count > 0;
                UPDATE avoided SET tags = (SELECT e.tags FROM entry e WHERE e.id = avoided.entry_id);
                UPDATE spend SET tags = (SELECT e.tags FROM entry e WHERE e.id = spend.entry_id);
                CREATE INDEX entry_tags ON entry(tags, succeeded);
                CREATE INDEX avoided_price ON avoided(model, unit, unit_price_micros, currency);
                PRAGMA user_version = 4;
                """)
        }
        m.registerMigration("v5") { db in
            // Review decisions (`stet review`, `stet lock`, `stet unlock`): one row per decision
            // entry, with the asset it belongs to and how many candidates that asset had, so the
            // report measures yield (kept of reviewed) instead of trusting a typed --kept. The
            // entry's tag signature is copied here as on the money rows (v4).
            try db.execute(sql: """
                ALTER TABLE entry ADD COLUMN decision_count INTEGER NOT NULL DEFAULT 0;
                CREATE TABLE decision (
                    entry_id INTEGER NOT NULL PRIMARY KEY REFERENCES entry(id) ON DELETE CASCADE,
                    kind TEXT NOT NULL CHECK (kind IN ('pick', 'reject', 'lock', 'unlock')),
                    asset TEXT NOT NULL,
                    asset_label TEXT NOT NULL,
                    candidates INTEGER NOT NULL,
                    path TEXT NOT NULL,
                    sha256 TEXT NOT NULL,
                    model TEXT NOT NULL DEFAULT '',
                    role TEXT,
                    tags TEXT NOT NULL DEFAULT '[]'
                );
                CREATE INDEX decision_candidate ON decision(asset, sha256, entry_id);
                PRAGMA user_version = 5;
                """)
        }
        m.registerMigration("v6") { db in
            // Budgets (`stet budget set`): a limit and a warning line per scope. Spend is not
            // copied here; a budget's standing is summed from the spend rows when asked.
            try db.execute(sql: Ledger.budgetTable + "; PRAGMA user_version = 6;")
        }
        return m
    }

    private func prepareSchema(readonly: Bool) throws {
        try mapErrors {
            // Fast path for every command after the first: each migration sets user_version, so
            // a current version means the schema is complete (one query, no migrator work).
            let version = { (db: Database) throws -> Int in try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0 }
            if try (readonly ? pool.read(version) : pool.writeWithoutTransaction(version)) == Ledger.schemaVersion { return }
            // Slow path: a new or older ledger. Processes that open it together take turns here
            // (an exclusive flock on the ledger's folder), so exactly one of them creates or
            // upgrades the schema and the others then find it complete. Without this, a process
            // could inspect the schema while another was halfway through creating it. The lock is
            // on the folder, never on the database file: closing any descriptor of that file
            // would drop the POSIX locks SQLite holds on it in this process.
            let folder = FilePath.parent(path)
            let lock = readonly ? -1 : Glibc.open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY)
            if lock >= 0 { flock(lock, LOCK_EX) }
            defer { if lock >= 0 { flock(lock, LOCK_UN); close(lock) } }
            if !readonly, try pool.writeWithoutTransaction(version) == Ledger.schemaVersion { return }
            let migrator = Ledger.migrator
            let inspect = { (db: Database) throws -> (Bool, Bool, Bool) in
                (try migrator.hasCompletedMigrations(db), try migrator.hasBeenSuperseded(db),
                 try !db.tableExists("grdb_migrations") && !db.tableExists("entry")
                    && (Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") ?? 0) > 0)
            }
            // A recording command checks on the writer connection it is about to use, so it
            // never opens a reader connection as well (a measurable share of logging's cost).
            let (complete, superseded, foreign) = readonly ? try pool.read(inspect) : try pool.writeWithoutTransaction(inspect)
            if superseded {
                throw StetError.input(path, "ledger was written by a newer Stet (schema newer than v\(Ledger.schemaVersion)); upgrade Stet")
            }
            if foreign { throw StetError.input(path, "is an SQLite database but not a Stet ledger") }
            if complete { return }
            if readonly {
                throw StetError.input(path, "ledger uses an older schema and is read-only; make it writable once so Stet can upgrade it")
            }
            // Several processes may open a new ledger together. The migrator decides what to run
            // before it takes the write lock, so a loser can try to re-run a migration the winner
            // just committed; each migration is one transaction, so retrying is safe.
            var attempts = 0
            while true {
                do {
                    try migrator.migrate(pool)
                    return
                } catch let error as DatabaseError {
                    attempts += 1
                    if try pool.writeWithoutTransaction(migrator.hasCompletedMigrations) { return }
                    if attempts > 5 { throw error }
                }
            }
        }
    }

    /// The schema version recorded in the file.
    public func storedSchemaVersion() throws -> Int {
        try mapErrors { try pool.read { try Int.fetchOne($0, sql: "PRAGMA user_version") ?? 0 } }
    }

    // MARK: - Writing

    /// Appends one entry in one IMMEDIATE transaction and returns its id.
    @discardableResult
    public func append(_ entry: LedgerEntry) throws -> Int64 {
        try append([entry]).first!
    }

    /// Appends entries in one IMMEDIATE transaction (all or none).
    @discardableResult
    public func append(_ entries: [LedgerEntry]) throws -> [Int64] {
        try mapErrors {
            try pool.writeWithoutTransaction { db in
                var ids: [Int64] = []
                try db.inTransaction(.immediate) {
                    for entry in entries { ids.append(try Ledger.insert(entry, db)) }
                    return .commit
                }
                return ids
            }
        }
    }

    /// Adds entries exported from another ledger (a teammate's, a CI machine's) in one
    /// transaction, skipping any whose uuid is already here, so importing twice adds nothing.
    public func importEntries(_ entries: [LedgerEntry]) throws -> (added: Int, skipped: Int) {
        try mapErrors {
            try pool.writeWithoutTransaction { db in
                var added = 0, skipped = 0
                try db.inTransaction(.immediate) {
                    let exists = try db.cachedStatement(sql: "SELECT 1 FROM entry WHERE uuid = ?")
                    for entry in entries {
                        if try Int.fetchOne(exists, arguments: [entry.uuid]) != nil { skipped += 1; continue }
                        _ = try Ledger.insert(entry, db)
                        added += 1
                    }
                    return .commit
                }
                return (added, skipped)
            }
        }
    }

    static func insert(_ e: LedgerEntry, _ db: Database) throws -> Int64 {
        let time = LedgerTime.string(e.time)
        let params = String(decoding: try JSONSerialization.data(withJSONObject: e.parameters, options: [.sortedKeys]), as: UTF8.self)
        let signature = tagSignature(e.tags)
        try db.cachedStatement(sql: """
            INSERT INTO entry (uuid, time, day, project, user, command_line, operation, parameters, succeeded, error,
                price_card_hash, wall_seconds, cpu_seconds, stet_version, file_count, avoided_count, spend_count, tag_count, tags,
                decision_count)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [
                e.uuid, time, String(time.prefix(10)), e.project, e.user, e.commandLine, e.operation, params,
                e.succeeded, e.error, e.priceCardHash, e.wallSeconds, e.cpuSeconds, e.stetVersion,
                e.inputs.count + e.outputs.count, e.avoided.count, e.spent.count, e.tags.count, signature,
                e.decision == nil ? 0 : 1,
            ])
        let id = db.lastInsertedRowID
        testPauseInsideWrite()
        let file = try db.cachedStatement(sql: """
            INSERT INTO entry_file (entry_id, role, position, path, sha256, width, height, bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for (role, files) in [("input", e.inputs), ("output", e.outputs)] {
            for (i, f) in files.enumerated() {
                try file.execute(arguments: [id, role, i, f.path, f.sha256, f.width, f.height, f.bytes])
            }
        }
        let avoided = try db.cachedStatement(sql: """
            INSERT INTO avoided (entry_id, position, what, model, quantity, unit, unit_price_micros, currency, subtotal_micros, tags)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for (i, a) in e.avoided.enumerated() {
            try avoided.execute(arguments: [id, i, a.what, a.model, a.quantity, a.unit, a.unitPrice.micros, a.currency,
                                            a.subtotal.micros, signature])
        }
        let spend = try db.cachedStatement(sql: """
            INSERT INTO spend (entry_id, position, what, model, quantity, unit, unit_price_micros, currency, subtotal_micros,
                generated_count, kept_count, generated_seconds, kept_seconds, tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for (i, s) in e.spent.enumerated() {
            try spend.execute(arguments: [id, i, s.what, s.model, s.quantity, s.unit, s.unitPrice.micros, s.currency,
                                          s.subtotal.micros, s.generatedCount, s.keptCount, s.generatedSeconds, s.keptSeconds,
                                          signature])
        }
        let tag = try db.cachedStatement(sql: "INSERT INTO tag (entry_id, key, value) VALUES (?, ?, ?)")
        for (k, v) in e.tags.sorted(by: { $0.key < $1.key }) { try tag.execute(arguments: [id, k, v]) }
        if let d = e.decision { try insertDecision(d, entry: id, tags: signature, db) }
        return id
    }

    /// An entry's tag set as one string: a JSON array of `[key, value]` pairs sorted by key
    /// ("[]" for none). Reports only ever decode it, so two spellings of one set (SQLite's
    /// json_group_array in the v4 migration, Foundation here) just make two groups that add up.
    static func tagSignature(_ tags: [String: String]) -> String {
        let pairs = tags.sorted { $0.key < $1.key }.map { [$0.key, $0.value] }
        guard !pairs.isEmpty, let data = try? JSONSerialization.data(withJSONObject: pairs) else { return "[]" }
        return String(decoding: data, as: UTF8.self)
    }

    /// The `key=value` labels of a tag signature; empty for an untagged entry.
    static func tagLabels(_ signature: String) -> [String] {
        guard signature != "[]", let pairs = try? JSONSerialization.jsonObject(with: Data(signature.utf8)) as? [[String]] else { return [] }
        return pairs.compactMap { $0.count == 2 ? "\($0[0])=\($0[1])" : nil }
    }

    /// Test hook: with STET_LEDGER_TEST_PAUSE=SECONDS set, a writer announces on stderr that it
    /// is inside its transaction (entry row written, child rows not yet) and sleeps, so a test
    /// can kill it there and prove no half entry survives.
    static func testPauseInsideWrite() {
        guard let text = ProcessInfo.processInfo.environment["STET_LEDGER_TEST_PAUSE"], let seconds = Double(text) else { return }
        FileHandle.standardError.write(Data("stet-test: inside ledger transaction\n".utf8))
        Thread.sleep(forTimeInterval: seconds)
    }

    // MARK: - Checks

    /// `PRAGMA integrity_check` plus Stet's own: every entry row has exactly the child rows it
    /// says it has. Returns the problems found (empty when consistent).
    public func consistencyProblems() throws -> [String] {
        try mapErrors {
            try pool.read { db in
                try String.fetchAll(db, sql: "PRAGMA integrity_check").filter { $0 != "ok" }
                    + LedgerSQL.consistencyProblems(SQLiteRows(db: db))
            }
        }
    }

    /// Number of entries (all, or matching the filter).
    public func count(_ filter: LedgerFilter = LedgerFilter()) throws -> Int {
        try mapErrors { try pool.read { db in try LedgerSQL.count(SQLiteRows(db: db), filter: filter) } }
    }
}

/// `--since/--until/--tag` for reports and exports.
public struct LedgerFilter: Sendable {
    /// Inclusive lower bound, as stored (`LedgerTime.bound`).
    public var since: String?
    /// Exclusive upper bound, as stored.
    public var until: String?
    /// Every tag must match (key=value).
    public var tags: [(key: String, value: String)] = []
    /// Entries with ids above the first and at most the second (push batches).
    var idRange: (Int64, Int64)?

    public init(since: String? = nil, until: String? = nil, tags: [(key: String, value: String)] = []) {
        self.since = since; self.until = until; self.tags = tags
    }

    /// `WHERE ...` over the entry table aliased `e`, or "" when there is no filter.
    func whereClause() -> (String, [SQLValue]) {
        let (cond, args) = whereSQL()
        return (cond.isEmpty ? "" : "WHERE " + cond, args)
    }

    /// The filter's conditions joined with AND (no `WHERE`), or "" when there is no filter.
    func whereSQL() -> (String, [SQLValue]) {
        var parts: [String] = []
        var args: [SQLValue] = []
        if let since { parts.append("e.time >= ?"); args.append(.text(since)) }
        if let until { parts.append("e.time < ?"); args.append(.text(until)) }
        if let (above, atMost) = idRange { parts.append("e.id > ? AND e.id <= ?"); args += [.int(above), .int(atMost)] }
        for t in tags {
            // IN (subquery) is built once from the tag_key_value index; a correlated EXISTS
            // would probe the tag table once per entry (7x slower over 100,000 entries).
            parts.append("e.id IN (SELECT ft.entry_id FROM tag ft WHERE ft.key = ? AND ft.value = ?)")
            args.append(.text(t.key)); args.append(.text(t.value))
        }
        return (parts.joined(separator: " AND "), args)
    }

    public var isEmpty: Bool { since == nil && until == nil && tags.isEmpty && idRange == nil }
}
