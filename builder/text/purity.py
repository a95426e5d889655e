"""`tongwen check --script`: per edition, how many characters of the published text fall outside
that edition's script — Traditional-only characters in a Simplified edition; Simplified-only
characters and Hong Kong variants in a Taiwan edition — the ten most frequent with the first
`path:line` of each, and, apart, the Cantonese characters kept as written.

The text is each page's title and body text as the edition converts it (the converter the render
uses). Code, `-{…}-` (text kept as written) and glossary pins (names an editor chose a form for)
are left out."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from markdown_it.token import Token

from ..config import SiteConfig
from ..model import Site
from ..model.documents import Document, Edition
from .convert import script_converter
from .memo import TextMemo
from .opencc import Convert, source_script
from .scriptchars import Classifier

_HAN = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0x20000, 0x3FFFF))
KINDS = {"traditional": "Traditional-only", "simplified": "Simplified-only", "hk": "Hong Kong variant",
         "cantonese": "Cantonese"}


def _han(ch: str) -> bool:
    o = ord(ch)
    return any(lo <= o <= hi for lo, hi in _HAN)


@dataclass
class Tally:
    """One edition's figures."""

    edition: Edition
    han: int = 0  # Han characters checked
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)  # (kind, character) → count
    first: dict[str, str] = field(default_factory=dict)  # character → its first path:line

    def total(self, *kinds: str) -> int:
        return sum(n for (k, _c), n in self.counts.items() if k in kinds)

    def outside(self) -> int:
        """Characters outside the edition's script (Cantonese ones are counted apart)."""
        return self.total("traditional", "simplified", "hk")

    def top(self, kinds: Iterable[str], n: int = 10) -> list[tuple[str, str, int]]:
        wanted = set(kinds)
        rows = [(k, c, m) for (k, c), m in self.counts.items() if k in wanted]
        return sorted(rows, key=lambda r: (-r[2], r[1]))[:n]


def _texts(doc: Document, memo: TextMemo) -> Iterable[tuple[int, str]]:
    """(line in the file, text) for the title and every text of the body: not code, not `-{…}-`."""
    if doc.meta.title:
        yield doc.meta.line_of("title"), doc.meta.title
    for tok in memo.tokens_of(doc):
        if tok.type != "inline":
            continue
        line = doc.body_line + (tok.map[0] if tok.map else 0)
        for child in _leaves(tok.children or ()):
            if child.type == "text" and child.content:
                yield line + _breaks_before(tok.children or (), child), child.content


def _leaves(tokens: Sequence[Token]) -> Iterable[Token]:
    for t in tokens:
        yield t
        if t.children and t.type == "image":
            yield from _leaves(t.children)


def _breaks_before(children: Sequence[Token], child: Token) -> int:
    """Lines of a multi-line paragraph before `child`."""
    n = 0
    for c in children:
        if c is child:
            return n
        n += c.type in ("softbreak", "hardbreak")
    return n


def tally(site: Site, config: SiteConfig) -> list[Tally]:
    """Every edition's figures, over the pages the site publishes (deterministic: sorted sources)."""
    out = []
    memo = TextMemo(config.unsafe_html)  # (a document is parsed once for every edition)
    convs: dict[tuple[Any, ...], Convert] = {}  # (language, edition, glossary) → converter
    classify = Classifier()
    for ed in config.editions:
        t = Tally(ed)
        for entry in sorted(site.index.values(), key=lambda e: e.source):
            _tally_doc(t, entry.doc(ed.key), ed, config, (memo, convs, classify))
        out.append(t)
    return out


def _tally_doc(t: Tally, doc: Document, ed: Edition, config: SiteConfig,
               tools: tuple[TextMemo, dict[tuple[Any, ...], Convert], Classifier]) -> None:
    """`tools`: the tally's parses, converters and classifier (each made once for every document)."""
    if not source_script(doc.lang):
        return  # not Chinese: never converted, not counted
    memo, convs, classify = tools
    glossary = config.glossary + doc.meta.glossary
    conv = convs.get((doc.lang, ed, glossary))
    if conv is None:
        conv = convs[(doc.lang, ed, glossary)] = script_converter(doc.lang, ed, glossary)
    forms = {f for e in glossary for _k, f in e.forms} | {e.form(ed.key) or "" for e in glossary}
    pinned = sorted((f for f in forms if f), key=lambda f: (-len(f), f))
    for line, text in _texts(doc, memo):
        out = conv(text)
        for form in pinned:
            out = out.replace(form, " ")
        for ch in out:
            if not _han(ch):
                continue
            t.han += 1
            kind = classify(ch, ed.script)
            if kind:
                t.counts[(kind, ch)] += 1
                t.first.setdefault(ch, f"{doc.source}:{line}")


def report(tallies: Sequence[Tally]) -> list[str]:
    lines = []
    for t in tallies:
        ed = t.edition
        if ed.script == "Hans":
            parts = f"Traditional-only {t.total('traditional')}"
            script = "Simplified"
        else:
            parts = f"Simplified-only {t.total('simplified')}, Hong Kong variants {t.total('hk')}"
            script = "Traditional"
        lines.append(f"{ed.code} {ed.name}: {t.outside()} of {t.han} Han characters outside {script} script "
                     f"({parts})")
        for kind, ch, n in t.top(("traditional", "simplified", "hk")):
            lines.append(f"  {ch} ×{n}  {KINDS[kind]}, first at {t.first[ch]}")
        kept = t.top(("cantonese",), n=1000)
        if kept:
            lines.append(f"  Cantonese characters kept as written: {t.total('cantonese')} — "
                         + ", ".join(f"{ch} ×{n} ({t.first[ch]})" for _k, ch, n in kept))
    return lines
