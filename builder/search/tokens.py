"""Tokens and the character fold: what text becomes in the index, and how search.js reads a query.

Text is lower-cased and folded to Simplified character by character (`Fold`), then cut into runs.
A run of CJK characters gives every character and every overlapping bigram; a run of Latin letters
and digits is one token, plus its letter and digit parts and, from four characters on, prefix
tokens `xyz*` (see the package docstring). The character classes are the same in search.js.
"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from typing import Any

PREFIX_MIN, PREFIX_MAX = 3, 12  # Latin/digit prefix tokens "abc*" … "abcdefghijkl*"

# Identical classes are used in search.js.
CJK = (
    "\u3005\u3007\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
    "\U00020000-\U0003134f"
)
WORD = "0-9a-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff"
CJK_RUN = re.compile(f"[{CJK}]+")
WORD_RUN = re.compile(f"[{WORD}]+")
SENTENCE = re.compile(r"[\n。！？；!?;]+")
_WORD_PARTS = re.compile(r"[0-9]+|[^0-9]+")
_CJK_CHAR = re.compile(f"[{CJK}]")


def fold_map() -> dict[int, str]:
    """Character fold: code point → one character (Simplified / half-width). Only changed ones.
    Asks OpenCC (0.1–0.3 s): a build computes it once, in its `Fold`."""
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


def cjk_table() -> bytes:
    """table[code point] == 1 for the characters of the CJK class (the class of CJK_RUN)."""
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


class Fold:
    """The character fold of one index build or one saved state: made once (from OpenCC, or from
    the table a state saved) and handed to everything that folds text. The forms derived from the
    table are made when first asked for and live as long as this object."""

    def __init__(self, table: dict[int, str]) -> None:
        self.table = table
        self._split: tuple[re.Pattern[str], dict[str, str]] | None = None
        self._arrays: tuple[Any, Any] | None = None

    @classmethod
    def from_opencc(cls) -> Fold:
        return cls(fold_map())

    def __call__(self, text: str) -> str:
        """Lower-case and fold to Simplified, character by character (length-preserving for CJK)."""
        return text.lower().translate(self.table)

    def fast(self, text: str) -> str:
        """Same as self(text), as a regex split: cheaper than str.translate when most characters
        are unchanged."""
        if self._split is None:
            table = {chr(c): f for c, f in self.table.items()}
            cls = "".join(re.escape(c) for c in sorted(table))
            self._split = re.compile(f"([{cls}])"), table
        pattern, table = self._split
        parts = pattern.split(text.lower())
        if len(parts) == 1:
            return parts[0]
        parts[1::2] = map(table.__getitem__, parts[1::2])
        return "".join(parts)

    def arrays(self) -> tuple[Any, Any]:
        """(fold: code point → folded code point, CJK: code point → 1 if CJK) as NumPy arrays."""
        if self._arrays is None:
            import numpy as np

            fold_t = np.arange(0x110000, dtype=np.uint32)
            fm = self.table
            fold_t[np.fromiter(fm.keys(), np.int64, len(fm))] = np.fromiter(map(ord, fm.values()), np.uint32, len(fm))
            self._arrays = fold_t, np.frombuffer(cjk_table(), dtype=np.uint8)
        return self._arrays


def fold(text: str, table: Fold | None = None) -> str:
    """Lower-case and fold to Simplified, character by character (length-preserving for CJK).
    Without `table`, OpenCC is asked for the fold first (pass one `Fold` to fold many texts)."""
    return (table or Fold.from_opencc())(text)


def latin_tokens(word: str) -> list[str]:
    """The tokens of a Latin/digit word: itself, its letter and digit parts, its prefixes."""
    out = [word]
    parts = _WORD_PARTS.findall(word)
    if len(parts) > 1:
        out.extend(p for p in parts if len(p) >= 2)
    if len(word) >= PREFIX_MIN + 1:
        out.extend(word[:k] + "*" for k in range(PREFIX_MIN, min(len(word) - 1, PREFIX_MAX) + 1))
    return out


def _count(folded: str) -> Counter[str]:
    """Token counts of already-folded text."""
    runs = CJK_RUN.findall(folded)
    joined = "\x00".join(runs)
    counts: Counter[str] = Counter(joined)
    counts.update(map(str.__add__, joined, joined[1:]))
    for k in [k for k in counts if "\x00" in k]:
        del counts[k]
    for w in WORD_RUN.findall(CJK_RUN.sub(" ", folded)):
        counts.update(latin_tokens(w))
    return counts


def tokenize(text: str, table: Fold | None = None) -> list[str]:
    """The index tokens of `text`, sorted and unique (folded: unigrams, bigrams, words, prefixes)."""
    return sorted(_count(fold(text, table)))


def query_groups(query: str, table: Fold | None = None) -> list[list[str]]:
    """How search.js reads a query: every group must match; within a group, any token may.
    (Mirrors search.js for tests; the browser has its own copy.)"""
    q = fold(query, table)
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
