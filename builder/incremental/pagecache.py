"""Page-level reuse: a page's bytes are a function of its template and the values it is rendered with.

`PageCache.key(template, v)` is a complete key for `env.get_template(template).render(v)`:
- the templates: the built-in theme is part of the builder digest (cache.digest); the site's own
  `templates/` folder — every file in it, since any may be included or extended — is hashed here;
  the Jinja environment's options and filters are code (in the builder digest too);
- the values: `v` is pickled. Unpickling is a function of the bytes, so equal bytes mean equal
  values — with their exact types (Markup is not str: it is not escaped again; True is not 1;
  a tuple is not a list), dict order (templates iterate in it) and every field of the builder's
  dataclasses. Classes and functions pickle by name: their code is the builder's or a library's
  (both in the builder digest). `PageUrl`, the templates' `url()` helper, pickles as its root and
  edition prefix, all its result depends on. What cannot be pickled (a lambda, a local function)
  makes `key` return None: that page is rendered. Equal values pickled differently (shared objects,
  set order) only cost a miss.
- templates must not mutate the values they are given (Tongwen's do not; Jinja lets a template
  call `list.append`): a reused page skips its render, and with it such a side effect.

A page whose key was seen before is not rendered: its stored bytes are reused (cache.Store).
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .store import Store, digest


class PageUrl:
    """`url(path)` in templates: the page's relative root + the path in this edition, quoted."""

    __slots__ = ("root", "prefix", "_quoted")

    def __init__(self, root: str, prefix: str, quoted: dict[str, str]):
        self.root = root
        self.prefix = prefix
        self._quoted = quoted  # shared by every page of one edition: depends on (prefix, path) only

    def __reduce__(self) -> tuple[Any, ...]:
        return (PageUrl, (self.root, self.prefix, {}))  # the memo is not part of what it computes

    def __call__(self, p: str) -> str:
        q = self._quoted.get(p)
        if q is None:
            q = self._quoted[p] = quote((self.prefix + "/" + p) if self.prefix else p, safe="/.-_~#")
        return self.root + q


def templates_digest(site_dir: Path) -> bytes:
    """Every file under the site's templates/ folder and its i18n/ folder (UI strings, which
    every page shows): names and bytes."""
    parts: list[Any] = []
    for folder in ("templates", "i18n"):
        root = site_dir / folder
        if root.is_dir():
            for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
                dirnames.sort()
                for name in sorted(filenames):
                    p = Path(dirpath) / name
                    parts += [folder, p.relative_to(root).as_posix(), p.read_bytes()]
    return digest("templates", *parts)


# Pages whose stored bytes cost more than rendering them again. Measured per page on the generated
# 1,000-article site (ms; key = pickle + hash, stored = pickle + zlib, hit = key + read + unzip):
#   article.html  key 0.20  render 0.47  store 0.37  read 0.16   27 KB
#   list.html     key 0.18  render 0.42  store 0.33  read 0.19   42 KB
#   topic.html    key 0.39  render 0.98  store 0.56  read 0.23   74 KB
# An article or list page read back (~0.4) saves nothing over rendering it (~0.45), and storing it
# costs ~0.55 on every build that renders it: 1.7 s of a cold 1k build's CPU. They are stored only
# where values are kept in memory (a store's `Memory`: the preview server): a hit is then the key.
RENDER_AGAIN = frozenset({"article.html", "list.html", "redirect.html"})


class PageCache:
    def __init__(self, store: Store, site_dir: Path):
        self.store = store
        self.templates = templates_digest(site_dir)
        self.refused = 0

    def stores(self, template: str) -> bool:
        """Whether a page of `template` is looked up and stored at all (see RENDER_AGAIN)."""
        return template not in RENDER_AGAIN or self.store.memory is not None

    def key(self, template: str, v: dict[str, Any]) -> bytes | None:
        try:
            data = pickle.dumps(v, protocol=5)
        except (pickle.PicklingError, TypeError, AttributeError, ValueError, RecursionError):
            self.refused += 1
            return None
        return digest("page", self.templates, template, data)
