"""Where a local image a page names is: the file under the site folder, or None (remote, or missing)."""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from urllib.parse import unquote

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def is_remote(src: str) -> bool:
    return bool(_SCHEME.match(src)) or src.startswith("//")


def candidates(source: str, src: str) -> list[str]:
    """The site-relative paths `src`, written in the document `source` (e.g. content/posts/a.md),
    may mean, most likely first (the same places `tongwen check` accepts)."""
    path = unquote(src.split("#", 1)[0].split("?", 1)[0])
    if not path or is_remote(src):
        return []
    if path.startswith("/"):
        rel = path.lstrip("/")
        return [f"content/{rel}", f"static/{rel}", f"static/{rel.removeprefix('static/')}"]
    out = [posixpath.normpath(posixpath.join(posixpath.dirname(source), path))]
    # a page's output folder sits one level deeper than its source: `../x.png` from content/posts/a.md
    out.append(posixpath.normpath(posixpath.join(posixpath.dirname(source), "x", path)))
    out += [f"content/{path.lstrip('./')}", f"static/{path.lstrip('./')}"]
    return [p for p in out if not p.startswith("..")]


def locate(root: Path, source: str, src: str) -> str | None:
    """The site-relative path of the file `src` names, if it is a file under `content/` or `static/`."""
    for rel in candidates(source, src):
        if rel.startswith(("content/", "static/")) and (root / rel).is_file():
            return rel
    return None
