import Foundation
import StetSupport

/// Where the ledger and the price card are, found the way git finds `.git/`.
///
/// Ledger: `--ledger PATH|URL`, else `$STET_LEDGER`, else `$STET_LEDGER_URL`, else `url = …` in the
/// nearest `.stet/config.toml`, else `.stet/ledger.sqlite` in the nearest folder upward from the
/// working directory that has a `.stet/`, else the per-user ledger
/// `$XDG_DATA_HOME/stet/ledger.sqlite` (`~/.local/share/stet/ledger.sqlite`). A URL
/// (`postgresql://…`) names a team's PostgreSQL server instead of a file.
///
/// Price card: `$STET_PRICES`, else `prices.toml` next to the ledger, else the built-in example card.
public struct LedgerLocation: Equatable, Sendable {
    public enum Source: String, Sendable {
        case option = "--ledger", environment = "STET_LEDGER", environmentURL = "STET_LEDGER_URL"
        case config = ".stet/config.toml", project = ".stet", user = "per-user"
    }

    public var ledgerPath: String
    public var source: Source
    /// The folder holding the nearest `.stet/`, recorded as each entry's project.
    public var project: String?
    /// The price card file to use, or nil for the built-in card.
    public var pricesPath: String?
    /// The `.stet/config.toml` the URL came from, when it did.
    public var configPath: String?

    public static let folderName = ".stet"
    public static let configName = "config.toml"
    public static let ledgerName = "ledger.sqlite"
    public static let pricesName = "prices.toml"

    public static func resolve(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
                               cwd: String = FileManager.default.currentDirectoryPath, configURL readConfig: Bool = true) -> LedgerLocation {
        let project = findProject(from: cwd)
        let path: String
        let source: Source
        var configPath: String?
        let configURL = !readConfig ? nil : project.flatMap { readConfigURL(($0 as NSString).appendingPathComponent("\(folderName)/\(configName)")) }
        if let explicit, !explicit.isEmpty {
            path = PostgresURL.isURL(explicit) ? explicit : absolute(explicit, cwd: cwd); source = .option
        } else if let env = environment["STET_LEDGER"], !env.isEmpty {
            path = PostgresURL.isURL(env) ? env : absolute(env, cwd: cwd); source = .environment
        } else if let env = environment["STET_LEDGER_URL"], !env.isEmpty {
            path = env; source = .environmentURL
        } else if let (file, url) = configURL {
            path = url; source = .config; configPath = file
        } else if let project {
            path = (project as NSString).appendingPathComponent("\(folderName)/\(ledgerName)"); source = .project
        } else {
            path = (userDataFolder(environment) as NSString).appendingPathComponent(ledgerName); source = .user
        }
        var prices: String?
        if let env = environment["STET_PRICES"], !env.isEmpty {
            prices = absolute(env, cwd: cwd)
        } else {
            // A server has no folder: its card is the project's (.stet/prices.toml), if any.
            let folder = PostgresURL.isURL(path) ? project.map { ($0 as NSString).appendingPathComponent(folderName) } : FilePath.parent(path)
            let beside = folder.map { ($0 as NSString).appendingPathComponent(pricesName) }
            if let beside, FileManager.default.fileExists(atPath: beside) { prices = beside }
        }
        return LedgerLocation(ledgerPath: path, source: source, project: project, pricesPath: prices, configPath: configPath)
    }

    /// `url = "postgresql://…"` from a project's config file (top level or under `[ledger]`).
    static func readConfigURL(_ file: String) -> (String, String)? {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        var section = ""
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("[") { section = line.trimmingCharacters(in: CharacterSet(charactersIn: "[] ")); continue }
            guard section == "" || section == "ledger", line.hasPrefix("url"), let eq = line.firstIndex(of: "=") else { continue }
            guard line[..<eq].trimmingCharacters(in: .whitespaces) == "url" else { continue }
            var value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if let hash = value.range(of: " #") { value = String(value[..<hash.lowerBound]).trimmingCharacters(in: .whitespaces) }
            value = value.trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
            return value.isEmpty ? nil : (file, value)
        }
        return nil
    }

    /// The nearest folder at or above `cwd` that contains a `.stet` folder.
    public static func findProject(from cwd: String) -> String? {
        var dir = URL(fileURLWithPath: cwd).standardizedFileURL.path
        while true {
            var isDir: ObjCBool = false
            let candidate = (dir as NSString).appendingPathComponent(folderName)
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDir), isDir.boolValue { return dir }
            let parent = FilePath.parent(dir)
            if parent == dir || parent.isEmpty { return nil }
            dir = parent
        }
    }

    /// `$XDG_DATA_HOME/stet`, with the XDG default `~/.local/share` when unset or relative.
    public static func userDataFolder(_ environment: [String: String]) -> String {
        if let xdg = environment["XDG_DATA_HOME"], xdg.hasPrefix("/") {
            return (xdg as NSString).appendingPathComponent("stet")
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return (home as NSString).appendingPathComponent(".local/share/stet")
    }

    static func absolute(_ path: String, cwd: String) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        if expanded.hasPrefix("/") { return expanded }
        return URL(fileURLWithPath: expanded, relativeTo: URL(fileURLWithPath: cwd, isDirectory: true)).standardizedFileURL.path
    }

    /// The card in effect here: the file if there is one, else the built-in example card.
    /// A command asks more than once (validation, then recording); the file is parsed once
    /// per process unless it changes in between.
    public func loadCard() throws -> PriceCard {
        guard let pricesPath else { return PriceCard.builtIn }
        var st = stat()
        guard stat(pricesPath, &st) == 0 else { throw StetError.input(pricesPath, "price card does not exist") }
        let stamp = "\(st.st_size)/\(st.st_mtim.tv_sec)/\(st.st_mtim.tv_nsec)/\(st.st_ino)"
        if let card = CardCache.shared.get(pricesPath, stamp) { return card }
        let card = try PriceCard.load(path: pricesPath)
        CardCache.shared.put(pricesPath, stamp, card)
        return card
    }

    /// Creates the per-user folder when recording into the per-user ledger for the first time.
    public func prepareFolder() throws {
        guard source == .user, !isURL else { return }
        let dir = FilePath.parent(ledgerPath)
        do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) } catch {
            throw StetError.output(ledgerPath, "folder \(dir) cannot be created")
        }
    }
}

/// Parsed cards by path and file stamp, for the life of the process.
final class CardCache: @unchecked Sendable {
    static let shared = CardCache()
    private let lock = NSLock()
    private var cards: [String: (stamp: String, card: PriceCard)] = [:]

    func get(_ path: String, _ stamp: String) -> PriceCard? {
        lock.lock(); defer { lock.unlock() }
        guard let hit = cards[path], hit.stamp == stamp else { return nil }
        return hit.card
    }

    func put(_ path: String, _ stamp: String, _ card: PriceCard) {
        lock.lock(); defer { lock.unlock() }
        cards[path] = (stamp, card)
    }
}
