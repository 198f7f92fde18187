import Foundation

/// Automatic1111's `parameters` text, parsed: the prompt, a `Negative prompt:` line (both may
/// span lines), then the last line, `Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, ...`,
/// whose pairs are kept in `settings` (quoted values unquoted) and the common ones typed.
public struct A1111Parameters: Codable, Equatable, Sendable {
    public var prompt: String
    public var negativePrompt: String?
    public var steps: Int?
    public var sampler: String?
    public var cfgScale: Double?
    public var seed: Int64?
    public var width: Int?
    public var height: Int?
    public var model: String?
    public var modelHash: String?
    /// Every `key: value` pair of the settings line, in order of appearance.
    public var settings: [Setting]

    public struct Setting: Codable, Equatable, Sendable {
        public var key: String
        public var value: String
    }

    /// Nil when the text has no settings line (a line starting `Steps: `), which is what tells
    /// A1111's record from any other `parameters` text.
    public static func parse(_ text: String) -> A1111Parameters? {
        var lines = text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
            .map(String.init)
        while let last = lines.last, last.trimmingCharacters(in: .whitespaces).isEmpty { lines.removeLast() }
        guard let last = lines.last, last.hasPrefix("Steps: ") else { return nil }
        lines.removeLast()
        let settings = parseSettings(last)
        var promptLines: [String] = []
        var negativeLines: [String]?
        for line in lines {
            if negativeLines == nil, line.hasPrefix("Negative prompt:") {
                negativeLines = [String(line.dropFirst("Negative prompt:".count)).trimmingCharacters(in: .whitespaces)]
            } else if negativeLines != nil {
                negativeLines!.append(line)
            } else {
                promptLines.append(line)
            }
        }
        var p = A1111Parameters(prompt: promptLines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines),
                                negativePrompt: negativeLines.map { $0.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines) },
                                settings: settings)
        func value(_ key: String) -> String? { settings.first { $0.key == key }?.value }
        p.steps = value("Steps").flatMap { Int($0) }
        p.sampler = value("Sampler")
        p.cfgScale = value("CFG scale").flatMap { Double($0) }
        p.seed = value("Seed").flatMap { Int64($0) }
        if let size = value("Size") {
            let parts = size.split(separator: "x")
            if parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]) { p.width = w; p.height = h }
        }
        p.model = value("Model")
        p.modelHash = value("Model hash")
        return p
    }

    /// `key: value, key: "quoted, value", ...` as A1111 writes it.
    static func parseSettings(_ line: String) -> [Setting] {
        var out: [Setting] = []
        var chars = Substring(line)
        while !chars.isEmpty {
            chars = chars.drop { $0 == " " || $0 == "," }
            guard let colon = chars.firstIndex(of: ":") else { break }
            let key = chars[..<colon].trimmingCharacters(in: .whitespaces)
            chars = chars[chars.index(after: colon)...].drop { $0 == " " }
            var value = ""
            if chars.first == "\"" {
                chars = chars.dropFirst()
                var escaped = false
                while let c = chars.first {
                    chars = chars.dropFirst()
                    if escaped { value.append(c); escaped = false }
                    else if c == "\\" { escaped = true }
                    else if c == "\"" { break }
                    else { value.append(c) }
                }
                if let comma = chars.firstIndex(of: ",") { chars = chars[comma...] } else { chars = "" }
            } else if let comma = chars.firstIndex(of: ",") {
                value = String(chars[..<comma]); chars = chars[comma...]
            } else {
                value = String(chars); chars = ""
            }
            if !key.isEmpty { out.append(Setting(key: key, value: value.trimmingCharacters(in: .whitespaces))) }
        }
        return out
    }
}
