"""What each document contributes to the postings, gathered as NumPy arrays: no Python object is
made per token occurrence.

Every contribution to a posting is one uint64, key << 27 | id << 10 | bits: bits 0–1 the
title/summary-or-tag flags, 2–5 a body count (one per occurrence of a CJK character or bigram in the
first edition, or a Latin token's count), 6–9 the count in a later edition's differences (used when
the first edition has none); counts are capped at 15, the last bucket. Ids are relative to the first
document of the range being indexed and must be < 2**IDBITS (index.py indexes larger ranges in
pieces). Token keys: a CJK character's code point (< 2**18: the CJK class ends at U+3134F), a Latin
token's LATIN0 + its number, a CJK bigram lo | hi << 18 (hi is CJK, so >= 0x3005 << 18 > any Latin
key).

The first edition's text is folded by a table lookup on its UTF-32 code points and its CJK
characters and bigrams become contributions in bulk (`Contributions.take`); the few tokens Python
still counts (Latin words; title, summary and tags; a later edition's differences, whose positions
are found vectorised) are counted with internal keys (`count_into`: a CJK run's code points, and
bigrams lo | hi << 32 read through memoryview casts; windows touching SEP are junk) and join them.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Sequence
from itertools import chain
from typing import Any

from ..model import SearchDoc
from .tokens import CJK_RUN, SENTENCE, WORD_RUN, Fold, latin_tokens

try:
    from _collections import _count_elements  # type: ignore[import-not-found]  # Counter's C loop
except ImportError:  # not CPython
    def _count_elements(mapping: dict[object, int], iterable: object) -> None:
        Counter.update(mapping, iterable)  # type: ignore[call-overload]

IDBITS = 17
XBITS = IDBITS + 5  # id·32 + w < 2**XBITS
LATIN0 = 1 << 18
SEP = "\x01"  # joins CJK runs and sentences; never CJK, never a word character
_SEP4 = b"\x01\x00\x00\x00"
M32 = 0xFFFFFFFF

Equivalents = defaultdict[str, Counter[str]]  # bigram → the other editions' bigrams there, counted


def numpy() -> Any:
    """NumPy, imported when first needed: a build with nothing to index does not pay its ~0.15 s."""
    import numpy

    return numpy


class LatinIds(dict[str, tuple[int, ...]]):
    """Memoised latin_tokens of a word, as int keys LATIN0 + i; `names[i]` is token i."""

    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []
        self.ids: dict[str, int] = {}

    def __missing__(self, word: str) -> tuple[int, ...]:
        ids = self.ids
        for t in latin_tokens(word):
            if t not in ids:
                ids[t] = LATIN0 + len(self.names)
                self.names.append(t)
        out = self[word] = tuple(ids[t] for t in latin_tokens(word))
        return out


def count_into(counts: Counter[int], folded: str, latin: LatinIds) -> None:
    """Add the token counts of already-folded text to `counts` (internal keys, junk included)."""
    runs = CJK_RUN.findall(folded)
    if runs:
        joined = SEP.join(runs)
        joined += SEP if len(joined) & 1 else SEP + SEP  # even length, and the last run ends in SEP
        b = joined.encode("utf-32-le")
        mv = memoryview(b)
        _count_elements(counts, mv.cast("I"))  # unigrams
        _count_elements(counts, mv.cast("Q"))  # bigrams at even offsets
        _count_elements(counts, memoryview(b[4:] + _SEP4).cast("Q"))  # … and at odd offsets
    words = WORD_RUN.findall(folded)
    if words:
        _count_elements(counts, chain.from_iterable(map(latin.__getitem__, words)))


def aligned(a: str, b: str) -> tuple[list[str], list[str], list[str]] | None:
    """Two editions of a text, paired for comparison: (a's, b's equal-length parts that differ,
    b's differing parts of another length, to tokenise whole). None when the sentences do not pair
    up (then b is tokenised whole)."""
    if len(a) == len(b):
        return [a], [b], []
    sa, sb = SENTENCE.split(a), SENTENCE.split(b)
    if len(sa) != len(sb):
        return None
    xs: list[str] = []
    ys: list[str] = []
    whole: list[str] = []  # joined later with SEP, which ends runs and words
    for x, y in zip(sa, sb, strict=True):
        if x != y:
            if len(x) == len(y):
                xs.append(x)
                ys.append(y)
            else:
                whole.append(y)
    return xs, ys, whole


def differences(a: str, b: str, eq_x: list[Any], eq_y: list[Any], latin: LatinIds, cjk_t: Any) -> Counter[int]:
    """Tokens of folded text `b` around the places where it differs from folded text `a` (another
    edition of the same document); the bigram pairs there (软件 ↔ 软体: a's and b's internal keys) are
    appended to eq_x and eq_y, counted later (add_equivalents).

    Much cheaper than tokenising `b` again: s2twp changes a few phrases per article. Texts of equal
    length are compared position by position; otherwise sentence by sentence, and a sentence pair of
    unequal length (e.g. 内存 → 記憶體) is tokenised whole, without equivalents. At a differing position
    j where both characters are CJK, b's character and b's bigrams at j-1 and j (those wholly CJK and
    inside the sentence) are counted once each, and where a's bigram there is CJK too the pair is an
    equivalent; a difference outside CJK text tokenises b's text within 40 characters of it."""
    np = numpy()
    out: Counter[int] = Counter()
    pairs = aligned(a, b)
    if pairs is None:
        count_into(out, b, latin)
        return out
    xs, ys, whole = pairs
    if xs:
        # All equal-length pairs at once, padded and separated by SEP (never CJK: a bigram across a
        # sentence edge is never counted, as if the sentences were compared one by one).
        X = SEP + SEP.join(xs) + SEP
        Y = SEP + SEP.join(ys) + SEP
        xi = np.frombuffer(X.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        yi = np.frombuffer(Y.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        cx, cy = cjk_t[xi].view(bool), cjk_t[yi].view(bool)
        dpos = np.flatnonzero(xi != yi)
        both = cx[dpos] & cy[dpos]
        if not both.all():  # a difference outside CJK text: tokenise the surrounding stretch of b
            whole.extend(_stretches(Y, ys, dpos[~both].tolist()))
            dpos = dpos[both]
        if len(dpos):
            _count_differing(np, out, xi, yi, cx, cy, dpos, eq_x, eq_y)
    if whole:
        count_into(out, SEP.join(whole), latin)
    return out


def _stretches(Y: str, ys: Sequence[str], positions: list[int]) -> list[str]:
    """The text within 40 characters of each position of Y (SEP + ys joined by SEP + SEP), inside
    the part the position is in."""
    starts = [0]
    for y in ys:
        starts.append(starts[-1] + len(y) + 1)
    out = []
    for j in positions:
        si = bisect_right(starts, j - 1) - 1
        lo, hi = starts[si] + 1, starts[si + 1]
        out.append(Y[max(lo, j - 40) : min(hi, j + 40)])
    return out


def _count_differing(np: Any, out: Counter[int], xi: Any, yi: Any, cx: Any, cy: Any, dpos: Any,
                     eq_x: list[Any], eq_y: list[Any]) -> None:
    """Count b's character and CJK bigrams at each differing CJK position, and note the pairs."""
    u64 = np.uint64
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


def add_equivalents(equiv: Equivalents, eq_x: list[Any], eq_y: list[Any]) -> None:
    """Count the bigram pairs `differences` found into `equiv`, both ways."""
    if not eq_x:
        return
    np = numpy()
    xs = np.concatenate(eq_x).tolist()
    ys = np.concatenate(eq_y).tolist()
    pairs: Counter[tuple[int, int]] = Counter()
    _count_elements(pairs, zip(xs, ys, strict=True))
    for (xk, yk), c in pairs.items():
        pa = chr(xk & M32) + chr(xk >> 32)
        qa = chr(yk & M32) + chr(yk >> 32)
        equiv[pa][qa] += c
        equiv[qa][pa] += c


def internal_keys(keys: Any) -> Any:
    """count_into's keys (uint64) → contribution token keys, junk (a window touching SEP) as 0."""
    np = numpy()
    hi = keys >> np.uint64(32)
    lo = keys & np.uint64(M32)
    out = lo | (hi << np.uint64(18))
    out[(lo == 1) | (hi == 1)] = 0
    return out


class Contributions:
    """The contributions of documents lo, lo+1, … (added in id order), taken a block at a time."""

    def __init__(self, fold: Fold, keys: Sequence[str], lo: int) -> None:
        self.fold = fold
        self.fold_t, self.cjk_t = fold.arrays()
        self.keys = keys
        self.lo = lo
        self.latin = LatinIds()
        self.eq_x: list[Any] = []  # equivalents: bigram keys of the first edition …
        self.eq_y: list[Any] = []  # … and of the later one
        self.firsts: list[Any] = []  # the first edition's folded text of each document, then a separator
        self.first_lens: list[int] = []
        self.pk: list[Any] = []  # contributions from Python counters: internal keys …
        self.pv: list[Any] = []  # … and their low bits
        self.plens: list[int] = []
        self.m = 0  # … of the document being added
        self.sep = numpy().ones(1, dtype=numpy().uint32)

    def add(self, d: SearchDoc) -> int:
        """Add the next document; returns the characters of its first edition (the block's size)."""
        np = numpy()
        self.m = 0
        base_arr: Any = None
        base_text = ""
        diff: Counter[int] | None = None
        for k in self.keys:
            arr = self.fold_t[np.frombuffer(d.text.get(k, "").lower().encode("utf-32-le", "surrogatepass"),
                                            dtype=np.uint32)]
            if base_arr is None:
                base_arr = arr
                base_text = arr.tobytes().decode("utf-32-le", "surrogatepass")
                self._first(arr, base_text)
            elif not np.array_equal(arr, base_arr):
                more = differences(base_text, arr.tobytes().decode("utf-32-le", "surrogatepass"),
                                   self.eq_x, self.eq_y, self.latin, self.cjk_t)
                if diff is not None:
                    dict.update(more, diff)  # an earlier edition's count wins
                diff = more
        if diff:
            self._put(diff, _capped(np, diff) << np.uint64(6))
        title: Counter[int] = Counter()
        extra: Counter[int] = Counter()
        for k in self.keys:
            count_into(title, self.fold.fast(d.title.get(k, "")), self.latin)
            count_into(extra, self.fold.fast(" ".join([d.summary.get(k, ""), *d.tags.get(k, ())])), self.latin)
        if title:
            self._put(title, np.full(len(title), 1, dtype=np.uint64))
        if extra:
            self._put(extra, np.full(len(extra), 2, dtype=np.uint64))
        self.plens.append(self.m)
        return len(base_arr) + 1

    def _first(self, arr: Any, text: str) -> None:
        """The first edition: its CJK text in bulk (take), its Latin words counted here."""
        np = numpy()
        self.firsts.append(arr)
        self.firsts.append(self.sep)
        self.first_lens.append(len(arr) + 1)
        words = WORD_RUN.findall(text)
        if words:
            lat: Counter[int] = Counter()
            _count_elements(lat, chain.from_iterable(map(self.latin.__getitem__, words)))
            self._put(lat, _capped(np, lat) << np.uint64(2))

    def _put(self, counts: Counter[int], low: Any) -> None:
        np = numpy()
        self.pk.append(np.fromiter(counts.keys(), np.uint64, len(counts)))
        self.pv.append(low)
        self.m += len(counts)

    def take(self, b_lo: int, b_hi: int) -> Any:
        """The contributions of documents b_lo … b_hi-1 (all those added since the last take)."""
        np = numpy()
        u64 = np.uint64
        ids = np.arange(b_lo - self.lo, b_hi - self.lo, dtype=u64) << u64(10)
        parts = []
        # the first editions' CJK characters and bigrams, one contribution per occurrence
        text = np.concatenate(self.firsts)
        tdoc = np.repeat(ids, self.first_lens)
        cjk = self.cjk_t[text].view(bool)
        pos = np.flatnonzero(cjk)
        parts.append((text[pos].astype(u64) << u64(27)) | tdoc[pos] | u64(4))
        pos = np.flatnonzero(cjk[:-1] & cjk[1:])
        parts.append((((text[pos + 1].astype(u64) << u64(18)) | text[pos]) << u64(27)) | tdoc[pos] | u64(4))
        if self.pk:
            k = internal_keys(np.concatenate(self.pk))
            c = (k << u64(27)) | np.repeat(ids, self.plens) | np.concatenate(self.pv)
            parts.append(c[k != 0])
        for pending in (self.firsts, self.first_lens, self.pk, self.pv, self.plens):
            pending.clear()
        return np.concatenate(parts)

    def equivalents(self) -> Equivalents:
        equiv: Equivalents = defaultdict(Counter)
        add_equivalents(equiv, self.eq_x, self.eq_y)
        self.eq_x, self.eq_y = [], []
        return equiv


def _capped(np: Any, counts: Counter[int]) -> Any:
    """The counts, at most 15, as uint64."""
    return np.minimum(np.fromiter(counts.values(), np.int64, len(counts)), 15).astype(np.uint64)
