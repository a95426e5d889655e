"""The builder's identity: one digest of its code, theme and library versions, and the cache folder.

Everything `.tongwen-cache/` holds is keyed with `builder_digest()`, so a new builder version (or a
new OpenCC, whose dictionaries decide every conversion) never reuses what an older one made.
"""

from __future__ import annotations

import hashlib
import os
import re
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
    versions = lib_versions(_LIBS)
    for lib in _LIBS:
        h.update(f"{lib}={versions.get(lib, '-')};".encode())
    root = Path(__file__).parent.parent  # the builder package
    for path in sorted(files_under(root)):
        if "__pycache__" in path.parts or path.suffix in (".pyc", ".pyo"):
            continue
        h.update(path.relative_to(root).as_posix().encode() + b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def lib_versions(libs: tuple[str, ...]) -> dict[str, str]:
    """Each installed library's version, from its `NAME-VERSION.dist-info` folder's name, first on
    sys.path as imports find it. (importlib.metadata reads and parses every METADATA file, and its
    import pulls in the email package: 30 ms of a skipped build's 150.) A library found another way
    (an egg, a zip) is asked of importlib.metadata; one not installed is left out."""
    wanted = {_norm(lib): lib for lib in libs}
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = sorted(os.listdir(entry or "."))
        except OSError:
            continue
        for name in names:
            if not name.endswith(".dist-info"):
                continue
            dist, _, version = name[: -len(".dist-info")].partition("-")
            lib = wanted.get(_norm(dist))
            if lib is not None and version and lib not in found:
                found[lib] = version
    missing = [lib for lib in libs if lib not in found]
    if missing:
        import importlib.metadata

        for lib in missing:
            try:
                found[lib] = importlib.metadata.version(lib)
            except importlib.metadata.PackageNotFoundError:
                pass
    return found


def files_under(root: Path) -> list[Path]:
    out: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        dirnames.sort()
        out.extend(Path(dirpath) / f for f in sorted(filenames))
    return out
