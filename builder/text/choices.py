"""`tongwen check --conversions`: the choices 简→繁 conversion made in the output, grouped by
character or term, each with its count and its first `path:line`.

Listed: an ambiguous character (发: 發 or 髮) turned into the form OpenCC gives it alone — no
phrase decided it; a vocabulary substitution (软件 → 軟體); a fix of a known OpenCC slip; an
ambiguous character OpenCC's phrases left as written (云: 雲 or classical 云). Not listed: a
character that stays as it is (了 → 了), one a phrase resolved (头发 → 頭髮; 阿里巴巴 is one phrase),
glossary pins. `--all` keeps the exhaustive list, one line per place (`check.conversions`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from ..config import SiteConfig
from ..model import Site
from ..model.documents import Document, Edition
from .conversions import _glossary_spans, _source_line, candidates, phrases, simplified_sources, source_texts
from .convert import script_converter
from .leftovers import taiwan
from .markdown import CJK_RE
from .opencc import Convert, opencc_converter
from .scriptchars import AMBIGUOUS_TW


@dataclass
class Choice:
    kind: str  # "char" | "vocabulary" | "slip" | "kept"
    src: str
    out: str
    path: str
    line: int
    note: str
    count: int = 1
    pages: set[str] = field(default_factory=set)  # every page where it occurs

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}"
        if self.kind == "kept":
            return f"{where}: {self.src} left as written ×{self.count} (could be {self.out}; {self.note})"
        return f"{where}: {self.src}→{self.out} ×{self.count} ({self.note})"


def grouped(site: Site, config: SiteConfig) -> list[Choice]:
    """Every choice, one per (kind, source, output), first place first (sorted sources, text order)."""
    groups: dict[tuple[str, str, str], Choice] = {}
    for doc, ed in simplified_sources(site, config):
        for c in _doc_choices(doc, ed, config):
            g = groups.setdefault((c.kind, c.src, c.out), c)
            if g is not c:
                g.count += 1
            g.pages.add(c.path)
    return sorted(groups.values(), key=lambda c: (c.path, c.line, c.src, c.out))


def _doc_choices(doc: Document, ed: Edition, config: SiteConfig) -> Iterable[Choice]:
    glossary = config.glossary + doc.meta.glossary
    full = script_converter(doc.lang, ed, glossary)
    lines, items = source_texts(doc, config)
    for start, text in items:
        if not CJK_RE.search(text):
            continue
        pinned = _glossary_spans(text, glossary)
        for kind, left, right, out, note in _text_choices(text, full, ed):
            if any(a < right and left < b for a, b in pinned):
                continue
            src = text[left:right]
            ctx = text[max(0, left - 4): right + 4].strip()
            line = _source_line(lines, start, text[max(0, left - 2): right + 2].strip() or src)
            yield Choice(kind, src, out, doc.source, line, note if kind != "char" else f"{note} in “{ctx}”")


def _text_choices(text: str, full: Convert, ed: Edition) -> Iterable[tuple[str, int, int, str, str]]:
    """(kind, start, end, output, note) of each choice made converting `text`."""
    conv = full(text)
    opencc = opencc_converter(ed.opencc).convert
    plain = opencc_converter(ed.opencc[:-1] if ed.opencc in ("s2twp", "s2hkp") else "s2t").convert
    terms = []
    for left, right in phrases(text, full, plain):
        src = text[left:right]
        out = full(src)
        if out == src or (right - left == 1 and candidates(src)):
            continue
        terms.append((left, right))
        if opencc(src) == plain(src):  # not OpenCC's vocabulary: the pass after it, or a slip fix
            yield "slip", left, right, out, f"OpenCC alone gives {opencc(src)}"
        else:
            yield "vocabulary", left, right, out, f"{ed.opencc} vocabulary; {plain(src)} without it"
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, text, conv, autojunk=False).get_opcodes():
        if tag == "equal" and taiwan(ed):
            for i in range(i1, i2):
                if text[i] in AMBIGUOUS_TW:
                    yield "kept", i, i + 1, AMBIGUOUS_TW[text[i]], "OpenCC's phrase kept it; pin it in the glossary"
        elif tag == "replace" and i2 - i1 == j2 - j1:
            for i, o in zip(range(i1, i2), conv[j1:j2], strict=True):
                forms = candidates(text[i])
                if any(a <= i < b for a, b in terms):
                    continue  # listed with its term
                if forms and o != text[i] and o == full(text[i]):  # not a phrase's choice
                    yield "char", i, i + 1, o, f"could be {'/'.join(forms)}"


def summary(found: list[Choice]) -> str:
    def n(kind: str) -> int:
        return sum(c.count for c in found if c.kind == kind)
    pages = len(set().union(*(c.pages for c in found)))
    return (f"tongwen check --conversions: {len(found)} choices in {pages} page{'s' if pages != 1 else ''} — "
            f"{n('char')} ambiguous characters given their usual form, {n('vocabulary')} vocabulary "
            f"substitutions, {n('slip')} OpenCC slips fixed, {n('kept')} ambiguous characters left as written; "
            "pin a form with the glossary (site.yaml or front matter) to settle one; --all lists every place")
