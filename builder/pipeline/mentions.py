"""Topic mentions: one multi-pattern pass over each document finds every passage that mentions any
topic's aliases, in either script."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import ahocorasick_rs

from ..incremental.store import Store, digest
from ..model import Entry, Site, Topic
from ..model.documents import Document
from ..text.markdown import Passage, passages
from ..text.memo import TextMemo
from ..text.opencc import ScriptFold, opencc_converter


def alias_forms(alias: str, fold: ScriptFold) -> set[str]:
    """An alias written in either script matches text in both: its Simplified fold plus the
    Traditional forms OpenCC would produce (Taiwan phrases, plain Traditional, Hong Kong)."""
    base = fold(alias)
    forms = {alias, base}
    for cfg in ("s2twp", "s2t", "s2hk"):
        forms.add(opencc_converter(cfg).convert(base))
    return {f for f in forms if f.strip()}


@dataclass(frozen=True)
class Matcher:
    """Every alias form of every topic in one Aho–Corasick automaton: one pass over a text finds
    all mentions, leftmost-longest and non-overlapping, whatever the number of topics."""

    automaton: ahocorasick_rs.AhoCorasick
    topic_of: tuple[int, ...]  # pattern index → topic index

    def find(self, text: str) -> list[tuple[int, int, int]]:
        """(start, end, topic index) in characters."""
        return [(s, e, self.topic_of[i]) for i, s, e in self.automaton.find_matches_as_indexes(text)]


def build_matcher(alias_lists: Sequence[Sequence[str]], store: Store | None = None) -> Matcher | None:
    """With a `store`, the alias forms (OpenCC's conversions of every alias, a function of the
    aliases and the builder's libraries: cache.digest holds both) come from the cache when known."""
    key = digest("matcher-forms", tuple(tuple(a) for a in alias_lists)) if store is not None else None
    hit = store.get(key, tuple, count=False) if key is not None and store is not None else None
    if hit is not None and len(hit) == 2:
        forms, topics = hit
    else:
        topic_of: dict[str, int] = {}
        fold = ScriptFold()  # (this matcher's)
        for i, aliases in enumerate(alias_lists):
            for a in aliases:
                for form in sorted(alias_forms(a, fold)):
                    topic_of.setdefault(form, i)
        forms = tuple(sorted(topic_of))
        topics = tuple(topic_of[f] for f in forms)
        if key is not None and store is not None:
            store.put(key, (forms, topics))
    if not forms:
        return None
    automaton = ahocorasick_rs.AhoCorasick(list(forms), matchkind=ahocorasick_rs.MatchKind.LeftmostLongest)
    return Matcher(automaton, topics)


def matcher(topics: Sequence[Topic], store: Store | None = None) -> Matcher | None:
    """One per render (the store keeps the folded alias forms between builds)."""
    return build_matcher(tuple(t.aliases for t in topics), store)


@dataclass(frozen=True)
class Mention:
    entry: Entry
    doc: Document
    passage: Passage
    topic: str = ""  # the topic's source


def find_mentions(site: Site, unsafe_html: bool = False) -> dict[str, tuple[Mention, ...]]:
    """topic source → its mentions, newest article first, in passage order."""
    m = matcher(site.topics)
    out: dict[str, list[Mention]] = defaultdict(list)
    if m is None:
        return {}
    text = TextMemo(unsafe_html)
    for entry in site.articles:
        add_mentions(out, entry_mentions(site, entry, m, text))
        text.clear()
    return {k: tuple(v) for k, v in out.items()}


def entry_mentions(site: Site, entry: Entry, m: Matcher, text: TextMemo) -> list[Mention]:
    """One article's mentions, in the order `find_mentions` lists them (a parallel build computes
    these where the article is parsed, then merges them in article order)."""
    out = []
    docs = {id(d): d for _k, d in entry.docs}
    for doc in docs.values():
        for p, t in doc_mentions(doc, m, text):
            out.append(Mention(entry, doc, p, site.topics[t].entry.source))
    return out


def doc_mentions(doc: Document, m: Matcher, text: TextMemo) -> list[tuple[Passage, int]]:
    """(passage, topic index) for every topic each passage of one document mentions, in passage
    order. Depends only on the document's tokens and the matcher (the topics' aliases); `text`
    parses a document whose parsing was deferred."""
    out = []
    for p in passages(text.tokens_of(doc)):
        hit = {t for _s, _e, t in m.find(p.match_text)}
        for t in sorted(hit):
            out.append((p, t))
    return out


def add_mentions(out: dict[str, list[Mention]], found: Iterable[Mention]) -> None:
    for mention in found:
        out[mention.topic].append(mention)


def highlight_spans(text: str, m: Matcher, topic_index: int) -> list[tuple[str, bool]]:
    """Split text into (segment, is_mention_of_topic) for <mark> highlighting."""
    out: list[tuple[str, bool]] = []
    pos = 0
    for s, e, t in m.find(text):
        if t != topic_index:
            continue
        out.append((text[pos:s], False))
        out.append((text[s:e], True))
        pos = e
    out.append((text[pos:], False))
    return [(seg, hl) for seg, hl in out if seg]


def make_linker(m: Matcher, hrefs: Sequence[str | None]) -> Callable[[str], list[tuple[str, str | None]]]:
    """A Markdown text splitter that links the first mention of each topic (None href: skip)."""
    linked: set[int] = set()
    linkable = sum(h is not None for h in hrefs)

    def link(text: str) -> list[tuple[str, str | None]]:
        if len(linked) == linkable:  # every topic it may link is linked: nothing left to find
            return [(text, None)] if text else []
        out: list[tuple[str, str | None]] = []
        pos = 0
        for s, e, t in m.find(text):
            if t in linked or hrefs[t] is None:
                continue
            linked.add(t)
            out.append((text[pos:s], None))
            out.append((text[s:e], hrefs[t]))
            pos = e
        out.append((text[pos:], None))
        return [(seg, h) for seg, h in out if seg]

    return link
