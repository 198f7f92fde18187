import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP/1.1 client over a plain socket, so a test controls every byte: the Host
/// header (or none), paths with `..` and encoded slashes left exactly as written.
struct RawResponse {
    var status: Int
    var headers: [String: String]
    var body: Data
    var text: String { String(decoding: body, as: UTF8.self) }
    func json() throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: body) as? [String: Any] ?? [:]
    }
}

enum RawHTTP {
    static func send(port: Int, _ request: String, body: Data = Data()) throws -> RawResponse {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw NSError(domain: "socket", code: Int(errno)) }
        defer { close(fd) }
        var tv = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard ok == 0 else { throw NSError(domain: "connect", code: Int(errno)) }
        var out = Data(request.utf8)
        out.append(body)
        _ = out.withUnsafeBytes { write(fd, $0.baseAddress, out.count) }
        var data = Data()
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(fd, &buf, buf.count)
            if n <= 0 { break }
            data.append(buf, count: n)
        }
        return try parse(data)
    }

    static func parse(_ data: Data) throws -> RawResponse {
        guard let sep = data.range(of: Data("\r\n\r\n".utf8)) else { throw NSError(domain: "no response", code: 0) }
        let head = String(decoding: data[..<sep.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let status = Int(head[0].split(separator: " ")[1]) ?? 0
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let c = line.firstIndex(of: ":") else { continue }
            headers[line[..<c].lowercased()] = line[line.index(after: c)...].trimmingCharacters(in: .whitespaces)
        }
        return RawResponse(status: status, headers: headers, body: Data(data[sep.upperBound...]))
    }

    /// GET with the given Host (nil: no Host header at all) and optional bearer token.
    static func get(port: Int, _ path: String, host: String?, token: String?) throws -> RawResponse {
        var r = "GET \(path) HTTP/1.1\r\n"
        if let host { r += "Host: \(host)\r\n" }
        if let token { r += "Authorization: Bearer \(token)\r\n" }
        r += "Connection: close\r\n\r\n"
        return try send(port: port, r)
    }

    static func post(port: Int, _ path: String, json: Data, token: String?, host: String? = nil) throws -> RawResponse {
        var r = "POST \(path) HTTP/1.1\r\nHost: \(host ?? "127.0.0.1:\(port)")\r\n"
        if let token { r += "Authorization: Bearer \(token)\r\n" }
        r += "Content-Type: application/json\r\nContent-Length: \(json.count)\r\nConnection: close\r\n\r\n"
        return try send(port: port, r, body: json)
    }
}
