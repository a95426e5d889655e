"""Posting lists as text: the varint encoding search.js decodes, and editing it in place.

For each token: documents in ascending id, each as one varint x = (id − previous id) · 32 + w,
written in a 64-letter alphabet (5 bits per letter; letters 32–63 mean "more follows"). w packs
bit 0 = token in the title, bit 1 = in a tag or the summary, bits 2–4 = body frequency bucket
(TF_BUCKET). A posting usually costs two or three bytes.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from itertools import accumulate, repeat
from operator import and_, rshift, sub

ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_"
TF_BUCKET = (0, 1, 2, 3, 4, 4, 5, 5, 5, 6, 6, 6, 6, 6, 6)  # index = count (capped); 15+ → 7

_VARINT = re.compile(r"[w-zA-Z\-_]*[0-9a-v]")


class Varints(dict[int, str]):
    """Memoised varint text of a non-negative integer (one per index build or update)."""

    def __missing__(self, x: int) -> str:
        y = x
        s = ALPHABET[y & 31]
        y >>= 5
        while y:
            s = ALPHABET[32 + (y & 31)] + s
            y >>= 5
        self[x] = s
        return s


class VarintValues(dict[str, int]):
    """Memoised value of a varint's text (one per update)."""

    def __missing__(self, s: str) -> int:
        x = 0
        for ch in s:
            d = ALPHABET.index(ch)
            x = x * 32 + (d - 32 if d >= 32 else d)
        self[s] = x
        return x


def encode_postings(xs: Sequence[int], varints: Varints | None = None) -> str:
    """`xs` = id·32 + w, ascending ids → delta varints."""
    v = Varints() if varints is None else varints
    prev = [-32]
    prev.extend(map(and_, xs, repeat(-32)))
    return "".join(map(v.__getitem__, map(sub, xs, prev)))


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


def apply_postings(s: str, changes: Mapping[int, int | None], varint: Varints | None = None,
                   value: VarintValues | None = None) -> str:
    """Postings `s` with document id → weight (None: absent) set as in `changes`. Only the varints
    around each changed id are re-encoded; the rest of the text is kept. `varint` and `value` are
    memos an update passes to all its calls."""
    varint = Varints() if varint is None else varint
    value = VarintValues() if value is None else value
    parts = _VARINT.findall(s)
    ids = list(accumulate(map(rshift, map(value.__getitem__, parts), repeat(5)), initial=-1))
    del ids[0]
    for doc, w in sorted(changes.items()):
        pos = bisect_left(ids, doc)
        present = pos < len(ids) and ids[pos] == doc
        prev = ids[pos - 1] if pos else -1
        if w is None:
            if not present:
                continue
            del ids[pos], parts[pos]
            if pos < len(ids):  # the next delta now counts from the previous document
                parts[pos] = varint[(ids[pos] - prev) * 32 + (value[parts[pos]] & 31)]
        elif present:
            parts[pos] = varint[(doc - prev) * 32 + w]
        else:
            ids.insert(pos, doc)
            parts.insert(pos, varint[(doc - prev) * 32 + w])
            if pos + 1 < len(ids):
                parts[pos + 1] = varint[(ids[pos + 1] - doc) * 32 + (value[parts[pos + 1]] & 31)]
    return "".join(parts)
