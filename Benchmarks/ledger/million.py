#!/usr/bin/env python3
"""The team ledger at scale: `stet savings` over 1,000,000 entries on PostgreSQL, with SQLite
beside it on the same entries.

    python3 million.py --stet ../../.build-bench/release/stet [--entries 1000000] [--runs 5]

Makes the entries with bench.py's generator (5 users, 4 projects, 90 days, 8 operations, two
tags each, 2% failures), imports them into an SQLite ledger with `stet ledger import` (in
chunks of 100,000), starts a throwaway PostgreSQL server (scripts/pg-test-server.sh), sends the
entries there with `stet ledger push`, then times `stet savings --format json` on both ledgers,
each grouping, whole processes, medians.
"""
import argparse, json, os, shutil, statistics, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
from bench import synthetic_entries, run_rss, CPU  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stet", default=os.path.join(ROOT, ".build", "release", "stet"))
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--json", help="write the results here")
    a = ap.parse_args()
    stet = os.path.abspath(a.stet)
    work = tempfile.mkdtemp(prefix="stet-million-")
    pg = tempfile.mkdtemp(prefix="stet-million-pg-")   # its own folder: the server user must reach it
    env = dict(os.environ, STET_NO_LOG="0", STET_LEDGER="", STET_PRICES="")
    results = {"entries": a.entries}
    try:
        out = subprocess.run([os.path.join(ROOT, "scripts", "pg-test-server.sh"), "start", pg],
                             check=True, capture_output=True, text=True).stdout
        vals = dict(line.split("=", 1) for line in out.strip().splitlines())
        url = vals["STET_TEST_PG_URL"]
        env["PGPASSWORD"] = vals["STET_TEST_PG_PASSWORD"]
        big = os.path.join(work, "big.sqlite")
        chunk, made, start = 100_000, 0, time.perf_counter()
        gen = synthetic_entries(a.entries)
        while made < a.entries:
            path = os.path.join(work, "chunk.jsonl")
            with open(path, "w") as f:
                for _ in range(min(chunk, a.entries - made)):
                    f.write(json.dumps(next(gen), ensure_ascii=False) + "\n")
                    made += 1
            run_rss([stet, "ledger", "import", path, "--ledger", big], env)
        results["sqlite_import_s"] = time.perf_counter() - start
        print(f"made and imported {made:,} entries into SQLite in {results['sqlite_import_s']:.0f} s")
        w, rss = run_rss([stet, "ledger", "push", "--to", url, "--ledger", big], env)
        results["push_s"] = w
        print(f"stet ledger push: {made:,} entries in {w:.0f} s ({made / w:,.0f} entries/s), peak RSS {rss:.0f} MiB")
        subprocess.run(["psql", "-X", "-q", "-d", url, "-c", "VACUUM ANALYZE"], env=env, check=True)
        for store, ledger in [("postgresql", url), ("sqlite", big)]:
            run_rss([stet, "savings", "--ledger", ledger, "--format", "json"], env)   # warm the caches once
            for by, extra in [("operation", []), ("model", []), ("project", []), ("user", []), ("day", []), ("tag", []),
                              ("day_filtered", ["--since", "2026-10-01", "--tag", "campaign=spring"])]:
                cmd = [stet, "savings", "--ledger", ledger, "--format", "json", "--by", by.replace("_filtered", "")] + extra
                mark = len(CPU)
                walls = [run_rss(cmd, env)[0] for _ in range(a.runs)]
                med = statistics.median(walls)
                results.setdefault(store, {})[by] = {"wall_s": med, "cpu_s": statistics.median(CPU[mark:])}
                print(f"{store:<10} --by {by:<13} {med:6.2f} s wall, {statistics.median(CPU[mark:]):5.2f} s stet CPU (median of {a.runs})")
    finally:
        subprocess.run([os.path.join(ROOT, "scripts", "pg-test-server.sh"), "stop", pg], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
