/// A summed-area table over a grid of non-negative weights: the mass inside any rectangle in
/// O(1). Rectangles may have fractional edges; the weights are taken as constant over each
/// cell, so the table is interpolated bilinearly and a half-covered cell counts half.
public struct SummedAreaTable: Sendable {
    public let width: Int
    public let height: Int
    /// (width + 1) × (height + 1), row-major; entry (x, y) is the mass of cells [0, x) × [0, y).
    private let table: [Double]

    public init(width: Int, height: Int, values: [Float]) {
        precondition(values.count == width * height)
        self.width = width
        self.height = height
        let stride = width + 1
        var t = [Double](repeating: 0, count: stride * (height + 1))
        for y in 0..<height {
            var row = 0.0
            for x in 0..<width {
                row += Double(values[y * width + x])
                t[(y + 1) * stride + x + 1] = t[y * stride + x + 1] + row
            }
        }
        table = t
    }

    public var total: Double { table[(height + 1) * (width + 1) - 1] }

    /// Mass of cells [0, x) × [0, y) for real x, y (clamped to the grid).
    @inline(__always)
    private func cumulative(_ x: Double, _ y: Double) -> Double {
        let cx = min(max(x, 0), Double(width)), cy = min(max(y, 0), Double(height))
        let x0 = min(Int(cx), width - 1), y0 = min(Int(cy), height - 1)
        let fx = cx - Double(x0), fy = cy - Double(y0)
        let stride = width + 1
        let a = table[y0 * stride + x0], b = table[y0 * stride + x0 + 1]
        let c = table[(y0 + 1) * stride + x0], d = table[(y0 + 1) * stride + x0 + 1]
        return a * (1 - fx) * (1 - fy) + b * fx * (1 - fy) + c * (1 - fx) * fy + d * fx * fy
    }

    /// Mass inside [x, x + w) × [y, y + h), in grid cells.
    public func mass(x: Double, y: Double, width w: Double, height h: Double) -> Double {
        let m = cumulative(x + w, y + h) - cumulative(x, y + h) - cumulative(x + w, y) + cumulative(x, y)
        return max(0, m)
    }
}
