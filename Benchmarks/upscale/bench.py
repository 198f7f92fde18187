#!/usr/bin/env python3
"""Upscale benchmark: Stet's learned upscaler (filter bank + refiner) against fixed-kernel peers, in one run.

Quality protocol (the super-resolution tables'):
  1. crop each HR photograph to a multiple of the scale (top-left anchored);
  2. LR = Pillow BICUBIC (antialiased, matches MATLAB imresize to ~0.02 dB) by 1/scale;
  3. upscale LR back to the HR size with each method;
  4. PSNR and SSIM on Y (BT.601, studio range: 16 + 65.481 R' + 128.553 G' + 24.966 B')
     with `scale` pixels shaved from every border. SSIM is Wang et al.'s (Gaussian
     window sigma 1.5, 11x11 as in the MATLAB reference, K1 0.01, K2 0.03, data range 255).
Means over all test images. The banks and the x2 and x3 refiners are trained on CBSD68 only; the
x4 refiner on CBSD68 and the even-numbered half of CSun_Hays80 (Tools/upscale/README.md). The
test photographs are therefore the odd-numbered half of CSun_Hays80 (the default --test-dir),
which no weights were trained on.

Speed: a 1024x1024 RGB image to 2048x2048 as whole commands (process start, decode,
upscale, encode), `stet upscale --scale 2` (fast and best) against `vips resize 2`,
ImageMagick and Pillow (each as a process) on the same input, interleaved, median of N runs,
each median divided by vips resize's, with peak memory (max RSS) from /usr/bin/time; and the
same image to 4096x4096 with each x4 setting against the same peers.

Usage (from the repository root, after `swift build -c release`):
  python3 Benchmarks/upscale/bench.py [--test-dir DIR] [--stet .build/release/stet] [--limit N]
"""
import argparse
import glob
import os
import statistics
import subprocess
import sys
import tempfile
import time

import cv2
import numpy as np
from PIL import Image
from skimage.metrics import structural_similarity

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MAGICK = "convert"  # --magick


def y601(rgb8):
    rgb = rgb8.astype(np.float64)
    return 16 + (65.481 * rgb[..., 0] + 128.553 * rgb[..., 1] + 24.966 * rgb[..., 2]) / 255


def metrics(out8, hr8, shave):
    a = y601(out8)[shave:-shave, shave:-shave]
    b = y601(hr8)[shave:-shave, shave:-shave]
    mse = np.mean((a - b) ** 2)
    psnr = 10 * np.log10(255 ** 2 / mse)
    ssim = structural_similarity(a, b, data_range=255, gaussian_weights=True, sigma=1.5,
                                 use_sample_covariance=False)
    return psnr, ssim


def run(cmd):
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    dt = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed: {p.stderr.strip()}")
    return dt


def read_rgb(path):
    return np.asarray(Image.open(path).convert("RGB"))


def methods(stet):
    """name -> function(lr_path, lr_pil, hr_size, scale, tmpdir) -> (rgb8 array, seconds)."""
    def stet_method(kind, *extra):
        def f(lr_path, lr, size, s, tmp):
            out = os.path.join(tmp, f"stet-{kind}.png")
            dt = run([stet, "upscale", lr_path, "--scale", str(s), "--method", kind, *extra, "-o", out, "--no-log"])
            return read_rgb(out), dt
        return f

    def pillow(flt):
        def f(lr_path, lr, size, s, tmp):
            t = time.perf_counter(); out = lr.resize(size, flt); dt = time.perf_counter() - t
            return np.asarray(out), dt
        return f

    def opencv(flag):
        def f(lr_path, lr, size, s, tmp):
            a = np.asarray(lr)
            t = time.perf_counter(); out = cv2.resize(a, size, interpolation=flag); dt = time.perf_counter() - t
            return out, dt
        return f

    def magick(lr_path, lr, size, s, tmp):
        out = os.path.join(tmp, "magick.png")
        dt = run([MAGICK, lr_path, "-filter", "Lanczos", "-resize", f"{size[0]}x{size[1]}!", out])
        return read_rgb(out), dt

    def vips(lr_path, lr, size, s, tmp):
        out = os.path.join(tmp, "vips.png")
        dt = run(["vips", "resize", lr_path, out, str(s), "--kernel", "lanczos3"])
        return read_rgb(out), dt

    return [
        ("Stet learned (the default, --preset fast: bank + refiner, one pass; back-projection at x3 and x4)",
         stet_method("learned")),
        ("Stet learned --preset best (eight orientations, then back-projection)", stet_method("learned", "--preset", "best")),
        ("Stet learned --preset best --flips on (four flips, not the transposes)",
         stet_method("learned", "--preset", "best", "--flips", "on")),
        ("Stet learned --back-projection on (fast, + back-projection at x2)", stet_method("learned", "--back-projection", "on")),
        ("Stet learned --no-refiner (bank, + back-projection at x3 and x4)", stet_method("learned", "--no-refiner")),
        ("Stet lanczos", stet_method("lanczos")),
        ("bicubic (Pillow BICUBIC)", pillow(Image.BICUBIC)),
        ("Pillow LANCZOS", pillow(Image.LANCZOS)),
        ("OpenCV INTER_CUBIC", opencv(cv2.INTER_CUBIC)),
        ("OpenCV INTER_LANCZOS4", opencv(cv2.INTER_LANCZOS4)),
        ("ImageMagick -filter Lanczos -resize", magick),
        ("vips resize --kernel lanczos3", vips),
    ]


def list_images(spec):
    """Images of a folder, sorted; FOLDER:even / FOLDER:odd keep the even- or odd-indexed ones
    (0-based), the same split as Tools/upscale/train.py."""
    folder, part = (spec.rsplit(":", 1) + [""])[:2] if spec.endswith((":even", ":odd")) else (spec, "")
    files = sorted(glob.glob(os.path.join(folder, "*.png")) + glob.glob(os.path.join(folder, "*.jpg")))
    return files[0::2] if part == "even" else files[1::2] if part == "odd" else files


def quality(args, tmp):
    files = list_images(args.test_dir)
    if args.limit:
        files = files[:args.limit]
    table = {}
    for s in args.scales:
        rows = {}
        for n, f in enumerate(files):
            hr = Image.open(f).convert("RGB")
            w, h = hr.size
            hr = hr.crop((0, 0, w - w % s, h - h % s))
            lr = hr.resize((hr.size[0] // s, hr.size[1] // s), Image.BICUBIC)
            lr_path = os.path.join(tmp, "lr.png")
            lr.save(lr_path)
            hr8 = np.asarray(hr)
            for name, fn in methods(args.stet):
                out, dt = fn(lr_path, lr, hr.size, s, tmp)
                assert out.shape == hr8.shape, (name, out.shape, hr8.shape)
                p, q = metrics(out, hr8, s)
                rows.setdefault(name, []).append((p, q, dt))
            print(f"x{s}: {n + 1}/{len(files)}", file=sys.stderr, end="\r", flush=True)
        print(file=sys.stderr)
        table[s] = rows
    return files, table


def speed(args, tmp):
    src = list_images(args.test_dir)[0]
    img = Image.open(src).convert("RGB").resize((1024, 1024), Image.LANCZOS)
    results = []
    for ext, s in (("jpg", 2), ("png", 2), ("jpg", 4)):
        if s not in args.speed_scales:
            continue
        inp = os.path.join(tmp, f"speed-in.{ext}")
        img.save(inp, quality=95) if ext == "jpg" else img.save(inp)

        def stet(*extra):
            return [args.stet, "upscale", inp, "--scale", str(s), *extra, "-o", os.path.join(tmp, f"speed-stet.{ext}"),
                    "--no-log"]
        if s == 2:
            cmds = {"stet upscale --scale 2": stet(), "stet upscale --scale 2 --preset best": stet("--preset", "best"),
                    "stet upscale --scale 2 --no-refiner": stet("--no-refiner"),
                    "stet upscale --scale 2 --back-projection on": stet("--back-projection", "on")}
        else:
            cmds = {"stet upscale --scale 4": stet(), "stet upscale --scale 4 --preset best": stet("--preset", "best"),
                    "stet upscale --scale 4 --preset best --flips on": stet("--preset", "best", "--flips", "on"),
                    "stet upscale --scale 4 --no-refiner": stet("--no-refiner")}
        out = os.path.join(tmp, f"speed-peer.{ext}")
        size = f"{1024 * s}x{1024 * s}"
        cmds[f"vips resize {s} (lanczos3)"] = ["vips", "resize", inp, out, str(s)]
        cmds["ImageMagick convert -filter Lanczos -resize"] = [MAGICK, inp, "-filter", "Lanczos", "-resize", size + "!", out]
        for name, flt in (("BICUBIC", "Image.BICUBIC"), ("LANCZOS", "Image.LANCZOS")):
            cmds[f"Pillow {name} (python3 process)"] = [
                sys.executable, "-c", "import sys; from PIL import Image; im = Image.open(sys.argv[1]); "
                f"im.resize((im.width * {s}, im.height * {s}), {flt}).save(sys.argv[2], quality=95)", inp, out]
        times = {k: [] for k in cmds}
        rss = {k: [] for k in cmds}
        for _ in range(args.runs if s == 2 else max(1, args.runs // 3)):
            for k, c in cmds.items():
                t = time.perf_counter()
                p = subprocess.run(["/usr/bin/time", "-f", "%M"] + c, capture_output=True, text=True)
                times[k].append(time.perf_counter() - t)
                if p.returncode != 0:
                    sys.exit(f"bench: {' '.join(c)} failed: {p.stderr.strip()}")
                rss[k].append(int(p.stderr.strip().splitlines()[-1]))
        vips_median = statistics.median(times[f"vips resize {s} (lanczos3)"])
        for k in cmds:
            med = statistics.median(times[k])
            results.append((f"{ext} x{s}", k, med, min(times[k]), med / vips_median, (1024 * s) ** 2 / 1e6 / med, max(rss[k]) / 1024))
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--test-dir", default=os.path.join(ROOT, "..", "shared", "datasets", "train", "CSun_Hays80") + ":odd",
                    help="test photographs; FOLDER:odd / FOLDER:even for half of one (default: the half no weights saw)")
    ap.add_argument("--stet", default=os.path.join(ROOT, ".build", "release", "stet"))
    ap.add_argument("--scales", type=int, nargs="+", default=[2, 4])
    ap.add_argument("--limit", type=int, default=0, help="use only the first N test images")
    ap.add_argument("--runs", type=int, default=7, help="speed runs per command at x2 (a third of them at x4)")
    ap.add_argument("--speed-scales", type=int, nargs="+", default=[2, 4], help="scales to time (2, 4)")
    ap.add_argument("--magick", default="convert", help="ImageMagick's convert (default: the one on PATH)")
    ap.add_argument("--no-quality", action="store_true")
    ap.add_argument("--no-speed", action="store_true")
    args = ap.parse_args()
    global MAGICK
    MAGICK = args.magick
    if not os.access(args.stet, os.X_OK):
        sys.exit(f"bench: {args.stet}: not built; run swift build -c release first")
    with tempfile.TemporaryDirectory(prefix="stet-upscale-bench-") as tmp:
        if not args.no_quality:
            files, table = quality(args, tmp)
            print(f"Quality: {len(files)} photographs from {args.test_dir} "
                  f"(not used in training); PSNR/SSIM on Y (BT.601), scale pixels shaved; time = median per image")
            for s, rows in table.items():
                fixed = {k: v for k, v in rows.items() if not k.startswith("Stet") and not k.startswith("bicubic")}
                best = max(fixed, key=lambda k: np.mean([r[0] for r in fixed[k]]))
                best_p = np.mean([r[0] for r in fixed[best]])
                print(f"\n| x{s} method | Y-PSNR (dB) | SSIM | vs best fixed-kernel peer | median time (ms) |")
                print("|---|---:|---:|---:|---:|")
                for name, r in rows.items():
                    p = np.mean([x[0] for x in r]); q = np.mean([x[1] for x in r])
                    t = statistics.median([x[2] for x in r]) * 1000
                    print(f"| {name} | {p:.3f} | {q:.4f} | {p - best_p:+.3f} dB | {t:.1f} |")
                print(f"\nBest fixed-kernel peer at x{s}: {best}")
        if not args.no_speed:
            res = speed(args, tmp)
            print("\nSpeed: 1024x1024 RGB -> 2048x2048 (x2) or 4096x4096 (x4), whole command, median of "
                  f"{args.runs} interleaved runs at x2, {max(1, args.runs // 3)} at x4")
            print("| output | command | median (s) | best (s) | median / vips resize | MP/s (output, median) | peak RSS (MB) |")
            print("|---|---|---:|---:|---:|---:|---:|")
            for ext, k, med, best, ratio, mps, mb in res:
                print(f"| {ext} | {k} | {med:.3f} | {best:.3f} | {ratio:.2f} | {mps:.1f} | {mb:.0f} |")


if __name__ == "__main__":
    main()
