"""Postings of a range of documents: contributions (contributions.py) reduced and encoded with
array arithmetic; a Python string is made per token only.

Documents are taken in blocks (BLOCK_CHARS of first-edition text); each block's contributions are
sorted and reduced to one posting per (token, id), packed as key << XBITS | id·32 + w. The blocks'
postings are sorted once more and their varints written vectorised, SLICE postings at a time. A
range of more than 2**IDBITS documents is indexed in pieces, joined per token (`join`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..model import SearchDoc
from ..pipeline.memory import release_free_memory
from .contributions import IDBITS, LATIN0, XBITS, Contributions, Equivalents, numpy
from .postings import ALPHABET, TF_BUCKET, Varints
from .tokens import Fold

BLOCK_CHARS = 200_000  # first-edition characters per block of documents reduced at once (fits a cache)
SLICE = 1 << 21  # postings encoded at once (bounds the temporary arrays)
PIECE = 1 << IDBITS  # documents indexed at once (their ids relative to the first fit in IDBITS)

_BIGRAM0 = 0x3005 << 18  # the smallest bigram key
_M18 = (1 << 18) - 1

Range = dict[str, tuple[str, int, int]]  # token → (postings text from id −1, first x, last x)


def index_range(ordered: Sequence[SearchDoc], keys: Sequence[str], lo: int, hi: int, fold: Fold,
                ) -> tuple[Range, Equivalents]:
    """Postings of documents lo … hi-1 (their ids), each token's encoded as if no earlier document
    existed (the first delta is from id −1), with the first and last x = id·32 + w; and equivalents."""
    out, equiv = _index_piece(ordered, keys, lo, min(hi, lo + PIECE), fold)
    for p_lo in range(lo + PIECE, hi, PIECE):
        more, equiv2 = _index_piece(ordered, keys, p_lo, min(hi, p_lo + PIECE), fold)
        join(out, more, equiv, equiv2, Varints())
    return out, equiv


def join(first: Range, second: Range, equiv: Equivalents, equiv2: Equivalents, varint: Varints) -> None:
    """Add `second`, the postings of the documents after those of `first`, to `first`, per token
    (second's first delta re-encoded from first's last id), and equiv2 to equiv."""
    for t, (s, x0, xl) in second.items():
        prev = first.get(t)
        if prev is None:
            first[t] = (s, x0, xl)
        else:
            skip = len(varint[x0 + 32])  # the first delta, from id −1 …
            first[t] = (prev[0] + varint[x0 - (prev[2] & -32)] + s[skip:], prev[1], xl)  # … now from prev's last id
    for t, cnt in equiv2.items():
        equiv[t].update(cnt)


def _index_piece(ordered: Sequence[SearchDoc], keys: Sequence[str], lo: int, hi: int, fold: Fold,
                 ) -> tuple[Range, Equivalents]:
    """index_range of at most PIECE documents."""
    contributions = Contributions(fold, keys, lo)
    blocks: list[Any] = []  # reduced postings of each block
    b_lo, chars = lo, 0
    for doc_id in range(lo, hi):
        chars += contributions.add(ordered[doc_id])
        if chars >= BLOCK_CHARS:
            blocks.append(_reduce(contributions.take(b_lo, doc_id + 1)))
            b_lo, chars = doc_id + 1, 0
    if b_lo < hi:
        blocks.append(_reduce(contributions.take(b_lo, hi)))
    equiv = contributions.equivalents()
    packed = _merge(blocks)
    if not len(packed):
        return {}, equiv
    return _encode(packed, contributions.latin.names, lo), equiv


def _reduce(packed: Any) -> Any:
    """Contributions → one posting per (token, id): key << XBITS | x (x = id·32 + weight)."""
    np = numpy()
    u64 = np.uint64
    if not len(packed):
        return packed
    packed.sort()
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
    x = (kd >> u64(IDBITS) << u64(XBITS)) | ((kd & u64((1 << IDBITS) - 1)) << u64(5))
    x |= (np.array([*TF_BUCKET, 7], dtype=u64)[count] << u64(2)) | flags
    return x


def _merge(blocks: list[Any]) -> Any:
    """The blocks' postings in one sorted array; each block is let go once copied (peak memory)."""
    np = numpy()
    packed = np.empty(sum(map(len, blocks)), dtype=np.uint64)
    pos = since = 0
    blocks.reverse()
    while blocks:
        blk = blocks.pop()
        packed[pos : pos + len(blk)] = blk
        pos += len(blk)
        since += len(blk)
        if since >= SLICE:  # the copied blocks' pages go back as `packed` fills
            blk = None
            release_free_memory()
            since = 0
    blk = None
    packed.sort()
    return packed


def _encode(packed: Any, names: Sequence[str], lo: int) -> Range:
    """Sorted postings (ids relative to lo) → each token's postings text, first and last x."""
    np = numpy()
    starts = _token_starts(packed)
    bounds = np.append(starts, len(packed))
    out: Range = {}
    t0 = 0
    while t0 < len(starts):
        # tokens t0 … t1-1, whole, about SLICE postings (at least one token)
        t1 = max(t0 + 1, int(np.searchsorted(bounds, bounds[t0] + SLICE, side="right")) - 1)
        a, b = int(bounds[t0]), int(bounds[t1])
        sub_packed = packed[a:b]
        loc = starts[t0:t1] - a
        token_keys = (sub_packed[loc] >> np.uint64(XBITS)).tolist()
        x = (sub_packed & np.uint64((1 << XBITS) - 1)).astype(np.int32) + np.int32(lo * 32)
        encoded, ends, nch = _varints(x, loc)
        lasts = np.append(loc[1:], len(x)) - 1
        rows = zip(token_keys, (ends - nch)[loc].tolist(), ends[lasts].tolist(), x[loc].tolist(),
                   x[lasts].tolist(), strict=True)
        for kk, ca, cb, x0, xl in rows:  # the token of a contribution key (contributions.py), inline: hot
            if kk < LATIN0:
                t = chr(kk)
            elif kk < _BIGRAM0:
                t = names[kk - LATIN0]
            else:
                t = chr(kk & _M18) + chr(kk >> 18)
            out[t] = (encoded[ca:cb], x0, xl)
        t0 = t1
    return out


def _token_starts(packed: Any) -> Any:
    """The positions where a token's postings start in `packed`."""
    np = numpy()
    n = len(packed)
    first = np.empty(n, dtype=bool)
    first[0] = True
    for c in range(0, n - 1, SLICE):
        k = packed[c : c + SLICE + 1] >> np.uint64(XBITS)
        np.not_equal(k[1:], k[:-1], out=first[c + 1 : c + len(k)])
    return np.flatnonzero(first)


def _varints(x: Any, loc: Any) -> tuple[str, Any, Any]:
    """The postings x (tokens starting at positions loc) as delta varints: (text, end of each
    posting's varint in it, its letters)."""
    np = numpy()
    # deltas: from id −1 at a token's first posting, else from the previous posting's id
    d = np.empty_like(x)
    d[0] = -32
    np.bitwise_and(x[:-1], -32, out=d[1:])
    d[loc] = -32
    np.subtract(x, d, out=d)
    # most significant letter first: d >= 32**j takes a letter 32 + (d >> 5j & 31)
    nch = np.ones(len(d), dtype=np.uint8)
    j = 1
    while True:
        more = d >= 1 << (5 * j)
        if not more.any():
            break
        nch += more
        j += 1
    ends = np.cumsum(nch, dtype=np.int64)
    alpha = np.frombuffer(ALPHABET.encode(), dtype=np.uint8)
    buf = np.empty(int(ends[-1]), dtype=np.uint8)
    buf[ends - 1] = alpha[d & 31]
    for i in range(1, j):
        sel = nch > i
        buf[ends[sel] - 1 - i] = alpha[32 + ((d[sel] >> (5 * i)) & 31)]
    return buf.tobytes().decode("ascii"), ends, nch

