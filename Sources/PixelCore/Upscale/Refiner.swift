import Foundation

/// A small convolutional network that corrects the filter bank's luma prediction where a
/// linear filter cannot (texture, corners, the exact shape of edges). Trained by
/// `Tools/upscale/train_refine.py`; see `Tools/upscale/README.md`.
///
/// It works at low resolution: its input is the low-resolution luma and the bank's `scale²`
/// high-resolution phases of every low-resolution pixel (space-to-depth), each minus 0.5;
/// `depth` 3×3 convolutions with ReLU between them (edges replicated at every layer) give a
/// correction per phase, which is added to the bank's prediction. The bundled refiners are
/// DC-free: the first layer's weights for each output sum to zero and no layer has a bias, so
/// a flat area gets no correction (up to float rounding) and stays flat.
public struct Refiner: Sendable {
    public let scale: Int
    public let channels: Int
    /// One layer: `weights` are `[ky][kx][in]` vectors of `lanes` output weights (outputs past
    /// `outputs` are zero), so one input sample is one SIMD multiply-add for all outputs.
    struct Layer: Sendable {
        let inputs: Int
        let outputs: Int
        /// The input's floats per pixel are `simdInputs` (read by an unrolled loop) plus
        /// `extraInputs` (a short plain loop): the first layer's 1 + scale² inputs are packed
        /// (phases first, luma last), the others take the previous layer's padded lanes.
        let simdInputs: Int
        let extraInputs: Int
        var inputStride: Int { simdInputs + extraInputs }
        /// Floats per pixel of the output (outputs padded with zeros).
        let lanes: Int
        let weights: [Float]
        let bias: [Float]
    }
    let layers: [Layer]

    public var depth: Int { layers.count }
    /// Low-resolution rows of context on each side of an output row.
    var halo: Int { layers.count }

    /// `torchWeights[l]` are `[out][in][3][3]`, as PyTorch stores them.
    init(scale: Int, channels: Int, shapes: [(inputs: Int, outputs: Int)], torchWeights: [[Float]], biases: [[Float]]) {
        self.scale = scale; self.channels = channels
        var layers: [Layer] = []
        for (l, shape) in shapes.enumerated() {
            let lanes = Refiner.lanes(for: shape.outputs)
            let simd: Int, extra: Int
            if l == 0 {
                simd = [32, 16, 8, 4].first { $0 <= shape.inputs } ?? 4
                extra = shape.inputs - simd
            } else {
                simd = Refiner.lanes(for: shape.inputs); extra = 0
            }
            let stride = simd + extra
            // PyTorch's first layer reads (luma, phases...); here the luma comes last.
            func slot(_ i: Int) -> Int { l == 0 ? (i == 0 ? shape.inputs - 1 : i - 1) : i }
            var w = [Float](repeating: 0, count: 9 * stride * lanes)
            for o in 0..<shape.outputs {
                for i in 0..<shape.inputs {
                    for k in 0..<9 {
                        w[(k * stride + slot(i)) * lanes + o] = torchWeights[l][(o * shape.inputs + i) * 9 + k]
                    }
                }
            }
            var b = [Float](repeating: 0, count: lanes)
            for o in 0..<shape.outputs { b[o] = biases[l][o] }
            layers.append(Layer(inputs: shape.inputs, outputs: shape.outputs, simdInputs: simd, extraInputs: extra,
                                lanes: lanes, weights: w, bias: b))
        }
        self.layers = layers
    }

    /// Floats per pixel for `outputs` values: 4, 8, 16 or 32 (the loader refuses more).
    static func lanes(for outputs: Int) -> Int {
        precondition(outputs <= 32, "refiner layers have at most 32 outputs")
        return outputs <= 4 ? 4 : outputs <= 8 ? 8 : outputs <= 16 ? 16 : 32
    }

    /// Refines the bank's prediction for low-resolution rows `rows` of an image `width ×
    /// height`. `luma` is the whole low-resolution luma plane; `prediction` holds the bank's
    /// (already clamped) phases for rows `predictionRows`, which must cover `rows` widened by
    /// `halo` (clipped to the image), `lanes` floats per pixel. Returns the corrections for
    /// `rows`, `lanes` floats per pixel (lanes past `scale²` are zero).
    func corrections(luma: UnsafePointer<Float>, width: Int, height: Int, rows: Range<Int>,
                     prediction: UnsafePointer<Float>, predictionRows: Range<Int>, predictionLanes: Int) -> [Float] {
        let phases = scale * scale
        // Layer input: the bank's phases, then the luma, each minus 0.5, for the halo rows.
        var available = predictionRows
        let first = layers[0]
        let stride0 = first.inputStride
        var input = uninitialisedFloats(available.count * width * stride0)
        input.withUnsafeMutableBufferPointer { ip in
            let input = ip.baseAddress!
            for (j, y) in available.enumerated() {
                for x in 0..<width {
                    let src = prediction + (j * width + x) * predictionLanes
                    let dst = input + (j * width + x) * stride0
                    for p in 0..<phases { dst[p] = src[p] - 0.5 }
                    dst[phases] = luma[y * width + x] - 0.5
                }
            }
        }
        for (index, layer) in layers.enumerated() {
            let last = index == layers.count - 1
            // Rows this layer can compute: one fewer on each side that is not an image edge.
            let lo = available.lowerBound == 0 ? 0 : available.lowerBound + 1
            let hi = available.upperBound == height ? height : available.upperBound - 1
            let outRows = last ? rows : lo..<hi
            var output = uninitialisedFloats(outRows.count * width * layer.lanes)
            input.withUnsafeBufferPointer { ip in
                output.withUnsafeMutableBufferPointer { op in
                    layer.weights.withUnsafeBufferPointer { wp in
                        // 32 outputs are two groups of 16: a 32-lane accumulator per pixel
                        // does not fit the registers, and the compiler spills it.
                        let group = min(layer.lanes, 16)
                        for first in stride(from: 0, to: layer.lanes, by: group) {
                            let args = ConvArguments(input: ip.baseAddress!, extraInputs: layer.extraInputs, available: available,
                                                     height: height, width: width, weights: UnsafeRawPointer(wp.baseAddress!),
                                                     bias: layer.bias, lanes: layer.lanes, firstLane: first,
                                                     rows: outRows, output: op.baseAddress!)
                            switch group {
                            case 4: Refiner.conv3x3(SIMD4<Float>.self, simdInputs: layer.simdInputs, args)
                            case 8: Refiner.conv3x3(SIMD8<Float>.self, simdInputs: layer.simdInputs, args)
                            default: Refiner.conv3x3(SIMD16<Float>.self, simdInputs: layer.simdInputs, args)
                            }
                        }
                    }
                }
            }
            // ReLU as a plain float loop, which the compiler vectorises; the SIMD types' own
            // pointwiseMax and replace(with:where:) were not inlined and cost as much as a layer.
            if !last {
                output.withUnsafeMutableBufferPointer { op in
                    for i in 0..<op.count { op[i] = max(op[i], 0) }
                }
            }
            input = output
            available = outRows
        }
        return input
    }

    struct ConvArguments {
        let input: UnsafePointer<Float>
        let extraInputs: Int
        /// The image rows `input` holds, in order.
        let available: Range<Int>
        let height: Int
        let width: Int
        /// `[ky][kx][in]` vectors of `lanes` output weights.
        let weights: UnsafeRawPointer
        let bias: [Float]
        /// Floats per output pixel; this call computes lanes `firstLane ..< firstLane + Out.scalarCount`.
        let lanes: Int
        let firstLane: Int
        let rows: Range<Int>
        let output: UnsafeMutablePointer<Float>
    }

    /// Picks the input vector width, so that the loop over inputs is unrolled.
    @inline(__always)
    static func conv3x3<Out: SIMD>(_: Out.Type, simdInputs: Int, _ a: ConvArguments) where Out.Scalar == Float {
        switch simdInputs {
        case 4: conv3x3(SIMD4<Float>.self, Out.self, a)
        case 8: conv3x3(SIMD8<Float>.self, Out.self, a)
        case 16: conv3x3(SIMD16<Float>.self, Out.self, a)
        default: conv3x3(SIMD32<Float>.self, Out.self, a)
        }
    }

    /// One 3×3 convolution, edges replicated, over `a.rows`: every input sample of the 3×3
    /// neighbourhood times its vector of weights, all outputs of a group in one SIMD vector.
    ///
    /// Register blocking: six pixels of a row and one group of outputs (16 lanes, two AVX2
    /// registers) are done together, so twelve registers hold accumulators, two the weight
    /// vector and one the broadcast input sample. Each weight vector is loaded once for six
    /// pixels' multiply-adds and twelve independent multiply-add chains cover the FMA units'
    /// latency (the earlier four-pixel block had eight, fewer than two units × a latency of
    /// four to five cycles need). Every output is summed in the same order as before (bias,
    /// then tap by tap, input by input), so the results are the same floats.
    @inline(__always)
    static func conv3x3<In: SIMD, Out: SIMD>(_: In.Type, _: Out.Type, _ a: ConvArguments)
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
                let n = min(6, w - x)
                // Columns x-1 ... x+6, edges replicated (past the row's end, the block's extra
                // pixels read the last column and are not stored).
                let c0 = max(x - 1, 0)
                let c1 = x, c2 = min(x + 1, w - 1), c3 = min(x + 2, w - 1), c4 = min(x + 3, w - 1)
                let c5 = min(x + 4, w - 1), c6 = min(x + 5, w - 1), c7 = min(x + 6, w - 1)
                var acc0 = bias, acc1 = bias, acc2 = bias, acc3 = bias, acc4 = bias, acc5 = bias
                for ky in 0..<3 {
                    let row = ky == 0 ? r0 : ky == 1 ? r1 : r2
                    // Column kx of the block's pixel p is c(p + kx): one pointer per column.
                    let p0 = load(row + c0), p1 = load(row + c1), p2 = load(row + c2), p3 = load(row + c3)
                    let p4 = load(row + c4), p5 = load(row + c5), p6 = load(row + c6), p7 = load(row + c7)
                    for kx in 0..<3 {
                        let v0 = kx == 0 ? p0 : kx == 1 ? p1 : p2
                        let v1 = kx == 0 ? p1 : kx == 1 ? p2 : p3
                        let v2 = kx == 0 ? p2 : kx == 1 ? p3 : p4
                        let v3 = kx == 0 ? p3 : kx == 1 ? p4 : p5
                        let v4 = kx == 0 ? p4 : kx == 1 ? p5 : p6
                        let v5 = kx == 0 ? p5 : kx == 1 ? p6 : p7
                        let wk = weights + (ky * 3 + kx) * stride * vs
                        for i in 0..<simd {
                            let wv = wk.load(fromByteOffset: i * vs, as: Out.self)
                            acc0 += wv * v0[i]; acc1 += wv * v1[i]; acc2 += wv * v2[i]
                            acc3 += wv * v3[i]; acc4 += wv * v4[i]; acc5 += wv * v5[i]
                        }
                        for i in simd..<(simd + extra) {
                            let wv = wk.load(fromByteOffset: i * vs, as: Out.self)
                            acc0 += wv * v0[i]; acc1 += wv * v1[i]; acc2 += wv * v2[i]
                            acc3 += wv * v3[i]; acc4 += wv * v4[i]; acc5 += wv * v5[i]
                        }
                    }
                }
                let o = (j * w + x) * ps
                outRaw.storeBytes(of: acc0, toByteOffset: o, as: Out.self)
                if n > 1 { outRaw.storeBytes(of: acc1, toByteOffset: o + ps, as: Out.self) }
                if n > 2 { outRaw.storeBytes(of: acc2, toByteOffset: o + 2 * ps, as: Out.self) }
                if n > 3 { outRaw.storeBytes(of: acc3, toByteOffset: o + 3 * ps, as: Out.self) }
                if n > 4 { outRaw.storeBytes(of: acc4, toByteOffset: o + 4 * ps, as: Out.self) }
                if n > 5 { outRaw.storeBytes(of: acc5, toByteOffset: o + 5 * ps, as: Out.self) }
                x += 6
            }
        }
    }
}
