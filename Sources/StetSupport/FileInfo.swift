import Foundation

/// What Stet records about a file wherever provenance matters: manifests, grid maps, the ledger.
public struct FileRecord: Codable, Equatable, Sendable {
    public var path: String
    public var sha256: String
    public var bytes: Int64
    public var width: Int?
    public var height: Int?

    public init(path: String, sha256: String, bytes: Int64, width: Int? = nil, height: Int? = nil) {
        self.path = path; self.sha256 = sha256; self.bytes = bytes; self.width = width; self.height = height
    }

    /// Hashes and sizes the file at `path`.
    /// The record of a file; `sha256` is its digest when the caller already has it.
    public static func of(_ path: String, width: Int? = nil, height: Int? = nil, sha256: String? = nil) throws -> FileRecord {
        let bytes = fileSize(path)
        return FileRecord(path: path, sha256: try sha256 ?? SHA256.hex(ofFile: path), bytes: bytes, width: width, height: height)
    }
}

public func fileSize(_ path: String) -> Int64 {
    let attrs = try? FileManager.default.attributesOfItem(atPath: path)
    return (attrs?[.size] as? NSNumber)?.int64Value ?? 0
}

/// JSON with stable key order and readable layout, for every sidecar Stet writes.
public func stetJSONEncoder() -> JSONEncoder {
    let e = JSONEncoder()
    e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return e
}
