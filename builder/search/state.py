"""SearchState: what an incremental update needs from the previous index, and its records.

A SearchState remembers, besides the output bytes, what an update needs and a full build would
otherwise recompute: the documents (to take an old version's postings and equivalents out), the
id order, every metadata row's size (chunk size), the postings' total size (shard count), the
single-character vocabulary (manifest "fold"), the equivalent counts of every token and the
character fold itself (`Fold`: an update in a new process does not ask OpenCC again).

Its records (every output's bytes, each document, each shard's equivalent counts) live in a blob
file (store.py writes it) or, when new, in memory. A state is valid only for the same code of this
package, data model, constants and OpenCC (code_digest: the one builder identity).
"""

from __future__ import annotations

import hashlib
import mmap
import os
import pickle
import zlib
from array import array
from collections.abc import Sequence
from dataclasses import replace

from ..incremental import identity
from ..model import Edition, SearchDoc
from .files import MIN_SHARDS
from .tokens import Fold

STATE_FORMAT = 2
OUT, DOC, EQ = 0, 1, 2  # record kinds


class StateError(Exception):
    """A state record is missing or damaged: the caller falls back to a full build."""


def code_digest() -> str:
    """What a state's contents depend on besides the documents: the builder (its code, this
    package's constants among it, and the libraries' versions, OpenCC's for the fold: the one
    builder identity) and the state format."""
    return hashlib.sha256(f"{STATE_FORMAT}|{identity.builder_digest()}".encode()).hexdigest()


def editions_sig(editions: Sequence[Edition]) -> tuple[tuple[str, str], ...]:
    return tuple((e.key, e.prefix.strip("/")) for e in editions)


class Blob:
    """A read-only view of a blob file (mmap)."""

    def __init__(self, path: str) -> None:
        self.path = path
        with open(path, "rb") as f:
            st = os.fstat(f.fileno())
            self.size = st.st_size
            self.ident = (st.st_dev, st.st_ino)
            self.mm: mmap.mmap | bytes = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) if self.size else b""

    def view(self, off: int, length: int) -> memoryview:
        if off + length > self.size:
            raise StateError("record beyond the end of the blob")
        return memoryview(self.mm)[off : off + length]


class SearchState:
    """What update_search needs from the previous index. Treat as opaque; `manifest` (the bytes of
    search/manifest.js it describes) lets a caller check that the output folder still holds that
    index. An update returns a new state and leaves the old one usable."""

    def __init__(self, fold_table: Fold) -> None:
        self.sig: str = ""  # code_digest()
        self.fold_table = fold_table  # the character fold the index was built with
        self.editions: tuple[tuple[str, str], ...] = ()
        self.keys: list[str] = []  # document keys in id order
        self.ids: dict[str, int] = {}
        self.dates: list[str] = []  # the date of each id (the id order is files.order: date, first url)
        self.urls: list[str] = []  # the first edition's url of each id
        self.sizes: list[list[int]] = []  # per edition: metadata row size of each id
        self.shards = MIN_SHARDS
        self.chunk = 1
        self.total = 0
        self.vocab_chars: frozenset[str] = frozenset()
        self.fold: str = ""  # the manifest's "fold" (files.fold_pairs)
        self.paths: list[str] = []  # output paths in manifest-digest order (the manifest not included)
        self.hashes: list[bytes] = []  # the SHA-256 of each of those outputs (the manifest's "v")
        self.manifest = b""
        # records: kind → (offset, length, CRC-32) of record i at [3i : 3i+3] in the blob (length -1: none),
        # unless mem holds a newer value
        self.locs: dict[int, array[int]] = {OUT: array("q"), DOC: array("q"), EQ: array("q")}
        self.mem: dict[int, dict[int, object]] = {OUT: {}, DOC: {}, EQ: {}}
        self.blob: Blob | None = None
        self.dead = 0  # bytes of the blob no longer referenced
        self.zdict = b""  # zlib preset dictionary of the document records (sample text of the site)

    def copy(self) -> SearchState:
        s = SearchState(self.fold_table)
        s.__dict__.update(self.__dict__)
        s.locs = {k: array("q", v) for k, v in self.locs.items()}
        s.mem = {k: dict(v) for k, v in self.mem.items()}
        return s

    # record access
    def raw(self, kind: int, i: int) -> memoryview:
        off, length, crc = self.locs[kind][3 * i : 3 * i + 3]
        if length < 0 or self.blob is None:
            raise StateError("missing record")
        v = self.blob.view(off, length)
        if zlib.crc32(v) != crc:
            raise StateError("damaged record")
        return v

    def output(self, i: int) -> bytes:
        if i in self.mem[OUT]:
            return self.mem[OUT][i]  # type: ignore[return-value]
        return bytes(self.raw(OUT, i))

    def doc(self, i: int) -> SearchDoc:
        if i in self.mem[DOC]:
            return self.mem[DOC][i]  # type: ignore[return-value]
        return unpack_doc(self.raw(DOC, i), self.zdict)

    def equiv(self, i: int) -> dict[str, dict[str, int]]:
        e = self.mem[EQ][i] if i in self.mem[EQ] else pickle.loads(zlib.decompress(self.raw(EQ, i)))
        if not isinstance(e, dict):
            raise StateError("not an equivalents record")
        return e

    def set(self, kind: int, i: int, value: object) -> None:
        locs = self.locs[kind]
        if locs[3 * i + 1] >= 0:
            self.dead += locs[3 * i + 1]
            locs[3 * i + 1] = -1
        self.mem[kind][i] = value


def pack_doc(d: SearchDoc, zdict: bytes) -> bytes:
    """A document record: its texts as UTF-16 (CJK in two bytes, not three) after a pickle of the
    rest, compressed with a preset dictionary of the site's text (records are small: about half the
    size of zlib(pickle(d)), and faster)."""
    tkeys = list(d.text)
    texts = [d.text[k].encode("utf-16-le", "surrogatepass") for k in tkeys]
    head = pickle.dumps((replace(d, text={}), tkeys, [len(t) for t in texts]), protocol=pickle.HIGHEST_PROTOCOL)
    c = zlib.compressobj(1, zdict=zdict) if zdict else zlib.compressobj(1)
    return c.compress(len(head).to_bytes(4, "little") + head + b"".join(texts)) + c.flush()


def unpack_doc(data: bytes | memoryview, zdict: bytes) -> SearchDoc:
    z = zlib.decompressobj(zdict=zdict) if zdict else zlib.decompressobj()
    raw = z.decompress(data) + z.flush()
    if not z.eof or z.unused_data:
        raise StateError("damaged document record")
    h = int.from_bytes(raw[:4], "little")
    d, tkeys, lens = pickle.loads(raw[4 : 4 + h])
    if not isinstance(d, SearchDoc) or len(tkeys) != len(lens):
        raise StateError("not a document")
    text, off = {}, 4 + h
    for k, n in zip(tkeys, lens, strict=True):
        text[k] = raw[off : off + n].decode("utf-16-le", "surrogatepass")
        off += n
    if off != len(raw):
        raise StateError("damaged document record")
    return replace(d, text=text)


def make_zdict(docs: Sequence[SearchDoc]) -> bytes:
    """32 KB of the documents' text (UTF-16), from documents spread over the id range."""
    if not docs:
        return b""
    pick = docs[:: max(1, len(docs) // 24)]
    parts = [t.encode("utf-16-le", "surrogatepass")[:2048] for d in pick for t in list(d.text.values())[:1]]
    return b"".join(parts)[-32768:]
