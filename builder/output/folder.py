"""The output folder's ground rules: the manifest, the names of Tongwen's sibling folders, safe
joins under the folder, and the file-system moves every writer uses (atomic exchange, deletion)."""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

MANIFEST = ".tongwen-manifest"
STAGE_PREFIX = ".tongwen-staging-"
OLD_PREFIX = ".tongwen-old-"
TRASH_PREFIX = ".tongwen-trash-"
PATCH_PREFIX = ".tongwen-patch-"


def files_of(root: Path) -> set[str]:
    """Every entry under root that is not a real folder (files, and symlinks of any kind: a symlinked
    folder is listed, not followed, so it is foreign unless the manifest names it), as relative paths."""
    out: set[str] = set()
    stack = [("", os.fspath(root))]
    while stack:
        rel, path = stack.pop()
        with os.scandir(path) as it:
            for e in it:
                if e.is_dir(follow_symlinks=False):
                    stack.append((rel + e.name + "/", e.path))
                else:
                    out.add(rel + e.name)
    return out


def safe_join(root: Path, rel: str) -> Path:
    """Join an output path under root, refusing anything that would land outside it."""
    if rel.startswith(("/", "\\")) or "\\" in rel or "\x00" in rel:
        raise ValueError(f"unsafe output path {rel!r}")
    parts = rel.split("/")
    if any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"unsafe output path {rel!r}")
    return root.joinpath(*parts)


def remove_later(folder: Path, name: str) -> None:
    """Delete a replaced output folder.

    The folder is first renamed to a trash name (so nothing mistakes it for a site), then deleted here:
    a build that returns leaves nothing behind beside the output folder. TONGWEN_ASYNC_DELETE=1 hands
    the deletion to a detached process instead (unlinking tens of thousands of files costs seconds on
    some file systems); leftovers of a killed remover are swept by the next build.
    """
    trash = folder
    if not folder.name.startswith(TRASH_PREFIX):
        trash = Path(tempfile.mkdtemp(prefix=TRASH_PREFIX + name + "-", dir=folder.parent))
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


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_RENAME_EXCHANGE = 2


def exchange(a: Path, b: Path) -> bool:
    """Atomically swap two folders (Linux renameat2 RENAME_EXCHANGE); False if unsupported."""
    try:  # (by soname: microseconds, where ctypes.util.find_library runs ldconfig)
        fn = ctypes.CDLL("libc.so.6", use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    AT_FDCWD = -100
    res = fn(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return bool(res == 0)

