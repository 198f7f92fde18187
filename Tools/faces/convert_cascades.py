#!/usr/bin/env python3
"""Converts OpenCV Haar cascades (XML) into Stet's compact face-detector resources.

    python3 Tools/faces/convert_cascades.py [--from /usr/share/opencv4/haarcascades]

Reads the cascades from Debian's `opencv-data` package (BSD-3-Clause / Intel licence, see
Sources/PixelCore/Resources/FACES-LICENSE.txt) and writes `Sources/PixelCore/Resources/faces-NAME.bin`,
so Stet's users need neither opencv-data nor any XML parser at run time. Only the new-style
cascade format (`<cascade>` with `<stages>`, `<features>`, stageType BOOST, featureType HAAR,
upright features) is accepted. Every stored value is the XML's own, in float32.

Format (little-endian):
  8 bytes  magic "STETHAAR"
  u32      version (1)
  u32      window width, u32 window height
  u32      feature count F; per feature: u32 rect count R (2 or 3), R x (u32 x, y, w, h, f32 weight)
  u32      stage count S; per stage: f32 threshold, u32 weak count W;
           per weak classifier: u32 node count N, N x (i32 left, i32 right, u32 feature, f32 threshold),
           u32 leaf count L, L x f32
  u32      CRC-32 (zlib) of every byte before it
A node's left/right > 0 is another node's index; <= 0 is leaf -value. A window goes left when
its normalised feature value is below the node's threshold (OpenCV's rule).
"""
import argparse
import os
import struct
import xml.etree.ElementTree as ET
import zlib

CASCADES = {
    "frontal": "haarcascade_frontalface_alt2.xml",
    "profile": "haarcascade_profileface.xml",
}


def convert(src):
    root = ET.parse(src).getroot()
    c = root.find("cascade")
    if c is None or c.findtext("stageType").strip() != "BOOST" or c.findtext("featureType").strip() != "HAAR":
        raise SystemExit(f"{src}: not a new-style BOOST/HAAR cascade")
    width, height = int(c.findtext("width")), int(c.findtext("height"))
    body = bytearray(b"STETHAAR")
    body += struct.pack("<III", 1, width, height)
    features = c.find("features").findall("_")
    body += struct.pack("<I", len(features))
    for f in features:
        tilted = f.findtext("tilted")
        if tilted is not None and int(tilted) != 0:
            raise SystemExit(f"{src}: tilted features are not supported")
        rects = [r.text.split() for r in f.find("rects").findall("_")]
        body += struct.pack("<I", len(rects))
        for r in rects:
            x, y, w, h = (int(v) for v in r[:4])
            weight = float(r[4].rstrip("."))
            assert 0 <= x and 0 <= y and x + w <= width and y + h <= height, (src, r)
            body += struct.pack("<IIIIf", x, y, w, h, weight)
    stages = c.find("stages").findall("_")
    body += struct.pack("<I", len(stages))
    for s in stages:
        weaks = s.find("weakClassifiers").findall("_")
        body += struct.pack("<fI", float(s.findtext("stageThreshold")), len(weaks))
        for wk in weaks:
            nodes = wk.findtext("internalNodes").split()
            leaves = [float(v) for v in wk.findtext("leafValues").split()]
            assert len(nodes) % 4 == 0
            n = len(nodes) // 4
            body += struct.pack("<I", n)
            for i in range(n):
                left, right, feat = int(nodes[4 * i]), int(nodes[4 * i + 1]), int(nodes[4 * i + 2])
                assert feat < len(features) and -len(leaves) < left < n and -len(leaves) < right < n
                body += struct.pack("<iiIf", left, right, feat, float(nodes[4 * i + 3]))
            body += struct.pack("<I", len(leaves))
            body += struct.pack(f"<{len(leaves)}f", *leaves)
    body += struct.pack("<I", zlib.crc32(body) & 0xFFFFFFFF)
    return bytes(body), width, height, len(features), len(stages)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--from", dest="src", default="/usr/share/opencv4/haarcascades")
    ap.add_argument("--to", default=os.path.join(here, "..", "..", "Sources", "PixelCore", "Resources"))
    a = ap.parse_args()
    for name, xml in CASCADES.items():
        body, w, h, nf, ns = convert(os.path.join(a.src, xml))
        out = os.path.join(a.to, f"faces-{name}.bin")
        tmp = out + ".tmp"
        with open(tmp, "wb") as f:
            f.write(body)
        os.replace(tmp, out)
        print(f"{xml} -> {os.path.relpath(out)}: {w}x{h} window, {nf} features, {ns} stages, {len(body)} bytes")


if __name__ == "__main__":
    main()
