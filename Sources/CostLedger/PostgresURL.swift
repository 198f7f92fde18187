import Foundation
import StetSupport

/// A `postgresql://` ledger address, parsed the way libpq reads one, and the password found
/// for it. A password may be in the URL only where `ps` cannot see it (`STET_LEDGER_URL`,
/// `STET_LEDGER`); otherwise it comes from `PGPASSWORD` or a password file (`PGPASSFILE`, else
/// `~/.pgpass`, read only when no one but its owner can read it, as libpq does).
public struct PostgresURL: Sendable, Equatable {
    public var user: String
    public var password: String?
    public var host: String
    public var port: Int
    public var database: String

    /// The address as errors and reports name it: never with its password.
    public var name: String { "postgresql://\(user)@\(host):\(port)/\(database)" }

    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgresql://") || text.hasPrefix("postgres://")
    }

    /// True when `text` is a PostgreSQL URL that carries a password.
    public static func hasPassword(_ text: String) -> Bool {
        guard isURL(text), let c = URLComponents(string: text) else { return false }
        return c.password != nil
    }

    /// The URL with any password blanked, for messages.
    public static func redacted(_ text: String) -> String {
        guard isURL(text), var c = URLComponents(string: text), c.password != nil else { return text }
        c.password = nil
        return c.string ?? "postgresql://"
    }

    /// Parses `text`; the error names the URL (without its password) and what is wrong.
    public static func parse(_ text: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> PostgresURL {
        let shown = redacted(text)
        guard isURL(text), let c = URLComponents(string: text) else {
            throw StetError.input(shown, "is not a PostgreSQL URL (expected postgresql://USER@HOST:PORT/DATABASE)")
        }
        let env = { (k: String) in environment[k].flatMap { $0.isEmpty ? nil : $0 } }
        var port = env("PGPORT").flatMap(Int.init) ?? 5432
        if let p = c.port {
            guard (1...65535).contains(p) else { throw StetError.input(shown, "is not a PostgreSQL URL (port \(p) is out of range)") }
            port = p
        }
        let user = c.user.flatMap { $0.removingPercentEncoding } ?? env("PGUSER") ?? env("USER") ?? "postgres"
        let host = c.host.flatMap { $0.isEmpty ? nil : $0 } ?? env("PGHOST") ?? "localhost"
        var path = c.path
        if path.hasPrefix("/") { path.removeFirst() }
        guard !path.contains("/") else { throw StetError.input(shown, "is not a PostgreSQL URL (the database name has a /)") }
        let database = path.removingPercentEncoding.flatMap { $0.isEmpty ? nil : $0 } ?? env("PGDATABASE") ?? user
        for item in c.queryItems ?? [] {
            switch (item.name, item.value ?? "") {
            case ("sslmode", "disable"), ("sslmode", "allow"), ("sslmode", "prefer"), ("application_name", _), ("connect_timeout", _): continue
            case ("sslmode", let mode):
                throw StetError.input(shown, "sslmode=\(mode) is not supported by Stet yet; use sslmode=disable over a trusted network or a tunnel")
            default:
                throw StetError.input(shown, "is not a PostgreSQL URL Stet understands (unknown parameter \(item.name))")
            }
        }
        return PostgresURL(user: user, password: c.password.flatMap { $0.removingPercentEncoding }, host: host, port: port,
                           database: database)
    }

    /// The password to log in with: the URL's, else `PGPASSWORD`, else the password file's.
    public func resolvedPassword(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let password { return password }
        if let p = environment["PGPASSWORD"], !p.isEmpty { return p }
        let file = environment["PGPASSFILE"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()) + "/.pgpass"
        return PostgresURL.passwordFile(file, host: host, port: port, database: database, user: user)
    }

    /// libpq's password file: `host:port:database:user:password` lines, `*` matching anything,
    /// `\:` and `\\` escaped; the first matching line wins. Ignored (as libpq ignores it) when
    /// its group or others may read or write it.
    static func passwordFile(_ path: String, host: String, port: Int, database: String, user: String) -> String? {
        var st = stat()
        guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, (st.st_mode & 0o077) == 0,
              let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) where !line.hasPrefix("#") {
            var fields: [String] = [], current = "", escaped = false
            for ch in line {
                if escaped { current.append(ch); escaped = false } else if ch == "\\" { escaped = true } else if ch == ":" && fields.count < 4 {
                    fields.append(current); current = ""
                } else { current.append(ch) }
            }
            fields.append(current)
            guard fields.count == 5 else { continue }
            let wanted = [host, String(port), database, user]
            let hostMatches = fields[0] == "*" || fields[0] == host || (fields[0] == "localhost" && host == "127.0.0.1")
            if hostMatches && (1...3).allSatisfy({ fields[$0] == "*" || fields[$0] == wanted[$0] }) { return fields[4] }
        }
        return nil
    }
}
