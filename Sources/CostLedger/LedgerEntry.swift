import Foundation
import StetSupport

/// One use of Stet, as the ledger keeps it. Written in a single transaction, only after the
/// command's outputs are in place; a failed command writes an entry that claims no savings.
public struct LedgerEntry: Codable, Equatable, Sendable {
    public var id: Int64?
    public var uuid: String
    /// When the command finished, UTC.
    public var time: Date
    /// The folder holding the `.stet/` the command ran under, if any.
    public var project: String?
    public var user: String
    public var commandLine: String
    public var operation: String
    public var parameters: [String: String]
    public var inputs: [FileRecord]
    public var outputs: [FileRecord]
    public var avoided: [AvoidedItem]
    public var spent: [SpendItem]
    public var priceCardHash: String
    public var wallSeconds: Double
    public var cpuSeconds: Double
    public var stetVersion: String
    public var tags: [String: String]
    public var succeeded: Bool
    public var error: String?
    /// A review decision (`stet review`, `stet lock`, `stet unlock`); nil for every other use.
    public var decision: ReviewDecision?

    public init(id: Int64? = nil, uuid: String = UUID().uuidString.lowercased(), time: Date = Date(),
                project: String?, user: String, commandLine: String, operation: String,
                parameters: [String: String] = [:], inputs: [FileRecord] = [], outputs: [FileRecord] = [],
                avoided: [AvoidedItem] = [], spent: [SpendItem] = [], priceCardHash: String,
                wallSeconds: Double = 0, cpuSeconds: Double = 0, stetVersion: String,
                tags: [String: String] = [:], succeeded: Bool = true, error: String? = nil) {
        self.id = id; self.uuid = uuid; self.time = time; self.project = project; self.user = user
        self.commandLine = commandLine; self.operation = operation; self.parameters = parameters
        self.inputs = inputs; self.outputs = outputs; self.avoided = avoided; self.spent = spent
        self.priceCardHash = priceCardHash; self.wallSeconds = wallSeconds; self.cpuSeconds = cpuSeconds
        self.stetVersion = stetVersion; self.tags = tags; self.succeeded = succeeded; self.error = error
    }

    /// A failure claims nothing: no avoided items, whatever the caller passed.
    public static func failure(project: String?, user: String, commandLine: String, operation: String,
                               error: String, priceCardHash: String, wallSeconds: Double, cpuSeconds: Double,
                               stetVersion: String, tags: [String: String]) -> LedgerEntry {
        LedgerEntry(project: project, user: user, commandLine: commandLine, operation: operation,
                    priceCardHash: priceCardHash, wallSeconds: wallSeconds, cpuSeconds: cpuSeconds,
                    stetVersion: stetVersion, tags: tags, succeeded: false, error: error)
    }
}

/// Timestamps as the ledger stores them: ISO 8601 UTC with milliseconds, fixed width, so
/// text comparison orders them and `--since/--until` filter with an index.
public enum LedgerTime {
    public static func string(_ date: Date) -> String {
        let ms = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var t = time_t(ms / 1000)
        var parts = tm()
        gmtime_r(&t, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03lldZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
                      Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), ms % 1000)
    }

    public static func date(_ string: String) -> Date? {
        if let fast = fixedWidth(string) { return fast }
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let d = f.date(from: string) { return d }
        f.formatOptions = [.withInternetDateTime]
        return f.date(from: string)
    }

    /// The ledger's own form, "2026-11-21T08:39:52.250Z" (milliseconds optional), parsed
    /// without a formatter: exports and imports read 100,000 of them.
    static func fixedWidth(_ string: String) -> Date? {
        let b = Array(string.utf8)
        guard b.count == 20 || b.count == 24, b[4] == 45, b[7] == 45, b[10] == 84, b[13] == 58, b[16] == 58,
              b.last == 90 else { return nil }
        func num(_ r: Range<Int>) -> Int? {
            var v = 0
            for i in r { guard b[i] >= 48 && b[i] <= 57 else { return nil }; v = v * 10 + Int(b[i] - 48) }
            return v
        }
        guard let y = num(0..<4), let mo = num(5..<7), let d = num(8..<10), let h = num(11..<13),
              let mi = num(14..<16), let sec = num(17..<19), (1...12).contains(mo), (1...31).contains(d),
              h < 24, mi < 60, sec < 61 else { return nil }
        var ms = 0
        if b.count == 24 {
            guard b[19] == 46, let m = num(20..<23) else { return nil }
            ms = m
        }
        var parts = tm()
        parts.tm_year = Int32(y - 1900); parts.tm_mon = Int32(mo - 1); parts.tm_mday = Int32(d)
        parts.tm_hour = Int32(h); parts.tm_min = Int32(mi); parts.tm_sec = Int32(sec)
        let t = timegm(&parts)
        return Date(timeIntervalSince1970: Double(t) + Double(ms) / 1000)
    }

    /// A `--since`/`--until` bound: a day (YYYY-MM-DD, UTC) or a full ISO 8601 time.
    /// `endOfDay` makes the bound inclusive for use as an exclusive upper limit (`time < bound`).
    public static func bound(_ text: String, endOfDay: Bool, option: String) throws -> String {
        if text.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) != nil,
           let day = date(text + "T00:00:00Z") {
            return string(endOfDay ? day.addingTimeInterval(86_400) : day)
        }
        if let d = date(text) { return string(endOfDay ? d.addingTimeInterval(0.001) : d) }
        throw Validate.invalid("a date (YYYY-MM-DD) or ISO 8601 time", option, text)
    }
}
