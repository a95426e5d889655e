"""The search index builder as it was before the fast path (commit e46aa4f), kept verbatim as the
reference that tests/test_search.py compares the current builder with, byte for byte. Not a test
module; nothing else imports it. (Its original module docstring follows, shortened.)

The in-site search index: built here, queried by `theme/static/search.js` with no server.
"""

from __future__ import annotations

import gc
import hashlib
import json
import math
import re
import zlib
from array import array
from collections import Counter, defaultdict, deque
from collections.abc import Sequence
from functools import lru_cache
from itertools import repeat
from operator import and_, sub

from builder.model.documents import Edition, Output, SearchDoc

SHARD_TARGET = 16_000  # bytes of postings per shard, on average
MIN_SHARDS, MAX_SHARDS = 16, 4096
CHUNK_TARGET = 12_000  # bytes of display metadata per chunk, on average
SNIPPET_CHARS = 900  # characters of plain text kept per document and edition for snippets
MAX_EQUIV = 4  # equivalents kept per token
PREFIX_MIN, PREFIX_MAX = 3, 12  # Latin/digit prefix tokens "abc*" … "abcdefghijkl*"

# Identical classes are used in search.js.
CJK = (
    "\u3005\u3007\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
    "\U00020000-\U0003134f"
)
WORD = "0-9a-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff"
_CJK_RUN = re.compile(f"[{CJK}]+")
_WORD_RUN = re.compile(f"[{WORD}]+")
_WORD_PARTS = re.compile(r"[0-9]+|[^0-9]+")
_CJK_CHAR = re.compile(f"[{CJK}]")
_SENTENCE = re.compile(r"[\n。！？；!?;]+")

ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_"
TF_BUCKET = [0, 1, 2, 3, 4, 4, 5, 5, 5, 6, 6, 6, 6, 6, 6]  # index = count (capped); 15+ → 7


# ---------------------------------------------------------------------------------------------------
# folding and tokens


@lru_cache(maxsize=1)
def fold_map() -> dict[int, str]:
    """Character fold: code point → one character (Simplified / half-width). Only changed ones."""
    import opencc  # imported lazily: only search needs the per-character fold

    chars = [chr(c) for c in range(0x3400, 0xA000)] + [chr(c) for c in range(0xF900, 0xFB00)]
    out = chars
    for cfg in ("tw2s.json", "hk2s.json", "t2s.json"):
        conv = opencc.OpenCC(cfg)
        res = conv.convert("\n".join(out)).split("\n")
        if len(res) != len(out):  # never seen; keep the previous step rather than misalign
            continue
        out = [r if len(r) == 1 else o for o, r in zip(out, res, strict=True)]
    table: dict[int, str] = {}
    for c, f in zip(chars, out, strict=True):
        if c != f:
            table[ord(c)] = f
    for cp in range(0xFF01, 0xFF5F):  # full-width ASCII
        table[cp] = chr(cp - 0xFEE0).lower()
    table[0x3000] = " "
    return table


def fold(text: str) -> str:
    """Lower-case and fold to Simplified, character by character (length-preserving for CJK)."""
    return text.lower().translate(fold_map())


def _latin_tokens(word: str) -> list[str]:
    out = [word]
    parts = _WORD_PARTS.findall(word)
    if len(parts) > 1:
        out.extend(p for p in parts if len(p) >= 2)
    if len(word) >= PREFIX_MIN + 1:
        out.extend(word[:k] + "*" for k in range(PREFIX_MIN, min(len(word) - 1, PREFIX_MAX) + 1))
    return out


def _count(folded: str) -> Counter[str]:
    """Token counts of already-folded text. The hot path of the build: C-level iteration only."""
    runs = _CJK_RUN.findall(folded)
    joined = "\x00".join(runs)
    counts: Counter[str] = Counter(joined)
    counts.update(map(str.__add__, joined, joined[1:]))
    for k in [k for k in counts if "\x00" in k]:
        del counts[k]
    for w in _WORD_RUN.findall(_CJK_RUN.sub(" ", folded)):
        counts.update(_latin_tokens(w))
    return counts


def tokenize(text: str) -> list[str]:
    """The index tokens of `text`, sorted and unique (folded: unigrams, bigrams, words, prefixes)."""
    return sorted(_count(fold(text)))


def query_groups(query: str) -> list[list[str]]:
    """How search.js reads a query: every group must match; within a group, any token may.
    (Mirrors search.js for tests; the browser has its own copy.)"""
    q = fold(query)
    groups: list[list[str]] = []
    for m in re.finditer(f"[{CJK}]+|[{WORD}]+", q):
        run = m.group()
        if _CJK_CHAR.match(run):
            if len(run) == 1:
                groups.append([run])
            else:
                groups.extend([run[i : i + 2]] for i in range(len(run) - 1))
        else:
            last = m.end() == len(q)
            if last and len(run) >= PREFIX_MIN:
                groups.append([run, run[:PREFIX_MAX] + "*"])
            else:
                groups.append([run])
    return groups


def shard_of(token: str, shards: int) -> int:
    """CRC-32 of the token's UTF-8 bytes, modulo the (power of two) shard count; search.js agrees."""
    return zlib.crc32(token.encode()) & (shards - 1)


# ---------------------------------------------------------------------------------------------------
# posting encoding


class _Weights(dict[int, int]):
    """Body count → the frequency bits of a posting's weight."""

    def __missing__(self, c: int) -> int:
        w = (TF_BUCKET[c] if c < len(TF_BUCKET) else 7) << 2
        self[c] = w
        return w


class _Varints(dict[int, str]):
    """Memoised varint text of a non-negative integer."""

    def __missing__(self, x: int) -> str:
        y = x
        s = ALPHABET[y & 31]
        y >>= 5
        while y:
            s = ALPHABET[32 + (y & 31)] + s
            y >>= 5
        self[x] = s
        return s


def encode_postings(xs: Sequence[int], _v: _Varints = _Varints()) -> str:  # noqa: B008 - shared memo
    """`xs` = id·32 + w, ascending ids → delta varints."""
    prev = [-32]
    prev.extend(map(and_, xs, repeat(-32)))
    return "".join(map(_v.__getitem__, map(sub, xs, prev)))


def decode_postings(s: str) -> list[tuple[int, int]]:
    """(id, w) pairs; the inverse of encode_postings (used by tests; search.js has its own)."""
    out: list[tuple[int, int]] = []
    x, doc = 0, -1
    for ch in s:
        d = ALPHABET.index(ch)
        if d >= 32:
            x = x * 32 + d - 32
        else:
            x = x * 32 + d
            doc += x >> 5
            out.append((doc, x & 31))
            x = 0
    return out


# ---------------------------------------------------------------------------------------------------
# build


def _js(callback: str, *args: object) -> bytes:
    body = ",".join(json.dumps(a, ensure_ascii=False, separators=(",", ":"), sort_keys=True) for a in args)
    return f"{callback}({body});\n".encode()


def _differences(a: str, b: str, equiv: defaultdict[str, Counter[str]]) -> Counter[str]:
    """Tokens of folded text `b` around the places where it differs from folded text `a` (another
    edition of the same document), and the bigram equivalents there (软件 ↔ 软体) into `equiv`.

    Much cheaper than tokenising `b` again: s2twp changes a few phrases per article. Texts of equal
    length are compared position by position (in 64-character blocks); otherwise sentence by sentence,
    and a sentence pair of unequal length (e.g. 内存 → 記憶體) is tokenised whole, without equivalents."""
    out: Counter[str] = Counter()
    if len(a) == len(b):
        pairs: list[tuple[str, str]] = [(a, b)]
    else:
        sa, sb = _SENTENCE.split(a), _SENTENCE.split(b)
        if len(sa) != len(sb):
            return _count(b)
        pairs = []
        for x, y in zip(sa, sb, strict=True):
            if x == y:
                continue
            if len(x) == len(y):
                pairs.append((x, y))
            else:
                out.update(_count(y))
    for x, y in pairs:
        n = len(x)
        for i in range(0, n, 64):
            if x[i : i + 64] == y[i : i + 64]:
                continue
            for j in range(i, min(i + 64, n)):
                if x[j] == y[j]:
                    continue
                if not (_CJK_RUN.match(y[j]) and _CJK_RUN.match(x[j])):
                    # a difference outside CJK text: tokenise the surrounding stretch of b
                    lo, hi = max(0, j - 40), min(n, j + 40)
                    out.update(_count(y[lo:hi]))
                    continue
                out[y[j]] += 1
                for k in (j - 1, j):
                    if k < 0 or k + 2 > n:
                        continue
                    p, q = x[k : k + 2], y[k : k + 2]
                    if p != q and _CJK_RUN.fullmatch(q):
                        out[q] += 1
                        if _CJK_RUN.fullmatch(p):
                            equiv[p][q] += 1
                            equiv[q][p] += 1
    return out


def _plain(s: str) -> str:
    return " ".join(s.split())


def build_search(docs: Sequence[SearchDoc], editions: Sequence[Edition]) -> list[Output]:
    """Return the index files. Output.path is relative to the site output root, e.g. "search/s/3f.js"
    (shared) or "zh-tw/search/meta/0.js" (per edition, under edition.prefix)."""
    # The index holds millions of small objects and creates no cycles: the cyclic collector would
    # rescan them over and over (measured: about half of the build time), so pause it.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _build(docs, editions)
    finally:
        if was_enabled:
            gc.enable()


def _build(docs: Sequence[SearchDoc], editions: Sequence[Edition]) -> list[Output]:
    keys = [e.key for e in editions]

    def order(d: SearchDoc) -> tuple[int, str, str]:
        date = d.date or ""
        # newest first; undated (topic and term pages) after dated ones; ties by url
        return (0 if date else 1, "".join(chr(0x10FFFF - ord(c)) for c in date), d.url.get(keys[0], ""))

    ordered = sorted(docs, key=order)

    fmap = fold_map()
    postings: defaultdict[str, array[int]] = defaultdict(lambda: array("i"))
    equiv: defaultdict[str, Counter[str]] = defaultdict(Counter)
    weight = _Weights()
    sink: deque[object] = deque(maxlen=0)
    consume = sink.extend

    for doc_id, d in enumerate(ordered):
        counts: Counter[str] | None = None
        base_text = ""
        for k in keys:
            ft = d.text.get(k, "").lower().translate(fmap)
            if counts is None:
                counts, base_text = _count(ft), ft
            elif ft != base_text:
                more = _differences(base_text, ft, equiv)
                for t in more.keys() - counts.keys():
                    counts[t] = more[t]
        assert counts is not None
        flags: dict[str, int] = {}
        for k in keys:
            for t in _count(fold(d.title.get(k, ""))):
                flags[t] = flags.get(t, 0) | 1
            extra = " ".join([d.summary.get(k, ""), *d.tags.get(k, ())])
            for t in _count(fold(extra)):
                flags[t] = flags.get(t, 0) | 2
        for t in flags:
            if t not in counts:
                counts[t] = 0
        # The hot loop, kept at C level: postings[t].append(id·32 + weight(count)) for every token.
        base = doc_id * 32
        consume(map(array.append, map(postings.__getitem__, counts.keys()),
                    map(base.__add__, map(weight.__getitem__, counts.values()))))
        for t, f in flags.items():
            postings[t][-1] += f
    vocab_chars = {t for t in postings if len(t) == 1}

    encoded = {t: encode_postings(xs) for t, xs in postings.items()}
    total = sum(len(t.encode()) + len(s) + 6 for t, s in encoded.items())
    shards = MIN_SHARDS
    while shards < MAX_SHARDS and total / shards > SHARD_TARGET:
        shards *= 2
    hexw = max(1, math.ceil(math.log2(shards) / 4))

    shard_p: list[dict[str, str]] = [{} for _ in range(shards)]
    shard_e: list[dict[str, list[str]]] = [{} for _ in range(shards)]
    for t, s in encoded.items():
        shard_p[shard_of(t, shards)][t] = s
    for t, cnt in equiv.items():
        if t in encoded:
            best = sorted(cnt.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_EQUIV]
            shard_e[shard_of(t, shards)][t] = sorted(q for q, _ in best)

    # display metadata, per edition
    per_edition: dict[str, list[list[object]]] = {}
    for k in keys:
        rows: list[list[object]] = []
        for d in ordered:
            text = _plain(d.text.get(k, "")) or _plain(d.summary.get(k, ""))
            rows.append([d.url.get(k, ""), d.title.get(k, ""), d.date or "", d.kind, text[:SNIPPET_CHARS]])
        per_edition[k] = rows
    n = len(ordered)
    avg = max(
        (sum(len(json.dumps(r, ensure_ascii=False).encode()) for r in rows) / max(n, 1))
        for rows in per_edition.values()
    ) if n else 1
    chunk = max(1, min(256, int(CHUNK_TARGET // max(avg, 1))))
    chunk = max(1, min(1 << (chunk.bit_length() - 1), n))  # a power of two, at most n

    outputs: list[Output] = []
    for i in range(shards):
        data = {"e": shard_e[i], "p": shard_p[i]}
        outputs.append(Output(f"search/s/{i:0{hexw}x}.js", _js("__tw_search_shard", i, data)))
    for e in editions:
        rows = per_edition[e.key]
        folder = f"{e.prefix.strip('/')}/search/meta" if e.prefix.strip("/") else "search/meta"
        for c in range(0, max(n, 1), chunk):
            meta_js = _js("__tw_search_meta", e.key, c // chunk, rows[c : c + chunk])
            outputs.append(Output(f"{folder}/{c // chunk}.js", meta_js))

    fold_pairs = "".join(
        chr(c) + f for c, f in sorted(fmap.items()) if f in vocab_chars and c > 0x3000
    )
    digest = hashlib.sha256()  # over each file's path and SHA-256
    for o in outputs:
        digest.update(o.path.encode() + b"\0" + hashlib.sha256(o.data).digest())
    manifest = {
        "chunk": chunk,
        "editions": {e.key: e.prefix.strip("/") for e in editions},
        "fold": fold_pairs,
        "hex": hexw,
        "n": n,
        "prefix": [PREFIX_MIN, PREFIX_MAX],
        "shards": shards,
        "v": digest.hexdigest()[:12],
    }
    outputs.append(Output("search/manifest.js", _js("__tw_search_manifest", manifest)))
    outputs.sort(key=lambda o: o.path)
    return outputs
