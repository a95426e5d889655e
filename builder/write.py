"""Stage 4, write: outputs → the output folder, atomically.

Pages stream into a staging folder beside the target; only when every page is rendered does the
staging folder replace the target (an atomic exchange on Linux), so a failed, interrupted or killed
build leaves the previous site exactly as it was. A manifest records what Tongwen wrote: a target
folder holding files Tongwen did not write is refused rather than replaced.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

from .errors import BuildFailed, error
from .model import Output

MANIFEST = ".tongwen-manifest"
_STAGE_PREFIX = ".tongwen-staging-"
_OLD_PREFIX = ".tongwen-old-"


def check_target(out: Path, site_dir: Path) -> None:
    """Refuse output folders whose replacement would lose user files."""
    out = out.expanduser().resolve()
    home = Path.home().resolve()
    site = site_dir.resolve()
    cwd = Path.cwd().resolve()
    # publishing replaces the whole folder: never one that holds the site, the user's home or the
    # shell's current folder (its shell would be left in a deleted folder)
    if out in (Path(out.anchor), home, site, cwd) or out in site.parents or out in home.parents \
            or out in cwd.parents:
        raise BuildFailed([error(str(out), 0, "refusing to use this folder as the output folder: it holds "
                                 "your files; choose an empty or new folder such as public/")])
    for inner in ("content", "static", "templates"):
        if out == site / inner or site / inner in out.parents:
            raise BuildFailed([error(str(out), 0, f"refusing to write the output inside the site's {inner}/ "
                                     "folder (the next build would read it as input); choose e.g. public/")])
    if out.exists() and not out.is_dir():
        raise BuildFailed([error(str(out), 0, "output path exists and is not a folder")])
    if out.is_dir():
        entries = [p.name for p in out.iterdir()]
        if entries and MANIFEST not in entries:
            raise BuildFailed([error(str(out), 0, "output folder is not empty and was not written by Tongwen "
                                     f"(no {MANIFEST}); refusing to replace it. Move its files away or "
                                     "choose another --out")])
        if MANIFEST in entries:
            known = set((out / MANIFEST).read_text(encoding="utf-8").splitlines())
            foreign = sorted(_files(out) - known - {MANIFEST})
            if foreign:
                listed = ", ".join(foreign[:5]) + (" …" if len(foreign) > 5 else "")
                raise BuildFailed([error(str(out), 0, f"output folder holds files Tongwen did not write "
                                         f"({listed}); refusing to replace it: put them in static/ or move "
                                         "them away")])


def _files(root: Path) -> set[str]:
    out = set()
    for dirpath, _dirs, files in os.walk(root):
        for f in files:
            out.add((Path(dirpath) / f).relative_to(root).as_posix())
    return out


def safe_join(root: Path, rel: str) -> Path:
    """Join an output path under root, refusing anything that would land outside it."""
    if rel.startswith(("/", "\\")) or "\\" in rel or "\x00" in rel:
        raise ValueError(f"unsafe output path {rel!r}")
    parts = rel.split("/")
    if any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"unsafe output path {rel!r}")
    return root.joinpath(*parts)


class Staging:
    """A staging folder beside `out`; `publish()` swaps it in, `discard()` removes it."""

    def __init__(self, out: Path):
        self.out = out.resolve()
        self.out.parent.mkdir(parents=True, exist_ok=True)
        _sweep(self.out)
        self.dir = Path(tempfile.mkdtemp(prefix=_STAGE_PREFIX + self.out.name + "-", dir=self.out.parent))
        self.written: set[str] = set()

    def write(self, output: Output) -> None:
        if output.path in self.written:
            raise BuildFailed([error(output.path, 0, "two outputs claim this path")])
        target = safe_join(self.dir, output.path)
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as f:
            f.write(output.data)
        self.written.add(output.path)

    def write_all(self, outputs: Iterable[Output]) -> None:
        for o in outputs:
            self.write(o)

    def publish(self) -> None:
        (self.dir / MANIFEST).write_text("\n".join(sorted(self.written)) + "\n", encoding="utf-8")
        os.chmod(self.dir, 0o755)
        if self.out.exists():
            if _exchange(self.dir, self.out):
                shutil.rmtree(self.dir, ignore_errors=True)
                return
            old = self.out.parent / (_OLD_PREFIX + self.out.name)
            shutil.rmtree(old, ignore_errors=True)
            os.rename(self.out, old)
            os.rename(self.dir, self.out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(self.dir, self.out)

    def discard(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


def _sweep(out: Path) -> None:
    """Remove staging folders left by a killed build (they are ours by name), and restore an output
    folder that a kill caught between the two renames of the fallback swap."""
    old = out.parent / (_OLD_PREFIX + out.name)
    if old.is_dir() and not out.exists():
        os.rename(old, out)
    for p in out.parent.glob(_STAGE_PREFIX + out.name + "-*"):
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)


_RENAME_EXCHANGE = 2
_libc = None


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two folders (Linux renameat2 RENAME_EXCHANGE); False if unsupported."""
    global _libc
    try:
        if _libc is None:
            _libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fn = _libc.renameat2
    except (OSError, AttributeError):
        return False
    AT_FDCWD = -100
    res = fn(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return bool(res == 0)
