"""`tongwen serve`: the live-reload preview.

Design (the invariant is "never stale": every served file equals a clean `tongwen build`):

- Every rebuild is the same `build()` as `tongwen build`, into one folder `<tmp>/site` (never
  `public/`): incremental like any build (incremental/: pages whose inputs are unchanged keep their
  files, the rest are patched in place atomically, output/patch.py), so it is never stale by the same
  proof, tested against clean builds. A failed build leaves the folder as it was. Browsers are told
  to reload once a build has finished (`preview/state.py`).
- Change detection is event-based (watchfiles/inotify, in threads). Each burst of saves is grouped by
  watchfiles (`step`) and coalesced on the IOLoop; while a build runs, further changes only mark the
  site dirty, and exactly one more build follows. No change is ever ignored (`preview/watch.py`).
- Reloads go through python-livereload's websocket (`LiveReloadHandler`) and its livereload.js, but
  we call `reload_waiters` directly: livereload's own poller (800 ms) and its 3-second throttle
  (`DEFAULT_RELOAD_TIME`, `poll_tasks`) are never started, so no reload is dropped.
- The reload script is injected into HTML *responses* (between `<!--tongwen-serve-->` markers), never
  into the files, so the folder stays byte-identical to a clean build. A tiny client script compares
  the page's build state with the server's once the websocket is connected, so a build that finished
  while the page was loading is not missed either (`preview/client.py`).
- A failed build (bad front matter, template error, even an internal error) keeps the last good site
  and shows `path:line: message` (escaped text) in an overlay injected into every HTML response until
  a build succeeds; the browser is reloaded on failure and on recovery. The server never dies on it.
- Safety: binds 127.0.0.1 by default (a warning otherwise); request paths are decoded once and any
  `..`, backslash or NUL is refused, and the resolved file must lie inside the served folder
  (`preview/paths.py`, `preview/handlers.py`).

This module wires those parts into one server: the routes (`application`) and `serve()`.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
import webbrowser
from pathlib import Path
from typing import Any

from livereload.handlers import LiveReloadHandler, LiveReloadJSHandler
from tornado import ioloop, web

from .preview.client import CLIENT_CSS, CLIENT_JS
from .preview.handlers import AssetHandler, PageHandler, ReloadHandler, StatusHandler
from .preview.state import Preview, say
from .preview.watch import Watcher

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def application(preview: Preview, port: int, loopback_only: bool = True) -> web.Application:
    """The routes: livereload's websocket and script, the client's status and assets, the site."""
    guard = {"loopback_only": loopback_only}
    return web.Application([
        (r"/livereload", ReloadHandler, guard),
        (r"/livereload\.js", LiveReloadJSHandler),
        (r"/__tongwen/status\.json", StatusHandler, {"preview": preview, **guard}),
        (r"/__tongwen/client\.js", AssetHandler,
         {"data": CLIENT_JS, "ctype": "text/javascript; charset=utf-8", **guard}),
        (r"/__tongwen/client\.css", AssetHandler, {"data": CLIENT_CSS, "ctype": "text/css; charset=utf-8", **guard}),
        (r"/.*", PageHandler, {"preview": preview, "port": port, **guard}),
    ], compress_response=False)


def serve(site_dir: Path, host: str = "127.0.0.1", port: int = 1313, drafts: bool = False,
          base_url: str | None = None, open_browser: bool = False) -> int:
    if not (site_dir / "site.yaml").is_file():
        print(f"{site_dir / 'site.yaml'}:0: no site.yaml here (is this a Tongwen site folder?)", file=sys.stderr)
        return 1
    if host not in LOOPBACK_HOSTS:
        print(f"tongwen: warning: serving on {host}: anyone who can reach this address can read your "
              "drafts and unpublished pages", file=sys.stderr, flush=True)
    logging.getLogger("tornado.access").setLevel(logging.ERROR)  # 404s are normal while editing
    preview = Preview(site_dir, drafts=drafts, base_url=base_url)
    loop = ioloop.IOLoop.current()
    preview.loop = loop
    try:
        app = application(preview, port, loopback_only=host in LOOPBACK_HOSTS)
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
        say(f"tongwen: serving {preview.site_dir} at {url} (built into {preview.tmp}); Ctrl-C to stop")

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
        preview.stop()
        say("tongwen: stopped")
        return 0
    finally:
        preview.cleanup()
