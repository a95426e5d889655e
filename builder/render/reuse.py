"""What an incremental render reuses: its inputs and outputs (`Incremental`), which facts changed since
the previous build, carrying a job over, and the topics' mention lists rebuilt from the previous
build's.

A job of the previous build keeps its files when this build has the same global signature (else
there is no previous state) and none of the facts the job read (reads.py) changed. The facts that
changed are found where they are made, never beside the page functions:
- bodies: the entries whose body signature differs (`changed_bodies`), before anything renders;
- summaries and passages: the articles rendered again whose memo differs (site._record_article);
- the facts made from the topics' mentions (`topic_facts`): recomputed for the topics a changed
  article mentions, before or after, and compared with the previous build's digests (a page
  quoting a passage whose text changed has changed too);
- the links between a collection's articles (`graph_link_facts`): recomputed when any link
  between articles changed or the collection's mentions did.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import pickle
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ..incremental.state import RenderState
from ..incremental.store import Store
from ..model import Collection, SearchDoc, Site
from .plan import _Plan
from .reads import body_fact, count_fact, graph_links_fact, mentions_fact, topic_fact, topic_page_fact
from .rows import _get_rows, _put_rows, _Row
from .topic_pages import mention_pages, page_rows


@dataclass
class Incremental:
    """An incremental render's inputs and what it hands back to the build (pipeline/build.py)."""

    global_sig: bytes
    entry_sigs: dict[str, bytes]  # entry source → body signature
    previous: RenderState | None = None  # None: render every job, and record what each read for the next build
    state: RenderState | None = None  # out: the records of this build
    kept: list[str] = field(default_factory=list)  # out: outputs of jobs not run (they stand as they are)
    search_docs: dict[str, SearchDoc] = field(default_factory=dict)  # out: records of the jobs run
    kept_rows: set[bytes] = field(default_factory=set)  # out: cache rows the kept jobs used when they ran
    ran: int = 0  # out: jobs run
    reused: int = 0  # out: jobs kept


def job_id(fn: str, edition: str, ident: tuple[Any, ...]) -> str:
    """A job's name among all of a build's jobs: its page function, edition and identity."""
    return f"{fn}\x1f{edition}\x1f{ident!r}"


def changed_bodies(prev: RenderState, entry_sigs: dict[str, bytes]) -> set[str]:
    """The body facts of the entries whose Markdown changed since the previous build."""
    old = prev.entry_sigs
    return {body_fact(src) for src, sig in entry_sigs.items() if old.get(src) != sig}


def carry(prev: RenderState, state: RenderState, jid: str, inc: Incremental) -> None:
    """A job not run: its outputs stand, and the cache rows it used stay in use."""
    rec = state.jobs[jid] = prev.jobs[jid]
    inc.kept.extend(rec[1])
    inc.kept_rows.update(rec[2])
    inc.reused += 1


def _digest(value: Any) -> bytes:
    return hashlib.blake2b(repr(value).encode("utf-8", "surrogatepass"), digest_size=16).digest()


def topic_facts(plan: _Plan, topic: str, passages_changed: set[tuple[str, str, str]]
                ) -> tuple[dict[str, bytes], dict[tuple[str, str], int], set[str]]:
    """The digests of the facts made from a topic's mentions (reads.py), its pages per edition, and
    the pages quoting a passage whose text changed (`passages_changed`: (article, document,
    anchor)): changed whatever their digests say."""
    rows = plan.rows.get(topic, [])
    facts = {mentions_fact(topic): _digest([r[:3] for r in rows]), count_fact(topic): _digest(len(rows))}
    pages: dict[tuple[str, str], int] = {}
    moved: set[str] = set()
    for ctx in plan.ctxs:
        ed = ctx.edition.key
        shown = plan.shown_rows(ctx, topic)
        facts[topic_fact(ed, topic)] = _digest((len(shown), list(dict.fromkeys([r[0] for r in shown]))))
        n = pages[(ed, topic)] = mention_pages(len(shown))
        for k in range(1, n + 1):
            chunk = [r[:3] for r in page_rows(shown, k)]
            fact = topic_page_fact(ed, topic, k)
            facts[fact] = _digest(chunk)
            if passages_changed and not passages_changed.isdisjoint(chunk):
                moved.add(fact)
    return facts, pages, moved


# the digest of every article's links (not a fact any page reads: it tells whether any collection's
# `graph_links_fact` must be computed again)
_ALL_LINKS = "gl\x00"


def graph_link_facts(plan: _Plan, affected: set[str] | None, prev_facts: dict[str, bytes] | None) -> dict[str, bytes]:
    """The digests of the collections' `graph_links_fact` that may have changed since the build that
    recorded `prev_facts` (None: no previous build; `affected`: the topics whose mentions may have
    changed, None: all): every collection's when a link changed anywhere, else those of the
    collections with an affected topic (their articles may have changed). Plus `_ALL_LINKS`."""
    if not plan.config.knowledge.graph:
        return {}
    whole = _digest(sorted((a, [lk.target for lk in links]) for a, links in plan.links.outgoing.items()))
    every = prev_facts is None or affected is None or prev_facts.get(_ALL_LINKS) != whole
    todo: list[Collection] = [c for c in plan.site.collections
                              if every or (affected is not None and any(t.entry.source in affected for t in c.topics))]
    facts = {graph_links_fact(c.entry.source): _digest(sorted(plan.links_among(c).items())) for c in todo}
    facts[_ALL_LINKS] = whole
    return facts


def affected_topics(site: Site, prev: RenderState, todo: list[int],
                    found_by: dict[int, list[tuple[str, Any, str]]]) -> set[str] | None:
    """The topics whose mentions may have changed: those the articles rendered again (`todo`, whose
    mentions are in `found_by`) mention now or mentioned before; None when the previous state
    cannot tell (then every topic's are rebuilt)."""
    affected: set[str] = set()
    for i in todo:
        old = prev.articles.get(site.articles[i].source)
        if old is None:
            return None
        affected.update(topic for topic, _n in pickle.loads(old).counts)
        affected.update(topic for _d, _p, topic in found_by.get(i, ()))
    if any(t.entry.source not in prev.counts for t in site.topics):
        return None
    return affected


def merged_rows(site: Site, prev: RenderState, state: RenderState, store: Store, todo: list[int],
                found_by: dict[int, list[tuple[str, Any, str]]], affected: set[str] | None) -> dict[str, list[_Row]]:
    """The mention rows of the `affected` topics (None: all), from the previous build's lists
    without the articles rendered again (`todo`) and those articles' new mentions, in article
    order. The other topics' lists are carried into `state` unread (`_Plan.topic_rows` reads one
    when a job needs it)."""
    order = {e.source: i for i, e in enumerate(site.articles)}
    changed = {site.articles[i].source for i in todo}
    fresh: dict[str, list[_Row]] = defaultdict(list)
    for i in todo:
        src = site.articles[i].source
        for doc_src, p, topic in found_by.get(i, ()):
            fresh[topic].append((src, doc_src, *p))
    out: dict[str, list[_Row]] = {}
    for t in site.topics:
        topic = t.entry.source
        if affected is not None and topic not in affected:
            state.mentions[topic] = prev.mentions[topic]
            continue
        rows = _get_rows(store, prev.mentions[topic])
        if topic in fresh or any(r[0] in changed for r in rows):
            # the fresh rows, in article order already, go in where their article belongs (the list
            # is in article order): a few binary searches, not a sort of thousands of rows
            rows = [r for r in rows if r[0] not in changed]
            for art, group in itertools.groupby(fresh.get(topic, []), key=lambda r: r[0]):
                at = bisect.bisect_left(rows, order[art], key=lambda r: order[r[0]])
                rows[at:at] = group
            state.mentions[topic] = _put_rows(store, rows)
        else:
            state.mentions[topic] = prev.mentions[topic]
        out[topic] = rows
    return out
