#!/usr/bin/env python3
"""The refiner's 3x3 convolution kernel: achieved GFLOP/s against the machine's AVX2 FMA peak.

Runs `stet upscale --scale S --back-projection off` (the fast preset: one pass) on a generated
photograph-like input under `perf record` (cpu-clock samples, every thread), takes the share of
samples in the refiner's code (`Refiner.corrections` and the convolutions inlined into it: the
3x3 convolutions, and the few per-pixel steps around them, the input packing and the ReLU, which
makes the figure a slight underestimate of the convolution alone), and divides the floating-point
work that code did by the CPU time spent in it.

The work is counted as the Swift code does it (Sources/PixelCore/Upscale/Refiner.swift): the
output is made in bands of low-resolution rows (`parallelRows`' split of 512-output-row bands);
each band's refiner starts from the band widened by one row per layer on each side that is not an
image edge and loses one row per layer; every computed output lane costs 9 x inputs multiply-adds
(2 flops each). The context rows computed twice are counted as work done (the kernel did them),
and their share is printed.

Peak: cores x 2 FMA units x 8 floats (AVX2) x 2 flops x the clock in /proc/cpuinfo ("cpu MHz"),
and the same at the clock the cores are measured to run at (a chain of dependent adds, one a
cycle, per CPU-second; compiled with `cc`): on a virtual machine /proc/cpuinfo gives the nominal
clock, and a boost clock above it puts the achieved rate above "peak".
The rate is per CPU-second in the kernel, times the cores, so a machine shared with other work
does not lower it (a core taken away is not counted), but a turbo clock above /proc/cpuinfo's or
hyperthreads sharing a core's FMA units would change what the peak means.

Usage (from the repository root, after a release build):
  python3 Benchmarks/upscale/kernel.py [--stet PATH] [--scale 4] [--size 1024] [--runs 3]
"""
import argparse
import os
import re
import statistics
import struct
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def refiner_shapes(path):
    data = open(path, "rb").read()
    assert data[:8] == b"STETREF1", path
    version, scale, channels, depth, dc_free = struct.unpack_from("<5I", data, 8)
    off, shapes = 28, []
    for _ in range(depth):
        i, o = struct.unpack_from("<2I", data, off)
        off += 8 + 4 * (i * o * 9 + o)
        shapes.append((i, o))
    return scale, shapes


def lanes(n):
    return 4 if n <= 4 else 8 if n <= 8 else 16 if n <= 16 else 32


def parallel_bands(count, minimum, maximum, cores):
    wanted = max(cores * 4, (count + maximum - 1) // maximum)
    bands = max(1, min(count // max(minimum, 1), wanted))
    return [(count * i // bands, count * (i + 1) // bands) for i in range(bands)]


def flops(width, height, scale, shapes, cores):
    """(flops computed, flops of the rows kept) for a width x height input."""
    halo = len(shapes)
    done = kept = 0
    for lo, hi in parallel_bands(height, 2, 512 // scale, cores):
        avail = (max(lo - halo, 0), min(hi + halo, height))
        for n, (i, o) in enumerate(shapes):
            last = n == len(shapes) - 1
            first_inputs = i  # the first layer's 1 + scale^2 inputs are packed, not padded
            inputs = first_inputs if n == 0 else lanes(i)
            per_pixel = 9 * inputs * lanes(o) * 2
            a = 0 if avail[0] == 0 else avail[0] + 1
            b = height if avail[1] == height else avail[1] - 1
            rows = (lo, hi) if last else (a, b)
            done += (rows[1] - rows[0]) * width * per_pixel
            kept += (hi - lo) * width * 9 * i * o * 2
            avail = rows
    return done, kept


def clock_mhz():
    for line in open("/proc/cpuinfo"):
        if line.startswith("cpu MHz"):
            return float(line.split(":")[1])
    sys.exit("kernel: no cpu MHz in /proc/cpuinfo")


CLOCK_C = r"""
#include <stdio.h>
#include <time.h>
int main(void) {
    struct timespec a, b; long n = 1000000000L, x = 0;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a);
    for (long i = 0; i < n; i++) __asm__ volatile("add $1, %0\n\tadd $1, %0\n\tadd $1, %0\n\tadd $1, %0" : "+r"(x));
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &b);
    printf("%f\n", 4.0 * n / ((b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9) / 1e6);
    return x == 0;
}
"""


def measured_mhz(tmp):
    """The clock the cores really run at: a chain of dependent adds (one a cycle) per CPU-second
    (so time the process was not scheduled does not count); None without a C compiler."""
    src, exe = os.path.join(tmp, "clock.c"), os.path.join(tmp, "clock")
    open(src, "w").write(CLOCK_C)
    if subprocess.run(["cc", "-O2", src, "-o", exe], capture_output=True).returncode != 0:
        return None
    return statistics.median(float(subprocess.run([exe], capture_output=True, text=True, check=True).stdout)
                             for _ in range(3))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stet", default=os.path.join(ROOT, ".build", "release", "stet"))
    ap.add_argument("--scale", type=int, default=4)
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    scale, shapes = refiner_shapes(os.path.join(ROOT, "Sources", "PixelCore", "Resources", f"refine-x{args.scale}.bin"))
    cores = os.cpu_count()
    mhz = clock_mhz()
    peak = cores * 2 * 8 * 2 * mhz / 1000
    done, kept = flops(args.size, args.size, scale, shapes, cores)
    rates, shares, walls = [], [], []
    with tempfile.TemporaryDirectory(prefix="stet-kernel-") as tmp:
        # A photograph-like input: smooth gradients, edges and noise (the kernel's speed does
        # not depend on the values; the rest of the pipeline barely does).
        rng = np.random.default_rng(6)
        y, x = np.mgrid[0:args.size, 0:args.size] / args.size
        base = np.stack([128 + 100 * np.sin(6 * x + 3 * y), 128 + 90 * np.cos(5 * y), 128 + 60 * np.sin(9 * x * y)], -1)
        base += (((x * 40).astype(int) + (y * 30).astype(int)) % 2)[..., None] * 40 + rng.normal(0, 6, base.shape)
        inp = os.path.join(tmp, "in.png")
        Image.fromarray(np.clip(base, 0, 255).astype(np.uint8)).save(inp)
        out = os.path.join(tmp, "out.png")
        for _ in range(args.runs):
            data = os.path.join(tmp, "perf.data")
            cmd = [args.stet, "upscale", inp, "--scale", str(args.scale), "--back-projection", "off", "-o", out, "--no-log"]
            subprocess.run(["perf", "record", "-q", "-F", "2000", "-o", data, "--"] + cmd, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            report = subprocess.run(["perf", "report", "-i", data, "--stdio", "--no-children", "--sort", "sym",
                                     "-F", "sample,sym"], capture_output=True, text=True, check=True).stdout
            total = refiner = 0
            for line in report.splitlines():
                m = re.match(r"\s*(\d+)\s+\[\.\]\s+(.*)", line)
                if not m:
                    continue
                n = int(m.group(1))
                total += n
                if "Refiner" in m.group(2) or "corrections" in m.group(2) or "conv3x3" in m.group(2):
                    refiner += n
            freq = 2000
            seconds = refiner / freq  # CPU-seconds in the refiner, over every thread
            rates.append(done / seconds / 1e9 * 1)  # flops per CPU-second
            shares.append(refiner / max(total, 1))
            walls.append(total / freq)
        measured = measured_mhz(tmp)
    per_core = statistics.median(rates)
    print(f"refiner x{args.scale} ({' '.join(f'{i}->{o}' for i, o in shapes)}), {args.size}x{args.size} input, "
          f"{cores} cores at {mhz:.0f} MHz (/proc/cpuinfo)")
    print(f"work: {done / 1e9:.1f} GFLOP computed, of which {100 * (done - kept) / done:.1f}% the bands' context rows "
          f"computed twice")
    print(f"refiner share of the process's CPU samples: {100 * statistics.median(shares):.1f}% "
          f"(of {statistics.median(walls):.2f} CPU-seconds)")
    print(f"achieved: {per_core:.1f} GFLOP/s per core, {per_core * cores:.1f} GFLOP/s on {cores} cores; "
          f"AVX2 FMA peak {peak / cores:.1f} per core, {peak:.1f} on {cores} cores: {100 * per_core * cores / peak:.0f}% of peak "
          f"(median of {args.runs})")
    if measured:
        peak_measured = cores * 2 * 8 * 2 * measured / 1000
        print(f"measured clock {measured:.0f} MHz (dependent adds per CPU-second; /proc/cpuinfo gives the nominal "
              f"{mhz:.0f}): AVX2 FMA peak at that clock {peak_measured:.1f} GFLOP/s on {cores} cores, so "
              f"{100 * per_core * cores / peak_measured:.0f}% of it")


if __name__ == "__main__":
    main()
