import StetSupport

/// Pixels for a plan: every target is cut from one decoded, in-memory source.
public enum ReframeRender {
    /// The crop window resized to exactly `width×height`.
    public static func crop(_ source: Image, box: Rect, width: Int, height: Int) throws -> Image {
        try source.cropped(x: box.x, y: box.y, width: box.width, height: box.height)
            .resized(toWidth: width, height: height)
    }

    /// The source at its size inside the pad output.
    public static func fitted(_ source: Image, plan: PadPlan) throws -> Image {
        try source.resized(toWidth: plan.imageWidth, height: plan.imageHeight)
    }

    /// The pad output: the fitted source on the canvas, the new area filled by `fill`.
    public static func pad(_ fitted: Image, plan: PadPlan, fill: PadFill) throws -> Image {
        let p = plan.padding
        let (ow, oh) = (plan.outputWidth, plan.outputHeight)
        switch fill {
        case .mirror:
            return try fitted.embedded(x: p.left, y: p.top, width: ow, height: oh, extend: .mirror)
        case .edge:
            return try fitted.embedded(x: p.left, y: p.top, width: ow, height: oh, extend: .copy)
        case .colour(let c):
            let background = fitted.hasAlpha ? c.values + [255] : c.values
            return try fitted.embedded(x: p.left, y: p.top, width: ow, height: oh, extend: .background,
                                       background: background)
        case .blur:
            // The outer band stretched and blurred, never a copy of the picture: on a small
            // copy, the edge pixels are repeated outwards over the padding (libvips embed
            // extend=copy) and blurred, then enlarged to the output under the sharp source. No
            // part of the subject away from the edge can appear in the fill as a ghost.
            let long = max(ow, oh)
            let s = long > 96 ? 96 / Double(long) : 1
            let small = s < 1 ? try fitted.resized(toWidth: max(1, Int((Double(fitted.width) * s).rounded())),
                                                   height: max(1, Int((Double(fitted.height) * s).rounded()))) : fitted
            let sw = max(small.width, Int((Double(ow) * s).rounded())), sh = max(small.height, Int((Double(oh) * s).rounded()))
            let left = min(sw - small.width, Int((Double(p.left) * s).rounded()))
            let top = min(sh - small.height, Int((Double(p.top) * s).rounded()))
            let extended = try small.embedded(x: left, y: top, width: sw, height: sh, extend: .copy)
                .gaussianBlurred(sigma: 3)
            let background = try extended.resized(toWidth: ow, height: oh)
            return try background.inserting(fitted, x: p.left, y: p.top)
        }
    }

    /// One band, output size: 255 exactly on the new area, 0 on the source.
    public static func mask(plan: PadPlan) throws -> Image {
        let black = try Image.solid(width: plan.imageWidth, height: plan.imageHeight, colour: Colour(0, 0, 0)).band(0)
        return try black.embedded(x: plan.padding.left, y: plan.padding.top, width: plan.outputWidth,
                                  height: plan.outputHeight, extend: .background, background: [255])
            .copyInterpretation(.bw)
    }
}
