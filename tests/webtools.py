"""Shared helpers for browser tests: build the demo site once, serve it over HTTP, launch Chromium."""

from __future__ import annotations

import functools
import http.server
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import NO_CHROMIUM, NO_PLAYWRIGHT

REPO = Path(__file__).resolve().parent.parent
AXE = REPO / "tools/node_modules/axe-core/axe.min.js"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]


def build_demo(out: Path) -> Path:
    from builder.pipeline.build import build
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1739271366")
    build(REPO, out)
    return out


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@contextmanager
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip(NO_CHROMIUM)
    sync_api = pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT)
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


def block_external(context: object) -> None:
    """Tests must not reach the network: remote images (the seed's thumbnails) get an empty answer."""
    def handle(route: object) -> None:
        url = route.request.url  # type: ignore[attr-defined]
        if url.startswith("http://127.0.0.1"):
            route.continue_()  # type: ignore[attr-defined]
        else:
            route.fulfill(status=204, body="")  # type: ignore[attr-defined]
    context.route("**/*", handle)  # type: ignore[attr-defined]


# `contrast(el)`, in the page: the WCAG contrast ratio of an element's computed text colour against
# the background it is painted on (its own and its ancestors' computed backgrounds, translucent ones
# composited, over the root's colour or white). page.evaluate(CONTRAST, selector) gives the lowest
# ratio among the visible elements with text that match the selector.
CONTRAST_FN = """
function parseRGB(s) {
  const m = /rgba?\\(([^)]+)\\)/.exec(s);
  if (!m) throw new Error('not an rgb() colour: ' + s);
  const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
  return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
}
function over(top, under) {  // top composited over an opaque colour
  const a = top[3];
  return [0, 1, 2].map(i => top[i] * a + under[i] * (1 - a)).concat([1]);
}
function background(el) {
  const layers = [];
  for (let e = el; e; e = e.parentElement) {
    const c = parseRGB(getComputedStyle(e).backgroundColor);
    if (c[3] > 0) layers.push(c);
    if (c[3] >= 1) break;
  }
  let base = [255, 255, 255, 1];
  if (!layers.length || layers[layers.length - 1][3] < 1) {
    const root = parseRGB(getComputedStyle(document.documentElement).backgroundColor);
    if (root[3] > 0) base = over(root, base);
  }
  for (let i = layers.length - 1; i >= 0; i--) base = over(layers[i], base);
  return base;
}
function lum(c) {
  const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
}
function contrast(el) {
  const bg = background(el);
  const fg = over(parseRGB(getComputedStyle(el).color), bg);
  const a = lum(fg), b = lum(bg);
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}
"""
CONTRAST = ("(sel) => { " + CONTRAST_FN + " const els = Array.from(document.querySelectorAll(sel))"
            ".filter(e => (e.textContent.trim() || (e.value || '').trim()) && e.getClientRects().length);"
            " if (!els.length) throw new Error('nothing visible matches ' + sel);"
            " return Math.min(...els.map(contrast)); }")


def axe_serious(page: object, where: str) -> list[str]:
    """axe-core run on the page `page` shows: its serious and critical violations, each as
    "WHERE: impact id [first nodes]"."""
    page.add_script_tag(path=str(AXE))  # type: ignore[attr-defined]
    violations = page.evaluate(  # type: ignore[attr-defined]
        "async () => (await axe.run()).violations.map(v => ({id: v.id, impact: v.impact, "
        "nodes: v.nodes.map(n => n.target.join(' '))}))")
    return [f"{where}: {v['impact']} {v['id']} {v['nodes'][:3]}"
            for v in violations if v["impact"] in ("serious", "critical")]
