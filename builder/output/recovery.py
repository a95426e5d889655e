"""After a killed build: finish a committed patch from its journal, drop uncommitted ones, restore
a folder caught between the two renames of a swap, and sweep leftover staging folders."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

from ..errors import BuildFailed, error
from .folder import (
    MANIFEST,
    OLD_PREFIX,
    PATCH_PREFIX,
    STAGE_PREFIX,
    TRASH_PREFIX,
    fsync_dir,
    remove_later,
    safe_join,
)


def step(name: str) -> None:
    """Called with a step name before/after every change a commit or a recovery makes: a seam for
    tests, which replace it (`recovery.step = …`) to kill the process at each step. Does nothing in
    normal use."""


def apply_journal(out: Path, folder: Path, journal: dict[str, object]) -> None:
    """Roll a committed patch forward. Every step may already be done (a recovery after a kill, or a
    recovery of a recovery): deletions of missing files, renames whose source is gone and removals of
    folders that are not empty are skipped. The patch folder goes last, its journal first."""
    delete: list[str] = journal["delete"]  # type: ignore[assignment]
    moves: list[list[str]] = journal["moves"]  # type: ignore[assignment]
    clear: list[str] = journal["clear"]  # type: ignore[assignment]
    durable = bool(journal.get("durable"))
    root = os.fspath(out)
    changed = {root}
    for i, rel in enumerate(delete):  # into the patch folder: its blocks are freed after out is complete
        p = os.path.join(root, rel)
        try:
            if not stat.S_ISDIR(os.lstat(p).st_mode):  # a folder there now: a later rename made it
                os.replace(p, os.path.join(folder, f"del-{i}"))
        except (FileNotFoundError, NotADirectoryError):
            pass
        step("delete")
    for rel in delete:  # folders the deletions left empty
        d = rel.rpartition("/")[0]
        while d:
            try:
                os.rmdir(os.path.join(root, d))
            except OSError:
                break
            d = d.rpartition("/")[0]
        changed.add(os.path.join(root, d))
    step("prune")
    for rel in clear:  # folders where a file goes; their files were deleted above
        for dirpath, _dirs, _files in os.walk(os.path.join(root, rel), topdown=False):
            try:
                os.rmdir(dirpath)
            except OSError:
                pass
    for src, dst in moves:
        s = os.path.join(folder, src)
        d = os.path.join(root, dst)
        try:
            os.replace(s, d)
        except FileNotFoundError:
            if not os.path.lexists(s):
                continue  # renamed before a kill
            os.makedirs(os.path.dirname(d), exist_ok=True)
            os.replace(s, d)
        if durable:
            changed.add(os.path.dirname(d))
        step("move")
    if durable:
        for d in sorted(changed):
            try:
                fsync_dir(Path(d))
            except OSError:
                pass
    os.unlink(folder / "journal")
    step("done")
    if os.environ.get("TONGWEN_ASYNC_DELETE") == "1":
        remove_later(folder, out.name)
    else:
        shutil.rmtree(folder, ignore_errors=True)


def _patch_folders(out: Path) -> list[Path]:
    """Patch folders of exactly this output (mkdtemp's 8-character suffix: not those of `out-foo`)."""
    prefix = PATCH_PREFIX + out.name + "-"
    try:
        names = sorted(n for n in os.listdir(out.parent) if n.startswith(prefix))
    except OSError:
        return []
    return [out.parent / n for n in names if len(n) == len(prefix) + 8 and "-" not in n[len(prefix):]]


def recover(out: Path) -> None:
    """Bring `out` to a complete site after a killed build: restore it if a kill came between the two
    renames of Staging's fallback swap; finish every committed patch (journal present) and drop every
    uncommitted one. Idempotent; cheap when there is nothing to do (one listing of out's parent)."""
    out = out.resolve()
    old = out.parent / (OLD_PREFIX + out.name)
    if old.is_dir() and not out.exists():
        os.rename(old, out)
    for folder in _patch_folders(out):
        if folder.is_symlink() or not folder.is_dir():
            continue
        try:
            text = (folder / "journal").read_text(encoding="utf-8")
        except FileNotFoundError:
            shutil.rmtree(folder, ignore_errors=True)  # never committed: out was not touched
            continue
        except (OSError, UnicodeDecodeError) as exc:
            raise BuildFailed([error(str(folder), 0, f"cannot read the journal of an interrupted update of {out}: "
                                     f"{exc}")]) from None
        journal = _valid_journal(out, text)
        if journal is None:
            raise BuildFailed([error(str(folder / "journal"), 0, f"unreadable journal of an interrupted update of "
                                     f"{out}; rebuild into a new folder, or delete it and {folder.name}")])
        apply_journal(out, folder, journal)


def _valid_journal(out: Path, text: str) -> dict[str, object] | None:
    try:
        journal = json.loads(text)
        if not isinstance(journal, dict) or journal.get("format") != 1 or journal.get("out") != out.name:
            return None
        for src, dst in journal["moves"]:
            if not isinstance(src, str) or "/" in src or src in ("", ".", ".."):
                return None
            if dst != MANIFEST:
                safe_join(out, dst)
        for rel in journal["delete"] + journal["clear"]:
            safe_join(out, rel)
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    return journal


def sweep(out: Path) -> None:
    """Remove staging folders left by a killed build (they are ours by name), restore an output
    folder that a kill caught between the two renames of the fallback swap, and finish or drop
    patches a kill interrupted (`recover`)."""
    recover(out)
    for p in out.parent.glob(STAGE_PREFIX + out.name + "-*"):
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
    for p in out.parent.glob(TRASH_PREFIX + out.name + "-*"):
        if p.is_dir():
            remove_later(p, out.name)

