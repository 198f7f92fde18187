#!/usr/bin/env python3
"""Clip upscale x2: Stet against ffmpeg's Lanczos, quality and speed, in one run.

Quality: for each held-out photograph (odd-numbered CSun_Hays80, which no weights saw), a
2 s, 25 fps, 960x540 ground-truth clip panning across it (H.264 lossless, 4:2:0), shrunk to
480x270 (ffmpeg bicubic, lossless) as the input. Both enlarge it x2 and encode H.264 CRF 18
(`preset fast`): Stet with `stet upscale --scale 2`, the peer with `scale=960:540:flags=lanczos`.
Y-PSNR of every output frame against the ground truth (2-pixel border shaved), mean per clip.
The photographs are 1024 px wide, so quality is measured at 270p -> 540p.

Speed: a 4 s 960x540 clip (one photograph, panning) enlarged to 1920x1080 by each, RUNS
alternating runs; median wall seconds and frames per second; peak memory (max RSS).

    python3 Benchmarks/video/upscale.py STET_BINARY WORKDIR [--photos N] [--runs R]
"""
import argparse, glob, json, os, resource, subprocess, sys, time

import numpy as np


def run(cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def timed(cmd):
    """Wall seconds and the child's peak RSS (MB) of one run."""
    start = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, _, usage = os.wait4(p.pid, 0)
    return time.monotonic() - start, usage.ru_maxrss / 1024


def frames_y(path, w, h):
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "gray", "-"],
                         check=True, stdout=subprocess.PIPE).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, h, w).astype(np.float64)


def psnr(a, b, shave=2):
    a, b = a[:, shave:-shave, shave:-shave], b[:, shave:-shave, shave:-shave]
    mse = ((a - b) ** 2).mean(axis=(1, 2))
    return float(np.mean(10 * np.log10(255 ** 2 / np.maximum(mse, 1e-10))))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("stet")
    ap.add_argument("work")
    ap.add_argument("--photos", type=int, default=8)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--data", default=os.environ.get("STET_DATASETS", "/work/shared/datasets"))
    ap.add_argument("--no-speed", action="store_true", help="quality only (a debug build's speed means nothing)")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    photos = sorted(glob.glob(f"{a.data}/train/CSun_Hays80/*.jpg"))[1::2][: a.photos]
    rows = []
    for i, photo in enumerate(photos):
        gt, small = f"{a.work}/gt{i}.mp4", f"{a.work}/in{i}.mp4"
        run(["ffmpeg", "-v", "error", "-y", "-loop", "1", "-framerate", "25", "-t", "2", "-i", photo, "-vf",
             "scale=1024:-2,crop=960:540:x='(iw-960)*n/49':y='(ih-540)/2',format=yuv420p",
             "-c:v", "libx264", "-qp", "0", "-preset", "veryfast", gt])
        run(["ffmpeg", "-v", "error", "-y", "-i", gt, "-vf", "scale=480:270:flags=bicubic", "-c:v", "libx264",
             "-qp", "0", "-preset", "veryfast", small])
        run([a.stet, "upscale", small, "--scale", "2", "-o", f"{a.work}/stet{i}.mp4", "--no-log", "-q"])
        run(["ffmpeg", "-v", "error", "-y", "-i", small, "-vf", "scale=960:540:flags=lanczos", "-c:v", "libx264",
             "-crf", "18", "-preset", "fast", f"{a.work}/lz{i}.mp4"])
        truth = frames_y(gt, 960, 540)
        rows.append({"photo": os.path.basename(photo),
                     "stet": psnr(frames_y(f"{a.work}/stet{i}.mp4", 960, 540), truth),
                     "lanczos": psnr(frames_y(f"{a.work}/lz{i}.mp4", 960, 540), truth)})
        print(f"{rows[-1]['photo']:45s} stet {rows[-1]['stet']:.2f} dB  ffmpeg lanczos {rows[-1]['lanczos']:.2f} dB",
              flush=True)
    mean_s = float(np.mean([r["stet"] for r in rows])); mean_l = float(np.mean([r["lanczos"] for r in rows]))
    print(f"mean Y-PSNR over {len(rows)} clips: stet {mean_s:.2f} dB, ffmpeg lanczos {mean_l:.2f} dB "
          f"({mean_s - mean_l:+.2f} dB)")

    if a.no_speed:
        json.dump({"quality": rows, "mean": {"stet": mean_s, "lanczos": mean_l}}, open(f"{a.work}/upscale-results.json", "w"), indent=1)
        return
    # Speed at 540p -> 1080p.
    clip = f"{a.work}/speed540.mp4"
    run(["ffmpeg", "-v", "error", "-y", "-loop", "1", "-framerate", "25", "-t", "4", "-i", photos[0], "-vf",
         "scale=1024:-2,crop=960:540:x='(iw-960)*n/99':y='(ih-540)/2',format=yuv420p",
         "-c:v", "libx264", "-crf", "18", "-preset", "veryfast", clip])
    cmds = {"stet": [a.stet, "upscale", clip, "--scale", "2", "-o", f"{a.work}/speed-stet.mp4", "--no-log", "-q"],
            "ffmpeg lanczos": ["ffmpeg", "-v", "error", "-y", "-i", clip, "-vf", "scale=1920:1080:flags=lanczos",
                               "-c:v", "libx264", "-crf", "18", "-preset", "fast", f"{a.work}/speed-lz.mp4"]}
    times = {k: [] for k in cmds}; rss = {k: 0.0 for k in cmds}
    for _ in range(a.runs):
        for k, c in cmds.items():
            t, m = timed(c)
            times[k].append(t); rss[k] = max(rss[k], m)
    med = {k: float(np.median(v)) for k, v in times.items()}
    for k in cmds:
        print(f"{k:15s} 540p->1080p, 100 frames: median {med[k]:.2f} s wall ({100 / med[k]:.1f} frames/s), "
              f"peak RSS {rss[k]:.0f} MB")
    print(f"ratio stet / ffmpeg lanczos: {med['stet'] / med['ffmpeg lanczos']:.2f}x")
    json.dump({"quality": rows, "mean": {"stet": mean_s, "lanczos": mean_l}, "speed": {"median_s": med, "peak_rss_mb": rss}},
              open(f"{a.work}/upscale-results.json", "w"), indent=1)


if __name__ == "__main__":
    main()
