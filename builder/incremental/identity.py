"""The builder's identity: one digest of its code, theme and library versions, and the cache folder.

Everything `.tongwen-cache/` holds is keyed with `builder_digest()`, so a new builder version (or a
new OpenCC, whose dictionaries decide every conversion) never reuses what an older one made.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import sys
from functools import cache
from pathlib import Path

CACHE_DIR = ".tongwen-cache"
_FORMAT = 1
_LIBS = ("jinja2", "markupsafe", "markdown-it-py", "mdit-py-plugins", "linkify-it-py", "PyYAML", "opencc", "nh3",
         "pypinyin", "pillow", "pygments", "latex2mathml")
# (OpenCC's dictionaries ship inside its wheel: its version names them)


@cache
def builder_digest() -> str:
    """Every file of the builder package (code and built-in theme) and the library versions."""
    h = hashlib.blake2b(digest_size=20)
    h.update(f"{_FORMAT} {sys.version}".encode())
    for lib in _LIBS:
        try:
            h.update(f"{lib}={importlib.metadata.version(lib)};".encode())
        except importlib.metadata.PackageNotFoundError:
            h.update(f"{lib}=-;".encode())
    root = Path(__file__).parent.parent  # the builder package
    for path in sorted(files_under(root)):
        if "__pycache__" in path.parts or path.suffix in (".pyc", ".pyo"):
            continue
        h.update(path.relative_to(root).as_posix().encode() + b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def files_under(root: Path) -> list[Path]:
    out: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        dirnames.sort()
        out.extend(Path(dirpath) / f for f in sorted(filenames))
    return out
