/// The mask conventions of the inpainting APIs Stet exports for, and the size rules each one
/// enforces. Sources: each provider's API reference (OpenAI images/edits, Stability
/// v2beta/stable-image/edit/inpaint, Black Forest Labs flux-pro-1.0-fill, Ideogram edit and
/// remove-background/remove).
public enum InpaintAPI: String, CaseIterable, Sendable, Codable {
    case canonical
    case openai
    case stability
    case flux
    case ideogramEdit = "ideogram-edit"
    case ideogramRemove = "ideogram-remove"

    public var displayName: String {
        switch self {
        case .canonical: return "The canonical mask"
        case .openai: return "OpenAI"
        case .stability: return "Stability"
        case .flux: return "FLUX Fill"
        case .ideogramEdit: return "Ideogram edit"
        case .ideogramRemove: return "Ideogram remove"
        }
    }

    /// How the edit area is written.
    public enum Polarity: String, Sendable, Codable {
        /// One grey band, 255 = edit, greys partial.
        case whiteEdit = "white-edit"
        /// One grey band, 0 = edit (thresholded to pure black and white).
        case blackEdit = "black-edit"
        /// RGBA: the image's colours, alpha 0 = edit.
        case transparentEdit = "transparent-edit"
    }

    public var polarity: Polarity {
        switch self {
        case .canonical, .stability, .flux, .ideogramRemove: return .whiteEdit
        case .ideogramEdit: return .blackEdit
        case .openai: return .transparentEdit
        }
    }

    /// Ideogram documents a black-and-white mask, so its exports are thresholded at 128;
    /// the others keep grey levels (Stability reads grey as partial strength).
    public var binary: Bool { self == .ideogramEdit || self == .ideogramRemove }

    /// Size rules a region crop is snapped to, and that pre-flight checks.
    public struct Rules: Sendable, Equatable {
        /// Crop sides are multiples of this.
        public var multiple: Int
        public var minSide: Int
        public var minPixels: Int
        public var maxPixels: Int
        /// Largest encoded file, in bytes.
        public var maxBytes: Int?
        /// Aspect ratios (width, height) a region crop is grown to, when the API returns only
        /// those shapes; empty for any shape.
        public var aspects: [Aspect] = []
    }

    public struct Aspect: Sendable, Equatable, Codable {
        public var width: Int
        public var height: Int
    }

    public var rules: Rules {
        switch self {
        case .canonical, .ideogramEdit, .ideogramRemove:
            return Rules(multiple: 1, minSide: 1, minPixels: 1, maxPixels: Int.max, maxBytes: nil)
        case .openai:
            // gpt-image-1 edits come back at 1024×1024, 1536×1024 or 1024×1536 (dall-e-2: square
            // only), so a region is cut at 1:1, 3:2 or 2:3 and the result maps back undistorted.
            return Rules(multiple: 1, minSide: 1, minPixels: 1, maxPixels: Int.max, maxBytes: 4 * 1024 * 1024,
                         aspects: [Aspect(width: 1, height: 1), Aspect(width: 3, height: 2), Aspect(width: 2, height: 3)])
        case .stability:
            return Rules(multiple: 64, minSide: 64, minPixels: 4_096, maxPixels: 9_437_184, maxBytes: nil)
        case .flux:
            return Rules(multiple: 64, minSide: 64, minPixels: 4_096, maxPixels: Int.max, maxBytes: nil)
        }
    }
}
