import Foundation
import StetSupport

/// A platform's output size, as published by the platform. The table is data
/// (`Presets+Data.swift`), parsed once at run time.
public struct PlatformPreset: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var width: Int
    public var height: Int
    public var aliases: [String]
    /// ISO date the size was last compared with `source`.
    public var checked: String
    public var source: String

    public var ratio: AspectRatio { AspectRatio(width, height) }

    private struct Table: Decodable { var version: Int; var presets: [PlatformPreset] }

    /// Every preset, in the table's order.
    public static let all: [PlatformPreset] = {
        do {
            return try parse(Data(tableJSON.utf8))
        } catch {
            // The table ships inside the binary and a test parses it, so this cannot be reached
            // by a user; failing loudly beats silently offering no presets.
            fatalError("Presets+Data.swift: the preset table is not valid: \(error)")
        }
    }()

    /// Parses a preset table and checks every row: positive sizes, unique ids and aliases.
    public static func parse(_ data: Data) throws -> [PlatformPreset] {
        let table = try JSONDecoder().decode(Table.self, from: data)
        var seen = Set<String>()
        for p in table.presets {
            guard p.width > 0, p.height > 0 else {
                throw StetError.usage("Preset \(p.id) has a non-positive size \(p.width)x\(p.height)")
            }
            for key in [p.id] + p.aliases {
                guard seen.insert(key.lowercased()).inserted else {
                    throw StetError.usage("Preset name \(key) appears twice in the preset table")
                }
            }
        }
        return table.presets
    }

    /// The preset called `name` (its id or an alias, any case).
    public static func named(_ name: String) -> PlatformPreset? {
        let key = name.lowercased()
        return all.first { $0.id == key || $0.aliases.contains(key) }
    }
}
