"""Page-level reuse: a page's bytes are a function of its template and the values it is rendered with.

`PageCache.key(template, v)` is a complete key for `env.get_template(template).render(v)`:
- the templates: the built-in theme is part of the builder digest (cache.digest); the site's own
  `templates/` folder — every file in it, since any may be included or extended — is hashed here;
  the Jinja environment's options and filters are code (in the builder digest too);
- the values: `v` is serialised completely and injectively (type tag, length, content; dict order
  kept, since templates iterate in it). Only plain values are accepted: str, Markup (apart from
  str: it is not escaped again), bool, int, float, None, list, tuple, dict, date/datetime, the
  builder's own dataclasses (every field; their properties are builder code) and `PageUrl`, the
  templates' `url()` helper, whose result depends only on its root and edition prefix. Anything
  else — a function, an object of unknown type — makes `key` return None: that page is rendered.

A page whose key was seen before is not rendered: its stored bytes are reused (cache.Store).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from markupsafe import Markup

from .cache import Store, digest


class PageUrl:
    """`url(path)` in templates: the page's relative root + the path in this edition, quoted."""

    __slots__ = ("root", "prefix", "_quoted")

    def __init__(self, root: str, prefix: str, quoted: dict[str, str]):
        self.root = root
        self.prefix = prefix
        self._quoted = quoted  # shared by every page of one edition: depends on (prefix, path) only

    def __call__(self, p: str) -> str:
        q = self._quoted.get(p)
        if q is None:
            q = self._quoted[p] = quote((self.prefix + "/" + p) if self.prefix else p, safe="/.-_~#")
        return self.root + q


class _Refuse(Exception):
    pass


def _ser(x: Any, out: list[bytes]) -> None:
    t = type(x)
    if t is str or t is Markup:
        b = x.encode("utf-8", "surrogatepass")
        out.append(b"%s%d:" % (b"s" if t is str else b"m", len(b)))
        out.append(b)
    elif x is None:
        out.append(b"N")
    elif t is bool:
        out.append(b"T" if x else b"F")
    elif t is int:
        out.append(b"i%d;" % x)
    elif t is float:
        out.append(b"f" + repr(x).encode() + b";")
    elif t is list or t is tuple:
        out.append(b"%s%d[" % (b"L" if t is list else b"U", len(x)))
        for item in x:
            _ser(item, out)
    elif t is dict:
        out.append(b"D%d{" % len(x))
        for k, val in x.items():
            _ser(k, out)
            _ser(val, out)
    elif t is PageUrl:
        out.append(b"u")
        _ser(x.root, out)
        _ser(x.prefix, out)
    elif t is dt.datetime or t is dt.date:
        r = repr(x).encode()
        out.append(b"d%d:" % len(r) + r)
    elif dataclasses.is_dataclass(x) and t.__module__.startswith("builder."):
        name = f"{t.__module__}.{t.__qualname__}".encode()
        fields = dataclasses.fields(x)
        out.append(b"C%d:%s%d(" % (len(name), name, len(fields)))
        for f in fields:
            _ser(getattr(x, f.name), out)
    else:
        raise _Refuse(t)


def templates_digest(site_dir: Path) -> bytes:
    """Every file under the site's templates/ folder (names and bytes)."""
    parts: list[Any] = []
    root = site_dir / "templates"
    if root.is_dir():
        for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
            dirnames.sort()
            for name in sorted(filenames):
                p = Path(dirpath) / name
                parts += [p.relative_to(root).as_posix(), p.read_bytes()]
    return digest("templates", *parts)


class PageCache:
    def __init__(self, store: Store, site_dir: Path):
        self.store = store
        self.templates = templates_digest(site_dir)
        self.refused = 0

    def key(self, template: str, v: dict[str, Any]) -> bytes | None:
        out: list[bytes] = []
        try:
            _ser(v, out)
        except _Refuse:
            self.refused += 1
            return None
        return digest("page", self.templates, template, b"".join(out))
