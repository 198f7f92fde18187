#!/usr/bin/env python3
"""Inpainting quality and speed: Stet (fast, texture, auto) against OpenCV Telea and
Navier-Stokes (radius 5) and scikit-image biharmonic, in one run, on the same images and masks.

Protocol
- Images: real photographs read from ../shared/datasets (never copied). The default set is
  CBSD68 (held out: Stet's auto thresholds were tuned on CSun_Hays80).
- Masks: fixed and seeded (numpy default_rng(seed + image index)), two kinds per image:
  * scratch: 3 random polyline strokes, 3-5 px wide, each about 40% of the short side long;
  * blob: one irregular star-shaped blob covering 1.5% of the image, away from the edges.
  Masks are binary (0/255), so every method sees the same hole.
- Quality inside the hole only: PSNR over the hole's pixels (3 channels, 0-255), and SSIM
  (skimage structural_similarity, gaussian weights, sigma 1.5, data_range 255, per channel)
  averaged over the hole's pixels. Higher is better. Medians and means over images.
- Speed: a 4 MP photograph (a CSun image enlarged 2.236x, bicubic: 2289x1789) with a 1% mask (one blob of
  0.75% and scratches). Stet runs the release CLI; its fill time (the stdout summary) and its
  whole run (decode, fill, verify, encode PNG) are compared with OpenCV Telea r=5 in-process
  (cv2.inpaint alone, and imread + inpaint + imwrite PNG). Medians of 5 runs. OpenCV writes PNG
  at zlib level 1 by default and libvips at 6, so "stet-auto png1" adds --png-compression 1.

Usage: python3 Benchmarks/inpaint/run.py [--stet .build-inpaint/release/stet] [--set CBSD68]
       [--limit N] [--seed 7]
Build first: swift build -c release --scratch-path .build-inpaint
"""
import argparse, glob, os, re, subprocess, sys, tempfile, time
import numpy as np
import cv2
from skimage.metrics import structural_similarity
from skimage.restoration import inpaint_biharmonic

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))


def scratch_mask(h, w, rng):
    m = np.zeros((h, w), np.uint8)
    short = min(h, w)
    for _ in range(3):
        width = int(rng.integers(3, 6))
        n = 5
        x, y = rng.uniform(0.1 * w, 0.9 * w), rng.uniform(0.1 * h, 0.9 * h)
        angle = rng.uniform(0, 2 * np.pi)
        pts = []
        step = 0.4 * short / (n - 1)
        for _ in range(n):
            pts.append((x, y))
            angle += rng.normal(0, 0.35)
            x = np.clip(x + step * np.cos(angle), 2, w - 3)
            y = np.clip(y + step * np.sin(angle), 2, h - 3)
        cv2.polylines(m, [np.array(pts, np.int32).reshape(-1, 1, 2)], False, 255, width, lineType=cv2.LINE_8)
    return m


def blob_mask(h, w, rng, share=0.015):
    m = np.zeros((h, w), np.uint8)
    r0 = np.sqrt(share * h * w / np.pi)
    k = 24
    theta = np.linspace(0, 2 * np.pi, k, endpoint=False)
    # smooth random radius: low-order Fourier series
    radius = np.ones(k)
    for f in (2, 3, 4):
        radius += rng.uniform(-0.12, 0.12) * np.cos(f * theta + rng.uniform(0, 2 * np.pi))
    cx = rng.uniform(r0 * 1.4 + 4, w - r0 * 1.4 - 4)
    cy = rng.uniform(r0 * 1.4 + 4, h - r0 * 1.4 - 4)
    pts = np.stack([cx + r0 * radius * np.cos(theta), cy + r0 * radius * np.sin(theta)], 1)
    cv2.fillPoly(m, [pts.astype(np.int32).reshape(-1, 1, 2)], 255, lineType=cv2.LINE_8)
    # rescale to the wanted share
    return m


def hole_scores(truth, result, hole):
    diff = truth.astype(np.float64)[hole] - result.astype(np.float64)[hole]
    mse = np.mean(diff ** 2)
    psnr = 99.0 if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)
    _, smap = structural_similarity(truth, result, channel_axis=2, data_range=255, gaussian_weights=True,
                                    sigma=1.5, use_sample_covariance=False, full=True)
    return psnr, float(np.mean(smap[hole]))


def run_stet(stet, method, img_path, mask_path, out_path, extra=()):
    t = time.perf_counter()
    r = subprocess.run([stet, "inpaint", img_path, "--mask", mask_path, "-o", out_path, "--method", method,
                        "--no-log", *extra], capture_output=True, text=True)
    wall = time.perf_counter() - t
    if r.returncode != 0:
        sys.exit(f"stet failed: {r.stderr.strip()}")
    m = re.search(r"fill ([0-9.]+) ms", r.stdout)
    fill = float(m.group(1)) / 1000 if m else float("nan")
    out = cv2.imread(out_path, cv2.IMREAD_COLOR)
    return out, fill, wall


def peers():
    return {
        "opencv-telea": lambda img, m: cv2.inpaint(img, m, 5, cv2.INPAINT_TELEA),
        "opencv-ns": lambda img, m: cv2.inpaint(img, m, 5, cv2.INPAINT_NS),
        "skimage-biharmonic": lambda img, m: np.clip(
            inpaint_biharmonic(img, m > 0, channel_axis=-1) * 255 + 0.5, 0, 255).astype(np.uint8)
        if img.dtype != np.uint8 else np.clip(
            inpaint_biharmonic(img.astype(np.float64) / 255, m > 0, channel_axis=-1) * 255 + 0.5, 0, 255).astype(np.uint8),
    }


def quality(args, tmp):
    files = sorted(glob.glob(os.path.join(args.datasets, "train", args.set, "*.png")) +
                   glob.glob(os.path.join(args.datasets, "train", args.set, "*.jpg")))
    if args.limit:
        files = files[: args.limit]
    if not files:
        sys.exit(f"no images in {args.datasets}/train/{args.set}")
    methods = ["stet-fast", "stet-texture", "stet-auto"] + list(peers().keys())
    results = {kind: {m: [] for m in methods} for kind in ("scratch", "blob")}
    for idx, path in enumerate(files):
        img = cv2.imread(path, cv2.IMREAD_COLOR)
        h, w = img.shape[:2]
        rng = np.random.default_rng(args.seed + idx)
        masks = {"scratch": scratch_mask(h, w, rng), "blob": blob_mask(h, w, rng)}
        # the images are read from the datasets folder; Stet gets a PNG of the same pixels
        src = os.path.join(tmp, "src.png")
        cv2.imwrite(src, img)
        for kind, m in masks.items():
            hole = m > 0
            mpath = os.path.join(tmp, f"mask-{kind}.png")
            cv2.imwrite(mpath, m)
            for meth in ("fast", "texture", "auto"):
                out, fill, _ = run_stet(args.stet, meth, src, mpath, os.path.join(tmp, "out.png"))
                results[kind]["stet-" + meth].append(hole_scores(img, out, hole) + (fill,))
            for name, fn in peers().items():
                t = time.perf_counter()
                out = fn(img, m)
                dt = time.perf_counter() - t
                results[kind][name].append(hole_scores(img, out, hole) + (dt,))
        print(f"  {idx + 1}/{len(files)} {os.path.basename(path)}", file=sys.stderr)
    print(f"\nQuality inside the hole: {args.set}, {len(files)} images, seed {args.seed}")
    for kind in ("scratch", "blob"):
        print(f"\n{kind} masks" + (" (3 strokes, 3-5 px wide)" if kind == "scratch" else " (one blob, 1.5% of the image)"))
        print(f"{'method':22s} {'PSNR mean':>9s} {'PSNR med':>9s} {'SSIM mean':>9s} {'SSIM med':>9s} {'time med':>9s}")
        for meth in methods:
            arr = np.array(results[kind][meth])
            print(f"{meth:22s} {arr[:,0].mean():9.2f} {np.median(arr[:,0]):9.2f} {arr[:,1].mean():9.4f} "
                  f"{np.median(arr[:,1]):9.4f} {np.median(arr[:,2])*1000:7.1f}ms")
    return results


def speed(args, tmp):
    files = sorted(glob.glob(os.path.join(args.datasets, "train", "CSun_Hays80", "*.jpg")))
    base = cv2.imread(files[0], cv2.IMREAD_COLOR)
    big = cv2.resize(base, None, fx=2.236, fy=2.236, interpolation=cv2.INTER_CUBIC)
    h, w = big.shape[:2]
    rng = np.random.default_rng(args.seed)
    m = blob_mask(h, w, rng, share=0.0075) | scratch_mask(h, w, rng)
    share = (m > 0).mean()
    src, mpath, out = (os.path.join(tmp, n) for n in ("big.png", "big-mask.png", "big-out.png"))
    cv2.imwrite(src, big)
    cv2.imwrite(mpath, m)
    print(f"\nSpeed: {w}x{h} ({w*h/1e6:.1f} MP), mask {share*100:.2f}%, medians of 5 runs")
    telea = []
    telea_e2e = []
    for _ in range(5):
        t = time.perf_counter(); cv2.inpaint(big, m, 5, cv2.INPAINT_TELEA); telea.append(time.perf_counter() - t)
        t = time.perf_counter()
        a = cv2.imread(src, cv2.IMREAD_COLOR); b = cv2.imread(mpath, cv2.IMREAD_GRAYSCALE)
        cv2.imwrite(out, cv2.inpaint(a, b, 5, cv2.INPAINT_TELEA))
        telea_e2e.append(time.perf_counter() - t)
    t_med, e_med = np.median(telea), np.median(telea_e2e)
    print(f"{'method':16s} {'fill':>9s} {'x Telea':>8s} {'whole run':>10s} {'x Telea':>8s}")
    print(f"{'opencv-telea':16s} {t_med*1000:7.1f}ms {1:8.2f} {e_med*1000:8.1f}ms {1:8.2f}")
    # OpenCV's imwrite writes PNG at zlib level 1 by default, libvips (and so Stet) at 6; the
    # "png1" rows give Stet the same level, for a like-for-like whole run.
    for meth, extra in (("fast", ()), ("auto", ()), ("texture", ()), ("auto", ("--png-compression", "1"))):
        fills, walls = [], []
        for _ in range(5):
            _, fill, wall = run_stet(args.stet, meth, src, mpath, out, extra)
            fills.append(fill); walls.append(wall)
        f, wl = np.median(fills), np.median(walls)
        name = "stet-" + meth + (" png1" if extra else "")
        print(f"{name:16s} {f*1000:7.1f}ms {f/t_med:8.2f} {wl*1000:8.1f}ms {wl/e_med:8.2f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stet", default=os.path.join(ROOT, ".build-inpaint", "release", "stet"))
    ap.add_argument("--datasets", default=os.path.abspath(os.path.join(ROOT, "..", "shared", "datasets")))
    ap.add_argument("--set", default="CBSD68")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--skip-quality", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="stet-inpaint-bench-") as tmp:
        if not args.skip_quality:
            quality(args, tmp)
        if not args.skip_speed:
            speed(args, tmp)


if __name__ == "__main__":
    main()
