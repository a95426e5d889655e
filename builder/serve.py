"""`tongwen serve`: the live-reload preview.

Design (the invariant is "never stale": every served file equals a clean `tongwen build`):

- Every rebuild is the same `build()` as `tongwen build`, into one folder `<tmp>/site` (never
  `public/`): incremental like any build (incremental.py: pages whose inputs are unchanged keep their
  files, the rest are patched in place atomically, write.Patch), so it is never stale by the same
  proof, tested against clean builds. A failed build leaves the folder as it was. Browsers are told
  to reload once a build has finished.
- Change detection is event-based (watchfiles/inotify, in threads). Each burst of saves is grouped by
  watchfiles (`step`) and coalesced on the IOLoop; while a build runs, further changes only mark the
  site dirty, and exactly one more build follows. No change is ever ignored.
- Reloads go through python-livereload's websocket (`LiveReloadHandler`) and its livereload.js, but
  we call `reload_waiters` directly: livereload's own poller (800 ms) and its 3-second throttle
  (`DEFAULT_RELOAD_TIME`, `poll_tasks`) are never started, so no reload is dropped.
- The reload script is injected into HTML *responses* (between `<!--tongwen-serve-->` markers), never
  into the files, so the folder stays byte-identical to a clean build. A tiny client script compares
  the page's build state with the server's once the websocket is connected, so a build that finished
  while the page was loading is not missed either.
- A failed build (bad front matter, template error, even an internal error) keeps the last good site
  and shows `path:line: message` (escaped text) in an overlay injected into every HTML response until
  a build succeeds; the browser is reloaded on failure and on recovery. The server never dies on it.
- Safety: binds 127.0.0.1 by default (a warning otherwise); request paths are decoded once and any
  `..`, backslash or NUL is refused, and the resolved file must lie inside the served folder.
"""

from __future__ import annotations

import html
import json
import logging
import mimetypes
import os
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import time
import webbrowser
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import watchfiles
from livereload.handlers import LiveReloadHandler, LiveReloadJSHandler
from tornado import ioloop, web

from .errors import BuildFailed
from .incremental.store import Memory

log = logging.getLogger("tongwen")

WATCHED = ("content", "templates", "static", "site.yaml")
STEP_MS = 30  # watchfiles groups events until none arrived for this long
COALESCE_S = 0.01  # and the IOLoop merges notifications from both watcher threads
MARK_OPEN, MARK_CLOSE = b"<!--tongwen-serve-->", b"<!--/tongwen-serve-->"

TEXT_TYPES = {
    ".html": "text/html", ".htm": "text/html", ".css": "text/css", ".js": "text/javascript",
    ".mjs": "text/javascript", ".json": "application/json", ".xml": "application/xml",
    ".txt": "text/plain", ".md": "text/plain", ".svg": "image/svg+xml", ".csv": "text/csv",
    ".webmanifest": "application/manifest+json", ".map": "application/json",
}
BINARY_TYPES = {".woff2": "font/woff2", ".woff": "font/woff", ".wasm": "application/wasm",
                ".webp": "image/webp", ".avif": "image/avif", ".ico": "image/x-icon"}

CLIENT_JS = b"""// tongwen serve: reload if a build finished while this page was loading.
(function () {
  var m = /[?&]state=([^&]*)/.exec((document.currentScript || {}).src || "");
  var mine = m ? decodeURIComponent(m[1]) : "";
  function check() {
    fetch("/__tongwen/status.json", {cache: "no-store"}).then(function (r) { return r.json(); })
      .then(function (s) { if (String(s.state) !== mine) { location.reload(); } })
      .catch(function () {});
  }
  // fired by livereload.js when its websocket handshake is done, just before it registers this page
  document.addEventListener("LiveReloadConnect", function () { setTimeout(check, 0); });
})();
"""

CLIENT_CSS = b"""#tongwen-error{position:fixed;z-index:2147483647;inset:auto 0 0 0;max-height:60vh;overflow:auto;
margin:0;padding:1em 1.25em;background:#2b0d0d;color:#fff;border:0;border-top:4px solid #e5484d;
font:16px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;text-align:left;color-scheme:dark;
box-shadow:0 -4px 24px rgba(0,0,0,.4)}
#tongwen-error h2,#tongwen-error pre,#tongwen-error p{margin:0;padding:0;border:0;border-radius:0;background:none;
box-shadow:none;text-shadow:none;opacity:1;letter-spacing:normal;text-transform:none}
#tongwen-error h2{margin-bottom:.5em;font:600 13px/1.4 system-ui,sans-serif;color:#ffc9c9}
#tongwen-error pre{white-space:pre-wrap;overflow-wrap:anywhere;font:bold 17px/1.5 ui-monospace,SFMono-Regular,
Menlo,Consolas,monospace;color:#fff}
#tongwen-error p{margin-top:.6em;font:13px/1.4 system-ui,sans-serif;color:#f0d0d0}
"""


# --- paths --------------------------------------------------------------------------------------

def resolve_request(root: Path, raw_path: str) -> Path | None:
    """Map a raw (percent-encoded) URL path to a file or folder under root; None if it is unsafe.

    The path is decoded exactly once, as HTTP servers do: `%2e%2e` is `..` and is refused; `%252e`
    decodes to the literal name `%2e`, which is harmless. Backslashes, NUL and any `..` segment are
    refused, and the resolved path (symlinks followed) must stay inside root."""
    path = raw_path.split("?", 1)[0].split("#", 1)[0]
    try:
        decoded = unquote(path, errors="strict")
    except UnicodeDecodeError:
        return None
    if "\x00" in decoded or "\\" in decoded:
        return None
    parts = [p for p in decoded.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        return None
    target = root.joinpath(*parts) if parts else root
    try:
        real = Path(os.path.realpath(target))
        real.relative_to(os.path.realpath(root))
    except (ValueError, OSError):
        return None
    return target


def content_type(name: str) -> str:
    ext = os.path.splitext(name)[1].lower()
    if ext in TEXT_TYPES:
        return TEXT_TYPES[ext] + "; charset=utf-8"
    if ext in BINARY_TYPES:
        return BINARY_TYPES[ext]
    guessed, _ = mimetypes.guess_type(name)
    if not guessed:
        return "application/octet-stream"
    if guessed.startswith("text/"):
        return guessed + "; charset=utf-8"
    return guessed


def inject(page: bytes, head: bytes, body: bytes) -> bytes:
    """Insert `head` before </head> and `body` before </body> (or append), each wrapped in markers
    that `strip_injected` removes, giving back the file exactly."""
    out = page
    if head:
        block = MARK_OPEN + head + MARK_CLOSE
        i = out.lower().find(b"</head>")
        out = out[:i] + block + out[i:] if i >= 0 else block + out
    if body:
        block = MARK_OPEN + body + MARK_CLOSE
        i = out.lower().rfind(b"</body>")
        out = out[:i] + block + out[i:] if i >= 0 else out + block
    return out


def strip_injected(page: bytes) -> bytes:
    out = page
    while True:
        i = out.find(MARK_OPEN)
        if i < 0:
            return out
        j = out.find(MARK_CLOSE, i)
        if j < 0:
            return out
        out = out[:i] + out[j + len(MARK_CLOSE):]


def error_overlay(errors: list[str]) -> bytes:
    lines = "\n".join(html.escape(e) for e in errors)
    n = len(errors)
    return ('<div id="tongwen-error" role="alert"><h2>Build failed ({} error{}) — showing the last good '
            'site</h2><pre>{}</pre><p>Fix the file and save; this page reloads by itself.</p></div>'
            .format(n, "" if n == 1 else "s", lines)).encode("utf-8")


# --- the preview ----------------------------------------------------------------------------------

class Preview:
    """The state of one preview: builds, the served root, the pending error, the reload clients.
    Builds run in a worker thread; everything else runs on the IOLoop thread."""

    def __init__(self, site_dir: Path, drafts: bool = False, base_url: str | None = None,
                 build_fn: Callable[..., Any] | None = None):
        self.site_dir = site_dir.resolve()
        self.drafts = drafts
        self.base_url = base_url
        self.tmp = Path(tempfile.mkdtemp(prefix="tongwen-serve-", dir=_scratch_dir()))
        self.root: Path | None = None
        self.prefixes: list[str] = []
        self.errors: list[str] = []
        self.server_id = secrets.token_hex(4)
        self.counter = 0
        self.building = False
        self.dirty = False
        self.builds = 0
        self.last_build_s = 0.0
        self.loop: ioloop.IOLoop | None = None
        self._scheduled = False
        self._thread: threading.Thread | None = None
        self.stopping = False
        self._since: float | None = None  # when the first change not yet in a build was seen
        self._build_fn = build_fn
        self.on_reload: list[Callable[[], None]] = []
        self.memory = Memory()  # owned by the server: kept across its rebuilds

    @property
    def state(self) -> str:
        return f"{self.server_id}-{self.counter}"

    # -- building --
    def build_once(self) -> None:
        """One full build into a fresh folder (runs in a worker thread or at start-up)."""
        from .config import load_config
        from .pipeline.build import build
        out = self.tmp / "site"
        t0 = time.perf_counter()
        ok = False
        errors: list[str] = []
        try:
            # (compiled templates are kept by the build itself: render.environment)
            # documents and rendered bodies stay decoded between rebuilds (incremental/store.py)
            if self._build_fn is not None:
                self._build_fn(self.site_dir, out, drafts=self.drafts, base_url=self.base_url)
            else:
                build(self.site_dir, out, drafts=self.drafts, base_url=self.base_url, memory=self.memory)
            prefixes = [e.prefix for e in load_config(self.site_dir).editions if e.prefix]
            ok = True
        except BuildFailed as exc:
            errors = [str(e) for e in exc.errors] or ["build failed"]
        except Exception as exc:  # a bug must not kill the preview either; show it
            if self.stopping:
                return
            log.debug("internal error in build", exc_info=True)
            errors = [f"tongwen: internal error: {type(exc).__name__}: {exc}"]
        self.last_build_s = time.perf_counter() - t0
        self.builds += 1
        if ok:
            self.root, self.prefixes, self.errors = out, prefixes, []
            _say(f"tongwen: rebuilt in {self.last_build_s * 1000:.0f} ms")
        else:
            self.errors = errors
            for e in errors:
                print(e, file=sys.stderr, flush=True)
            _say(f"tongwen: build failed ({len(errors)} error{'s' if len(errors) != 1 else ''}); "
                 "still serving the last good site")
        self.counter += 1

    def changed(self) -> None:
        """Called on the IOLoop when watched files changed."""
        self.dirty = True
        if self._since is None:
            self._since = time.perf_counter()
        if not self.building and not self._scheduled and self.loop is not None:
            self._scheduled = True
            self.loop.call_later(COALESCE_S, self._start_build)

    def _start_build(self) -> None:
        self._scheduled = False
        if self.building or not self.dirty:
            return
        self.dirty = False
        self.building = True
        since, self._since = self._since, None
        loop = self.loop
        assert loop is not None

        def work() -> None:
            try:
                self.build_once()
            finally:
                loop.add_callback(self._build_done, since)

        self._thread = threading.Thread(target=work, name="tongwen-build", daemon=True)
        self._thread.start()

    def _build_done(self, since: float | None = None) -> None:
        self.building = False
        self.reload()
        if since is not None:
            log.debug("change seen → reload sent: %.0f ms", (time.perf_counter() - since) * 1000)
        if self.dirty:  # changes arrived during the build: exactly one more
            self._start_build()

    def reload(self) -> None:
        msg = {"command": "reload", "path": "*", "liveCSS": False, "liveImg": False}
        for waiter in list(LiveReloadHandler.waiters):
            try:
                waiter.write_message(msg)
            except Exception:
                LiveReloadHandler.waiters.discard(waiter)
        for cb in self.on_reload:
            cb()

    # -- serving --
    def snippet(self, port: int) -> bytes:
        # deferred, in this order: client.js listens for livereload's connect event before it fires
        css = '<link rel="stylesheet" href="/__tongwen/client.css">' if self.errors or self.root is None else ""
        return (f'{css}<script src="/__tongwen/client.js?state={quote(self.state)}" defer></script>'
                f'<script src="/livereload.js?port={port}" defer></script>').encode()

    def not_found_page(self, decoded_parts: list[str]) -> Path | None:
        if self.root is None:
            return None
        if decoded_parts and decoded_parts[0] in self.prefixes:
            p = self.root / decoded_parts[0] / "404.html"
            if p.is_file():
                return p
        p = self.root / "404.html"
        return p if p.is_file() else None

    def cleanup(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


def _scratch_dir() -> str | None:
    """Where previews are built: $TONGWEN_SERVE_TMP, else /dev/shm when it is a roomy tmpfs (the
    preview is disposable and writing to memory keeps rebuilds fast), else the system temp folder."""
    env = os.environ.get("TONGWEN_SERVE_TMP")
    if env:
        return env
    shm = "/dev/shm"
    try:
        if os.path.isdir(shm) and os.access(shm, os.W_OK) and shutil.disk_usage(shm).free > 2 << 30:
            return shm
    except OSError:
        pass
    return None


def _say(msg: str) -> None:
    print(msg, flush=True)


LOOPBACK_NAMES = {"127.0.0.1", "localhost", "::1", "[::1]"}


def host_allowed(host_header: str, loopback_only: bool) -> bool:
    """On a loopback bind, answer only requests addressed to a loopback name: a page elsewhere that
    rebinds its DNS name to 127.0.0.1 cannot read the preview (drafts included)."""
    if not loopback_only:
        return True
    name = host_header.strip().lower()
    if name.startswith("["):
        name = name.split("]", 1)[0] + "]"
    else:
        name = name.rsplit(":", 1)[0] if name.count(":") == 1 else name
    return name in LOOPBACK_NAMES


class GuardMixin(web.RequestHandler):
    loopback_only = True

    def prepare(self) -> None:
        if not host_allowed(self.request.host, self.loopback_only):
            self.set_status(403)
            self.set_header("Content-Type", "text/plain; charset=utf-8")
            self.finish(b"403 forbidden: unexpected Host header\n")


class PageHandler(GuardMixin):
    preview: Preview
    port: int

    def initialize(self, preview: Preview, port: int) -> None:
        self.preview = preview
        self.port = port

    def set_default_headers(self) -> None:
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Server", "tongwen-serve")

    def compute_etag(self) -> str | None:
        return None

    def head(self, *args: Any) -> None:
        self._serve(send_body=False)

    def get(self, *args: Any) -> None:
        self._serve(send_body=True)

    def _serve(self, send_body: bool) -> None:
        pv = self.preview
        raw = self.request.path
        if pv.root is None:  # the first build failed: an error page that reloads when fixed
            self._send(503, "text/html; charset=utf-8",
                       inject(b"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>tongwen serve"
                              b"</title></head><body></body></html>", pv.snippet(self.port),
                              error_overlay(pv.errors or ["building…"])), send_body)
            return
        root = pv.root
        target = resolve_request(root, raw)
        if target is None:
            self._send(400, "text/plain; charset=utf-8", b"400 bad request: path leaves the site\n", send_body)
            return
        parts = [p for p in unquote(raw).split("/") if p not in ("", ".")]
        if parts and parts[-1] == ".tongwen-manifest":
            target = root / "\x00missing"  # internal bookkeeping, not part of the site
        if target.is_dir():
            if not raw.endswith("/"):  # rebuilt from the checked parts: `//host` cannot become a redirect away
                q = self.request.query
                loc = "/" + "".join(quote(p, safe="") + "/" for p in parts)
                self.redirect(loc + ("?" + q if q else ""), permanent=True)
                return
            target = target / "index.html"
        status = 200
        if not target.is_file():
            status = 404
            nf = pv.not_found_page(parts)
            if nf is None:
                self._send(404, "text/plain; charset=utf-8", b"404 not found\n", send_body)
                return
            target = nf
        try:
            data = target.read_bytes()
        except OSError:  # swapped away between the check and the read: the next reload fixes it
            self._send(404, "text/plain; charset=utf-8", b"404 not found\n", send_body)
            return
        ctype = content_type(target.name)
        if ctype.startswith("text/html"):
            data = inject(data, pv.snippet(self.port), error_overlay(pv.errors) if pv.errors else b"")
        self._send(status, ctype, data, send_body)

    def _send(self, status: int, ctype: str, data: bytes, send_body: bool) -> None:
        self.set_status(status)
        self.set_header("Content-Type", ctype)
        self.set_header("Content-Length", str(len(data)))
        if send_body:
            self.write(data)
        self.finish()


class StatusHandler(GuardMixin):
    def initialize(self, preview: Preview) -> None:
        self.preview = preview

    def get(self) -> None:
        pv = self.preview
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.write(json.dumps({"state": pv.state, "ok": not pv.errors, "errors": pv.errors,
                               "building": pv.building, "pending": pv.dirty or pv._scheduled,
                               "builds": pv.builds, "root": str(pv.root) if pv.root else None,
                               "clients": len(LiveReloadHandler.waiters),
                               "last_build_ms": round(pv.last_build_s * 1000)}, ensure_ascii=False))


class AssetHandler(GuardMixin):
    def initialize(self, data: bytes, ctype: str) -> None:
        self.data, self.ctype = data, ctype

    def get(self) -> None:
        self.set_header("Content-Type", self.ctype)
        self.set_header("Cache-Control", "no-store")
        self.write(self.data)


class ReloadHandler(LiveReloadHandler):
    """livereload's websocket handler; its poller and throttle are never started (we push reloads
    ourselves), and the throttle window is zeroed in case anything calls `poll_tasks`. Unlike the
    original (which accepts any origin) it only talks to pages of this server."""
    DEFAULT_RELOAD_TIME = 0
    loopback_only = True

    def check_origin(self, origin: str) -> bool:
        from urllib.parse import urlsplit
        return bool(host_allowed(self.request.host, self.loopback_only)
                    and urlsplit(origin).netloc.lower() == self.request.host.lower())


def application(preview: Preview, port: int, loopback_only: bool = True) -> web.Application:
    for cls in (GuardMixin, ReloadHandler):
        cls.loopback_only = loopback_only
    return web.Application([
        (r"/livereload", ReloadHandler),
        (r"/livereload\.js", LiveReloadJSHandler),
        (r"/__tongwen/status\.json", StatusHandler, {"preview": preview}),
        (r"/__tongwen/client\.js", AssetHandler, {"data": CLIENT_JS, "ctype": "text/javascript; charset=utf-8"}),
        (r"/__tongwen/client\.css", AssetHandler, {"data": CLIENT_CSS, "ctype": "text/css; charset=utf-8"}),
        (r"/.*", PageHandler, {"preview": preview, "port": port}),
    ], compress_response=False)


# --- watching -------------------------------------------------------------------------------------

class Watcher:
    """Two watchfiles threads: the site folder itself, non-recursively (site.yaml, and content/,
    templates/, static/ appearing or vanishing), and those folders recursively. inotify is only set
    on what the build reads, never on public/ or .git."""

    def __init__(self, site_dir: Path, notify: Callable[[], None]):
        self.site_dir = site_dir
        self.notify = notify
        self.stop = threading.Event()
        self.restart = threading.Event()
        self.threads = [threading.Thread(target=self._top, name="tongwen-watch-top", daemon=True),
                        threading.Thread(target=self._tree, name="tongwen-watch-tree", daemon=True)]

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def close(self) -> None:
        self.stop.set()
        self.restart.set()
        for t in self.threads:
            t.join(timeout=2)

    def _relevant(self, change: watchfiles.Change, path: str) -> bool:
        try:
            rel = Path(path).relative_to(self.site_dir).parts
        except ValueError:
            return False
        if not rel or rel[0] not in WATCHED:
            return False
        if any(p.startswith(".") for p in rel[1:]):  # the build skips hidden files (editor swap files)
            return False
        if rel[0] == "content" and rel[-1].endswith("~"):  # and backups in content/
            return False
        return True

    def _top(self) -> None:
        def keep(change: watchfiles.Change, path: str) -> bool:
            return Path(path).parent == self.site_dir and Path(path).name in WATCHED

        for changes in watchfiles.watch(self.site_dir, watch_filter=keep, recursive=False, step=STEP_MS,
                                        debounce=1000, stop_event=self.stop, rust_timeout=500,
                                        raise_interrupt=False):
            if any(Path(p).name != "site.yaml" for _c, p in changes):
                self.restart.set()  # a watched folder appeared or vanished
            self.notify()

    def _tree(self) -> None:
        while not self.stop.is_set():
            self.restart.clear()
            dirs = [self.site_dir / d for d in WATCHED[:3] if (self.site_dir / d).is_dir()]
            if not dirs:
                self.restart.wait()
                continue
            try:
                for _changes in watchfiles.watch(*dirs, watch_filter=self._relevant, step=STEP_MS,
                                                 debounce=1000, stop_event=self.restart, rust_timeout=500,
                                                 raise_interrupt=False):
                    self.notify()
            except (FileNotFoundError, OSError, RuntimeError):
                log.debug("watch restart", exc_info=True)
                time.sleep(0.05)
                self.notify()


# --- entry point ----------------------------------------------------------------------------------

def serve(site_dir: Path, host: str = "127.0.0.1", port: int = 1313, drafts: bool = False,
          base_url: str | None = None, open_browser: bool = False) -> int:
    if not (site_dir / "site.yaml").is_file():
        print(f"{site_dir / 'site.yaml'}:0: no site.yaml here (is this a Tongwen site folder?)", file=sys.stderr)
        return 1
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(f"tongwen: warning: serving on {host}: anyone who can reach this address can read your "
              "drafts and unpublished pages", file=sys.stderr, flush=True)
    logging.getLogger("tornado.access").setLevel(logging.ERROR)  # 404s are normal while editing
    preview = Preview(site_dir, drafts=drafts, base_url=base_url)
    loop = ioloop.IOLoop.current()
    preview.loop = loop
    try:
        app = application(preview, port, loopback_only=host in ("127.0.0.1", "localhost", "::1"))
        try:
            server = app.listen(port, address=host)
        except OSError as exc:
            print(f"tongwen: cannot listen on {host}:{port}: {exc.strerror}", file=sys.stderr)
            return 1
        watcher = Watcher(preview.site_dir, lambda: loop.add_callback(preview.changed))
        watcher.start()  # before the first build, so an edit made during it is not missed
        preview.build_once()
        shown = f"[{host}]" if ":" in host else host
        url = f"http://{shown}:{port}/"
        _say(f"tongwen: serving {preview.site_dir} at {url} (built into {preview.tmp}); Ctrl-C to stop")

        def on_signal(signum: int, frame: Any) -> None:
            signal.signal(signal.SIGINT, signal.default_int_handler)  # a second Ctrl-C interrupts at once
            loop.add_callback_from_signal(loop.stop)

        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
        if open_browser:
            threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
        loop.start()
        server.stop()
        watcher.close()
        for w in list(LiveReloadHandler.waiters):
            w.close()
        preview.stopping = True
        if preview._thread is not None:  # a running build only writes into our temp folder: give it a
            preview._thread.join(timeout=1)  # moment, then remove the folder under it
        _say("tongwen: stopped")
        return 0
    finally:
        preview.cleanup()


__all__ = ["serve", "Preview", "resolve_request", "content_type", "inject", "strip_injected",
           "application"]
