"""A persistent, content-addressed cache of per-document work: loaded documents and rendered bodies.

Every entry is stored under a key that hashes *everything* its value was computed from, together
with the builder's own digest (code, theme, library versions: `identity.builder_digest`) and
this module's format number. An entry is therefore either exactly what a fresh computation would
give, or never looked up: there is no invalidation to get wrong, only keys to make complete. The
callers (load.py, render.py) name each key's inputs next to the computation they stand for.

Storage: the `entries` table of the one SQLite database (`SITE/.tongwen-cache/store.sqlite`, whose
layout `incremental/__init__.py` documents), one row per key; the value is `checksum +
zlib(pickle(value))` (`Pickler`: documents' texts as bytes). Anything unreadable — a missing,
locked, truncated or garbage database, a row whose checksum or type does not match — reads as a
miss and is recomputed.
Rows are read lazily, one key at a time; new rows are written by the main process in one
transaction after the output is published. Forked render workers open their own read connection
and hand their new rows back with their results (`drain` / `absorb`).

A `Memory` (the preview server's) also keeps decoded values in the process between builds.
"""

from __future__ import annotations

import copyreg
import hashlib
import io
import os
import pickle
import sqlite3
import zlib
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

from ..model.documents import Document
from . import identity
from .identity import CACHE_DIR

T = TypeVar("T")

_FORMAT = 3
FILE = "store.sqlite"
SCHEMA = ("CREATE TABLE IF NOT EXISTS entries (key BLOB PRIMARY KEY, value BLOB NOT NULL)",
          # (`value` last: a zeroblob written there is not made in memory: records.write_file)
          "CREATE TABLE IF NOT EXISTS records (folder TEXT NOT NULL, kind TEXT NOT NULL, crc INTEGER NOT NULL, "
          "used INTEGER NOT NULL, value BLOB NOT NULL, PRIMARY KEY (folder, kind))")
_MEMORY_MAX = 512 * 2**20  # bytes (as stored, compressed) of the entries kept in memory; then start afresh


class Memory:
    """Decoded rows kept between builds in one process: the preview server owns one and passes it
    to every build (`build(memory=…)`), so documents and rendered bodies stay decoded."""

    def __init__(self, limit: int = _MEMORY_MAX):
        self.rows: dict[bytes, Any] = {}
        self.size = 0
        self.limit = limit
        # output folder → (the head row of the render state its last build recorded, that state
        # as recorded): state.load_state returns it while the database's head row is the same
        self.states: dict[str, tuple[bytes, Any]] = {}

    def __contains__(self, key: bytes) -> bool:
        return key in self.rows

    def remember(self, key: bytes, value: Any, size: int) -> None:
        if self.size + size > self.limit:  # start afresh rather than track what is least used
            self.rows.clear()
            self.size = 0
        if key not in self.rows:
            self.size += size
        self.rows[key] = value


def digest(*parts: Any) -> bytes:
    """A key over `parts`: str, bytes, numbers, None, tuples and frozen dataclasses (whose repr
    shows every field). Bytes are hashed as they are, str (exactly str, not a subclass) as UTF-8,
    tuples (exactly tuple) part by part — cheaper than a repr for the long texts keys hold —
    everything else through its repr. Each part is tagged with its kind and length: unambiguous."""
    h = hashlib.blake2b(digest_size=20)
    h.update(f"{_FORMAT}\0{identity.builder_digest()}\0".encode())
    _feed(h, parts)
    return h.digest()


def _feed(h: Any, parts: tuple[Any, ...]) -> None:
    for p in parts:
        t = type(p)
        if t is str:
            b = p.encode("utf-8", "surrogatepass")
            h.update(b"s%d\0" % len(b))
            h.update(b)
        elif t is tuple:
            h.update(b"t%d\0" % len(p))
            _feed(h, p)
        elif isinstance(p, bytes):
            h.update(b"b%d\0" % len(p))
            h.update(p)
        else:
            r = repr(p).encode("utf-8", "surrogatepass")
            h.update(b"r%d\0" % len(r))
            h.update(r)


def restore_document(state: dict[str, Any]) -> Document:
    """A document as `reduce_document` pickled it, made the way pickle makes any object it restores
    (a new instance whose attributes are the saved ones), its texts decoded."""
    if state["body"] is not None:
        state["body"] = state["body"].decode("utf-8", "surrogatepass")
    if state["summary_src"] is not None:
        state["summary_src"] = state["summary_src"].decode("utf-8", "surrogatepass")
    doc = Document.__new__(Document)
    doc.__dict__.update(state)
    return doc


def reduce_document(doc: Document) -> tuple[Any, tuple[Any, ...]]:
    """A document's Markdown texts pickled as UTF-8 bytes, encoded here: pickling a str keeps a
    UTF-8 copy inside it for as long as it lives (10,000 articles: 60 MB held by every build)."""
    state = dict(doc.__dict__)
    if doc.body is not None:
        state["body"] = doc.body.encode("utf-8", "surrogatepass")
    if doc.summary_src is not None:
        state["summary_src"] = doc.summary_src.encode("utf-8", "surrogatepass")
    return restore_document, (state,)


class Pickler(pickle.Pickler):
    """The pickler of everything the store keeps: documents' texts go as bytes (`reduce_document`)."""

    dispatch_table = MappingProxyType({**copyreg.dispatch_table, Document: reduce_document})


def dumps(value: Any) -> bytes:
    buf = io.BytesIO()
    Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buf.getvalue()


def connect(path: Path) -> sqlite3.Connection:
    """A writing connection to the database, its tables made (statements run as written:
    transactions are begun and committed explicitly)."""
    path.parent.mkdir(exist_ok=True)
    conn = sqlite3.connect(path, timeout=10, isolation_level=None)
    # No fsync: every row is checked when read (entries by BLAKE2, records by CRC-32), and a
    # database damaged by a power loss is started afresh (Store.flush), so a lost write costs a full
    # build, never a wrong one. Syncing cost the first edit after a cold build 0.1–0.3 s at 10,000
    # articles: the commit waited for the kernel to write back the cold build's gigabyte of rows.
    conn.execute("PRAGMA synchronous=OFF")
    for statement in SCHEMA:
        conn.execute(statement)
    return conn


def _encode(value: Any, compress: bool = True) -> bytes:
    data = dumps(value)
    payload = b"Z" + zlib.compress(data, 1) if compress else b"P" + data
    return hashlib.blake2b(payload, digest_size=16).digest() + payload


def _decode(blob: Any) -> Any:
    """The stored value, or raises (any exception means: not usable)."""
    if not isinstance(blob, bytes) or len(blob) < 18:
        raise ValueError("short entry")
    check, payload = blob[:16], blob[16:]
    if hashlib.blake2b(payload, digest_size=16).digest() != check:
        raise ValueError("checksum mismatch")
    if payload[:1] == b"P":
        return pickle.loads(payload[1:])
    if payload[:1] == b"Z":
        return pickle.loads(zlib.decompress(payload[1:]))
    raise ValueError("unknown encoding")


SPILL_BYTES = 64 * 2**20  # new rows held in memory before they are written


class Store:
    """The cache of one site folder. `Store(None)` is a cache that never stores anything on disk."""

    def __init__(self, site_dir: Path | None, memory: Memory | None = None):
        self.path = (site_dir / CACHE_DIR / FILE) if site_dir is not None else None
        self._conns: dict[int, sqlite3.Connection | None] = {}
        self.pending: dict[bytes, bytes] = {}  # new rows of this process, written by spill()/flush()
        self._pending_bytes = 0
        self.used: set[bytes] = set()  # keys this process read or wrote in this build
        self._log: list[bytes] = []  # the same, in order, for `used_since`
        self._fetched: dict[bytes, bytes] = {}  # rows read ahead by `prefetch`, not yet asked for
        self._pid = os.getpid()
        self.memory = memory
        self.hits = 0
        self.misses = 0

    # -- reading --
    def _db(self) -> sqlite3.Connection | None:
        pid = os.getpid()
        if pid not in self._conns:  # never reuse a connection across fork: each process opens its own
            conn = None
            if self.path is not None and self.path.is_file():
                try:
                    conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=2,
                                           check_same_thread=False)
                    conn.execute("SELECT key, value FROM entries LIMIT 0")
                except (sqlite3.Error, OSError):
                    conn = None
            self._conns[pid] = conn
        return self._conns[pid]

    def release(self) -> None:
        """Close this process's read connection (before forking workers, and at the end)."""
        conn = self._conns.pop(os.getpid(), None)
        if conn is not None:
            conn.close()

    def _own(self) -> None:
        """A forked worker starts with a copy of its parent's new rows: they are the parent's to
        write, so a worker hands back (drain) only rows it made itself."""
        if self._pid != os.getpid():
            self._pid = os.getpid()
            self.pending, self.used, self._log, self._fetched = {}, set(), [], {}

    def get(self, key: bytes, kind: type[T] | tuple[type, ...], count: bool = True) -> T | None:
        """The value stored under `key` if it is intact and an instance of `kind`, else None.
        `count`: tally the lookup in `hits` / `misses` (per-document work; pages are not counted)."""
        self._own()
        value: Any = None
        size = 0
        if self.memory is not None and key in self.memory:
            value = self.memory.rows[key]
        elif key in self.pending:
            value = _decode(self.pending[key])
            size = len(self.pending[key])
        elif key in self._fetched:
            blob = self._fetched.pop(key)
            try:
                value = _decode(blob)
                size = len(blob)
            except Exception:  # noqa: BLE001 - a damaged row is a miss
                value = None
        else:
            conn = self._db()
            if conn is not None:
                try:
                    row = conn.execute("SELECT value FROM entries WHERE key = ?", (key,)).fetchone()
                    if row is not None:
                        value = _decode(row[0])
                        size = len(row[0])
                except Exception:  # noqa: BLE001 - a damaged cache is a miss, never an error
                    value = None
        if value is None or not isinstance(value, kind):
            self.misses += count
            return None
        self.hits += count
        self.used.add(key)
        self._log.append(key)
        if self.memory is not None and size:
            self.memory.remember(key, value, size)
        return value  # type: ignore[return-value]

    def has_all(self, keys: list[bytes]) -> bool:
        """Whether a row is stored under each key (not whether it is intact: `get` checks that)."""
        self._own()
        want = [k for k in set(keys) if k not in self.pending and not (self.memory is not None and k in self.memory)]
        if not want:
            return True
        conn = self._db()
        if conn is None:
            return False
        try:
            found = 0
            for i in range(0, len(want), 500):
                part = want[i:i + 500]
                q = "SELECT count(*) FROM entries WHERE key IN ({})".format(",".join("?" * len(part)))
                found += conn.execute(q, part).fetchone()[0]
        except Exception:  # noqa: BLE001 - a damaged cache holds nothing
            return False
        return found == len(want)

    def prefetch(self, keys: list[bytes]) -> None:
        """Read these rows in a few queries; `get` then finds them in memory (once each)."""
        self._own()
        conn = self._db()
        if conn is None:
            return
        want = [k for k in keys if not (self.memory is not None and k in self.memory) and k not in self.pending]
        try:
            for i in range(0, len(want), 500):
                part = want[i:i + 500]
                q = "SELECT key, value FROM entries WHERE key IN ({})".format(",".join("?" * len(part)))
                self._fetched.update((bytes(k), v) for k, v in conn.execute(q, part))
        except Exception:  # noqa: BLE001 - a damaged cache: every row is looked up (and missed) alone
            self._fetched.clear()

    def holds(self, key: bytes) -> bool:
        """Whether `get` finds a row under `key` without a query (read ahead by `prefetch`, new in
        this process, or kept in memory); not whether it is intact: `get` checks that."""
        self._own()
        return key in self._fetched or key in self.pending or (self.memory is not None and key in self.memory)

    def put(self, key: bytes, value: Any, compress: bool = True) -> None:
        """`compress=False` for rows read on every build (documents): reading beats size there."""
        self._own()
        blob = self.pending[key] = _encode(value, compress)
        self._pending_bytes += len(blob)  # (the next absorb spills them too once there are too many)
        self.used.add(key)
        self._log.append(key)
        if self.memory is not None:
            self.memory.remember(key, value, len(blob))

    def checkpoint(self) -> int:
        self._own()
        return len(self._log)

    def used_since(self, checkpoint: int) -> tuple[bytes, ...]:
        """The keys read or written since `checkpoint` (one page job's rows: incremental.py keeps
        them in use while the job's outputs are kept)."""
        return tuple(dict.fromkeys(self._log[checkpoint:]))

    def keep_used(self, keys: set[bytes]) -> None:
        """Count rows as used by this build without reading them."""
        self.used |= keys

    # -- workers → main process --
    def drain(self) -> tuple[dict[bytes, bytes], set[bytes]]:
        """New rows and used keys since the last drain (a worker returns them with its results)."""
        self._own()
        out = (self.pending, self.used)
        self.pending, self.used, self._log = {}, set(), []
        return out

    def absorb(self, rows: tuple[dict[bytes, bytes], set[bytes]]) -> None:
        pending, used = rows
        self.pending.update(pending)
        self.used |= used
        self._pending_bytes += sum(len(v) for v in pending.values())
        if self._pending_bytes > SPILL_BYTES:
            self.spill()

    def spill(self) -> None:
        """Write the new rows now, so a large build's cache never sits in memory whole. Rows are
        keyed by everything they were computed from, so writing them before the build publishes is
        safe: a failed build leaves only correct rows behind. Best effort, like flush()."""
        if self.path is None or not self.pending:
            return
        try:
            self._write()
        except (sqlite3.Error, OSError):
            return  # keep them pending: flush() tries again (and starts afresh if the file is damaged)
        self.pending = {}
        self._pending_bytes = 0

    # -- writing --
    def flush(self) -> None:
        """Write new rows (pruning is `records.Commit`'s, in the transaction that records the build).
        Best effort: a read-only or damaged cache folder just means the next build computes again."""
        self.release()
        if self.path is None:
            return
        for attempt in range(2):
            try:
                self._write()
                break
            except (sqlite3.Error, OSError):
                if attempt:
                    break
                try:  # damaged beyond use: start afresh
                    self.path.unlink()
                except OSError:
                    break
        self.pending = {}
        self._pending_bytes = 0
        self._log = []

    def _write(self) -> None:
        assert self.path is not None
        conn = connect(self.path)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?)", self.pending.items())
            conn.execute("COMMIT")
        finally:
            conn.close()
