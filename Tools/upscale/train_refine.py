#!/usr/bin/env python3
"""Train the small convolutional refiner that runs after Stet's learned filter bank.

The filter bank (train.py) predicts each high-resolution (HR) luma pixel linearly from its
low-resolution (LR) neighbourhood. The refiner is a tiny CNN that works at LR resolution and
corrects that prediction where a linear filter cannot (texture, corners, the shape of edges):

  input   1 + s*s channels at LR size: the LR luma and the bank's s*s HR phases (space-to-depth:
          channel 1+dy*s+dx holds HR pixel (s*y+dy, s*x+dx)), each minus 0.5
  layer 1 3x3 conv, 1 + s*s -> C, ReLU; its weights for each output sum to zero
  layer k 3x3 conv, C -> C, ReLU         (DEPTH - 2 of them)
  last    3x3 conv, C -> s*s             added to the bank's phases, then depth-to-space
  no biases: with the zero-sum first layer, a flat area gets exactly zero correction, so it
          stays flat
  padding: edges replicated at every layer (Swift does the same)
  clamp   each result kept within the range of the 5x5 LR window widened by 0.02, as the bank
          alone (de-ringing)

Everything else (LR made with Pillow BICUBIC by 1/s, luma Y = 0.299 R + 0.587 G + 0.114 B in
0..1, the 8 rotations/flips of every training image) is as in train.py. The loss is the mean
squared error on HR luma, so training maximises PSNR.

Output, Sources/PixelCore/Resources/refine-x{S}.bin (little-endian):
  magic  8 bytes  b"STETREF1"
  u32    version (1), scale, channels C, depth (number of conv layers), dc_free (1)
  per layer: u32 in, u32 out, f32 weights [out][in][3][3], f32 bias [out] (zero when dc_free)
  u32    CRC-32 (zlib) of every byte before it

Usage (from the repository root):
  python3 Tools/upscale/train_refine.py ../shared/datasets/train/CBSD68 --scale 2 --channels 8 \
      --out Sources/PixelCore/Resources
"""
import argparse
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train as bank  # noqa: E402  (the filter bank's reference implementation)

MAGIC = b"STETREF1"
VERSION = 1


class Refiner(nn.Module):
    """x: (N, 3 + s*s, H, W) = LR luma, clamp low, clamp high, bank phases (all minus 0.5)."""

    def __init__(self, scale, channels, depth, dc_free=True):
        super().__init__()
        s2 = scale * scale
        self.dc_free = dc_free
        dims = [1 + s2] + [channels] * (depth - 1) + [s2]
        self.convs = nn.ModuleList(nn.Conv2d(dims[i], dims[i + 1], 3, bias=not dc_free) for i in range(depth))
        nn.init.zeros_(self.convs[-1].weight)
        if not dc_free:
            nn.init.zeros_(self.convs[-1].bias)

    def weight(self, i):
        """Layer i's effective weights. DC-free: the first layer's weights for each output sum to
        zero over its inputs and taps, and no layer has a bias, so a flat area (luma and phases
        all equal) gives exactly zero correction: flat stays flat. The net is then positively
        homogeneous: the correction scales with contrast."""
        w = self.convs[i].weight
        if self.dc_free and i == 0:
            w = w - w.mean(dim=(1, 2, 3), keepdim=True)
        return w

    def forward(self, x, clamp=True):
        luma, low, high, phases = x[:, :1], x[:, 1:2], x[:, 2:3], x[:, 3:]
        h = torch.cat([luma, phases], 1)
        for i, conv in enumerate(self.convs):
            h = F.pad(h, (1, 1, 1, 1), mode="replicate")
            h = F.conv2d(h, self.weight(i), conv.bias)
            if i < len(self.convs) - 1:
                h = F.relu(h)
        out = phases + h
        # De-ringing, as for the bank alone: within the 5x5 LR window's range, widened.
        return torch.minimum(torch.maximum(out, low), high) if clamp else out


def space_to_depth(y, s):
    h, w = y.shape
    return y.reshape(h // s, s, w // s, s).transpose(1, 3, 0, 2).reshape(s * s, h // s, w // s)


def depth_to_space(c, s):
    _, h, w = c.shape
    return c.reshape(s, s, h, w).transpose(2, 0, 3, 1).reshape(h * s, w * s)


def variant(path, k=0, factor=1.0, grey="y"):
    """One training variant of an image: dihedral k, downscaled by `factor` (Lanczos, as a
    smaller photograph of the same scene), and for grey "r", "g" or "b" that channel alone as a
    grey image (its own contrasts and textures; "y" keeps the colour image, whose luma is used)."""
    img = bank.dihedral(Image.open(path).convert("RGB"), k)
    if factor != 1.0:
        img = img.resize((round(img.width * factor), round(img.height * factor)), Image.LANCZOS)
    if grey != "y":
        c = img.getchannel(grey.upper())
        img = Image.merge("RGB", (c, c, c))
    return img


def prepare(path, scale, model, k=0, factor=1.0, grey="y"):
    """(input channels at LR size, HR target phases) for one image variant."""
    hr, lr = bank.make_pair(variant(path, k, factor, grey), scale)
    ylr = bank.luma(bank.to_float(lr))
    yhr = bank.luma(bank.to_float(hr))
    up = bank.upscale_luma(ylr, model)
    t = space_to_depth(yhr, scale) - 0.5
    return inputs(ylr, up, scale), t.astype(np.float32)


def inputs(ylr, up, scale):
    """The refiner's input planes for an LR luma and the bank's (clamped) prediction."""
    win = bank.patches(ylr, bank.CLAMP_WINDOW)
    low = win.min(axis=1).reshape(ylr.shape) - bank.CLAMP_MARGIN
    high = win.max(axis=1).reshape(ylr.shape) + bank.CLAMP_MARGIN
    return (np.concatenate([ylr[None], low[None], high[None], space_to_depth(up, scale)], 0) - 0.5).astype(np.float32)


def write_model(path, net, scale, channels):
    convs = list(net.convs)
    body = MAGIC + struct.pack("<5I", VERSION, scale, channels, len(convs), 1 if net.dc_free else 0)
    for i, c in enumerate(convs):
        w = net.weight(i).detach().cpu().numpy().astype("<f4")
        b = (c.bias if c.bias is not None else torch.zeros(w.shape[0])).detach().cpu().numpy().astype("<f4")
        body += struct.pack("<2I", w.shape[1], w.shape[0]) + w.tobytes() + b.tobytes()
    bank.write_with_crc(path, body)


def read_model(path):
    data = bank.read_checked(path, MAGIC)
    _, scale, channels, depth, dc_free = struct.unpack("<5I", data[8:28])
    net = Refiner(scale, channels, depth, bool(dc_free))
    off = 28
    for c in net.convs:
        cin, cout = struct.unpack("<2I", data[off:off + 8]); off += 8
        n = cout * cin * 9
        c.weight.data = torch.from_numpy(np.frombuffer(data, "<f4", n, off).reshape(cout, cin, 3, 3).copy()); off += 4 * n
        if c.bias is not None:
            c.bias.data = torch.from_numpy(np.frombuffer(data, "<f4", cout, off).copy())
        off += 4 * cout
    return net, scale


def refine_luma(net, ylr, up, scale):
    x = inputs(ylr, up, scale)
    with torch.no_grad():
        out = net(torch.from_numpy(x[None].astype(np.float32)))[0].numpy() + 0.5
    return depth_to_space(out, scale)


def evaluate(net, files, scale, model):
    gains, base = [], []
    for f in files:
        hr, lr = bank.make_pair(Image.open(f).convert("RGB"), scale)
        ylr = bank.luma(bank.to_float(lr)); yhr = bank.luma(bank.to_float(hr))
        up = bank.upscale_luma(ylr, model)
        ref = np.clip(refine_luma(net, ylr, up, scale), 0, 1)
        up = np.clip(up, 0, 1)
        q = lambda a: np.round(a * 255) / 255  # noqa: E731
        base.append(bank.psnr_y(q(up), yhr, scale)); gains.append(bank.psnr_y(q(ref), yhr, scale))
    return float(np.mean(base)), float(np.mean(gains))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folders", nargs="*", default=["../shared/datasets/train/CBSD68"])
    ap.add_argument("--scale", type=int, default=2)
    ap.add_argument("--channels", type=int, default=8)
    ap.add_argument("--depth", type=int, default=3, help="conv layers, at least 2")
    ap.add_argument("--patch", type=int, default=40, help="LR patch side")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--steps", type=int, default=6000)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=6)
    ap.add_argument("--bank-dir", default="Sources/PixelCore/Resources")
    ap.add_argument("--validate", default="", help="folder to report PSNR on while training (not used to train)")
    ap.add_argument("--validate-limit", type=int, default=10)
    ap.add_argument("--out", default="Sources/PixelCore/Resources")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rescale", default="1", help="comma-separated factors each image is also downscaled by (data augmentation)")
    ap.add_argument("--greys", default="y", help="comma-separated grey versions of each image: y (luma), r, g, b")
    ap.add_argument("--no-clamp", dest="clamp", action="store_false", help="train without the final clamp")
    ap.add_argument("--with-dc", dest="dc_free", action="store_false",
                    help="feed the LR luma and use biases (flat areas then need not stay exactly flat)")
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(args.seed)
    s = args.scale
    model = bank.read_model(os.path.join(args.bank_dir, f"upscale-x{s}.bin"))
    files = [f for spec in args.folders for f in bank.list_images(spec)]
    t0 = time.time()
    factors = [float(v) for v in args.rescale.split(",")]
    greys = args.greys.split(",")
    data = [prepare(f, s, model, k, a, g) for f in files for k in range(8) for a in factors for g in greys]
    print(f"x{s}: {len(data)} training images prepared in {time.time() - t0:.0f} s", file=sys.stderr, flush=True)
    val = bank.list_images(args.validate)[:args.validate_limit] if args.validate else []

    net = Refiner(s, args.channels, args.depth, args.dc_free)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.steps, pct_start=0.05)
    p = args.patch
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, f"refine-x{s}.bin")
    running = None
    for step in range(1, args.steps + 1):
        xb, tb = [], []
        for _ in range(args.batch):
            x, t = data[rng.integers(len(data))]
            y0 = rng.integers(x.shape[1] - p + 1); x0 = rng.integers(x.shape[2] - p + 1)
            xb.append(x[:, y0:y0 + p, x0:x0 + p]); tb.append(t[:, y0:y0 + p, x0:x0 + p])
        xb = torch.from_numpy(np.stack(xb)); tb = torch.from_numpy(np.stack(tb))
        loss = F.mse_loss(net(xb, clamp=args.clamp)[:, :, 2:-2, 2:-2], tb[:, :, 2:-2, 2:-2])
        opt.zero_grad(); loss.backward(); opt.step(); sched.step()
        base = F.mse_loss(xb[:, 3:, 2:-2, 2:-2], tb[:, :, 2:-2, 2:-2]).item()
        gain = 10 * np.log10(base / max(loss.item(), 1e-12))
        running = gain if running is None else 0.98 * running + 0.02 * gain
        if step % 500 == 0 or step == args.steps:
            msg = f"x{s} step {step}: train gain over bank {running:+.3f} dB ({time.time() - t0:.0f} s)"
            if val:
                b, r = evaluate(net, val, s, model)
                msg += f"; validation {len(val)} images: bank {b:.3f} -> refined {r:.3f} dB ({r - b:+.3f})"
            print(msg, file=sys.stderr, flush=True)
            write_model(path, net, s, args.channels)
    print(f"x{s}: wrote {path} ({os.path.getsize(path)} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
