"""Deterministic synthetic photographs with a known subject box, for reframe's fixtures,
benchmark input and quality protocol.

A scene is a soft, textured background (a low-frequency colour field, a horizon and fine noise)
with one or two "figures" (a skin-toned head with eyes over a striped, saturated body) filling
known boxes, and optional distractors: small, very bright spots that have high contrast but
little area, the known failure case of peak-based smart crops.

Everything is drawn with numpy from a fixed seed, so the same arguments give the same pixels.
"""
import numpy as np
from PIL import Image


def _field(rng, h, w, cells, amp):
    """A smooth random field: a coarse random grid upsampled bilinearly."""
    gy, gx = cells, max(2, int(cells * w / h))
    coarse = rng.uniform(-amp, amp, size=(gy + 1, gx + 1, 3))
    ys = np.linspace(0, gy, h)
    xs = np.linspace(0, gx, w)
    y0 = np.clip(ys.astype(int), 0, gy - 1); x0 = np.clip(xs.astype(int), 0, gx - 1)
    fy = (ys - y0)[:, None, None]; fx = (xs - x0)[None, :, None]
    a = coarse[y0][:, x0]; b = coarse[y0][:, x0 + 1]
    c = coarse[y0 + 1][:, x0]; d = coarse[y0 + 1][:, x0 + 1]
    return a * (1 - fx) * (1 - fy) + b * fx * (1 - fy) + c * (1 - fx) * fy + d * fx * fy


def figure(img, box, palette=((205, 45, 40), (245, 210, 60))):
    """Draws a figure filling box = (x, y, w, h)."""
    x, y, w, h = box
    head_h, head_w = h * 3 // 10, w * 6 // 10
    yy, xx = np.mgrid[y:y + head_h, x:x + w]
    cx, cy = x + w / 2, y + head_h / 2
    dx = (xx + 0.5 - cx) / (head_w / 2); dy = (yy + 0.5 - cy) / (head_h / 2)
    head = dx * dx + dy * dy <= 1
    region = img[y:y + head_h, x:x + w]
    region[head] = (224, 170, 138)
    eyes = (np.abs(dx) - 0.4) ** 2 + (dy + 0.15) ** 2 < 0.012
    region[eyes] = (40, 30, 30)
    band = max(2, h // 24)
    rows = (np.arange(y + head_h, y + h) - y) // band % 2 == 0
    body = img[y + head_h:y + h, x:x + w]
    body[rows] = palette[0]
    body[~rows] = palette[1]


def scene(width, height, subjects, spots=(), seed=0, palettes=None):
    """RGB uint8 array. subjects and spots are (x, y, w, h) boxes."""
    rng = np.random.RandomState(seed)
    t = np.linspace(0, 1, height)[:, None, None]
    top = np.array(rng.uniform([90, 120, 160], [140, 170, 215]))
    bottom = np.array(rng.uniform([70, 90, 50], [130, 140, 100]))
    img = top * (1 - t) + bottom * t + np.zeros((height, width, 3))
    img += _field(rng, height, width, 4, 18)
    horizon = int(height * rng.uniform(0.45, 0.7))
    img[horizon:horizon + max(1, height // 200)] -= 25
    img += rng.normal(0, 4, size=img.shape)
    img = np.clip(img, 0, 255).astype(np.uint8)
    for i, box in enumerate(subjects):
        figure(img, box, (palettes or {}).get(i, ((205, 45, 40), (245, 210, 60))))
    for (x, y, w, h) in spots:
        img[y:y + h, x:x + w] = (255, 255, 255)
        img[y + h // 3:y + 2 * h // 3, x + w // 3:x + 2 * w // 3] = (0, 0, 0)
    return img


def save(array, path, quality=90):
    im = Image.fromarray(array, "RGB")
    if path.lower().endswith((".jpg", ".jpeg")):
        im.save(path, quality=quality, subsampling=0)
    else:
        im.save(path)


def random_scene(index, width=1200, height=800):
    """Scene `index` of the quality set: 1 or 2 figures of varied size and place (often off
    centre or at an edge), and 0-3 bright distractor spots away from them."""
    rng = np.random.RandomState(1000 + index)
    n = 1 if index % 3 else 2
    subjects = []
    for k in range(n):
        for _ in range(100):
            h = int(height * rng.uniform(0.35, 0.75))
            w = int(h * rng.uniform(0.3, 0.5))
            if n == 2:
                # Two figures: one in each half.
                lo, hi = (0, width // 2 - w) if k == 0 else (width // 2, width - w)
                x = int(rng.uniform(lo, hi))
            else:
                x = int(rng.choice([rng.uniform(0, 0.08), rng.uniform(0.1, 0.9), rng.uniform(0.92, 1.0)])
                        * (width - w))
            y = int(rng.uniform(0.05, 1.0) * (height - h))
            box = (x, y, w, h)
            if all(x + w <= b[0] or b[0] + b[2] <= x for b in subjects):
                subjects.append(box)
                break
    spots = []
    for _ in range(int(rng.randint(0, 4))):
        s = int(min(width, height) * rng.uniform(0.02, 0.05))
        for _ in range(100):
            x, y = int(rng.uniform(0, width - s)), int(rng.uniform(0, height - s))
            if all(x + s < b[0] - 20 or b[0] + b[2] + 20 < x for b in subjects):
                spots.append((x, y, s, s))
                break
    return scene(width, height, subjects, spots, seed=index), subjects
