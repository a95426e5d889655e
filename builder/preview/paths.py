"""Request paths → files under the served folder (refusing any that would leave it), and the
content type each file is served with."""

from __future__ import annotations

import mimetypes
import os
from pathlib import Path
from urllib.parse import unquote

TEXT_TYPES = {
    ".html": "text/html", ".htm": "text/html", ".css": "text/css", ".js": "text/javascript",
    ".mjs": "text/javascript", ".json": "application/json", ".xml": "application/xml",
    ".txt": "text/plain", ".md": "text/plain", ".svg": "image/svg+xml", ".csv": "text/csv",
    ".webmanifest": "application/manifest+json", ".map": "application/json",
}
BINARY_TYPES = {".woff2": "font/woff2", ".woff": "font/woff", ".wasm": "application/wasm",
                ".webp": "image/webp", ".avif": "image/avif", ".ico": "image/x-icon"}


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
