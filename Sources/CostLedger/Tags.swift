import Foundation
import StetSupport

/// `--tag key=value` (repeatable): the ledger entry's tags. The key is trimmed of spaces; the
/// value is kept as given (it may be empty and may contain "="). A tag with no "=", an empty
/// key, or a key given twice is a usage error.
public enum Tags {
    public static func parse(_ tags: [String]) throws -> [String: String] {
        var result: [String: String] = [:]
        for tag in tags {
            guard let eq = tag.firstIndex(of: "="), eq != tag.startIndex else {
                throw Validate.invalid("key=value", "tag", tag)
            }
            let key = String(tag[..<eq]).trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty else { throw Validate.invalid("key=value", "tag", tag) }
            if result[key] != nil { throw StetError.usage("Tag \(key) is given twice") }
            result[key] = String(tag[tag.index(after: eq)...])
        }
        return result
    }
}
