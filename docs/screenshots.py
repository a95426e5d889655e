"""Build the demo site and take screenshots of the home page (its knowledge map), the article, a
topic page, search results, a topic page's local graph and a collection's graph page, at 1280 px
and 390 px, in both editions, into docs/screenshots/.

    python docs/screenshots.py            # uses Debian's Chromium at /usr/bin/chromium

Remote images (the seed's photos) are not fetched: they collapse to their alt text, as they do for
a reader whose network fails them, so the script works offline and its output does not depend on a
third-party server.
"""

from __future__ import annotations

import functools
import http.server
import os
import sys
import tempfile
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]
PAGES = {
    "home": "",  # the demo's knowledge map (its own templates/)
    "article": "posts/1688-growth-path/",
    "topic": "topics/五大举措/bao-shengyi/",
    "search": "search/?q=1688",  # the search page when the site has one; else the search fallback
    "topic-graph": "topics/五大举措/bao-shengyi/",  # a topic page's local graph (scrolled to it: SCROLL)
    "graph": "topics/五大举措/graph/",  # a collection's global graph
}
SCROLL = {"topic-graph": ".page-graph"}  # shown from this element down, not from the page's top
WIDTHS = (1280, 390)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def main() -> int:
    sys.path.insert(0, str(REPO))
    from playwright.sync_api import sync_playwright

    from builder.pipeline.build import build

    os.environ.setdefault("SOURCE_DATE_EPOCH", "1739271366")
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "out"
        build(REPO, site)
        if not (site / "search" / "index.html").is_file():
            PAGES["search"] = "tags/?q=1688"  # no search page in this build: the form's fallback
        handler = functools.partial(_Quiet, directory=str(site))
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{httpd.server_address[1]}/"
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                for width in WIDTHS:
                    ctx = browser.new_context(viewport={"width": width, "height": 900}, device_scale_factor=1,
                                              color_scheme="light")
                    ctx.route("**/*", lambda r: r.continue_() if r.request.url.startswith(base)
                              else r.fulfill(status=204, body=""))
                    page = ctx.new_page()
                    for prefix, ed in (("", "zh-cn"), ("zh-tw/", "zh-tw")):
                        for name, path in PAGES.items():
                            page.goto(base + prefix + path)
                            page.wait_for_load_state("networkidle")
                            if name in SCROLL:
                                page.locator(SCROLL[name]).scroll_into_view_if_needed()
                                page.evaluate("s => document.querySelector(s).scrollIntoView()", SCROLL[name])
                            target = OUT / f"{name}-{ed}-{width}.png"
                            page.screenshot(path=str(target), full_page=False)
                            print(target.relative_to(REPO))
                    ctx.close()
                browser.close()
        finally:
            httpd.shutdown()
            httpd.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
