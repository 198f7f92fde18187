#!/usr/bin/env python3
"""Train Stet's learned upscaler: a RAISR/BLADE-style bank of linear filters.

Model (the Swift inference in Sources/PixelCore/Upscale/ does exactly this):
  * Work on full-range luma Y = 0.299 R + 0.587 G + 0.114 B, in [0, 1].
  * For every low-resolution (LR) pixel, hash the local structure tensor of the LR luma
    (central-difference gradients, weighted over a 5x5 window with the binomial kernel
    [1 4 6 4 1]/16 in each direction) into a bucket: dominant gradient angle (ANGLES buckets
    over 0..pi), strength sqrt(lambda1) (3 buckets) and coherence
    (sqrt l1 - sqrt l2)/(sqrt l1 + sqrt l2) (3 buckets).
  * The bucket picks one filter of TAPSxTAPS weights per output phase; the scale*scale
    high-resolution pixels that the LR pixel covers are each a dot product of their filter
    with the TAPSxTAPS LR luma patch centred on the LR pixel (edges replicated).
  * Filters are learned by least squares, per bucket, regularised (ridge) towards the
    single global filter of each phase, on the 8 rotations/flips of every training image.

LR images are made as in the super-resolution protocol: crop HR to a multiple of the scale,
then Pillow BICUBIC (antialiased) by 1/scale.

Output file (little-endian), one per scale, Sources/PixelCore/Resources/upscale-x{S}.bin:
  magic  8 bytes  b"STETUPS1"
  u32    version (1)
  u32    scale
  u32    taps (patch side)
  u32    angles, u32 strengths, u32 coherences
  f32    strength thresholds (strengths - 1 values)
  f32    coherence thresholds (coherences - 1 values)
  f32    weights [bucket][tap][phase], bucket = (angle * strengths + strength) * coherences + coherence,
         tap = row * taps + column, phase = dy * scale + dx
  u32    CRC-32 (zlib) of every byte before it

Usage:
  python3 Tools/upscale/train.py ../shared/datasets/train/CSun_Hays80 --scales 2 3 4 \
      --out Sources/PixelCore/Resources
  python3 Tools/upscale/train.py --evaluate ../shared/datasets/train/CBSD68 --weights-dir DIR
"""
import argparse
import glob
import os
import struct
import sys
import zlib

import numpy as np
from PIL import Image

MAGIC = b"STETUPS1"
VERSION = 1
BINOMIAL = np.array([1, 4, 6, 4, 1], dtype=np.float32) / 16.0


def list_images(spec):
    """Images of a folder, sorted by name. FOLDER:even / FOLDER:odd keep the even- or odd-indexed
    ones (0-based, in sorted order), so one folder splits into disjoint training and test halves."""
    folder, _, part = spec.partition(":") if spec.endswith((":even", ":odd")) else (spec, "", "")
    names = sorted(set(_list(folder)))
    if part == "even":
        return names[0::2]
    if part == "odd":
        return names[1::2]
    return names


def _list(folder):
    names = []
    for ext in ("png", "jpg", "jpeg", "bmp", "tif", "tiff"):
        names += glob.glob(os.path.join(folder, "*." + ext))
        names += glob.glob(os.path.join(folder, "*." + ext.upper()))
    return names


def luma(rgb):
    """Full-range BT.601 luma of an HxWx3 float array in [0,1]."""
    return (0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]).astype(np.float32)


def make_pair(hr_img, scale):
    """(HR crop as PIL, LR as PIL) by the SR protocol."""
    w, h = hr_img.size
    w, h = w - w % scale, h - h % scale
    hr = hr_img.crop((0, 0, w, h))
    lr = hr.resize((w // scale, h // scale), Image.BICUBIC)
    return hr, lr


def to_float(img):
    return np.asarray(img.convert("RGB"), dtype=np.float32) / 255.0


def conv_sep(a, k):
    """Separable 'same' convolution with edge replication."""
    r = len(k) // 2
    p = np.pad(a, ((0, 0), (r, r)), mode="edge")
    out = np.zeros_like(a)
    for i, kv in enumerate(k):
        out += kv * p[:, i:i + a.shape[1]]
    p = np.pad(out, ((r, r), (0, 0)), mode="edge")
    out2 = np.zeros_like(a)
    for i, kv in enumerate(k):
        out2 += kv * p[i:i + a.shape[0], :]
    return out2


def features(y):
    """Angle in [0,1) (fraction of pi), strength, coherence for every pixel of y."""
    p = np.pad(y, 1, mode="edge")
    gx = (p[1:-1, 2:] - p[1:-1, :-2]) * 0.5
    gy = (p[2:, 1:-1] - p[:-2, 1:-1]) * 0.5
    a = conv_sep(gx * gx, BINOMIAL)
    b = conv_sep(gx * gy, BINOMIAL)
    c = conv_sep(gy * gy, BINOMIAL)
    half_tr = (a + c) * 0.5
    d = np.sqrt(np.maximum(((a - c) * 0.5) ** 2 + b * b, 0))
    l1 = half_tr + d
    l2 = np.maximum(half_tr - d, 0)
    theta = 0.5 * np.arctan2(2 * b, a - c)  # (-pi/2, pi/2]
    ang = theta / np.pi
    ang = np.where(ang < 0, ang + 1.0, ang)
    s1, s2 = np.sqrt(l1), np.sqrt(l2)
    coh = np.where(s1 + s2 > 1e-12, (s1 - s2) / np.maximum(s1 + s2, 1e-12), 0)
    return ang.astype(np.float32), s1.astype(np.float32), coh.astype(np.float32)


def buckets(y, model):
    ang, strength, coh = features(y)
    na, ns, nc = model["angles"], model["strengths"], model["coherences"]
    ai = np.minimum((ang * na).astype(np.int64), na - 1)
    si = np.searchsorted(model["sthr"], strength, side="right")
    ci = np.searchsorted(model["cthr"], coh, side="right")
    return ((ai * ns + si) * nc + ci).ravel()


def patches(y, taps):
    r = taps // 2
    p = np.pad(y, r, mode="edge")
    v = np.lib.stride_tricks.sliding_window_view(p, (taps, taps))
    return v.reshape(-1, taps * taps)


def targets(yhr, scale):
    h, w = yhr.shape
    return yhr.reshape(h // scale, scale, w // scale, scale).transpose(0, 2, 1, 3).reshape(-1, scale * scale)


def dihedral(img, k):
    ops = [None, Image.ROTATE_90, Image.ROTATE_180, Image.ROTATE_270]
    out = img if ops[k % 4] is None else img.transpose(ops[k % 4])
    if k >= 4:
        out = out.transpose(Image.FLIP_LEFT_RIGHT)
    return out


def train(args):
    files = [f for spec in args.folders for f in list_images(spec)]
    if not files:
        sys.exit(f"train.py: no images in {' '.join(args.folders)}")
    rng = np.random.default_rng(args.seed)
    os.makedirs(args.out, exist_ok=True)
    for scale in args.scales:
        taps = args.taps[scale] if isinstance(args.taps, dict) else args.taps
        na, ns, nc = args.angles, len(args.strength_quantiles) + 1, len(args.coherence_quantiles) + 1
        # Thresholds: strength and coherence terciles over (a sample of) the training LR pixels.
        svals, cvals = [], []
        for f in files:
            _, lr = make_pair(Image.open(f).convert("RGB"), scale)
            _, s, c = features(luma(to_float(lr)))
            idx = rng.choice(s.size, size=min(s.size, 20000), replace=False)
            svals.append(s.ravel()[idx]); cvals.append(c.ravel()[idx])
        svals, cvals = np.concatenate(svals), np.concatenate(cvals)
        sthr = np.quantile(svals, args.strength_quantiles).astype(np.float32)
        cthr = np.quantile(cvals, args.coherence_quantiles).astype(np.float32)
        model = dict(scale=scale, taps=taps, angles=na, strengths=ns, coherences=nc, sthr=sthr, cthr=cthr)
        nb, nt, nph = na * ns * nc, taps * taps, scale * scale
        Q = np.zeros((nb, nt, nt), dtype=np.float64)
        V = np.zeros((nb, nt, nph), dtype=np.float64)
        counts = np.zeros(nb, dtype=np.int64)
        for n, f in enumerate(files):
            base = Image.open(f).convert("RGB")
            for k in range(8 if args.augment else 1):
                hr, lr = make_pair(dihedral(base, k), scale)
                ylr = luma(to_float(lr))
                yhr = luma(to_float(hr))
                X = patches(ylr, taps)
                Y = targets(yhr, scale)
                bk = buckets(ylr, model)
                if args.sample < 1:
                    keep = rng.random(bk.size) < args.sample
                    X, Y, bk = X[keep], Y[keep], bk[keep]
                order = np.argsort(bk, kind="stable")
                bounds = np.searchsorted(bk[order], np.arange(nb + 1))
                for b in range(nb):
                    lo, hi = bounds[b], bounds[b + 1]
                    if hi <= lo:
                        continue
                    sel = order[lo:hi]
                    Xb = X[sel].astype(np.float32)
                    Q[b] += (Xb.T @ Xb)
                    V[b] += (Xb.T @ Y[sel])
                    counts[b] += hi - lo
            print(f"x{scale}: {n + 1}/{len(files)} {os.path.basename(f)}", file=sys.stderr, flush=True)
        Qg, Vg = Q.sum(0), V.sum(0)
        ntot = counts.sum()
        unit = np.trace(Qg) / ntot / nt  # mean diagonal of one sample's outer product
        Wg = np.linalg.solve(Qg + 1e-6 * unit * ntot * np.eye(nt), Vg)
        W = np.zeros((nb, nt, nph), dtype=np.float64)
        for b in range(nb):
            lam = args.ridge * unit
            W[b] = np.linalg.solve(Q[b] + lam * np.eye(nt), V[b] + lam * Wg)
            # Exact unit DC gain per phase, so a flat area stays flat even at 16 bits.
            W[b] += (1.0 - W[b].sum(axis=0, keepdims=True)) / nt
        model["weights"] = W.astype(np.float32)
        path = os.path.join(args.out, f"upscale-x{scale}.bin")
        write_model(path, model)
        print(f"x{scale}: wrote {path} ({os.path.getsize(path)} bytes); buckets with <100 samples: "
              f"{int((counts < 100).sum())}/{nb}; strength thresholds {sthr}, coherence thresholds {cthr}",
              file=sys.stderr)


def write_model(path, m):
    body = MAGIC + struct.pack("<6I", VERSION, m["scale"], m["taps"], m["angles"], m["strengths"], m["coherences"])
    body += m["sthr"].astype("<f4").tobytes() + m["cthr"].astype("<f4").tobytes()
    body += np.ascontiguousarray(m["weights"], dtype="<f4").tobytes()
    write_with_crc(path, body)


def write_with_crc(path, body):
    """Writes body plus its CRC-32 to a temporary sibling, then renames it into place."""
    body += struct.pack("<I", zlib.crc32(body) & 0xFFFFFFFF)
    tmp = path + ".tmp"
    with open(tmp, "wb") as fh:
        fh.write(body)
    os.replace(tmp, path)


def read_checked(path, magic):
    """A weights file's bytes, after checking its magic and its CRC-32."""
    data = open(path, "rb").read()
    assert data[:8] == magic, f"{path}: bad magic"
    assert struct.unpack("<I", data[-4:])[0] == zlib.crc32(data[:-4]) & 0xFFFFFFFF, f"{path}: bad checksum"
    return data


def read_model(path):
    data = read_checked(path, MAGIC)
    version, scale, taps, na, ns, nc = struct.unpack("<6I", data[8:32])
    off = 32
    sthr = np.frombuffer(data, "<f4", ns - 1, off); off += 4 * (ns - 1)
    cthr = np.frombuffer(data, "<f4", nc - 1, off); off += 4 * (nc - 1)
    nb, nt, nph = na * ns * nc, taps * taps, scale * scale
    W = np.frombuffer(data, "<f4", nb * nt * nph, off).reshape(nb, nt, nph)
    return dict(scale=scale, taps=taps, angles=na, strengths=ns, coherences=nc, sthr=sthr, cthr=cthr, weights=W)


CLAMP_WINDOW = 5      # de-ringing: the prediction stays within the range of this LR window...
CLAMP_MARGIN = 0.02   # ...widened by this much (about 5 levels of 255)


def upscale_luma(ylr, m):
    s = m["scale"]
    X = patches(ylr, m["taps"])
    bk = buckets(ylr, m)
    out = np.einsum("nt,ntp->np", X, m["weights"][bk])
    lo = patches(ylr, CLAMP_WINDOW).min(axis=1, keepdims=True) - CLAMP_MARGIN
    hi = patches(ylr, CLAMP_WINDOW).max(axis=1, keepdims=True) + CLAMP_MARGIN
    out = np.clip(out, lo, hi)
    h, w = ylr.shape
    return out.reshape(h, w, s, s).transpose(0, 2, 1, 3).reshape(h * s, w * s)


def psnr_y(a, b, shave):
    """a, b: full-range luma in [0,1]; compares BT.601 studio-range Y on 0..255 as the SR tables."""
    ya = 16 + 219 * a[shave:-shave, shave:-shave]
    yb = 16 + 219 * b[shave:-shave, shave:-shave]
    mse = np.mean((ya.astype(np.float64) - yb) ** 2)
    return 10 * np.log10(255 ** 2 / mse)


def evaluate(args):
    files = list_images(args.evaluate)
    for scale in args.scales:
        m = read_model(os.path.join(args.weights_dir, f"upscale-x{scale}.bin"))
        res = {"learned": [], "bicubic": [], "lanczos": []}
        for f in files:
            hr, lr = make_pair(Image.open(f).convert("RGB"), scale)
            yhr = luma(to_float(hr))
            ylr = luma(to_float(lr))
            up = np.clip(upscale_luma(ylr, m), 0, 1)
            up = np.round(up * 255) / 255
            res["learned"].append(psnr_y(up, yhr, scale))
            for name, flt in (("bicubic", Image.BICUBIC), ("lanczos", Image.LANCZOS)):
                yb = luma(to_float(lr.resize(hr.size, flt)))
                res[name].append(psnr_y(yb, yhr, scale))
        print(f"x{scale} on {len(files)} images: " + ", ".join(f"{k} {np.mean(v):.3f} dB" for k, v in res.items()))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folders", nargs="*", default=["../shared/datasets/train/CBSD68"],
                    help="training image folders; FOLDER:even or FOLDER:odd takes half of one")
    ap.add_argument("--sample", type=float, default=1.0,
                    help="fraction of LR pixels (chosen at random, seeded) used from each image")
    ap.add_argument("--scales", type=int, nargs="+", default=[2, 3, 4])
    ap.add_argument("--taps", type=int, default=None, help="patch side (default: 7 at x2, 9 at x3 and x4)")
    ap.add_argument("--angles", type=int, default=24)
    ap.add_argument("--ridge", type=float, default=200.0,
                    help="pull towards the global filter, in equivalent training samples")
    ap.add_argument("--strength-quantiles", type=float, nargs="+", default=[0.33, 0.66],
                    help="quantiles of LR gradient strength that split the strength buckets")
    ap.add_argument("--coherence-quantiles", type=float, nargs="+", default=[0.33, 0.66],
                    help="quantiles of coherence that split the coherence buckets")
    ap.add_argument("--no-augment", dest="augment", action="store_false")
    ap.add_argument("--seed", type=int, default=6)
    ap.add_argument("--out", default="Sources/PixelCore/Resources")
    ap.add_argument("--evaluate", metavar="FOLDER", help="evaluate weights on FOLDER instead of training")
    ap.add_argument("--weights-dir", default="Sources/PixelCore/Resources")
    args = ap.parse_args()
    if args.taps is None:
        # x2 uses 7x7: 0.03 dB below 9x9 on the bank alone, the same after the refiner, and
        # 40% less work for the speed goal.
        args.taps = {2: 7, 3: 9, 4: 9}
    if args.evaluate:
        evaluate(args)
    else:
        train(args)


if __name__ == "__main__":
    main()
