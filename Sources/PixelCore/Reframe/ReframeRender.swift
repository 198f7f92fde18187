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
            // Blur a small copy (cheap, and a strong blur anyway), stretch it to cover the
            // output, then lay the sharp source on top.
            let long = max(fitted.width, fitted.height)
            let small = long > 64 ? try fitted.resized(scale: 64 / Double(long)) : fitted
            let blurred = try small.embedded(x: 0, y: 0, width: small.width, height: small.height)
                .gaussianBlurred(sigma: 2.5)
            let cover = max(Double(ow) / Double(blurred.width), Double(oh) / Double(blurred.height))
            let cw = max(ow, Int((Double(blurred.width) * cover).rounded(.up)))
            let ch = max(oh, Int((Double(blurred.height) * cover).rounded(.up)))
            let stretched = try blurred.resized(toWidth: cw, height: ch)
                .cropped(x: (cw - ow) / 2, y: (ch - oh) / 2, width: ow, height: oh)
            return try stretched.inserting(fitted, x: p.left, y: p.top)
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
