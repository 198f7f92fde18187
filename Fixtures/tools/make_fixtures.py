#!/usr/bin/env python3
"""Makes every fixture in Fixtures/ deterministically (fixed seeds, no inputs).

Needs numpy and Pillow (pip install numpy pillow) and the libvips and ImageMagick command-line
tools (apt-get install libvips-tools imagemagick). Run from the repository root:

    python3 Fixtures/tools/make_fixtures.py

Fixtures/README.md says what each file is for.
"""
import os
import struct
import subprocess
import zlib

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.dirname(HERE)


def path(name):
    return os.path.join(OUT, name)


def scene(w, h, seed, hue):
    """A photo-like scene: a smooth two-colour gradient, soft blobs, fine noise and a bright disc,
    so that thumbnails, crops and comparisons have real structure."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.array(hue, dtype=np.float32)
    other = 255 - base
    t = (x / w * 0.6 + y / h * 0.4)[..., None]
    img = base * (1 - t) + other * t
    for _ in range(6):
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        r = rng.uniform(0.05, 0.2) * min(w, h)
        col = rng.uniform(0, 255, 3).astype(np.float32)
        a = np.exp(-(((x - cx) ** 2 + (y - cy) ** 2) / (2 * r * r)))[..., None] * 0.7
        img = img * (1 - a) + col * a
    cx, cy, r = w * rng.uniform(0.3, 0.7), h * rng.uniform(0.3, 0.7), min(w, h) * 0.12
    disc = (((x - cx) ** 2 + (y - cy) ** 2) < r * r)[..., None]
    img = np.where(disc, np.array([250, 250, 240], np.float32), img)
    img += rng.normal(0, 4, img.shape).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)


def save(arr, name, **kw):
    Image.fromarray(arr).save(path(name), **kw)


def vips(*args):
    subprocess.run(["vips", *args], check=True)


def main():
    # Four candidates, as a model would return them, each with its own palette.
    hues = [(200, 40, 40), (40, 160, 60), (40, 60, 200), (220, 200, 40)]
    for i, hue in enumerate(hues, 1):
        save(scene(960, 720, 100 + i, hue), f"candidate-{i}.jpg", quality=90)

    # EXIF orientation 6 (rotate 90° clockwise to display): stored 400x300, shown 300x400.
    # The left third is red so the rotation is visible: upright, red is on top.
    arr = scene(400, 300, 7, (90, 90, 160))
    arr[:, :130] = (230, 20, 20)
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(arr).save(path("orientation-6.jpg"), quality=92, exif=exif)

    # PNG with alpha: an opaque disc on a transparent ground.
    rgba = np.zeros((240, 320, 4), np.uint8)
    rgba[..., :3] = scene(320, 240, 8, (30, 120, 200))
    yy, xx = np.mgrid[0:240, 0:320]
    rgba[..., 3] = np.where((xx - 160) ** 2 + (yy - 120) ** 2 < 100 ** 2, 255, 0)
    save(rgba, "alpha.png")

    # 16-bit RGB PNG: a horizontal ramp 0..65535 in red, constant 32768 green, blue ramp down.
    w, h = 256, 64
    ramp = np.linspace(0, 65535, w).astype(np.uint16)
    rgb16 = np.zeros((h, w, 3), np.uint16)
    rgb16[..., 0] = ramp
    rgb16[..., 1] = 32768
    rgb16[..., 2] = ramp[::-1]
    write_png16(rgb16, path("rgb16.png"))

    # Grey (one band) JPEG.
    grey = scene(320, 240, 9, (128, 128, 128)).mean(axis=2).astype(np.uint8)
    save(grey, "grey.jpg", quality=90)

    # CMYK JPEG, converted by libvips with its built-in CMYK profile (embedded in the file).
    save(scene(320, 240, 10, (200, 90, 30)), "_tmp_rgb.png")
    vips("colourspace", path("_tmp_rgb.png"), path("cmyk.jpg") + "[Q=92]", "cmyk")
    os.remove(path("_tmp_rgb.png"))

    # Truncated JPEG: the first 60% of a good one.
    save(scene(640, 480, 11, (100, 100, 100)), "_tmp_full.jpg", quality=90)
    data = open(path("_tmp_full.jpg"), "rb").read()
    open(path("truncated.jpg"), "wb").write(data[: int(len(data) * 0.6)])
    os.remove(path("_tmp_full.jpg"))

    # A text file with an image's name.
    open(path("not-an-image.png"), "w").write("This is a text file, not a PNG.\n")

    # A BMP: libvips 8.14 reads it only through ImageMagick (magickload), which is untrusted.
    Image.fromarray(scene(16, 16, 12, (10, 20, 30))).save(path("untrusted.bmp"))

    # A PNG of a few hundred bytes whose header declares 100000x100000 pixels.
    write_png_header_only(100000, 100000, path("huge-declared.png"))

    # Model-style grids.
    cells = [scene(500, 500, 200 + i, hues[i]) for i in range(4)]
    # 2x2 with white gutters and border (gutter 16, border 10): not exact halves of the sheet.
    sheet = np.full((10 + 500 + 16 + 500 + 10, 10 + 500 + 16 + 500 + 10, 3), 255, np.uint8)
    for i, c in enumerate(cells):
        r, k = divmod(i, 2)
        y0, x0 = 10 + r * 516, 10 + k * 516
        sheet[y0:y0 + 500, x0:x0 + 500] = c
    save(sheet, "grid-2x2-gutter.jpg", quality=92)
    # 2x2 with no gutters at all, uneven: columns 540/484, rows 470/530 (a model's seams).
    seam = np.zeros((1000, 1024, 3), np.uint8)
    big = [scene(540, 530, 300 + i, hues[i]) for i in range(4)]
    seam[:470, :540] = big[0][:470, :540]
    seam[:470, 540:] = big[1][:470, :484]
    seam[470:, :540] = big[2][:530, :540]
    seam[470:, 540:] = big[3][:530, :484]
    save(seam, "grid-2x2-seamless.jpg", quality=92)
    # 3x2 with dark-green gutters of 6 px and no border.
    six = [scene(300, 300, 400 + i, hues[i % 4]) for i in range(6)]
    g = np.zeros((300 * 2 + 6, 300 * 3 + 12, 3), np.uint8)
    g[:] = (20, 70, 30)
    for i, c in enumerate(six):
        r, k = divmod(i, 3)
        g[r * 306:r * 306 + 300, k * 306:k * 306 + 300] = c
    save(g, "grid-3x2-green-gutter.jpg", quality=92)


def write_png16(arr, filename):
    h, w, _ = arr.shape
    raw = b"".join(b"\x00" + arr[y].astype(">u2").tobytes() for y in range(h))
    write_png(filename, w, h, 16, 2, zlib.compress(raw, 9))


def write_png_header_only(w, h, filename):
    # One tiny compressed row is enough for a header read; the decoder never gets that far.
    write_png(filename, w, h, 8, 2, zlib.compress(b"\x00" * 64, 9))


def write_png(filename, w, h, depth, colour_type, idat):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", w, h, depth, colour_type, 0, 0, 0)
    with open(filename, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


if __name__ == "__main__":
    main()
