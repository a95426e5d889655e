"""The whole-build fingerprint: skip a build whose every input is unchanged.

A build's output depends only on: the builder's own code and theme (and the versions of the
libraries it uses), `site.yaml` as loaded (plus command-line overrides), every file under content/,
templates/, static/ and i18n/, the output path, `--drafts` and SOURCE_DATE_EPOCH. The fingerprint hashes all
of these by content. After a successful build it is recorded (`records.BUILD`, per output folder)
together with a digest of the output folder's listing (path, size, mtime, inode of every entry).
A later build with the same fingerprint whose output folder is untouched is skipped: its output
already equals what a clean build would write. Anything unreadable, missing or different means a
full build; the record is never trusted beyond these checks.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..config import SiteConfig
from . import identity, records
from .identity import files_under

_FORMAT = 2
_DIGESTS_FORMAT = 3
_RACY_NS = 2_000_000_000  # a file changed this recently may change again within one timestamp tick


class FileDigests:
    """Content digests of input files, remembered across builds by (size, mtime, ctime, inode).

    As git's index does: a file whose stat is unchanged is not read again. ctime cannot be set
    back by tools (unlike mtime). A record is trusted only if the file had not changed for two
    seconds when it was made ("racily clean": a write within the same timestamp tick as the one
    recorded would look unchanged), so a freshly edited file is read again until it settles."""

    def __init__(self, site_dir: Path | None):
        self.site_dir = site_dir
        self.known: dict[str, tuple[int, int, int, int, bytes, int]] = {}
        payload = records.read(site_dir, "", records.FILES) if site_dir is not None else None
        if payload is not None:
            try:
                data = pickle.loads(payload)
                if isinstance(data, tuple) and len(data) == 2 and data[0] == _DIGESTS_FORMAT:
                    self.known = data[1]
            except Exception:  # noqa: BLE001 - damaged: every file is read
                self.known = {}
        self.current: dict[str, bytes] = {}  # path → the digest this build last computed or trusted
        self.used: dict[str, tuple[int, int, int, int]] = {}  # path → its stat when its digest was taken

    @staticmethod
    def hash(data: bytes) -> bytes:
        return hashlib.blake2b(data, digest_size=20).digest()

    def of(self, path: Path | str) -> bytes:
        """The file's content digest (reads it unless a trusted record has the same stat). Asked
        again in the same build, the first answer stands: `unchanged_since_use` checks at the end
        that no file changed since it was first used."""
        key = str(path)
        done = self.current.get(key)
        if done is not None:
            return done
        st = os.stat(path)
        sig = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
        self.used[key] = sig
        rec = self.known.get(key)
        if rec is not None and len(rec) == 6 and rec[:4] == sig and rec[5] - max(sig[1], sig[2]) > _RACY_NS:
            self.current[key] = rec[4]
            return rec[4]
        now = time.time_ns()
        with open(path, "rb") as f:
            data = f.read()
            st2 = os.fstat(f.fileno())
        d = self.hash(data)
        if (st2.st_size, st2.st_mtime_ns, st2.st_ctime_ns, st2.st_ino) == sig:
            self.known[key] = (*sig, d, now)
        else:
            self.known.pop(key, None)
        self.current[key] = d
        return d

    def unchanged_since_use(self) -> bool:
        """True if no file whose digest was taken has changed since (a file added meanwhile is seen
        by the next build's walk, which changes its fingerprint and signatures)."""
        try:
            for key, sig in self.used.items():
                st = os.stat(key)
                if (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino) != sig:
                    return False
        except OSError:
            return False
        return True

    def payload(self) -> bytes:
        """The records, as `records.FILES` keeps them (a build's `records.Commit`)."""
        return pickle.dumps((_DIGESTS_FORMAT, self.known), protocol=5)

    def save(self) -> None:
        """Record them now, on their own (best effort)."""
        if self.site_dir is not None:
            records.write(self.site_dir, "", records.FILES, self.payload())


def inputs(config: SiteConfig, site_dir: Path, out: Path, drafts: bool, digests: FileDigests | None,
           walked: tuple[list[Any], list[Any], list[Any]], future: bool = False) -> str | None:
    """The fingerprint of everything the build reads, or None when it cannot be trusted. `walked`:
    `load.walk(config)`, as the build did it."""
    try:
        h = hashlib.blake2b(digest_size=20)
        h.update(identity.builder_digest().encode())
        h.update(config.text.encode())
        sde = os.environ.get("SOURCE_DATE_EPOCH", "")
        h.update(f"\0{out.resolve()}\0{drafts}\0{future}\0{sde}\0".encode())
        site = site_dir.resolve()
        h.update(digests.of(site / "site.yaml") if digests is not None else (site / "site.yaml").read_bytes())
        sources, resources, errors = walked
        if errors:
            return None  # the build reports these; never skip it
        files: list[str | Path] = [s.file for s in sources] + [r.path for r in resources]
        for folder in ("templates", "static", "i18n"):
            if (site / folder).is_dir():
                files += files_under(site / folder)
        for path in files:
            h.update(b"\0" + str(path).encode() + b"\0")
            h.update(digests.of(path) if digests is not None else Path(path).read_bytes())
        return h.hexdigest()
    except OSError:
        return None


def output_stats(out: Path, known: dict[str, tuple[int, int, int, int]] | None = None,
                 touched: set[str] | None = None) -> dict[str, tuple[int, int, int, int]] | None:
    """(mode, size, mtime, inode) of the manifest and of every file it lists; None without one.
    `known`: stats taken earlier in this build, which stand for every file but the `touched` ones (a
    patched build's kept files are not looked at again; if one was changed meanwhile, the next
    build's check finds it differs from what is recorded, which is the safe way round)."""
    from ..output.folder import MANIFEST
    base = str(out.resolve())
    stats = {}
    known = known or {}
    touched = touched or set()
    try:
        names = (Path(base) / MANIFEST).read_text(encoding="utf-8").splitlines()
        for name in [MANIFEST, *names]:
            old = known.get(name) if name != MANIFEST and name not in touched else None
            if old is not None:
                stats[name] = old
                continue
            st = os.lstat(base + "/" + name)
            stats[name] = (st.st_mode, st.st_size, st.st_mtime_ns, st.st_ino)
    except (OSError, UnicodeDecodeError):
        return None
    return stats


def listing_digest(stats: dict[str, tuple[int, int, int, int]]) -> str:
    h = hashlib.blake2b(digest_size=20)
    for name, (mode, size, mtime, ino) in stats.items():
        h.update(f"{name}\0{mode}\0{size}\0{mtime}\0{ino}\0".encode())
    return h.hexdigest()


def output_digest(out: Path) -> str | None:
    """Digest of what the output folder holds of Tongwen's: the manifest and the stat (type, size,
    mtime, inode) of every file it lists. Any of them rewritten, touched, replaced or removed changes
    it. Files added beside them do not: a build neither reads nor (patching) replaces them, and a
    full build refuses to replace a folder holding them (output.staging.check_target). No manifest: None."""
    stats = output_stats(out)
    return listing_digest(stats) if stats is not None else None


def _read_record(site_dir: Path, out: Path) -> dict[str, object] | None:
    payload = records.read(site_dir, records.folder_key(out), records.BUILD)
    try:
        rec = json.loads(payload.decode("utf-8")) if payload is not None else None
    except (ValueError, UnicodeDecodeError):
        return None
    return rec if isinstance(rec, dict) and rec.get("format") == _FORMAT else None


def unchanged(site_dir: Path, out: Path, fingerprint: str | None,
              listing: Callable[[], str | None] | None = None) -> dict[str, object] | None:
    """The recorded build if `out` already holds exactly what this build would write, else None.
    `listing`: gives `output_digest(out)` (taken by a forked child: outwatch.py), asked only when needed."""
    if fingerprint is None or not out.is_dir():
        return None
    rec = _read_record(site_dir, out)
    if rec is None or rec.get("fingerprint") != fingerprint:
        return None
    if rec.get("output") != (listing() if listing is not None else output_digest(out)):
        return None
    if not isinstance(rec.get("pages"), int) or not isinstance(rec.get("outputs"), int):
        return None
    return rec


def record(fingerprint: str | None, pages: int, outputs: int, listing: str | None) -> bytes | None:
    """A successful build's record (`records.BUILD`), or None when the next build may not skip."""
    if not fingerprint or not listing:
        return None
    return json.dumps({"format": _FORMAT, "fingerprint": fingerprint, "output": listing, "pages": pages,
                       "outputs": outputs}, sort_keys=True).encode()
