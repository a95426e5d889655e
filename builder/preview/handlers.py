"""The preview's HTTP handlers: the site's files (with the client script and any error overlay
injected into HTML), the build status the client script asks for, the client's own assets, and
livereload's websocket. On a loopback bind each answers only requests addressed to a loopback name."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from livereload.handlers import LiveReloadHandler
from tornado import web

from .client import error_overlay, inject
from .paths import content_type, resolve_request
from .state import Preview

LOOPBACK_NAMES = {"127.0.0.1", "localhost", "::1", "[::1]"}
FIRST_BUILD_PAGE = (b"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>tongwen serve"
                    b"</title></head><body></body></html>")


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

    def initialize(self, preview: Preview, port: int, loopback_only: bool) -> None:
        self.preview = preview
        self.port = port
        self.loopback_only = loopback_only

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
                       inject(FIRST_BUILD_PAGE, pv.snippet(self.port), error_overlay(pv.errors or ["building…"])),
                       send_body)
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
    def initialize(self, preview: Preview, loopback_only: bool) -> None:
        self.preview = preview
        self.loopback_only = loopback_only

    def get(self) -> None:
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.write(json.dumps(self.preview.status(), ensure_ascii=False))


class AssetHandler(GuardMixin):
    def initialize(self, data: bytes, ctype: str, loopback_only: bool) -> None:
        self.data, self.ctype = data, ctype
        self.loopback_only = loopback_only

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

    def initialize(self, loopback_only: bool) -> None:
        self.loopback_only = loopback_only

    def check_origin(self, origin: str) -> bool:
        return bool(host_allowed(self.request.host, self.loopback_only)
                    and urlsplit(origin).netloc.lower() == self.request.host.lower())
