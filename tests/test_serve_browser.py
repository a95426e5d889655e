"""`tongwen serve` in a real browser (Playwright + Debian's Chromium), the server run as a subprocess
`python -m builder serve SITE --port P` on a copy of the demo site.

- an edit reaches the open page (livereload websocket under the pages' CSP);
- a front-matter error shows in an overlay on the open page, the server stays up, a fix recovers;
- after a scripted sequence of mixed edits, every served file equals a clean `build()` of the same
  inputs (HTML compared after stripping only the injected block) and the served folder holds exactly
  the clean build's files.
"""

from __future__ import annotations

import http.client
import json
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from builder.pipeline.build import build
from builder.preview.client import strip_injected
from conftest import NO_CHROMIUM, NO_PLAYWRIGHT

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]
SEED = "content/posts/1688-growth-path.md"
SEED_URL = "posts/1688-growth-path/"

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=NO_CHROMIUM)
sync_api = pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT)


class Server:
    def __init__(self, site: Path):
        self.site = site
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}/"
        self.proc = subprocess.Popen([sys.executable, "-m", "builder", "serve", str(site), "--port", str(self.port)],
                                     cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        end = time.monotonic() + 60
        while True:
            try:
                self.status()
                break
            except OSError:
                if time.monotonic() > end or self.proc.poll() is not None:
                    raise AssertionError("server did not start") from None
                time.sleep(0.05)

    def get(self, path: str) -> tuple[int, bytes]:
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        c.request("GET", path)
        r = c.getresponse()
        body = r.read()
        c.close()
        return r.status, body

    def status(self) -> dict[str, Any]:
        st, body = self.get("/__tongwen/status.json")
        assert st == 200
        return dict(json.loads(body))

    def settle(self, builds_before: int, timeout: float = 30) -> dict[str, Any]:
        """Wait for at least one rebuild after `builds_before`, then for the server to go idle."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            s = self.status()
            if s["builds"] > builds_before and not s["building"] and not s["pending"]:
                time.sleep(0.15)  # a straggling watcher event would start one more build
                s2 = self.status()
                if s2["builds"] == s["builds"] and not s2["building"] and not s2["pending"]:
                    return s2
            time.sleep(0.02)
        raise AssertionError("the server did not rebuild")

    def idle(self, timeout: float = 30) -> int:
        """Wait until no build runs or is pending; return the build count."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            s = self.status()
            if not s["building"] and not s["pending"]:
                return int(s["builds"])
            time.sleep(0.02)
        raise AssertionError("the server stayed busy")

    def stop(self) -> tuple[int, str, str]:
        self.proc.send_signal(signal.SIGINT)
        out, err = self.proc.communicate(timeout=20)
        return self.proc.returncode, out, err


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("serve") / "site"
    root.mkdir()
    shutil.copy(REPO / "site.yaml", root / "site.yaml")
    shutil.copytree(REPO / "content", root / "content")
    return root


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[Server]:
    s = Server(site)
    yield s
    if s.proc.poll() is None:
        code, out, err = s.stop()
        assert code == 0, err
        assert "Traceback" not in err


@pytest.fixture(scope="module")
def page(server: Server) -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        pg = browser.new_page()
        # set on every load, before the page's own scripts: livereload.js fires this when connected
        pg.add_init_script("document.addEventListener('LiveReloadConnect', () => { window.__lrc = 1; })")
        yield pg
        browser.close()


def open_connected(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_function("() => window.__lrc === 1", timeout=10000)
    time.sleep(0.1)  # livereload registers the page right after the connect event


def wait_text(page: Any, text: str, present: bool = True, timeout: float = 15000) -> None:
    js = "([t, p]) => !!document.body && document.body.innerText.includes(t) === p"
    end = time.monotonic() + timeout / 1000
    while True:
        try:
            page.wait_for_function(js, arg=[text, present], polling="raf", timeout=timeout)
            return
        except sync_api.Error as exc:  # the page reloaded under us: look again
            if "Timeout" in str(exc) or time.monotonic() > end:
                raise


def test_edit_reaches_the_open_page(server: Server, page: Any, site: Path) -> None:
    open_connected(page, server.url + SEED_URL)
    src = site / SEED
    marker = f"live-edit-{time.time_ns()}"
    src.write_text(src.read_text(encoding="utf-8") + f"\n\n{marker}\n", encoding="utf-8")
    t0 = time.perf_counter()
    wait_text(page, marker)
    assert time.perf_counter() - t0 < 10
    # the other edition's page has it too (a Latin marker reads the same in 繁體)
    assert marker.encode() in server.get("/zh-tw/" + SEED_URL)[1]


def test_quick_successive_edits_are_never_dropped(server: Server, page: Any, site: Path) -> None:
    """python-livereload ignores reloads within 3 s of the previous one; ours must not."""
    open_connected(page, server.url + SEED_URL)
    src = site / SEED
    base = src.read_text(encoding="utf-8")
    t0 = time.perf_counter()
    for i in range(4):
        marker = f"quick-{i}-{time.time_ns()}"
        src.write_text(base + f"\n\n{marker}\n", encoding="utf-8")
        wait_text(page, marker)
    assert time.perf_counter() - t0 < 3 * 3  # each well inside livereload's 3-second window
    src.write_text(base, encoding="utf-8")


def test_front_matter_error_shows_in_page_and_fix_recovers(server: Server, page: Any, site: Path) -> None:
    open_connected(page, server.url + SEED_URL)
    src = site / SEED
    good = src.read_text(encoding="utf-8")
    title = 'title: "1688找到生意增长新路径"'
    src.write_text(good.replace(title, title + "\ndate: [broken <b>"), encoding="utf-8")
    page.wait_for_selector("#tongwen-error", timeout=15000)
    overlay = page.inner_text("#tongwen-error")
    assert f"{SEED}:" in overlay  # path:line: message, as text
    assert page.locator("#tongwen-error b").count() == 0  # escaped, not markup
    assert "1688找到生意增长新路径" in page.inner_text("h1")  # the last good page is still shown
    assert server.proc.poll() is None and server.get("/")[0] == 200  # the server stays up
    open_connected(page, server.url + SEED_URL)
    marker = f"fixed-{time.time_ns()}"
    src.write_text(good + f"\n\n{marker}\n", encoding="utf-8")
    wait_text(page, marker)
    assert page.locator("#tongwen-error").count() == 0


def test_error_overlay_is_readable_in_light_and_dark(server: Server, page: Any, site: Path) -> None:
    """The overlay over the demo's own styles (a page's `pre`, `h2`, `p` rules must not leak in): every
    text at contrast ≥ 4.5:1 in both schemes and three widths, `path:line: message` the largest text."""
    import webtools
    open_connected(page, server.url + SEED_URL)
    src = site / SEED
    good = src.read_text(encoding="utf-8")
    assert 'date: "2025-02-11' in good
    src.write_text(good.replace('date: "2025-02-11', 'date: "2025-02-30', 1), encoding="utf-8")
    try:
        page.wait_for_selector("#tongwen-error", timeout=15000)
        line = page.inner_text("#tongwen-error pre")
        assert f"{SEED}:" in line and "day is out of range for month" in line
        for scheme in ("light", "dark"):
            for width in (390, 1000, 1280):
                page.emulate_media(color_scheme=scheme)
                page.set_viewport_size({"width": width, "height": 800})
                for sel in ("#tongwen-error pre", "#tongwen-error h2", "#tongwen-error p"):
                    ratio = page.evaluate(webtools.CONTRAST, sel)
                    assert ratio >= 4.5, f"{scheme} {width}px: {sel} contrast {ratio:.2f}"
                sizes = page.evaluate("""() => ['pre', 'h2', 'p'].map(t => {
                    const s = getComputedStyle(document.querySelector('#tongwen-error ' + t));
                    return [parseFloat(s.fontSize), +s.fontWeight]; })""")
                assert sizes[0][0] > max(sizes[1][0], sizes[2][0]) and sizes[0][1] >= 700, sizes
                box = page.locator("#tongwen-error pre").bounding_box()
                assert box and box["x"] >= 0 and box["x"] + box["width"] <= width
    finally:
        page.emulate_media(color_scheme="light")
        page.set_viewport_size({"width": 1280, "height": 720})
        open_connected(page, server.url + SEED_URL)
        src.write_text(good, encoding="utf-8")
        wait_text(page, "day is out of range", present=False)


def _mixed_edits(site: Path, server: Server) -> int:
    """At least 10 edits of every kind; some wait for a rebuild, some land in bursts or mid-build."""
    posts, topic = site / "content" / "posts", site / "content" / "topics" / "五大举措" / "bao-shengyi.md"
    seed = site / SEED
    new = posts / "new-one.md"
    tpl_dir, static_dir = site / "templates", site / "static"
    article_tpl = (REPO / "builder" / "theme" / "templates" / "article.html").read_text(encoding="utf-8")

    def put(path: Path, text: str) -> None:
        path.write_text(text, encoding="utf-8")

    def edit(path: Path, old: str, new: str) -> None:
        text = path.read_text(encoding="utf-8")
        assert old in text
        put(path, text.replace(old, new))

    def article(title: str, date: str, tags: list[str], body: str) -> str:
        tag_lines = "".join(f'  - "{t}"\n' for t in tags)
        return f'---\ntitle: "{title}"\ndate: "{date}"\ntags:\n{tag_lines}---\n\n{body}\n'

    steps = [
        lambda: seed.write_text(seed.read_text(encoding="utf-8") + "\n\n新增一段：软件与网络。\n", encoding="utf-8"),
        lambda: new.write_text(article("新文章", "2025-03-01 09:00:00", ["软件", "网络"], "保生意 是关键。双保。"),
                               encoding="utf-8"),
        lambda: new.write_text(article("新文章", "2025-03-01 09:00:00", ["数据库"], "保生意 是关键。双保。"),
                               encoding="utf-8"),
        lambda: edit(seed, 'date: "2025-02-11 18:56:06"', 'date: "2025-04-01 08:00:00"'),
        lambda: new.rename(posts / "renamed.md"),
        lambda: edit(topic, 'aliases: ["保生意", "双保"]', 'aliases: ["保生意", "双保", "新增一段"]'),
        lambda: (tpl_dir.mkdir(exist_ok=True),
                 (tpl_dir / "article.html").write_text(article_tpl.replace('<article class="post"',
                                                                           '<article data-x="1" class="post"'),
                                                       encoding="utf-8")),
        lambda: (static_dir.mkdir(exist_ok=True), (static_dir / "extra.css").write_text("body{color:red}\n")),
        lambda: edit(site / "site.yaml", "title: 同文知识库", "title: 同文知识库（预览）"),
        lambda: (posts / "renamed.md").unlink(),
        lambda: (tpl_dir / "article.html").write_text(article_tpl.replace('<article class="post"',
                                                                          '<article data-x="2" class="post"'),
                                                      encoding="utf-8"),
        lambda: (static_dir / "style.css").write_text("/* overridden */\n"),
        lambda: put(posts / "burst-a.md", article("突发甲", "2025-05-01 10:00:00", ["网络"], "甲")),
        lambda: put(posts / "burst-b.md", article("突发乙", "2025-05-02 10:00:00", ["网络"], "乙")),
        lambda: (static_dir / "extra.css").unlink(),
    ]
    # each of these must cause a rebuild on its own; the others land in bursts or while a build runs
    wait_after = {0, 2, 4, 6, 9, 11, len(steps) - 1}
    for i, step in enumerate(steps):
        before = server.idle() if i in wait_after else 0
        step()
        if i in wait_after:
            server.settle(before)
        else:
            time.sleep(0.03)
    return len(steps)


def test_served_site_equals_clean_build_after_mixed_edits(server: Server, page: Any, site: Path,
                                                          tmp_path: Path) -> None:
    open_connected(page, server.url + SEED_URL)
    before = server.status()["builds"]
    n = _mixed_edits(site, server)
    assert n >= 10
    status = server.settle(before)
    assert status["ok"], status["errors"]
    clean = tmp_path / "clean"
    build(site, clean)
    served_root = Path(status["root"])
    files = sorted(p.relative_to(clean).as_posix() for p in clean.rglob("*") if p.is_file())
    served = sorted(p.relative_to(served_root).as_posix() for p in served_root.rglob("*") if p.is_file())
    assert served == files  # no stale leftovers (the renamed/deleted article, extra.css), nothing missing
    assert any(f.startswith("posts/burst-b/") for f in files) and not any("new-one" in f or "renamed" in f
                                                                          for f in files)
    compared = 0
    for rel in files:
        if rel == ".tongwen-manifest":
            continue
        st, body = server.get("/" + quote(rel))
        assert st == 200, rel
        assert strip_injected(body) == (clean / rel).read_bytes(), f"stale: {rel}"
        compared += 1
    assert compared > 40
    # and the open page was reloaded to the final state
    wait_text(page, "同文知识库（预览）")
    assert page.locator("article[data-x='2']").count() == 1


def test_sigint_stops_the_server(server: Server) -> None:
    code, out, err = server.stop()
    assert code == 0, err
    assert "tongwen: stopped" in out and "Traceback" not in err

