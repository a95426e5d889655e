"""URL paths: slugs that are safe as folder names, relative links between pages, safety checks.

Every path here is relative to the output root, posix, no leading slash; a page path ends with "/"
("" is the home page). Links between pages are relative so the site works under any sub-path and
from disk.
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
from urllib.parse import quote, unquote

_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\?#%<>:\"|*\[\]{}^`'&=+;,!@$]+")


_SPACES = re.compile(r"\s+")
_DASHES = re.compile(r"-{2,}")


# pages the render makes below another page's path (render/graph_views.py: a collection's graph,
# render/backlinks.py: the full list of the links into an article or topic page);
# derive.check_collisions keeps content's own pages off them
GRAPH_PAGE = "graph/"
BACKLINKS_PAGE = "backlinks/"


def slugify(text: str) -> str:
    """A folder-safe slug that keeps CJK: 'AI 芯片' → 'ai-芯片'."""
    s = unicodedata.normalize("NFC", text).strip().lower()
    s = _UNSAFE.sub("-", s)
    s = _SPACES.sub("-", s)
    s = _DASHES.sub("-", s).strip("-.")
    return s[:80].strip("-.")


class UnsafePath(ValueError):
    pass


def clean_url(url: str) -> str:
    """Normalise a front-matter `url`/`aliases` value to a page path; refuse anything that could
    escape the output folder (`..`, encoded or not, backslashes, drive letters)."""
    raw = url.strip()
    decoded = raw
    for _ in range(3):  # %252e%252e → %2e%2e → ..
        decoded = unquote(decoded)
    if "\\" in decoded or "\x00" in decoded or re.match(r"^[a-zA-Z]:", decoded) or "://" in decoded:
        raise UnsafePath(f"'{url}' is not a site path")
    parts = [p for p in decoded.split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise UnsafePath(f"'{url}' leaves the site folder")
    if parts and "." in parts[-1] and not decoded.endswith("/"):
        return "/".join(parts)  # a file path such as about.html
    return "/".join(parts) + "/" if parts else ""


def page_dir(path: str) -> str:
    """The folder a page path lives in: 'posts/a/' → 'posts/a/', 'x.html' → ''."""
    if not path or path.endswith("/"):
        return path
    return posixpath.dirname(path) + "/" if "/" in path else ""


def relative(from_path: str, to_path: str) -> str:
    """Relative URL from the page at `from_path` to `to_path` (both output-root paths)."""
    base = page_dir(from_path)
    target = to_path
    rel = posixpath.relpath("/" + target, "/" + base) if target.rstrip("/") != base.rstrip("/") else "."
    if target.endswith("/") or target == "":
        rel = rel.rstrip("/") + "/"
        if rel == "./":
            rel = "./"
    return quote(rel, safe="/.-_~#")


def root_of(path: str) -> str:
    """Relative prefix from a page to the output root: 'zh-tw/posts/a/' → '../../../'."""
    depth = page_dir(path).count("/")
    return "../" * depth


def output_file(path: str) -> str:
    """Where a page path is written: 'posts/a/' → 'posts/a/index.html'."""
    return path + "index.html" if path == "" or path.endswith("/") else path


def absolute(base_url: str, path: str) -> str:
    return base_url + quote(path, safe="/.-_~")


_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")
_SAFE_DATA = re.compile(r"^data:image/(png|jpeg|jpg|gif|webp|avif|bmp|x-icon)[;,]")


def unsafe_scheme(url: str, images: bool = False) -> str:
    """The scheme of a URL that would run script when followed or loaded (javascript:, vbscript:,
    data: other than raster images when `images`), else "". Browsers ignore whitespace and control
    characters inside a scheme, and its case, so this does too."""
    squashed = "".join(ch for ch in url if ch > " " and ch != "\x7f").lower()
    m = _SCHEME.match(squashed)
    if not m:
        return ""
    scheme = m.group(1)
    if scheme in ("javascript", "vbscript", "livescript"):
        return scheme
    if scheme == "data" and not (images and _SAFE_DATA.match(squashed)):
        return scheme
    return ""
