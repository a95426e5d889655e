"""Stage 4, write (whole): outputs stream into a staging folder beside the target; only when every
page is rendered does it replace the target (an atomic exchange on Linux), so a failed, interrupted
or killed build leaves the previous site exactly as it was. A target holding files Tongwen did not
write (no manifest, or files it does not list) is refused rather than replaced."""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path

from ..errors import BuildFailed, error
from ..model.documents import Output
from .folder import MANIFEST, OLD_PREFIX, STAGE_PREFIX, exchange, files_of, remove_later, safe_join
from .recovery import recover, sweep


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
            foreign = sorted(files_of(out) - known - {MANIFEST})
            if foreign:
                listed = ", ".join(foreign[:5]) + (" …" if len(foreign) > 5 else "")
                raise BuildFailed([error(str(out), 0, f"output folder holds files Tongwen did not write "
                                         f"({listed}); refusing to replace it: put them in static/ or move "
                                         "them away")])


class Staging:
    """A staging folder beside `out`; `publish()` swaps it in, `discard()` removes it."""

    def __init__(self, out: Path):
        self.out = out.resolve()
        self.out.parent.mkdir(parents=True, exist_ok=True)
        sweep(self.out)
        self.dir = Path(tempfile.mkdtemp(prefix=STAGE_PREFIX + self.out.name + "-", dir=self.out.parent))
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
            if exchange(self.dir, self.out):
                remove_later(self.dir, self.out.name)  # now the previous output
                return
            old = self.out.parent / (OLD_PREFIX + self.out.name)
            shutil.rmtree(old, ignore_errors=True)
            os.rename(self.out, old)
            os.rename(self.dir, self.out)
            remove_later(old, self.out.name)
        else:
            os.rename(self.dir, self.out)

    def discard(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

