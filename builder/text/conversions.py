"""Where 简→繁 conversion had a choice: characters with several Traditional forms chosen by
meaning (发 → 發/髮), and vocabulary the edition's phrase table substitutes (软件 → 軟體). The
exhaustive list behind `tongwen check --conversions --all`; `choices.py` groups what really changes."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from ..config import SiteConfig
from ..model import Document, Edition, GlossaryEntry, Site
from .convert import make_converter
from .markdown import CJK_RE, passages
from .opencc import Convert, opencc_converter, source_script

# Simplified characters with several Traditional forms, chosen by meaning (OpenCC's STCharacters
# ships only as a binary .ocd2; this table adds the well-known cases to what per-character
# s2t/s2tw/s2hk disagreement finds).
ONE_TO_MANY: dict[str, str] = {
    "发": "發髮", "后": "後后", "干": "幹乾干", "面": "面麵", "里": "裡裏里", "台": "臺台檯颱",
    "系": "系係繫", "只": "只隻", "复": "復複覆", "历": "歷曆", "钟": "鐘鍾", "松": "松鬆",
    "范": "范範", "制": "制製", "准": "准準", "冲": "沖衝", "尽": "盡儘", "汇": "匯彙", "获": "獲穫",
    "谷": "谷穀", "斗": "斗鬥", "丑": "丑醜", "云": "云雲", "余": "余餘", "表": "表錶", "卷": "卷捲",
    "采": "采採", "征": "征徵", "志": "志誌", "朴": "朴樸", "仆": "仆僕", "胡": "胡鬍", "须": "須鬚",
    "御": "御禦", "郁": "郁鬱", "吁": "吁籲", "蒙": "蒙矇濛懞", "几": "幾几", "据": "據据", "了": "了瞭",
    "借": "借藉", "咸": "咸鹹", "涂": "涂塗", "团": "團糰", "党": "黨党", "划": "划劃", "伙": "伙夥",
    "参": "參蔘", "签": "簽籤", "纤": "纖縴", "坛": "壇罈", "当": "當噹", "尝": "嘗嚐", "恶": "惡噁",
    "饥": "飢饑", "困": "困睏", "布": "布佈", "占": "占佔", "厘": "釐厘", "折": "折摺", "赞": "贊讚",
    "舍": "舍捨", "症": "症癥", "着": "著着", "游": "遊游", "岩": "岩巖", "姜": "姜薑", "凶": "凶兇",
    "夸": "誇夸", "向": "向嚮", "沈": "沈瀋", "致": "致緻", "托": "托託", "注": "注註", "周": "周週",
    "价": "價价", "帘": "簾帘", "霉": "霉黴", "术": "術朮", "脏": "臟髒", "荡": "蕩盪", "尸": "屍尸",
    "适": "適适", "才": "才纔", "吊": "吊弔", "扎": "扎紮", "摆": "擺襬", "叶": "葉叶", "刮": "刮颳",
    "筑": "築筑", "雕": "雕鵰", "欲": "欲慾", "峰": "峰峯", "杰": "傑杰", "升": "升昇", "秋": "秋鞦",
}



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
    full = make_converter(doc.lang, ed, glossary)
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
