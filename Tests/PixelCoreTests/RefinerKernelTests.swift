import Foundation
@testable import PixelCore
import XCTest

/// The refiner's register-blocked 3×3 convolution (six pixels × one group of outputs) against
/// the kernel it replaced (four pixels) and against a plain scalar loop, on random weights and
/// inputs, for every layer shape the bundled refiners use, widths that leave every remainder of
/// a block, and bands at the image's top and bottom edges and in its middle.
final class RefinerKernelTests: XCTestCase {
    struct Shape { let simd: Int; let extra: Int; let lanes: Int; let group: Int }

    /// (input vector width, extra inputs, output lanes, outputs per call) as `corrections` uses them:
    /// first layers at x2 (4 + 1 inputs), x3 (8 + 2) and x4 (16 + 1); 8-, 16- and 32-channel layers.
    static let shapes = [Shape(simd: 4, extra: 1, lanes: 8, group: 8), Shape(simd: 8, extra: 2, lanes: 16, group: 16),
                         Shape(simd: 16, extra: 1, lanes: 32, group: 16), Shape(simd: 8, extra: 0, lanes: 8, group: 8),
                         Shape(simd: 16, extra: 0, lanes: 16, group: 16), Shape(simd: 32, extra: 0, lanes: 32, group: 16),
                         Shape(simd: 32, extra: 0, lanes: 16, group: 16), Shape(simd: 4, extra: 0, lanes: 4, group: 4)]

    func run(_ shape: Shape, width: Int, height: Int, available: Range<Int>, rows: Range<Int>, seed: UInt64,
             kernel: (Refiner.ConvArguments) -> Void) -> [Float] {
        var rng = KernelRandom(seed)
        let stride = shape.simd + shape.extra
        let input = (0..<(available.count * width * stride)).map { _ in rng.float() }
        let weights = (0..<(9 * stride * shape.lanes)).map { _ in rng.float() * 0.2 }
        let bias = (0..<shape.lanes).map { _ in rng.float() }
        var output = [Float](repeating: .nan, count: rows.count * width * shape.lanes)
        input.withUnsafeBufferPointer { ip in
            weights.withUnsafeBufferPointer { wp in
                output.withUnsafeMutableBufferPointer { op in
                    for first in Swift.stride(from: 0, to: shape.lanes, by: shape.group) {
                        kernel(Refiner.ConvArguments(input: ip.baseAddress!, extraInputs: shape.extra, available: available,
                                                     height: height, width: width, weights: UnsafeRawPointer(wp.baseAddress!),
                                                     bias: bias, lanes: shape.lanes, firstLane: first, rows: rows,
                                                     output: op.baseAddress!))
                    }
                }
            }
        }
        return output
    }

    static func dispatch(_ shape: Shape, _ a: Refiner.ConvArguments, old: Bool) {
        func go<In: SIMD>(_: In.Type) where In.Scalar == Float {
            switch shape.group {
            case 4: old ? Refiner.fourPixelConv3x3(In.self, SIMD4<Float>.self, a) : Refiner.conv3x3(In.self, SIMD4<Float>.self, a)
            case 8: old ? Refiner.fourPixelConv3x3(In.self, SIMD8<Float>.self, a) : Refiner.conv3x3(In.self, SIMD8<Float>.self, a)
            default: old ? Refiner.fourPixelConv3x3(In.self, SIMD16<Float>.self, a) : Refiner.conv3x3(In.self, SIMD16<Float>.self, a)
            }
        }
        switch shape.simd {
        case 4: go(SIMD4<Float>.self)
        case 8: go(SIMD8<Float>.self)
        case 16: go(SIMD16<Float>.self)
        default: go(SIMD32<Float>.self)
        }
    }

    /// A plain scalar 3×3 convolution with edges replicated, in doubles.
    static func scalar(_ a: Refiner.ConvArguments, simd: Int) -> Void {
        let stride = simd + a.extraInputs
        let wts = a.weights.assumingMemoryBound(to: Float.self)
        for (j, y) in a.rows.enumerated() {
            for x in 0..<a.width {
                for o in 0..<a.lanes {
                    var sum = Double(a.bias[o])
                    for k in 0..<9 {
                        let yy = min(max(y + k / 3 - 1, 0), a.height - 1), xx = min(max(x + k % 3 - 1, 0), a.width - 1)
                        let px = a.input + ((yy - a.available.lowerBound) * a.width + xx) * stride
                        for i in 0..<stride { sum += Double(px[i]) * Double(wts[(k * stride + i) * a.lanes + o]) }
                    }
                    a.output[(j * a.width + x) * a.lanes + o] = Float(sum)
                }
            }
        }
    }

    func testRegisterBlockedKernelMatchesTheOldKernelAndAScalarLoop() {
        var worstOld: Float = 0, worstScalar: Float = 0, compared = 0
        for (n, shape) in Self.shapes.enumerated() {
            for width in [1, 2, 3, 4, 5, 6, 7, 11, 12, 13, 40] {
                let height = 9
                // A band at the top edge, one in the middle (its input has a row of context on
                // each side), one at the bottom edge, and the whole image.
                for (available, rows) in [(0..<4, 0..<3), (2..<7, 3..<6), (5..<9, 6..<9), (0..<9, 0..<9)] {
                    let seed = UInt64(n * 1000 + width * 10 + rows.lowerBound)
                    let new = run(shape, width: width, height: height, available: available, rows: rows, seed: seed) {
                        Self.dispatch(shape, $0, old: false)
                    }
                    let old = run(shape, width: width, height: height, available: available, rows: rows, seed: seed) {
                        Self.dispatch(shape, $0, old: true)
                    }
                    let exact = run(shape, width: width, height: height, available: available, rows: rows, seed: seed) {
                        if $0.firstLane == 0 { Self.scalar($0, simd: shape.simd) }
                    }
                    XCTAssertFalse(new.contains { $0.isNaN }, "every output written: \(shape) width \(width) rows \(rows)")
                    for i in 0..<new.count {
                        let scale = max(1, abs(exact[i]))
                        worstOld = max(worstOld, abs(new[i] - old[i]) / scale)
                        worstScalar = max(worstScalar, abs(new[i] - exact[i]) / scale)
                    }
                    compared += new.count
                }
            }
        }
        print("refiner kernel: \(compared) outputs; largest relative difference from the old kernel \(worstOld), from a scalar loop in doubles \(worstScalar)")
        // The same floats as the old kernel (same summation order); within float rounding of
        // the exact sum (up to 9 × 33 terms of about 0.1 each: a few float epsilons).
        XCTAssertLessThanOrEqual(worstOld, 1e-6)
        XCTAssertLessThanOrEqual(worstScalar, 1e-5)
    }
}

/// A small deterministic generator (KernelRandom64) for the kernels' random inputs.
struct KernelRandom {
    var state: UInt64
    init(_ seed: UInt64) { state = seed &+ 0x9E3779B97F4A7C15 }
    mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
    /// Uniform in -1...1.
    mutating func float() -> Float { Float(Double(next() >> 11) / Double(1 << 53) * 2 - 1) }
}

extension Refiner {
    /// The refiner's 3×3 convolution as it was before register blocking (commit 0a862ba),
    /// verbatim: four pixels of a row at a time, all outputs of a group in one SIMD vector.
    static func fourPixelConv3x3<In: SIMD, Out: SIMD>(_: In.Type, _: Out.Type, _ a: Refiner.ConvArguments)
    where In.Scalar == Float, Out.Scalar == Float {
        var bias = Out()
        for i in 0..<Out.scalarCount { bias[i] = a.bias[a.firstLane + i] }
        let w = a.width, simd = In.scalarCount, extra = a.extraInputs, stride = simd + extra
        // Byte strides: one output pixel, one input's weight vector; and where this group starts.
        let ps = a.lanes * MemoryLayout<Float>.stride, vs = ps
        let outRaw = UnsafeMutableRawPointer(a.output) + a.firstLane * MemoryLayout<Float>.stride
        let weights = a.weights + a.firstLane * MemoryLayout<Float>.stride
        let input = a.input
        // Input samples are read as scalars straight from memory (a load and a broadcast);
        // indexing a SIMD vector by a loop variable would go through the stack.
        @inline(__always) func load(_ pixel: Int) -> UnsafePointer<Float> { input + pixel * stride }

        for (j, y) in a.rows.enumerated() {
            let base = (-a.available.lowerBound) * w
            let r0 = base + max(y - 1, 0) * w, r1 = base + y * w, r2 = base + min(y + 1, a.height - 1) * w
            var x = 0
            while x < w {
                let n = min(4, w - x)
                // Columns x-1 ... x+4, edges replicated.
                let c = (max(x - 1, 0), x, min(x + 1, w - 1), min(x + 2, w - 1), min(x + 3, w - 1), min(x + 4, w - 1))
                var acc0 = bias, acc1 = bias, acc2 = bias, acc3 = bias
                for k in 0..<9 {
                    let row = k < 3 ? r0 : k < 6 ? r1 : r2
                    let kx = k % 3
                    // Pixel p of the block reads column x + p + kx - 1.
                    let v0 = load(row + (kx == 0 ? c.0 : kx == 1 ? c.1 : c.2))
                    let v1 = load(row + (kx == 0 ? c.1 : kx == 1 ? c.2 : c.3))
                    let v2 = load(row + (kx == 0 ? c.2 : kx == 1 ? c.3 : c.4))
                    let v3 = load(row + (kx == 0 ? c.3 : kx == 1 ? c.4 : c.5))
                    let wk = weights + k * stride * vs
                    for i in 0..<simd {
                        let wv = wk.load(fromByteOffset: i * vs, as: Out.self)
                        acc0 += wv * v0[i]; acc1 += wv * v1[i]; acc2 += wv * v2[i]; acc3 += wv * v3[i]
                    }
                    for i in simd..<(simd + extra) {
                        let wv = wk.load(fromByteOffset: i * vs, as: Out.self)
                        acc0 += wv * v0[i]; acc1 += wv * v1[i]; acc2 += wv * v2[i]; acc3 += wv * v3[i]
                    }
                }
                let o = (j * w + x) * ps
                outRaw.storeBytes(of: acc0, toByteOffset: o, as: Out.self)
                if n > 1 { outRaw.storeBytes(of: acc1, toByteOffset: o + ps, as: Out.self) }
                if n > 2 { outRaw.storeBytes(of: acc2, toByteOffset: o + 2 * ps, as: Out.self) }
                if n > 3 { outRaw.storeBytes(of: acc3, toByteOffset: o + 3 * ps, as: Out.self) }
                x += 4
            }
        }
    }
}
