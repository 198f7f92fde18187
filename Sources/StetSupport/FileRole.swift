/// A file a job was handed, named by the part it plays in the job (the source image, its mask,
/// the region file) instead of by its path. Core errors name files this way: the caller knows
/// which path it gave for each role, and adds it in one place (`StetError.naming(_:)` with a
/// `FileNames`), so the core's messages carry no paths of their own, and a library user can
/// name the files as their own program does (a URL, an upload's name).
///
/// In a message a role stands as a token, as a `Hint` does: `"mask is 10x10 but \(FileRole.source)
/// is 20x20"`; `FileRole.render` replaces the tokens.
public enum FileRole: Hashable, Sendable, CustomStringConvertible {
    /// The image or clip the job works on.
    case source
    /// One of the several sources of a job that takes a list (grid's images), by its position
    /// in the list (from 0).
    case listed(Int)
    /// A mask that goes with the source (inpaint, patch), or a mask to read (mask --from-alpha).
    case mask
    /// A region file written by `mask --region` (patch and mask read it).
    case region
    /// The edited image or patch that comes back from a model (patch).
    case edited
    /// The image a patch is pasted into (patch's base).
    case base
    /// A strokes JSON file (mask).
    case strokes
    /// A grid's map (split).
    case gridMap
    /// A job resource file named by the caller (upscale weights or refiner, a face cascade).
    case resource
    /// The job's output file.
    case output
    /// A second output the job writes beside its output (mask's region crop, reframe's plan).
    case companion(String)
    /// A file the job found or named itself rather than had from its caller (the mask a
    /// region.json names; reframe's per-platform outputs in the folder it was given), by its path.
    case referenced(String)
    /// A data file that ships with Stet (a filter bank, a face cascade), by its file name: no
    /// caller path stands for it.
    case bundled(String)

    static let open: Character = "\u{4}"
    static let close: Character = "\u{5}"

    /// The key a role has in a token: "mask", "companion:plan".
    var key: String {
        switch self {
        case .source: return "source"
        case .listed(let i): return "listed:\(i)"
        case .mask: return "mask"
        case .region: return "region"
        case .edited: return "edited"
        case .base: return "base"
        case .strokes: return "strokes"
        case .gridMap: return "gridMap"
        case .resource: return "resource"
        case .output: return "output"
        case .companion(let name): return "companion:" + name
        case .bundled(let name): return "bundled:" + name
        case .referenced(let path): return "referenced:" + path
        }
    }

    init?(key: String) {
        switch key {
        case "source": self = .source
        case "mask": self = .mask
        case "region": self = .region
        case "edited": self = .edited
        case "base": self = .base
        case "strokes": self = .strokes
        case "gridMap": self = .gridMap
        case "resource": self = .resource
        case "output": self = .output
        default:
            if key.hasPrefix("companion:") { self = .companion(String(key.dropFirst("companion:".count))); return }
            if key.hasPrefix("listed:"), let i = Int(key.dropFirst("listed:".count)) { self = .listed(i); return }
            if key.hasPrefix("referenced:") { self = .referenced(String(key.dropFirst("referenced:".count))); return }
            guard key.hasPrefix("bundled:") else { return nil }
            self = .bundled(String(key.dropFirst("bundled:".count)))
        }
    }

    /// What the role is called where no path is known: "the mask", "the plan".
    public var name: String {
        switch self {
        case .source: return "the source image"
        case .listed(let i): return "source \(i + 1)"
        case .mask: return "the mask"
        case .region: return "the region file"
        case .edited: return "the edited image"
        case .base: return "the base image"
        case .strokes: return "the strokes file"
        case .gridMap: return "the grid map"
        case .resource: return "the resource file"
        case .output: return "the output"
        case .companion(let name): return "the \(name)"
        case .bundled(let name): return "Stet's bundled \(name)"
        case .referenced(let path): return path
        }
    }

    /// Whether an error about this file is about something being written.
    public var isOutput: Bool {
        switch self {
        case .output, .companion: return true
        default: return false
        }
    }

    /// The token a message carries in place of the file's path.
    public var token: String { "\(FileRole.open)\(key)\(FileRole.close)" }
    public var description: String { token }

    /// Replaces every role token in `text` with `path(role)` (the role's name where it is nil).
    public static func render(_ text: String, _ path: (FileRole) -> String?) -> String {
        Token.render(text, open: open, close: close) { key in FileRole(key: key).map { path($0) ?? $0.name } ?? key }
    }
}

/// The paths behind the roles of one run of a job, as its caller named them. The CLI makes one
/// for each input of a batch (the source, and its mask, region or output as the command has them).
public struct FileNames: Sendable, Equatable {
    public var paths: [FileRole: String]

    public init(_ paths: [FileRole: String] = [:]) { self.paths = paths }

    public init(source: String, _ more: [FileRole: String] = [:]) {
        self.paths = more
        self.paths[.source] = source
    }

    public subscript(role: FileRole) -> String? {
        get { paths[role] }
        set { paths[role] = newValue }
    }
}
