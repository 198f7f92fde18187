#!/usr/bin/env python3
"""Makes the inpaint fixtures deterministically (numpy PCG64 seed 5, OpenCV drawing):
scene.png, a 480x320 synthetic photograph (sky gradient, textured ground, a sign) with two
defects painted in: a dark blob in the sky around (300, 80) and a 3 px scratch across the
ground along the polyline in scratch.json (given there in Stet's pixel-centre convention). Run from this folder: python3 make_fixtures.py"""
import json
import numpy as np
import cv2

rng = np.random.default_rng(5)
h, w = 320, 480
y, x = np.mgrid[0:h, 0:w].astype(np.float64)
img = np.zeros((h, w, 3))
# sky: vertical gradient (BGR)
t = y / 180
img[..., 0] = 235 - 60 * t
img[..., 1] = 200 - 50 * t
img[..., 2] = 150 - 40 * t
# ground: grass-like texture below a horizon
noise = cv2.GaussianBlur(rng.normal(0, 1, (h, w)), (0, 0), 1.2)
ground = y >= 180
img[ground, 0] = 40 + 18 * noise[ground]
img[ground, 1] = 110 + 30 * noise[ground] - 0.1 * (y[ground] - 180)
img[ground, 2] = 70 + 20 * noise[ground]
# a sign: a rectangle with a border
cv2.rectangle(img, (70, 190), (140, 240), (60, 180, 230), -1)
cv2.rectangle(img, (70, 190), (140, 240), (20, 20, 20), 2)
clean = np.clip(img + 0.5, 0, 255).astype(np.uint8)
cv2.imwrite("scene-clean.png", clean)
# defects
damaged = clean.copy()
cv2.ellipse(damaged, (300, 80), (11, 8), 20, 0, 360, (25, 25, 30), -1, lineType=cv2.LINE_AA)
stroke = [[180, 300], [260, 262], [340, 250], [430, 214]]
cv2.polylines(damaged, [np.array(stroke, np.int32).reshape(-1, 1, 2)], False, (235, 235, 235), 3, lineType=cv2.LINE_AA)
cv2.imwrite("scene.png", damaged)
with open("scratch.json", "w") as f:
    # OpenCV draws around pixel centres at integer coordinates; Stet's pixel (0, 0) spans
    # [0, 1) x [0, 1), so the same centre line is at +0.5. The brush (7 px) covers the 3 px
    # line and its anti-aliased rim.
    json.dump({"strokes": [{"width": 7, "points": [[x + 0.5, y + 0.5] for x, y in stroke]}]}, f)
    f.write("\n")
