"""Script conversion: the glossary, and per-(source, edition) text converters over OpenCC.

Only text is ever converted — the Markdown renderer calls these on token text, never on HTML or
Markdown source, so URLs, code and attributes stay byte-identical across editions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import ahocorasick_rs

from ..model.documents import Edition, GlossaryEntry
from .leftovers import chain, slip_pins
from .opencc import Convert, convert_many, identity, opencc_config, opencc_converter, source_script
from .quotes import CornerQuotes

_PUA = 0xE000  # private-use code points: OpenCC passes them through untouched (tested)
_PUA_MAX = 0xF8FF
_PUA_RE = re.compile("[\ue000-\uf8ff]")


def _glossary_automaton(terms: tuple[str, ...]) -> ahocorasick_rs.AhoCorasick:
    """(Not memoised: about 45 µs for a glossary of ten terms, and a render makes each converter once.)"""
    return ahocorasick_rs.AhoCorasick(list(terms), matchkind=ahocorasick_rs.MatchKind.LeftmostLongest)


def make_converter(source_lang: str, edition: Edition, glossary: Iterable[GlossaryEntry] = ()) -> Convert:
    """A function converting text of a `source_lang` document into `edition`'s script, honouring the
    glossary: a glossary term found in the text is replaced by its form for this edition (or kept);
    then Taiwan's quotation marks where the edition asks for them (quotes.py)."""
    conv = script_converter(source_lang, edition, glossary)
    return CornerQuotes(conv) if edition.corner_quotes else conv


def script_converter(source_lang: str, edition: Edition, glossary: Iterable[GlossaryEntry] = ()) -> Convert:
    """`make_converter` without the quotation marks: the script alone, which `tongwen check`'s
    reports compare with OpenCC's (choices, conversions, purity)."""
    config = opencc_config(source_lang, edition)
    entries = tuple(glossary)
    # OpenCC, then the pass turning what it left of the source script into the edition's
    # (leftovers.py); Hong Kong sources reach a Taiwan edition through hk2t and t2tw
    base: Convert | None = chain(source_script(source_lang), edition, config)
    if base is None and not config:
        if not entries or not source_script(source_lang):
            return identity
    if base is None:
        base = opencc_converter(config).convert if config else identity
    table: dict[str, str] = {}
    for entry in entries:
        target = entry.form(edition.key)
        for _k, form in entry.forms:
            table.setdefault(form, target if target is not None else form)
    if config:  # OpenCC's known phrase slips (被发明 → 被髮明), unless the glossary pins a term there
        for term, form in slip_pins(edition, table).items():
            table.setdefault(term, form)
    if not table:
        return base
    terms = tuple(sorted(table))
    return _Glossed(base, _glossary_automaton(terms), tuple(table[t] for t in terms))


class _Glossed:
    """A converter honouring a glossary: each glossary term found in the text is swapped for a
    private-use character before OpenCC runs, then for the term's form in this edition."""

    __slots__ = ("base", "automaton", "targets")

    def __init__(self, base: Convert, automaton: ahocorasick_rs.AhoCorasick, targets: tuple[str, ...]):
        self.base = base
        self.automaton = automaton
        self.targets = targets

    def _protect(self, text: str) -> tuple[str, list[tuple[int, int, int]] | None]:
        """(what OpenCC is given, the glossary hits to put back, or None: nothing to put back)."""
        if not text:
            return text, None
        hits = self.automaton.find_matches_as_indexes(text)
        if not hits:
            return text, None
        if _PUA_RE.search(text) or len(hits) > _PUA_MAX - _PUA:
            # text already uses private-use characters: protecting would be ambiguous
            return text, None
        parts = []
        pos = 0
        for n, (_i, start, end) in enumerate(hits):
            parts.append(text[pos:start])
            parts.append(chr(_PUA + n))
            pos = end
        parts.append(text[pos:])
        return "".join(parts), hits

    def _restore(self, out: str, hits: list[tuple[int, int, int]]) -> str:
        targets = self.targets
        return _PUA_RE.sub(lambda m: targets[hits[ord(m.group(0)) - _PUA][0]], out)

    def __call__(self, text: str) -> str:
        if not text:
            return text
        protected, hits = self._protect(text)
        out = self.base(protected)
        return out if hits is None else self._restore(out, hits)

    def many(self, texts: Sequence[str]) -> list[str]:
        done = [self._protect(t) for t in texts]
        outs = convert_many(self.base, [p for p, _h in done])
        return [out if hits is None else self._restore(out, hits) for out, (_p, hits) in zip(outs, done, strict=True)]
