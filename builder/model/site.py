"""The derived site: page identities (entries), topics, collections and the site model."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .documents import Document, Term

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Entry:
    """One page identity (a source and its human translations), published in every edition."""

    source: str  # the canonical source file
    kind: str  # article | section | collection | topic
    path: str  # page path within an edition, e.g. "posts/a/"
    docs: tuple[tuple[str, Document], ...]  # edition key → the document that edition renders
    canonical: Document  # the source the page's identity, URL, date and terms come from

    def doc(self, edition_key: str) -> Document:
        for k, d in self.docs:
            if k == edition_key:
                return d
        raise KeyError(edition_key)

    @property
    def date(self) -> dt.datetime | None:
        return self.canonical.meta.date

    @property
    def sort_time(self) -> dt.datetime:
        return self.canonical.meta.date or _EPOCH


@dataclass(frozen=True)
class Topic:
    entry: Entry
    collection: str  # the collection's folder name
    group: str
    weight: int
    aliases: tuple[str, ...]  # as written (any script)


@dataclass(frozen=True)
class Collection:
    entry: Entry
    name: str  # folder name
    groups: tuple[str, ...]
    topics: tuple[Topic, ...]


@dataclass(frozen=True)
class Site:
    config: object  # SiteConfig (kept loose to avoid an import cycle in type checkers)
    articles: tuple[Entry, ...]  # published articles, newest first
    sections: tuple[Entry, ...]
    collections: tuple[Collection, ...]
    topics: tuple[Topic, ...]
    terms: tuple[tuple[str, tuple[Term, ...]], ...]  # taxonomy → terms sorted by key
    redirects: tuple[tuple[str, str], ...]  # alias page path → target page path
    resources: tuple[tuple[str, str], ...]  # output path within an edition → source path
    index: dict[str, Entry] = field(default_factory=dict)  # source → entry, for link resolution
    weighted: bool = False  # some article has a weight (lists then put weighted pages first)
    # (document, the document shown in its place): a page's documents no edition shows (derive.py)
    unshown: tuple[tuple[str, str], ...] = ()

    def all_entries(self) -> tuple[Entry, ...]:
        return (*self.articles, *self.sections, *(c.entry for c in self.collections), *(t.entry for t in self.topics))

    def taxonomy(self, name: str) -> tuple[Term, ...]:
        for k, terms in self.terms:
            if k == name:
                return terms
        return ()
