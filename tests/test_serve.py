"""Fast tests of the preview server: path safety, content types, injection, rebuild scheduling,
error handling, the watcher, signals. The browser tests live in test_serve_browser.py."""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tornado import ioloop

from builder.pipeline.build import build
from builder.preview.client import MARK_OPEN, error_overlay, inject, strip_injected
from builder.preview.handlers import host_allowed
from builder.preview.paths import content_type, resolve_request
from builder.preview.state import Preview
from builder.preview.watch import Watcher
from builder.serve import application

REPO = Path(__file__).resolve().parent.parent

ARTICLE = """---
title: "第一篇文章"
date: "2024-01-02 10:00:00"
tags:
  - "软件"
---

这是正文，关于软件和网络。
"""


def make_site(root: Path) -> Path:
    (root / "content" / "posts").mkdir(parents=True)
    (root / "site.yaml").write_text("title: 测试站\nbase_url: https://t.example.org/\n", encoding="utf-8")
    (root / "content" / "posts" / "first.md").write_text(ARTICLE, encoding="utf-8")
    return root


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- pure helpers -------------------------------------------------------------------------------

@pytest.mark.parametrize("raw", ["/../etc/passwd", "/%2e%2e/etc/passwd", "/%2E%2E/%2e%2e/etc/passwd",
                                 "/a/../../x", "/..%2fetc/passwd", "/%2e%2e%2fetc%2fpasswd", "/..\\x",
                                 "/%5c..%5cx", "/a%00b", "/%c0%ae%c0%ae/x", "/./../x"])
def test_resolve_request_refuses_escapes(tmp_path: Path, raw: str) -> None:
    root = tmp_path / "root"
    root.mkdir()
    assert resolve_request(root, raw) is None


def test_resolve_request_maps_inside_paths(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "posts" / "软件").mkdir(parents=True)
    assert resolve_request(root, "/") == root
    assert resolve_request(root, "/posts/%E8%BD%AF%E4%BB%B6/") == root / "posts" / "软件"
    assert resolve_request(root, "/posts/./x.html?a=..") == root / "posts" / "x.html"
    # double-encoded dots decode once to a literal, harmless file name
    assert resolve_request(root, "/%252e%252e/x") == root / "%2e%2e" / "x"


def test_resolve_request_refuses_symlink_out(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (tmp_path / "secret.txt").write_text("s")
    (root / "link.txt").symlink_to(tmp_path / "secret.txt")
    assert resolve_request(root, "/link.txt") is None


def test_content_types() -> None:
    assert content_type("index.html") == "text/html; charset=utf-8"
    assert content_type("style.css") == "text/css; charset=utf-8"
    assert content_type("tongwen.js") == "text/javascript; charset=utf-8"
    assert content_type("index.xml") == "application/xml; charset=utf-8"
    assert content_type("x.json") == "application/json; charset=utf-8"
    assert content_type("robots.txt") == "text/plain; charset=utf-8"
    assert content_type("a.png") == "image/png"
    assert content_type("a.woff2") == "font/woff2"
    assert content_type("noext") == "application/octet-stream"


def test_inject_strip_roundtrip() -> None:
    page = b"<!DOCTYPE html><html><HEAD><title>x</title></HEAD><body><p>hi</p></body></html>\n"
    out = inject(page, b"<script src=/a.js></script>", b"<div>err</div>")
    assert out.index(MARK_OPEN) < out.lower().index(b"</head>")
    assert out.rindex(b"<div>err</div>") < out.index(b"</body>")
    assert strip_injected(out) == page
    assert strip_injected(inject(b"no tags", b"<s>", b"<d>")) == b"no tags"


def test_error_overlay_escapes() -> None:
    html = error_overlay(["content/a.md:3: bad <script>alert(1)</script> & co"]).decode()
    assert "content/a.md:3: bad &lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html
    assert "<script>" not in html


# --- the server in-process ----------------------------------------------------------------------

class Running:
    def __init__(self, preview: Preview, port: int, loop: ioloop.IOLoop):
        self.preview, self.port, self.loop = preview, port, loop

    def get(self, raw: str, method: str = "GET", host: str | None = None) -> tuple[int, dict[str, str], bytes]:
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        c.putrequest(method, raw, skip_host=host is not None, skip_accept_encoding=True)  # raw, not normalised
        if host is not None:
            c.putheader("Host", host)
        c.endheaders()
        r = c.getresponse()
        body = r.read()
        c.close()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, body

    def status(self) -> dict[str, object]:
        return json.loads(self.get("/__tongwen/status.json")[2])

    def settle(self, builds_before: int, timeout: float = 20) -> dict[str, object]:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            s = self.status()
            if int(s["builds"]) > builds_before and not s["building"] and not s["pending"]:  # type: ignore[arg-type]
                return s
            time.sleep(0.02)
        raise AssertionError("no rebuild")


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Running]:
    site = make_site(tmp_path / "site")
    pv = Preview(site)
    pv.build_once()
    yield from _run(pv)


def _run(pv: Preview, loopback_only: bool = True) -> Iterator[Running]:
    port = free_port()
    ready = threading.Event()
    box: dict[str, object] = {}

    def run() -> None:
        asyncio.set_event_loop(asyncio.new_event_loop())
        loop = ioloop.IOLoop.current()
        pv.loop = loop
        server = application(pv, port, loopback_only=loopback_only).listen(port, address="127.0.0.1")
        box["loop"], box["server"] = loop, server
        ready.set()
        loop.start()
        server.stop()
        loop.close(all_fds=True)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    ready.wait(5)
    loop = box["loop"]
    assert isinstance(loop, ioloop.IOLoop)
    yield Running(pv, port, loop)
    loop.add_callback(loop.stop)
    t.join(5)
    pv.cleanup()


def test_serves_pages_types_404_and_folders(running: Running) -> None:
    st, h, body = running.get("/")
    assert st == 200 and h["content-type"] == "text/html; charset=utf-8"
    assert h["cache-control"] == "no-store"
    assert b"/livereload.js?port=" in body and b"/__tongwen/client.js?state=" in body
    st, h, body = running.get("/posts/first")
    assert st == 301 and h["location"] == "/posts/first/"
    st, h, body = running.get("/posts/first/")
    assert st == 200 and "第一篇文章".encode() in body
    st, h, body = running.get("/nope/")
    assert st == 404 and b'lang="zh-CN"' in body
    st, h, body = running.get("/zh-tw/nope/x.html")
    assert st == 404 and b'lang="zh-TW"' in body
    st, h, body = running.get("/tongwen/style.css")
    assert st == 200 and h["content-type"] == "text/css; charset=utf-8" and MARK_OPEN not in body
    st, h, body = running.get("/index.xml")
    assert st == 200 and h["content-type"].startswith("application/xml") and MARK_OPEN not in body
    st, h, body = running.get("/zh-tw/", method="HEAD")
    assert st == 200 and body == b"" and int(h["content-length"]) > 0
    st, _, _ = running.get("/.tongwen-manifest")
    assert st == 404
    st, h, _ = running.get("//posts?x=1")  # never a protocol-relative redirect to another host
    assert st == 301 and h["location"] == "/posts/?x=1"


def test_first_build_failing_serves_an_error_page_that_recovers(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    (site / "content" / "posts" / "first.md").write_text("---\ntitle: [x\n---\nbody\n", encoding="utf-8")
    pv = Preview(site)
    pv.build_once()
    assert pv.root is None and pv.errors
    gen = _run(pv)
    running = next(gen)
    try:
        st, h, body = running.get("/posts/first/")
        assert st == 503 and b'id="tongwen-error"' in body and b"content/posts/first.md:" in body
        assert b"/livereload.js?port=" in body  # so the page reloads once it is fixed
        (site / "content" / "posts" / "first.md").write_text(ARTICLE, encoding="utf-8")
        before = pv.builds
        running.loop.add_callback(pv.changed)
        assert running.settle(before)["ok"] is True
        st, h, body = running.get("/posts/first/")
        assert st == 200 and b"tongwen-error" not in body
    finally:
        next(gen, None)


def test_served_files_equal_the_build(running: Running, tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    build(running.preview.site_dir, clean)
    files = sorted(p for p in clean.rglob("*") if p.is_file() and p.name != ".tongwen-manifest")
    assert len(files) > 10
    for p in files:
        rel = p.relative_to(clean).as_posix()
        st, _, body = running.get("/" + "/".join(__import__("urllib.parse").parse.quote(x) for x in rel.split("/")))
        assert st == 200, rel
        assert strip_injected(body) == p.read_bytes(), rel


@pytest.mark.parametrize("raw", ["/../../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd",
                                 "/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd", "/static/..%2f..%2f..%2fetc/passwd",
                                 "/..%5c..%5cetc%5cpasswd", "//etc/passwd",
                                 "/%252e%252e/%252e%252e/etc/passwd", "/static/%00", "/zh-tw/../../x"])
def test_raw_http_cannot_leave_the_served_folder(running: Running, raw: str) -> None:
    st, _, body = running.get(raw)
    assert st in (400, 404)
    assert b"root:" not in body


def test_foreign_host_header_is_refused(running: Running) -> None:
    """DNS rebinding: a page on evil.example that resolves to 127.0.0.1 must not read the preview."""
    assert running.get("/", host="evil.example")[0] == 403
    assert running.get("/__tongwen/status.json", host=f"evil.example:{running.port}")[0] == 403
    assert running.get("/", host=f"localhost:{running.port}")[0] == 200
    assert running.get("/", host=f"[::1]:{running.port}")[0] == 200
    assert host_allowed("evil.example", loopback_only=False)
    assert not host_allowed("127.0.0.1.evil.example:80", loopback_only=True)


def test_the_host_guard_is_each_servers_own(running: Running, tmp_path: Path) -> None:
    """A server bound beyond loopback answers any Host; one on loopback in the same process still refuses."""
    pv = Preview(make_site(tmp_path / "open"))
    pv.build_once()
    opened = _run(pv, loopback_only=False)
    try:
        other = next(opened)
        assert other.get("/", host="evil.example")[0] == 200
        assert other.get("/__tongwen/status.json", host="evil.example")[0] == 200
        assert running.get("/", host="evil.example")[0] == 403
        assert running.get("/__tongwen/client.js", host="evil.example")[0] == 403
    finally:
        next(opened, None)


def test_build_error_keeps_last_good_site_and_shows_overlay(running: Running) -> None:
    pv = running.preview
    good_root = pv.root
    src = pv.site_dir / "content" / "posts" / "first.md"
    src.write_text(ARTICLE.replace('title: "第一篇文章"', 'title: "第一篇文章"\ndate: [oops'), encoding="utf-8")
    before = pv.builds
    running.loop.add_callback(pv.changed)
    s = running.settle(before)
    assert s["ok"] is False and pv.root == good_root
    errs = s["errors"]
    assert isinstance(errs, list) and errs[0].startswith("content/posts/first.md:")
    st, _, body = running.get("/posts/first/")
    assert st == 200 and b'id="tongwen-error"' in body and b"content/posts/first.md:" in body
    assert "第一篇文章".encode() in body  # the last good page is still there
    # a template error, too
    (pv.site_dir / "templates").mkdir()
    (pv.site_dir / "templates" / "404.html").write_text("{% extends 'base.html' %}{% block main %}{{ nope(",
                                                        encoding="utf-8")
    src.write_text(ARTICLE, encoding="utf-8")
    before = pv.builds
    running.loop.add_callback(pv.changed)
    s = running.settle(before)
    assert s["ok"] is False and any("templates/404.html" in e for e in s["errors"])  # type: ignore[union-attr]
    (pv.site_dir / "templates" / "404.html").unlink()
    before = pv.builds
    running.loop.add_callback(pv.changed)
    s = running.settle(before)
    assert s["ok"] is True and pv.root == good_root  # one folder, patched in place by each good build
    assert pv.errors == []
    st, _, body = running.get("/posts/first/")
    assert b"tongwen-error" not in body


def test_changes_during_a_build_give_exactly_one_more(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    calls: list[float] = []
    gate = threading.Event()

    def slow_build(site_dir: Path, out: Path, **kw: object) -> None:
        calls.append(time.monotonic())
        gate.wait(5)
        build(site_dir, out, **kw)  # type: ignore[arg-type]

    pv = Preview(site, build_fn=slow_build)
    asyncio.set_event_loop(asyncio.new_event_loop())
    loop = ioloop.IOLoop.current()
    pv.loop = loop
    try:
        for _ in range(5):  # a burst: one build
            pv.changed()
        loop.run_sync(lambda: asyncio.sleep(0.1))
        assert len(calls) == 1 and pv.building
        for _ in range(5):  # more changes while it builds: exactly one more, none dropped
            pv.changed()
        gate.set()

        async def until_idle() -> None:
            while pv.building or pv.pending:
                await asyncio.sleep(0.01)
        loop.run_sync(until_idle, timeout=20)
        assert len(calls) == 2 and pv.builds == 2 and pv.errors == []
    finally:
        loop.close()
        pv.cleanup()


def test_watcher_sees_edits_new_folders_and_site_yaml(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    (site / "public").mkdir()
    hits: list[float] = []
    w = Watcher(site.resolve(), lambda: hits.append(time.monotonic()))
    w.start()
    try:
        time.sleep(0.4)

        def expect(action: object, what: str) -> None:
            n = len(hits)
            action()  # type: ignore[operator]
            end = time.monotonic() + 5
            while len(hits) == n and time.monotonic() < end:
                time.sleep(0.01)
            assert len(hits) > n, what
            time.sleep(0.25)

        expect(lambda: (site / "content" / "posts" / "first.md").write_text(ARTICLE + "x"), "edit")
        def atomic_save() -> None:  # how many editors save: write a temp file, rename it over
            tmp = site / "content" / "posts" / ".first.md.tmp"
            tmp.write_text(ARTICLE + "y")
            os.replace(tmp, site / "content" / "posts" / "first.md")

        expect(atomic_save, "atomic save")
        expect(lambda: (site / "site.yaml").write_text("title: 新\nbase_url: https://t.example.org/\n"), "site.yaml")
        expect(lambda: (site / "templates").mkdir(), "new templates/")
        time.sleep(0.3)
        expect(lambda: (site / "templates" / "base.html").write_text("x"), "file in new templates/")
        # a burst of saves is one notification
        n = len(hits)
        for i in range(5):
            (site / "content" / "posts" / f"b{i}.md").write_text(ARTICLE)
            time.sleep(0.005)
        time.sleep(0.5)
        assert len(hits) - n == 1
        # ignored: public/, hidden editor files
        n = len(hits)
        (site / "public" / "x.html").write_text("x")
        (site / "content" / "posts" / ".first.md.swp").write_text("x")
        time.sleep(0.5)
        assert len(hits) == n
    finally:
        w.close()


def _spawn(site: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "builder", "serve", str(site), *extra], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_up(port: int, timeout: float = 30) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/__tongwen/status.json")
            c.getresponse().read()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("server did not start")


def test_sigint_stops_cleanly_and_removes_the_temp_folder(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    port = free_port()
    proc = _spawn(site, "--port", str(port))
    try:
        _wait_up(port)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert "tongwen: stopped" in out
    tmp = out.split("built into ", 1)[1].split(")", 1)[0]
    assert not os.path.exists(tmp)
    assert not (site / "public").exists()  # never builds into public/


def test_binding_elsewhere_warns(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    port = free_port()
    proc = _spawn(site, "--port", str(port), "--host", "0.0.0.0")
    try:
        _wait_up(port)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "warning: serving on 0.0.0.0" in err


def test_not_a_site(tmp_path: Path) -> None:
    proc = _spawn(tmp_path, "--port", str(free_port()))
    out, err = proc.communicate(timeout=15)
    assert proc.returncode == 1 and "site.yaml" in err
