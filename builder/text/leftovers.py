"""The pass after OpenCC: what it left of the source script becomes the edition's script.

OpenCC converts phrase by phrase, and a phrase it picks can keep a character of the source script
(珍贵价值 → 珍貴价值). `Leftovers` looks at the characters of what OpenCC gave back and turns each
one that does not belong in the edition into the edition's form, deciding each character once, by
converting it alone (价 → 價). Characters written in both scripts (云, 干, 里: `scriptchars`),
Cantonese characters and glossary pins (private-use characters by then) are never touched. Hong
Kong sources reach the Taiwan edition through hk2t then t2tw (綫 → 線, 衞 → 衛, 爲 → 為), then
this pass (恒 → 恆, 够 → 夠).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from ..model.documents import Edition
from . import scriptchars as sc
from .opencc import Convert, convert_many, opencc_converter

_IDEOGRAPH = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF))


def _ideograph(ch: str) -> bool:
    o = ord(ch)
    return any(lo <= o <= hi for lo, hi in _IDEOGRAPH)


class Leftovers:
    """A converter of converted text: every character that `probe` (one edition's conversion of a
    character alone) changes becomes that form, unless it is in `keep`; `extra` comes first."""

    __slots__ = ("probe", "keep", "table", "seen")

    def __init__(self, probe: Sequence[Convert], keep: Iterable[str], extra: dict[str, str] | None = None):
        self.probe = tuple(probe)
        self.keep = frozenset(keep)
        extra = extra or {}
        self.table: dict[int, str] = {ord(c): t for c, t in extra.items()}
        self.seen: set[str] = set(extra) | set(self.keep)

    def _learn(self, chars: list[str]) -> None:
        forms = chars
        for conv in self.probe:
            forms = convert_many(conv, forms)
        for c, f in zip(chars, forms, strict=True):
            if len(f) == 1 and f != c:
                self.table[ord(c)] = f
        self.seen.update(chars)

    def learn(self, texts: Iterable[str]) -> None:
        """Decide the characters of `texts` not decided yet: one batch for all of them."""
        new = set().union(*texts).difference(self.seen)
        if new:
            ideographs = sorted(c for c in new if _ideograph(c))
            if ideographs:
                self._learn(ideographs)
            self.seen.update(new)

    def __call__(self, text: str) -> str:
        self.learn((text,))
        return text.translate(self.table) if self.table else text


class Chain:
    """OpenCC configs applied in turn, then `after`; batches like one OpenCC converter."""

    __slots__ = ("stages", "after")

    def __init__(self, stages: Sequence[Convert], after: Callable[[str], str]):
        self.stages = tuple(stages)
        self.after = after

    def __call__(self, text: str) -> str:
        for stage in self.stages:
            text = stage(text)
        return self.after(text)

    def many(self, texts: Sequence[str]) -> list[str]:
        out = list(texts)
        for stage in self.stages:
            out = convert_many(stage, out)
        after = self.after
        if isinstance(after, Leftovers):
            after.learn(out)  # the batch's new characters in one probe, not one per text
            # (every character is decided now: `after(t)` would look at each text's characters again)
            table = after.table
            return [t.translate(table) for t in out] if table else out
        return [after(t) for t in out]


def taiwan(edition: Edition) -> bool:
    """The edition is in Taiwan Traditional (its OpenCC config is s2tw or s2twp)."""
    return edition.script == "Hant" and edition.opencc.startswith("s2tw")


def chain(script: str, edition: Edition, config: str) -> Convert | None:
    """The converter of text of a source in `script` into `edition` ('Hans', 'Hant-hk'…): `config`
    (the OpenCC config, '' for none) followed by the leftover pass; None where there is no pass."""
    if edition.script == "Hans" and config:
        # probed with t2s, not `config`: tw2sp turns 著 alone into 着, but 著 is Simplified too (著名)
        conv = opencc_converter(config).convert
        t2s = opencc_converter("t2s").convert
        return Chain((conv,), Leftovers((t2s,), sc.TS_DUAL | sc.CN_ALSO | sc.CANTONESE))
    if not taiwan(edition):
        return None
    tw = opencc_converter(edition.opencc).convert
    if script == "Hans" and config:
        keep = (sc.ST_DUAL - sc.FORCE_TW) | sc.TW_ALSO
        return Chain((tw,), Leftovers((tw,), keep))
    if script == "Hant-hk":
        stages = (opencc_converter("hk2t").convert, opencc_converter("t2tw").convert)
        keep = sc.ST_DUAL | sc.TW_ALSO | sc.CANTONESE | sc.HK_USAGE | sc.TW_ACCEPTED
        return Chain(stages, Leftovers((*stages, tw), keep, sc.HK_TW_EXTRA))
    return None


def slip_pins(edition: Edition, terms: Iterable[str]) -> dict[str, str]:
    """OpenCC's known phrase slips into Taiwan Traditional (`scriptchars.SLIP_PINS_TW`), less those
    overlapping a glossary term (`terms`): the site's own pins win."""
    if not taiwan(edition):
        return {}
    mine = [t for t in terms if t]
    return {s: t for s, t in sc.SLIP_PINS_TW.items() if not any(s in m or m in s for m in mine)}
