/// An option of the user's that a core error message points to ("--lenient decodes what is
/// there") without the core knowing how the CLI spells it. The core interpolates the hint into
/// its message, where it stands as a token; the CLI turns every token into its flag name in one
/// place (`StetError.rendered(_:)` with the CLI's spelling), so a library user can spell it as
/// their own API does.
public enum Hint: String, CaseIterable, Sendable {
    case lenient
    case limitPixels = "limit-pixels"
    case region
    case margin
    case feather
    case fromAlpha = "from-alpha"
    case matchColor = "match-color"
    case grid
    case method
    case format
    case scale
    case width
    case height
    case allowShrink = "allow-shrink"
    case focus
    case out
    case force

    static let open: Character = "\u{2}"
    static let close: Character = "\u{3}"

    /// The token a message carries in place of the option.
    public var token: String { "\(Hint.open)\(rawValue)\(Hint.close)" }

    /// Replaces every hint token in `text` with `spell(hint)`.
    public static func render(_ text: String, _ spell: (Hint) -> String) -> String {
        Token.render(text, open: open, close: close) { name in Hint(rawValue: name).map(spell) ?? name }
    }

    /// The spelling of a command-line flag: `--lenient`, `--limit-pixels`.
    public static func flag(_ hint: Hint) -> String { "--" + hint.rawValue }
}

extension Hint: CustomStringConvertible {
    public var description: String { token }
}

extension StetError {
    /// The message with its hints spelled by `spell` (the CLI: `Hint.flag`).
    public func rendered(_ spell: (Hint) -> String = Hint.flag) -> String { Hint.render(description, spell) }
}

/// Tokens in a message (`OPEN key CLOSE`), for hints and file roles: each replaced by what
/// `replace` says of its key; an unclosed token is left as it is.
enum Token {
    static func render(_ text: String, open: Character, close: Character, _ replace: (String) -> String) -> String {
        guard text.contains(open) else { return text }
        var out = ""
        var rest = Substring(text)
        while let start = rest.firstIndex(of: open) {
            out += rest[..<start]
            let after = rest.index(after: start)
            guard let end = rest[after...].firstIndex(of: close) else { out += rest[start...]; return out }
            out += replace(String(rest[after..<end]))
            rest = rest[rest.index(after: end)...]
        }
        return out + rest
    }
}
