"""The index files of a full build: shards, metadata chunks and the manifest (formats in the package
docstring), and the helpers an incremental update shares to rewrite them exactly the same way."""

from __future__ import annotations

import gc
import hashlib
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from ..model import Edition, Output, SearchDoc
from .contributions import Equivalents
from .parallel import index_all
from .tokens import PREFIX_MAX, PREFIX_MIN, Fold, shard_of

SHARD_TARGET = 16_000  # bytes of postings per shard, on average
MIN_SHARDS, MAX_SHARDS = 16, 4096
CHUNK_TARGET = 12_000  # bytes of display metadata per chunk, on average
SNIPPET_CHARS = 900  # characters of plain text kept per document and edition for snippets
MAX_EQUIV = 4  # equivalents kept per token
MANIFEST = "search/manifest.js"


@contextmanager
def no_gc() -> Iterator[None]:
    """The index holds millions of small objects and creates no cycles: the cyclic collector would
    rescan them over and over (measured: about half of the build time), so it is paused."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass
class Built:
    """A full build: its files (`outputs`, the manifest last) and what an update needs (SearchState)."""

    perm: list[int]  # the caller's document positions in id order
    ordered: list[SearchDoc]  # the documents in id order
    equiv: Equivalents
    shards: int
    total: int  # bytes of postings (the shard count's measure)
    chunk: int
    sizes: list[list[int]]  # per edition: metadata row size of each id
    vocab_chars: set[str]
    outputs: list[Output]  # shards, then metadata chunks: the manifest's "v" order
    hashes: list[bytes]  # SHA-256 of each of those
    manifest: Output


def build_search(docs: Sequence[SearchDoc], editions: Sequence[Edition], fold: Fold | None = None,
                 ) -> list[Output]:
    """Return the index files. Output.path is relative to the site output root, e.g. "search/s/3f.js"
    (shared) or "zh-tw/search/meta/0.js" (per edition, under edition.prefix). `fold`: the character
    fold to use (made from OpenCC when not given)."""
    with no_gc():
        built = build(docs, editions, fold or Fold.from_opencc())
    return sorted([*built.outputs, built.manifest], key=lambda o: o.path)


def build(docs: Sequence[SearchDoc], editions: Sequence[Edition], fold: Fold) -> Built:
    keys = [e.key for e in editions]
    perm = sorted(range(len(docs)), key=lambda i: order(docs[i], keys[0]))  # stable, like sorted(docs)
    ordered = [docs[i] for i in perm]
    encoded, equiv = index_all(ordered, keys, fold)
    vocab_chars = {t for t in encoded if len(t) == 1}
    total = sum(len(t.encode()) + len(s) + 6 for t, s in encoded.items())
    shards = shard_count(total)
    outputs = _shard_files(encoded, equiv, shards)

    per_edition: dict[str, list[list[object]]] = {k: [row(d, k) for d in ordered] for k in keys}
    n = len(ordered)
    sizes = [[row_size(r) for r in rows] for rows in per_edition.values()]
    chunk = chunk_size(n, [sum(s) for s in sizes])
    for e in editions:
        rows = per_edition[e.key]
        folder = meta_folder(e)
        for c in range(0, max(n, 1), chunk):
            meta_js = js("__tw_search_meta", e.key, c // chunk, rows[c : c + chunk])
            outputs.append(Output(f"{folder}/{c // chunk}.js", meta_js))

    hashes = [file_hash(o.data) for o in outputs]
    v = version([o.path for o in outputs], hashes)
    manifest = manifest_js(chunk, editions, fold_pairs(fold, vocab_chars), shards, n, v)
    return Built(perm=perm, ordered=ordered, equiv=equiv, shards=shards, total=total, chunk=chunk, sizes=sizes,
                 vocab_chars=vocab_chars, outputs=outputs, hashes=hashes, manifest=Output(MANIFEST, manifest))


def _shard_files(encoded: dict[str, str], equiv: Equivalents, shards: int) -> list[Output]:
    hexw = max(1, math.ceil(math.log2(shards) / 4))
    shard_p: list[dict[str, str]] = [{} for _ in range(shards)]
    shard_e: list[dict[str, list[str]]] = [{} for _ in range(shards)]
    for t, s in encoded.items():
        shard_p[shard_of(t, shards)][t] = s
    for t, cnt in equiv.items():
        if t in encoded:
            shard_e[shard_of(t, shards)][t] = best_equiv(cnt)
    return [Output(f"search/s/{i:0{hexw}x}.js", js("__tw_search_shard", i, {"e": shard_e[i], "p": shard_p[i]}))
            for i in range(shards)]


def js(callback: str, *args: object) -> bytes:
    body = ",".join(json.dumps(a, ensure_ascii=False, separators=(",", ":"), sort_keys=True) for a in args)
    return f"{callback}({body});\n".encode()


def order(d: SearchDoc, key0: str) -> tuple[int, str, str]:
    """The sort key of document ids: newest first; undated (topic and term pages) after dated ones;
    ties by url (of the first edition)."""
    return order_of(d.date or "", d.url.get(key0, ""))


def order_of(date: str, url: str) -> tuple[int, str, str]:
    return (0 if date else 1, "".join(chr(0x10FFFF - ord(c)) for c in date), url)


def _plain(s: str) -> str:
    return " ".join(s.split())


def row(d: SearchDoc, k: str) -> list[object]:
    """A document's display row in edition k's metadata chunks."""
    text = _plain(d.text.get(k, "")) or _plain(d.summary.get(k, ""))
    return [d.url.get(k, ""), d.title.get(k, ""), d.date or "", d.kind, text[:SNIPPET_CHARS]]


def row_size(r: list[object]) -> int:
    return len(json.dumps(r, ensure_ascii=False).encode())


def shard_count(total: int) -> int:
    """A power of two such that an average shard is ≈ SHARD_TARGET bytes (MIN_SHARDS…MAX_SHARDS)."""
    shards = MIN_SHARDS
    while shards < MAX_SHARDS and total / shards > SHARD_TARGET:
        shards *= 2
    return shards


def chunk_size(n: int, sums: Sequence[int]) -> int:
    """Documents per metadata chunk: ≈ CHUNK_TARGET bytes on average, rounded down to a power of
    two and at most n (one chunk holds a small site), so that an edit, which changes the average a
    little, seldom changes it: a different chunk size rewrites every chunk (a full index build)."""
    avg = max(s / max(n, 1) for s in sums) if n else 1
    raw = max(1, min(256, int(CHUNK_TARGET // max(avg, 1))))
    return max(1, min(1 << (raw.bit_length() - 1), n))


def best_equiv(cnt: Mapping[str, int]) -> list[str]:
    best = sorted(cnt.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_EQUIV]
    return sorted(q for q, _ in best)


def meta_folder(e: Edition) -> str:
    return f"{e.prefix.strip('/')}/search/meta" if e.prefix.strip("/") else "search/meta"


def fold_pairs(fold: Fold, vocab_chars: set[str] | frozenset[str]) -> str:
    """The manifest's "fold": the fold of each character whose folded form the index has."""
    return "".join(chr(c) + f for c, f in sorted(fold.table.items()) if f in vocab_chars and c > 0x3000)


def manifest_js(chunk: int, editions: Sequence[Edition], fold_pairs: str, shards: int, n: int, v: str) -> bytes:
    manifest = {
        "chunk": chunk,
        "editions": {e.key: e.prefix.strip("/") for e in editions},
        "fold": fold_pairs,
        "hex": max(1, math.ceil(math.log2(shards) / 4)),
        "n": n,
        "prefix": [PREFIX_MIN, PREFIX_MAX],
        "shards": shards,
        "v": v,
    }
    return js("__tw_search_manifest", manifest)


def file_hash(data: bytes | memoryview) -> bytes:
    return hashlib.sha256(data).digest()


def version(paths: Sequence[str], hashes: Sequence[bytes]) -> str:
    """The manifest's "v": a digest over every index file's path and SHA-256, so an update hashes
    only the files it rewrites (the state keeps the others' hashes)."""
    digest = hashlib.sha256()
    for path, h in zip(paths, hashes, strict=True):
        digest.update(path.encode() + b"\0" + h)
    return digest.hexdigest()[:12]
