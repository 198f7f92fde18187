import Foundation

/// What to send a hosted outpainting model to fill a pad target's new area for real.
///
/// The request image is the source as it sits in the output (`PadPlan.imageWidth×imageHeight`),
/// and each provider's expansion amounts add up, with the image, to the output size.
/// Providers cap each side:
/// - Stability AI outpaint (`left`, `right`, `up`, `down`): at most 2000 px per side.
/// - Black Forest Labs FLUX expand (`top`, `bottom`, `left`, `right`): at most 2048 px per side.
/// When a side exceeds the cap, the whole request (image and amounts) is scaled down until
/// every side fits, `scale` says by how much, and `note` says how to bring the result back.
public struct OutpaintPayload: Sendable, Equatable, Codable {
    public struct Request: Sendable, Equatable, Codable {
        public var provider: String
        public var endpoint: String
        /// Field names as the provider spells them, mapped to pixels.
        public var expand: [String: Int]
        public var limitPerSide: Int
        /// The image file to send, and its size (scaled when `scale` < 1).
        public var image: String
        public var imageWidth: Int
        public var imageHeight: Int
        /// image + expansion, the size the provider returns.
        public var resultWidth: Int
        public var resultHeight: Int
        /// Request pixels per output pixel: 1 unless a side exceeded the provider's cap.
        public var scale: Double
        public var scaledDown: Bool
        public var note: String?
    }

    public var target: String
    public var outputWidth: Int
    public var outputHeight: Int
    /// The mask at output size: white (255) exactly on the new area, black on the source.
    public var mask: String
    public var padding: Padding
    public var requests: [Request]

    public struct Provider: Sendable {
        public var name: String
        public var endpoint: String
        public var limit: Int
        /// The provider's field names for top, bottom, left, right.
        public var fields: (top: String, bottom: String, left: String, right: String)
    }

    public static let stability = Provider(
        name: "stability", endpoint: "https://api.stability.ai/v2beta/stable-image/edit/outpaint", limit: 2000,
        fields: ("up", "down", "left", "right"))
    public static let bfl = Provider(
        name: "bfl", endpoint: "https://api.bfl.ai/v1/flux-pro-1.0-expand", limit: 2048,
        fields: ("top", "bottom", "left", "right"))

    /// The request for one provider. `image` names the file holding the source at the plan's
    /// image size; `scaledImage(provider)` is the file name to use when the request is scaled.
    public static func request(for provider: Provider, plan: PadPlan, image: String,
                               scaledImage: String) -> Request {
        let p = plan.padding
        let largest = max(p.top, p.bottom, p.left, p.right)
        var scale = largest > provider.limit ? Double(provider.limit) / Double(largest) : 1
        while true {
            let rw = scale == 1 ? plan.outputWidth : max(1, Int((Double(plan.outputWidth) * scale).rounded(.down)))
            let rh = scale == 1 ? plan.outputHeight : max(1, Int((Double(plan.outputHeight) * scale).rounded(.down)))
            let iw = scale == 1 ? plan.imageWidth : min(rw, max(1, Int((Double(plan.imageWidth) * scale).rounded())))
            let ih = scale == 1 ? plan.imageHeight : min(rh, max(1, Int((Double(plan.imageHeight) * scale).rounded())))
            let left = scale == 1 ? p.left : min(rw - iw, Int((Double(p.left) * scale).rounded()))
            let top = scale == 1 ? p.top : min(rh - ih, Int((Double(p.top) * scale).rounded()))
            let right = rw - iw - left, bottom = rh - ih - top
            if max(left, right, top, bottom) <= provider.limit {
                let f = provider.fields
                var note: String? = nil
                if scale < 1 {
                    note = String(format: "%@ allows at most %d px per side, so the request is scaled to %.4f of the output: send the %dx%d image, then enlarge the %dx%d result %.4fx to %dx%d",
                                  provider.name, provider.limit, scale, iw, ih, rw, rh,
                                  Double(plan.outputWidth) / Double(rw), plan.outputWidth, plan.outputHeight)
                }
                return Request(provider: provider.name, endpoint: provider.endpoint,
                               expand: [f.top: top, f.bottom: bottom, f.left: left, f.right: right],
                               limitPerSide: provider.limit, image: scale < 1 ? scaledImage : image,
                               imageWidth: iw, imageHeight: ih, resultWidth: rw, resultHeight: rh,
                               scale: scale, scaledDown: scale < 1, note: note)
            }
            // Rounding pushed a side over the cap: shrink a little more.
            scale *= 0.999
        }
    }
}
