#!/usr/bin/env python3
"""The review board's two figures (issue 16), side by side with a plain static file server.

1. Page load of 64 candidates, proxies of 12 MP photographs, measured in headless Chromium
   (Selenium): navigation start to every proxy decoded (the page's own `data-ready`), browser
   cache off, median of N runs. Peer: the same 64 files the board's grid decoded (its grid
   proxies) in a plain <img> page served by Python's ThreadingHTTPServer (no token, no API, no
   JSON); and, for scale, the 64 full 1024 px proxies in the same plain page (what the board
   decoded before it had grid proxies). The peer pages use the same loading="lazy" and
   decoding="async" as the board.
2. 200 concurrent API requests on loopback: 200 keep-alive connections at once, each sending
   R requests for GET /api/assets/1 (the 64-candidate detail, about 30 KB of JSON); errors
   (non-200, resets, timeouts) counted, latency medians and p99. Peer: the same bytes as a file
   from ThreadingHTTPServer. Bounded: at most 200 x R requests, a 60 s cap.

The 12 MP photographs are made here by upscaling CSun_Hays80 photographs with `vips resize`
(4000 px wide) into a temporary folder, removed at the end; nothing is committed.

With --before PATH (an older stet binary), that build's board on the same photographs is loaded
in the same alternation, for a before/after in one run.

usage: Benchmarks/review/bench.py [--runs 7] [--requests 25] [--stet PATH] [--before PATH]
"""
import argparse
import asyncio
import http.server
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATASET = os.path.join(os.path.dirname(ROOT), "shared/datasets/train/CSun_Hays80")
if not os.path.isdir(DATASET):
    DATASET = "/work/shared/datasets/train/CSun_Hays80"


def make_photos(folder, n=64):
    names = sorted(f for f in os.listdir(DATASET) if f.endswith(".jpg"))[:n]
    for i, name in enumerate(names):
        src = os.path.join(DATASET, name)
        w = int(subprocess.check_output(["vipsheader", "-f", "width", src]).decode())
        out = os.path.join(folder, "photo-%02d.jpg" % (i + 1))
        subprocess.check_call(["vips", "resize", src, out + "[Q=90]", str(4000 / w)])
    return len(names)


def start_board(stet, folder, cwd):
    p = subprocess.Popen([stet, "review", folder, "--seconds", "900", "--no-log", "--fold-distance=-1"],
                         cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    t = time.time()
    url = p.stdout.readline().strip()
    if not url.startswith("http://"):
        sys.exit("stet review did not start: " + p.stderr.read())
    return p, url, time.time() - t


class Quiet(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass


def start_static(folder):
    handler = lambda *a, **k: Quiet(*a, directory=folder, **k)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, srv.server_address[1]


PEER_PAGE = """<!doctype html><html><head><style>
body{margin:0;background:#181818;display:grid;grid-template-columns:repeat(8,1fr);height:100vh}
img{width:100%;height:100%;object-fit:contain;min-height:0}</style></head><body>
%s<script>
const imgs=[...document.images];
Promise.all(imgs.map(i=>i.decode().catch(()=>{}))).then(()=>{document.body.dataset.loadMs=String(Math.round(performance.now()));document.body.dataset.ready="1";});
</script></body></html>"""


def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium")
    for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--force-device-scale-factor=1", "--window-size=1600,1000"]:
        opts.add_argument(a)
    d = webdriver.Chrome(service=Service(executable_path=shutil.which("chromedriver")), options=opts)
    d.execute_cdp_cmd("Network.enable", {})
    d.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    return d


def page_load(driver, url):
    from selenium.webdriver.support.ui import WebDriverWait
    driver.get("about:blank")
    driver.get(url)
    WebDriverWait(driver, 60).until(lambda d: d.execute_script("return document.body && document.body.dataset.ready") == "1")
    cells = driver.execute_script("return document.querySelectorAll('.cell img').length || document.images.length")
    return int(driver.execute_script("return document.body.dataset.loadMs")), cells


async def one_client(port, path, headers, n, lat, errors, deadline):
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), 10)
    except Exception:
        errors.append("connect")
        return
    req = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n%s\r\n" % (path, port, headers)).encode()
    try:
        for _ in range(n):
            if time.time() > deadline:
                errors.append("deadline")
                break
            t = time.perf_counter()
            writer.write(req)
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
            lines = head.decode("latin1").split("\r\n")
            status = int(lines[0].split()[1])
            length = 0
            for l in lines[1:]:
                if l.lower().startswith("content-length:"):
                    length = int(l.split(":")[1])
            await asyncio.wait_for(reader.readexactly(length), 30)
            lat.append(time.perf_counter() - t)
            if status != 200:
                errors.append(status)
    except Exception as e:
        errors.append(type(e).__name__)
    finally:
        writer.close()


async def load(port, path, headers, clients, n):
    lat, errors = [], []
    deadline = time.time() + 60
    t = time.perf_counter()
    await asyncio.gather(*[one_client(port, path, headers, n, lat, errors, deadline) for _ in range(clients)])
    wall = time.perf_counter() - t
    lat.sort()
    return {"requests": len(lat), "errors": len(errors), "error_kinds": sorted(set(map(str, errors)))[:5],
            "wall_s": round(wall, 3), "rps": round(len(lat) / wall, 1),
            "median_ms": round(statistics.median(lat) * 1000, 2) if lat else None,
            "p99_ms": round(lat[int(len(lat) * 0.99) - 1] * 1000, 2) if lat else None}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--requests", type=int, default=25)
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--stet", default=None)
    ap.add_argument("--before", default=None, help="an older stet binary whose board is loaded in the same run")
    ap.add_argument("--photos", default=None, help="keep the 12 MP photographs in this folder (reused if it holds 64)")
    a = ap.parse_args()
    stet = a.stet or os.path.join(subprocess.check_output(["swift", "build", "-c", "release", "--show-bin-path"], cwd=ROOT).decode().strip(), "stet")
    work = tempfile.mkdtemp(prefix="stet-review-bench-")
    try:
        photos = a.photos or os.path.join(work, "photos")
        os.makedirs(photos, exist_ok=True)
        have = [f for f in os.listdir(photos) if f.endswith(".jpg")]
        n = len(have) if len(have) == 64 else make_photos(photos)
        os.makedirs(os.path.join(work, "proj", ".stet"))
        board, url, ready_s = start_board(stet, photos, os.path.join(work, "proj"))
        before = None
        if a.before:
            os.makedirs(os.path.join(work, "before", ".stet"))
            before = start_board(a.before, photos, os.path.join(work, "before"))
        port = int(url.split(":")[2].split("/")[0])
        token = url.split("token=")[1]
        detail = subprocess.check_output(["curl", "-s", "-H", "Authorization: Bearer " + token,
                                          "http://127.0.0.1:%d/api/assets/1" % port])
        cands = json.loads(detail)["candidates"]
        d = browser()
        # Which files the grid shows in this window: the first load tells (every cell the same size).
        page_load(d, url)
        shown = d.execute_script("return [...document.querySelectorAll('.cell img')].map(i => i.dataset.src)")
        natural = d.execute_script("return [...document.querySelectorAll('.cell img')].map(i => i.naturalWidth)")
        # The peers: those files, and the full proxies, in static pages.
        cache = os.path.join(work, "proj", ".stet", "cache", "review")
        static = os.path.join(work, "static")
        os.makedirs(static)
        by_url = {}
        for c in cands:
            stem = os.path.join(cache, "%s-1024" % c["sha256"])
            by_url[c["proxy"]] = stem + ".jpg"
            for t in c.get("thumbs", []):
                by_url[t["url"]] = stem + "-%s.jpg" % t["url"].rsplit("/", 1)[1]
        grid_files = [by_url[u] for u in shown]
        full_files = [by_url[c["proxy"]] for c in cands]
        for i, path in enumerate(grid_files):
            shutil.copy(path, os.path.join(static, "grid-%02d.jpg" % i))
        for i, path in enumerate(full_files):
            shutil.copy(path, os.path.join(static, "full-%02d.jpg" % i))
        with open(os.path.join(static, "index.html"), "w") as f:
            f.write(PEER_PAGE.replace("%s", "".join('<img src="grid-%02d.jpg" loading="lazy" decoding="async">' % i for i in range(len(grid_files)))))
        with open(os.path.join(static, "full.html"), "w") as f:
            f.write(PEER_PAGE.replace("%s", "".join('<img src="full-%02d.jpg" loading="lazy" decoding="async">' % i for i in range(len(full_files)))))
        with open(os.path.join(static, "asset.json"), "wb") as f:
            f.write(detail)
        srv, sport = start_static(static)

        stet_ms, peer_ms, full_ms, before_ms = [], [], [], []
        if before:
            page_load(d, before[1])
        try:
            for _ in range(a.runs):   # alternate A B C (D)
                if before:
                    ms, cells = page_load(d, before[1])
                    assert cells == n, cells
                    before_ms.append(ms)
                ms, cells = page_load(d, url)
                assert cells == n, cells
                stet_ms.append(ms)
                ms, cells = page_load(d, "http://127.0.0.1:%d/index.html" % sport)
                assert cells == n, cells
                peer_ms.append(ms)
                ms, cells = page_load(d, "http://127.0.0.1:%d/full.html" % sport)
                assert cells == n, cells
                full_ms.append(ms)
        finally:
            d.quit()
        s_load = asyncio.run(load(port, "/api/assets/1", "Authorization: Bearer %s\r\n" % token, a.clients, a.requests))
        p_load = asyncio.run(load(sport, "/asset.json", "", a.clients, a.requests))
        board.terminate()
        board.wait()
        if before:
            before[0].terminate()
            before[0].wait()
        srv.shutdown()
        res = {
            "candidates": n, "proxy_bytes_total": sum(os.path.getsize(p) for p in full_files),
            "grid_bytes_total": sum(os.path.getsize(p) for p in grid_files),
            "grid_natural_widths": sorted(set(natural)),
            "board_ready_s_first_start": round(ready_s, 2),
            "page_load_ms": {"stet_median": statistics.median(stet_ms), "peer_median": statistics.median(peer_ms),
                             "ratio": round(statistics.median(stet_ms) / statistics.median(peer_ms), 2),
                             "stet_runs": stet_ms, "peer_runs": peer_ms,
                             "full_proxies_static_median": statistics.median(full_ms), "full_proxies_static_runs": full_ms,
                             "before_median": statistics.median(before_ms) if before_ms else None, "before_runs": before_ms},
            "api_200_concurrent": {"stet": s_load, "peer": p_load,
                                   "median_latency_ratio": round(s_load["median_ms"] / p_load["median_ms"], 2)
                                   if s_load["median_ms"] and p_load["median_ms"] else None},
            "detail_json_bytes": len(detail),
        }
        print(json.dumps(res, indent=2))
        if s_load["errors"] or s_load["requests"] != a.clients * a.requests:
            sys.exit(1)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
