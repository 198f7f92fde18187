import StetSupport

/// What fills a pad target's new area locally (the outpaint mask marks it for a model).
public enum PadFill: Sendable, Equatable, CustomStringConvertible {
    /// The source stretched to cover the output, heavily blurred, under the sharp source.
    case blur
    /// The source reflected at its edges (libvips `embed` extend=mirror).
    case mirror
    /// The edge pixels repeated outwards (libvips `embed` extend=copy).
    case edge
    /// A solid colour.
    case colour(Colour)

    public var description: String {
        switch self {
        case .blur: return "blur"
        case .mirror: return "mirror"
        case .edge: return "edge"
        case .colour(let c): return c.description
        }
    }

    /// Parses blur, mirror, edge, or a colour ("#rrggbb", "#rgb", "r,g,b", a name).
    public static func parse(_ text: String) throws -> PadFill {
        switch text.lowercased() {
        case "blur": return .blur
        case "mirror": return .mirror
        case "edge", "copy": return .edge
        default:
            guard let c = Colour(parsing: text) else {
                throw Validate.invalid("blur, mirror, edge or a colour such as #202020", "fill", text)
            }
            return .colour(c)
        }
    }
}
