"""The in-site search index: built here, queried by `theme/static/search.js` with no server.

Design (and why)
================

Tokens
    Text is lower-cased and *folded* (below), then cut into runs. A run of CJK characters (Han, kana,
    Hangul) gives every single character and every overlapping bigram: 产业带 → 产, 业, 带, 产业, 业带.
    A query run of two or more characters is looked up as its bigrams (all must match, so 产业带 needs
    产业 and 业带); a single-character query is looked up as that character. A run of Latin letters
    and digits is one token (`1688`, `ai`); a mixed word also gives its letter and digit parts of two
    or more characters (`h20` → h20, 20). So that results can appear while a Latin word is still being
    typed, every Latin/digit word of four or more characters also gives prefix tokens `xyz*` of 3 to 12
    characters; the browser looks up the last, unfinished word as `word` or `word*`.

Script folding: both editions' text, folded character by character
    Each document is indexed with the text of *every* edition (SearchDoc.text[key] for each edition),
    after a character-level fold to Simplified (OpenCC tw2s → hk2s → t2s, one character at a time, plus
    full-width ASCII → ASCII). The character fold makes the two editions' tokens identical wherever
    s2twp only changed characters (產業帶 and 产业带 both fold to 产业带), so indexing both costs a few
    per cent, not double. Where s2twp changed a *phrase* (软件 → 軟體, 信息 → 資訊, 网络 → 網路), the
    folded texts differ (软件 vs 软体) and the document simply carries both tokens, so 軟體, 软体, 軟件
    and 软件 all find it, and site-specific choices (glossary, `-{…}-` markup, human translations) are
    honoured because we index what each edition really says, not what a dictionary guesses.
    The browser folds the query with the same table; it ships only the pairs whose Simplified side
    occurs in this site (a few KB in the manifest) — a character whose fold is not in the site cannot
    match anything anyway. Approach (b) alone (fold to Simplified with a T→S phrase table) was rejected:
    it would need OpenCC's phrase dictionaries in the browser and would not see glossary overrides.

    Highlighting needs more: a query 軟體 on the 简体 page must mark 软件 in the snippet. Where the
    two editions' folded texts align (same length, or same-length sentences), the differing bigrams are
    recorded as *equivalents* (软体 ↔ 软件) and stored in the shard of each token, so a query learns
    them from the shards it fetches anyway; nothing extra is downloaded.

Files (all JavaScript that calls a global callback, so they load as <script> from file:// and under a
strict `script-src 'self'` CSP; all JSON compact, keys sorted, ensure_ascii=False)
    search/manifest.js        __tw_search_manifest({v, n, shards, hex, chunk, fold, ...}) — small,
                              fetched when the search box is first focused
    search/s/<hex>.js         __tw_search_shard(id, {"p": {token: postings}, "e": {token: [equiv]}})
                              shared by every edition; a token lives in shard hash(token) % shards,
                              hash = CRC-32 of the UTF-8 bytes (same in search.js)
    <prefix>/search/meta/<n>.js  __tw_search_meta(edition_key, n, [[url, title, date, kind, text], …])
                              display data of documents n*chunk … n*chunk+chunk-1 in that edition

    Document ids are assigned newest first (date desc, then url), so "recency" is the id order and
    ranking needs no metadata; only the chunks of the results shown are fetched. The shard count is a
    power of two chosen so an average shard is ≈ SHARD_TARGET bytes (16…4096 shards); the chunk size is
    chosen so an average metadata chunk is ≈ CHUNK_TARGET bytes (a power of two, at most the number
    of documents). Snippet text is the first
    SNIPPET_CHARS characters of the edition's plain text.

Postings
    For each token: documents in ascending id, each as one varint x = (id − previous id) · 32 + w,
    written in a 64-letter alphabet (5 bits per letter; letters 32–63 mean "more follows"). w packs
    bit 0 = token in the title, bit 1 = in a tag or the summary, bits 2–4 = body frequency bucket
    (0, 1, 2, 3, 4–5, 6–8, 9–14, 15+). A posting usually costs two or three bytes.

Build speed (bench/search_index.py measures it)
    With NumPy (_index_range_np), no Python object is made per token occurrence or per posting: each
    document's first edition is folded by a table lookup on its UTF-32 code points and its CJK
    characters and bigrams become uint64 "contributions" (token key, id, count bits) in bulk; the few
    tokens Python still counts (Latin words, title, summary and tags, a later edition's differences,
    whose differing positions are found and counted vectorised) join them as arrays. Blocks of
    documents are sorted and reduced to one posting per (token, id), then all postings are sorted
    once and their varints written with array arithmetic; a string is made per token only. Without
    NumPy (or TONGWEN_SEARCH_NUMPY=0) the pure path (_index_range_py) does the same work with
    Counters: CJK runs encoded as UTF-32 and counted as ints through memoryview casts (see
    _count_into), the fold a regex split, the second edition compared with the first in one pass over
    all its equal-length differing sentences (an XOR of the two texts finds the positions). Both
    paths give the same bytes. With two CPUs and a single-threaded process, a forked child indexes
    the second half of the ids; the halves are joined per token, so the output is the same bytes
    whatever the split (tests compare both paths with tests/search_reference.py, the implementation
    before them).

Incremental updates (build_search_state / update_search / save_state / load_state)
    When a few documents change and nothing moves in the id order, only the postings of the tokens
    whose (id, weight) changed are rewritten, in their shards: the old version's tokens and
    equivalents come from the state (which keeps every document), each token's postings are spliced
    around the changed ids, equivalent counts are kept per shard, and the metadata chunk holding the
    document is rewritten. The shard count, chunk size, vocabulary ("fold") and the manifest's "v"
    (a SHA-256 over every index file, so the state keeps their bytes and hashes them again: about
    0.07 s at 10,000 articles) are recomputed exactly as a full build would. Anything else — an added
    or removed document, a changed date or first-edition url (ids move), a shard count or chunk size
    that would change — returns None and the caller builds in full. The state's on-disk format is
    described before SearchState below; tests/test_search_incremental.py checks update == full build.
"""

from __future__ import annotations

import gc
import hashlib
import json
import math
import os
import pickle
import re
import signal
import threading
import time
import zlib
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict, deque
from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import lru_cache
from itertools import accumulate, chain, repeat
from operator import add, and_, rshift, sub
from pathlib import Path

try:
    from _collections import _count_elements  # type: ignore[import-not-found]  # Counter's C loop
except ImportError:  # not CPython
    def _count_elements(mapping: dict[object, int], iterable: object) -> None:
        Counter.update(mapping, iterable)  # type: ignore[call-overload]

from builder.memory import release_free_memory
from builder.model import Edition, Output, SearchDoc

SHARD_TARGET = 16_000  # bytes of postings per shard, on average
MIN_SHARDS, MAX_SHARDS = 16, 4096
CHUNK_TARGET = 12_000  # bytes of display metadata per chunk, on average
SNIPPET_CHARS = 900  # characters of plain text kept per document and edition for snippets
MAX_EQUIV = 4  # equivalents kept per token
PREFIX_MIN, PREFIX_MAX = 3, 12  # Latin/digit prefix tokens "abc*" … "abcdefghijkl*"
PARALLEL_MIN_DOCS = 400  # fewer documents are indexed in one process (a fork costs ~10 ms)

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


_FOLD: dict[int, str] | None = None  # fold_map(), once per process (or from a saved state: load_state)


def fold_map() -> dict[int, str]:
    """Character fold: code point → one character (Simplified / half-width). Only changed ones."""
    global _FOLD
    if _FOLD is None:
        _FOLD = _compute_fold_map()
    return _FOLD


def _compute_fold_map() -> dict[int, str]:
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


# Internal token keys. The hot path never builds a string per CJK token: the folded text's CJK runs
# are joined with _SEP and encoded as UTF-32, and memoryview casts read every code point as a unigram
# key (an int < 2**32) and every pair of neighbours as a bigram key lo | hi << 32 (an int >= 2**32).
# Windows that touch _SEP are junk (a half equal to 1) and are dropped when the keys become strings.
# Latin/digit tokens keep their string keys.
_SEP = "\x01"
_SEP4 = b"\x01\x00\x00\x00"
_M32 = 0xFFFFFFFF
_NONZERO = re.compile(rb"[^\x00]+")


@lru_cache(maxsize=1)
def _cjk_table() -> bytes:
    """table[code point] == 1 for the characters of the CJK class (the class of _CJK_RUN)."""
    table = bytearray(0x110000)
    i = 0
    while i < len(CJK):
        lo = hi = ord(CJK[i])
        if i + 2 < len(CJK) and CJK[i + 1] == "-":
            hi = ord(CJK[i + 2])
            i += 2
        table[lo : hi + 1] = b"\x01" * (hi + 1 - lo)
        i += 1
    return bytes(table)


class _LatinTokens(dict[str, tuple[str, ...]]):
    """Memoised _latin_tokens of a word."""

    def __missing__(self, word: str) -> tuple[str, ...]:
        out = self[word] = tuple(_latin_tokens(word))
        return out


def _count_into(counts: Counter[int | str], folded: str, latin: _LatinTokens | _LatinIds) -> None:
    """Add the token counts of already-folded text to `counts` (internal keys, junk included)."""
    runs = _CJK_RUN.findall(folded)
    if runs:
        joined = _SEP.join(runs)
        joined += _SEP if len(joined) & 1 else _SEP + _SEP  # even length, and the last run ends in _SEP
        b = joined.encode("utf-32-le")
        mv = memoryview(b)
        _count_elements(counts, mv.cast("I"))  # unigrams
        _count_elements(counts, mv.cast("Q"))  # bigrams at even offsets
        _count_elements(counts, memoryview(b[4:] + _SEP4).cast("Q"))  # … and at odd offsets
    words = _WORD_RUN.findall(folded)
    if words:
        _count_elements(counts, chain.from_iterable(map(latin.__getitem__, words)))


def _token(key: int | str) -> str | None:
    """The string token of an internal key; None for junk."""
    if isinstance(key, str):
        return key
    if key < 1 << 32:
        return None if key == 1 else chr(key)
    lo, hi = key & _M32, key >> 32
    return None if lo == 1 or hi == 1 else chr(lo) + chr(hi)


def _aligned(a: str, b: str) -> tuple[list[str], list[str], list[str]] | None:
    """Two editions of a text, paired for comparison: (a's, b's equal-length parts that differ,
    b's differing parts of another length, to tokenise whole). None when the sentences do not pair
    up (then b is tokenised whole)."""
    if len(a) == len(b):
        return [a], [b], []
    sa, sb = _SENTENCE.split(a), _SENTENCE.split(b)
    if len(sa) != len(sb):
        return None
    xs: list[str] = []
    ys: list[str] = []
    whole: list[str] = []  # joined later with _SEP, which ends runs and words
    for x, y in zip(sa, sb, strict=True):
        if x != y:
            if len(x) == len(y):
                xs.append(x)
                ys.append(y)
            else:
                whole.append(y)
    return xs, ys, whole


def _differences(a: str, b: str, equiv: defaultdict[str, Counter[str]], latin: _LatinTokens | _LatinIds,
                 ) -> Counter[int | str]:
    """Tokens of folded text `b` around the places where it differs from folded text `a` (another
    edition of the same document), and the bigram equivalents there (软件 ↔ 软体) into `equiv`.

    Much cheaper than tokenising `b` again: s2twp changes a few phrases per article. Texts of equal
    length are compared position by position; otherwise sentence by sentence, and a sentence pair of
    unequal length (e.g. 内存 → 記憶體) is tokenised whole, without equivalents. At a differing position
    j where both characters are CJK, b's character and b's bigrams at j-1 and j (those wholly CJK and
    inside the sentence) are counted once each, and where a's bigram there is CJK too the pair is an
    equivalent; a difference outside CJK text tokenises b's text within 40 characters of it."""
    out: Counter[int | str] = Counter()
    aligned = _aligned(a, b)
    if aligned is None:
        _count_into(out, b, latin)
        return out
    xs, ys, whole = aligned
    if xs:
        # All equal-length pairs at once, padded and separated by _SEP (never CJK: a bigram across a
        # sentence edge is never counted, as if the sentences were compared one by one).
        X = _SEP + _SEP.join(xs) + _SEP
        Y = _SEP + _SEP.join(ys) + _SEP
        xb, yb = X.encode("utf-32-le", "surrogatepass"), Y.encode("utf-32-le", "surrogatepass")
        diff = (int.from_bytes(xb, "little") ^ int.from_bytes(yb, "little")).to_bytes(len(xb), "little")
        xi, yi = memoryview(xb).cast("I"), memoryview(yb).cast("I")
        cjk = _cjk_table()
        starts: list[int] | None = None
        last = -1
        for m in _NONZERO.finditer(diff):
            for j in range(max(m.start() >> 2, last + 1), ((m.end() - 1) >> 2) + 1):
                last = j
                c = yi[j]
                if not (cjk[c] and cjk[xi[j]]):
                    # a difference outside CJK text: tokenise the surrounding stretch of b
                    if starts is None:
                        starts = [0]
                        for y in ys:
                            starts.append(starts[-1] + len(y) + 1)
                    s = bisect_right(starts, j - 1) - 1
                    lo, hi = starts[s] + 1, starts[s + 1]  # the sentence: Y[lo:hi]
                    whole.append(Y[max(lo, j - 40) : min(hi, j + 40)])
                    continue
                out[c] += 1
                p = yi[j - 1]
                if cjk[p]:
                    out[p | c << 32] += 1
                    if cjk[xi[j - 1]] and cjk[xi[j]]:
                        pa, qa = X[j - 1 : j + 1], Y[j - 1 : j + 1]
                        equiv[pa][qa] += 1
                        equiv[qa][pa] += 1
                n = yi[j + 1]
                if cjk[n]:
                    out[c | n << 32] += 1
                    if cjk[xi[j]] and cjk[xi[j + 1]]:
                        pa, qa = X[j : j + 2], Y[j : j + 2]
                        equiv[pa][qa] += 1
                        equiv[qa][pa] += 1
    if whole:
        _count_into(out, _SEP.join(whole), latin)
    return out


@lru_cache(maxsize=1)
def _fold_split() -> tuple[re.Pattern[str], dict[str, str]]:
    """The fold as a regex split: cheaper than str.translate when most characters are unchanged."""
    table = {chr(c): f for c, f in fold_map().items()}
    cls = "".join(re.escape(c) for c in sorted(table))
    return re.compile(f"([{cls}])"), table


def _fold_fast(text: str) -> str:
    """Same as fold(text)."""
    pattern, table = _fold_split()
    parts = pattern.split(text.lower())
    if len(parts) == 1:
        return parts[0]
    parts[1::2] = map(table.__getitem__, parts[1::2])
    return "".join(parts)


class _Weight(dict[int, int]):
    """count + flags·2**32 → a posting's weight: frequency bucket << 2 | flags."""

    def __missing__(self, c: int) -> int:
        n = c & _M32
        w = (TF_BUCKET[n] if n < len(TF_BUCKET) else 7) << 2 | c >> 32
        self[c] = w
        return w


_Range = dict[str, tuple[str, int, int]]  # token → (postings text from id −1, first x, last x)


def _doc_counts(d: SearchDoc, keys: Sequence[str], latin: _LatinTokens | _LatinIds,
                equiv: defaultdict[str, Counter[str]]) -> Counter[int | str]:
    """One document's internal token key → body count + flags·2**32 (see _Weight); junk included.
    Equivalents go into `equiv`."""
    fold_ = _fold_fast
    counts: Counter[int | str] = Counter()
    base_text: str | None = None
    for k in keys:
        ft = fold_(d.text.get(k, ""))
        if base_text is None:
            _count_into(counts, ft, latin)
            base_text = ft
        elif ft != base_text:
            more = _differences(base_text, ft, equiv, latin)
            dict.update(more, counts)  # counts win; tokens only in this edition keep their count
            counts = more
    title: Counter[int | str] = Counter()
    extra: Counter[int | str] = Counter()
    for k in keys:
        _count_into(title, fold_(d.title.get(k, "")), latin)
        _count_into(extra, fold_(" ".join([d.summary.get(k, ""), *d.tags.get(k, ())])), latin)
    # flags ride in the count's high bits (see _Weight); a token only in the title etc. counts 0
    f1, f2, f3 = 1 << 32, 2 << 32, 3 << 32
    flags = dict.fromkeys(extra.keys(), f2)
    flags.update(dict.fromkeys(title.keys() - extra.keys(), f1))
    flags.update(dict.fromkeys(title.keys() & extra.keys(), f3))
    dict.update(counts, zip(flags.keys(), map(add, map(counts.get, flags.keys(), repeat(0)), flags.values()),
                            strict=True))
    return counts


def _index_range(ordered: Sequence[SearchDoc], keys: Sequence[str], lo: int, hi: int,
                 ) -> tuple[_Range, defaultdict[str, Counter[str]]]:
    """Postings of documents lo … hi-1 (their ids), each token's encoded as if no earlier document
    existed (the first delta is from id −1), with the first and last x = id·32 + w; and equivalents."""
    # a few documents (an edit's) cost less on the pure path than importing NumPy (~0.1 s)
    np = _numpy() if hi - lo > _PY_BELOW else None
    if np is not None and hi * 32 < 1 << _XBITS:
        return _index_range_np(np, ordered, keys, lo, hi)
    return _index_range_py(ordered, keys, lo, hi)


_PY_BELOW = 64  # ranges of at most this many documents take the pure path (same bytes)


def _index_range_py(ordered: Sequence[SearchDoc], keys: Sequence[str], lo: int, hi: int,
                    ) -> tuple[_Range, defaultdict[str, Counter[str]]]:
    """_index_range without NumPy: a list of postings per token, appended document by document."""
    postings: defaultdict[int | str, list[int]] = defaultdict(list)
    equiv: defaultdict[str, Counter[str]] = defaultdict(Counter)
    latin = _LatinTokens()
    weight = _Weight()
    consume = deque[object](maxlen=0).extend
    get = postings.__getitem__
    for doc_id in range(lo, hi):
        counts = _doc_counts(ordered[doc_id], keys, latin, equiv)
        # The hot loop, kept at C level: postings[t].append(id·32 + weight(count)) for every token. The
        # few distinct values of a document are made once, so a posting costs a pointer in a list.
        base = doc_id * 32
        x = {c: base + weight[c] for c in set(counts.values())}
        consume(map(list.append, map(get, counts.keys()), map(x.__getitem__, counts.values())))
    out: _Range = {}
    for key, xs in postings.items():
        t = _token(key)
        if t is not None:
            out[t] = (encode_postings(xs), xs[0], xs[-1])
    return out, equiv


# The NumPy path puts every contribution to a posting into one uint64, key << 27 | id << 10 | bits:
# bits 0–1 the title/summary-or-tag flags, 2–5 a body count (one per occurrence of a CJK character or
# bigram in the first edition, or a Latin token's count), 6–9 the count in a later edition's
# differences (used when the first edition has none); counts are capped at 15, the last bucket.
# One sort groups them by token and id; the groups are reduced and encoded without a Python loop.
# Token keys: a CJK character's code point (< 2**18: the CJK class ends at U+3134F), a Latin token's
# _LATIN0 + its number, a CJK bigram lo | hi << 18 (hi is CJK, so >= 0x3005 << 18 > any Latin key).
# Ids must be < 2**17 (more documents take the path above).
_IDBITS = 17
_XBITS = _IDBITS + 5  # for _index_range: ids·32 < 2**_XBITS
_LATIN0 = 1 << 18


class _LatinIds(dict[str, tuple[int, ...]]):
    """Memoised _latin_tokens of a word, as int keys _LATIN0 + i; `names[i]` is token i."""

    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []
        self.ids: dict[str, int] = {}

    def __missing__(self, word: str) -> tuple[int, ...]:
        ids = self.ids
        for t in _latin_tokens(word):
            if t not in ids:
                ids[t] = _LATIN0 + len(self.names)
                self.names.append(t)
        out = self[word] = tuple(ids[t] for t in _latin_tokens(word))
        return out


_NUMPY: object = None


def _numpy():  # type: ignore[no-untyped-def]
    """numpy, or None when it is not installed (or TONGWEN_SEARCH_NUMPY=0): the slower pure path."""
    global _NUMPY
    if _NUMPY is None:
        try:
            if os.environ.get("TONGWEN_SEARCH_NUMPY", "").strip() == "0":
                raise ImportError
            import numpy

            _NUMPY = numpy
        except ImportError:
            _NUMPY = False
    return _NUMPY or None


def _differences_np(np, a: str, b: str, eq_x: list[object], eq_y: list[object],  # type: ignore[no-untyped-def]
                    latin: _LatinIds) -> Counter[int | str]:
    """_differences with the loop over differing positions vectorised; the equivalents' bigram keys
    (a's, b's: internal keys) are appended to eq_x and eq_y, counted later (_add_equivalents)."""
    out: Counter[int | str] = Counter()
    aligned = _aligned(a, b)
    if aligned is None:
        _count_into(out, b, latin)
        return out
    xs, ys, whole = aligned
    if xs:
        X = _SEP + _SEP.join(xs) + _SEP
        Y = _SEP + _SEP.join(ys) + _SEP
        u32, u64 = np.uint32, np.uint64
        xi = np.frombuffer(X.encode("utf-32-le", "surrogatepass"), dtype=u32)
        yi = np.frombuffer(Y.encode("utf-32-le", "surrogatepass"), dtype=u32)
        cjk_t = _np_tables()[1]
        cx, cy = cjk_t[xi].view(bool), cjk_t[yi].view(bool)
        dpos = np.flatnonzero(xi != yi)
        both = cx[dpos] & cy[dpos]
        if not both.all():
            # a difference outside CJK text: tokenise the surrounding stretch of b (as _differences)
            starts = [0]
            for y in ys:
                starts.append(starts[-1] + len(y) + 1)
            for j in dpos[~both].tolist():
                si = bisect_right(starts, j - 1) - 1
                lo, hi = starts[si] + 1, starts[si + 1]
                whole.append(Y[max(lo, j - 40) : min(hi, j + 40)])
            dpos = dpos[both]
        if len(dpos):
            y64 = yi.astype(u64)
            x64 = xi.astype(u64)
            sh = u64(32)
            left = dpos[cy[dpos - 1]]
            right = dpos[cy[dpos + 1]]
            lkeys = y64[left - 1] | (y64[left] << sh)
            rkeys = y64[right] | (y64[right + 1] << sh)
            _count_elements(out, np.concatenate([y64[dpos], lkeys, rkeys]).tolist())
            le = cx[left - 1]
            re_ = cx[right + 1]
            eq_x.append(x64[left[le] - 1] | (x64[left[le]] << sh))
            eq_y.append(lkeys[le])
            eq_x.append(x64[right[re_]] | (x64[right[re_] + 1] << sh))
            eq_y.append(rkeys[re_])
    if whole:
        _count_into(out, _SEP.join(whole), latin)
    return out


def _add_equivalents(np, equiv: defaultdict[str, Counter[str]], eq_x: list[object],  # type: ignore[no-untyped-def]
                     eq_y: list[object]) -> None:
    """Count the bigram pairs _differences_np found into `equiv`, both ways (as _differences does)."""
    if not eq_x:
        return
    xs = np.concatenate(eq_x).tolist()
    ys = np.concatenate(eq_y).tolist()
    pairs: Counter[tuple[int, int]] = Counter()
    _count_elements(pairs, zip(xs, ys, strict=True))
    m32 = _M32
    for (xk, yk), c in pairs.items():
        pa = chr(xk & m32) + chr(xk >> 32)
        qa = chr(yk & m32) + chr(yk >> 32)
        equiv[pa][qa] += c
        equiv[qa][pa] += c


@lru_cache(maxsize=1)
def _np_tables():  # type: ignore[no-untyped-def]
    """(fold table: code point → folded code point, CJK table: code point → 1 if CJK) as arrays."""
    np = _numpy()
    fold_t = np.arange(0x110000, dtype=np.uint32)
    fm = fold_map()
    fold_t[np.fromiter(fm.keys(), np.int64, len(fm))] = np.fromiter(map(ord, fm.values()), np.uint32, len(fm))
    return fold_t, np.frombuffer(_cjk_table(), dtype=np.uint8)


def _internal_keys(np, keys):  # type: ignore[no-untyped-def]
    """_count_into's keys (uint64) → the NumPy path's token keys, junk (a window touching _SEP) as 0."""
    hi = keys >> np.uint64(32)
    lo = keys & np.uint64(_M32)
    out = lo | (hi << np.uint64(18))
    out[(lo == 1) | (hi == 1)] = 0
    return out


_BLOCK_CHARS = 200_000  # first-edition characters per block of documents reduced at once (fits a cache)
_SLICE = 1 << 21  # postings encoded at once (bounds the temporary arrays)


def _index_range_np(np, ordered: Sequence[SearchDoc], keys: Sequence[str], lo: int, hi: int,  # type: ignore[no-untyped-def]
                    ) -> tuple[_Range, defaultdict[str, Counter[str]]]:
    """_index_range with every contribution gathered in arrays (see above): documents are taken in
    blocks, each block's contributions sorted and reduced to one posting per (token, id), packed as
    key << _XBITS | x; the blocks' postings are then sorted once more and encoded vectorised."""
    equiv: defaultdict[str, Counter[str]] = defaultdict(Counter)
    latin = _LatinIds()
    u64, i64 = np.uint64, np.int64
    fromiter = np.fromiter
    fold_t, cjk_t = _np_tables()
    tf = np.array([*TF_BUCKET, 7], dtype=u64)
    sep = np.ones(1, dtype=np.uint32)
    firsts: list[object] = []  # the first edition's folded text of each document, then a separator
    first_lens: list[int] = []
    pk: list[object] = []  # contributions from Python counters: internal keys …
    pv: list[object] = []  # … and their low bits
    plens: list[int] = []
    eq_x: list[object] = []
    eq_y: list[object] = []
    blocks: list[object] = []  # reduced postings of each block

    def reduce_block(b_lo: int, b_hi: int) -> None:
        ids = np.arange(b_lo, b_hi, dtype=u64) << u64(10)
        parts = []
        # the first editions' CJK characters and bigrams, one contribution per occurrence
        text = np.concatenate(firsts)
        tdoc = np.repeat(ids, first_lens)
        cjk = cjk_t[text].view(bool)
        pos = np.flatnonzero(cjk)
        parts.append((text[pos].astype(u64) << u64(27)) | tdoc[pos] | u64(4))
        pos = np.flatnonzero(cjk[:-1] & cjk[1:])
        parts.append((((text[pos + 1].astype(u64) << u64(18)) | text[pos]) << u64(27)) | tdoc[pos] | u64(4))
        if pk:
            k = _internal_keys(np, np.concatenate(pk))
            c = (k << u64(27)) | np.repeat(ids, plens) | np.concatenate(pv)
            parts.append(c[k != 0])
        firsts.clear()
        first_lens.clear()
        pk.clear()
        pv.clear()
        plens.clear()
        packed = np.concatenate(parts)
        if not len(packed):
            return
        packed.sort()
        # one posting per (token, id)
        kd = packed >> u64(10)
        start = np.empty(len(kd), dtype=bool)
        start[0] = True
        np.not_equal(kd[1:], kd[:-1], out=start[1:])
        g = np.flatnonzero(start)
        kd = kd[g]
        low = packed & u64(1023)
        flags = np.bitwise_or.reduceat(low & u64(3), g)
        c1 = np.add.reduceat((low >> u64(2)) & u64(15), g)
        cd = np.add.reduceat(low >> u64(6), g)
        count = np.minimum(np.where(c1 > 0, c1, cd), u64(15))
        # key << _XBITS | id·32 + weight
        x = (kd >> u64(_IDBITS) << u64(_XBITS)) | ((kd & u64((1 << _IDBITS) - 1)) << u64(5))
        x |= (tf[count] << u64(2)) | flags
        blocks.append(x)

    b_lo, chars = lo, 0
    for doc_id in range(lo, hi):
        d = ordered[doc_id]
        base_arr = None
        base_text: str | None = None
        diff: Counter[int | str] | None = None
        m = 0
        for k in keys:
            arr = fold_t[np.frombuffer(d.text.get(k, "").lower().encode("utf-32-le", "surrogatepass"),
                                       dtype=np.uint32)]
            if base_arr is None:
                base_arr = arr
                base_text = arr.tobytes().decode("utf-32-le", "surrogatepass")
                firsts.append(arr)
                firsts.append(sep)
                first_lens.append(len(arr) + 1)
                chars += len(arr) + 1
                words = _WORD_RUN.findall(base_text)
                if words:
                    lat: Counter[int | str] = Counter()
                    _count_elements(lat, chain.from_iterable(map(latin.__getitem__, words)))
                    pk.append(fromiter(lat.keys(), u64, len(lat)))
                    pv.append(np.minimum(fromiter(lat.values(), i64, len(lat)), 15).astype(u64) << u64(2))
                    m += len(lat)
            elif not np.array_equal(arr, base_arr):
                assert base_text is not None
                more = _differences_np(np, base_text, arr.tobytes().decode("utf-32-le", "surrogatepass"),
                                       eq_x, eq_y, latin)
                if diff is not None:
                    dict.update(more, diff)  # an earlier edition's count wins
                diff = more
        if diff:
            pk.append(fromiter(diff.keys(), u64, len(diff)))
            pv.append(np.minimum(fromiter(diff.values(), i64, len(diff)), 15).astype(u64) << u64(6))
            m += len(diff)
        title: Counter[int | str] = Counter()
        extra: Counter[int | str] = Counter()
        for k in keys:
            _count_into(title, _fold_fast(d.title.get(k, "")), latin)
            _count_into(extra, _fold_fast(" ".join([d.summary.get(k, ""), *d.tags.get(k, ())])), latin)
        if title:
            pk.append(fromiter(title.keys(), u64, len(title)))
            pv.append(np.full(len(title), 1, dtype=u64))
            m += len(title)
        if extra:
            pk.append(fromiter(extra.keys(), u64, len(extra)))
            pv.append(np.full(len(extra), 2, dtype=u64))
            m += len(extra)
        plens.append(m)
        if chars >= _BLOCK_CHARS:
            reduce_block(b_lo, doc_id + 1)
            b_lo, chars = doc_id + 1, 0
    if b_lo < hi:
        reduce_block(b_lo, hi)
    _add_equivalents(np, equiv, eq_x, eq_y)
    del eq_x, eq_y
    out: _Range = {}
    if not blocks:
        return out, equiv
    packed = np.empty(sum(map(len, blocks)), dtype=u64)  # type: ignore[arg-type]
    pos = since = 0
    blocks.reverse()
    while blocks:  # each block is let go once copied: no second copy of them all
        blk = blocks.pop()
        packed[pos : pos + len(blk)] = blk  # type: ignore[arg-type]
        pos += len(blk)  # type: ignore[arg-type]
        since += len(blk)  # type: ignore[arg-type]
        if since >= _SLICE:  # the copied blocks' pages go back as `packed` fills (peak memory)
            blk = None
            release_free_memory()
            since = 0
    del blk
    if not len(packed):
        return out, equiv
    packed.sort()
    n = len(packed)
    step = _SLICE
    first = np.empty(n, dtype=bool)
    first[0] = True
    for c in range(0, n - 1, step):
        k = packed[c : c + step + 1] >> u64(_XBITS)
        np.not_equal(k[1:], k[:-1], out=first[c + 1 : c + len(k)])
    starts = np.flatnonzero(first)
    del first
    bounds = np.append(starts, n)
    names = latin.names
    m18 = (1 << 18) - 1
    alpha = np.frombuffer(ALPHABET.encode(), dtype=np.uint8)
    i32 = np.int32  # x < 2**22
    t0 = 0
    while t0 < len(starts):
        # tokens t0 … t1-1, whole, about `step` postings (at least one token)
        t1 = max(t0 + 1, int(np.searchsorted(bounds, bounds[t0] + step, side="right")) - 1)
        a, b = int(bounds[t0]), int(bounds[t1])
        sub_packed = packed[a:b]
        loc = starts[t0:t1] - a
        token_keys = (sub_packed[loc] >> u64(_XBITS)).tolist()
        x = (sub_packed & u64((1 << _XBITS) - 1)).astype(i32)
        # deltas: from id −1 at a token's first posting, else from the previous posting's id
        d = np.empty_like(x)
        d[0] = -32
        np.bitwise_and(x[:-1], -32, out=d[1:])
        d[loc] = -32
        np.subtract(x, d, out=d)
        # varints, most significant letter first: d >= 32**j takes a letter 32 + (d >> 5j & 31)
        nch = np.ones(len(d), dtype=np.uint8)
        j = 1
        while True:
            more_ = d >= 1 << (5 * j)
            if not more_.any():
                break
            nch += more_
            j += 1
        ends = np.cumsum(nch, dtype=i64)
        buf = np.empty(int(ends[-1]), dtype=np.uint8)
        buf[ends - 1] = alpha[d & 31]
        for i in range(1, j):
            sel = nch > i
            buf[ends[sel] - 1 - i] = alpha[32 + ((d[sel] >> (5 * i)) & 31)]
        encoded = buf.tobytes().decode("ascii")
        lasts = np.append(loc[1:], len(x)) - 1
        cstart = (ends - nch)[loc].tolist()
        cend = ends[lasts].tolist()
        x0s = x[loc].tolist()
        xls = x[lasts].tolist()
        for kk, ca, cb, x0, xl in zip(token_keys, cstart, cend, x0s, xls, strict=True):
            if kk < _LATIN0:
                t = chr(kk)
            elif kk < 0x3005 << 18:
                t = names[kk - _LATIN0]
            else:
                t = chr(kk & m18) + chr(kk >> 18)
            out[t] = (encoded[ca:cb], x0, xl)
        t0 = t1
    return out, equiv


def _split_point(ordered: Sequence[SearchDoc], keys: Sequence[str]) -> int:
    """The id that splits the documents into two halves of about equal text."""
    sizes = [sum(len(d.text.get(k, "")) for k in keys) + 200 for d in ordered]
    half, acc = sum(sizes) / 2, 0
    for i, s in enumerate(sizes):
        acc += s
        if acc >= half:
            return i + 1
    return len(ordered)


def _workers() -> int:
    """2 when it is safe and worth it to index in a forked child as well: fork exists, two CPUs are
    ours, and this is the process's only thread (forking a threaded process, e.g. `tongwen serve`, can
    inherit a lock that another thread holds). TONGWEN_SEARCH_WORKERS=1 forces one process."""
    env = os.environ.get("TONGWEN_SEARCH_WORKERS", "")
    if env.strip() == "1" or not hasattr(os, "fork") or threading.active_count() != 1:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return 2 if cpus >= 2 else 1


def _in_child(ordered: Sequence[SearchDoc], keys: Sequence[str], lo: int, hi: int) -> tuple[int, int] | None:
    """Fork a child that indexes lo … hi-1 and pickles the result into a pipe: (pid, read end)."""
    release_free_memory()  # the child starts with this process's resident pages: fewer of them
    try:
        r, w = os.pipe()
        pid = os.fork()
    except OSError:
        return None
    if pid == 0:  # the child: never returns
        code = 1
        try:
            os.close(r)
            data = pickle.dumps(_index_range(ordered, keys, lo, hi), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(w, "wb") as f:
                f.write(data)
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    return pid, r


def _from_child(child: tuple[int, int]) -> tuple[_Range, defaultdict[str, Counter[str]]] | None:
    pid, r = child
    result: tuple[_Range, defaultdict[str, Counter[str]]] | None = None
    try:
        with os.fdopen(r, "rb") as f:
            result = pickle.load(f)  # as it arrives: never the whole pickle and its objects at once
    except Exception:  # noqa: BLE001 - a child that failed wrote nothing whole: its status says so
        result = None
    _, status = os.waitpid(pid, 0)
    if status != 0:
        return None
    return result


def _index(ordered: Sequence[SearchDoc], keys: Sequence[str]) -> tuple[dict[str, str], defaultdict[str, Counter[str]]]:
    """Encoded postings of every token, and the equivalents. With two workers, a forked child indexes
    the second half of the ids while this process indexes the first; the halves are joined per token
    (the child's first delta re-encoded from this half's last id), so the result does not depend on
    the split."""
    n = len(ordered)
    child = None
    mid = n
    if n >= PARALLEL_MIN_DOCS and _workers() > 1:
        mid = _split_point(ordered, keys)
        child = _in_child(ordered, keys, mid, n) if 0 < mid < n else None
        if child is None:
            mid = n
    try:
        first, equiv = _index_range(ordered, keys, 0, mid)
    except BaseException:  # e.g. KeyboardInterrupt: do not leave the child blocked on the pipe
        if child is not None:
            os.kill(child[0], signal.SIGKILL)
            os.close(child[1])
            os.waitpid(child[0], 0)
        raise
    if mid == n:
        return {t: v[0] for t, v in first.items()}, equiv
    second = _from_child(child) if child is not None else None
    if second is None:  # the child failed: do its share here
        second = _index_range(ordered, keys, mid, n)
    more, equiv2 = second
    varint = _Varints()
    encoded = {t: v[0] for t, v in first.items()}
    for t, (s, x0, _) in more.items():
        prev = first.get(t)
        if prev is None:
            encoded[t] = s
        else:
            skip = len(varint[x0 + 32])  # the first delta, from id −1 …
            encoded[t] = prev[0] + varint[x0 - (prev[2] & -32)] + s[skip:]  # … now from prev's last id
    for t, cnt in equiv2.items():
        equiv[t].update(cnt)
    return encoded, equiv


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


def _order(d: SearchDoc, key0: str) -> tuple[int, str, str]:
    """The sort key of document ids: newest first; undated (topic and term pages) after dated ones;
    ties by url (of the first edition)."""
    return _order_of(d.date or "", d.url.get(key0, ""))


def _order_of(date: str, url: str) -> tuple[int, str, str]:
    return (0 if date else 1, "".join(chr(0x10FFFF - ord(c)) for c in date), url)


def _row(d: SearchDoc, k: str) -> list[object]:
    """A document's display row in edition k's metadata chunks."""
    text = _plain(d.text.get(k, "")) or _plain(d.summary.get(k, ""))
    return [d.url.get(k, ""), d.title.get(k, ""), d.date or "", d.kind, text[:SNIPPET_CHARS]]


def _row_size(r: list[object]) -> int:
    return len(json.dumps(r, ensure_ascii=False).encode())


def _shard_count(total: int) -> int:
    shards = MIN_SHARDS
    while shards < MAX_SHARDS and total / shards > SHARD_TARGET:
        shards *= 2
    return shards


def _chunk_size(n: int, sums: Sequence[int]) -> int:
    """Documents per metadata chunk: ≈ CHUNK_TARGET bytes on average, rounded down to a power of
    two and at most n (one chunk holds a small site), so that an edit, which changes the average a
    little, seldom changes it: a different chunk size rewrites every chunk (a full index build)."""
    avg = max(s / max(n, 1) for s in sums) if n else 1
    raw = max(1, min(256, int(CHUNK_TARGET // max(avg, 1))))
    return max(1, min(1 << (raw.bit_length() - 1), n))


def _best_equiv(cnt: Mapping[str, int]) -> list[str]:
    best = sorted(cnt.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_EQUIV]
    return sorted(q for q, _ in best)


def _meta_folder(e: Edition) -> str:
    return f"{e.prefix.strip('/')}/search/meta" if e.prefix.strip("/") else "search/meta"


def _fold_pairs(vocab_chars: set[str] | frozenset[str]) -> str:
    return "".join(chr(c) + f for c, f in sorted(fold_map().items()) if f in vocab_chars and c > 0x3000)


def _manifest(chunk: int, editions: Sequence[Edition], fold_pairs: str, shards: int, n: int, v: str) -> bytes:
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
    return _js("__tw_search_manifest", manifest)


def _file_hash(data: bytes | memoryview) -> bytes:
    return hashlib.sha256(data).digest()


def _version(paths: Sequence[str], hashes: Sequence[bytes]) -> str:
    """The manifest's "v": a digest over every index file's path and SHA-256, so an update hashes
    only the files it rewrites (the state keeps the others' hashes)."""
    digest = hashlib.sha256()
    for path, h in zip(paths, hashes, strict=True):
        digest.update(path.encode() + b"\0" + h)
    return digest.hexdigest()[:12]


class _Built:
    """Everything a full build computed that an incremental update needs (see SearchState)."""

    def __init__(self, **kw: object) -> None:
        self.__dict__.update(kw)


def _build(docs: Sequence[SearchDoc], editions: Sequence[Edition], parts: list[_Built] | None = None,
           ) -> list[Output]:
    keys = [e.key for e in editions]
    perm = sorted(range(len(docs)), key=lambda i: _order(docs[i], keys[0]))  # stable, like sorted(docs)
    ordered = [docs[i] for i in perm]

    fmap = fold_map()
    encoded, equiv = _index(ordered, keys)
    vocab_chars = {t for t in encoded if len(t) == 1}

    total = sum(len(t.encode()) + len(s) + 6 for t, s in encoded.items())
    shards = _shard_count(total)
    hexw = max(1, math.ceil(math.log2(shards) / 4))

    shard_p: list[dict[str, str]] = [{} for _ in range(shards)]
    shard_e: list[dict[str, list[str]]] = [{} for _ in range(shards)]
    for t, s in encoded.items():
        shard_p[shard_of(t, shards)][t] = s
    for t, cnt in equiv.items():
        if t in encoded:
            shard_e[shard_of(t, shards)][t] = _best_equiv(cnt)

    # display metadata, per edition
    per_edition: dict[str, list[list[object]]] = {k: [_row(d, k) for d in ordered] for k in keys}
    n = len(ordered)
    sizes = [[_row_size(r) for r in rows] for rows in per_edition.values()]
    chunk = _chunk_size(n, [sum(s) for s in sizes])

    outputs: list[Output] = []
    for i in range(shards):
        data = {"e": shard_e[i], "p": shard_p[i]}
        outputs.append(Output(f"search/s/{i:0{hexw}x}.js", _js("__tw_search_shard", i, data)))
    for e in editions:
        rows = per_edition[e.key]
        folder = _meta_folder(e)
        for c in range(0, max(n, 1), chunk):
            meta_js = _js("__tw_search_meta", e.key, c // chunk, rows[c : c + chunk])
            outputs.append(Output(f"{folder}/{c // chunk}.js", meta_js))

    fold_pairs = "".join(
        chr(c) + f for c, f in sorted(fmap.items()) if f in vocab_chars and c > 0x3000
    )
    hashes = [_file_hash(o.data) for o in outputs]
    if parts is not None:
        parts.append(_Built(perm=perm, ordered=ordered, equiv=equiv, shard_p=shard_p, shards=shards,
                            total=total, chunk=chunk, sizes=sizes, vocab_chars=vocab_chars,
                            outputs=list(outputs), hashes=hashes))
    manifest = _manifest(chunk, editions, fold_pairs, shards, n, _version([o.path for o in outputs], hashes))
    outputs.append(Output("search/manifest.js", manifest))
    outputs.sort(key=lambda o: o.path)
    return outputs


# ---------------------------------------------------------------------------------------------------
# incremental updates
#
# A SearchState remembers, besides the output bytes, what an update needs and a full build would
# otherwise recompute: the documents (to take an old version's postings and equivalents out), the
# id order, every metadata row's size (chunk size), the postings' total size (shard count), the
# single-character vocabulary (manifest "fold") and the equivalent counts of every token.
#
# On disk (save_state / load_state) it is a folder:
#   index        b"TWSEARCH" + format + SHA-256 of the rest + zlib(pickle(small things, record
#                table, OpenCC's fold table))
#   blob-<gen>   records, append-only: every output's bytes (raw; the index keeps each one's SHA-256,
#                which the manifest's "v" is made of: an update hashes only what it rewrites), each document
#                (_pack_doc: UTF-16 texts, zlib with a preset dictionary) and each shard's
#                equivalent counts as zlib(pickle(dict)).
# The index lists each record's (offset, length, CRC-32); a record is checked when it is decoded
# (the unchanged outputs, only hashed, are not: that would cost as much again). A save appends the
# new records, fsyncs, then replaces the index atomically, so a crash leaves the previous state
# intact; when dead records exceed COMPACT of the live ones the blob is rewritten (new <gen>).
# A state is valid only for the same search.py, model.py, constants and OpenCC (_code_digest).

STATE_FORMAT = 2
_MAGIC = b"TWSEARCH"
_OUT, _DOC, _EQ = 0, 1, 2  # record kinds
COMPACT = 0.15  # the blob is rewritten when its dead records exceed this share of the live ones


class StateError(Exception):
    """A state record is missing or damaged: the caller falls back to a full build."""


@lru_cache(maxsize=1)
def _code_digest() -> str:
    """What a state's contents depend on besides the documents: this module, the data model, the
    character fold (OpenCC's data) and the constants."""
    h = hashlib.sha256()
    h.update(f"{STATE_FORMAT}|{SHARD_TARGET}|{MIN_SHARDS}|{MAX_SHARDS}|{CHUNK_TARGET}|{SNIPPET_CHARS}|"
             f"{MAX_EQUIV}|{PREFIX_MIN}|{PREFIX_MAX}".encode())
    here = os.path.dirname(os.path.abspath(__file__))
    for name in ("index.py", "../model.py"):
        with open(os.path.join(here, name), "rb") as f:
            h.update(f.read())
    h.update(_opencc_sig().encode())
    return h.hexdigest()


def _opencc_sig() -> str:
    """OpenCC's version and the sizes of its data files: what fold_map() depends on (the builder's
    cache, fingerprint.py, trusts library versions the same way)."""
    import importlib.metadata

    import opencc

    try:
        version = importlib.metadata.version("opencc")
    except importlib.metadata.PackageNotFoundError:
        version = "-"
    parts = [version]
    data = os.path.join(os.path.dirname(os.path.abspath(opencc.__file__)), "clib", "share", "opencc")
    if os.path.isdir(data):
        parts += [f"{f}:{os.path.getsize(os.path.join(data, f))}" for f in sorted(os.listdir(data))]
    return ";".join(parts)


def _editions_sig(editions: Sequence[Edition]) -> tuple[tuple[str, str], ...]:
    return tuple((e.key, e.prefix.strip("/")) for e in editions)


class _Blob:
    """A read-only view of a blob file (mmap)."""

    def __init__(self, path: str) -> None:
        import mmap

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

    def __init__(self) -> None:
        self.sig: str = ""  # _code_digest()
        self.editions: tuple[tuple[str, str], ...] = ()
        self.keys: list[str] = []  # document keys in id order
        self.ids: dict[str, int] = {}
        self.dates: list[str] = []  # the date of each id (the id order is _order: date, first url)
        self.urls: list[str] = []  # the first edition's url of each id
        self.sizes: list[list[int]] = []  # per edition: metadata row size of each id
        self.shards = MIN_SHARDS
        self.chunk = 1
        self.total = 0
        self.vocab_chars: frozenset[str] = frozenset()
        self.fold: str = ""
        self.paths: list[str] = []  # output paths in manifest-digest order (the manifest not included)
        self.hashes: list[bytes] = []  # the SHA-256 of each of those outputs (the manifest's "v")
        self.manifest = b""
        # records: kind → list of (offset, length, crc) in the blob, or values held in memory
        # records: kind → (offset, length, CRC-32) of record i at [3i : 3i+3] in the blob (length -1: none),
        # unless mem holds a newer value
        self.locs: dict[int, array[int]] = {_OUT: array("q"), _DOC: array("q"), _EQ: array("q")}
        self.mem: dict[int, dict[int, object]] = {_OUT: {}, _DOC: {}, _EQ: {}}
        self.blob: _Blob | None = None
        self.dead = 0  # bytes of the blob no longer referenced
        self.zdict = b""  # zlib preset dictionary of the document records (sample text of the site)

    def _copy(self) -> SearchState:
        s = SearchState()
        s.__dict__.update(self.__dict__)
        s.locs = {k: array("q", v) for k, v in self.locs.items()}
        s.mem = {k: dict(v) for k, v in self.mem.items()}
        return s

    # record access
    def _raw(self, kind: int, i: int) -> memoryview:
        off, length, crc = self.locs[kind][3 * i : 3 * i + 3]
        if length < 0 or self.blob is None:
            raise StateError("missing record")
        v = self.blob.view(off, length)
        if zlib.crc32(v) != crc:
            raise StateError("damaged record")
        return v

    def output(self, i: int) -> bytes:
        if i in self.mem[_OUT]:
            return self.mem[_OUT][i]  # type: ignore[return-value]
        return bytes(self._raw(_OUT, i))

    def _value(self, kind: int, i: int) -> object:
        if i in self.mem[kind]:
            return self.mem[kind][i]
        return pickle.loads(zlib.decompress(self._raw(kind, i)))

    def doc(self, i: int) -> SearchDoc:
        if i in self.mem[_DOC]:
            return self.mem[_DOC][i]  # type: ignore[return-value]
        return _unpack_doc(self._raw(_DOC, i), self.zdict)

    def equiv(self, i: int) -> dict[str, dict[str, int]]:
        e = self._value(_EQ, i)
        if not isinstance(e, dict):
            raise StateError("not an equivalents record")
        return e

    def _set(self, kind: int, i: int, value: object) -> None:
        locs = self.locs[kind]
        if locs[3 * i + 1] >= 0:
            self.dead += locs[3 * i + 1]
            locs[3 * i + 1] = -1
        self.mem[kind][i] = value


def _pack_doc(d: SearchDoc, zdict: bytes) -> bytes:
    """A document record: its texts as UTF-16 (CJK in two bytes, not three) after a pickle of the
    rest, compressed with a preset dictionary of the site's text (records are small: about half the
    size of zlib(pickle(d)), and faster)."""
    tkeys = list(d.text)
    texts = [d.text[k].encode("utf-16-le", "surrogatepass") for k in tkeys]
    head = pickle.dumps((replace(d, text={}), tkeys, [len(t) for t in texts]), protocol=pickle.HIGHEST_PROTOCOL)
    c = zlib.compressobj(1, zdict=zdict) if zdict else zlib.compressobj(1)
    return c.compress(len(head).to_bytes(4, "little") + head + b"".join(texts)) + c.flush()


def _unpack_doc(data: bytes | memoryview, zdict: bytes) -> SearchDoc:
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


def _make_zdict(docs: Sequence[SearchDoc]) -> bytes:
    """32 KB of the documents' text (UTF-16), from documents spread over the id range."""
    if not docs:
        return b""
    pick = docs[:: max(1, len(docs) // 24)]
    parts = [t.encode("utf-16-le", "surrogatepass")[:2048] for d in pick for t in list(d.text.values())[:1]]
    return b"".join(parts)[-32768:]


def build_search_state(docs: Mapping[str, SearchDoc], editions: Sequence[Edition],
                       ) -> tuple[list[Output], SearchState]:
    """The index of `docs` (the same outputs as build_search([docs[k] for k in sorted(docs)])) and a
    state for update_search. The keys are the caller's document identities (e.g. source paths)."""
    names = sorted(docs)
    parts: list[_Built] = []
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        outputs = _build([docs[k] for k in names], editions, parts)
        b = parts[0]
        st = SearchState()
        st.sig = _code_digest()
        st.editions = _editions_sig(editions)
        st.keys = [names[i] for i in b.perm]  # type: ignore[attr-defined]
        st.ids = {k: i for i, k in enumerate(st.keys)}
        key0 = editions[0].key if editions else ""
        st.dates = [d.date or "" for d in b.ordered]  # type: ignore[attr-defined]
        st.urls = [d.url.get(key0, "") for d in b.ordered]  # type: ignore[attr-defined]
        st.sizes = b.sizes  # type: ignore[attr-defined]
        st.shards, st.chunk, st.total = b.shards, b.chunk, b.total  # type: ignore[attr-defined]
        st.vocab_chars = frozenset(b.vocab_chars)  # type: ignore[attr-defined]
        st.fold = _fold_pairs(st.vocab_chars)
        built: list[Output] = b.outputs  # type: ignore[attr-defined]
        st.paths = [o.path for o in built]
        st.hashes = list(b.hashes)  # type: ignore[attr-defined]
        st.manifest = next(o.data for o in outputs if o.path == "search/manifest.js")
        st.locs = {kind: array("q", [0, -1, 0]) * m for kind, m in ((_OUT, len(built)), (_DOC, len(st.keys)),
                                                                      (_EQ, st.shards))}
        eq: list[dict[str, dict[str, int]]] = [{} for _ in range(st.shards)]
        for t, cnt in b.equiv.items():  # type: ignore[attr-defined]
            eq[shard_of(t, st.shards)][t] = dict(cnt)
        st.mem = {_OUT: {i: o.data for i, o in enumerate(built)}, _DOC: dict(enumerate(b.ordered)),  # type: ignore[attr-defined]
                  _EQ: dict(enumerate(eq))}
    finally:
        if was_enabled:
            gc.enable()
    return outputs, st


# ---- postings surgery --------------------------------------------------------------------------

_VARINT = re.compile(r"[w-zA-Z\-_]*[0-9a-v]")


class _VarintValues(dict[str, int]):
    def __missing__(self, s: str) -> int:
        x = 0
        for ch in s:
            d = ALPHABET.index(ch)
            x = x * 32 + (d - 32 if d >= 32 else d)
        self[s] = x
        return x


_VALUES = _VarintValues()


def _apply_postings(s: str, changes: Mapping[int, int | None]) -> str:
    """Postings `s` with document id → weight (None: absent) set as in `changes`. Only the varints
    around each changed id are re-encoded; the rest of the text is kept."""
    parts = _VARINT.findall(s)
    ids = list(accumulate(map(rshift, map(_VALUES.__getitem__, parts), repeat(5)), initial=-1))
    del ids[0]
    varint = _VARINTS
    for doc, w in sorted(changes.items()):
        pos = bisect_left(ids, doc)
        present = pos < len(ids) and ids[pos] == doc
        prev = ids[pos - 1] if pos else -1
        if w is None:
            if not present:
                continue
            del ids[pos], parts[pos]
            if pos < len(ids):  # the next delta now counts from the previous document
                parts[pos] = varint[(ids[pos] - prev) * 32 + (_VALUES[parts[pos]] & 31)]
        elif present:
            parts[pos] = varint[(doc - prev) * 32 + w]
        else:
            ids.insert(pos, doc)
            parts.insert(pos, varint[(doc - prev) * 32 + w])
            if pos + 1 < len(ids):
                parts[pos + 1] = varint[(ids[pos + 1] - doc) * 32 + (_VALUES[parts[pos + 1]] & 31)]
    return "".join(parts)


_VARINTS = _Varints()


def _doc_index(d: SearchDoc, keys: Sequence[str]) -> tuple[dict[str, int], dict[str, Counter[str]]]:
    """One document's token → posting weight, and its equivalent counts."""
    postings, equiv = _index_range([d], keys, 0, 1)
    return {t: v[1] & 31 for t, v in postings.items()}, equiv


def _parse_js(data: bytes, callback: str) -> list[object]:
    text = data.decode()
    head, tail = callback + "(", ");\n"
    if not (text.startswith(head) and text.endswith(tail)):
        raise StateError("not an index file")
    args = json.loads("[" + text[len(head) : -len(tail)] + "]")
    if not isinstance(args, list):
        raise StateError("not an index file")
    return args


def update_search(state: SearchState, changed: Mapping[str, SearchDoc | None], editions: Sequence[Edition],
                  ) -> tuple[list[Output], list[str], SearchState] | None:
    """The index after `changed` (key → new document, or None for a removed one) is applied to the
    documents `state` describes: (the outputs whose bytes differ from the previous index's, sorted by
    path; the paths of previous index files that no longer exist; the new state). None when an
    incremental update is not possible — a document added or removed, a change that moves a
    document in the id order (its date, or its first edition's url), a different shard count or
    metadata chunk size, other editions or builder code, or a damaged state: build the index in
    full (build_search_state) instead. `state` itself is left as it was."""
    if (state.sig != _code_digest() or state.editions != _editions_sig(editions)
            or len({e.key for e in editions}) != len(editions)):
        return None
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _update(state, changed, editions)
    except (StateError, zlib.error, pickle.UnpicklingError, EOFError, ValueError, TypeError, KeyError,
            IndexError, AttributeError, UnicodeDecodeError):
        return None
    finally:
        if was_enabled:
            gc.enable()


def _update(state: SearchState, changed: Mapping[str, SearchDoc | None], editions: Sequence[Edition],
            ) -> tuple[list[Output], list[str], SearchState] | None:
    keys = [e.key for e in editions]
    key0 = keys[0] if keys else ""
    n = len(state.keys)
    new_docs: dict[int, SearchDoc] = {}
    for k, d in changed.items():
        i = state.ids.get(k)
        if i is None or d is None:
            return None  # added or removed: ids shift
        new_docs[i] = d
    new_order = {i: _order(d, key0) for i, d in new_docs.items()}

    def sort_key(i: int) -> tuple[tuple[int, str, str], str]:
        o = new_order.get(i) or _order_of(state.dates[i], state.urls[i])
        return (o, state.keys[i])

    for i in new_docs:
        if (i > 0 and not sort_key(i - 1) < sort_key(i)) or (i + 1 < n and not sort_key(i) < sort_key(i + 1)):
            return None  # the document moves in the id order

    # what each changed document contributes, before and after
    post: dict[str, dict[int, int | None]] = defaultdict(dict)  # token → id → new weight
    eq_delta: defaultdict[str, Counter[str]] = defaultdict(Counter)
    sizes = [list(s) for s in state.sizes]
    rows: dict[int, list[list[object]]] = {}
    for i, d in sorted(new_docs.items()):
        old = state.doc(i)
        if old == d:
            continue
        ow, oe = _doc_index(old, keys)
        nw, ne = _doc_index(d, keys)
        for t, w in nw.items():
            if ow.get(t) != w:
                post[t][i] = w
        for t in ow.keys() - nw.keys():
            post[t][i] = None
        for t, cnt in ne.items():
            eq_delta[t].update(cnt)
        for t, cnt in oe.items():
            eq_delta[t].subtract(cnt)
        rows[i] = [_row(d, k) for k in keys]
        for e, r in enumerate(rows[i]):
            sizes[e][i] = _row_size(r)
    if not rows:
        return [], [], state
    sums = [sum(s) for s in sizes]
    if _chunk_size(n, sums) != state.chunk:
        return None

    new = state._copy()
    new.sizes = sizes
    new.dates, new.urls = list(state.dates), list(state.urls)
    for i in rows:
        new.dates[i], new.urls[i] = new_docs[i].date or "", new_docs[i].url.get(key0, "")
        new._set(_DOC, i, new_docs[i])

    # shards
    shards = state.shards
    touched: dict[int, set[str]] = defaultdict(set)
    for t in post:
        touched[shard_of(t, shards)].add(t)
    for t, cnt in eq_delta.items():
        if any(cnt.values()):
            touched[shard_of(t, shards)].add(t)
    total = state.total
    vocab = set(state.vocab_chars)
    changed_out: dict[int, bytes] = {}
    for si, toks in touched.items():
        data = state.output(si)
        args = _parse_js(data, "__tw_search_shard")
        if len(args) != 2 or args[0] != si or not isinstance(args[1], dict):
            raise StateError("unexpected shard")
        p: dict[str, str] = args[1]["p"]
        e_: dict[str, list[str]] = args[1]["e"]
        eqs = dict(state.equiv(si))
        for t in toks:
            if t in post:
                s_old = p.get(t)
                s_new = _apply_postings(s_old or "", post[t])
                if s_old is not None:
                    total -= len(t.encode()) + len(s_old) + 6
                if s_new:
                    total += len(t.encode()) + len(s_new) + 6
                    p[t] = s_new
                    if len(t) == 1:
                        vocab.add(t)
                else:
                    p.pop(t, None)
                    if len(t) == 1:
                        vocab.discard(t)
            if t in eq_delta:
                cnt = Counter(eqs.get(t, {}))
                cnt.update(eq_delta[t])
                cnt = Counter({q: c for q, c in cnt.items() if c > 0})
                if cnt:
                    eqs[t] = dict(cnt)
                else:
                    eqs.pop(t, None)
            if t in p and t in eqs:
                e_[t] = _best_equiv(eqs[t])
            else:
                e_.pop(t, None)
        new._set(_EQ, si, eqs)
        out = _js("__tw_search_shard", si, {"e": e_, "p": p})
        if out != data:
            changed_out[si] = out
    if _shard_count(total) != shards:
        return None
    new.total = total

    # metadata chunks
    chunk = state.chunk
    base = shards
    for col, ed in enumerate(editions):
        n_chunks = max(1, -(-n // chunk))
        for c in sorted({i // chunk for i in rows}):
            oi = base + c
            if state.paths[oi] != f"{_meta_folder(ed)}/{c}.js":
                raise StateError("unexpected output order")
            data = state.output(oi)
            args = _parse_js(data, "__tw_search_meta")
            chunk_rows = args[2]
            if not isinstance(chunk_rows, list):
                raise StateError("unexpected metadata")
            for i in rows:
                if i // chunk == c:
                    chunk_rows[i - c * chunk] = rows[i][col]
            out = _js("__tw_search_meta", ed.key, c, chunk_rows)
            if out != data:
                changed_out[oi] = out
        base += n_chunks
    for oi, out in changed_out.items():
        new._set(_OUT, oi, out)

    # manifest
    if vocab != state.vocab_chars:
        new.vocab_chars = frozenset(vocab)
        new.fold = _fold_pairs(new.vocab_chars)
    new.hashes = list(state.hashes)
    for oi, out in changed_out.items():
        new.hashes[oi] = _file_hash(out)
    new.manifest = _manifest(chunk, editions, new.fold, shards, n, _version(new.paths, new.hashes))
    outputs = [Output(new.paths[oi], out) for oi, out in changed_out.items()]
    if new.manifest != state.manifest:
        outputs.append(Output("search/manifest.js", new.manifest))
    outputs.sort(key=lambda o: o.path)
    return outputs, [], new


# ---- persistence ------------------------------------------------------------------------------

def save_state(state: SearchState, path: Path) -> None:
    """Write `state` to the folder `path`. When `path` holds the state this one was loaded from (or
    an earlier save of it), only the new records are appended; otherwise everything is written."""
    path.mkdir(parents=True, exist_ok=True)
    blob = state.blob
    if not state.zdict and state.mem[_DOC]:
        state.zdict = _make_zdict([state.mem[_DOC][i] for i in sorted(state.mem[_DOC])])  # type: ignore[misc]
    live = sum(sum(filter((0).__le__, locs[1::3])) for locs in state.locs.values())
    append = (blob is not None and os.path.dirname(os.path.abspath(blob.path)) == os.path.abspath(path)
              and state.dead <= max(live * COMPACT, 1 << 20) and _same_file(blob))
    if append:
        assert blob is not None
        name = os.path.basename(blob.path)
        mode = "ab"
    else:
        name = f"blob-{os.getpid()}-{time.time_ns()}"
        mode = "wb"
    locs = {k: array("q", v) for k, v in state.locs.items()}
    with open(path / name, mode) as f:
        off = f.seek(0, os.SEEK_END)
        pieces: list[bytes | memoryview] = []
        pending = 0

        def put(kind: int, i: int, data: bytes | memoryview) -> None:
            nonlocal off, pending
            locs[kind][3 * i : 3 * i + 3] = array("q", (off, len(data), zlib.crc32(data)))
            off += len(data)
            pieces.append(data)
            pending += len(data)
            if pending > 1 << 22:
                flush()

        def flush() -> None:
            nonlocal pending
            f.writelines(pieces)
            pieces.clear()
            pending = 0

        for kind in (_OUT, _DOC, _EQ):
            for i in range(len(locs[kind]) // 3):
                if i in state.mem[kind]:
                    v = state.mem[kind][i]
                    if kind == _OUT:
                        put(kind, i, v)  # type: ignore[arg-type]
                    elif kind == _DOC:
                        put(kind, i, _pack_doc(v, state.zdict))  # type: ignore[arg-type]
                    else:
                        put(kind, i, zlib.compress(pickle.dumps(v, protocol=pickle.HIGHEST_PROTOCOL), 1))
                elif not append:
                    off_i, len_i = locs[kind][3 * i : 3 * i + 2]
                    if len_i < 0 or blob is None:
                        raise StateError("missing record")
                    put(kind, i, blob.view(off_i, len_i))
        flush()
        f.flush()
        os.fsync(f.fileno())
        size = off
    meta = {
        "sig": state.sig, "editions": state.editions, "keys": state.keys, "dates": state.dates, "urls": state.urls,
        "sizes": state.sizes, "shards": state.shards, "chunk": state.chunk, "total": state.total,
        "vocab": "".join(sorted(state.vocab_chars)), "fold_pairs": state.fold, "paths": state.paths,
        "hashes": b"".join(state.hashes), "manifest": state.manifest, "locs": locs, "blob": name, "size": size,
        "dead": state.dead if append else 0, "zdict": state.zdict, "fold": fold_map(),
    }
    payload = zlib.compress(pickle.dumps(meta, protocol=pickle.HIGHEST_PROTOCOL), 1)
    head = _MAGIC + STATE_FORMAT.to_bytes(4, "little") + hashlib.sha256(payload).digest()
    tmp = path / f"index.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(head + payload)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path / "index")
    # the state now reads its records from what was just written (memory is released)
    state.locs = locs
    state.mem = {_OUT: {}, _DOC: {}, _EQ: {}}
    state.blob = _Blob(str(path / name))
    state.dead = meta["dead"]  # type: ignore[assignment]
    for old in os.listdir(path):
        if old.startswith("blob-") and old != name:
            try:
                os.unlink(path / old)
            except OSError:
                pass


def _same_file(blob: _Blob) -> bool:
    try:
        st = os.stat(blob.path)
    except OSError:
        return False
    return (st.st_dev, st.st_ino) == blob.ident and st.st_size >= blob.size


def load_state(path: Path) -> SearchState | None:
    """The state saved in the folder `path`, or None when it is missing, damaged, or was written by
    another version of the builder (code, data model, OpenCC data). Also gives fold_map() the
    saved table when this process has not computed it yet."""
    global _FOLD
    try:
        with open(path / "index", "rb") as f:
            raw = f.read()
        head = len(_MAGIC) + 4 + 32
        if (len(raw) < head or raw[: len(_MAGIC)] != _MAGIC
                or int.from_bytes(raw[len(_MAGIC) : len(_MAGIC) + 4], "little") != STATE_FORMAT
                or hashlib.sha256(raw[head:]).digest() != raw[len(_MAGIC) + 4 : head]):
            return None
        meta = pickle.loads(zlib.decompress(raw[head:]))
        if meta["sig"] != _code_digest():
            return None
        if _FOLD is None and isinstance(meta["fold"], dict):  # same OpenCC (in the digest): skip 0.1–0.3 s
            _FOLD = meta["fold"]
        st = SearchState()
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
        name = meta["blob"]
        if "/" in name or os.sep in name or not name.startswith("blob-"):
            return None
        st.blob = _Blob(str(path / name))
        if st.blob.size < meta["size"]:
            return None
        if (len(st.locs[_OUT]) != 3 * len(st.paths) or len(st.hashes) != len(st.paths)
                or len(st.locs[_DOC]) != 3 * len(st.keys)
                or len(st.locs[_EQ]) != 3 * st.shards or any(len(s) != len(st.keys) for s in st.sizes)
                or len(st.dates) != len(st.keys) or len(st.urls) != len(st.keys)
                or any(not isinstance(a, array) or a.typecode != "q" for a in st.locs.values())):
            return None
        return st
    except (OSError, EOFError, ValueError, KeyError, TypeError, IndexError, AttributeError,
            zlib.error, pickle.UnpicklingError):
        return None
