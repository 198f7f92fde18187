#!/usr/bin/env python3
"""Converts MediaPipe's full-range BlazeFace detector (TFLite) into Stet's network resource.

    pip install tflite ai-edge-litert numpy
    pip download mediapipe==0.10.14 --no-deps -d /tmp/mp && (cd /tmp/mp && unzip -o mediapipe-*.whl \
        'mediapipe/modules/face_detection/face_detection_full_range_sparse.tflite')
    python3 Tools/faces/convert_blazeface.py /tmp/mp/mediapipe/modules/face_detection/face_detection_full_range_sparse.tflite

The model (Apache License 2.0, see Sources/PixelCore/Resources/FACES-LICENSE.txt) is read with the
`tflite` flatbuffer schema for its graph and with LiteRT's own interpreter (no delegate, every
tensor kept) for the values of its weights: its float16 and sparse (DENSIFY) constants come out as
the interpreter itself expands them, so nothing is re-implemented here. Each PAD is folded into
the convolution that follows it. Stet runs the graph on any input whose sides are multiples of 32
(the network is fully convolutional; only its last RESHAPE fixes 192x192), so a photograph is
scanned whole at its own aspect instead of letterboxed.

The script also prints the reference outputs for the test pattern that
`Tests/PixelCoreTests/FaceNetTests.swift` runs through Stet's Swift runtime (TFLite's own result).

Format (little-endian), Sources/PixelCore/Resources/faces-blazeface.bin:
  8 bytes  magic "STETNET1"
  u32      version (1), input channels (3), model size (192), anchor stride (4),
           tensor count T (tensor 0 is the input), op count N, regressor tensor, score tensor
  per op:  u32 code (1 conv, 2 depthwise conv, 3 add, 4 upsample x2 bilinear, 5 depth to space),
           u32 input, u32 second input (add: the other addend; upsample: the tensor whose size the
           result takes; else 0xFFFFFFFF), u32 output, u32 kernel, u32 stride, u32 padding (on
           every side), u32 relu (0/1), u32 in channels, u32 out channels (d2s: block size in
           kernel), then for conv float16 weights [out][ky][kx][in] and float16 bias [out]; for
           depthwise float16 weights [ky][kx][channels] and bias [channels]
  u32      CRC-32 (zlib) of every byte before it
Every stored weight is exactly the model's (its constants are float16 already; checked below).
"""
import argparse
import os
import struct
import sys
import zlib

import numpy as np
import tflite
from ai_edge_litert.interpreter import Interpreter, OpResolverType

OPN = {v: k for k, v in tflite.BuiltinOperator.__dict__.items() if not k.startswith("_")}
here = os.path.dirname(os.path.abspath(__file__))


def test_pattern(h, w):
    """The test's input, in -1...1: smooth waves, different per channel (no image file needed)."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    chans = [np.sin(x * 0.11 + y * 0.07), np.cos(x * 0.05 - y * 0.13), np.sin((x + y) * 0.031) * np.cos(x * 0.02)]
    return np.stack(chans, -1).astype(np.float32)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--out", default=os.path.join(here, "..", "..", "Sources", "PixelCore", "Resources", "faces-blazeface.bin"))
    a = ap.parse_args()
    buf = open(a.model, "rb").read()
    m = tflite.Model.GetRootAsModel(buf, 0)
    g = m.Subgraphs(0)
    it = Interpreter(model_path=a.model, experimental_preserve_all_tensors=True,
                     experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    it.allocate_tensors()
    inp = it.get_input_details()[0]
    assert list(inp["shape"]) == [1, 192, 192, 3], inp["shape"]
    it.set_tensor(inp["index"], test_pattern(192, 192)[None])
    it.invoke()

    const = {}
    raw = []
    for k in range(g.OperatorsLength()):
        op = g.Operators(k)
        code = m.OperatorCodes(op.OpcodeIndex())
        name = OPN[max(code.BuiltinCode(), code.DeprecatedBuiltinCode())]
        ins = [op.Inputs(j) for j in range(op.InputsLength())]
        outs = [op.Outputs(j) for j in range(op.OutputsLength())]
        if name in ("DEQUANTIZE", "DENSIFY"):
            const[outs[0]] = it.get_tensor(outs[0]).astype(np.float32)
            continue
        for i in ins:
            t = g.Tensors(i)
            if i not in const and t.Buffer() and m.Buffers(t.Buffer()).DataLength():
                const[i] = it.get_tensor(i)
        raw.append((name, ins, outs, op))

    # Number the activation tensors in order of appearance; the input is 0.
    ids = {g.Inputs(0): 0}
    alias = {}  # PAD output -> its input (folded)
    pads = {}
    ops = []

    def tid(t):
        t = alias.get(t, t)
        if t not in ids:
            ids[t] = len(ids)
        return ids[t]

    consumers = {}
    for name, ins, outs, op in raw:
        for i in ins:
            consumers.setdefault(i, []).append(name)
    for name, ins, outs, op in raw:
        o = op.BuiltinOptions()
        if name == "PAD":
            p = const[ins[1]].tolist()
            assert p[0] == [0, 0] and p[3] == [0, 0] and p[1] == p[2] and p[1][0] == p[1][1], p
            assert all(c in ("CONV_2D", "DEPTHWISE_CONV_2D") for c in consumers[outs[0]])
            alias[outs[0]] = ins[0]
            pads[outs[0]] = p[1][0]
            continue
        if name in ("CONV_2D", "DEPTHWISE_CONV_2D"):
            x = tflite.Conv2DOptions() if name == "CONV_2D" else tflite.DepthwiseConv2DOptions()
            x.Init(o.Bytes, o.Pos)
            assert x.StrideH() == x.StrideW() and x.DilationHFactor() == 1 and x.DilationWFactor() == 1
            assert x.FusedActivationFunction() in (0, 1)
            w, b = const[ins[1]], const[ins[2]]
            pad = pads.get(ins[0], 0)
            if x.Padding() == 0:  # SAME: only 1x1 kernels here, which need none
                assert w.shape[1] == 1 and w.shape[2] == 1
            if name == "CONV_2D":
                cout, k, _, cin = w.shape
                rec = (1, tid(ins[0]), None, tid(outs[0]), k, x.StrideH(), pad, x.FusedActivationFunction(), cin, cout, w, b)
            else:
                assert x.DepthMultiplier() == 1 and w.shape[0] == 1
                _, k, _, c = w.shape
                rec = (2, tid(ins[0]), None, tid(outs[0]), k, x.StrideH(), pad, x.FusedActivationFunction(), c, c, w[0], b)
            ops.append(rec)
        elif name == "ADD":
            x = tflite.AddOptions(); x.Init(o.Bytes, o.Pos)
            assert x.FusedActivationFunction() in (0, 1)
            ops.append((3, tid(ins[0]), tid(ins[1]), tid(outs[0]), 0, 0, 0, x.FusedActivationFunction(), 0, 0, None, None))
        elif name == "RESIZE_BILINEAR":
            x = tflite.ResizeBilinearOptions(); x.Init(o.Bytes, o.Pos)
            assert not x.AlignCorners() and x.HalfPixelCenters()
            # The size comes from the tensor it is added to (the skip connection).
            add = [r for r in raw if r[0] == "ADD" and outs[0] in r[1]]
            assert len(add) == 1
            other = [i for i in add[0][1] if i != outs[0]][0]
            ops.append((4, tid(ins[0]), tid(other), tid(outs[0]), 0, 2, 0, 0, 0, 0, None, None))
        elif name == "DEPTH_TO_SPACE":
            x = tflite.DepthToSpaceOptions(); x.Init(o.Bytes, o.Pos)
            ops.append((5, tid(ins[0]), None, tid(outs[0]), x.BlockSize(), 0, 0, 0, 0, 0, None, None))
        elif name == "RESHAPE":
            alias[outs[0]] = ins[0]  # [1, H*W, C]: the same bytes as H x W x C
        else:
            sys.exit(f"unsupported op {name}")
    reg = tid(g.Outputs(0)); score = tid(g.Outputs(1))
    assert it.get_output_details()[0]["shape"][-1] == 16

    body = bytearray(b"STETNET1")
    body += struct.pack("<8I", 1, 3, 192, 4, len(ids), len(ops), reg, score)
    worst = 0.0
    for (code, i0, i1, out, k, s, pad, relu, cin, cout, w, b) in ops:
        body += struct.pack("<10I", code, i0, 0xFFFFFFFF if i1 is None else i1, out, k, s, pad, relu, cin, cout)
        for arr in (w, b):
            if arr is None:
                continue
            h = arr.astype(np.float16)
            worst = max(worst, float(np.abs(h.astype(np.float32) - arr).max()))
            body += h.tobytes()
    assert worst == 0.0, f"a weight is not a float16 value ({worst})"
    body += struct.pack("<I", zlib.crc32(body) & 0xFFFFFFFF)
    with open(a.out, "wb") as f:
        f.write(body)
    print(f"wrote {a.out}: {len(ops)} ops, {len(ids)} tensors, {len(body)} bytes")

    # The reference outputs for the Swift test: TFLite on the test pattern.
    r = it.get_tensor(it.get_output_details()[0]["index"])[0]
    c = it.get_tensor(it.get_output_details()[1]["index"])[0, :, 0]
    top = np.argsort(-c)[:5]
    print("reference (192x192 test pattern): score logits sum", float(c.sum()), "abs sum of regressors", float(np.abs(r).sum()))
    for i in top:
        print(f"  anchor {i}: logit {c[i]:.4f} box {r[i, 0]:.4f} {r[i, 1]:.4f} {r[i, 2]:.4f} {r[i, 3]:.4f}")


if __name__ == "__main__":
    main()
