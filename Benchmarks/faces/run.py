#!/usr/bin/env python3
"""Reframe on real photographs of people: the share of crops that keep every face.

    swift build -c release --scratch-path .build-reframe          # at the top level
    python3 Benchmarks/faces/run.py [--stet PATH] [--data ../shared/datasets] [--detail]

Test set: `faces.json` beside this file, face boxes for the people photographs in
`people-train/` (17) and CBSD68 (11 with a visible face), drafted with OpenCV's Haar detector at
full size and checked and corrected by eye. Split in name order, alternately, into a tuning half
(the detector's and the framing's settings were chosen on it) and a held-out half (see the
README for how often it was looked at).

Each photograph (made upright by `vips autorot`, written as PNG so every method reads the same
pixels) is cropped to 9:16, 4:5 and 1:1 if it is landscape (or square), 16:9, 1.91:1 and 1:1 if
portrait, at the largest window of that ratio the photograph holds. A crop keeps the faces when
it holds every face box whole, or, where no window of that size can hold them all, the largest
one; "whole" allows 5% of a box's side outside the window on any edge, for the annotation's own
imprecision. Crops whose window cannot hold even the largest face (a close portrait cut to
1.91:1) are not counted, and the count of them is printed. Methods: `stet reframe --mode crop` with the default focus (auto: faces first) and
with `--focus attention` (what Stet did before), `vips smartcrop --interesting attention` (its
window found by matching its output in the input pixel for pixel) and the centre crop.

Also prints the detector's recall and false detections against the boxes (a detection matches
a box when one's centre lies inside the other), and the time `stet reframe --dry-run` takes
with and without face detection on a 12 MP photograph (the median difference is the detector's
cost, its two resized copies and the reading of the network included).
"""
import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
LANDSCAPE = ["9:16", "4:5", "1:1"]
PORTRAIT = ["16:9", "1.91:1", "1:1"]


def header(path):
    out = subprocess.run(["vipsheader", "-a", path], capture_output=True, text=True, check=True).stdout
    fields = dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)
    return int(fields["width"]), int(fields["height"]), int(fields["bands"])


def pixels(path):
    w, h, b = header(path)
    with tempfile.NamedTemporaryFile(suffix=".raw") as raw:
        subprocess.run(["vips", "rawsave", path, raw.name], check=True)
        return np.fromfile(raw.name, dtype=np.uint8).reshape(h, w, b)


def find_window(src, out):
    """Where libvips cut `out` from `src`: one side is the whole image, so one offset to find."""
    H, W = src.shape[:2]; h, w = out.shape[:2]
    if h == H:
        for x in range(W - w + 1):
            if np.array_equal(src[:, x:x + w], out):
                return (x, 0, w, h)
    else:
        for y in range(H - h + 1):
            if np.array_equal(src[y:y + h], out):
                return (0, y, w, h)
    raise RuntimeError("vips window not found")


def whole(box, win, slack=0.05):
    x, y, w, h = box; X, Y, W, H = win
    sx, sy = slack * w, slack * h
    return x >= X - sx and y >= Y - sy and x + w <= X + W + sx and y + h <= Y + H + sy


def possible(boxes, w, h):
    """Whether a window of w x h can hold the largest face at all (with the same slack)."""
    b = max(boxes, key=lambda b: b[2] * b[3])
    return b[2] * 0.9 <= w and b[3] * 0.9 <= h


def keeps_faces(boxes, win):
    """Every face whole; or, where no window of this size holds them all, the largest."""
    x0 = min(b[0] for b in boxes); y0 = min(b[1] for b in boxes)
    x1 = max(b[0] + b[2] for b in boxes); y1 = max(b[1] + b[3] for b in boxes)
    if x1 - x0 <= win[2] and y1 - y0 <= win[3]:
        return all(whole(b, win) for b in boxes)
    return whole(max(boxes, key=lambda b: b[2] * b[3]), win)


def centre_in(a, b):
    cx, cy = a[0] + a[2] / 2, a[1] + a[3] / 2
    return b[0] <= cx <= b[0] + b[2] and b[1] <= cy <= b[1] + b[3]


def stet_plan(stet, path, ratios, focus=None):
    cmd = [stet, "reframe", path, "--to", ",".join(ratios), "--mode", "crop", "--dry-run", "--no-log"]
    if focus:
        cmd += ["--focus", focus]
    return json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)


def evaluate(stet, data, names, boxes, work, detail):
    methods = ["stet", "stet-attention", "vips", "centre"]
    ok = {m: 0 for m in methods}
    crops = impossible = 0
    found = matched = false_pos = total_faces = 0
    for name in names:
        src = os.path.join(data, name)
        png = os.path.join(work, os.path.basename(name).rsplit(".", 1)[0] + ".png")
        subprocess.run(["vips", "autorot", src, png], check=True)
        img = pixels(png)
        H, W = img.shape[:2]
        ratios = LANDSCAPE if W >= H else PORTRAIT
        plans = {"stet": stet_plan(stet, png, ratios), "stet-attention": stet_plan(stet, png, ratios, "attention")}
        faces = [[f["box"]["x"], f["box"]["y"], f["box"]["width"], f["box"]["height"]] for f in plans["stet"]["faces"]]
        truth = boxes[name]
        total_faces += len(truth); found += len(faces)
        matched += sum(any(centre_in(t, f) or centre_in(f, t) for f in faces) for t in truth)
        false_pos += sum(not any(centre_in(t, f) or centre_in(f, t) for t in truth) for f in faces)
        for i, ratio in enumerate(ratios):
            wins = {}
            for m in ("stet", "stet-attention"):
                c = plans[m]["targets"][i]["crop"]
                wins[m] = (c["x"], c["y"], c["width"], c["height"])
            cw, ch = wins["stet"][2], wins["stet"][3]
            out = os.path.join(work, "vips-out.png")
            subprocess.run(["vips", "smartcrop", png, out, str(cw), str(ch), "--interesting", "attention"], check=True)
            wins["vips"] = find_window(img, pixels(out))
            wins["centre"] = ((W - cw) // 2, (H - ch) // 2, cw, ch)
            if not possible(truth, cw, ch):
                impossible += 1
                if detail:
                    print(f"    {name} {ratio}: no {cw}x{ch} window holds the largest face; not counted")
                continue
            crops += 1
            row = []
            for m in methods:
                k = keeps_faces(truth, wins[m])
                ok[m] += k
                row.append(f"{m}={'ok' if k else 'CUT'}")
            if detail:
                print(f"    {name} {ratio}: " + " ".join(row))
    return ok, crops, impossible, (matched, total_faces, false_pos, found)


def detection_time(stet, work, runs):
    """Median wall time of `stet reframe --dry-run` on a 12 MP photograph, with and without faces."""
    big = os.path.join(work, "big.jpg")
    # A real photograph of people enlarged to 4000x3000 (12 MP), JPEG q90.
    subprocess.run(["vips", "resize", os.path.join(work, "two_people.png"), big + "[Q=90]", str(4000 / 1126),
                    "--vscale", str(3000 / 661)], check=True)
    times = {"auto": [], "attention": []}
    cpu = {"auto": [], "attention": []}
    for _ in range(runs):
        for focus in times:
            c0 = os.times()
            t0 = time.perf_counter()
            subprocess.run([stet, "reframe", big, "--to", "9:16", "--dry-run", "--no-log", "--focus", focus],
                           capture_output=True, check=True)
            times[focus].append(time.perf_counter() - t0)
            c1 = os.times()
            cpu[focus].append(c1.children_user - c0.children_user + c1.children_system - c0.children_system)
    return ({k: statistics.median(v) for k, v in times.items()}, {k: statistics.median(v) for k, v in cpu.items()})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stet", default=os.path.join(here, "..", "..", ".build-reframe", "release", "stet"))
    ap.add_argument("--data", default=os.path.join(here, "..", "..", "..", "shared", "datasets"))
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--detail", action="store_true")
    ap.add_argument("--only", choices=["tune", "held-out"])
    a = ap.parse_args()
    stet = os.path.abspath(a.stet)
    data = os.path.abspath(a.data)
    boxes = json.load(open(os.path.join(here, "faces.json")))["images"]
    names = sorted(boxes)
    halves = {"tune": names[0::2], "held-out": names[1::2]}
    with tempfile.TemporaryDirectory(prefix="stet-faces-bench-") as work:
        for half, subset in halves.items():
            if a.only and half != a.only:
                continue
            ok, crops, impossible, (matched, total, fp, found) = evaluate(stet, data, subset, boxes, work, a.detail)
            print(f"== {half}: {len(subset)} photographs, {total} faces, {crops} crops"
                  f" ({impossible} more where no window of the ratio can hold the largest face, not counted)")
            print(f"  detector: {matched}/{total} faces found, {fp} false detections of {found}")
            for m, label in (("stet", "stet reframe (focus auto)"), ("stet-attention", "stet reframe --focus attention"),
                             ("vips", "vips smartcrop attention"), ("centre", "centre crop")):
                print(f"  {label:32} {ok[m]:3d}/{crops}  {100 * ok[m] / crops:5.1f}% of crops keep the faces")
        if not a.only:
            subprocess.run(["vips", "autorot", os.path.join(data, "people-train/two_people.jpg"),
                            os.path.join(work, "two_people.png")], check=True)
            t, c = detection_time(stet, work, a.runs)
            print(f"== 12 MP photograph, stet reframe --dry-run, median of {a.runs}: focus auto {t['auto'] * 1000:.0f} ms wall"
                  f" {c['auto'] * 1000:.0f} ms CPU, focus attention {t['attention'] * 1000:.0f} ms wall {c['attention'] * 1000:.0f} ms CPU;"
                  f" detection adds {(t['auto'] - t['attention']) * 1000:.0f} ms wall, {(c['auto'] - c['attention']) * 1000:.0f} ms CPU")


if __name__ == "__main__":
    main()
