"""What every page of one edition shares: `Ctx`, its per-edition memo, and the build's converters.

A `Ctx` is made per edition by `edition.py` and passed explicitly to every page function; nothing
here is module-level state. `Converters` belongs to one render (one build) and is shared by its
editions' contexts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from typing import Any

from ..config import SiteConfig
from ..images import ImageTable
from ..images.table import EMPTY
from ..model import Document, Edition, Entry, Site, Term
from ..text.convert import make_converter
from ..text.html import Rendered
from ..text.markdown import CJK_RE
from ..text.memo import TextMemo
from ..text.opencc import Convert, ScriptFold
from .reads import Reads
from .rows import _Row

ROOT_MARK = "\x1e"  # stands for "the current page's relative root" in shared fragments


def doc_converter(doc: Document, edition: Edition, config: SiteConfig) -> Convert:
    """A new converter of the document's text into the edition's script (a render reuses its own:
    `Converters.doc`)."""
    return make_converter(doc.lang, edition, config.glossary + doc.meta.glossary)


class Converters:
    """The converters one render uses, each made once: for documents, by (language, edition,
    glossary), and for the site's own words and terms, by (edition, site glossary); the render's
    Simplified fold (`fold`), work memo (`text`: what its current unit of work parsed and
    converted) and the facts its current job read (`reads`). Owned by one render and shared by its
    editions' contexts (and inherited by its forked workers)."""

    def __init__(self, text: TextMemo) -> None:
        self.text = text
        self.reads = Reads()
        self.fold = ScriptFold()
        self._docs: dict[tuple[Any, ...], Convert] = {}
        self._terms: dict[tuple[Any, ...], Convert] = {}
        # the force layouts of global graphs, by shape (node count, edges, box): both editions
        # draw a collection's graph with the same shape (graph/layout.py), and one layout costs
        # ~40 ms; the second edition's page reuses it when the same process renders both
        self.layouts: dict[tuple[Any, ...], tuple[tuple[int, int], ...]] = {}

    def doc(self, doc: Document, edition: Edition, config: SiteConfig) -> Convert:
        key = (doc.lang, edition, config.glossary + doc.meta.glossary)
        conv = self._docs.get(key)
        if conv is None:
            conv = self._docs[key] = doc_converter(doc, edition, config)
        return conv

    def terms(self, edition: Edition, config: SiteConfig) -> Convert:
        """Terms, topic aliases, group names and the site's own strings (written in any script)."""
        key = (edition, config.glossary)
        conv = self._terms.get(key)
        if conv is None:
            conv = self._terms[key] = make_converter("zh-CN", edition, config.glossary)
        return conv

    def term_name(self, name: str, edition: Edition, config: SiteConfig) -> str:
        """A term is shown in each edition's script: 软件 / 軟體, whichever script it was written in."""
        if not CJK_RE.search(name):
            return name
        return self.terms(edition, config)(self.fold(name))

    def title(self, doc: Document, edition: Edition, config: SiteConfig) -> str:
        """A document's title in the edition's script."""
        return self.text.convert_known(self.doc(doc, edition, config), doc.meta.title or doc.stem)


@dataclass(frozen=True)
class _TopicBase:
    """What every page of one topic shows, in one edition."""

    rendered: Rendered
    title: str
    index: int
    shown: int  # the mentions this edition shows
    related: list[Entry]
    aliases: list[str]
    description: str
    top_tags: list[tuple[str, str]]
    pages: int


@dataclass
class EditionMemo:
    """What the pages of one edition compute alike, computed once: one field per kind. Filled as
    pages render (in the main process and, separately, in each forked worker); cleared when the
    pages are done."""

    titles: dict[str, str] = field(default_factory=dict)  # document source → its title (`_ctx_title`)
    # (taxonomy, document source) → (name, page path) of each of its terms (`_term_pairs`)
    term_pairs: dict[tuple[str, str], list[tuple[str, str]]] = field(default_factory=dict)
    term_index: dict[str, dict[str, Term]] = field(default_factory=dict)  # taxonomy → term key → term
    # (document source, anchor) → a mentioned passage converted, as topic pages quote it (`_quote`)
    passages: dict[tuple[str, str], str] = field(default_factory=dict)
    quoted: dict[str, str] = field(default_factory=dict)  # page path → quoted (`PageUrl`)
    site_vars: dict[str, Any] | None = None  # the site's title, description… converted (`_site_vars`)
    menu: list[tuple[Any, str]] | None = None  # (menu item, name converted) (`_menu_names`)
    body_key: bytes | None = None  # what every article body's cache key shares (`_body_key`)
    shown_rows: dict[str, list[_Row]] = field(default_factory=dict)  # topic → the mentions shown (`_Plan`)
    translated: frozenset[str] | None = None  # the articles with a translation (`_translated`)
    topic_bases: dict[str, _TopicBase] = field(default_factory=dict)  # topic → `_topic_base`
    topic_texts: dict[str, tuple[Rendered, list[str], str]] = field(default_factory=dict)  # `_topic_text`
    rss_items: dict[str, str] = field(default_factory=dict)  # article source → its feed item (feeds.py)

    def clear(self) -> None:
        """Let go of everything (the pages are done)."""
        fresh = EditionMemo()
        for f in fields(self):
            setattr(self, f.name, getattr(fresh, f.name))


@dataclass(frozen=True)
class Ctx:
    """Everything a page render needs for one edition; shared by all pages of that edition."""

    site: Site
    config: SiteConfig
    edition: Edition
    strings: dict[str, str]
    widgets: dict[str, str]  # name → pre-rendered HTML with ROOT_MARK
    term_names: dict[tuple[str, str], str]  # (taxonomy, key) → display name in this edition
    topic_names: dict[str, str]  # topic source → title in this edition
    build_date: dt.datetime
    summaries: dict[str, str]  # article source → summary in this edition, filled as articles render (`Summaries`)
    converters: Converters  # the render's (shared by its editions)
    memo: EditionMemo = field(default_factory=EditionMemo)
    images: ImageTable = EMPTY  # the build's resized images (images/)

    def path(self, page: str) -> str:
        return (self.edition.prefix + "/" + page) if self.edition.prefix else page

    def doc_conv(self, doc: Document) -> Convert:
        """The converter of a document's text into this edition's script."""
        return self.converters.doc(doc, self.edition, self.config)

    @property
    def text(self) -> TextMemo:
        """The render's work memo (parses and conversions of the current unit of work)."""
        return self.converters.text

    @property
    def reads(self) -> Reads:
        """The facts the job being run has read (reads.py)."""
        return self.converters.reads

    def term_conv(self) -> Convert:
        """The converter of the site's own words (terms, aliases, groups, title) into this edition."""
        return self.converters.terms(self.edition, self.config)


def _ctx_title(ctx: Ctx, doc: Document) -> str:
    """A document's title in this edition, memoised (it shows on many list and topic pages)."""
    t = ctx.memo.titles.get(doc.source)
    if t is None:
        t = ctx.memo.titles[doc.source] = ctx.converters.title(doc, ctx.edition, ctx.config)
    return t


def _translated(ctx: Ctx) -> frozenset[str]:
    """The articles with a translation: only their mentions can differ between editions."""
    got = ctx.memo.translated
    if got is None:
        got = ctx.memo.translated = frozenset(
            e.source for e in ctx.site.articles if any(d is not e.canonical for _k, d in e.docs))
    return got
