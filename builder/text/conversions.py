"""Where 简→繁 conversion had a choice: characters with several Traditional forms chosen by
meaning (发 → 發/髮), and vocabulary the edition's phrase table substitutes (软件 → 軟體). The
exhaustive list behind `tongwen check --conversions --all`; `choices.py` groups what really changes."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from ..config import SiteConfig
from ..model import Document, Edition, GlossaryEntry, Site
from .convert import script_converter
from .markdown import CJK_RE, passages
from .opencc import Convert, opencc_converter, source_script

ONE_TO_MANY_FILE = Path(__file__).with_name("one_to_many.tsv")


def read_one_to_many(path: Path = ONE_TO_MANY_FILE) -> dict[str, str]:
    """Simplified character → its Traditional forms chosen by meaning (发 → 發髮), from the table's
    lines `简<TAB>繁繁`; lines starting with # are comments."""
    table: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            simplified, forms = line.split("\t")
            table[simplified] = forms
    return table


# read once, when `tongwen check` first imports this module; read-only
ONE_TO_MANY: Mapping[str, str] = MappingProxyType(read_one_to_many())


def candidates(ch: str) -> str:
    """Traditional forms a Simplified character may take by meaning ('' when there is only one).
    Regional glyph variants (为 → 爲 in s2t, 為 in s2tw) are not listed: the edition's OpenCC
    config settles those without any reading of the text."""
    return ONE_TO_MANY.get(ch, "")



def phrases(text: str, full: Convert, plain: Convert, longest: int = 8) -> list[tuple[int, int]]:
    """Spans that the edition's converter changes as vocabulary (软件 → 軟體) compared with plain
    character conversion: the smallest changed window starting at each position, keeping only
    windows that contain no smaller one."""
    if full(text) == plain(text):
        return []
    found = []
    for i in range(len(text)):
        if not CJK_RE.match(text[i]):
            continue
        for n in range(1, longest + 1):
            s = text[i:i + n]
            if len(s) < n:
                break
            if full(s) != plain(s):
                found.append((i, i + n))
                break
    return [(a, b) for a, b in found if not any((c, d) != (a, b) and a <= c and d <= b for c, d in found)]



@dataclass(frozen=True, order=True)
class Finding:
    path: str
    line: int
    kind: str  # "char" | "vocabulary"
    text: str  # the source span
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"



def _glossary_spans(text: str, glossary: Sequence[GlossaryEntry]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for entry in glossary:
        for _k, form in entry.forms:
            if form:
                spans.extend((m.start(), m.end()) for m in re.finditer(re.escape(form), text))
    return spans



def _source_line(lines: list[str], start: int, needle: str) -> int:
    """1-based line of `needle` at or after line index `start` (the passage's first line)."""
    for i in range(start, min(len(lines), start + 200)):
        if needle in lines[i]:
            return i + 1
    return start + 1



def simplified_sources(site: Site, config: SiteConfig) -> Iterator[tuple[Document, Edition]]:
    """Each Simplified source once (sorted), with the first Traditional edition converting it."""
    hant = [e for e in config.editions if e.script == "Hant" and e.opencc]
    seen: set[str] = set()
    for entry in sorted(site.index.values(), key=lambda e: e.source):
        for ed in hant:
            doc = entry.doc(ed.key)
            if doc.source not in seen and source_script(doc.lang) == "Hans":
                seen.add(doc.source)
                yield doc, ed


def source_texts(doc: Document, config: SiteConfig) -> tuple[list[str], list[tuple[int, str]]]:
    """The source file's lines, and (0-based line, text) of the title and each passage."""
    lines = (config.root / doc.source).read_text(encoding="utf-8-sig").replace("\r\n", "\n").split("\n")
    items = [(doc.meta.line_of("title") - 1, doc.meta.title)] if doc.meta.title else []
    items += [(doc.body_line - 1 + p.line, p.text) for p in passages(doc.tokens)]
    return lines, items


def conversions(site: Site, config: SiteConfig) -> list[Finding]:
    return sorted({f for doc, ed in simplified_sources(site, config) for f in _doc_conversions(doc, ed, config)})


def _doc_conversions(doc: Document, ed: Edition, config: SiteConfig) -> Iterable[Finding]:
    glossary = config.glossary + doc.meta.glossary
    full = script_converter(doc.lang, ed, glossary)
    # the same config without its phrase table (s2twp → s2tw): the difference is vocabulary only
    plain = opencc_converter(ed.opencc[:-1] if ed.opencc in ("s2twp", "s2hkp") else "s2t").convert
    lines, items = source_texts(doc, config)
    for start, text in items:
        if not CJK_RE.search(text):
            continue
        pinned = _glossary_spans(text, glossary)
        conv = full(text)
        aligned = len(conv) == len(text)
        for i, ch in enumerate(text):
            if any(a <= i < b for a, b in pinned):
                continue
            forms = candidates(ch) if CJK_RE.match(ch) else ""
            if not forms:
                continue
            chosen = conv[i] if aligned else full(ch)
            ctx = text[max(0, i - 4): i + 5]
            line = _source_line(lines, start, text[max(0, i - 2): i + 3].strip() or ch)
            yield Finding(doc.source, line, "char", ch,
                          f"{ch}→{chosen} (could be {'/'.join(forms)}) in “{ctx.strip()}”")
        for left, right in phrases(text, full, plain):
            if any(a < right and left < b for a, b in pinned):
                continue
            src = text[left:right]
            if right - left == 1 and candidates(src):
                continue  # already listed as an ambiguous character
            line = _source_line(lines, start, src)
            yield Finding(doc.source, line, "vocabulary", src,
                          f"{src}→{full(src)} ({ed.opencc} vocabulary; {plain(src)} without it)")
