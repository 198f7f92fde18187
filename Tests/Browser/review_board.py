#!/usr/bin/env python3
"""Drives Stet's review board in real headless Chromium (Selenium + Debian's chromium-driver).

usage: review_board.py URL OUTDIR

Loads the board, presses 2 then l, hovers candidate 1 for the 100% loupe and screenshots it,
opens the A/B wipe and screenshots it, then makes the window larger and smaller and records which
proxy each grid cell decoded (naturalWidth), and prints one JSON object with what the page reported.
Exit 3 means chromium or selenium is missing (the caller skips with that message)."""
import json
import shutil
import sys
import time

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver") or "/usr/lib/chromium/chromedriver"
try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:
    print("selenium is not installed (pip install selenium)", file=sys.stderr)
    sys.exit(3)
if not CHROMIUM or not shutil.which(DRIVER) and not __import__("os").path.exists(DRIVER):
    print("chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)", file=sys.stderr)
    sys.exit(3)


# Each grid image: the width Chromium decoded, the width the page chose, the width the fitted
# picture needs in device pixels, the widths on offer, and its loading and decoding attributes.
GRID_STATE = """
return [...document.querySelectorAll('.cell')].map(cell => {
  const img = cell.querySelector('img');
  const a = img.naturalWidth && img.naturalHeight ? img.naturalWidth / img.naturalHeight : 1;
  return {natural: img.naturalWidth, chosen: Number(img.dataset.width), complete: img.complete,
          need: Math.min(cell.clientWidth, cell.clientHeight * a) * (window.devicePixelRatio || 1),
          loading: img.loading, decoding: img.decoding};
});
"""


def settled_grid(driver, wait):
    def ready(d):
        g = d.execute_script(GRID_STATE)
        return g if g and all(c["complete"] and c["natural"] == c["chosen"] for c in g) else False
    return wait.until(ready)


def main(url, out):
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--force-device-scale-factor=1", "--window-size=1280,900", "--hide-scrollbars"]:
        opts.add_argument(a)
    driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=opts)
    result = {}
    try:
        driver.set_window_size(1280, 900)
        t0 = time.time()
        driver.get(url)
        wait = WebDriverWait(driver, 30)
        wait.until(lambda d: d.execute_script("return document.body.dataset.ready") == "1")
        result["loadMs"] = int(driver.execute_script("return document.body.dataset.loadMs"))
        result["wallLoadMs"] = int((time.time() - t0) * 1000)
        result["cells"] = len(driver.find_elements(By.CSS_SELECTOR, ".cell"))
        result["grid"] = [settled_grid(driver, wait)]
        body = driver.find_element(By.TAG_NAME, "body")
        body.send_keys("2")
        wait.until(lambda d: d.execute_script("return document.body.dataset.lastDecision") == "pick:2")
        body.send_keys("l")
        wait.until(lambda d: d.execute_script("return document.body.dataset.lastDecision") == "lock:2")
        result["status"] = driver.find_element(By.ID, "status").text
        result["lockedCells"] = len(driver.find_elements(By.CSS_SELECTOR, ".cell.locked"))

        # The loupe over candidate 1, a third of the way into its picture.
        cell = driver.find_elements(By.CSS_SELECTOR, ".cell")[0]
        img = cell.find_element(By.TAG_NAME, "img")
        rect = driver.execute_script("""
            const img = arguments[0], r = img.getBoundingClientRect();
            const s = Math.min(r.width / img.naturalWidth, r.height / img.naturalHeight);
            const w = img.naturalWidth * s, h = img.naturalHeight * s;
            return {x: r.left + (r.width - w) / 2, y: r.top + (r.height - h) / 2, w: w, h: h, cx: r.left + r.width / 2, cy: r.top + r.height / 2};
        """, img)
        px, py = rect["x"] + rect["w"] * 0.35, rect["y"] + rect["h"] * 0.4
        ActionChains(driver).move_to_element_with_offset(img, int(px - rect["cx"]), int(py - rect["cy"])).perform()
        wait.until(lambda d: d.execute_script("return document.getElementById('loupe').dataset.loaded") == "1")
        time.sleep(0.3)
        loupe = driver.find_element(By.ID, "loupe")
        result["loupe"] = {k: int(loupe.get_attribute("data-" + k)) for k in ["fx", "fy", "candidate"]}
        loupe.screenshot(out + "/loupe.png")

        # The wipe: A is the cursor (candidate 2, picked), B the next; the line where the mouse is.
        body.send_keys("w")
        wait.until(lambda d: d.execute_script("return document.getElementById('wipe').dataset.ready") == "1")
        wipe = driver.find_element(By.ID, "wipe")
        ActionChains(driver).move_to_element_with_offset(wipe, 0, 0).perform()
        time.sleep(0.3)
        result["wipe"] = {k: int(wipe.get_attribute("data-" + k)) for k in ["a", "b", "split"]}
        result["wipe"]["width"] = wipe.size["width"]
        result["wipe"]["height"] = wipe.size["height"]
        result["wipeNatural"] = driver.execute_script(
            "return [document.getElementById('wipe-a').naturalWidth, document.getElementById('wipe-b').naturalWidth]")
        wipe.screenshot(out + "/wipe.png")
        body.send_keys("w")
        driver.save_screenshot(out + "/board.png")
        # A larger then a smaller window: the grid swaps to the smallest proxies that fill its cells.
        for size in [(1600, 1200), (560, 420)]:
            before = [c["need"] for c in driver.execute_script(GRID_STATE)]
            driver.set_window_size(*size)
            wait.until(lambda d: [c["need"] for c in d.execute_script(GRID_STATE)] != before)
            time.sleep(0.2)
            result["grid"].append(settled_grid(driver, wait))
        errors = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"] if hasattr(driver, "get_log") else []
        result["consoleErrors"] = [e.get("message", "") for e in errors]
    finally:
        driver.quit()
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
