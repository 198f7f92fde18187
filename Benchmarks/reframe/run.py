#!/usr/bin/env python3
"""Reframe benchmark: speed against libvips' smart crop, and subject kept against it.

    swift build -c release --scratch-path .build-reframe      # at the top level
    python3 Benchmarks/reframe/run.py [--stet PATH] [--runs 7] [--scenes 60]

Speed: one deterministic 12 MP JPEG (4000x3000, q90) to the 8 most used presets (YouTube 16:9,
Shorts/Reels/TikTok 9:16, Instagram square and portrait, X, LinkedIn, Pinterest, Open Graph):
`stet reframe --for ... --mode crop` (one process, one decode) against 8 separate
`vips thumbnail IN OUT W --height H --crop attention` calls (libvips' documented way to get
an exact-size attention crop; sharp's `resize(w, h, {position: "attention"})` is the same libvips
call). Median wall time over --runs, peak RSS from /usr/bin/time, and the ratio.

Quality: --scenes synthetic 1200x800 scenes with known subject boxes (1 or 2 figures, often off
centre or at an edge, 0-3 small bright distractors; see scenes.py), each cropped to the 8
presets' ratios at the largest window the source holds. For each (scene, target) the share of
the subject boxes' area inside the crop, for Stet (attention), `vips smartcrop --interesting
attention` (its window found by matching its output in the input) and the centre crop.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
from PIL import Image

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
import scenes  # noqa: E402

PRESETS = ["youtube", "shorts", "instagram-square", "instagram-portrait", "x", "linkedin", "pinterest", "og"]
SIZES = {"youtube": (1920, 1080), "shorts": (1080, 1920), "instagram-square": (1080, 1080),
         "instagram-portrait": (1080, 1350), "x": (1600, 900), "linkedin": (1200, 627),
         "pinterest": (1000, 1500), "og": (1200, 630)}


CPU = {}


def timed(cmd, key=None):
    """Wall seconds and peak RSS (MB) of one process; its CPU seconds (user + sys) add to CPU[key]."""
    t0 = time.perf_counter()
    r = subprocess.run(["/usr/bin/time", "-f", "%M %U %S"] + cmd, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{r.stderr}")
    m, u, s = r.stderr.strip().splitlines()[-1].split()
    if key:
        CPU.setdefault(key, []).append(float(u) + float(s))
    return dt, int(m) / 1024


def speed(stet, runs, work):
    big = os.path.join(work, "big.jpg")
    img = scenes.scene(4000, 3000, [(2700, 700, 600, 1900)], spots=[(500, 400, 120, 120)], seed=7)
    scenes.save(img, big, quality=90)
    out_s = os.path.join(work, "stet"); out_v = os.path.join(work, "vips")
    os.makedirs(out_v, exist_ok=True)
    stet_cmd = [stet, "reframe", big, "--for", ",".join(PRESETS), "--mode", "crop", "--out", out_s, "--no-log"]
    auto_cmd = [stet, "reframe", big, "--for", ",".join(PRESETS), "--out", out_s + "-auto", "--no-log"]
    results = {"stet": [], "stet-auto": [], "vips": []}
    rss = {"stet": 0, "stet-auto": 0, "vips": 0}
    timed(stet_cmd)  # warm the page cache
    for _ in range(runs):
        t, m = timed(stet_cmd, "stet"); results["stet"].append(t); rss["stet"] = max(rss["stet"], m)
        t, m = timed(auto_cmd, "stet-auto"); results["stet-auto"].append(t); rss["stet-auto"] = max(rss["stet-auto"], m)
        total = 0.0
        cpu0 = len(CPU.get("vips1", []))
        for p in PRESETS:
            w, h = SIZES[p]
            t, m = timed(["vips", "thumbnail", big, os.path.join(out_v, p + ".jpg"), str(w), "--height", str(h),
                          "--crop", "attention"], "vips1")
            total += t; rss["vips"] = max(rss["vips"], m)
        results["vips"].append(total)
        CPU.setdefault("vips", []).append(sum(CPU["vips1"][cpu0:]))
    # Same sizes from both.
    for p in PRESETS:
        a = Image.open(os.path.join(out_s, f"big-{p}.jpg")).size
        b = Image.open(os.path.join(out_v, p + ".jpg")).size
        assert a == b == SIZES[p], (p, a, b)
    med = {k: statistics.median(v) for k, v in results.items()}
    cpu = {k: statistics.median(CPU[k]) for k in ("stet", "stet-auto", "vips")}
    return med, rss, cpu


def largest_inside(sw, sh, w, h):
    r = w / h
    hh = round(sw / r)
    if hh <= sh:
        return sw, max(1, hh)
    return min(sw, max(1, round(sh * r))), sh


def find_window(src, out):
    """Where libvips cut `out` from `src` (exact pixels: PNG in, PNG out)."""
    H, W = src.shape[:2]; h, w = out.shape[:2]
    for y in range(H - h + 1) if h < H else [0]:
        for x in range(W - w + 1) if w < W else [0]:
            if np.array_equal(src[y, x:x + w], out[0]) and np.array_equal(src[y:y + h, x:x + w], out):
                return (x, y, w, h)
    raise RuntimeError("vips window not found")


def kept(boxes, win):
    x, y, w, h = win
    area = sum(b[2] * b[3] for b in boxes)
    inside = 0
    for (bx, by, bw, bh) in boxes:
        ix = max(0, min(bx + bw, x + w) - max(bx, x)); iy = max(0, min(by + bh, y + h) - max(by, y))
        inside += ix * iy
    return inside / area


def whole(boxes, win):
    """At least one subject entirely inside."""
    return any(kept([b], win) == 1 for b in boxes)


def quality(stet, n, work):
    rows = {"stet": [], "vips": [], "centre": []}
    wholes = {"stet": [], "vips": [], "centre": []}
    for i in range(n):
        img, boxes = scenes.random_scene(i)
        H, W = img.shape[:2]
        path = os.path.join(work, f"scene-{i}.png")
        scenes.save(img, path)
        r = subprocess.run([stet, "reframe", path, "--for", ",".join(PRESETS), "--mode", "crop", "--dry-run", "--no-log"],
                           capture_output=True, text=True, check=True)
        plan = json.loads(r.stdout)
        for t in plan["targets"]:
            c = t["crop"]
            sw = (c["x"], c["y"], c["width"], c["height"])
            cw, ch = c["width"], c["height"]
            assert (cw, ch) == largest_inside(W, H, *SIZES[t["target"]]), (t["target"], cw, ch)
            out = os.path.join(work, "vips-out.png")
            subprocess.run(["vips", "smartcrop", path, out, str(cw), str(ch), "--interesting", "attention"], check=True)
            vw = find_window(img, np.asarray(Image.open(out).convert("RGB")))
            cx = (W - cw) // 2; cy = (H - ch) // 2
            for name, win in (("stet", sw), ("vips", vw), ("centre", (cx, cy, cw, ch))):
                rows[name].append(kept(boxes, win)); wholes[name].append(whole(boxes, win))
    return ({k: float(np.mean(v)) for k, v in rows.items()}, {k: float(np.mean(v)) for k, v in wholes.items()},
            {k: float(np.min(v)) for k, v in rows.items()}, len(rows["stet"]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stet", default=os.path.join(here, "..", "..", ".build-reframe", "release", "stet"))
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--scenes", type=int, default=60)
    ap.add_argument("--skip-speed", action="store_true")
    ap.add_argument("--skip-quality", action="store_true")
    a = ap.parse_args()
    stet = os.path.abspath(a.stet)
    if not os.access(stet, os.X_OK):
        raise SystemExit(f"no stet at {stet}: swift build -c release --scratch-path .build-reframe")
    with tempfile.TemporaryDirectory(prefix="stet-reframe-bench-") as work:
        if not a.skip_speed:
            med, rss, cpu = speed(stet, a.runs, work)
            print(f"== speed: 12 MP JPEG (4000x3000) to 8 presets, median of {a.runs} runs (wall; CPU = user + sys)")
            print(f"  stet reframe --mode crop (1 process)     {med['stet']:.3f} s wall  {cpu['stet']:.3f} s CPU  peak RSS {rss['stet']:.0f} MB")
            print(f"  stet reframe --mode auto (1 process)     {med['stet-auto']:.3f} s wall  {cpu['stet-auto']:.3f} s CPU  peak RSS {rss['stet-auto']:.0f} MB")
            print(f"  8 x vips thumbnail --crop attention      {med['vips']:.3f} s wall  {cpu['vips']:.3f} s CPU  peak RSS {rss['vips']:.0f} MB (largest call)")
            print(f"  ratio 8 x vips / stet crop: {med['vips'] / med['stet']:.2f}x wall, {cpu['vips'] / cpu['stet']:.2f}x CPU;"
                  f"  / stet auto: {med['vips'] / med['stet-auto']:.2f}x wall, {cpu['vips'] / cpu['stet-auto']:.2f}x CPU")
        if not a.skip_quality:
            mean, wh, worst, count = quality(stet, a.scenes, work)
            print(f"== quality: {a.scenes} synthetic 1200x800 scenes x 8 preset ratios = {count} crops")
            print("  method                         mean subject kept   one subject whole   worst case")
            for k, label in (("stet", "stet (attention, mass)"), ("vips", "vips smartcrop attention"), ("centre", "centre crop")):
                print(f"  {label:30} {mean[k]:17.3f}   {wh[k] * 100:16.1f}%   {worst[k]:10.3f}")


if __name__ == "__main__":
    main()
