"""What an incremental render reuses: its inputs and outputs (`Incremental`), the keys of phase-2 jobs,
carrying a job over, and rebuilding the topics' mention lists from the previous build's."""

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
from ..model import SearchDoc, Site
from .job import Job
from .rows import _get_rows, _put_rows, _Row


@dataclass
class Incremental:
    """An incremental render's inputs and what it hands back to the build (incremental.py)."""

    global_sig: bytes
    entry_sigs: dict[str, bytes]  # entry source → body signature
    previous: RenderState | None = None  # None: render every job, and record keys for the next build
    state: RenderState | None = None  # out: the keys and memos of this build
    kept: list[str] = field(default_factory=list)  # out: outputs of jobs not run (they stand as they are)
    search_docs: dict[str, SearchDoc] = field(default_factory=dict)  # out: records of the jobs run
    kept_rows: set[bytes] = field(default_factory=set)  # out: cache rows the kept jobs used when they ran
    ran: int = 0  # out: jobs run
    reused: int = 0  # out: jobs kept


class _LazySummaries(dict[str, str]):
    """An edition's article summaries where the kept articles' come from their pickled memos, read
    only when a page that is rendered shows them."""

    def __init__(self, edition: int, memos: dict[str, bytes]):
        super().__init__()
        self.edition = edition
        self.memos = memos

    def __missing__(self, source: str) -> str:
        blob = self.memos.get(source)
        if blob is None:
            raise KeyError(source)
        value: str = pickle.loads(blob).summaries[self.edition]
        self[source] = value
        return value

    def get(self, source: str, default: Any = None) -> Any:  # type: ignore[override]
        try:
            return self[source]
        except KeyError:
            return default


def _merged_rows(site: Site, prev: RenderState, state: RenderState, store: Store, todo: list[int],
                 found_by: dict[int, list[tuple[str, Any, str]]], affected: set[str] | None,
                 same: set[str]) -> dict[str, list[_Row]]:
    """The mention rows of the topics keyed again (`affected`; None: all), from the previous
    build's lists without the articles rendered again (`todo`) and those articles' new mentions, in
    article order. The lists of the other topics are carried into `state` unread. The topics whose
    rows are the same documents' same passages as before, in the same order, are added to `same`."""
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
            old = rows
            rows = [r for r in rows if r[0] not in changed]
            for art, group in itertools.groupby(fresh.get(topic, []), key=lambda r: r[0]):
                at = bisect.bisect_left(rows, order[art], key=lambda r: order[r[0]])
                rows[at:at] = group
            if len(rows) == len(old) and all(
                    a[:3] == b[:3] for a, b in zip(rows, old, strict=True)):
                same.add(topic)
                state.mentions[topic] = prev.mentions[topic]  # (its line numbers, which no page shows, may be stale)
            else:
                state.mentions[topic] = _put_rows(store, rows)
        else:
            same.add(topic)
            state.mentions[topic] = prev.mentions[topic]
        if rows:
            out[topic] = rows
    return out


def _affected_topics(site: Site, inc: Incremental, prev: RenderState, todo: list[int],
                     found_by: dict[int, list[tuple[str, Any, str]]]
                     ) -> tuple[set[str], dict[str, int], set[str]] | None:
    """(the topics whose pages must be keyed again, every topic's mention count, those of them
    whose own text or siblings' counts changed), from the previous state and the articles rendered
    again (`todo`, whose mentions are in `found_by`), or None when the previous state cannot tell
    (then every topic is keyed)."""
    delta: dict[str, int] = defaultdict(int)
    affected: set[str] = set()
    for i in todo:
        old = prev.articles.get(site.articles[i].source)
        if old is None:
            return None
        for topic, n in pickle.loads(old[1]).counts:
            delta[topic] -= n
            affected.add(topic)
        for _d, _p, topic in found_by.get(i, ()):
            delta[topic] += 1
            affected.add(topic)
    counts: dict[str, int] = {}
    moved: set[str] = set()
    for t in site.topics:
        src = t.entry.source
        pm = prev.topics.get(src)
        if pm is None or any(k not in prev.jobs for k in pm.jobs):
            return None
        counts[src] = pm.count + delta.get(src, 0)
        if pm.entry_sig != inc.entry_sigs[src]:
            moved.add(src)
    for c in site.collections:  # a topic's first page shows its siblings' counts
        for t in c.topics:
            if counts[t.entry.source] != prev.topics[t.entry.source].count:
                moved.update(o.entry.source for o in c.topics if o.group == t.group)
    return (affected | moved) & set(counts), counts, moved & set(counts)


def _carry(prev: RenderState, state: RenderState, key: bytes, inc: Incremental) -> None:
    """A job not run: its outputs stand, and the cache rows it used stay in use."""
    state.jobs[key] = prev.jobs[key]
    inc.kept.extend(prev.jobs[key])
    keys = prev.store_keys.get(key, ())
    state.store_keys[key] = keys
    inc.kept_rows.update(keys)


class _ShownSigs(dict[str, bytes]):
    """What a phase-2 page reads of an entry, beyond the global signature: of an article, its memo
    (summaries, mention counts, passages: `ArticleMemo`; phase 2 reads nothing else of a kept
    article), or with `summaries` only its summaries (all a list page or a feed shows of it); of
    any other entry (a section's intro, a topic, a collection), its body signature."""

    def __init__(self, articles: dict[str, tuple[bytes, bytes]], entry_sigs: dict[str, bytes], summaries: bool):
        super().__init__()
        self.articles = articles
        self.entry_sigs = entry_sigs
        self.summaries = summaries

    def __missing__(self, source: str) -> bytes:
        got = self.articles.get(source)
        if got is None:
            sig = self.entry_sigs[source]
        elif self.summaries:
            sig = hashlib.blake2b(repr(pickle.loads(got[1]).summaries).encode("utf-8", "surrogatepass"),
                                  digest_size=16).digest()
        else:
            sig = hashlib.blake2b(got[1], digest_size=16).digest()
        self[source] = sig
        return sig


def _job_key(job: Job, edition: int, inc: Incremental, sigs: dict[str, bytes]) -> bytes:
    """Everything a phase-2 job reads beyond the global signature (see `Job`); `sigs`: `_ShownSigs`."""
    h = hashlib.blake2b(digest_size=20)
    h.update(inc.global_sig)
    h.update(repr((job.fn.__name__, edition, job.ident, job.extra)).encode("utf-8", "surrogatepass"))
    h.update(b"".join([sigs[e.source] for e in job.entries]))
    return h.digest()
