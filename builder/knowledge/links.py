"""The link index: which article's Markdown links to which article or topic page, with the sentence
around each link (backlinks on the target's pages, render/backlinks.py).

A link counts when its href is a relative `.md` path to the entry's source (as `render/body.py`
resolves it) or the entry's URL path in any edition (`/posts/x/`, `/zh-tw/posts/x/`, with or without
the site's base URL). Only an entry's canonical document is read: a translation links where its
original does.

Finding links needs a parse, which costs (1,000 articles parsed whole: 2.3 s CPU). A document whose
text cannot hold an internal link (`may_link`: no `.md`, no `](/`, no base URL) is not parsed at all
(the generated corpus's articles link only outside: 1,000 of them cost 20 ms); the others are parsed
by `Scanner`, whose inline parse runs only on the paragraphs that may hold one (0.8 s for 1,000).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any
from urllib.parse import unquote, urlsplit

from markdown_it import MarkdownIt
from markdown_it.token import Token

from ..model import Entry, Site

CONTEXT_CHARS = 120  # the sentence around a link, at most (a longer one is cut around the link)
RawLink = tuple[str, str]  # (href as written, the sentence around it)

# what an internal link's href must look like in the Markdown source: a `.md` path, or a path from
# the root in an inline link, a reference definition or an autolink
_MAY_LINK = re.compile(r"\.(?:md|markdown)\b|\]\(\s*<?/|\]:\s*<?/", re.IGNORECASE)
_SENTENCE_END = "。！？!?；;…\n"


@dataclass(frozen=True)
class Link:
    source: str  # Entry.source of the linking article
    target: str  # Entry.source of the linked article or topic page
    context: str  # the sentence around the link, plain text as written (source script), ≤ ~120 chars


@dataclass(frozen=True)
class LinkIndex:
    outgoing: Mapping[str, tuple[Link, ...]]  # by source, in document order, deduplicated by target
    incoming: Mapping[str, tuple[Link, ...]]  # by target, the source's date (newest first), then source


EMPTY = LinkIndex(MappingProxyType({}), MappingProxyType({}))


def may_link(text: str, base_url: str = "") -> bool:
    """False when Markdown `text` cannot hold a link `resolve` resolves (then it is not parsed)."""
    return bool(_MAY_LINK.search(text)) or (bool(base_url) and base_url.rstrip("/") in text)


class Scanner:
    """Finds the links of Markdown texts more cheaply than a whole parse: the block structure is
    parsed whole (code blocks, fences, reference definitions, lists), the inline runs only where one
    may hold an internal link (`may_link`), or every run holding a `[` when a reference definition
    may (1,000 articles each with two internal links: 0.8 s CPU, against 2.3 s parsed whole). A text
    with footnotes is parsed whole (their definitions are placed by the inline parse). Bare URLs
    that only linkify would make links are not counted. Owned by one build (it keeps its parsers)."""

    def __init__(self, unsafe_html: bool = False, base_url: str = "") -> None:
        self.unsafe_html, self.base_url = unsafe_html, base_url
        self._md: dict[tuple[bool, bool], MarkdownIt] = {}

    def _parser(self, math: bool, whole: bool = False) -> MarkdownIt:
        md = self._md.get((math, whole))
        if md is None:
            from ..text.markdown import new_parser
            md = self._md[(math, whole)] = new_parser(self.unsafe_html, math=math)
            if not whole:
                md.core.ruler.disable(["inline", "linkify", "text_join", "tw_anchors"])  # blocks only
        return md

    def links(self, text: str, math: bool = False) -> tuple[RawLink, ...]:
        """The links of a Markdown text, as `raw_links` finds them in its whole parse."""
        md = self._parser(math)
        env: dict[str, Any] = {}
        tokens = md.parse(text, env)
        if env.get("footnotes"):
            return raw_links(self._parser(math, whole=True).parse(text, {}))
        refs = env.get("references") or {}
        every = any(may_link("](" + str(r.get("href", "")) + ")", self.base_url) for r in refs.values())
        out: list[RawLink] = []
        for tok in tokens:
            if tok.type != "inline" or not tok.content:
                continue
            if (every and "[" in tok.content) or may_link(tok.content, self.base_url):
                children: list[Token] = []
                md.inline.parse(tok.content, md, env, children)
                out.extend(_inline_links(children))
        return tuple(out)


def raw_links(tokens: Sequence[Token]) -> tuple[RawLink, ...]:
    """Every link in the tokens, in document order: (href, the sentence around it)."""
    out: list[RawLink] = []
    for tok in tokens:
        if tok.type == "inline" and tok.children:
            out.extend(_inline_links(tok.children))
    return tuple(out)


def _inline_links(children: Sequence[Token]) -> list[RawLink]:
    """The links of one inline run (a paragraph, heading, list item, table cell)."""
    text: list[str] = []
    spans: list[tuple[str, int, int]] = []  # (href, start, end) in the run's plain text
    open_at: list[tuple[str, int]] = []
    at = 0
    for c in children:
        if c.type == "link_open":
            open_at.append((str(c.attrGet("href") or ""), at))
        elif c.type == "link_close" and open_at:
            href, start = open_at.pop()
            spans.append((href, start, at))
        elif c.type in ("softbreak", "hardbreak"):
            text.append(" ")
            at += 1
        elif c.type in ("text", "code_inline") and c.content:
            text.append(c.content)
            at += len(c.content)
    plain = "".join(text)
    return [(href, sentence(plain, start, end)) for href, start, end in spans]


def sentence(plain: str, start: int, end: int) -> str:
    """The sentence of `plain` holding [start, end), by characters; cut to CONTEXT_CHARS around the
    link with … where longer."""
    a = max((plain.rfind(ch, 0, start) for ch in _SENTENCE_END), default=-1) + 1
    ends = [i for i in (plain.find(ch, end) for ch in _SENTENCE_END) if i >= 0]
    b = min(ends) + 1 if ends else len(plain)
    s, e = a, b
    if e - s > CONTEXT_CHARS:  # the link and as much on each side as fits
        s = max(a, start - max(0, CONTEXT_CHARS - (end - start)) // 2)
        e = min(b, s + CONTEXT_CHARS)
        s = max(a, e - CONTEXT_CHARS)
    text = " ".join(plain[s:e].split())
    return ("…" if s > a else "") + text + ("…" if e < b else "")


@dataclass(frozen=True)
class Resolver:
    """Resolves an href written in a source file to the entry it links to (None: not an internal
    link to an article or topic page)."""

    by_source: Mapping[str, str]  # linkable entry source → itself (articles, topics)
    by_path: Mapping[str, str]  # page path ("posts/x/") → entry source
    prefixes: tuple[str, ...]  # the editions' URL prefixes ("zh-tw"), longest first
    base: str  # the base URL without its trailing "/" ("https://example.com/sub")
    base_path: str  # its path ("/sub")

    def __call__(self, doc_source: str, href: str) -> str | None:
        href = href.strip()
        if self.base and href.startswith(self.base + "/"):
            href = href[len(self.base):]
        elif "://" in href or href.startswith(("//", "#", "mailto:", "tel:", "data:")):
            return None
        parts = urlsplit(href)
        path = unquote(parts.path)
        if not path:
            return None
        if path.lower().endswith((".md", ".markdown")):
            if path.startswith("/"):
                return None
            return self.by_source.get(posixpath.normpath(posixpath.join(posixpath.dirname(doc_source), path)))
        if not path.startswith("/"):
            return None
        return self.by_path.get(self._page_path(path))

    def _page_path(self, path: str) -> str:
        if self.base_path and (path + "/").startswith(self.base_path + "/"):
            path = path[len(self.base_path):]
        path = path.lstrip("/")
        if path.endswith("index.html"):
            path = path[: -len("index.html")]
        if path and not path.endswith("/"):
            path += "/"
        for p in self.prefixes:
            if path.startswith(p + "/"):
                return path[len(p) + 1:]
        return path


def resolver(site: Site, base_url: str, prefixes: Iterable[str]) -> Resolver:
    """The resolver of a site's links: its articles' and topics' sources and page paths."""
    linkable = [*site.articles, *(t.entry for t in site.topics)]
    base = base_url.rstrip("/")
    return Resolver(MappingProxyType({e.source: e.source for e in linkable}),
                    MappingProxyType({e.path: e.source for e in linkable}),
                    tuple(sorted((p.strip("/") for p in prefixes if p.strip("/")), key=len, reverse=True)),
                    base if "://" in base else "", urlsplit(base).path.rstrip("/"))


def link_index(site: Site, resolve: Resolver, raw: Mapping[str, Sequence[RawLink]]) -> LinkIndex:
    """The index of the articles' links (`raw`: article source → its raw links, in document order).
    A link to the article itself, or a second link to the same target, is left out."""
    outgoing: dict[str, tuple[Link, ...]] = {}
    incoming: dict[str, list[Link]] = {}
    articles = [a for a in site.articles if raw.get(a.source)]
    for a in articles:
        seen: dict[str, Link] = {}
        for href, context in raw[a.source]:
            target = resolve(a.canonical.source, href)
            if target is not None and target != a.source and target not in seen:
                seen[target] = Link(a.source, target, context)
        if seen:
            outgoing[a.source] = tuple(seen.values())
            for link in seen.values():
                incoming.setdefault(link.target, []).append(link)
    index = site.index
    return LinkIndex(MappingProxyType(outgoing), MappingProxyType(
        {t: tuple(sorted(ls, key=lambda lk: _newest_first(index[lk.source]))) for t, ls in sorted(incoming.items())}))


def _newest_first(e: Entry) -> tuple[float, str]:
    return (-e.sort_time.timestamp(), e.source)
