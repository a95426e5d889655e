"""OpenCC, as the rest of `text/` uses it: the converters by config name, which config turns a
source's script into an edition's, the Simplified fold used for identity and matching, and batch
conversion. (Glossary pins and the pass after OpenCC are `convert.py` and `leftovers.py`.)"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache

import opencc

from ..model.documents import Edition

Convert = Callable[[str], str]


@cache
def opencc_converter(config: str) -> opencc.OpenCC:
    """One converter per config per process: the one process-wide memo of `text/`, kept on purpose.
    An OpenCC converter is immutable (a conversion is a function of the config and the text), and
    loading its dictionaries is what costs: s2twp 145 ms, s2tw 127 ms, s2t 65 ms, tw2sp 6 ms, t2s
    3 ms, hk2t 1 ms (measured, Dec 2026), where converting a text costs microseconds. A build opens
    two to six; the preview server, `--verify` and the tests build many times in one process, so
    each build after the first would pay 0.2–0.4 s again. Everything made from these (converters
    with a glossary, `ScriptFold`, parsers, the work memo) is owned by one build or render."""
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


class ScriptFold:
    """The canonical Simplified form, for identity and matching: 軟體 and 软件 fold alike. Memoised
    by text for its owner: one derive (term and alias keys), one render (`Converters.fold`: term
    names), one topic matcher (alias forms), one check."""

    __slots__ = ("_folded",)

    def __init__(self) -> None:
        self._folded: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        out = self._folded.get(text)
        if out is None:
            out = self._folded[text] = opencc_converter("tw2sp").convert(text)
        return out

    def key(self, text: str) -> str:
        """A term's or an alias's key: folded, stripped and case-folded."""
        return self(text.strip()).casefold()


def identity(text: str) -> str:
    return text


def is_identity(conv: Convert) -> bool:
    """True for the converter that returns its text as it is (no script conversion, no glossary)."""
    return conv is identity


_SEP = "\n"  # joins the texts of one batch: no OpenCC dictionary key or value holds a line break


def convert_many(conv: Convert, texts: Sequence[str]) -> list[str]:
    """`[conv(t) for t in texts]`, with one OpenCC call for the whole batch where `conv` is an
    OpenCC converter (a call costs about as much again as converting its text). OpenCC converts
    phrase by phrase and no phrase spans a line break, so text joined by line breaks converts to
    the same texts joined by line breaks (tests/test_convert_many.py). Texts that hold a line break
    themselves are converted one by one."""
    if conv is identity:
        return list(texts)
    many = getattr(conv, "many", None)
    if many is not None:
        return many(texts)  # type: ignore[no-any-return]
    owner = getattr(conv, "__self__", None)
    if not isinstance(owner, opencc.OpenCC) or len(texts) < 2 or any(_SEP in t for t in texts):
        return [conv(t) for t in texts]
    out = conv(_SEP.join(texts)).split(_SEP)
    if len(out) != len(texts):  # cannot happen (see above); never trust it then
        return [conv(t) for t in texts]
    return out
