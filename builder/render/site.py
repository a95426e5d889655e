"""`render_site`: a whole render, phase by phase (each phase is a function below, in run order)."""

from __future__ import annotations

import datetime as dt
import pickle
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from ..config import SiteConfig
from ..errors import BuildError, BuildFailed
from ..images import ImageTable
from ..images.table import EMPTY
from ..incremental.pagecache import PageCache
from ..incremental.state import ArticleMemo, RenderState
from ..incremental.store import Store, digest
from ..model import Edition, Output, SearchDoc, Site
from ..pipeline.mentions import matcher
from ..pipeline.parallel import run_chunks
from ..text.memo import TextMemo
from .backlinks import backlinks_pages
from .context import Converters, Ctx
from .edition import _edition_ctx
from .env import environment, template_error
from .feeds import sitemap
from .graph_views import graph_pages
from .job import Job, _Result
from .linkscan import LinkScan, index_links
from .other_pages import _static_files
from .page_jobs import _rest_jobs
from .plan import _Plan
from .reads import SITEMAP_EXTRA, Counts, Summaries, summary_fact
from .reuse import (
    Incremental,
    affected_topics,
    carry,
    changed_bodies,
    graph_link_facts,
    job_id,
    merged_rows,
    topic_facts,
)
from .rows import _old_passages, _put_passages, _put_rows, _Row

# fewer articles or other pages than these render in the main process: forking a large build's
# process for them costs more than the work (an edited article and the few pages that show it)
SERIAL_ARTICLES = 4
SERIAL_JOBS = 64

_Found = list[tuple[str, Any, str]]  # an article's mentions: (document source, (anchor, text, line), topic)


@dataclass
class _Run:
    """One render's progress, handed from phase to phase (main process only)."""

    plan: _Plan
    inc: Incremental | None
    prev: RenderState | None  # incremental: the previous build's state, when this build can use it
    state: RenderState | None  # incremental: this build's state, filled as jobs are run or carried
    search_docs: dict[str, SearchDoc] = field(default_factory=dict)
    failed: dict[int, BuildError] = field(default_factory=dict)  # edition index → its first error
    found_by: dict[int, _Found] = field(default_factory=dict)  # article index → its mentions (rendered ones)
    # incremental: the facts (reads.py) that changed since the previous build; a job that read
    # none of them keeps its files
    changed: set[str] = field(default_factory=set)
    shown_changed: set[str] = field(default_factory=set)  # the articles rendered again whose memo changed
    passages_changed: set[tuple[str, str, str]] = field(default_factory=set)  # (article, document, anchor)
    links_changed: set[str] = field(default_factory=set)  # the targets whose incoming links changed (facts)


def render_site(site: Site, config: SiteConfig, build_date: dt.datetime,
                search_builder: Callable[[Sequence[SearchDoc], Sequence[Edition]], list[Output]] | None = None,
                timings: dict[str, float] | None = None, jobs: int = 1, store: Store | None = None,
                incremental: Incremental | None = None, images: ImageTable = EMPTY,
                links: LinkScan | None = None) -> Iterator[Output]:
    """Yield every output file. Raises BuildFailed with every template error found.

    Pages render in two phases: (1) article pages, which also parse the Markdown (when `load`
    deferred it), find topic mentions and record summaries; (2) every other page, which needs those
    summaries and mentions. With a `store` (cache.py), each document's mentions and each article
    body's rendering per edition are reused when every input they are computed from is unchanged.
    With `jobs` > 1 each phase runs in forked worker processes (see parallel.py); results are merged
    in page order, so the output is byte-identical to `jobs=1`.

    With `incremental`, every job gets a key (incremental.py); jobs whose key the previous build
    recorded are not run and their outputs are listed in `incremental.kept`; the search records of
    the jobs that ran are handed back in `incremental.search_docs` (the caller updates the index).
    `links`: the link index as the build made it (linkscan.py; None: made here).
    """
    run = _start(site, config, build_date, store, incremental, images)  # (images: the resized ones, images/)
    _index_links(run, links)
    _key_articles(run)
    yield from _render_articles(run, jobs)
    _gather_mentions(run)
    _key_rest(run)
    yield from _render_rest(run, jobs)
    yield from _site_files(run)
    inc = incremental
    if inc is not None:
        inc.state = run.state
        inc.search_docs = run.search_docs
        return
    if search_builder is not None:
        t0 = time.perf_counter()
        docs = [run.search_docs[k] for k in sorted(run.search_docs)]
        yield from search_builder(docs, config.editions)
        if timings is not None:
            timings["search"] = time.perf_counter() - t0


def _start(site: Site, config: SiteConfig, build_date: dt.datetime, store: Store | None,
           inc: Incremental | None, images: ImageTable = EMPTY) -> _Run:
    """The templates, each edition's context and the plan; with `inc`, the previous state if this
    build can use it (else `inc.previous` becomes None: the caller sees that every job ran)."""
    env = environment(config.root, keep_compiled=store is not None)
    if store is not None:
        env.tongwen_pages = PageCache(store, config.root)  # type: ignore[attr-defined]
    prev = inc.previous if inc is not None else None
    if prev is not None and inc is not None and (prev.global_sig != inc.global_sig or store is None):
        prev = inc.previous = None  # (the session gives none: incremental.session.Session.keys)
    ctxs = _contexts(site, config, env, build_date, store, inc, prev, TextMemo(config.unsafe_html), images)
    plan = _Plan(site, config, ctxs, env, matcher(site.topics, store), store=store,
                 matcher_sig=digest("matcher", tuple(t.aliases for t in site.topics)),  # matcher()'s input
                 global_sig=inc.global_sig if inc is not None else None)  # (for caches keyed by what a page reads)
    return _Run(plan, inc, prev, RenderState(inc.global_sig) if inc is not None else None)


def _contexts(site: Site, config: SiteConfig, env: jinja2.Environment, build_date: dt.datetime,
              store: Store | None, inc: Incremental | None, prev: RenderState | None,
              text: TextMemo, images: ImageTable = EMPTY) -> tuple[Ctx, ...]:
    """Each edition's context; BuildFailed if a widget template fails."""
    # a kept article's summary is read from its memo when a page that is rendered shows it
    blobs = prev.articles if prev is not None else None
    converters = Converters(text)
    ctxs = []
    for k, edition in enumerate(config.editions):
        try:
            ctxs.append(_edition_ctx(site, config, edition, env, build_date,
                                     Summaries(converters.reads, k, blobs), converters,
                                     store if inc is not None else None,
                                     inc.global_sig if inc is not None else b"", images))
        except (jinja2.TemplateError, TypeError, AttributeError, ValueError, KeyError) as exc:
            err = template_error(exc, config.root)
            if err.where.path == "templates" and not isinstance(exc, jinja2.TemplateError):
                raise
            raise BuildFailed([err]) from None
    return tuple(ctxs)


def _index_links(run: _Run, scan: LinkScan | None) -> None:
    """Every article's links, before any page renders (an article page shows the links into it)."""
    plan = run.plan
    scan = scan or index_links(plan.site, plan.config, plan.store, run.prev)
    plan.links = scan.index
    run.links_changed = scan.changed if run.prev is not None else set()
    if run.state is not None:
        run.state.links, run.state.link_facts = scan.raw, scan.facts


def _key_articles(run: _Run) -> None:
    """Phase 1's jobs, both editions of one article per job (`plan.todo`): every article, or with
    a previous state, those whose record is missing or read a body that changed (the others are
    carried over)."""
    plan, inc, prev, state = run.plan, run.inc, run.prev, run.state
    todo = list(range(len(plan.site.articles)))
    if inc is not None:
        assert state is not None
        state.entry_sigs = inc.entry_sigs
        run.changed = changed_bodies(prev, inc.entry_sigs) | run.links_changed if prev is not None else set()
        todo = []
        for i, entry in enumerate(plan.site.articles):
            jid = job_id("article", "", (entry.source,))
            rec = prev.jobs.get(jid) if prev is not None else None
            if rec is not None and prev is not None and run.changed.isdisjoint(rec[0]) and jid not in state.jobs:
                # its memo is unpickled only if a page that is rendered shows its summary
                # (`Summaries`); its mentions are kept per topic (`reuse.merged_rows`)
                state.articles[entry.source] = prev.articles[entry.source]
                carry(prev, state, jid, inc)
            else:
                todo.append(i)
                plan.job_ids[i] = jid
    plan.todo = todo


def _render_articles(run: _Run, jobs: int) -> Iterator[Output]:
    """Phase 1: the article pages, their mentions and summaries (and, incremental, their memos)."""
    plan = run.plan
    for res in run_chunks(len(plan.todo), plan.articles, jobs, chunk=16, serial_below=SERIAL_ARTICLES):
        yield from _merge(res, plan, run.failed, run.search_docs)
        for i, found in res.mentions:
            run.found_by[i] = found
        if run.state is not None:
            for i, paths in res.paths.items():
                _record_article(run, res, i, paths)


def _record_article(run: _Run, res: _Result, i: int, paths: list[str]) -> None:
    """An article rendered (incremental): its memo and job into the state, and which of the facts
    other pages read of it (its summaries, its mentioned passages) changed."""
    plan, prev, state, store = run.plan, run.prev, run.state, run.plan.store
    assert state is not None
    entry = plan.site.articles[i]
    found = next((f for j, f in res.mentions if j == i), [])
    memo = ArticleMemo(tuple(c.summaries[entry.source] for c in plan.ctxs),
                       tuple(sorted(Counter(topic for _s, _p, topic in found).items())),
                       _put_passages(store, found) if store is not None else b"")
    # pickled apart: saving the state copies the other articles' bytes, not their objects
    blob = pickle.dumps(memo, protocol=5)
    old = prev.articles.get(entry.source) if prev is not None else None
    # (equal bytes, equal memo: a false "changed" only costs; without a previous state
    # nothing is carried, so nothing is compared)
    if prev is not None and (old is None or old != blob):
        run.shown_changed.add(entry.source)
        was = pickle.loads(old) if old is not None else None
        if was is None or was.summaries != memo.summaries:
            run.changed.add(summary_fact(entry.source))
        if was is None or was.passages != memo.passages:
            before = _old_passages(store, was)
            run.passages_changed.update((entry.source, d, p[0]) for d, p, _t in found
                                        if before.get((d, p[0])) != p[1])
    state.articles[entry.source] = blob
    jid = plan.job_ids[i]
    # (its passages' row stays in use while the article is kept, like the job's own rows)
    state.jobs[jid] = (_interned(res.reads.get(i, ())), tuple(paths), (*res.keys.get(i, ()), memo.passages))


def _interned(reads: tuple[str, ...]) -> tuple[str, ...]:
    """A job's facts as the one string object per fact the state holds (records from forked workers
    arrive as copies): the saved state names each fact once (10,000 articles: 22.8 → 17.9 MB)."""
    return tuple(map(sys.intern, reads))


def _gather_mentions(run: _Run) -> None:
    """Every topic's mention rows, counts and pages per edition; with a previous state, only the
    lists of the topics a changed article mentions (before or after) are rebuilt, and the facts
    made from them that changed join `run.changed`. An article whose memo is unchanged has the
    same mentions (the same passages, by anchor and text, and the same counts): the topics' lists
    keep its rows. Only their line numbers, which no page shows, may be stale."""
    plan, prev, state, store = run.plan, run.prev, run.state, run.plan.store
    site = plan.site
    affected: set[str] | None = None
    if prev is not None:
        assert state is not None and store is not None
        todo = [i for i in plan.todo if site.articles[i].source in run.shown_changed]
        affected = affected_topics(site, prev, todo, run.found_by)
        plan.rows = merged_rows(site, prev, state, store, todo, run.found_by, affected)
        plan.mention_keys = state.mentions
    else:
        _fresh_mentions(run)
    topics = [t.entry.source for t in site.topics]
    counts = {src: prev.counts[src] for src in topics} if prev is not None and affected is not None else {}
    if state is not None:
        state.facts = dict(prev.facts) if prev is not None and affected is not None else {}
        state.topic_pages = dict(prev.topic_pages) if prev is not None and affected is not None else {}
    plan.pages = state.topic_pages if state is not None else {}
    for src in (topics if affected is None else sorted(affected)):
        counts[src] = len(plan.topic_rows(src))
        facts, pages, moved = topic_facts(plan, src, run.passages_changed)
        plan.pages.update(pages)
        if state is not None:
            if prev is not None:
                run.changed.update(f for f, d in facts.items() if prev.facts.get(f) != d)
                run.changed.update(moved)
            state.facts.update(facts)
    plan.counts = Counts(plan.reads, counts)
    if state is not None:
        state.counts = counts
        # (after the topics' lists: a collection's articles are those mentioning its topics)
        graph = graph_link_facts(plan, affected, prev.facts if prev is not None else None)
        if prev is not None:
            run.changed.update(f for f, d in graph.items() if prev.facts.get(f) != d)
        state.facts.update(graph)


def _fresh_mentions(run: _Run) -> None:
    """Every topic's mention rows from the articles rendered (all of them); recorded in the state."""
    plan, state, store = run.plan, run.state, run.plan.store
    rows: dict[str, list[_Row]] = defaultdict(list)
    for i in sorted(run.found_by):
        src = plan.site.articles[i].source
        for doc_src, p, topic in run.found_by[i]:
            rows[topic].append((src, doc_src, *p))
    plan.rows = {t.entry.source: rows.get(t.entry.source, []) for t in plan.site.topics}
    if state is not None:
        assert store is not None
        state.mentions = {t.entry.source: _put_rows(store, plan.rows[t.entry.source]) for t in plan.site.topics}
        store.spill()  # the lists are not held in memory through the rest of the build


def _key_rest(run: _Run) -> None:
    """Phase 2's jobs (`plan.rest`): lists, terms, feeds, topics, redirects, 404 — per edition, in
    the serial order; with a previous state, those whose record is missing or read a fact that
    changed (the others are carried over)."""
    plan, inc, prev, state = run.plan, run.inc, run.prev, run.state
    plan.prev = prev
    rest = [(i, job) for i, ctx in enumerate(plan.ctxs) if i not in run.failed for job in _rest_jobs(plan, ctx)]
    if inc is not None:
        assert state is not None
        keep: list[tuple[int, Job]] = []
        changed = run.changed
        for i, job in rest:
            jid = job_id(job.fn.__name__, plan.ctxs[i].edition.key, job.ident)
            rec = prev.jobs.get(jid) if prev is not None else None
            if rec is not None and prev is not None and changed.isdisjoint(rec[0]) and jid not in state.jobs:
                carry(prev, state, jid, inc)
            else:
                keep.append((i, job))
                plan.rest_ids.append(jid)
        rest = keep
        inc.ran = len(plan.todo) + len(rest)
    plan.rest = rest


def _render_rest(run: _Run, jobs: int) -> Iterator[Output]:
    """Phase 2: every page but articles. Then the pages are done: BuildFailed if any failed."""
    plan, state = run.plan, run.state
    for res in run_chunks(len(plan.rest), plan.others, jobs, chunk=8, serial_below=SERIAL_JOBS):
        yield from _merge(res, plan, run.failed, run.search_docs)
        if state is not None:
            for j, paths in res.paths.items():
                state.jobs[plan.rest_ids[j]] = (_interned(res.reads.get(j, ())), tuple(paths), res.keys.get(j, ()))
    # the pages are done: let go of what they read now, before the search index is built (page
    # jobs refer back to the plan, a cycle the collector would free only much later)
    plan.rest, plan.rows = [], {}
    for ctx in plan.ctxs:
        ctx.memo.clear()
    if run.failed:
        raise BuildFailed([run.failed[i] for i in sorted(run.failed)])


def _site_files(run: _Run) -> Iterator[Output]:
    """The sitemap (carried over while the global signature stands), robots.txt, the static files
    and the site's resources (per edition)."""
    site, config, inc, prev, state = run.plan.site, run.plan.config, run.inc, run.prev, run.state
    jid = job_id("sitemap", "", ())
    # every page's path and date: the global signature; and the graph and backlinks pages (a
    # backlinks page comes and goes with the links into its page): their paths' digest
    extra = graph_pages(config, site) + backlinks_pages(config, site.index, run.plan.links)
    sig = digest("sitemap", extra)
    if state is not None:
        state.facts[SITEMAP_EXTRA] = sig
    if inc is not None and prev is not None and jid in prev.jobs and state is not None \
            and prev.facts.get(SITEMAP_EXTRA) == sig:
        carry(prev, state, jid, inc)
    else:
        for out in sitemap(site, config, extra):
            if state is not None:
                state.jobs[jid] = ((SITEMAP_EXTRA,), (out.path,), ())
            yield out
    if not (config.root / "static" / "robots.txt").is_file():  # a site's own is published instead
        yield Output("robots.txt", f"User-agent: *\nAllow: /\nSitemap: {config.base_url}sitemap.xml\n".encode())
    for out in _static_files(config):
        yield out
    for dest, src in site.resources:
        for edition in config.editions:
            yield Output((edition.prefix + "/" + dest) if edition.prefix else dest, Path(src).read_bytes())


def _merge(res: _Result, plan: _Plan, failed: dict[int, BuildError],
           search_docs: dict[str, SearchDoc]) -> Iterator[Output]:
    """Fold one chunk's results into the main process's state, in chunk order (deterministic)."""
    for k, (_job, err) in sorted(res.errors.items()):
        failed.setdefault(k, err)
    for k, summaries in res.summaries.items():
        plan.ctxs[k].summaries.update(summaries)
    if res.cache is not None and plan.store is not None:
        plan.store.absorb(res.cache)
    for k, source, anchor, text in res.quotes:  # what `_quote` would compute, from the cache
        plan.ctxs[k].memo.passages[(source, anchor)] = text
    for key, sd in res.search.items():
        mine = search_docs.get(key)
        if mine is None or mine is sd:
            search_docs[key] = sd
            continue
        for name in ("url", "title", "summary", "tags", "text"):
            getattr(mine, name).update(getattr(sd, name))
    yield from res.outputs
