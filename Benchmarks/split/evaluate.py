#!/usr/bin/env python3
"""`stet split --auto` on real photographs: single photographs must not be cut, and synthetic
grids made from photographs must be cut exactly.

Protocol (Benchmarks/split/README.md): the photographs of CBSD68 and CSun_Hays80 (read in place,
never copied) are sorted by name within each set and split by position: even positions are the
tuning half, odd positions the held-out half. From each half:

- every photograph alone is given to `stet split --auto`; any cut (exit 0) is a false grid;
- grids are built from that half's photographs only, in four layouts (2x2, 3x2, 2x3, 4x1) and
  three kinds:
  * `seam`:   pictures abutting with no gutter, column widths and row heights drawn +-12% around
              a base size (never exact halves), PNG or JPEG q90;
  * `gutter`: equal pictures with a uniform gutter (2-24 px) of a drawn colour (white, black,
              grey, dark green, a random colour), with or without a border of another width;
  * `sheet`:  `stet grid` contact sheets of mixed portraits and landscapes, labels index/name/none,
              backgrounds white, #202020, black, grey, gap 0-16 px.
  A grid counts as cut exactly when `split --auto` returns as many cells as the truth and every
  cell edge is within 2 px of it. The truth is the cell rectangle as built: for `seam` and
  `gutter` the picture, for `sheet` the cell square of the sheet's map (`cells[].cell`).

Needs only the `vips` command (libvips-tools) and a built `stet`:

    python3 Benchmarks/split/evaluate.py --stet .build/debug/stet --half held-out
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile

DATA = "/work/shared/datasets/train"
SETS = ["CBSD68", "CSun_Hays80"]
LAYOUTS = [(2, 2), (3, 2), (2, 3), (4, 1)]
GUTTER_COLOURS = [(255, 255, 255), (0, 0, 0), (128, 128, 128), (20, 70, 30), None]
SHEET_BACKGROUNDS = ["#202020", "white", "black", "#808080"]


def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True)


REUSE = False       # --reuse: the grids of an earlier run with the same half and counts are on disk


def vips(*args):
    if REUSE:
        return
    r = run(["vips"] + [str(a) for a in args])
    if r.returncode != 0:
        sys.exit(f"vips {' '.join(map(str, args))}: {r.stderr.strip()}")


def header(path):
    out = run(["vipsheader", path]).stdout.split()
    w, h = out[1].split("x")
    return int(w), int(h)


def photos(half):
    chosen = []
    for s in SETS:
        d = os.path.join(DATA, s)
        names = sorted(n for n in os.listdir(d) if n.lower().endswith((".png", ".jpg", ".jpeg")))
        chosen += [os.path.join(d, n) for i, n in enumerate(names) if i % 2 == (0 if half == "tune" else 1)]
    return chosen


def fitted(src, w, h, out):
    """`src` resized and centre-cropped to exactly w x h (a fresh picture for one cell)."""
    vips("thumbnail", src, out, w, "--height", h, "--crop", "centre", "--size", "both")
    return out


def join_grid(cells, cols, out, shim=0, background=(255, 255, 255)):
    """Rows joined left to right, then stacked; a shim of `background` between cells."""
    rows = [cells[i:i + cols] for i in range(0, len(cells), cols)]
    tmp = out + ".row%d.v"
    row_files = []
    bg = " ".join(map(str, background))
    for r, row in enumerate(rows):
        acc = row[0]
        for k, c in enumerate(row[1:]):
            nxt = f"{out}.r{r}c{k}.v"
            vips("join", acc, c, nxt, "horizontal", "--shim", shim, "--background", bg)
            acc = nxt
        row_files.append(acc)
    acc = row_files[0]
    for k, r in enumerate(row_files[1:]):
        nxt = f"{out}.j{k}.v"
        vips("join", acc, r, nxt, "vertical", "--shim", shim, "--background", bg)
        acc = nxt
    vips("copy", acc, out)
    for f in os.listdir(os.path.dirname(out)):
        if f.endswith(".v"):
            os.remove(os.path.join(os.path.dirname(out), f))
    return out


def make_seam(rng, pool, cols, rows, work, n):
    base_w, base_h = rng.choice([(320, 240), (300, 300), (256, 340), (400, 300)])
    ws = [int(base_w * rng.uniform(0.88, 1.12)) for _ in range(cols)]
    hs = [int(base_h * rng.uniform(0.88, 1.12)) for _ in range(rows)]
    picks = rng.sample(pool, cols * rows)
    cells, truth = [], []
    y = 0
    for r in range(rows):
        x = 0
        for c in range(cols):
            cells.append(fitted(picks[r * cols + c], ws[c], hs[r], os.path.join(work, f"s{n}-{r}-{c}.png")))
            truth.append((x, y, ws[c], hs[r]))
            x += ws[c]
        y += hs[r]
    ext = rng.choice([".png", ".jpg"])
    out = join_grid(cells, cols, os.path.join(work, f"seam{n}{ext}" + ("[Q=90]" if ext == ".jpg" else "")))
    return out.split("[")[0], truth, f"seam {cols}x{rows} {ext[1:]}"


def make_gutter(rng, pool, cols, rows, work, n):
    w, h = rng.choice([(300, 300), (320, 240), (240, 320), (384, 256)])
    gutter = rng.choice([2, 4, 6, 10, 16, 24])
    colour = rng.choice(GUTTER_COLOURS) or tuple(rng.randrange(256) for _ in range(3))
    border = rng.choice([0, 0, 5, 12, 30])
    picks = rng.sample(pool, cols * rows)
    cells = [fitted(p, w, h, os.path.join(work, f"g{n}-{i}.png")) for i, p in enumerate(picks)]
    ext = rng.choice([".png", ".jpg"])
    path = os.path.join(work, f"gutter{n}{ext}")
    inner = join_grid(cells, cols, os.path.join(work, f"gutter{n}-inner.png"), gutter, colour)
    iw, ih = header(inner)
    vips("embed", inner, path + ("[Q=90]" if ext == ".jpg" else ""), border, border, iw + 2 * border,
         ih + 2 * border, "--extend", "background", "--background", " ".join(map(str, colour)))
    truth = [(border + c * (w + gutter), border + r * (h + gutter), w, h) for r in range(rows) for c in range(cols)]
    return path, truth, f"gutter {cols}x{rows} g{gutter} b{border} rgb{colour} {ext[1:]}"


def make_sheet(rng, pool, cols, rows, work, n, stet):
    portraits = [p for p in pool if header(p)[1] > header(p)[0]]
    landscapes = [p for p in pool if header(p)[0] >= header(p)[1]]
    count = cols * rows
    k = rng.randint(1, count - 1)           # always both kinds in one sheet
    picks = rng.sample(portraits, min(k, len(portraits)))
    picks += rng.sample(landscapes, count - len(picks))
    rng.shuffle(picks)
    cell = rng.choice([200, 256, 300, 384])
    gap = rng.choice([2, 4, 8, 8, 12, 16])
    labels = rng.choice(["index", "name", "none", "index"])
    bg = rng.choice(SHEET_BACKGROUNDS)
    ext = rng.choice([".png", ".jpg"])
    path = os.path.join(work, f"sheet{n}{ext}")
    r = subprocess.CompletedProcess([], 0) if REUSE else run([stet, "grid", *picks, "-o", path, "--cols", str(cols), "--cell", str(cell), "--gap", str(gap),
             "--labels", labels, "--background", bg, "--no-log"])
    if r.returncode != 0:
        sys.exit(f"stet grid: {r.stderr.strip()}")
    with open(os.path.splitext(path)[0] + ".json") as f:
        m = json.load(f)
    truth = [(c["cell"]["x"], c["cell"]["y"], c["cell"]["width"], c["cell"]["height"]) for c in m["cells"]]
    return path, truth, f"sheet {cols}x{rows} cell{cell} gap{gap} {labels} {bg} {ext[1:]}"


def split(stet, path, work):
    out = os.path.join(work, "cells")
    r = run([stet, "split", path, "--auto", "--out", out, "--no-log"])
    for f in os.listdir(out) if os.path.isdir(out) else []:
        os.remove(os.path.join(out, f))
    if r.returncode != 0:
        return None, r.stderr.strip()
    rects = []
    for line in r.stdout.splitlines():
        parts = line.split("\t")
        if len(parts) < 3:
            continue
        x, y = map(int, parts[1].split(","))
        w, h = map(int, parts[2].split("x"))
        rects.append((x, y, w, h))
    return rects, ""


def exact(rects, truth, tol=2):
    if rects is None or len(rects) != len(truth):
        return False
    for (x, y, w, h), (tx, ty, tw, th) in zip(rects, truth):
        if max(abs(x - tx), abs(y - ty), abs(x + w - tx - tw), abs(y + h - ty - th)) > tol:
            return False
    return True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stet", default=".build/debug/stet")
    ap.add_argument("--half", choices=["tune", "held-out"], default="held-out")
    ap.add_argument("--grids", type=int, default=3, help="grids per layout and kind")
    ap.add_argument("--work", default=None, help="folder for the generated grids (default: a temporary one)")
    ap.add_argument("--skip-photos", action="store_true")
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--reuse", action="store_true", help="reuse the grids an earlier run left in --work")
    a = ap.parse_args()
    global REUSE
    REUSE = a.reuse and a.work is not None
    stet = os.path.abspath(a.stet)
    pool = photos(a.half)
    work = a.work or tempfile.mkdtemp(prefix="stet-split-eval-")
    os.makedirs(work, exist_ok=True)

    if not a.skip_photos:
        cut = []
        for p in pool:
            rects, _ = split(stet, p, work)
            if rects is not None:
                cut.append((p, len(rects)))
        print(f"single photographs ({a.half}): {len(cut)} of {len(pool)} wrongly cut")
        for p, n in cut:
            print(f"  cut into {n}: {p}")

    rng = random.Random(13 if a.half == "tune" else 31)
    results = {}
    n = 0
    for cols, rows in LAYOUTS:
        for kind in ["seam", "gutter", "sheet"]:
            for _ in range(a.grids):
                n += 1
                if kind == "seam":
                    path, truth, desc = make_seam(rng, pool, cols, rows, work, n)
                elif kind == "gutter":
                    path, truth, desc = make_gutter(rng, pool, cols, rows, work, n)
                else:
                    path, truth, desc = make_sheet(rng, pool, cols, rows, work, n, stet)
                rects, err = split(stet, path, work)
                ok = exact(rects, truth)
                results.setdefault(kind, []).append(ok)
                if a.verbose or not ok:
                    print(f"  {'ok  ' if ok else 'MISS'} {desc}: {err or rects} truth {truth}")
    total = sum(sum(v) for v in results.values())
    count = sum(len(v) for v in results.values())
    for kind, v in results.items():
        print(f"{kind:7s} grids ({a.half}): {sum(v)} of {len(v)} cut exactly")
    print(f"all grids ({a.half}): {total} of {count} cut exactly")


if __name__ == "__main__":
    main()
