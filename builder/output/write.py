"""Stage 4, write: outputs → the output folder, atomically.

Pages stream into a staging folder beside the target; only when every page is rendered does the
staging folder replace the target (an atomic exchange on Linux), so a failed, interrupted or killed
build leaves the previous site exactly as it was. A manifest records what Tongwen wrote: a target
folder holding files Tongwen did not write is refused rather than replaced.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from ..errors import BuildFailed, error
from ..model.documents import Output

MANIFEST = ".tongwen-manifest"
_STAGE_PREFIX = ".tongwen-staging-"
_OLD_PREFIX = ".tongwen-old-"
_TRASH_PREFIX = ".tongwen-trash-"
_PATCH_PREFIX = ".tongwen-patch-"


def check_target(out: Path, site_dir: Path, foreign_scan: bool = True) -> None:
    """Refuse output folders whose replacement would lose user files. `foreign_scan=False` (for a
    `Patch`, which never replaces a file its manifest does not list) skips the walk for files
    Tongwen did not write."""
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
    recover(out)  # a committed patch half applied when a build was killed: finish it, else its files look foreign
    if out.is_dir():
        entries = [p.name for p in out.iterdir()]
        if entries and MANIFEST not in entries:
            raise BuildFailed([error(str(out), 0, "output folder is not empty and was not written by Tongwen "
                                     f"(no {MANIFEST}); refusing to replace it. Move its files away or "
                                     "choose another --out")])
        if MANIFEST in entries and foreign_scan:
            known = set((out / MANIFEST).read_text(encoding="utf-8").splitlines())
            foreign = sorted(_files(out) - known - {MANIFEST})
            if foreign:
                listed = ", ".join(foreign[:5]) + (" …" if len(foreign) > 5 else "")
                raise BuildFailed([error(str(out), 0, f"output folder holds files Tongwen did not write "
                                         f"({listed}); refusing to replace it: put them in static/ or move "
                                         "them away")])


def _files(root: Path) -> set[str]:
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

    def write_all(self, outputs: Iterable[Output]) -> None:
        for o in outputs:
            self.write(o)

    def keep_all(self, paths: Iterable[str]) -> None:
        """A staged build is a full one: it writes every file and keeps none (incremental builds patch)."""
        if any(True for _p in paths):
            raise AssertionError("a full build keeps no previous output")

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
    """Remove staging folders left by a killed build (they are ours by name), restore an output
    folder that a kill caught between the two renames of the fallback swap, and finish or drop
    patches a kill interrupted (`recover`)."""
    recover(out)
    for p in out.parent.glob(_STAGE_PREFIX + out.name + "-*"):
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
    for p in out.parent.glob(_TRASH_PREFIX + out.name + "-*"):
        if p.is_dir():
            remove_later(p, out.name)


class PatchUnavailable(Exception):
    """`out` cannot be patched in place (not a Tongwen output folder, unreadable manifest, …): use Staging."""


def _step(name: str) -> None:
    """Called with a step name before/after every change a commit or a recovery makes: a seam for
    tests, which replace it to kill the process at each step. Does nothing in normal use."""


class Patch:
    """Changes an existing output folder in place: only changed files are written, the rest stay.

    `write()` puts changed bytes into a patch folder beside `out` (`.tongwen-patch-NAME-XXXXXXXX`: same
    file system, invisible in `out`); `keep()` names unchanged outputs; `commit()` writes the journal
    of renames and deletions to `journal.tmp` in the patch folder and renames it to `journal` (the
    commit point), then applies it and removes the patch folder. A kill before the commit point
    leaves `out` exactly as it was (the next build drops the patch folder); a kill after it is
    finished by `recover(out)`, which every
    `Patch`, `Staging` and `check_target` runs first: renames and deletions are replayed until done,
    so recovery itself may be killed and run again.
    """

    def __init__(self, out: Path, durable: bool = False):
        self.out = out.resolve()
        self.durable = durable  # fsync new files, the journal and every changed folder (power loss)
        if not self.out.is_dir():
            raise PatchUnavailable(f"{out}: not a folder")
        _sweep(self.out)
        manifest = self.out / MANIFEST
        try:
            if not stat.S_ISREG(os.lstat(manifest).st_mode):
                raise PatchUnavailable(f"{manifest}: not a file")
            self._old_text = manifest.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PatchUnavailable(f"{manifest}: {exc}") from None
        self._old = self._old_text.splitlines()
        self._known = set(self._old)
        self._known.discard("")
        self.dir = Path(tempfile.mkdtemp(prefix=_PATCH_PREFIX + self.out.name + "-", dir=self.out.parent))
        if os.stat(self.dir).st_dev != os.stat(self.out).st_dev:  # renames could not cross
            self.dir.rmdir()
            raise PatchUnavailable(f"{out}: a mount point (its patch folder would be on another file system)")
        self.written: set[str] = set()
        self.kept: set[str] = set()
        self._moves: list[tuple[str, str]] = []  # (name in the patch folder, output path)
        self._real_dirs: set[str] = {""}  # output folders seen to be real folders (not symlinks)
        self._committed = False
        self.touched: set[str] = set()  # after commit: every output path it replaced, added or deleted

    @classmethod
    def open(cls, out: Path, durable: bool = False) -> Patch | None:
        """A Patch for `out`, or None when it cannot be patched in place (then build with Staging)."""
        try:
            return cls(out, durable)
        except PatchUnavailable:
            return None

    def _claim(self, path: str) -> None:
        if path in self.written or path in self.kept:
            raise BuildFailed([error(path, 0, "two outputs claim this path")])
        safe_join(self.out, path)
        if path == MANIFEST:
            raise BuildFailed([error(path, 0, "this output path is reserved for Tongwen's manifest")])

    def write(self, output: Output) -> None:
        """After commit, `output.path` holds `output.data`. Unchanged bytes are not rewritten."""
        self._claim(output.path)
        if not self._same(output.path, output.data):
            name = str(len(self._moves))
            with open(self.dir / name, "wb") as f:
                f.write(output.data)
                if self.durable:
                    f.flush()
                    os.fsync(f.fileno())
            self._moves.append((name, output.path))
            _step("write")
        self.written.add(output.path)

    def write_all(self, outputs: Iterable[Output]) -> None:
        for o in outputs:
            self.write(o)

    def keep(self, path: str) -> None:
        """An output the caller vouches is unchanged since the last build (it is not read, nor touched: it
        is only listed again in the manifest). It must be one the manifest lists."""
        if path not in self._known:
            safe_join(self.out, path)
            raise BuildFailed([error(path, 0, f"cannot keep an output the output folder's {MANIFEST} does not list")])
        if path in self.written or path in self.kept:
            raise BuildFailed([error(path, 0, "two outputs claim this path")])
        self.kept.add(path)

    def keep_all(self, paths: Iterable[str]) -> None:
        """`keep()` of many paths at once (set operations: ~50 ms less than 54,000 `keep()` calls)."""
        ps = list(paths)
        batch = set(ps)
        if len(batch) != len(ps) or not batch.isdisjoint(self.written) or not batch.isdisjoint(self.kept) or \
                not batch <= self._known:
            for p in ps:  # the slow way, for the first error's message
                self.keep(p)
        self.kept |= batch

    def _same(self, path: str, data: bytes) -> bool:
        """Whether out/path is a listed regular file, reached through real folders only, holding `data`."""
        if path not in self._known or not self._real_dir(path.rpartition("/")[0]):
            return False
        full = os.path.join(self.out, path)
        try:
            st = os.lstat(full)
            if not stat.S_ISREG(st.st_mode) or st.st_size != len(data):
                return False
            with open(os.open(full, os.O_RDONLY | os.O_NOFOLLOW), "rb") as f:
                return f.read() == data
        except OSError:
            return False

    def _deletable(self, delete: list[str]) -> list[str]:
        """The listed files to delete that exist, reached through real folders: a manifest path that
        safe_join refuses, or a folder of the output replaced by a symlink (not by Tongwen), is refused, so
        no deletion lands outside `out`. (Kept paths are never touched: only they are not checked.)"""
        res = []
        for rel in delete:
            try:
                safe_join(self.out, rel)
            except ValueError:
                raise BuildFailed([error(str(self.out / MANIFEST), 0, f"lists an unsafe path {rel!r}")]) from None
            parent = rel.rpartition("/")[0]
            if self._real_dir(parent):
                res.append(rel)
                continue
            a = ""
            for part in parent.split("/"):
                a = f"{a}/{part}" if a else part
                try:
                    mode = os.lstat(os.path.join(self.out, a)).st_mode
                except FileNotFoundError:
                    break  # already gone: nothing to delete
                if not stat.S_ISDIR(mode):
                    raise BuildFailed([error(rel, 0, f"{a} in the output folder is not a folder; refusing to "
                                             f"delete {rel} through it")])
        return res

    def _real_dir(self, rel: str) -> bool:
        if rel in self._real_dirs:
            return True
        if not self._real_dir(rel.rpartition("/")[0]):
            return False
        try:
            if not stat.S_ISDIR(os.lstat(os.path.join(self.out, rel)).st_mode):
                return False
        except OSError:
            return False
        self._real_dirs.add(rel)
        return True

    def commit(self, delete_unlisted: bool = True) -> None:
        """Make `out` hold every written and kept file; with `delete_unlisted`, delete every other file the
        manifest lists (and folders left empty). Nothing changes in `out` before the commit point."""
        try:
            if delete_unlisted:
                listed = self.written | self.kept
                delete = [p for p in self._old if p and p not in listed]
                staying = [p for p in self._old if p in listed]
            else:
                listed = self._known | self.written
                delete = []
                staying = self._old
            added = sorted(p for p in self.written if p not in self._known)
            if len(self._known) == len(self._old):  # the usual sorted manifest: a cheap merge
                text = "\n".join(sorted(staying + added)) + "\n"
            else:
                text = "\n".join(sorted(listed)) + "\n"
            delete = self._deletable(delete)
            moves = list(self._moves)
            if text != self._old_text:
                (self.dir / "manifest").write_text(text, encoding="utf-8")
                moves.append(("manifest", MANIFEST))
            if not moves and not delete:
                self.discard()
                return
            clear = self._check(moves, set(delete))
            self._hold_old(moves)
            journal = {"format": 1, "out": self.out.name, "moves": moves, "delete": delete, "clear": clear,
                       "durable": self.durable}
            tmp = self.dir / "journal.tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(journal, f, ensure_ascii=False)
                if self.durable:
                    f.flush()
                    os.fsync(f.fileno())
            _step("journal")
        except BaseException:
            self.discard()
            raise
        os.rename(tmp, self.dir / "journal")  # the commit point
        self._committed = True
        self.touched = {dst for _src, dst in moves} | set(delete) | set(clear)
        if self.durable:
            _fsync_dir(self.dir)
            _fsync_dir(self.dir.parent)
        _step("committed")
        _apply(self.out, self.dir, journal)

    def _hold_old(self, moves: list[tuple[str, str]]) -> None:
        """Hard-link each file a rename will replace into the patch folder (`old-N`; `out` is unchanged but
        for link counts): the rename then only drops a link, and the file's blocks are freed when the patch
        folder is removed, after `out` is complete. Freeing blocks costs ~2 ms a file on some disks (ext4
        with online discard), and the renames are the window in which `out` mixes two sites."""
        for src, dst in moves:
            try:
                os.link(os.path.join(self.out, dst), self.dir / f"old-{src}", follow_symlinks=False)
            except OSError:
                pass  # no such file (a new output), or no hard links here: the rename frees it

    def _check(self, moves: list[tuple[str, str]], delete: set[str]) -> list[str]:
        """Refuse, before the commit point, renames that could not be applied or would lose a file Tongwen
        did not write: a written path whose parent is a kept file, a symlink, or also written; a written
        path that is a folder still holding files; a written path that is a file the manifest does not list.
        (Deletions take listed files only and folders are only removed empty: with this check a Patch never
        loses a foreign file, even without check_target's walk.)
        Returns the written paths that are folders now (their files are all deleted: they are removed)."""
        written = {dst for _src, dst in moves}
        clear = []
        for _src, dst in moves:
            if dst == MANIFEST:
                continue
            parts = dst.split("/")
            present = True  # every folder so far exists as a real folder
            for i in range(1, len(parts)):
                a = "/".join(parts[:i])
                if a in written:
                    raise BuildFailed([error(dst, 0, f"output {a} is also written as a file")])
                if not present:
                    continue
                try:
                    mode = os.lstat(os.path.join(self.out, a)).st_mode
                except FileNotFoundError:
                    present = False
                    continue
                if stat.S_ISDIR(mode):
                    continue
                if a in delete and not stat.S_ISLNK(mode):
                    present = False
                    continue
                raise BuildFailed([error(dst, 0, f"{a} in the output folder is not a folder; cannot write {dst}")])
            if not present:
                continue
            full = os.path.join(self.out, dst)
            try:
                mode = os.lstat(full).st_mode
            except FileNotFoundError:
                continue
            if not stat.S_ISDIR(mode):
                if dst not in self._known:  # never replace a file Tongwen did not write, check_target or not
                    raise BuildFailed([error(dst, 0, f"{dst} in the output folder was not written by Tongwen "
                                             f"(its {MANIFEST} does not list it); refusing to replace it")])
                continue
            for dirpath, dirnames, filenames in os.walk(full):
                rel = os.path.relpath(dirpath, self.out).replace(os.sep, "/")
                for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
                    if f"{rel}/{name}" not in delete:
                        raise BuildFailed([error(dst, 0, f"{dst} is a folder in the output folder holding "
                                                 f"{rel}/{name}; cannot write it as a file")])
            clear.append(dst)
        return clear

    def discard(self) -> None:
        """Drop the patch (before the commit point; after it, the patch is applied or left for recovery)."""
        if not self._committed:
            shutil.rmtree(self.dir, ignore_errors=True)


def _apply(out: Path, folder: Path, journal: dict[str, object]) -> None:
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
        _step("delete")
    for rel in delete:  # folders the deletions left empty
        d = rel.rpartition("/")[0]
        while d:
            try:
                os.rmdir(os.path.join(root, d))
            except OSError:
                break
            d = d.rpartition("/")[0]
        changed.add(os.path.join(root, d))
    _step("prune")
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
        _step("move")
    if durable:
        for d in sorted(changed):
            try:
                _fsync_dir(Path(d))
            except OSError:
                pass
    os.unlink(folder / "journal")
    _step("done")
    if os.environ.get("TONGWEN_ASYNC_DELETE") == "1":
        remove_later(folder, out.name)
    else:
        shutil.rmtree(folder, ignore_errors=True)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _patch_folders(out: Path) -> list[Path]:
    """Patch folders of exactly this output (mkdtemp's 8-character suffix: not those of `out-foo`)."""
    prefix = _PATCH_PREFIX + out.name + "-"
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
    old = out.parent / (_OLD_PREFIX + out.name)
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
        _apply(out, folder, journal)


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
