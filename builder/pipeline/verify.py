"""`tongwen build --verify`: prove an incremental build right by building again from scratch.

`build(verify=True)` builds again into a temporary folder without reading or recording
`.tongwen-cache/` (`reuse=False`); `differences` compares every file of the two trees byte for
byte. Any difference names the page, so a kept page that should have been rendered again cannot
pass unnoticed.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import BuildError, error
from ..output.folder import MANIFEST

_IGNORED = (MANIFEST,)  # the writer's own record of what it wrote, not a page


def _tree(root: Path) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            path = Path(dirpath) / name
            rel = path.relative_to(root).as_posix()
            if rel not in _IGNORED:
                found[rel] = path
    return found


def _written(out: Path) -> dict[str, Path]:
    """The files the build wrote into `out`: those its manifest lists (a file the user put beside
    them is theirs, and an incremental build leaves it alone), else every file."""
    try:
        listed = (out / MANIFEST).read_text(encoding="utf-8").splitlines()
    except OSError:
        return _tree(out)
    return {rel: out / rel for rel in listed if rel and (out / rel).is_file()}


def differences(built: Path, clean: Path) -> list[BuildError]:
    """Every file that is missing, extra or different in `built` compared with `clean`."""
    a, b = _written(built), _tree(clean)
    errors = []
    for rel in sorted(a.keys() | b.keys()):
        if rel not in a:
            errors.append(error(rel, 0, "verify: missing from the incremental build (a clean build writes it)"))
        elif rel not in b:
            errors.append(error(rel, 0, "verify: left by the incremental build (a clean build does not write it)"))
        elif a[rel].read_bytes() != b[rel].read_bytes():
            errors.append(error(rel, 0, "verify: differs from a clean build (a stale page)"))
    return errors
