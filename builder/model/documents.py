"""The build's data model: plain frozen dataclasses, no I/O.

A `Document` is one source file, parsed once. A `Page` is one document rendered for one `Edition`
(简体 or 繁體); every edition renders every document, so each page has a counterpart at the same path
under the other edition's prefix.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:  # (annotations only: a build that skips never imports the parser)
    from markdown_it.token import Token

T = TypeVar("T")
D = TypeVar("D")


def pair_value(pairs: tuple[tuple[str, T], ...], key: str, default: D) -> T | D:
    """The value of `key` in a tuple of (key, value) pairs (the model keeps mappings as tuples:
    hashable and frozen)."""
    for k, v in pairs:
        if k == key:
            return v
    return default


@dataclass(frozen=True)
class Edition:
    """One published script of the site, e.g. 简体 at `/` or 繁體 at `/zh-tw/`."""

    code: str  # BCP 47 tag used in <html lang>, hreflang and front matter, e.g. "zh-TW"
    name: str  # shown in the language switch, e.g. "繁體"
    prefix: str  # URL folder, "" for the root edition, else e.g. "zh-tw"
    script: str  # "Hans" or "Hant": which conversion this edition needs
    opencc: str  # OpenCC config that converts Simplified text into this edition ("" = none)
    corner_quotes: bool = False  # “” ‘’ become 「」 『』 (text/quotes.py); on by default for zh-TW

    @property
    def key(self) -> str:
        """Lower-case code, used in file names and `-{zh-tw:…}-` markup."""
        return self.code.lower()


@dataclass(frozen=True)
class Thumbnail:
    src: str
    in_list: bool = True
    in_post: bool = True


@dataclass(frozen=True)
class FrontMatter:
    """Typed front matter. `lines` maps each key to its 1-based line in the source file."""

    title: str = ""
    date: dt.datetime | None = None
    lastmod: dt.datetime | None = None
    publish_date: dt.datetime | None = None  # publishDate (else date): not published before it
    expiry_date: dt.datetime | None = None  # expiryDate: not published from then on
    draft: bool = False
    slug: str = ""
    url: str = ""
    summary: str = ""
    tags: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    lang: str = ""
    translations: tuple[str, ...] = ()
    thumbnail: Thumbnail | None = None
    lead: str = ""
    menu: str | None = None
    comments: bool = False
    authorbox: bool = False
    pager: bool = True
    toc: bool = False
    mathjax: bool = False
    sidebar: str | None = None  # "left" | "right" | "false"; None = site default
    widgets: tuple[str, ...] | None = None  # None = site default
    weight: int = 0
    aliases: tuple[str, ...] = ()
    description: str = ""
    author: str = ""
    group: str = ""  # topics: the group within a collection
    groups: tuple[str, ...] = ()  # collections: group order
    glossary: tuple[GlossaryEntry, ...] = ()
    params: tuple[tuple[str, Any], ...] = ()  # every other key, for templates
    # each key's 1-based line: (keys, lines), two tuples rather than a pair per key: a site's model
    # is unpickled by every incremental build (incremental/skeleton.py), and 17 pairs per document
    # were a third of its objects (10,000 articles: 0.19 → 0.12 s with the keys interned)
    lines: tuple[tuple[str, ...], tuple[int, ...]] = ((), ())

    def line_of(self, key: str, default: int = 1) -> int:
        keys, numbers = self.lines
        return numbers[keys.index(key)] if key in keys else default

    def switched_on(self, key: str) -> bool:
        """A page's own switch of a site feature (`graph: false`, `backlinks: false`): on unless
        written false."""
        return pair_value(self.params, key, True) is not False


@dataclass(frozen=True)
class GlossaryEntry:
    """A term whose form per edition is pinned. `forms` maps edition key → text; a term kept as
    written has the same text for every edition."""

    forms: tuple[tuple[str, str], ...]

    def form(self, edition_key: str) -> str | None:
        return pair_value(self.forms, edition_key, None)


@dataclass(frozen=True)
class Document:
    """One source file, parsed once."""

    source: str  # path relative to the site folder, posix, e.g. "content/posts/a.md"
    kind: str  # "article" | "topic" | "collection" | "section"
    lang: str  # the source's language tag, e.g. "zh-CN", "zh-HK", "en"
    meta: FrontMatter
    tokens: tuple[Token, ...]
    body_line: int  # 1-based line of the first body line in the source file
    summary_tokens: tuple[Token, ...] | None  # tokens before <!--more-->, if present
    stem: str  # file name without language suffix and extension (slug fallback)
    section: str  # folder under content/, e.g. "posts" or "topics/五大举措"
    translation_of: str = ""  # for `a.zh-tw.md`: the source of `a.md`; "" otherwise
    # When the build defers Markdown parsing to the render workers, `tokens` is () and `body` (and
    # `summary_src`, the text before <!--more-->) keep the source; see memo.TextMemo.tokens_of.
    # `body` is None for an article an incremental build kept from the previous build's model
    # without reading its text (incremental/skeleton.py): no page of it is rendered, and what other
    # pages show of it comes from that build's records.
    body: str | None = ""
    summary_src: str | None = None


@dataclass(frozen=True)
class Term:
    """A tag or category, folded across scripts: 软件 and 軟體 are one term."""

    taxonomy: str  # "tags" | "categories"
    key: str  # folded Simplified, lower-cased
    slug: str
    name: str  # display name as first written (sources sorted by path)
    sources: tuple[str, ...]  # documents that carry it, newest first


@dataclass(frozen=True)
class Output:
    """One file of the built site: path relative to the output folder (posix) and its bytes."""

    path: str
    data: bytes


@dataclass(frozen=True)
class SearchDoc:
    """One searchable page, with its display data for every edition (keyed by `Edition.key`)."""

    kind: str  # "article" | "topic" | "collection" | "term"
    date: str  # "YYYY-MM-DD" or ""
    url: dict[str, str] = field(default_factory=dict)  # root-relative path without leading "/"
    title: dict[str, str] = field(default_factory=dict)
    summary: dict[str, str] = field(default_factory=dict)
    tags: dict[str, tuple[str, ...]] = field(default_factory=dict)
    text: dict[str, str] = field(default_factory=dict)  # plain body text
