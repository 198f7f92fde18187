#!/usr/bin/env python3
"""Corpus sweep for issue 14: Stet's `draft` against `vipsthumbnail` on the same damaged files.

Makes a corpus of damaged and edge-case files in a temporary folder from Stet's own fixtures
and the `vips` CLI (nothing binary is committed), runs every file twice through each tool, and
prints a Markdown table of accepted, rejected, flips, leftovers, crashes, hangs and inputs
changed per tool.

    python3 Benchmarks/corpus/sweep.py [--stet PATH] [--csv results.csv] [--keep DIR]

Python 3 standard library only; needs `vips` and `vipsthumbnail` (libvips-tools) on PATH.
"""
import argparse
import csv
import hashlib
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIX = os.path.join(ROOT, "Fixtures")
TIMEOUT = 20
RUNS = 2
# Fractions of the file kept; a format-specific "just before the end marker" cut is added.
FRACTIONS = [0.01, 0.05, 0.10, 0.25, 0.40, 0.50, 0.60, 0.75, 0.90, 0.95, 0.99]


def vips(*args):
    subprocess.run(["vips", *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def png_chunks(data):
    """(offset, type, length) of each chunk of a PNG."""
    pos, out = 8, []
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        out.append((pos, data[pos + 4:pos + 8], length))
        pos += 12 + length
    return out


def png_set_size(data, w, h):
    """The PNG with IHDR width/height patched and its CRC recomputed (a valid header bomb)."""
    b = bytearray(data)
    b[16:24] = struct.pack(">II", w, h)
    b[29:33] = struct.pack(">I", zlib.crc32(bytes(b[12:29])) & 0xFFFFFFFF)
    return bytes(b)


def jpeg_set_size(data, w, h):
    """The JPEG with the first SOFn frame's height/width patched."""
    b = bytearray(data)
    pos = 2
    while pos + 4 <= len(b):
        marker = b[pos + 1]
        (length,) = struct.unpack(">H", b[pos + 2:pos + 4])
        if marker in (0xC0, 0xC1, 0xC2):
            b[pos + 5:pos + 9] = struct.pack(">HH", h, w)
            return bytes(b)
        pos += 2 + length
    raise ValueError("no SOF marker")


def gif_set_size(data, w, h):
    """The GIF with the logical screen and the first image descriptor's size patched."""
    b = bytearray(data)
    b[6:10] = struct.pack("<HH", w, h)
    flags = b[10]
    pos = 13 + (3 * (2 << (flags & 7)) if flags & 0x80 else 0)
    while pos < len(b):
        if b[pos] == 0x21:  # extension: skip its sub-blocks
            pos += 2
            while b[pos]:
                pos += b[pos] + 1
            pos += 1
        elif b[pos] == 0x2C:
            b[pos + 5:pos + 9] = struct.pack("<HH", w, h)
            break
        else:
            break
    return bytes(b)


def make_corpus(d):
    """Write the corpus into d; returns a list of (filename, kind)."""
    items = []

    def put(name, data, kind):
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
        items.append((name, kind))

    src = os.path.join(d, ".src")
    os.mkdir(src)
    photo = os.path.join(FIX, "candidate-1.jpg")
    made = {
        "baseline.jpg": photo,
        "progressive.jpg": None,
        "plain.png": None,
        "interlaced.png": None,
        "lossy.webp": None,
        "lossless.webp": None,
        "image.gif": None,
    }
    vips("jpegsave", photo, os.path.join(src, "progressive.jpg"), "--interlace")
    vips("copy", photo, os.path.join(src, "plain.png"))
    vips("copy", photo, os.path.join(src, "interlaced.png") + "[interlace]")
    vips("copy", photo, os.path.join(src, "lossy.webp") + "[Q=80]")
    vips("copy", photo, os.path.join(src, "lossless.webp") + "[lossless]")
    vips("copy", photo, os.path.join(src, "image.gif"))
    raw = {}
    for name, path in made.items():
        with open(path or os.path.join(src, name), "rb") as f:
            raw[name] = f.read()
    for name in ("alpha.png", "rgb16.png"):
        with open(os.path.join(FIX, name), "rb") as f:
            raw[name] = f.read()

    # Intact controls: every source as it is.
    for name, data in raw.items():
        put("intact-" + name, data, "intact")

    # Truncations: 11 fractions plus just before the end marker (JPEG EOI = last 2 bytes,
    # PNG IEND chunk = last 12 bytes, WebP has none: last byte dropped).
    for name in ("baseline.jpg", "progressive.jpg", "plain.png", "interlaced.png",
                 "lossy.webp", "lossless.webp"):
        data = raw[name]
        stem, ext = name.rsplit(".", 1)
        tail = {"jpg": 2, "png": 12, "webp": 1}[ext]
        for fr in FRACTIONS:
            put(f"trunc-{stem}-{int(fr * 100):02d}pct.{ext}", data[:int(len(data) * fr)], "truncated")
        put(f"trunc-{stem}-before-end.{ext}", data[:len(data) - tail], "truncated")
    for name in ("alpha.png", "rgb16.png"):
        data = raw[name]
        stem = name[:-4]
        for fr in (0.5, 0.9):
            put(f"trunc-{stem}-{int(fr * 100):02d}pct.png", data[:int(len(data) * fr)], "truncated")
        put(f"trunc-{stem}-before-end.png", data[:len(data) - 12], "truncated")

    # PNG CRC errors: one byte of a chunk's CRC flipped.
    for name in ("plain.png", "interlaced.png", "alpha.png"):
        data = raw[name]
        chunks = png_chunks(data)
        for ctype in (b"IHDR", b"IDAT", b"IEND"):
            ofs, _, length = next(c for c in chunks if c[1] == ctype)
            b = bytearray(data)
            b[ofs + 8 + length] ^= 0xFF
            put(f"crc-{name[:-4]}-{ctype.decode().lower()}.png", bytes(b), "crc")

    # JPEG scan data overwritten with fixed-seed noise (64 bytes), at the middle and near the end.
    rng = random.Random(14)
    for name in ("baseline.jpg", "progressive.jpg"):
        data = raw[name]
        for where, pos in (("mid", len(data) // 2), ("end-1k", len(data) - 1024),
                           ("end-200", len(data) - 200), ("end-70", len(data) - 70)):
            b = bytearray(data)
            b[pos:pos + 64] = bytes(rng.randrange(256) for _ in range(64))
            put(f"scan-{name[:-4]}-{where}.jpg", bytes(b), "scan-damage")

    # Header bombs: huge declared dimensions, headers otherwise valid.
    put("bomb-png-100000x100000.png", png_set_size(raw["plain.png"], 100000, 100000), "bomb")
    put("bomb-png-2147483647x1.png", png_set_size(raw["plain.png"], 2 ** 31 - 1, 1), "bomb")
    put("bomb-png-65535x65535-interlaced.png", png_set_size(raw["interlaced.png"], 65535, 65535), "bomb")
    put("bomb-gif-65535x65535.gif", gif_set_size(raw["image.gif"], 65535, 65535), "bomb")
    put("bomb-jpeg-65500x65500.jpg", jpeg_set_size(raw["baseline.jpg"], 65500, 65500), "bomb")
    put("bomb-jpeg-65500x65500-progressive.jpg", jpeg_set_size(raw["progressive.jpg"], 65500, 65500), "bomb")

    # Spoofed extensions: valid files under another format's name.
    put("spoof-png-as.jpg", raw["plain.png"], "spoofed")
    put("spoof-jpeg-as.png", raw["baseline.jpg"], "spoofed")
    put("spoof-webp-as.jpg", raw["lossy.webp"], "spoofed")
    put("spoof-gif-as.png", raw["image.gif"], "spoofed")
    put("spoof-text-as.jpg", b"this is not an image, just text\n", "spoofed")

    # Empty and 1-byte files.
    for ext in ("jpg", "png", "webp"):
        put(f"empty.{ext}", b"", "empty")
    put("one-byte.jpg", b"\xff", "one-byte")
    put("one-byte.png", b"\x89", "one-byte")
    put("one-byte.webp", b"R", "one-byte")

    # Blocked formats: a tiny SVG and a minimal PDF (and the SVG under a .png name).
    svg = (b'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">'
           b'<rect width="64" height="64" fill="red"/></svg>\n')
    put("tiny.svg", svg, "svg")
    put("svg-as.png", svg, "svg")
    put("minimal.pdf", minimal_pdf(), "pdf")

    shutil.rmtree(src)
    return items


def minimal_pdf():
    """A one-page 72x72 pt PDF with a correct xref table."""
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 72 72] /Contents 4 0 R >>"]
    stream = b"1 0 0 rg 0 0 72 72 re f"
    objs.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, o in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for o in offsets:
        out += b"%010d 00000 n \n" % o
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def sha(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def run_once(argv, outdir, corpus_dir, before_listing):
    """One run: (code, leftover, message). code is the exit status, 'hang' or 'sig:N'."""
    os.makedirs(outdir)
    try:
        p = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=TIMEOUT)
        code = p.returncode if p.returncode >= 0 else f"sig:{-p.returncode}"
        msg = p.stderr.decode(errors="replace").strip().splitlines()
        msg = msg[-1] if msg else ""
    except subprocess.TimeoutExpired:
        code, msg = "hang", ""
    left = os.listdir(outdir)
    new_in_corpus = set(os.listdir(corpus_dir)) - before_listing
    leftover = bool(new_in_corpus) or (code != 0 and bool(left)) or len(left) > 1
    shutil.rmtree(outdir)
    return code, leftover, msg


def crashed(code):
    """Killed by a signal, or a shell-style 128+N status. 255 is not a crash: it is
    vipsthumbnail's ordinary error exit (its main() returns -1 on any failure)."""
    return (isinstance(code, str) and code.startswith("sig:")) or (isinstance(code, int) and 128 <= code < 255)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stet", help="stet binary (default: the newer of .build/release and .build/debug)")
    ap.add_argument("--csv", help="write one row per file and tool here")
    ap.add_argument("--keep", help="make the corpus in this (empty) folder and keep it")
    args = ap.parse_args()

    stet = args.stet
    if not stet:
        cands = [os.path.join(ROOT, ".build", b, "stet") for b in ("release", "debug")]
        cands = [c for c in cands if os.path.exists(c)]
        stet = max(cands, key=os.path.getmtime)
    work = tempfile.mkdtemp(prefix="stet-sweep-")
    corpus = args.keep or os.path.join(work, "corpus")
    os.makedirs(corpus, exist_ok=True)
    items = make_corpus(corpus)
    print(f"corpus: {len(items)} files in {corpus}; stet = {stet}", file=sys.stderr)

    tools = {
        "stet draft": lambda f, o: [stet, "draft", f, "--out", o, "--size", "128", "--no-log", "-q"],
        "vipsthumbnail": lambda f, o: ["vipsthumbnail", f, "--size", "128", "-o", os.path.join(o, "%s.jpg")],
    }
    rows, n = [], 0
    t0 = time.time()
    for tool, make in tools.items():
        for name, kind in items:
            path = os.path.join(corpus, name)
            h0 = sha(path)
            listing = set(os.listdir(corpus))
            runs = []
            for r in range(RUNS):
                n += 1
                runs.append(run_once(make(path, os.path.join(work, f"out-{n}")), os.path.join(work, f"out-{n}"),
                                     corpus, listing))
            rows.append({"tool": tool, "file": name, "kind": kind,
                         "codes": " ".join(str(c) for c, _, _ in runs),
                         "leftover": any(l for _, l, _ in runs),
                         "changed": sha(path) != h0,
                         "message": runs[0][2][:200]})
    elapsed = time.time() - t0

    def count(tool):
        rs = [r for r in rows if r["tool"] == tool]
        codes = [r["codes"].split() for r in rs]
        return {
            "files": len(rs),
            "accepted": sum(all(c == "0" for c in cs) for cs in codes),
            "rejected": sum(all(c not in ("0", "hang") for c in cs) for cs in codes),
            "flips": sum(len(set(cs)) > 1 for cs in codes),
            "leftovers": sum(r["leftover"] for r in rs),
            "crashes": sum(any(crashed(int(c) if c.lstrip("-").isdigit() else c) for c in cs) for cs in codes),
            "hangs": sum("hang" in cs for cs in codes),
            "inputs changed": sum(r["changed"] for r in rs),
        }

    cols = ["files", "accepted", "rejected", "flips", "leftovers", "crashes", "hangs", "inputs changed"]
    print(f"{len(items)} files x {RUNS} runs per tool, {elapsed:.0f} s\n")
    print("| tool | " + " | ".join(cols) + " |")
    print("|---|" + "---|" * len(cols))
    for tool in tools:
        c = count(tool)
        print(f"| {tool} | " + " | ".join(str(c[k]) for k in cols) + " |")

    # Where the verdicts differ (first run's exit code).
    by = {}
    for r in rows:
        by.setdefault(r["file"], {})[r["tool"]] = r
    print("\nDisagreements (file: stet codes / vipsthumbnail codes):")
    for name, _ in items:
        s, v = by[name]["stet draft"], by[name]["vipsthumbnail"]
        if (s["codes"].split()[0] == "0") != (v["codes"].split()[0] == "0") or len(set(s["codes"].split())) > 1 \
                or len(set(v["codes"].split())) > 1:
            print(f"  {name}: stet {s['codes']} / vipsthumbnail {v['codes']}"
                  f"{' (vipsthumbnail leftover)' if v['leftover'] else ''}")
    if args.csv:
        with open(args.csv, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
