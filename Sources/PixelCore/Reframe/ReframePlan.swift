import Foundation
import StetSupport

/// How each target is made.
public enum ReframeMode: String, Sendable, Codable, CaseIterable {
    /// Cut the target's ratio out of the source, around the subject.
    case crop
    /// Keep the whole source and extend the canvas (with a local fill and an outpaint mask).
    case pad
    /// Crop when the crop keeps at least `threshold` of the subject, otherwise pad.
    case auto
}

/// Everything the user chose, for every target alike.
public struct ReframeOptions: Sendable {
    public var targets: [ReframeTarget]
    public var mode: ReframeMode
    public var focus: ReframeFocus
    public var fill: PadFill
    /// `auto` crops when the crop keeps at least this share of the salient mass.
    public var threshold: Double

    public static let defaultThreshold = 0.85

    public init(targets: [ReframeTarget], mode: ReframeMode = .auto, focus: ReframeFocus = .auto,
                fill: PadFill = .blur, threshold: Double = ReframeOptions.defaultThreshold) {
        self.targets = targets; self.mode = mode; self.focus = focus; self.fill = fill; self.threshold = threshold
    }
}

/// The files one target produces (names relative to the output folder).
public struct TargetFiles: Sendable, Equatable, Codable {
    public var image: String
    /// Pad only: white exactly on the new area.
    public var mask: String?
    /// Pad only: the provider requests.
    public var payload: String?
    /// Pad only: the source at its size in the output, the image an outpaint request sends.
    public var outpaintSource: String?
    /// Pad only: smaller request images, by provider, when a provider's cap scaled its request.
    public var scaledSources: [String: String]?
}

/// The decision for one target, as written to the plan.
public struct TargetPlan: Sendable, Equatable, Codable {
    public var target: String
    public var name: String
    public var ratio: String
    public var width: Int
    public var height: Int
    /// "crop" or "pad".
    public var mode: ReframeMode
    public var reason: String
    /// Crop: the window in source pixels.
    public var crop: Rect?
    /// Pad: where the source sits in the output and the padding around it, in output pixels.
    public var pad: PadPlan?
    /// The point the window was placed around, in source pixels (crop), or the source's
    /// centre of salient mass (pad).
    public var focus: FocusPoint
    /// Share 0...1 of the salient mass in the output (1 for pad: nothing is cut).
    public var subjectKept: Double
    /// Share the best crop keeps, whichever mode was chosen: what `auto` compared.
    public var cropKeeps: Double
    /// With faces: indexes into the plan's `faces` of those the crop does not hold whole
    /// (empty when it holds them all; for a pad, those the best crop would have left out).
    public var facesLeftOut: [Int]?
    /// Output pixels per source pixel.
    public var scale: Double
    public var warnings: [String]
    public var files: TargetFiles
    /// Pad only: the outpaint requests, also written to `files.payload`.
    public var outpaint: OutpaintPayload?
}

/// The whole decision, written as `<stem>-plan.json` beside the outputs and printed by `--plan`.
public struct ReframePlan: Sendable, Equatable, Codable {
    public var input: String
    public var sourceWidth: Int
    public var sourceHeight: Int
    public var mode: ReframeMode
    public var focus: String
    /// The measure that located (or judged) the subject.
    public var measure: SaliencyMap.Measure
    public var fill: String
    public var threshold: Double
    /// The faces found (focus auto or faces), in source pixels, with their scores.
    public var faces: [DetectedFace]?
    public var targets: [TargetPlan]
}

/// Pure geometry: from the source's size, its saliency map and the options, the plan.
public enum ReframePlanner {
    /// - Parameters:
    ///   - stem: output file names start with it ("hero" → "hero-shorts.jpg").
    ///   - imageExtension: the extension of the image outputs ("jpg", "png", ...).
    ///   - faces: the faces found in the source (used when the focus is `auto` or `faces`).
    public static func plan(input: String, sourceWidth sw: Int, sourceHeight sh: Int, map: SaliencyMap,
                            faces: [DetectedFace] = [], options: ReframeOptions, stem: String,
                            imageExtension ext: String) -> ReframePlan {
        let faces = options.focus.usesFaces ? faces : []
        let targets = options.targets.map { target in
            planTarget(target, sourceWidth: sw, sourceHeight: sh, map: map, faces: faces, options: options, stem: stem, ext: ext)
        }
        return ReframePlan(input: input, sourceWidth: sw, sourceHeight: sh, mode: options.mode,
                           focus: options.focus.description, measure: options.focus.measure,
                           fill: options.fill.description, threshold: options.threshold,
                           faces: options.focus.usesFaces ? faces : nil, targets: targets)
    }

    /// "2.40x (140% more pixels across)", with more digits for small enlargements.
    static func enlargement(_ scale: Double) -> String {
        scale >= 1.1
            ? String(format: "%.2fx (%.0f%% more pixels across)", scale, (scale - 1) * 100)
            : String(format: "%.3fx (%.1f%% more pixels across)", scale, (scale - 1) * 100)
    }

    static func planTarget(_ target: ReframeTarget, sourceWidth sw: Int, sourceHeight sh: Int, map: SaliencyMap,
                           faces: [DetectedFace], options: ReframeOptions, stem: String, ext: String) -> TargetPlan {
        let fixed = target.fixedSize
        let ratio = fixed.map { AspectRatio($0.width, $0.height) } ?? target.ratio
        let window = CropWindow.choose(sourceWidth: sw, sourceHeight: sh, ratio: ratio, focus: options.focus, map: map,
                                       faces: faces)
        let leftOut: [Int]? = faces.isEmpty ? nil : window.facesLeftOut
        let mode: ReframeMode
        let reason: String
        let keeps = window.subjectKept
        switch options.mode {
        case .crop:
            mode = .crop; reason = "crop requested"
        case .pad:
            mode = .pad; reason = "pad requested"
        case .auto where !faces.isEmpty:
            // With people in the shot the faces decide: crop when the window holds every face
            // whole, pad when it would cut or leave one out.
            if window.facesLeftOut.isEmpty {
                mode = .crop
                reason = "crop holds all \(faces.count) face\(faces.count == 1 ? "" : "s") whole"
            } else {
                mode = .pad
                reason = "crop would leave out \(window.facesLeftOut.count) of \(faces.count) faces, so pad"
            }
        case .auto:
            if keeps >= options.threshold {
                mode = .crop
                reason = String(format: "crop keeps %.3f of the subject, at least the threshold %.2f", keeps, options.threshold)
            } else {
                mode = .pad
                reason = String(format: "crop would keep only %.3f of the subject, below the threshold %.2f, so pad", keeps, options.threshold)
            }
        }
        let base = "\(stem)-\(target.label)"
        var warnings: [String] = []
        if mode == .crop {
            let box = window.box
            let (ow, oh) = fixed ?? (box.width, box.height)
            let scale = max(Double(ow) / Double(box.width), Double(oh) / Double(box.height))
            if scale > 1.0005 {
                warnings.append("the \(box.width)x\(box.height) crop must be enlarged \(enlargement(scale)) to reach \(ow)x\(oh)")
            }
            return TargetPlan(target: target.label, name: target.displayName, ratio: target.ratio.description,
                              width: ow, height: oh, mode: .crop, reason: reason, crop: box, pad: nil,
                              focus: window.focus, subjectKept: keeps, cropKeeps: keeps, facesLeftOut: leftOut,
                              scale: scale, warnings: warnings, files: TargetFiles(image: "\(base).\(ext)"), outpaint: nil)
        }
        let (ow, oh) = fixed ?? ratio.smallestContaining(width: sw, height: sh)
        let pad = PadPlan.fit(sourceWidth: sw, sourceHeight: sh, outputWidth: ow, outputHeight: oh)
        if pad.scale > 1.0005 {
            warnings.append("the \(sw)x\(sh) source must be enlarged \(enlargement(pad.scale)) to fill \(pad.imageWidth)x\(pad.imageHeight) of the \(ow)x\(oh) output")
        }
        if pad.padding.isZero {
            warnings.append("the source already has this ratio: nothing to pad or outpaint")
        }
        let source = "\(base)-outpaint-source.png"
        let mask = "\(base)-mask.png"
        var scaled: [String: String] = [:]
        let requests = [OutpaintPayload.stability, OutpaintPayload.bfl].map { provider -> OutpaintPayload.Request in
            let name = "\(base)-outpaint-source-\(provider.name).png"
            let request = OutpaintPayload.request(for: provider, plan: pad, image: source, scaledImage: name)
            if request.scaledDown {
                scaled[provider.name] = name
                warnings.append(request.note ?? "\(provider.name) request scaled down")
            }
            return request
        }
        let payload = OutpaintPayload(target: target.label, outputWidth: ow, outputHeight: oh, mask: mask,
                                      padding: pad.padding, requests: requests)
        let centroid = map.centroid(sourceWidth: sw, sourceHeight: sh)
        return TargetPlan(target: target.label, name: target.displayName, ratio: target.ratio.description,
                          width: ow, height: oh, mode: .pad, reason: reason, crop: nil, pad: pad,
                          focus: FocusPoint(x: centroid.x, y: centroid.y), subjectKept: 1, cropKeeps: keeps,
                          facesLeftOut: leftOut, scale: pad.scale, warnings: warnings,
                          files: TargetFiles(image: "\(base).\(ext)", mask: mask, payload: "\(base)-outpaint.json",
                                             outpaintSource: source, scaledSources: scaled.isEmpty ? nil : scaled),
                          outpaint: payload)
    }
}
