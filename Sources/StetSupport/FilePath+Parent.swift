/// Path arithmetic that does not go through `NSString`.
///
/// Why: swift-corelibs-foundation (Swift 6.3.1 on Linux) traps on
/// `("a" as NSString).deletingLastPathComponent` and on "a/": any one-character name, as in
/// `stet draft x.jpg --out a`, crashed the CLI with an illegal instruction.
public enum FilePath {
    /// The folder part of `path`, as `NSString.deletingLastPathComponent` defines it: "" for a
    /// bare name, "/" for a name in the root, trailing slashes ignored.
    public static func parent(_ path: String) -> String {
        var s = Substring(path)
        while s.count > 1, s.hasSuffix("/") { s = s.dropLast() }
        guard let slash = s.lastIndex(of: "/") else { return "" }
        var head = s[..<slash]
        while head.hasSuffix("/") { head = head.dropLast() }
        if head.isEmpty { return path.hasPrefix("/") ? "/" : "" }
        return String(head)
    }
}
