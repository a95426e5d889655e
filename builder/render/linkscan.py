"""The render's link index (knowledge/links.py), made before any page renders: an article page shows
the links into it, so every article's links must be known before the first article renders.

Each article's links are found in its canonical document's text (`Scanner`: its blocks parsed, the
inline runs that may hold an internal link too), only when its text may hold one (`may_link`), and
cached by text (`Store`); a kept article (its text not
loaded: incremental/skeleton.py) has the links the previous build recorded (`RenderState.links`).
With a previous state, the targets whose incoming links changed are returned as facts
(`links_fact`): their pages render again, in every edition, and no other page does; a kept
article among them needs its text loaded (`LinkScan.stale`: the build asks the session for it).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from ..config import SiteConfig
from ..incremental.state import RenderState
from ..incremental.store import Store, digest
from ..knowledge.links import EMPTY, LinkIndex, RawLink, Scanner, link_index, may_link, raw_links, resolver
from ..model import Document, Site
from .reads import links_fact


@dataclass(frozen=True)
class LinkScan:
    """The link index of a build and what the render records of it for the next one."""

    index: LinkIndex
    raw: dict[str, tuple[RawLink, ...]]  # article source → its links as written (RenderState.links)
    facts: dict[str, bytes]  # target → digest of the links into it (RenderState.link_facts)
    changed: set[str]  # the facts (`links_fact`) of the targets whose links changed since the previous build
    stale: frozenset[str]  # the articles among those targets whose text this build did not load


def index_links(site: Site, config: SiteConfig, store: Store | None, prev: RenderState | None) -> LinkScan:
    """The link index, and what changed since `prev` (None: no previous build to compare with).
    Nothing is scanned when neither backlinks nor graphs are on (previews show no links): a site
    with the knowledge features off does not pay for them."""
    if not (config.knowledge.backlinks or config.knowledge.graph):
        return LinkScan(EMPTY, {}, {}, set(), frozenset())
    scanner = Scanner(config.unsafe_html, config.base_url)
    raw: dict[str, tuple[RawLink, ...]] = {}
    for a in site.articles:
        doc = a.canonical
        if doc.body is None:  # kept from the previous build: its links were recorded then
            if prev is None:
                raise RuntimeError(f"{doc.source}: its text was not loaded and no previous build recorded its links")
            found = prev.links.get(a.source, ())
        else:
            found = _doc_links(doc, config, scanner, store)
        if found:
            raw[a.source] = found
    index = link_index(site, resolver(site, config.base_url, (e.prefix for e in config.editions)), raw)
    facts = {t: _digest(links) for t, links in index.incoming.items()}
    targets: set[str] = set()
    if prev is not None:
        targets = {t for t in facts.keys() | prev.link_facts.keys() if facts.get(t) != prev.link_facts.get(t)}
    entries = site.index
    stale = frozenset(t for t in targets if t in entries and entries[t].kind == "article"
                      and any(d.body is None for _k, d in entries[t].docs))
    return LinkScan(index, raw, facts, {links_fact(t) for t in targets}, stale)


def _doc_links(doc: Document, config: SiteConfig, scanner: Scanner, store: Store | None) -> tuple[RawLink, ...]:
    """A document's links as written (scanned only when its text may hold an internal link)."""
    if doc.tokens:  # parsed up front (tests)
        return raw_links(doc.tokens)
    assert doc.body is not None
    if not may_link(doc.body, config.base_url):
        return ()
    if store is None:
        return scanner.links(doc.body, doc.meta.mathjax)
    key = digest("links", doc.body, config.unsafe_html, config.base_url, doc.meta.mathjax)
    hit = store.get(key, tuple, count=False)  # (the hit counts are the documents')
    if hit is not None:
        return hit
    found = scanner.links(doc.body, doc.meta.mathjax)
    store.put(key, found)
    return found


def _digest(links: object) -> bytes:
    return hashlib.blake2b(repr(links).encode("utf-8", "surrogatepass"), digest_size=16).digest()
