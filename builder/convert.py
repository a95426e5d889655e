"""Script conversion: cached OpenCC converters, the glossary, and per-(source, edition) text converters.

Only text is ever converted — the Markdown renderer calls these on token text, never on HTML or
Markdown source, so URLs, code and attributes stay byte-identical across editions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import cache, lru_cache

import ahocorasick_rs
import opencc

from .model import Edition, GlossaryEntry

Convert = Callable[[str], str]

_PUA = 0xE000  # private-use code points: OpenCC passes them through untouched (tested)
_PUA_MAX = 0xF8FF
_PUA_RE = re.compile("[\ue000-\uf8ff]")


@cache
def opencc_converter(config: str) -> opencc.OpenCC:
    """One converter per config per process: loading dictionaries costs ~10 ms, converting is cheap."""
    return opencc.OpenCC(config if config.endswith(".json") else config + ".json")


def source_script(lang: str) -> str:
    """'Hans', 'Hant-tw', 'Hant-hk', 'Hant' or '' (not Chinese, never converted)."""
    tag = lang.lower()
    if tag in ("zh-tw", "zh-hant-tw"):
        return "Hant-tw"
    if tag in ("zh-hk", "zh-mo", "zh-hant-hk"):
        return "Hant-hk"
    if tag in ("zh-hant", "zh-cht"):
        return "Hant"
    if tag == "zh" or tag.startswith("zh-"):
        return "Hans"
    return ""


_TO_HANS = {"Hant-tw": "tw2sp", "Hant-hk": "hk2s", "Hant": "t2s"}


def opencc_config(source_lang: str, edition: Edition) -> str:
    """The OpenCC config that turns a source in `source_lang` into `edition`'s script ('' = none)."""
    script = source_script(source_lang)
    if not script:
        return ""
    if script == "Hans":
        return edition.opencc if edition.script == "Hant" else ""
    return _TO_HANS[script] if edition.script == "Hans" else ""


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Canonical Simplified form, for identity and matching: 軟體 and 软件 fold alike."""
    return opencc_converter("tw2sp").convert(text)


def fold_key(text: str) -> str:
    return fold(text.strip()).casefold()


def _identity(text: str) -> str:
    return text


@lru_cache(maxsize=256)
def _glossary_automaton(terms: tuple[str, ...]) -> ahocorasick_rs.AhoCorasick:
    return ahocorasick_rs.AhoCorasick(list(terms), matchkind=ahocorasick_rs.MatchKind.LeftmostLongest)


def make_converter(source_lang: str, edition: Edition, glossary: Iterable[GlossaryEntry] = ()) -> Convert:
    """A function converting text of a `source_lang` document into `edition`'s script, honouring the
    glossary: a glossary term found in the text is replaced by its form for this edition (or kept)."""
    config = opencc_config(source_lang, edition)
    entries = tuple(glossary)
    if not config:
        if not entries or not source_script(source_lang):
            return _identity
    base: Convert = opencc_converter(config).convert if config else _identity
    table: dict[str, str] = {}
    for entry in entries:
        target = entry.form(edition.key)
        for _k, form in entry.forms:
            table.setdefault(form, target if target is not None else form)
    if not table:
        return base
    terms = tuple(sorted(table))
    automaton = _glossary_automaton(terms)
    targets = tuple(table[t] for t in terms)

    def convert(text: str) -> str:
        if not text:
            return text
        hits = automaton.find_matches_as_indexes(text)
        if not hits:
            return base(text)
        if _PUA_RE.search(text) or len(hits) > _PUA_MAX - _PUA:
            # text already uses private-use characters: protecting would be ambiguous
            return base(text)
        parts = []
        pos = 0
        for n, (_i, start, end) in enumerate(hits):
            parts.append(text[pos:start])
            parts.append(chr(_PUA + n))
            pos = end
        parts.append(text[pos:])
        out = base("".join(parts))
        return _PUA_RE.sub(lambda m: targets[hits[ord(m.group(0)) - _PUA][0]], out)

    return convert
