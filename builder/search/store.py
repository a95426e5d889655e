"""A SearchState on disk (save_state / load_state): a folder of two files.

    index        b"TWSEARCH" + format + SHA-256 of the rest + zlib(pickle(small things, record
                 table, the character fold's table))
    blob-<gen>   records, append-only: every output's bytes (raw; the index keeps each one's SHA-256,
                 which the manifest's "v" is made of: an update hashes only what it rewrites), each
                 document (state.pack_doc: UTF-16 texts, zlib with a preset dictionary) and each
                 shard's equivalent counts as zlib(pickle(dict)).

The index lists each record's (offset, length, CRC-32); a record is checked when it is decoded
(the unchanged outputs, only hashed, are not: that would cost as much again). A save appends the
new records, then replaces the index atomically, so a killed build leaves the previous state
intact; when dead records exceed COMPACT of the live ones the blob is rewritten (new <gen>).
Nothing is fsynced: after a power loss the index's SHA-256 or a record's CRC-32 fails to match and
the build rebuilds the index (like the store's database: incremental/store.py `connect`).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import time
import zlib
from array import array
from pathlib import Path
from typing import Any, BinaryIO

from .state import DOC, EQ, OUT, STATE_FORMAT, Blob, SearchState, code_digest, make_zdict, pack_doc
from .tokens import Fold

_MAGIC = b"TWSEARCH"
COMPACT = 0.15  # the blob is rewritten when its dead records exceed this share of the live ones


def save_state(state: SearchState, path: Path) -> None:
    """Write `state` to the folder `path`. When `path` holds the state this one was loaded from (or
    an earlier save of it), only the new records are appended; otherwise everything is written."""
    path.mkdir(parents=True, exist_ok=True)
    blob = state.blob
    if not state.zdict and state.mem[DOC]:
        state.zdict = make_zdict([state.mem[DOC][i] for i in sorted(state.mem[DOC])])  # type: ignore[misc]
    live = sum(sum(filter((0).__le__, locs[1::3])) for locs in state.locs.values())
    append = (blob is not None and os.path.dirname(os.path.abspath(blob.path)) == os.path.abspath(path)
              and state.dead <= max(live * COMPACT, 1 << 20) and _same_file(blob))
    name = os.path.basename(blob.path) if append and blob is not None else f"blob-{os.getpid()}-{time.time_ns()}"
    locs = {k: array("q", v) for k, v in state.locs.items()}
    with open(path / name, "ab" if append else "wb") as f:
        size = _RecordWriter(f, locs).write_all(state, append)
    meta = {
        "sig": state.sig, "editions": state.editions, "keys": state.keys, "dates": state.dates, "urls": state.urls,
        "sizes": state.sizes, "shards": state.shards, "chunk": state.chunk, "total": state.total,
        "vocab": "".join(sorted(state.vocab_chars)), "fold_pairs": state.fold, "paths": state.paths,
        "hashes": b"".join(state.hashes), "manifest": state.manifest, "locs": locs, "blob": name, "size": size,
        "dead": state.dead if append else 0, "zdict": state.zdict, "fold": state.fold_table.table,
    }
    payload = zlib.compress(pickle.dumps(meta, protocol=pickle.HIGHEST_PROTOCOL), 1)
    head = _MAGIC + STATE_FORMAT.to_bytes(4, "little") + hashlib.sha256(payload).digest()
    tmp = path / f"index.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(head + payload)
    os.replace(tmp, path / "index")
    # the state now reads its records from what was just written (memory is released)
    state.locs = locs
    state.mem = {OUT: {}, DOC: {}, EQ: {}}
    state.blob = Blob(str(path / name))
    state.dead = meta["dead"]  # type: ignore[assignment]
    for old in os.listdir(path):
        if old.startswith("blob-") and old != name:
            try:
                os.unlink(path / old)
            except OSError:
                pass


class _RecordWriter:
    """Writes records at the end of a blob file, noting each one's place in `locs`."""

    def __init__(self, f: BinaryIO, locs: dict[int, array[int]]) -> None:
        self.f = f
        self.locs = locs
        self.off = f.seek(0, os.SEEK_END)
        self.pieces: list[bytes | memoryview] = []
        self.pending = 0

    def write_all(self, state: SearchState, append: bool) -> int:
        """The records held in memory; and, unless appending, those in the old blob. Returns the
        blob's size once written."""
        for kind in (OUT, DOC, EQ):
            for i in range(len(self.locs[kind]) // 3):
                if i in state.mem[kind]:
                    self.put(kind, i, _record(kind, state.mem[kind][i], state.zdict))
                elif not append:  # (checked as it is copied: its CRC is computed afresh below)
                    self.put(kind, i, state.raw(kind, i))
        self.flush()
        self.f.flush()
        return self.off

    def put(self, kind: int, i: int, data: bytes | memoryview) -> None:
        self.locs[kind][3 * i : 3 * i + 3] = array("q", (self.off, len(data), zlib.crc32(data)))
        self.off += len(data)
        self.pieces.append(data)
        self.pending += len(data)
        if self.pending > 1 << 22:
            self.flush()

    def flush(self) -> None:
        self.f.writelines(self.pieces)
        self.pieces.clear()
        self.pending = 0


def _record(kind: int, value: Any, zdict: bytes) -> bytes:
    if kind == OUT:
        return value  # type: ignore[no-any-return]
    if kind == DOC:
        return pack_doc(value, zdict)
    return zlib.compress(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), 1)


def _same_file(blob: Blob) -> bool:
    try:
        st = os.stat(blob.path)
    except OSError:
        return False
    return (st.st_dev, st.st_ino) == blob.ident and st.st_size >= blob.size


def load_state(path: Path) -> SearchState | None:
    """The state saved in the folder `path`, or None when it is missing, damaged, or was written by
    another version of the builder (code, data model, OpenCC data). The state carries the saved
    character fold (same OpenCC: in the digest), so an update does not ask OpenCC (0.1–0.3 s)."""
    try:
        meta = _read_meta(path)
        if meta is None or meta["sig"] != code_digest():
            return None
        return _state_of(meta, path)
    except (OSError, EOFError, ValueError, KeyError, TypeError, IndexError, AttributeError,
            zlib.error, pickle.UnpicklingError):
        return None


def _read_meta(path: Path) -> dict[str, Any] | None:
    with open(path / "index", "rb") as f:
        raw = f.read()
    head = len(_MAGIC) + 4 + 32
    if (len(raw) < head or raw[: len(_MAGIC)] != _MAGIC
            or int.from_bytes(raw[len(_MAGIC) : len(_MAGIC) + 4], "little") != STATE_FORMAT
            or hashlib.sha256(raw[head:]).digest() != raw[len(_MAGIC) + 4 : head]):
        return None
    meta = pickle.loads(zlib.decompress(raw[head:]))
    return meta if isinstance(meta, dict) else None


def _state_of(meta: dict[str, Any], path: Path) -> SearchState | None:
    name = meta["blob"]
    if "/" in name or os.sep in name or not name.startswith("blob-") or not isinstance(meta["fold"], dict):
        return None
    st = SearchState(Fold(meta["fold"]))
    st.sig, st.editions, st.keys = meta["sig"], meta["editions"], meta["keys"]
    st.dates, st.urls = meta["dates"], meta["urls"]
    st.ids = {k: i for i, k in enumerate(st.keys)}
    st.sizes = meta["sizes"]
    st.shards, st.chunk, st.total = meta["shards"], meta["chunk"], meta["total"]
    st.vocab_chars = frozenset(meta["vocab"])
    st.fold, st.paths, st.manifest = meta["fold_pairs"], meta["paths"], meta["manifest"]
    hashes = meta["hashes"]
    st.hashes = [hashes[i: i + 32] for i in range(0, len(hashes), 32)]
    st.locs = meta["locs"]
    st.dead = meta["dead"]
    st.zdict = meta["zdict"]
    st.blob = Blob(str(path / name))
    if st.blob.size < meta["size"]:
        return None
    if (len(st.locs[OUT]) != 3 * len(st.paths) or len(st.hashes) != len(st.paths)
            or len(st.locs[DOC]) != 3 * len(st.keys)
            or len(st.locs[EQ]) != 3 * st.shards or any(len(s) != len(st.keys) for s in st.sizes)
            or len(st.dates) != len(st.keys) or len(st.urls) != len(st.keys)
            or any(not isinstance(a, array) or a.typecode != "q" for a in st.locs.values())):
        return None
    return st
