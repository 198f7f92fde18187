import Foundation
import GRDB
import StetSupport

/// One decision on the review board (`stet review`), or a lock made from the command line: which
/// candidate of which asset was picked, rejected, locked or unlocked. Decisions are data: the
/// report's measured yield (kept of reviewed) is computed from them, not typed in.
public struct ReviewDecision: Codable, Equatable, Sendable {
    public enum Kind: String, Codable, CaseIterable, Sendable {
        case pick, reject, lock, unlock
        /// A pick or a lock keeps the candidate; a reject or an unlock takes it back.
        public var keeps: Bool { self == .pick || self == .lock }
    }

    public var kind: Kind
    /// The asset's identity: SHA-256 over its candidates' SHA-256s, so one batch reviewed twice
    /// is one asset. Empty for a lock made outside the board (`stet lock`).
    public var asset: String
    /// What the board showed as the asset's name (its folder, manifest or grid map).
    public var assetLabel: String
    /// How many candidates the asset had; 0 outside the board (such decisions are not in the yield).
    public var candidates: Int
    /// The candidate's source file and its SHA-256.
    public var path: String
    public var sha256: String
    /// The model that generated the candidates (`--model`), or "".
    public var model: String
    /// A lock's role ("character sheet", "world reference").
    public var role: String?

    public init(kind: Kind, asset: String, assetLabel: String, candidates: Int, path: String, sha256: String,
                model: String = "", role: String? = nil) {
        self.kind = kind; self.asset = asset; self.assetLabel = assetLabel; self.candidates = candidates
        self.path = path; self.sha256 = sha256; self.model = model; self.role = role
    }

    /// An asset's identity from its candidates' digests (order does not matter).
    public static func assetIdentity(_ digests: [String]) -> String {
        SHA256.hex(of: Data(digests.sorted().joined(separator: "\n").utf8))
    }
}

/// The measured yield of one report group: candidates reviewed on the board, and how many of
/// them were kept (their last decision a pick or a lock).
public struct ReviewYield: Codable, Equatable, Sendable {
    public var reviewed: Int
    public var kept: Int
    public var yield: Double? { reviewed > 0 ? Double(kept) / Double(reviewed) : nil }

    enum CodingKeys: String, CodingKey { case reviewed, kept, yield }
    public init(reviewed: Int, kept: Int) { self.reviewed = reviewed; self.kept = kept }
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(reviewed, forKey: .reviewed); try c.encode(kept, forKey: .kept)
        try c.encodeIfPresent(yield, forKey: .yield)
    }
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        reviewed = try c.decode(Int.self, forKey: .reviewed); kept = try c.decode(Int.self, forKey: .kept)
    }
}

extension Recorder {
    /// Records one decision as its own entry (operation `review`, or `lock`/`unlock` from the
    /// command line), with the candidate as the entry's input. It avoids nothing and spends
    /// nothing. Returns the entry, or nil when recording is off.
    @discardableResult
    public func recordDecision(_ decision: ReviewDecision, operation: String = "review", width: Int? = nil,
                               height: Int? = nil) throws -> LedgerEntry? {
        guard settings.enabled else { return nil }
        var parameters = ["decision": decision.kind.rawValue]
        if !decision.assetLabel.isEmpty { parameters["asset"] = decision.assetLabel }
        if !decision.model.isEmpty { parameters["model"] = decision.model }
        if let role = decision.role { parameters["role"] = role }
        do {
            let card = try location.loadCard()
            var file = try FileRecord.of(decision.path, width: width, height: height, sha256: decision.sha256)
            file.path = decision.path
            var entry = LedgerEntry(
                project: location.project, user: Recorder.user, commandLine: settings.commandLine, operation: operation,
                parameters: parameters, inputs: [file], priceCardHash: card.hash, stetVersion: settings.version,
                tags: settings.tags)
            entry.decision = decision
            try appendEntry(entry)
            return entry
        } catch let error as StetError {
            throw RecorderError(error)
        }
    }
}

extension Ledger {
    static func insertDecision(_ d: ReviewDecision, entry id: Int64, tags: String, _ db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO decision (entry_id, kind, asset, asset_label, candidates, path, sha256, model, role, tags)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [id, d.kind.rawValue, d.asset, d.assetLabel, d.candidates, d.path, d.sha256,
                                     d.model, d.role, tags])
    }

    /// Every decision of the matching entries, oldest first (for exports and tests).
    public func decisions(_ filter: LedgerFilter = LedgerFilter()) throws -> [ReviewDecision] {
        try mapErrors {
            try pool.read { db in
                let (w, args) = filter.whereClause()
                return try Row.fetchAll(db, sql: """
                    SELECT d.kind, d.asset, d.asset_label, d.candidates, d.path, d.sha256, d.model, d.role
                    FROM decision d CROSS JOIN entry e ON e.id = d.entry_id \(w) ORDER BY d.entry_id
                    """, arguments: StatementArguments(args.map(\.grdb))).map { r in
                    ReviewDecision(kind: ReviewDecision.Kind(rawValue: r[0]) ?? .pick, asset: r[1], assetLabel: r[2],
                                   candidates: r[3], path: r[4], sha256: r[5], model: r[6], role: r[7])
                }
            }
        }
    }
}
