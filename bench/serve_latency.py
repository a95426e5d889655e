"""Save-to-browser latency of `tongwen serve`, measured in a real browser (Playwright + Chromium).

    python bench/serve_latency.py                      # the demo site (copied to a temp folder)
    python bench/serve_latency.py --articles 1000      # a generated 1,000-article site
    python bench/serve_latency.py --site DIR --page /posts/x/ --file content/posts/x.md

For each round: append a paragraph with a unique marker to an article, and time from just before
the write until the open page shows the marker (the server has rebuilt, livereload has reloaded the
page, and the page shows the change): the page itself notes, on the system clock, the first frame
after its text holds the marker (an observer set up before the page's own scripts run), so the
harness's polling does not count. Prints every sample, the median and the p90.

Where the time goes (medians over the rounds, each from the browser's clock, which is the system's):
`save → reload message` (the watcher, the build, the message: the server's own log splits it into
"first change event → reload sent" and the rebuild), `message → new page's request` (the old page
unloads), `request → HTML received`, `HTML → marker shown` (parse, styles, scripts, layout).
"""

from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parent.parent
GEN = REPO / "bench" / "gen_corpus.py"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(url: str, timeout: float = 120) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            urllib.request.urlopen(url + "__tongwen/status.json", timeout=2).read()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"server at {url} did not come up")


def make_site(tmp: Path, articles: int) -> tuple[Path, str, str]:
    site = tmp / "site"
    if articles:
        if not GEN.is_file():
            raise SystemExit(f"{GEN} not found")
        subprocess.run([sys.executable, str(GEN), str(site), "--articles", str(articles), "--topics", "0"],
                       check=True, stdout=subprocess.DEVNULL)
        first = sorted((site / "content" / "posts").glob("*.md"))[0]
        return site, f"/posts/{first.stem}/", f"content/posts/{first.name}"
    site.mkdir()
    shutil.copy(REPO / "site.yaml", site / "site.yaml")
    shutil.copytree(REPO / "content", site / "content")
    return site, "/posts/1688-growth-path/", "content/posts/1688-growth-path.md"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--site", help="an existing site folder (it is edited! default: a temp copy of the demo)")
    ap.add_argument("--page", help="URL path of the page to watch (with --site)")
    ap.add_argument("--file", help="source file of that page, relative to the site (with --site)")
    ap.add_argument("--articles", type=int, default=0, help="generate a site with this many articles")
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--pause", type=float, default=0.3, help="seconds between rounds")
    ap.add_argument("--repo", default=str(REPO), help="checkout whose `builder` serves (default: this one)")
    args = ap.parse_args()
    if not Path("/usr/bin/chromium").exists():
        raise SystemExit("needs /usr/bin/chromium")
    tmp = Path(tempfile.mkdtemp(prefix="tongwen-bench-"))
    try:
        if args.site:
            site, page, rel = Path(args.site), args.page, args.file
            if not page or not rel:
                raise SystemExit("--site needs --page and --file")
        else:
            site, page, rel = make_site(tmp, args.articles)
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        proc = subprocess.Popen([sys.executable, "-m", "builder", "--debug", "serve", str(site), "--port", str(port)],
                                cwd=args.repo, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            wait_up(url)
            samples, parts = run(url + page.lstrip("/"), site / rel, args.rounds, args.pause)
        finally:
            proc.send_signal(2)
            out, _ = proc.communicate(timeout=30)
        builds = [float(line.split()[3]) for line in out.splitlines() if line.startswith("tongwen: rebuilt in")]
        ms = sorted(s * 1000 for s in samples)
        p90 = ms[min(len(ms) - 1, int(round(0.9 * (len(ms) - 1))))]
        print("samples (ms):", " ".join(f"{x:.0f}" for x in ms))
        print(f"save→browser: median {statistics.median(ms):.0f} ms, p90 {p90:.0f} ms, n={len(ms)}")
        for name, values in parts.items():
            if values:
                print(f"  {name}: median {statistics.median(values):.0f} ms")
        seen = [float(line.split(":")[-1].split()[0]) for line in out.splitlines()
                if line.startswith("change seen → reload sent")]
        if seen:
            print(f"server, first change event → reload sent: median {statistics.median(seen):.0f} ms")
        if builds[1:]:
            print(f"server rebuild: median {statistics.median(builds[1:]):.0f} ms over {len(builds) - 1} rebuilds "
                  f"(first build {builds[0]:.0f} ms)")
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# records when a reload message arrives (kept in sessionStorage across the reload it causes)
MESSAGE_CLOCK = """
(() => {
  const Native = window.WebSocket;
  if (!Native || Native.__timed) return;
  window.WebSocket = function (...a) {
    const ws = new Native(...a);
    ws.addEventListener("message", (e) => {
      if (String(e.data).includes('"reload"')) sessionStorage.setItem("__msg", String(Date.now()));
    });
    return ws;
  };
  window.WebSocket.prototype = Native.prototype;
  Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3, __timed: true});
})();
"""
# notes when the page's text first holds the marker the harness put in sessionStorage (the frame after)
MARKER_CLOCK = """
(() => {
  const m = sessionStorage.getItem("__marker");
  if (!m) return;
  let done = false;
  const check = () => {
    if (done || !document.body || !document.body.textContent.includes(m)) return;
    done = true;
    requestAnimationFrame(() => setTimeout(() => sessionStorage.setItem("__seen", String(Date.now())), 0));
  };
  new MutationObserver(check).observe(document, {childList: true, subtree: true});
  document.addEventListener("DOMContentLoaded", check);
})();
"""
# the new page's own timings, as epoch milliseconds
PAGE_CLOCK = """() => {
  const n = performance.getEntriesByType("navigation")[0], o = performance.timeOrigin;
  return {msg: Number(sessionStorage.getItem("__msg") || 0), start: o + n.startTime,
          request: o + n.requestStart, html: o + n.responseEnd, dcl: o + n.domContentLoadedEventEnd,
          paint: o + ((performance.getEntriesByName("first-contentful-paint")[0] || {}).startTime || 0)};
}"""


def run(page_url: str, src: Path, rounds: int, pause: float) -> tuple[list[float], dict[str, list[float]]]:
    samples: list[float] = []
    parts: dict[str, list[float]] = {"save → reload message": [], "message → new page's request": [],
                                     "request → HTML received": [], "HTML → DOMContentLoaded": [],
                                     "HTML → first contentful paint": [], "paint → marker shown": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        pg = browser.new_page()
        pg.add_init_script(MESSAGE_CLOCK)
        pg.add_init_script(MARKER_CLOCK)
        pg.add_init_script("document.addEventListener('LiveReloadConnect', () => { window.__lrc = 1; })")
        connected = "() => window.__lrc === 1"
        pg.goto(page_url)
        pg.wait_for_function(connected)  # livereload.js is connected
        original = src.read_text(encoding="utf-8")
        for i in range(rounds + 1):  # round 0 warms up and is not counted
            marker = f"benchmark-marker-{i}-{time.time_ns()}"
            pg.evaluate("m => { sessionStorage.removeItem('__msg'); sessionStorage.removeItem('__seen'); "
                        "sessionStorage.setItem('__marker', m); }", marker)
            wall0 = time.time() * 1000
            t0 = time.perf_counter()
            with open(src, "w", encoding="utf-8") as f:
                f.write(original + f"\n\n{marker}\n")
            while True:
                try:
                    pg.wait_for_function("m => document.body && document.body.innerText.includes(m)", arg=marker,
                                         polling="raf", timeout=30000)
                    break
                except PlaywrightError as exc:  # the page navigated mid-wait: wait again
                    if "Timeout" in str(exc):
                        raise
            seen = _seen(pg)
            dt = (seen - wall0) / 1000 if seen else time.perf_counter() - t0
            if i:
                samples.append(dt)
                c = pg.evaluate(PAGE_CLOCK)
                if c["msg"] and c["start"] >= c["msg"]:  # (else the page was not reloaded by the message)
                    parts["save → reload message"].append(c["msg"] - wall0)
                    parts["message → new page's request"].append(c["request"] - c["msg"])
                    parts["request → HTML received"].append(c["html"] - c["request"])
                    parts["HTML → DOMContentLoaded"].append(c["dcl"] - c["html"])
                    parts["HTML → first contentful paint"].append(c["paint"] - c["html"])
                    parts["paint → marker shown"].append(wall0 + dt * 1000 - c["paint"])
            pg.wait_for_function(connected)  # the reloaded page's websocket is connected again
            time.sleep(pause)
        src.write_text(original, encoding="utf-8")
        browser.close()
    return samples, parts


def _seen(pg: Any) -> float:
    """When the page noted the marker shown (epoch ms), once it has (0 if it never did)."""
    for _ in range(200):
        try:
            got = pg.evaluate("sessionStorage.getItem('__seen')")
        except PlaywrightError:  # the page is navigating
            got = None
        if got:
            return float(got)
        time.sleep(0.01)
    return 0.0


if __name__ == "__main__":
    sys.exit(main())
