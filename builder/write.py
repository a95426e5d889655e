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
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from .errors import BuildFailed, error
from .model import Output

MANIFEST = ".tongwen-manifest"
_STAGE_PREFIX = ".tongwen-staging-"
_OLD_PREFIX = ".tongwen-old-"
_TRASH_PREFIX = ".tongwen-trash-"


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
        self._dirs: set[Path] = set()
        self.link_unchanged = self.out.is_dir()

    def write(self, output: Output) -> None:
        if output.path in self.written:
            raise BuildFailed([error(output.path, 0, "two outputs claim this path")])
        target = safe_join(self.dir, output.path)
        parent = target.parent
        if parent not in self._dirs:
            parent.mkdir(parents=True, exist_ok=True)
            self._dirs.add(parent)
        if not self._link_unchanged(output, target):
            with open(target, "wb") as f:
                f.write(output.data)
        self.written.add(output.path)

    def _link_unchanged(self, output: Output, target: Path) -> bool:
        """A file whose bytes equal the previous output's is hard-linked, not rewritten: unchanged
        files keep their inode and mtime (cheap syncs and reloads). The previous output is only read."""
        if not self.link_unchanged:
            return False
        prev = safe_join(self.out, output.path)
        try:
            st = os.lstat(prev)
            if not stat.S_ISREG(st.st_mode) or st.st_size != len(output.data) or st.st_nlink > 1000:
                return False
            with open(prev, "rb") as f:
                if f.read() != output.data:
                    return False
            os.link(prev, target)
            return True
        except OSError:
            return False

    def keep(self, path: str) -> None:
        """An output of the previous build that stands as it is (incremental.py vouched for it)."""
        if path in self.written:
            raise BuildFailed([error(path, 0, "two outputs claim this path")])
        target = safe_join(self.dir, path)
        if target.parent not in self._dirs:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._dirs.add(target.parent)
        prev = safe_join(self.out, path)
        try:
            os.link(prev, target)
        except OSError:
            shutil.copyfile(prev, target)
        self.written.add(path)

    def write_all(self, outputs: Iterable[Output]) -> None:
        for o in outputs:
            self.write(o)

    def publish(self) -> None:
        (self.dir / MANIFEST).write_text("\n".join(sorted(self.written)) + "\n", encoding="utf-8")
        os.chmod(self.dir, 0o755)
        if self.out.exists():
            if _exchange(self.dir, self.out):
                remove_later(self.dir, self.out.name)  # now the previous output
                return
            old = self.out.parent / (_OLD_PREFIX + self.out.name)
            shutil.rmtree(old, ignore_errors=True)
            os.rename(self.out, old)
            os.rename(self.dir, self.out)
            remove_later(old, self.out.name)
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
    for p in out.parent.glob(_TRASH_PREFIX + out.name + "-*"):
        if p.is_dir():
            remove_later(p, out.name)


def remove_later(folder: Path, name: str) -> None:
    """Delete a replaced output folder.

    The folder is first renamed to a trash name (so nothing mistakes it for a site), then deleted here:
    a build that returns leaves nothing behind beside the output folder. TONGWEN_ASYNC_DELETE=1 hands
    the deletion to a detached process instead (unlinking tens of thousands of files costs seconds on
    some file systems); leftovers of a killed remover are swept by the next build.
    """
    trash = folder
    if not folder.name.startswith(_TRASH_PREFIX):
        trash = Path(tempfile.mkdtemp(prefix=_TRASH_PREFIX + name + "-", dir=folder.parent))
        try:
            os.rename(folder, trash / "old")
        except OSError:
            trash.rmdir()
            shutil.rmtree(folder, ignore_errors=True)
            return
    if os.environ.get("TONGWEN_ASYNC_DELETE") == "1":
        try:
            subprocess.Popen([sys.executable, "-c", "import shutil, sys; shutil.rmtree(sys.argv[1], True)",
                              str(trash)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True, close_fds=True)
            return
        except OSError:
            pass
    shutil.rmtree(trash, ignore_errors=True)


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
