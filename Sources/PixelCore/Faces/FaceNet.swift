import Foundation
import StetSupport

/// A feature map: `height × width × channels` floats, channels innermost (as TFLite lays them out).
struct FeatureMap: Sendable {
    var height: Int, width: Int, channels: Int
    var values: [Float]
    init(height: Int, width: Int, channels: Int, values: [Float]) {
        precondition(values.count == height * width * channels)
        self.height = height; self.width = width; self.channels = channels; self.values = values
    }
    init(height: Int, width: Int, channels: Int) {
        self.init(height: height, width: width, channels: channels,
                  values: [Float](repeating: 0, count: height * width * channels))
    }
}

/// The face detector's convolutional network (MediaPipe's full-range BlazeFace, converted by
/// `Tools/faces/convert_blazeface.py`; the format is described there), run in Swift.
///
/// The graph is a list of five kinds of layer: convolution (1×1, or the first 3×3 layer),
/// depthwise 3×3 convolution (stride 1 or 2, zero padding), addition (the residual and the
/// feature-pyramid joins), bilinear upsampling by 2 (half-pixel centres, TFLite's
/// `RESIZE_BILINEAR`) and depth-to-space. Every layer but the last two (the heads' RESHAPE) is
/// translation invariant, so the network runs on any input whose sides are multiples of 32 and
/// gives one anchor per 4×4 input pixels: a photograph is scanned whole at its own aspect.
struct FaceNet: Sendable {
    enum Kind: UInt32, Sendable { case conv = 1, depthwise = 2, add = 3, upsample = 4, depthToSpace = 5 }

    struct Layer: Sendable {
        var kind: Kind
        var input: Int, second: Int, output: Int
        var kernel: Int, stride: Int, padding: Int
        var relu: Bool
        var inChannels: Int, outChannels: Int
        /// conv: `[ky][kx][in][outPadded]` (outputs padded with zeros to `paddedOut`, so a row of
        /// one input's weights is whole SIMD vectors); depthwise: `[ky][kx][channel]`.
        var weights: [Float]
        var bias: [Float]
        /// Outputs padded to whole SIMD vectors: 8 for a 1×1 convolution, 32 (four vectors, one
        /// register block) for a larger kernel.
        var paddedOut: Int { kernel == 1 ? (outChannels + 7) / 8 * 8 : (outChannels + 31) / 32 * 32 }
    }

    let layers: [Layer]
    let tensorCount: Int
    /// The tensors holding the box regressors (16 per anchor) and the score logits (1 per anchor).
    let regressors: Int, scores: Int
    /// The input size the model was trained at: its regressors are in pixels of that input.
    let modelSize: Int
    /// Input pixels per anchor cell.
    let anchorStride: Int
    /// For each tensor, the last layer that reads it, so its memory can go after that.
    let lastUse: [Int]

    static let resourceName = "faces-blazeface.bin"

    /// The bundled network, read and checked once per process.
    static func bundled() throws -> FaceNet { try loaded.get() }
    private static let loaded: Result<FaceNet, Error> = Result {
        let bytes = try UpscaleResource.read(UpscaleResource.path(resourceName), role: .bundled(resourceName),
                                             kind: "face network", magic: Array("STETNET1".utf8), minimumLength: 48)
        return try FaceNet(bytes: bytes, role: .bundled(resourceName))
    }

    /// Reads a network from bytes in the resource format (CRC already checked by the reader).
    init(bytes: [UInt8], role: FileRole) throws {
        var at = 8
        func fail(_ why: String) -> Error { StetError.file(role, "face network is corrupt (\(why))") }
        func u32() throws -> Int {
            guard at + 4 <= bytes.count else { throw fail("truncated") }
            defer { at += 4 }
            return Int(UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24)
        }
        func halves(_ n: Int) throws -> [Float] {
            guard at + 2 * n <= bytes.count else { throw fail("truncated") }
            defer { at += 2 * n }
            let start = at
            return [Float](unsafeUninitializedCapacity: n) { out, count in
                bytes.withUnsafeBufferPointer { b in
                    for i in 0..<n {
                        out[i] = Float(Float16(bitPattern: UInt16(b[start + 2 * i]) | UInt16(b[start + 2 * i + 1]) << 8))
                    }
                }
                count = n
            }
        }
        guard bytes.count > 48, Array(bytes[0..<8]) == Array("STETNET1".utf8) else { throw fail("not a Stet network") }
        guard try u32() == 1 else { throw fail("unknown version") }
        guard try u32() == 3 else { throw fail("input is not RGB") }
        modelSize = try u32(); anchorStride = try u32()
        tensorCount = try u32()
        let count = try u32()
        regressors = try u32(); scores = try u32()
        guard (1...4096).contains(tensorCount), (1...4096).contains(count), regressors < tensorCount, scores < tensorCount,
              (16...1024).contains(modelSize), [1, 2, 4, 8, 16, 32].contains(anchorStride) else { throw fail("header") }
        var layers: [Layer] = []
        var defined = Set([0])
        for _ in 0..<count {
            guard let kind = Kind(rawValue: UInt32(try u32())) else { throw fail("unknown layer") }
            let input = try u32(), second = try u32(), output = try u32()
            let kernel = try u32(), stride = try u32(), padding = try u32(), relu = try u32()
            let cin = try u32(), cout = try u32()
            guard defined.contains(input), output < tensorCount, !defined.contains(output),
                  kind != .add && kind != .upsample || defined.contains(second),
                  relu <= 1, cin <= 4096, cout <= 4096 else { throw fail("layer \(layers.count)") }
            defined.insert(output)
            var layer = Layer(kind: kind, input: input, second: second, output: output, kernel: kernel, stride: stride,
                              padding: padding, relu: relu == 1, inChannels: cin, outChannels: cout, weights: [], bias: [])
            switch kind {
            case .conv:
                guard [1, 3].contains(kernel), [1, 2].contains(stride), padding <= 1, cin > 0, cout > 0 else {
                    throw fail("convolution \(layers.count)")
                }
                let w = try halves(cout * kernel * kernel * cin)
                let op = layer.paddedOut
                let taps = kernel * kernel * cin
                layer.weights = [Float](unsafeUninitializedCapacity: taps * op) { re, count in
                    w.withUnsafeBufferPointer { src in
                        for t in 0..<taps {
                            for o in 0..<op { re[t * op + o] = o < cout ? src[o * taps + t] : 0 }
                        }
                    }
                    count = taps * op
                }
                layer.bias = try halves(cout) + [Float](repeating: 0, count: op - cout)
            case .depthwise:
                guard kernel == 3, [1, 2].contains(stride), padding == 1, cin == cout, cin > 0 else {
                    throw fail("depthwise convolution \(layers.count)")
                }
                layer.weights = try halves(9 * cin)
                layer.bias = try halves(cin)
            case .depthToSpace:
                guard (2...8).contains(kernel) else { throw fail("depth to space \(layers.count)") }
            case .add, .upsample: break
            }
            layers.append(layer)
        }
        guard at + 4 == bytes.count else { throw fail("trailing bytes") }
        guard defined.contains(regressors), defined.contains(scores) else { throw fail("outputs") }
        var last = [Int](repeating: Int.max, count: tensorCount)
        for (i, l) in layers.enumerated() {
            last[l.input] = i
            if l.second < tensorCount { last[l.second] = i }
        }
        last[regressors] = Int.max; last[scores] = Int.max
        self.layers = layers; self.lastUse = last
    }

    /// Runs the network on `input` (RGB in -1...1, sides multiples of 32); returns the regressors
    /// (`cells × 16`: box centre offset x, y and size w, h, then six key points, in input pixels)
    /// and the score logits (`cells × 1`), cells in row order of the `height/stride × width/stride` grid.
    func run(_ input: FeatureMap) throws -> (regressors: FeatureMap, scores: FeatureMap) {
        guard input.channels == 3, input.height % 32 == 0, input.width % 32 == 0, input.height > 0, input.width > 0 else {
            throw StetError.operation("faces", "network input \(input.width)x\(input.height)x\(input.channels) is not RGB with sides multiples of 32")
        }
        var maps = [FeatureMap?](repeating: nil, count: tensorCount)
        maps[0] = input
        let pool = Pool()
        for (i, l) in layers.enumerated() {
            guard let x = maps[l.input] else { throw StetError.operation("faces", "network tensor \(l.input) missing") }
            let out: FeatureMap
            switch l.kind {
            case .conv:
                out = l.kernel == 1 && l.stride == 1 && l.padding == 0 ? FaceNet.pointwise(x, l, pool) : FaceNet.convolution(x, l, pool)
            case .depthwise: out = FaceNet.depthwise(x, l, pool)
            case .add:
                guard let y = maps[l.second], y.values.count == x.values.count else {
                    throw StetError.operation("faces", "network addition of unequal maps")
                }
                out = FaceNet.add(x, y, relu: l.relu, pool)
            case .upsample:
                guard let like = maps[l.second] else { throw StetError.operation("faces", "network tensor missing") }
                out = FaceNet.upsample(x, height: like.height, width: like.width, pool)
            case .depthToSpace: out = FaceNet.depthToSpace(x, block: l.kernel, pool)
            }
            maps[l.output] = out
            for t in [l.input, l.second] where t < tensorCount && lastUse[t] == i && t != 0 {
                if let m = maps[t] { maps[t] = nil; pool.recycle(m) }
            }
            if lastUse[0] == i { maps[0] = nil }
        }
        guard let r = maps[regressors], let s = maps[scores], r.channels == 16, s.channels == 1 else {
            throw StetError.operation("faces", "network outputs have the wrong shape")
        }
        return (r, s)
    }
}
