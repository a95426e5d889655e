"""`render_site`: a whole render, phase by phase (each phase is a function below, in run order)."""

from __future__ import annotations

import datetime as dt
import hashlib
import pickle
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from ..config import SiteConfig
from ..errors import BuildError, BuildFailed
from ..incremental.pagecache import PageCache
from ..incremental.state import ArticleMemo, RenderState, TopicMemo
from ..incremental.store import Store, digest
from ..model import Edition, Output, SearchDoc, Site
from ..pipeline.mentions import matcher
from ..pipeline.parallel import run_chunks
from ..text.memo import TextMemo
from .context import Converters, Ctx
from .edition import _edition_ctx
from .env import environment, template_error
from .feeds import sitemap
from .job import Job, _Result
from .other_pages import _static_files
from .page_jobs import _rest_jobs
from .plan import _Plan
from .reuse import Incremental, _affected_topics, _carry, _job_key, _LazySummaries, _merged_rows, _ShownSigs
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
    # the articles rendered again whose memo changed: what other pages show of an article (its
    # summaries, its mentions' counts and passages) is all in its memo, so an edit that leaves the
    # memo as it was (text added past the summary, away from any mention) changes no other page
    shown_changed: set[str] = field(default_factory=set)
    summary_changed: set[str] = field(default_factory=set)  # (of those, the ones whose summary changed)
    passages_changed: set[tuple[str, str, str]] = field(default_factory=set)  # (article, document, anchor)


def render_site(site: Site, config: SiteConfig, build_date: dt.datetime,
                search_builder: Callable[[Sequence[SearchDoc], Sequence[Edition]], list[Output]] | None = None,
                timings: dict[str, float] | None = None, jobs: int = 1, store: Store | None = None,
                incremental: Incremental | None = None) -> Iterator[Output]:
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
    """
    run = _start(site, config, build_date, store, incremental)
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
           inc: Incremental | None) -> _Run:
    """The templates, each edition's context and the plan; with `inc`, the previous state if this
    build can use it (else `inc.previous` becomes None: the caller sees that every job ran)."""
    env = environment(config.root, keep_compiled=store is not None)
    if store is not None:
        env.tongwen_pages = PageCache(store, config.root)  # type: ignore[attr-defined]
    prev = inc.previous if inc is not None else None
    if prev is not None and inc is not None and (
            prev.global_sig != inc.global_sig or store is None
            or any(t.entry.source not in prev.mentions for t in site.topics)
            or not store.has_all(list(prev.mentions.values()))):  # (read later: StateIncomplete if damaged)
        prev = inc.previous = None
    ctxs = _contexts(site, config, env, build_date, store, inc, prev, TextMemo(config.unsafe_html))
    plan = _Plan(site, config, ctxs, env, matcher(site.topics, store), store=store,
                 matcher_sig=digest("matcher", tuple(t.aliases for t in site.topics)),  # matcher()'s input
                 global_sig=inc.global_sig if inc is not None else None)  # (for caches keyed by what a page reads)
    return _Run(plan, inc, prev, RenderState(inc.global_sig) if inc is not None else None)


def _contexts(site: Site, config: SiteConfig, env: jinja2.Environment, build_date: dt.datetime,
              store: Store | None, inc: Incremental | None, prev: RenderState | None,
              text: TextMemo) -> tuple[Ctx, ...]:
    """Each edition's context; BuildFailed if a widget template fails."""
    # a kept article's summary is read from its memo when a page that is rendered shows it
    blobs = {src: memo for src, (_key, memo) in prev.articles.items()} if prev is not None else None
    converters = Converters(text)
    ctxs = []
    for k, edition in enumerate(config.editions):
        try:
            ctxs.append(_edition_ctx(site, config, edition, env, build_date,
                                     _LazySummaries(k, blobs) if blobs is not None else {}, converters,
                                     store if inc is not None else None, inc.global_sig if inc is not None else b""))
        except (jinja2.TemplateError, TypeError, AttributeError, ValueError, KeyError) as exc:
            err = template_error(exc, config.root)
            if err.where.path == "templates" and not isinstance(exc, jinja2.TemplateError):
                raise
            raise BuildFailed([err]) from None
    return tuple(ctxs)


def _key_articles(run: _Run) -> None:
    """Phase 1's jobs, both editions of one article per job (`plan.todo`): every article, or with
    `inc`, those whose key the previous build did not record (the others are carried over)."""
    plan, inc, prev, state = run.plan, run.inc, run.prev, run.state
    todo = list(range(len(plan.site.articles)))
    if inc is not None:
        assert state is not None
        todo = []
        for i, entry in enumerate(plan.site.articles):
            # the global signature carries the builder digest (incremental.global_sig)
            key = hashlib.blake2b(b"article\0" + inc.global_sig + entry.source.encode("utf-8", "surrogatepass")
                                  + b"\0" + inc.entry_sigs[entry.source], digest_size=20).digest()
            old = prev.articles.get(entry.source) if prev is not None else None
            if old is not None and old[0] == key and key in prev.jobs and key not in state.jobs:  # type: ignore[union-attr]
                # its memo is unpickled only if a page that is rendered shows its summary
                # (_LazySummaries); its mentions are kept per topic (_merge_kept_mentions)
                assert prev is not None
                state.articles[entry.source] = old
                _carry(prev, state, key, inc)
                inc.reused += 1
            else:
                todo.append(i)
                plan.article_keys[i] = key
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
    """An article rendered (incremental): its memo and job into the state, and what changed of
    what other pages show of it."""
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
    if prev is not None and (old is None or old[1] != blob):
        run.shown_changed.add(entry.source)
        was = pickle.loads(old[1]) if old is not None else None
        if was is None or was.summaries != memo.summaries:
            run.summary_changed.add(entry.source)
        if was is None or was.passages != memo.passages:
            before = _old_passages(store, was)
            run.passages_changed.update((entry.source, d, p[0]) for d, p, _t in found
                                        if before.get((d, p[0])) != p[1])
    state.articles[entry.source] = (plan.article_keys[i], blob)
    state.jobs[plan.article_keys[i]] = tuple(paths)
    # (its passages' row stays in use while the article is kept, like the job's own rows)
    state.store_keys[plan.article_keys[i]] = (*res.keys.get(i, ()), memo.passages)


def _gather_mentions(run: _Run) -> None:
    """Every topic's mention rows and count (`plan.rows`, `plan.counts`); with a previous state,
    the topics whose pages stand whole are carried over (`plan.carried_topics`).

    Topics whose pages stand whole (incremental): no changed article mentions them, before or
    after; their own text is the same; no sibling's count (shown on their pages) changed. Their
    mention lists are not even built. An article whose memo is unchanged has the same mentions
    (the same passages, by anchor and text, and the same counts): the topics' lists keep its rows.
    Only their line numbers, which no page shows, may be stale."""
    plan, inc, prev, state = run.plan, run.inc, run.prev, run.state
    site = plan.site
    todo = plan.todo
    todo_shown = [i for i in todo if site.articles[i].source in run.shown_changed] if prev is not None else todo
    found_sets = (_affected_topics(site, inc, prev, todo_shown, run.found_by)
                  if inc is not None and prev is not None else None)
    affected = found_sets[0] if found_sets is not None else None
    if prev is not None:
        _merge_kept_mentions(run, todo_shown, found_sets)
    else:
        _fresh_mentions(run)
    plan.counts = {t.entry.source: len(plan.rows.get(t.entry.source, ())) for t in site.topics}
    if found_sets is not None:
        assert affected is not None and prev is not None and state is not None and inc is not None
        if any(found_sets[1][src] != plan.counts[src] for src in affected):  # cannot happen; never trust it then
            raise AssertionError("incremental topic counts disagree with the mentions")
        plan.counts.update({src: n for src, n in found_sets[1].items() if src not in affected})
        plan.carried_topics = {t.entry.source for t in site.topics} - affected
        for src in sorted(plan.carried_topics):
            state.topics[src] = prev.topics[src]
            for key in prev.topics[src].jobs:
                _carry(prev, state, key, inc)
                inc.reused += 1


def _merge_kept_mentions(run: _Run, todo_shown: list[int],
                         found_sets: tuple[set[str], dict[str, int], set[str]] | None) -> None:
    """The mentions of each topic keyed again: the kept articles' from the topic's list in the
    state, the rendered articles' from this build. A topic keyed again only because a changed
    article mentions it stands whole after all (it leaves `found_sets[0]`) when its list holds the
    same passages in the same order, none with a new text, and no article in it shows a new summary
    (its feed and related articles show summaries)."""
    plan, prev, state, store = run.plan, run.prev, run.state, run.plan.store
    assert prev is not None and state is not None and store is not None
    affected = found_sets[0] if found_sets is not None else None
    same: set[str] = set()
    plan.rows = _merged_rows(plan.site, prev, state, store, todo_shown, run.found_by, affected, same)  # (no
    # Mention objects: only the pages that render make theirs, topic_pages.page_mentions)
    if found_sets is None or affected is None:
        return
    summary_new = {plan.site.articles[i].source for i in todo_shown} & run.summary_changed
    passages_changed = run.passages_changed
    for topic in sorted(same - found_sets[2]):
        rows_t = plan.rows.get(topic, [])
        if not any(r[0] in summary_new or (passages_changed and r[:3] in passages_changed) for r in rows_t):
            affected.discard(topic)


def _fresh_mentions(run: _Run) -> None:
    """Every topic's mention rows from the articles rendered (all of them); recorded in the state."""
    plan, state, store = run.plan, run.state, run.plan.store
    rows: dict[str, list[_Row]] = defaultdict(list)
    for i in sorted(run.found_by):
        src = plan.site.articles[i].source
        for doc_src, p, topic in run.found_by[i]:
            rows[topic].append((src, doc_src, *p))
    plan.rows = dict(rows)
    if state is not None:
        assert store is not None
        state.mentions = {t.entry.source: _put_rows(store, plan.rows.get(t.entry.source, []))
                          for t in plan.site.topics}
        store.spill()  # the lists are not held in memory through the rest of the build


def _key_rest(run: _Run) -> None:
    """Phase 2's jobs (`plan.rest`): lists, terms, feeds, topics, redirects, 404 — per edition, in
    the serial order; with `inc`, those whose key the previous build did not record."""
    plan, inc, prev = run.plan, run.inc, run.prev
    if inc is not None:
        plan.entry_sigs = inc.entry_sigs
    if prev is not None:
        plan.prev = prev
        plan.summary_changed = frozenset(run.summary_changed)
        plan.passages_changed = frozenset(run.passages_changed)
    rest = [(i, job) for i, ctx in enumerate(plan.ctxs) if i not in run.failed for job in _rest_jobs(plan, ctx)]
    if inc is not None:
        rest = _keep_unkeyed(run, rest)
        inc.ran = len(plan.todo) + len(rest)
    plan.rest = rest


def _keep_unkeyed(run: _Run, rest: list[tuple[int, Job]]) -> list[tuple[int, Job]]:
    """The jobs of `rest` whose key the previous build did not record; the others, and the
    families `_rest_jobs` carried over whole, are carried into the state."""
    plan, inc, prev, state = run.plan, run.inc, run.prev, run.state
    assert inc is not None and state is not None
    keep: list[tuple[int, Job]] = []
    topic_keys: dict[str, list[bytes]] = defaultdict(list)
    term_keys: dict[tuple[str, str, str], list[bytes]] = defaultdict(list)
    for term, keys in plan.carried_terms.items():
        assert prev is not None
        state.terms[term] = keys
        for key in keys:
            _carry(prev, state, key, inc)
            inc.reused += 1
    memo_sigs = _ShownSigs(state.articles, inc.entry_sigs, False)
    summary_sigs = _ShownSigs(state.articles, inc.entry_sigs, True)
    for i, job in rest:
        key = _job_key(job, i, inc, memo_sigs if job.topic else summary_sigs)
        if job.topic:
            topic_keys[job.topic].append(key)
        if job.term:
            term_keys[job.term].append(key)
        if prev is not None and key in prev.jobs and key not in state.jobs:
            _carry(prev, state, key, inc)
            inc.reused += 1
        else:
            keep.append((i, job))
            plan.rest_keys.append(key)
    state.terms.update({term: tuple(keys) for term, keys in term_keys.items()})
    for src, carried in plan.carried_topic_keys.items():
        topic_keys[src].extend(carried)
    for t in plan.site.topics:
        if t.entry.source not in plan.carried_topics:
            state.topics[t.entry.source] = TopicMemo(inc.entry_sigs[t.entry.source], plan.counts[t.entry.source],
                                                     tuple(topic_keys.get(t.entry.source, ())))
    return keep


def _render_rest(run: _Run, jobs: int) -> Iterator[Output]:
    """Phase 2: every page but articles. Then the pages are done: BuildFailed if any failed."""
    plan, state = run.plan, run.state
    for res in run_chunks(len(plan.rest), plan.others, jobs, chunk=8, serial_below=SERIAL_JOBS):
        yield from _merge(res, plan, run.failed, run.search_docs)
        if state is not None:
            for j, paths in res.paths.items():
                state.jobs[plan.rest_keys[j]] = tuple(paths)
                state.store_keys[plan.rest_keys[j]] = res.keys.get(j, ())
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
    map_key = digest("sitemap", inc.global_sig) if inc is not None else b""
    if inc is not None and prev is not None and map_key in prev.jobs and state is not None:
        _carry(prev, state, map_key, inc)  # every page's path and date: the global signature
    else:
        for out in sitemap(site, config):
            if state is not None:
                state.jobs[map_key] = (out.path,)
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
