"""What one build records for the next, in the `records` table of the store's database, and the
one pruning policy of `.tongwen-cache/`.

A record is a row (folder, kind) → value: `folder` is an output folder's resolved path ("" for what
every folder shares), `kind` one of `KINDS`. `used` is the record's build counter: pruning keeps the
most recently recorded folders. `crc` is the value's CRC-32: a value that does not match it reads as
missing (a full build), never as an error.

`Commit` writes a build's records in one SQLite transaction: a build killed at any point leaves the
previous build's records or this one's, never a mix. In particular the render state and the output
folder's listing digest it is trusted with are one row, written with the build's fingerprint.
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import zlib
from pathlib import Path
from typing import BinaryIO

from .identity import CACHE_DIR
from .store import FILE, connect

FILES = "files"  # input files' stat → content digest (fingerprint.FileDigests), folder ""
BUILD = "build"  # the inputs' fingerprint, page counts and the folder's listing digest (fingerprint)
STATE = "state"  # the render state with the folder's listing digest (state.py), and its parts: `STATE/…`
# the derived site (skeleton.py): a row of its own, `SNAPSHOT_ROWS` + a build's name, written during
# the build; `SNAPSHOT` names the one in use (the build's commit points it at its own: a row of
# 80 MB is written once and deleted once, never updated, which would make it whole in memory)
SNAPSHOT = "snapshot"
SNAPSHOT_ROWS = "snapshot-"
KINDS = (FILES, BUILD, STATE, SNAPSHOT)

KEEP_FOLDERS = 5  # output folders whose records are kept: the newest (build, serve, tests' temporary ones)
_CHUNK = 2**20
_SLACK = 1.5  # entries: once the table holds this many times the rows a build used (plus a margin)


def db_path(site_dir: Path) -> Path:
    return site_dir / CACHE_DIR / FILE


def folder_key(out: Path) -> str:
    return str(out.resolve())


def search_dir(site_dir: Path, out: Path) -> Path:
    """The search index's own state for this output folder (search.save_state: the second format)."""
    tag = hashlib.blake2b(folder_key(out).encode("utf-8", "surrogateescape"), digest_size=6).hexdigest()
    return site_dir / CACHE_DIR / f"search-{tag}"


def read(site_dir: Path, folder: str, kind: str) -> bytes | None:
    """A record's payload, or None (missing, damaged, or no database)."""
    rows = _checked(site_dir, "kind = ?", (folder, kind))
    return rows[kind][0] if kind in rows else None


def read_parts(site_dir: Path, folder: str, kind: str) -> dict[str, tuple[bytes, int]]:
    """The record `kind` and those named `kind/…`: kind → (payload, CRC-32), the damaged ones left out."""
    return _checked(site_dir, "(kind = ? OR kind LIKE ?)", (folder, kind, kind + "/%"))


def _checked(site_dir: Path, where: str, args: tuple[str, ...]) -> dict[str, tuple[bytes, int]]:
    """The folder's records whose kind matches `where`, read-only; a row that does not match its
    checksum is left out (it reads as missing), as is everything when there is no database."""
    path = db_path(site_dir)
    if not path.is_file():
        return {}
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=2)
        try:
            rows = conn.execute(f"SELECT kind, value, crc FROM records WHERE folder = ? AND {where}", args).fetchall()
        finally:
            conn.close()
    except (sqlite3.Error, OSError):
        return {}
    return {k: (v, crc) for k, v, crc in rows if isinstance(v, bytes) and zlib.crc32(v) == crc}


def write(site_dir: Path, folder: str, kind: str, payload: bytes | memoryview | None) -> None:
    """One record written (None: removed) in a transaction of its own. Best effort."""
    try:
        conn = connect(db_path(site_dir))
        try:
            conn.execute("BEGIN IMMEDIATE")
            _put(conn, folder, kind, payload, _counter(conn))
            conn.execute("COMMIT")
        finally:
            conn.close()
    except (sqlite3.Error, OSError):
        pass


def write_file(site_dir: Path, folder: str, kind: str, f: BinaryIO) -> None:
    """One record written from an open file (from its start to its end), in chunks: a record of
    80 MB (a 10,000-article site's snapshot) is never whole in memory. Best effort."""
    crc = 0
    f.seek(0)
    while chunk := f.read(_CHUNK):
        crc = zlib.crc32(chunk, crc)
    size = f.tell()
    f.seek(0)
    try:
        conn = connect(db_path(site_dir))
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT OR REPLACE INTO records (folder, kind, crc, used, value) "
                         "VALUES (?, ?, ?, 0, zeroblob(?))", (folder, kind, crc, size))
            rowid = conn.execute("SELECT rowid FROM records WHERE folder = ? AND kind = ?",
                                 (folder, kind)).fetchone()[0]
            with conn.blobopen("records", "value", rowid) as blob:
                while chunk := f.read(_CHUNK):
                    blob.write(chunk)
            conn.execute("COMMIT")
        finally:
            conn.close()
    except (sqlite3.Error, OSError):
        pass


def _counter(conn: sqlite3.Connection) -> int:
    """The build counter of the records a transaction writes (one scan of the table: asked per
    record, the 134 records of an edit read 113 MB at 10,000 articles)."""
    return int(conn.execute("SELECT coalesce(max(used), 0) + 1 FROM records").fetchone()[0])


def _put(conn: sqlite3.Connection, folder: str, kind: str, payload: bytes | memoryview | None, used: int) -> None:
    if payload is None:
        conn.execute("DELETE FROM records WHERE folder = ? AND kind = ?", (folder, kind))
        return
    conn.execute("INSERT OR REPLACE INTO records (folder, kind, crc, used, value) VALUES (?, ?, ?, ?, ?)",
                 (folder, kind, zlib.crc32(payload), used, payload))


class Commit:
    """A build's records, gathered as the build ends and written together by `finish`."""

    def __init__(self, site_dir: Path, out: Path):
        self.site_dir, self.folder = site_dir, folder_key(out)
        self.puts: list[tuple[str, str, bytes | None]] = []
        self.snapshot: tuple[str, bool] | None = None  # this build's snapshot row: publish it (True) or drop it
        self.used: set[bytes] | None = None  # the entries this build used: prune the others
        self.images: tuple[Path, set[str]] | None = None  # the resized-images folder, the files this build used

    def put(self, kind: str, payload: bytes | None, shared: bool = False) -> None:
        self.puts.append(("" if shared else self.folder, kind, payload))

    def finish(self) -> None:
        """Best effort: a read-only or damaged cache folder just means the next build does the work."""
        try:
            conn = connect(db_path(self.site_dir))
        except (sqlite3.Error, OSError):
            return
        try:
            conn.execute("BEGIN IMMEDIATE")
            used = _counter(conn)
            for folder, kind, payload in self.puts:
                _put(conn, folder, kind, payload, used)
            if self.snapshot is not None:
                _publish_snapshot(conn, self.folder, *self.snapshot, used)
            gone = prune(conn, self.folder, self.used)
            conn.execute("COMMIT")
        except (sqlite3.Error, OSError):
            return
        finally:
            conn.close()
        for folder in gone:  # after the commit: a search state without records is never read
            shutil.rmtree(search_dir(self.site_dir, Path(folder)), ignore_errors=True)
        if self.images is not None:
            prune_files(*self.images)


def _publish_snapshot(conn: sqlite3.Connection, folder: str, kind: str, ok: bool, used: int) -> None:
    """Point `SNAPSHOT` at the row `kind` (ok) and delete every other snapshot row of the folder
    (the previous one, and those of builds killed before their commit); else delete that row."""
    if ok and conn.execute("SELECT 1 FROM records WHERE folder = ? AND kind = ?", (folder, kind)).fetchone():
        _put(conn, folder, SNAPSHOT, kind.encode(), used)
        conn.execute("DELETE FROM records WHERE folder = ? AND kind LIKE ? AND kind != ?",
                     (folder, SNAPSHOT_ROWS + "%", kind))
    else:
        conn.execute("DELETE FROM records WHERE folder = ? AND kind = ?", (folder, kind))


def prune(conn: sqlite3.Connection, folder: str, used: set[bytes] | None) -> list[str]:
    """The one pruning policy, applied in the transaction that records a build: keep what recent
    builds use. Records: those of the `KEEP_FOLDERS` most recently recorded output folders (this
    one's included; their search states go with them: returned). Entries: once the table holds
    `_SLACK` times the rows this build used, every row it did not use (earlier versions of edited
    files, other builder versions' rows)."""
    recent = [r[0] for r in conn.execute(
        "SELECT folder FROM records WHERE folder != '' GROUP BY folder ORDER BY max(used) DESC")]
    gone = [f for f in recent if f != folder][KEEP_FOLDERS - 1:]
    conn.executemany("DELETE FROM records WHERE folder = ?", ((f,) for f in gone))
    if used is not None and conn.execute("SELECT count(*) FROM entries").fetchone()[0] > _SLACK * len(used) + 100:
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS used (key BLOB PRIMARY KEY)")
        conn.execute("DELETE FROM used")
        conn.executemany("INSERT OR IGNORE INTO used VALUES (?)", ((k,) for k in used))
        conn.execute("DELETE FROM entries WHERE key NOT IN (SELECT key FROM used)")
    return gone


def prune_files(folder: Path, used: set[str]) -> None:
    """The same policy for a folder of files made by content (the resized images): once it holds
    `_SLACK` times the files this build used (plus a margin), every file it did not use."""
    try:
        names = [p.name for p in folder.iterdir()]
    except OSError:
        return
    if len(names) <= _SLACK * len(used) + 100:
        return
    for name in names:
        if name not in used:
            (folder / name).unlink(missing_ok=True)
