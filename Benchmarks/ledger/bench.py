#!/usr/bin/env python3
"""Ledger benchmark: what logging adds to a command, appending 10,000 entries, and grouped
reports over 100,000 entries. Drives the release `stet` as a user would (whole processes);
raw SQLite through Python's sqlite3 is the floor for the report queries.

    python3 bench.py --stet ../../.build/release/stet [--appends 10000] [--entries 100000] [--runs 15]

Timings are wall-clock medians (this machine is noisy); peak RSS comes from wait4().
"""
import argparse, json, os, random, shutil, sqlite3, statistics, subprocess, sys, tempfile, time, uuid

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
CANDIDATES = [os.path.join(ROOT, "Fixtures", f"candidate-{i}.jpg") for i in range(1, 5)]


def run(cmd, env=None):
    """Runs a command; returns (wall seconds, stdout)."""
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    out, err = p.communicate()
    wall = time.perf_counter() - start
    if p.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed: {err.decode().strip()}")
    return wall, out.decode()


def run_rss(cmd, env=None):
    """Runs a command with stdout discarded; returns (wall seconds, peak RSS in MiB)."""
    start = time.perf_counter()
    pid = os.posix_spawn(cmd[0], cmd, env or os.environ.copy(),
                         file_actions=[(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
                                       (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)])
    _, status, ru = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed with status {status}")
    CPU.append(ru.ru_utime + ru.ru_stime)
    return wall, ru.ru_maxrss / 1024.0


CPU = []   # user+system seconds of each run_rss child, in order: steadier than wall time on a busy machine


def cpu_since(mark):
    return CPU[mark:]


def median_ms(xs):
    return statistics.median(xs) * 1000


def synthetic_entries(n, seed=7):
    """A realistic mix: 5 users, 4 projects, 90 days, 8 operations, tags, a few failures."""
    rng = random.Random(seed)
    ops = [("reframe", "flux-1.1-pro", 0.04), ("upscale", "flux-1.1-pro", 0.04), ("inpaint", "gpt-image-1", 0.042),
           ("patch", "imagen-4", 0.04), ("draft", None, 0), ("grid", None, 0), ("split", None, 0), ("generation", "veo-3", 0.75)]
    users = ["ana", "bo", "chen", "dee", "eli"]
    projects = ["/work/spring", "/work/summer", "/work/brand", "/work/misc"]
    card = "0" * 64
    base = time.mktime((2026, 8, 1, 0, 0, 0, 0, 0, 0))
    for i in range(n):
        op, model, price = ops[rng.randrange(len(ops))]
        t = base + rng.uniform(0, 90 * 86400)
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % rng.randrange(1000)
        files = [{"path": f"in/{i}.jpg", "sha256": "%064x" % rng.getrandbits(256), "bytes": rng.randrange(10**5, 10**7),
                  "width": 4000, "height": 3000}]
        outs = [{"path": f"out/{i}.jpg", "sha256": "%064x" % rng.getrandbits(256), "bytes": rng.randrange(10**4, 10**6),
                 "width": 1080, "height": 1920}]
        failed = rng.random() < 0.02
        avoided, spent = [], []
        if not failed and model and op != "generation":
            q = rng.choice([1, 1, 1, 2, 3]) if op == "reframe" else 1
            avoided.append({"what": f"{q} × final generation, from [avoids] {op}", "model": model, "quantity": q,
                            "unit": "image", "unitPrice": price, "currency": "USD", "subtotal": round(q * price, 6)})
        if op == "generation":
            secs = rng.choice([8, 16, 24])
            spent.append({"what": f"{secs} s of veo-3", "model": "veo-3", "quantity": secs, "unit": "second",
                          "unitPrice": 0.75, "currency": "USD", "subtotal": secs * 0.75, "generatedSeconds": secs,
                          "keptSeconds": rng.choice([0, 8, secs])})
        yield {
            "uuid": str(uuid.UUID(int=rng.getrandbits(128))), "time": stamp, "project": rng.choice(projects),
            "user": rng.choice(users), "commandLine": f"stet {op} in/{i}.jpg", "operation": op,
            "parameters": {"n": str(i)}, "inputs": files if op != "generation" else [],
            "outputs": outs if op != "generation" else [], "avoided": avoided, "spent": spent,
            "priceCardHash": card, "wallSeconds": 0.2, "cpuSeconds": 0.3, "stetVersion": "bench",
            "tags": {"campaign": rng.choice(["spring", "summer", "brand"]), "client": rng.choice(["acme", "globex"])},
            "succeeded": not failed, **({"error": "x: cannot be opened"} if failed else {}),
        }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stet", default=os.path.join(ROOT, ".build", "release", "stet"))
    ap.add_argument("--appends", type=int, default=10000)
    ap.add_argument("--entries", type=int, default=100000)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--phases", default="overhead,append,report", help="comma-separated: overhead, append, report")
    ap.add_argument("--json", help="write the results here")
    a = ap.parse_args()
    stet = os.path.abspath(a.stet)
    work = tempfile.mkdtemp(prefix="stet-ledger-bench-")
    env = dict(os.environ, STET_NO_LOG="0", STET_LEDGER="", STET_PRICES="")
    results = {}
    try:
        phases = set(a.phases.split(","))
        ledger = os.path.join(work, "overhead.sqlite")
        if "overhead" in phases: overhead(a, stet, env, ledger, results)
        if "append" in phases: append(a, stet, env, os.path.join(work, "appends.sqlite"), results)
        if "report" in phases: report(a, stet, env, work, results)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=2)


def overhead(a, stet, env, ledger, results):
    """What logging adds to a command: the same small grid with --no-log and with a ledger,
    interleaved so that machine noise hits both alike."""
    run([stet, "log", "generation", "--model", "final", "--count", "1", "--ledger", ledger], env)  # create it
    off, on, off_cpu, on_cpu = [], [], [], []
    for i in range(a.runs * 3):
        out = os.path.join(os.path.dirname(ledger), f"g{i % 2}.jpg")
        base = [stet, "grid", *CANDIDATES, "-o", out, "--cell", "64"]
        off.append(run_rss(base + ["--no-log"], env)[0]); off_cpu.append(CPU[-1])
        on.append(run_rss(base + ["--ledger", ledger], env)[0]); on_cpu.append(CPU[-1])
    startup = [run_rss([stet, "--version"], env)[0] for _ in range(a.runs * 3)]
    results["command_no_log_ms"] = median_ms(off)
    results["command_logged_ms"] = median_ms(on)
    results["logging_adds_ms"] = median_ms(on) - median_ms(off)
    results["process_start_ms"] = median_ms(startup)
    results["logging_adds_cpu_ms"] = median_ms(on_cpu) - median_ms(off_cpu)
    print(f"logging overhead: grid --no-log {median_ms(off):.1f} ms, logged {median_ms(on):.1f} ms, "
          f"adds {results['logging_adds_ms']:.1f} ms wall, {results['logging_adds_cpu_ms']:.1f} ms CPU (medians of {len(on)}); "
          f"stet --version {median_ms(startup):.1f} ms")


def append(a, stet, env, ledger, results):
    """Appending: --appends separate `stet log generation` commands, each one transaction."""
    times, rss = [], []
    mark = len(CPU)
    t0 = time.perf_counter()
    for i in range(a.appends):
        w, r = run_rss([stet, "log", "generation", "--model", "final", "--count", "1", "--kept", "1",
                        "--ledger", ledger, "--tag", f"i={i}"], env)
        times.append(w); rss.append(r)
    total = time.perf_counter() - t0
    k = max(1, min(500, a.appends // 4))
    results.update(appends=a.appends, appends_total_s=total, append_command_ms=median_ms(times),
                   append_first_ms=median_ms(times[:k]), append_last_ms=median_ms(times[-k:]),
                   append_peak_rss_mib=max(rss), append_cpu_ms=median_ms(cpu_since(mark)))
    print(f"append: {a.appends} commands in {total:.1f} s, median {median_ms(times):.1f} ms per command "
          f"(first {k}: {median_ms(times[:k]):.1f} ms, last {k}: {median_ms(times[-k:]):.1f} ms), "
          f"{median_ms(cpu_since(mark)):.1f} ms CPU, peak RSS {max(rss):.1f} MiB")


def report(a, stet, env, work, results):
    """A grouped report over --entries entries (imported in one transaction)."""
    big = os.path.join(work, "big.sqlite")
    jsonl = os.path.join(work, "big.jsonl")
    with open(jsonl, "w") as f:
        for e in synthetic_entries(a.entries):
            f.write(json.dumps(e, ensure_ascii=False) + "\n")
    w, r = run_rss([stet, "ledger", "import", jsonl, "--ledger", big], env)
    results["import_s"] = w
    results["import_cpu_s"] = CPU[-1]
    print(f"import: {a.entries} entries in {w:.1f} s wall, {CPU[-1]:.1f} s CPU ({a.entries / w:,.0f} entries/s, "
          f"one transaction), peak RSS {r:.0f} MiB")
    run([stet, "ledger", "check", "--ledger", big], env)   # warm the page cache once
    results["report_ms"] = {}
    results["report_cpu_ms"] = {}
    for by in ["operation", "model", "project", "user", "day", "tag"]:
        samples, peak = [], 0.0
        mark = len(CPU)
        for _ in range(a.runs):
            w, r = run_rss([stet, "savings", "--by", by, "--format", "json", "--ledger", big], env)
            samples.append(w); peak = max(peak, r)
        results["report_ms"][by] = median_ms(samples)
        results["report_cpu_ms"][by] = median_ms(cpu_since(mark))
        print(f"report --by {by:<9} {median_ms(samples):7.1f} ms wall, {median_ms(cpu_since(mark)):6.1f} ms CPU (medians), "
              f"peak RSS {peak:.1f} MiB")
    mark = len(CPU)
    samples = [run_rss([stet, "savings", "--by", "day", "--since", "2026-10-01", "--tag", "campaign=spring",
                        "--ledger", big], env)[0] for _ in range(a.runs)]
    results["report_ms"]["day_filtered"] = median_ms(samples)
    results["report_cpu_ms"]["day_filtered"] = median_ms(cpu_since(mark))
    print(f"report --by day --since 2026-10-01 --tag campaign=spring {median_ms(samples):.1f} ms wall, "
          f"{median_ms(cpu_since(mark)):.1f} ms CPU (medians)")
    # Floor: the same avoided-by-operation aggregate straight through SQLite.
    con = sqlite3.connect(big)
    floor = []
    for _ in range(a.runs):
        t = time.perf_counter()
        con.execute("SELECT e.operation, a.currency, sum(a.subtotal_micros) FROM entry e JOIN avoided a "
                    "ON a.entry_id = e.id GROUP BY 1, 2").fetchall()
        con.execute("SELECT e.operation, count(*) FROM entry e GROUP BY 1").fetchall()
        floor.append(time.perf_counter() - t)
    con.close()
    results["sqlite_floor_ms"] = median_ms(floor)
    print(f"raw sqlite3 (two of the report's queries, no process start): {median_ms(floor):.1f} ms; "
          f"stet --by operation / floor = {results['report_ms']['operation'] / median_ms(floor):.1f}x")
    mark = len(CPU)
    samples = [run_rss([stet, "ledger", "export", "--format", "jsonl", "--ledger", big, "-o", os.path.join(work, "x.jsonl")], env)
               for _ in range(3)]
    results["export_jsonl_s"] = statistics.median(x[0] for x in samples)
    results["export_jsonl_cpu_s"] = statistics.median(cpu_since(mark))
    print(f"export jsonl: {a.entries} entries in {results['export_jsonl_s']:.2f} s wall, "
          f"{results['export_jsonl_cpu_s']:.2f} s CPU, peak RSS {max(x[1] for x in samples):.0f} MiB")


if __name__ == "__main__":
    main()
