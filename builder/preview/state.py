"""The state of one preview and its rebuilds: one build at a time in a worker thread, into one
folder in a temporary place; changes seen during a build make exactly one more; browsers are told to
reload once a build has published its folder (`build(on_published=…)`: before it records its cache
for the next build, which the browser need not wait for), or else once it has finished, failed or
not (a failure keeps the last good site and its errors)."""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from livereload.handlers import LiveReloadHandler
from tornado import ioloop

from ..errors import BuildFailed
from ..incremental.store import Memory

log = logging.getLogger("tongwen")

COALESCE_S = 0.002  # the IOLoop merges notifications from both watcher threads (each already grouped)


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
        self._reloaded = False  # the running build's reload was sent already (when it published)
        self._build_fn = build_fn
        self.on_reload: list[Callable[[], None]] = []
        self.memory = Memory()  # owned by the server: kept across its rebuilds

    @property
    def state(self) -> str:
        return f"{self.server_id}-{self.counter}"

    @property
    def pending(self) -> bool:
        """A change seen that no build has started on yet."""
        return self.dirty or self._scheduled

    def status(self) -> dict[str, Any]:
        """What `/__tongwen/status.json` answers (the client script compares `state`)."""
        return {"state": self.state, "ok": not self.errors, "errors": self.errors,
                "building": self.building, "pending": self.pending,
                "builds": self.builds, "root": str(self.root) if self.root else None,
                "clients": len(LiveReloadHandler.waiters),
                "last_build_ms": round(self.last_build_s * 1000)}

    # -- building --
    def build_once(self, since: float | None = None) -> None:
        """One build into the preview's folder (runs in a worker thread or at start-up). `since`:
        when the change it builds was first seen (for the debug log of the reload's latency)."""
        from ..pipeline.build import build
        out = self.tmp / "site"
        t0 = time.perf_counter()
        ok = False
        errors: list[str] = []
        self._reloaded = False

        def published() -> None:  # in this thread, once `out` holds the new site
            self._publish(out, t0)
            if self.loop is not None:
                self._reloaded = True
                self.loop.add_callback(self._reload_after_build, since)

        try:
            # (compiled templates are kept by the build itself: render.environment)
            # documents and rendered bodies stay decoded between rebuilds (incremental/store.py)
            if self._build_fn is not None:
                self._build_fn(self.site_dir, out, drafts=self.drafts, base_url=self.base_url, on_published=published)
            else:
                build(self.site_dir, out, drafts=self.drafts, base_url=self.base_url, memory=self.memory,
                      on_published=published)
            ok = True
        except BuildFailed as exc:
            errors = [str(e) for e in exc.errors] or ["build failed"]
        except Exception as exc:  # a bug must not kill the preview either; show it
            if self.stopping:
                return
            log.debug("internal error in build", exc_info=True)
            errors = [f"tongwen: internal error: {type(exc).__name__}: {exc}"]
        self.builds += 1
        if ok:
            if not self._reloaded:  # nothing was published (nothing changed), or no loop to reload on
                self._publish(out, t0)
            log.debug("build done (its cache recorded) in %.0f ms", (time.perf_counter() - t0) * 1000)
        else:
            self.last_build_s = time.perf_counter() - t0
            self.errors = errors
            for e in errors:
                print(e, file=sys.stderr, flush=True)
            say(f"tongwen: build failed ({len(errors)} error{'s' if len(errors) != 1 else ''}); "
                 "still serving the last good site")
            self.counter += 1
            self._reloaded = False  # (a build that published, then failed its verification: reload again)

    def _publish(self, out: Path, t0: float) -> None:
        """The folder holds a good build: serve it, errors gone, under a new state."""
        from ..config import load_config

        self.last_build_s = time.perf_counter() - t0
        self.root, self.prefixes, self.errors = out, [e.prefix for e in load_config(self.site_dir).editions
                                                      if e.prefix], []
        self.counter += 1
        say(f"tongwen: rebuilt in {self.last_build_s * 1000:.0f} ms")

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
                self.build_once(since)
            finally:
                loop.add_callback(self._build_done, since)

        self._thread = threading.Thread(target=work, name="tongwen-build", daemon=True)
        self._thread.start()

    def _reload_after_build(self, since: float | None) -> None:
        self.reload()
        if since is not None:
            log.debug("change seen → reload sent: %.0f ms", (time.perf_counter() - since) * 1000)

    def _build_done(self, since: float | None = None) -> None:
        self.building = False
        if not self._reloaded:  # (else sent as the build published: build_once)
            self._reload_after_build(since)
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

    def stop(self) -> None:
        """On the way out: a running build only writes into our temp folder, so give it a moment
        (`cleanup` then removes the folder under it)."""
        self.stopping = True
        if self._thread is not None:
            self._thread.join(timeout=1)

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


def say(msg: str) -> None:
    print(msg, flush=True)
