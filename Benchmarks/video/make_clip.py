#!/usr/bin/env python3
"""Makes a test clip from photographs: shots that pan, zoom or hold over a photograph, joined by
hard cuts or linear cross-fades at known frames. Frames are composed here (OpenCV, NumPy) and
piped raw to the ffmpeg program for encoding (H.264 CRF 18, with a 440 Hz tone as AAC audio),
so every scene start is known exactly. Prints the ground truth as JSON, frames 0-based:

  make_clip.py OUT.mp4 PHOTO... [--size 640x360] [--fps 25] [--seed 3] [--shots 8] [--fades 0.4]

A cut's scene starts at the new shot's first frame. A cross-fade over D frames (frames
O..O+D-1 blend A into B with weights 1/(D+1) .. D/(D+1)) starts its scene at O + D//2."""
import argparse, json, random, subprocess, sys
import cv2
import numpy as np

def shot_frames(img, n, w, h, motion, rng):
    """n frames of a w x h window moving over img (covering it at 1.4x)."""
    ih, iw = img.shape[:2]
    s = max(1.4 * w / iw, 1.4 * h / ih)
    big = cv2.resize(img, (int(iw * s + 0.5), int(ih * s + 0.5)), interpolation=cv2.INTER_AREA)
    bh, bw = big.shape[:2]
    if motion == "pan":
        (x0, y0), (x1, y1) = rng.choice([((0, .5), (1, .5)), ((1, .5), (0, .5)), ((.5, 0), (.5, 1)), ((0, 0), (1, 1))])
    for k in range(n):
        t = k / max(n - 1, 1)
        if motion == "pan":
            x = (x0 + (x1 - x0) * t) * (bw - w); y = (y0 + (y1 - y0) * t) * (bh - h)
            m = np.float32([[1, 0, -x], [0, 1, -y]])
            yield cv2.warpAffine(big, m, (w, h), flags=cv2.INTER_LINEAR)
        elif motion == "zoom":
            z = 1 + 0.35 * t
            cw, ch = bw / 1.4 / z * 1.0, bh / 1.4 / z
            cx, cy = bw / 2, bh / 2
            sx, sy = w / cw, h / ch
            m = np.float32([[sx, 0, -(cx - cw / 2) * sx], [0, sy, -(cy - ch / 2) * sy]])
            yield cv2.warpAffine(big, m, (w, h), flags=cv2.INTER_LINEAR)
        else:
            yield big[(bh - h) // 2:(bh - h) // 2 + h, (bw - w) // 2:(bw - w) // 2 + w]

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out"); ap.add_argument("photos", nargs="+")
    ap.add_argument("--size", default="640x360"); ap.add_argument("--fps", type=int, default=25)
    ap.add_argument("--seed", type=int, default=1); ap.add_argument("--shots", type=int, default=6)
    ap.add_argument("--min-frames", type=int, default=30); ap.add_argument("--max-frames", type=int, default=90)
    ap.add_argument("--fades", type=float, default=0.4, help="share of joins that are cross-fades")
    ap.add_argument("--crf", type=int, default=18); ap.add_argument("--preset", default="veryfast")
    a = ap.parse_args()
    w, h = map(int, a.size.split("x"))
    rng = random.Random(a.seed)
    photos = rng.sample(a.photos, min(a.shots, len(a.photos)))
    while len(photos) < a.shots: photos.append(rng.choice(a.photos))
    enc = subprocess.Popen(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
                            "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", f"{w}x{h}", "-r", str(a.fps), "-i", "-",
                            "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
                            "-map", "0:v", "-map", "1:a", "-c:v", "libx264", "-preset", a.preset, "-crf", str(a.crf),
                            "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "96k", "-shortest", a.out],
                           stdin=subprocess.PIPE)
    starts, total, shots = [], 0, []
    tail = None  # the previous shot's last frames, held back for a cross-fade
    for i, p in enumerate(photos):
        img = cv2.imread(p, cv2.IMREAD_COLOR)
        n = rng.randint(a.min_frames, a.max_frames)
        motion = rng.choice(["pan", "pan", "zoom", "hold"])
        shots.append({"photo": p, "frames": n, "motion": motion})
        frames = list(shot_frames(img, n, w, h, motion, rng))
        if i > 0 and rng.random() < a.fades:
            d = min(rng.choice([8, 12, 16, 20]), n - 4, len(tail))
            # The last d frames of A dissolve into the first d frames of B.
            keep = tail[:len(tail) - d]
            for f in keep: enc.stdin.write(f.tobytes())
            total += len(keep)
            for k in range(d):
                wgt = (k + 1) / (d + 1)
                mix = tail[len(tail) - d + k].astype(np.float32) * (1 - wgt) + frames[k].astype(np.float32) * wgt
                enc.stdin.write(np.clip(mix + 0.5, 0, 255).astype(np.uint8).tobytes())
            starts.append({"frame": total + d // 2, "kind": "fade", "length": d})
            total += d
            frames = frames[d:]
        elif i > 0:
            for f in tail: enc.stdin.write(f.tobytes())
            total += len(tail)
            starts.append({"frame": total, "kind": "cut"})
        tail = frames
    for f in tail: enc.stdin.write(f.tobytes())
    total += len(tail)
    enc.stdin.close()
    if enc.wait() != 0: sys.exit("ffmpeg failed")
    json.dump({"clip": a.out, "frames": total, "fps": a.fps, "size": a.size, "shots": shots, "scenes": starts},
              sys.stdout, indent=1)
    print()

main()
