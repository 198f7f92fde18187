import Foundation
import NIOCore

/// The access token and the checks every request passes before any route sees it.
public enum BoardSecurity {
    /// 32 random bytes as 64 hex digits.
    public static func newToken() -> String {
        var g = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &g)) }.joined()
    }

    /// Compares in time that depends only on the length of `expected`, never on where the
    /// first difference is (the length of a 64-digit token is no secret).
    public static func constantTimeEqual(_ given: some StringProtocol, _ expected: String) -> Bool {
        let a = Array(given.utf8), b = Array(expected.utf8)
        var diff = UInt8(a.count == b.count ? 0 : 1)
        for i in 0..<b.count {
            diff |= (i < a.count ? a[i] : 0) ^ b[i]
        }
        return diff == 0
    }

    /// True for 127.0.0.0/8 and ::1 (and ::ffff:127.x.x.x).
    public static func isLoopback(_ address: SocketAddress?) -> Bool {
        guard let ip = address?.ipAddress else { return false }
        if ip == "::1" { return true }
        if ip.hasPrefix("127.") { return true }
        if ip.hasPrefix("::ffff:127.") { return true }
        return false
    }

    /// The Host header a browser sends for this server: a loopback name or address and our port.
    /// A DNS-rebinding page arrives with its own host name and is refused.
    public static func isAllowedHost(_ host: String?, port: Int) -> Bool {
        guard let host = host?.lowercased() else { return false }
        let allowed = ["127.0.0.1:\(port)", "localhost:\(port)", "[::1]:\(port)"]
        return allowed.contains(host)
    }

    /// A raw request path that could name something outside the board: a `..` or `.` segment,
    /// an encoded slash, backslash, dot or NUL, or a doubled slash.
    public static func isSuspiciousPath(_ raw: String) -> Bool {
        let lower = raw.lowercased()
        for bad in ["%2f", "%5c", "%2e", "%00", "\\", "//"] where lower.contains(bad) { return true }
        let segments = raw.split(separator: "/", omittingEmptySubsequences: false)
        return segments.contains { $0 == ".." || $0 == "." }
    }
}
