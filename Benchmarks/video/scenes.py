#!/usr/bin/env python3
"""Scene detection: precision and recall of scene starts within +-2 frames, Stet against
PySceneDetect (ContentDetector defaults) and ffmpeg's select='gt(scene,0.4)', on clips that
make_clip.py composes from photographs with every scene start known.

Two clip sets per photograph set: hard cuts only (--fades 0) and cross-fades only (--fades 1),
N clips of 10 shots each, 640x360 at 25 fps. Tuning photographs: CBSD68; held out: CSun_Hays80
(the detector's thresholds were set on CBSD68 only).

  scenes.py STET_BINARY WORKDIR [--clips 8]"""
import argparse, glob, json, os, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.environ.get("STET_DATASETS", os.path.join(HERE, "../../../shared/datasets"))
if not os.path.isdir(DATA): DATA = "/work/shared/datasets"

def make(out, photos, seed, fades):
    if not os.path.exists(out + ".truth.json"):
        truth = subprocess.run([sys.executable, os.path.join(HERE, "make_clip.py"), out, *photos, "--seed", str(seed),
                                "--shots", "10", "--fades", str(fades)], check=True, capture_output=True, text=True).stdout
        open(out + ".truth.json", "w").write(truth)
    return [s["frame"] for s in json.load(open(out + ".truth.json"))["scenes"]]

def stet(binary, clip):
    sheet = clip + ".sheet.jpg"
    subprocess.run([binary, "sheet", clip, "-o", sheet, "--no-log", "-q"], check=True, stdout=subprocess.DEVNULL)
    return [s["frame"] for s in json.load(open(clip + ".sheet.json"))["scenes"] if s["frame"] > 0]

def pyscenedetect(clip):
    from scenedetect import detect, ContentDetector
    return [s[0].get_frames() for s in detect(clip, ContentDetector())][1:]

def ffmpeg_scene(clip, fps=25):
    out = subprocess.run(["ffmpeg", "-hide_banner", "-i", clip, "-vf", "select='gt(scene,0.4)',metadata=print",
                          "-an", "-f", "null", "-"], capture_output=True, text=True).stderr
    frames = []
    for line in out.splitlines():
        if "pts_time:" in line:
            frames.append(round(float(line.split("pts_time:")[1].split()[0]) * fps))
    return frames

def match(truth, found, tol=2):
    """Greedy one-to-one matching within tol frames: (true positives, false positives, misses)."""
    free = sorted(found); tp = 0
    for t in sorted(truth):
        best = min((f for f in free if abs(f - t) <= tol), key=lambda f: abs(f - t), default=None)
        if best is not None: free.remove(best); tp += 1
    return tp, len(free), len(truth) - tp

def main():
    ap = argparse.ArgumentParser(); ap.add_argument("stet"); ap.add_argument("work")
    ap.add_argument("--clips", type=int, default=8)
    ap.add_argument("--stet-only", action="store_true", help="skip the peers (while tuning)")
    ap.add_argument("--sets", default="tuning,held-out")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    sets = {"tuning (CBSD68)": sorted(glob.glob(os.path.join(DATA, "train/CBSD68/*.png"))),
            "held-out (CSun_Hays80)": sorted(glob.glob(os.path.join(DATA, "train/CSun_Hays80/*.jpg")))}
    rows = []
    for name, photos in sets.items():
        if name.split()[0] not in a.sets.split(","): continue
        for kind, fades in (("hard cuts", 0.0), ("cross-fades", 1.0)):
            totals = {d: [0, 0, 0] for d in (("stet",) if a.stet_only else ("stet", "PySceneDetect", "ffmpeg scene>0.4"))}
            for k in range(a.clips):
                clip = os.path.join(a.work, f"{name.split()[0]}-{'cut' if fades == 0 else 'fade'}-{k}.mp4")
                truth = make(clip, photos, 100 + k, fades)
                detectors = [("stet", lambda c: stet(a.stet, c))]
                if not a.stet_only: detectors += [("PySceneDetect", pyscenedetect), ("ffmpeg scene>0.4", ffmpeg_scene)]
                for det, fn in detectors:
                    tp, fp, fn_ = match(truth, fn(clip))
                    for i, v in enumerate((tp, fp, fn_)): totals[det][i] += v
            for det, (tp, fp, fn_) in totals.items():
                p = tp / (tp + fp) if tp + fp else 1.0; r = tp / (tp + fn_) if tp + fn_ else 1.0
                rows.append((name, kind, det, tp + fn_, tp, fp, p, r))
                print(f"{name:24} {kind:12} {det:18} starts {tp + fn_:3}  tp {tp:3} fp {fp:3}  precision {p:.3f}  recall {r:.3f}", flush=True)
    json.dump([dict(zip(("photos", "kind", "detector", "starts", "tp", "fp", "precision", "recall"), r)) for r in rows],
              open(os.path.join(a.work, "scenes.json"), "w"), indent=1)

main()
