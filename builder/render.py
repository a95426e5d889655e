"""Stage 3, render: `Site` → `Output`s. Every page is a document rendered for one edition.

Shared fragments (sidebar widgets) are rendered once per edition with a root marker, then the
marker is replaced by each page's relative root, so links stay relative (sub-paths, file://).
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import itertools
import json
import math
import pickle
import re
import shutil
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup, escape

from . import feeds
from .cache import Store, digest
from .config import SiteConfig
from .convert import Convert, fold, is_identity, make_converter, source_script
from .derive import Collection, Entry, Site, Topic
from .errors import BuildError, BuildFailed, error
from .incremental import ArticleMemo, RenderState, StateIncomplete, TopicMemo
from .markdown import (
    CJK_RE,
    Passage,
    Rendered,
    RenderEnv,
    convert_known,
    convert_texts,
    forget_parsed,
    preconvert,
    render,
    render_texts,
    summary_tokens_of,
    tokens_of,
)
from .model import Document, Edition, Output, SearchDoc, Term
from .pagecache import PageCache, PageUrl
from .parallel import run_chunks
from .paths import absolute, output_file, root_of
from .strings import format_date, strings_for
from .topics import Matcher, Mention, doc_mentions, highlight_spans, make_linker, matcher

THEME = Path(__file__).parent / "theme"
# fewer articles or other pages than these render in the main process: forking a large build's
# process for them costs more than the work (an edited article and the few pages that show it)
SERIAL_ARTICLES = 4
SERIAL_JOBS = 64
WIDGET_TERMS = 100  # the sidebar shows the most used terms; the widget title links to all of them
ROOT_MARK = "\x1e"  # stands for "the current page's relative root" in shared fragments
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src * data:; media-src *; "
       "object-src 'none'; base-uri 'none'; form-action *")


# --- templates -----------------------------------------------------------------------------------

def environment(site_dir: Path, keep_compiled: bool = False) -> jinja2.Environment:
    """`keep_compiled`: compiled templates are kept in the site's cache folder (a build, not `check`)."""
    loaders: list[jinja2.BaseLoader] = []
    if (site_dir / "templates").is_dir():
        loaders.append(jinja2.FileSystemLoader(str(site_dir / "templates")))
    loaders.append(jinja2.FileSystemLoader(str(THEME / "templates")))
    env = jinja2.Environment(loader=jinja2.ChoiceLoader(loaders), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True,
                             bytecode_cache=_bytecode_cache(site_dir) if keep_compiled else None)
    env.filters["tojson_safe"] = _json_for_script
    return env


def _bytecode_cache(site_dir: Path) -> jinja2.BytecodeCache | None:
    """Compiled templates, kept between builds (compiling the theme is ~0.1 s of every build). Jinja
    keys them by template name and source checksum, not by the options above: the folder is named
    for the builder digest, which covers those options and Jinja's version."""
    from .fingerprint import CACHE_DIR, builder_digest
    base = site_dir / CACHE_DIR
    folder = base / f"jinja-{builder_digest()[:16]}"
    try:
        if not folder.is_dir():
            folder.mkdir(parents=True, exist_ok=True)
            for old in base.glob("jinja-*"):  # compiled by other builder versions: never read again
                if old != folder:
                    shutil.rmtree(old, ignore_errors=True)
    except OSError:
        return None
    return _BestEffortCache(str(folder))


class _BestEffortCache(jinja2.FileSystemBytecodeCache):
    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass  # a full disk or a read-only folder: the template is compiled again next time


def _json_for_script(value: Any) -> Markup:
    """JSON that cannot end a <script> element or open a comment, whatever the content says."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def template_error(exc: Exception, site_dir: Path) -> BuildError:
    """Locate a Jinja error in the template file (syntax or runtime)."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return error(_tpl_name(exc.filename or exc.name or "?", site_dir), exc.lineno or 0,
                     f"template syntax error: {exc.message}")
    tb = exc.__traceback__
    where = ("templates", 0)
    while tb is not None:
        fname = tb.tb_frame.f_code.co_filename
        if fname.endswith((".html", ".xml", ".txt")):
            where = (_tpl_name(fname, site_dir), tb.tb_lineno)
        tb = tb.tb_next
    return error(where[0], where[1], f"template error: {type(exc).__name__}: {exc}")


def _tpl_name(filename: str, site_dir: Path) -> str:
    p = Path(filename)
    for base in (site_dir, THEME.parent):
        try:
            return p.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            continue
    return filename


# --- per-edition context ---------------------------------------------------------------------------

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
    summaries: dict[str, str]  # article source → summary in this edition, filled as articles render
    memo: dict[Any, Any] = field(default_factory=dict)  # per-edition memo of converted titles, term links…

    def path(self, page: str) -> str:
        return (self.edition.prefix + "/" + page) if self.edition.prefix else page


@lru_cache(maxsize=64)
def _term_converter(edition: Edition, glossary: tuple) -> Convert:  # type: ignore[type-arg]
    return make_converter("zh-CN", edition, glossary)


def term_name(name: str, edition: Edition, config: SiteConfig) -> str:
    """A term is shown in each edition's script: 软件 / 軟體, whichever script it was written in."""
    if not CJK_RE.search(name):
        return name
    base = fold(name)
    return _term_converter(edition, config.glossary)(base)


@lru_cache(maxsize=4096)
def _converter(lang: str, edition: Edition, glossary: tuple) -> Convert:  # type: ignore[type-arg]
    return make_converter(lang, edition, glossary)


def doc_converter(doc: Document, edition: Edition, config: SiteConfig) -> Convert:
    return _converter(doc.lang, edition, config.glossary + doc.meta.glossary)


# --- rendering entry point -------------------------------------------------------------------------

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
    env = environment(config.root, keep_compiled=store is not None)
    if store is not None:
        env.tongwen_pages = PageCache(store, config.root)  # type: ignore[attr-defined]
    inc = incremental
    prev = inc.previous if inc is not None else None
    if prev is not None and inc is not None and (
            prev.global_sig != inc.global_sig or store is None
            or any(t.entry.source not in prev.mentions for t in site.topics)
            or not store.has_all(list(prev.mentions.values()))):  # (read later: StateIncomplete if damaged)
        prev = inc.previous = None  # the caller sees that every job ran
    # a kept article's summary is read from its memo when a page that is rendered shows it
    blobs = {src: memo for src, (_key, memo) in prev.articles.items()} if prev is not None else None
    ctxs = []
    for k, edition in enumerate(config.editions):
        try:
            ctxs.append(_edition_ctx(site, config, edition, env, build_date,
                                     _LazySummaries(k, blobs) if blobs is not None else {},
                                     store if inc is not None else None, inc.global_sig if inc is not None else b""))
        except (jinja2.TemplateError, TypeError, AttributeError, ValueError, KeyError) as exc:
            err = template_error(exc, config.root)
            if err.where.path == "templates" and not isinstance(exc, jinja2.TemplateError):
                raise
            raise BuildFailed([err]) from None
    for ctx in ctxs:  # for caches keyed by what a page reads (`_top_tags`)
        ctx.memo["store"] = store
        ctx.memo["global_sig"] = incremental.global_sig if incremental is not None else None
    plan = _Plan(site, config, tuple(ctxs), env, matcher(site.topics, store), store=store,
                 matcher_sig=digest("matcher", tuple(t.aliases for t in site.topics)))  # matcher()'s input
    search_docs: dict[str, SearchDoc] = {}
    failed: dict[int, BuildError] = {}  # edition index → its first error; the edition stops there
    state = RenderState(inc.global_sig) if inc is not None else None

    # phase 1: article pages, both editions of one article per job
    found_by: dict[int, list[tuple[str, Any, str]]] = {}
    todo = list(range(len(site.articles)))
    if inc is not None:
        todo = []
        for i, entry in enumerate(site.articles):
            # the global signature carries the builder digest (incremental.global_sig)
            key = hashlib.blake2b(b"article\0" + inc.global_sig + entry.source.encode("utf-8", "surrogatepass")
                                  + b"\0" + inc.entry_sigs[entry.source], digest_size=20).digest()
            old = prev.articles.get(entry.source) if prev is not None else None
            if old is not None and old[0] == key and key in prev.jobs and key not in state.jobs:  # type: ignore[union-attr,operator]
                # its memo is unpickled only if a page that is rendered shows its summary
                # (_LazySummaries); its mentions are kept per topic (_merged_mentions)
                assert state is not None and prev is not None
                state.articles[entry.source] = old
                _carry(prev, state, key, inc)
                inc.reused += 1
            else:
                todo.append(i)
                plan.article_keys[i] = key
    plan.todo = todo
    # the articles rendered again whose memo changed: what other pages show of an article (its
    # summaries, its mentions' counts and passages) is all in its memo, so an edit that leaves the
    # memo as it was (text added past the summary, away from any mention) changes no other page
    shown_changed: set[str] = set()
    summary_changed: set[str] = set()  # (of those, the ones whose summary changed: all a list page shows)
    passages_changed: set[tuple[str, str, str]] = set()  # (article, document, anchor) of a passage whose text is new
    for res in run_chunks(len(todo), plan.articles, jobs, chunk=16, serial_below=SERIAL_ARTICLES):
        yield from _merge(res, plan, failed, search_docs)
        for i, found in res.mentions:
            found_by[i] = found
        if state is not None:
            for i, paths in res.paths.items():
                entry = site.articles[i]
                found = next((f for j, f in res.mentions if j == i), [])
                memo = ArticleMemo(tuple(c.summaries[entry.source] for c in ctxs),
                                   tuple(sorted(Counter(topic for _s, _p, topic in found).items())),
                                   _put_passages(store, found) if store is not None else b"")
                # pickled apart: saving the state copies the other articles' bytes, not their objects
                blob = pickle.dumps(memo, protocol=5)
                old = prev.articles.get(entry.source) if prev is not None else None
                # (equal bytes, equal memo: a false "changed" only costs; without a previous state
                # nothing is carried, so nothing is compared)
                if prev is not None and (old is None or old[1] != blob):
                    shown_changed.add(entry.source)
                    was = pickle.loads(old[1]) if old is not None else None
                    if was is None or was.summaries != memo.summaries:
                        summary_changed.add(entry.source)
                    if was is None or was.passages != memo.passages:
                        before = _old_passages(store, was)
                        passages_changed.update((entry.source, d, p[0]) for d, p, _t in found
                                                if before.get((d, p[0])) != p[1])
                state.articles[entry.source] = (plan.article_keys[i], blob)
                state.jobs[plan.article_keys[i]] = tuple(paths)
                # (its passages' row stays in use while the article is kept, like the job's own rows)
                state.store_keys[plan.article_keys[i]] = (*res.keys.get(i, ()), memo.passages)
    # Topics whose pages stand whole (incremental): no changed article mentions them, before or
    # after; their own text is the same; no sibling's count (shown on their pages) changed. Their
    # mention lists are not even built.
    # An article whose memo is unchanged has the same mentions (the same passages, by anchor and
    # text, and the same counts): the topics' lists keep its rows. Only their line numbers, which
    # no page shows, may be stale.
    todo_shown = [i for i in todo if site.articles[i].source in shown_changed] if prev is not None else todo
    found_sets = (_affected_topics(site, inc, prev, todo_shown, found_by)
                  if inc is not None and prev is not None else None)
    affected = found_sets[0] if found_sets is not None else None
    if prev is not None:
        # the kept articles' mentions of each topic keyed again come from the topic's list in the
        # state, the rendered articles' from this build
        assert state is not None
        assert store is not None
        same: set[str] = set()
        plan.rows = _merged_rows(site, prev, state, store, todo_shown, found_by, affected, same)  # (no Mention
        # objects: only the pages that render make theirs, plan.page_mentions)
        if found_sets is not None and affected is not None:
            # A topic keyed again only because a changed article mentions it stands whole after all
            # when its list holds the same passages in the same order, none with a new text, and
            # no article in it shows a new summary (its feed and related articles show summaries).
            summary_new = {site.articles[i].source for i in todo_shown} & summary_changed
            for topic in sorted(same - found_sets[2]):
                rows_t = plan.rows.get(topic, [])
                if not any(r[0] in summary_new or (passages_changed and r[:3] in passages_changed)
                           for r in rows_t):
                    affected.discard(topic)
    else:
        rows: dict[str, list[_Row]] = defaultdict(list)
        for i in sorted(found_by):
            src = site.articles[i].source
            for doc_src, p, topic in found_by[i]:
                rows[topic].append((src, doc_src, *p))
        plan.rows = dict(rows)
        if state is not None:
            assert store is not None
            state.mentions = {t.entry.source: _put_rows(store, plan.rows.get(t.entry.source, []))
                              for t in site.topics}
            store.spill()  # the lists are not held in memory through the rest of the build
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

    # phase 2: lists, terms, feeds, topics, redirects, 404 — per edition, in the serial order
    if inc is not None:
        plan.entry_sigs = inc.entry_sigs
    if prev is not None:
        plan.prev = prev
        plan.summary_changed = frozenset(summary_changed)
        plan.passages_changed = frozenset(passages_changed)
    rest = [(i, job) for i, ctx in enumerate(ctxs) if i not in failed for job in _rest_jobs(plan, ctx)]
    if inc is not None:
        assert state is not None
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
        for t in site.topics:
            if t.entry.source not in plan.carried_topics:
                state.topics[t.entry.source] = TopicMemo(inc.entry_sigs[t.entry.source], plan.counts[t.entry.source],
                                                         tuple(topic_keys.get(t.entry.source, ())))
        rest = keep
        inc.ran = len(todo) + len(rest)
    plan.rest = rest
    for res in run_chunks(len(plan.rest), plan.others, jobs, chunk=8, serial_below=SERIAL_JOBS):
        yield from _merge(res, plan, failed, search_docs)
        if state is not None:
            for j, paths in res.paths.items():
                state.jobs[plan.rest_keys[j]] = tuple(paths)
                state.store_keys[plan.rest_keys[j]] = res.keys.get(j, ())

    # the pages are done: let go of what they read now, before the search index is built (page
    # jobs refer back to the plan, a cycle the collector would free only much later)
    plan.rest, plan.rows = [], {}
    for ctx in ctxs:
        ctx.memo.clear()
    if failed:
        raise BuildFailed([failed[i] for i in sorted(failed)])
    map_key = digest("sitemap", inc.global_sig) if inc is not None else b""
    if inc is not None and prev is not None and map_key in prev.jobs and state is not None:
        _carry(prev, state, map_key, inc)  # every page's path and date: the global signature
    else:
        for out in feeds.sitemap(site, config):
            if state is not None:
                state.jobs[map_key] = (out.path,)
            yield out
    yield Output("robots.txt", f"User-agent: *\nAllow: /\nSitemap: {config.base_url}sitemap.xml\n".encode())
    for out in _static_files(config):
        yield out
    for dest, src in site.resources:
        for edition in config.editions:
            yield Output((edition.prefix + "/" + dest) if edition.prefix else dest, Path(src).read_bytes())
    if inc is not None:
        inc.state = state
        inc.search_docs = search_docs
        return
    if search_builder is not None:
        t0 = time.perf_counter()
        docs = [search_docs[k] for k in sorted(search_docs)]
        yield from search_builder(docs, config.editions)
        if timings is not None:
            timings["search"] = time.perf_counter() - t0


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


_Row = tuple[str, str, str, str | None, int]  # article source, document source, passage anchor, text, line


def _put_pickled(store: Store, tag: bytes, value: Any) -> bytes:
    """`value` into the cache under a digest of its pickle; the key to find it again."""
    blob = pickle.dumps(value, protocol=5)
    key = hashlib.blake2b(tag + b"\0" + blob, digest_size=20).digest()
    store.put(key, blob, compress=False)
    return key


def _get_pickled(store: Store, key: bytes, what: str) -> Any:
    """What `_put_pickled` stored under `key`; StateIncomplete if it is gone or damaged (the
    cache checks every row)."""
    blob = store.get(key, bytes, count=False)
    if blob is None:
        raise StateIncomplete(f"{what} is missing from the cache")
    return pickle.loads(blob)


def _put_rows(store: Store, rows: list[_Row]) -> bytes:
    """A topic's mention rows go to the cache without their texts (the state keeps their key: it
    stays small, and a build reads only the lists it needs; the texts are the articles' own)."""
    return _put_pickled(store, b"mention-rows", [(a, d, anchor, line) for a, d, anchor, _t, line in rows])


def _get_rows(store: Store, key: bytes) -> list[_Row]:
    """A topic's mention rows; their texts are None (`_Plan.page_mentions` reads those it shows)."""
    return [(a, d, anchor, None, line) for a, d, anchor, line in _get_pickled(store, key, "a topic's mention list")]


def _put_passages(store: Store, found: list[tuple[str, Any, str]]) -> bytes:
    """The texts of an article's mentioned passages, {(document, anchor): UTF-8 text}, into the
    cache. (As bytes: pickling a str would keep a UTF-8 copy inside it, and the main process holds
    these texts through phase 2 — see model.Document.__getstate__.)"""
    return _put_pickled(store, b"passages", {(d, p[0]): p[1].encode("utf-8", "surrogatepass") for d, p, _t in found})


def _get_passages(store: Store, key: bytes, what: str) -> dict[tuple[str, str], str]:
    """What `_put_passages` stored under `key`, the texts decoded."""
    return {k: v.decode("utf-8", "surrogatepass") if isinstance(v, bytes) else v
            for k, v in _get_pickled(store, key, what).items()}


def _old_passages(store: Store | None, memo: ArticleMemo | None) -> dict[tuple[str, str], str]:
    """The mentioned passages' texts an article's previous memo names ({} if unknown: all new)."""
    if store is None or memo is None or not memo.passages:
        return {}
    try:
        return _get_passages(store, memo.passages, "an article's previous passages")
    except StateIncomplete:
        return {}


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


@dataclass(frozen=True)
class Job:
    """One unit of phase-2 page work, called with the search docs. `ident` names it among the jobs of
    its function and edition; `entries` are the entries whose bodies it shows (their summaries, a
    section's intro, a topic's text and quoted passages); `extra` is anything else it reads beyond
    the global signature (mention identities and counts). incremental.py keys the job on these."""

    fn: Callable[..., Output | list[Output]]
    args: tuple[Any, ...]
    search: bool
    ident: tuple[Any, ...]
    entries: tuple[Entry, ...] = ()
    extra: tuple[Any, ...] = ()
    topic: str = ""  # the topic whose pages or feed this is (incremental: carried over per topic)
    term: tuple[str, str, str] | None = None  # (edition, taxonomy, term) of a term's pages and feed (likewise)

    def __call__(self, sd: dict[str, SearchDoc]) -> list[Output]:
        out = self.fn(*self.args, sd) if self.search else self.fn(*self.args)
        return out if isinstance(out, list) else [out]

_TEMPLATE_FAILURES = (jinja2.TemplateError, TypeError, AttributeError, ValueError, KeyError, IndexError,
                      ZeroDivisionError)


@dataclass
class _Result:
    """What one chunk of page jobs hands back to the main process (picklable)."""

    outputs: list[Output] = field(default_factory=list)
    errors: dict[int, tuple[int, BuildError]] = field(default_factory=dict)  # edition → (job, error)
    summaries: dict[int, dict[str, str]] = field(default_factory=dict)  # edition → source → summary
    search: dict[str, SearchDoc] = field(default_factory=dict)
    mentions: list[tuple[int, list[tuple[str, Any, str]]]] = field(default_factory=list)
    cache: tuple[dict[bytes, bytes], set[bytes]] | None = None  # new cache rows and keys used (Store.drain)
    quotes: list[tuple[int, str, str, str]] = field(default_factory=list)  # (edition, source, anchor, text)
    paths: dict[int, list[str]] = field(default_factory=dict)  # job index → the outputs it wrote
    keys: dict[int, tuple[bytes, ...]] = field(default_factory=dict)  # job index → the cache rows it used


@dataclass
class _Plan:
    """The render's shared state. Forked workers inherit it; it is never pickled."""

    site: Site
    config: SiteConfig
    ctxs: tuple[Ctx, ...]
    env: jinja2.Environment
    topic_matcher: Matcher | None
    rows: dict[str, list[_Row]] = field(default_factory=dict)  # topic source → its mentions, in order
    rest: list[tuple[int, Job]] = field(default_factory=list)
    store: Store | None = None
    matcher_sig: bytes = b""
    todo: list[int] = field(default_factory=list)  # indexes of the articles to render
    article_keys: dict[int, bytes] = field(default_factory=dict)  # article index → its job key
    rest_keys: list[bytes] = field(default_factory=list)  # phase-2 job index → its key
    counts: dict[str, int] = field(default_factory=dict)  # topic source → its mentions (all editions)
    carried_topics: set[str] = field(default_factory=set)  # topics whose jobs were all carried over
    prev: RenderState | None = None  # incremental: the previous build's state (same global signature)
    summary_changed: frozenset[str] = frozenset()  # incremental: the articles whose summary changed
    passages_changed: frozenset[tuple[str, str, str]] = frozenset()  # incremental: (article, document, anchor)
    carried_terms: dict[tuple[str, str, str], tuple[bytes, ...]] = field(default_factory=dict)
    carried_topic_keys: defaultdict[str, list[bytes]] = field(default_factory=lambda: defaultdict(list))
    entry_sigs: dict[str, bytes] = field(default_factory=dict)  # incremental: entry source → body signature

    def carry_term(self, term: tuple[str, str, str], sources: Sequence[str]) -> bool:
        """Whether a family of jobs (a term's pages and feed in one edition, or one list page)
        stands as the previous build keyed it: it shows of articles only the summaries of `sources`,
        none of which changed, and everything else it reads is in the global signature or in the
        family's name."""
        if not self.summary_changed.isdisjoint(sources):
            return False
        return self._carry_family(term)

    def carry_topic_page(self, family: tuple[str, str, str], rows: Sequence[_Row], cards: Sequence[str],
                         topic: str) -> bool:
        """`carry_term` for one page of a topic: it quotes the passages `rows` (none of whose texts
        changed) and shows the summaries of the articles `cards`."""
        changed = self.passages_changed
        if changed and any(r[:3] in changed for r in rows):
            return False
        if not self.summary_changed.isdisjoint(cards):
            return False
        return self._carry_family(family, topic)

    def _carry_family(self, term: tuple[str, str, str], topic: str = "") -> bool:
        old = self.prev.terms.get(term) if self.prev is not None else None
        if old is None:
            return False
        jobs = self.prev.jobs  # type: ignore[union-attr]
        if not all(map(jobs.__contains__, old)):  # (thousands of families: no generator per call)
            return False
        self.carried_terms[term] = old
        if topic:  # still the topic's jobs, should it be carried whole next time
            self.carried_topic_keys[topic].extend(old)
        return True

    def mention_sig(self, topic: str) -> bytes:
        """Which passages of which documents a topic's mentions are, in order (edition-independent)."""
        memo = self.__dict__.setdefault("_mention_sigs", {})
        sig = memo.get(topic)
        if sig is None:
            text = "\0".join([f"{r[0]}\1{r[1]}\1{r[2]}" for r in self.rows.get(topic, ())])
            sig = memo[topic] = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        return sig  # type: ignore[no-any-return]

    def mentioning(self, rows: Sequence[_Row]) -> tuple[Entry, ...]:
        """The distinct entries of some mention rows, in order."""
        index = self.site.index
        return tuple(index[a] for a in dict.fromkeys([r[0] for r in rows]))

    def topic_entries(self, topic: str) -> tuple[Entry, ...]:
        """The entries that mention a topic, in mention order (edition-independent)."""
        memo = self.__dict__.setdefault("_topic_entries", {})
        got = memo.get(topic)
        if got is None:
            got = memo[topic] = self.mentioning(self.rows.get(topic, ()))
        return got  # type: ignore[no-any-return]

    def page_mentions(self, ctx: Ctx, topic: str, n: int) -> list[Mention]:
        """The mentions page `n` of a topic shows in this edition."""
        a, b = (n - 1) * MENTIONS_PER_PAGE, n * MENTIONS_PER_PAGE
        index = self.site.index
        out = []
        for art, doc_src, anchor, text, line in self.shown_rows(ctx, topic)[a:b]:
            entry = index[art]
            doc = next(d for _k, d in entry.docs if d.source == doc_src)
            if text is None:  # a kept article's passage (_get_rows)
                text = self.passages(art)[(doc_src, anchor)]
            out.append(Mention(entry, doc, Passage(anchor, text, line), topic))
        return out

    def passages(self, article: str) -> dict[tuple[str, str], str]:
        """A kept article's mentioned passages' texts, from the previous build's records."""
        memo = self.__dict__.setdefault("_passages", {})
        got = memo.get(article)
        if got is None:
            assert self.prev is not None and self.store is not None
            key = pickle.loads(self.prev.articles[article][1]).passages
            got = memo[article] = _get_passages(self.store, key, f"{article}: its passages")
        return got  # type: ignore[no-any-return]

    def shown_rows(self, ctx: Ctx, topic: str) -> list[_Row]:
        """The mentions of a topic an edition shows: those in a document the edition renders (not
        in another one's translation; only articles with a translation can differ)."""
        key = ("shown-rows", topic)
        got = ctx.memo.get(key)
        if got is None:
            rows = self.rows.get(topic, [])
            translated = _translated(ctx)
            if translated:
                index, k = self.site.index, ctx.edition.key
                rows = [r for r in rows if r[0] not in translated or index[r[0]].doc(k).source == r[1]]
            got = ctx.memo[key] = rows
        return got  # type: ignore[no-any-return]

    def term_entries(self, tax: str, t: Term) -> list[Entry]:
        """A term's entries, newest first (one list for every edition)."""
        memo = self.__dict__.setdefault("_term_entries", {})
        got = memo.get((tax, t.key))
        if got is None:
            index = self.site.index
            got = memo[(tax, t.key)] = [index[s] for s in t.sources]
        return got  # type: ignore[no-any-return]

    @property
    def topic_index(self) -> dict[str, int]:
        if "_topic_index" not in self.__dict__:
            self.__dict__["_topic_index"] = {t.entry.source: i for i, t in enumerate(self.site.topics)}
        return self.__dict__["_topic_index"]  # type: ignore[no-any-return]

    def _fail(self, res: _Result, edition: int, job: int, exc: Exception) -> None:
        # a template (often the site's own) failed at run time: locate it in the template file
        err = template_error(exc, self.config.root)
        if err.where.path == "templates" and not isinstance(exc, jinja2.TemplateError):
            raise exc  # not from a template: a bug in Tongwen, not the user's problem to locate
        res.errors.setdefault(edition, (job, err))

    def articles(self, start: int, stop: int) -> _Result:
        res = _Result()
        articles = self.site.articles
        chunk = self.todo[start:stop]
        # mentions first, for the whole chunk: an article links the first mention of each topic it
        # really mentions, and the chunk's texts are converted in one batch (`_preconvert`)
        found_of: dict[int, list[Mention]] = {}
        topics_of: dict[int, dict[str, set[int]]] = {}
        keys_of: dict[int, tuple[bytes, ...]] = {}
        for i in chunk:
            mark = self.store.checkpoint() if self.store is not None else 0
            found = found_of[i] = self._entry_mentions(articles[i]) if self.topic_matcher is not None else []
            doc_topics: dict[str, set[int]] = topics_of.setdefault(i, {})
            for m in found:
                doc_topics.setdefault(m.doc.source, set()).add(self.topic_index[m.topic])
            if self.store is not None:
                keys_of[i] = self.store.used_since(mark)
        body_keys = self._preconvert(chunk, found_of, topics_of)
        for i in chunk:
            entry = articles[i]
            mark = self.store.checkpoint() if self.store is not None else 0
            newer = articles[i - 1] if i > 0 else None
            older = articles[i + 1] if i + 1 < len(articles) else None
            found, doc_topics = found_of[i], topics_of[i]
            for k, ctx in enumerate(self.ctxs):
                if k in res.errors:
                    continue
                try:
                    res.outputs.append(_article(ctx, self.env, entry, newer, older, self.topic_matcher,
                                                doc_topics, res.search, self.store, self.matcher_sig,
                                                body_keys.get((i, k))))
                    res.paths.setdefault(i, []).append(res.outputs[-1].path)
                except _TEMPLATE_FAILURES as exc:
                    self._fail(res, k, i, exc)
                    continue
                res.summaries.setdefault(k, {})[entry.source] = ctx.summaries[entry.source]
            if found:
                # (anchor, text, line): match_text served to find them, and Passage objects cost
                res.mentions.append((i, [(m.doc.source, (m.passage.anchor, m.passage.text, m.passage.line), m.topic)
                                         for m in found]))
                if self.store is not None:
                    self._quotes(found, res)
            if self.store is not None:
                res.keys[i] = tuple(dict.fromkeys(keys_of[i] + self.store.used_since(mark)))
        forget_parsed()
        if self.store is not None:
            res.cache = self.store.drain()
        return res

    def _preconvert(self, chunk: list[int], found_of: dict[int, list[Mention]],
                    topics_of: dict[int, dict[str, set[int]]]) -> dict[tuple[int, int], bytes]:
        """Convert up front, one batch per converter, the texts the chunk's article renders will
        convert: the text of each body the cache does not hold (with the first-mention linker's
        cuts, predicted by a fresh linker), its summary and quoted passages, and each article's
        title, lead, author and summary. Only ever a lookup table: see `markdown.preconvert`.
        Returns the bodies' cache keys, (article, edition) → key, their rows read ahead."""
        articles = self.site.articles
        batches: dict[Convert, list[str]] = {}
        bodies: list[tuple[int, Ctx, Document, tuple[str | None, ...] | None, bytes | None]] = []
        unsafe = self.config.unsafe_html
        body_keys: dict[tuple[int, int], bytes] = {}
        for i in chunk:
            entry = articles[i]
            for k, ctx in enumerate(self.ctxs):
                doc = entry.doc(ctx.edition.key)
                root = root_of(ctx.path(entry.path))
                hrefs = _topic_hrefs(ctx, doc, root, self.topic_matcher, topics_of[i])
                key = _body_key(ctx, doc, root, hrefs, self.matcher_sig) if (
                    self.store is not None and _deferred(doc)) else None
                if key is not None:
                    body_keys[(i, k)] = key
                conv = doc_converter(doc, ctx.edition, ctx.config)
                if is_identity(conv):
                    continue
                texts = batches.setdefault(conv, [])
                texts.extend((doc.meta.title or doc.stem, doc.meta.lead, doc.meta.author or ctx.config.author,
                              doc.meta.summary.strip()))
                for j in (i - 1, i + 1):  # the pager's titles
                    if 0 <= j < len(articles):
                        other = articles[j].doc(ctx.edition.key)
                        batches.setdefault(doc_converter(other, ctx.edition, ctx.config), []).append(
                            other.meta.title or other.stem)
                bodies.append((i, ctx, doc, hrefs, key))
        if self.store is not None and body_keys:
            self.store.prefetch(list(body_keys.values()))
        held = self.store.holds if self.store is not None else None
        for i, ctx, doc, hrefs, key in bodies:
            if key is not None and held is not None and held(key):
                continue  # (its quotes are cached alike: `_quotes`)
            conv = doc_converter(doc, ctx.edition, ctx.config)
            texts = batches[conv]
            linker = make_linker(self.topic_matcher, hrefs) if hrefs and self.topic_matcher is not None else None
            texts.extend(render_texts(tokens_of(doc, unsafe), linker, unsafe))
            summary_tokens = summary_tokens_of(doc, unsafe)
            if summary_tokens is not None and not doc.meta.summary.strip():
                texts.extend(render_texts(summary_tokens, None, unsafe))
            texts.extend([m.passage.text for m in found_of[i] if m.doc is doc])  # quoted by topic pages
        preconvert(batches)
        return body_keys

    def _quotes(self, found: list[Mention], res: _Result) -> None:
        """Each mentioned passage converted for each edition, as topic pages quote it (`_quote`),
        cached per document under what the conversion reads: the texts, the document's language
        and glossary, the edition and the site glossary."""
        by_doc: dict[str, tuple[Document, dict[str, str]]] = {}
        for m in found:
            by_doc.setdefault(m.doc.source, (m.doc, {}))[1].setdefault(m.passage.anchor, m.passage.text)
        assert self.store is not None
        for k, ctx in enumerate(self.ctxs):
            for source, (doc, texts) in by_doc.items():
                conv = doc_converter(doc, ctx.edition, ctx.config)
                if is_identity(conv):  # nothing to convert, nothing worth storing
                    res.quotes.extend((k, source, a, t) for a, t in texts.items())
                    continue
                key = digest("quotes", doc.lang, doc.meta.glossary, ctx.config.glossary, ctx.edition,
                             tuple(texts.values()))
                converted = self.store.get(key, tuple)
                if converted is None or len(converted) != len(texts):
                    converted = tuple(convert_texts(conv, list(texts.values())))
                    self.store.put(key, converted)
                res.quotes.extend((k, source, a, t) for a, t in zip(texts, converted, strict=True))

    def _entry_mentions(self, entry: Entry) -> list[Mention]:
        """`topics.entry_mentions`, each document's part cached under its text, the Markdown options
        and the matcher's input (every topic's aliases, in order): all `doc_mentions` reads."""
        assert self.topic_matcher is not None
        out: list[Mention] = []
        for doc in {id(d): d for _k, d in entry.docs}.values():
            key = found = None
            if self.store is not None and _deferred(doc):
                key = digest("mentions", doc.body, self.config.unsafe_html, self.matcher_sig)
                found = self.store.get(key, list)
            if found is None:
                found = doc_mentions(doc, self.topic_matcher, self.config.unsafe_html)
                if key is not None and self.store is not None:
                    self.store.put(key, found)
            out.extend(Mention(entry, doc, p, self.site.topics[t].entry.source) for p, t in found)
        return out

    def others(self, start: int, stop: int) -> _Result:
        res = _Result()
        for j in range(start, stop):
            k, job = self.rest[j]
            if k in res.errors:
                continue
            mark = self.store.checkpoint() if self.store is not None else 0
            try:
                outs = job(res.search)
                res.outputs.extend(outs)
                res.paths[j] = [o.path for o in outs]
                if self.store is not None:
                    res.keys[j] = self.store.used_since(mark)
            except _TEMPLATE_FAILURES as exc:
                self._fail(res, k, j, exc)
            forget_parsed()
        if self.store is not None:
            res.cache = self.store.drain()
        return res


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
        plan.ctxs[k].memo[("passage", source, anchor)] = text
    for key, sd in res.search.items():
        mine = search_docs.get(key)
        if mine is None or mine is sd:
            search_docs[key] = sd
            continue
        for name in ("url", "title", "summary", "tags", "text"):
            getattr(mine, name).update(getattr(sd, name))
    yield from res.outputs


def _rest_jobs(plan: _Plan, ctx: Ctx) -> list[Job]:
    """Every page but articles, as small jobs in the order a serial build renders them. Each job
    declares what it reads beyond the global signature (`Job`): keep these in step with the page
    functions, or an incremental build would keep a page it should have rendered again."""
    site, e, env = plan.site, ctx.edition, plan.env
    articles = site.articles
    feed_n = feeds.FEED_ITEMS
    jobs: list[Job] = []
    # home and section list pages are carried page by page: a page stands while none of the
    # articles it shows was rendered again (what it is and which articles it shows, in which order,
    # are all in the global signature)
    jobs += _list_jobs(ctx, env, "home", "", list(articles), ctx.strings["home"], None, carry=plan.carry_term)
    for tax, terms in site.terms:
        jobs.append(_job(_terms_index, ctx, env, tax, terms, ident=(tax,)))
        for t in terms:
            term = (e.key, tax, t.key)
            if plan.carry_term(term, t.sources):
                continue  # none of its articles was rendered again: its jobs are carried over whole
            entries = plan.term_entries(tax, t)
            name = ctx.term_names[(tax, t.key)]
            jobs += _list_jobs(ctx, env, "term", f"{tax}/{t.slug}/", entries, name, (tax, t), family=term)
            jobs.append(Job(_term_feed, (ctx, tax, t, name, entries), True, (tax, t.key),
                            tuple(entries[:feed_n]), term=term))
    for s in site.sections:
        if not s.path:
            continue  # content/_index.md describes the home page, which is rendered above
        entries = [a for a in articles if a.path.startswith(s.path)]
        intro = Markup(_render_doc(ctx, s.doc(e.key), s).html)  # the _index.md body, as Hugo shows it
        jobs += _list_jobs(ctx, env, "section", s.path, entries, _title(s.doc(e.key), e, ctx.config), None, intro,
                           owner=s, carry=plan.carry_term)
    counts = plan.counts
    for c in site.collections:
        jobs.append(_job_search(_collection, ctx, env, c, counts, ident=(c.entry.source,),
                                entries=(c.entry,), extra=tuple(counts[t.entry.source] for t in c.topics)))
        for topic in c.topics:
            if topic.entry.source in plan.carried_topics:
                continue  # nothing it shows changed: its jobs were carried over whole (render_site)
            jobs.append(Job(_topic_record, (ctx, topic), True, (topic.entry.source,), (topic.entry,),
                            topic=topic.entry.source))
            sig = plan.mention_sig(topic.entry.source)  # which passages of which documents, in order
            siblings = tuple(counts[o.entry.source] for o in c.topics if o.group == topic.group)
            # page n shows its own mentions and the first related articles; all pages show the count
            shown = plan.shown_rows(ctx, topic.entry.source)
            related = _first_entries(plan, shown, RELATED_SHOWN)
            # Each page is a family of its own (carried like a list page), named for all it reads
            # beyond the articles it shows: its own mentions' identities (document and anchor, a
            # digest of the passage's text), how many there are in all, the related articles (the
            # first ones it lists, and all of them: the top tags), the topic's own text and, on
            # page 1 (the only one listing the sibling topics), the siblings' counts. A page stands
            # while none of the passages it quotes and none of the summaries it shows changed; an
            # edit elsewhere in the topic's list does not touch it.
            whole = b""
            if plan.entry_sigs:  # (incremental builds, full ones included: they record the families)
                related_src = [r.source for r in related]
                everyone = "\0".join(sorted({r[0] for r in shown})).encode("utf-8", "surrogatepass")
                whole = repr((topic.entry.source, len(shown), related_src)).encode(
                    "utf-8", "surrogatepass") + hashlib.blake2b(everyone, digest_size=16).digest() + \
                    plan.entry_sigs[topic.entry.source]
            for n in range(1, max(1, math.ceil(len(shown) / MENTIONS_PER_PAGE)) + 1):
                chunk = shown[(n - 1) * MENTIONS_PER_PAGE: n * MENTIONS_PER_PAGE]
                family = None
                if whole:
                    own = repr((siblings if n == 1 else None, [r[:3] for r in chunk])).encode("utf-8", "surrogatepass")
                    family = (e.key, "topic:" + hashlib.blake2b(whole + own, digest_size=16).hexdigest(), str(n))
                if family is not None and plan.carry_topic_page(family, chunk, related_src, topic.entry.source):
                    continue
                jobs.append(Job(_topic, (ctx, env, c, topic, plan, counts, plan.topic_matcher, n), False,
                                (topic.entry.source, n), (topic.entry, *related, *plan.mentioning(chunk)),
                                (sig, siblings if n == 1 else None), topic.entry.source, family))
            mentioned = plan.topic_entries(topic.entry.source)
            jobs.append(_job(feeds.rss, ctx, topic.entry.path, ctx.topic_names[topic.entry.source],
                             list(mentioned), ident=(topic.entry.source,), entries=mentioned[:feed_n],
                             topic=topic.entry.source))
    for alias, target in site.redirects:
        jobs.append(_job(_redirect, ctx, env, alias, target, ident=(alias, target)))
    jobs.append(_job(feeds.rss, ctx, "", _site_vars(ctx)["title"], list(articles), ident=("",),
                     entries=articles[:feed_n]))
    jobs.append(_job(_search_page, ctx, env))
    jobs.append(_job(_not_found, ctx, env))
    return jobs


def _term_feed(ctx: Ctx, tax: str, t: Term, name: str, entries: list[Entry], sd: dict[str, SearchDoc]) -> Output:
    _search_term(ctx, tax, t, name, sd)
    return feeds.rss(ctx, f"{tax}/{t.slug}/", name, entries)


def _job(fn: Callable[..., Output], *args: Any, ident: tuple[Any, ...] = (), entries: Sequence[Entry] = (),
         extra: tuple[Any, ...] = (), topic: str = "") -> Job:
    """A job rendering one page; it adds nothing to the search index."""
    return Job(fn, args, False, ident, tuple(entries), extra, topic)


def _job_search(fn: Callable[..., Output | list[Output]], *args: Any, ident: tuple[Any, ...] = (),
                entries: Sequence[Entry] = (), extra: tuple[Any, ...] = (), topic: str = "") -> Job:
    """A job rendering one page and adding its record to the search docs passed at run time."""
    return Job(fn, args, True, ident, tuple(entries), extra, topic)


def _static_files(config: SiteConfig) -> Iterator[Output]:
    """Theme assets under static/, overridden file by file by the site's static/."""
    files: dict[str, Path] = {}
    for base in (THEME / "static", config.root / "static"):
        if base.is_dir():
            for p in sorted(base.rglob("*")):
                if p.is_file() and not p.name.startswith("."):
                    files["static/" + p.relative_to(base).as_posix()] = p
    for rel in sorted(files):
        yield Output(rel, files[rel].read_bytes())


def _edition_ctx(site: Site, config: SiteConfig, edition: Edition, env: jinja2.Environment,
                 build_date: dt.datetime, summaries: dict[str, str], store: Store | None = None,
                 global_sig: bytes = b"") -> Ctx:
    """An edition's names of terms and topics and its sidebar widgets. With a `store` and the
    build's global signature (which holds everything they are made of: every document's front
    matter, the config, the templates, the build date, the builder), they come from the cache when
    an earlier build made them: an edit then opens no OpenCC converter it does not need."""
    strings = strings_for(edition.script)
    key = digest("edition-ctx", global_sig, edition) if store is not None and global_sig else None
    hit = store.get(key, tuple, count=False) if key is not None and store is not None else None
    if hit is not None and len(hit) == 3:
        term_names, topic_names, widgets = (dict(h) for h in hit)
        return Ctx(site, config, edition, strings, widgets, term_names, topic_names, build_date, summaries)
    term_names = {(tax, t.key): term_name(t.name, edition, config) for tax, terms in site.terms for t in terms}
    topic_names = {t.entry.source: _title(t.entry.doc(edition.key), edition, config) for t in site.topics}
    for c in site.collections:
        topic_names[c.entry.source] = _title(c.entry.doc(edition.key), edition, config)
    ctx = Ctx(site, config, edition, strings, {}, term_names, topic_names, build_date, {})
    widgets = {name: env.get_template(f"widgets/{name}.html").render(_widget_vars(ctx, name))
               for name in ("search", "recent", "taglist", "categories", "topics")}
    if key is not None and store is not None:
        store.put(key, (tuple(term_names.items()), tuple(topic_names.items()), tuple(widgets.items())))
    return Ctx(site, config, edition, strings, widgets, term_names, topic_names, build_date, summaries)


def _title(doc: Document, edition: Edition, config: SiteConfig) -> str:
    return convert_known(doc_converter(doc, edition, config), doc.meta.title or doc.stem)


def _ctx_title(ctx: Ctx, doc: Document) -> str:
    """`_title` memoised per edition (a document's title shows on many list and topic pages)."""
    key = ("title", doc.source)
    t = ctx.memo.get(key)
    if t is None:
        t = ctx.memo[key] = _title(doc, ctx.edition, ctx.config)
    return t  # type: ignore[no-any-return]


def _mark_url(path: str) -> str:
    return ROOT_MARK + quote(path, safe="/.-_~#")


def _widget_vars(ctx: Ctx, name: str) -> dict[str, Any]:
    e = ctx.edition
    base: dict[str, Any] = {"strings": ctx.strings, "edition": e, "site": _site_vars(ctx),
                            "root": ROOT_MARK, "edition_root": ROOT_MARK + (e.prefix + "/" if e.prefix else ""),
                            "url": lambda p: _mark_url(ctx.path(p))}
    if name == "recent":
        base["items"] = [{"title": _title(a.doc(e.key), e, ctx.config), "url": _mark_url(ctx.path(a.path)),
                          "date": format_date(a.date)} for a in ctx.site.articles[: ctx.config.recent_count]]
    elif name in ("taglist", "categories"):
        tax = "tags" if name == "taglist" else "categories"
        base["terms"] = [{"name": ctx.term_names[(tax, t.key)], "count": len(t.sources),
                          "url": _mark_url(ctx.path(f"{tax}/{t.slug}/"))}
                         for t in sorted(ctx.site.taxonomy(tax), key=lambda t: (-len(t.sources), t.key))
                         [:WIDGET_TERMS]]
        base["counts"] = ctx.config.taglist_counts
        base["index_url"] = _mark_url(ctx.path(f"{tax}/"))
    elif name == "topics":
        base["collections"] = [_collection_vars(ctx, c, {}, url=_mark_url) for c in ctx.site.collections]
    return base


def _site_vars(ctx: Ctx) -> dict[str, Any]:
    if "site_vars" in ctx.memo:
        return dict(ctx.memo["site_vars"])
    conv = _term_converter(ctx.edition, ctx.config.glossary)
    ctx.memo["site_vars"] = {"title": conv(ctx.config.title), "description": conv(ctx.config.description),
            "base_url": ctx.config.base_url, "author": conv(ctx.config.author),
            "copyright": conv(ctx.config.copyright), "search_fallback": ctx.config.search_fallback}
    return dict(ctx.memo["site_vars"])


# --- pages ---------------------------------------------------------------------------------------

def _page_vars(ctx: Ctx, kind: str, page_path: str, title: str, sidebar_doc: Document | None = None,
               root_override: str | None = None) -> dict[str, Any]:
    """Variables every page template gets."""
    e = ctx.edition
    full = ctx.path(page_path)
    root = root_override if root_override is not None else root_of(full)
    meta = sidebar_doc.meta if sidebar_doc is not None else None
    sidebar = (meta.sidebar if meta and meta.sidebar is not None else ctx.config.sidebar)
    names = meta.widgets if meta and meta.widgets is not None else ctx.config.widgets
    alternates = [{"edition": ed, "url": root + quote((ed.prefix + "/" if ed.prefix else "") + page_path,
                                                        safe="/.-_~"),
                   "abs": absolute(ctx.config.base_url, (ed.prefix + "/" if ed.prefix else "") + page_path),
                   "current": ed == e} for ed in ctx.config.editions]
    widgets = []
    if sidebar != "false":
        for name in names:
            if name == "languages":
                widgets.append(Markup(_languages_widget(ctx, alternates)))
            else:
                widgets.append(Markup(ctx.widgets[name].replace(ROOT_MARK, root)))

    # the same paths recur on every page: quoted once per edition
    url = PageUrl(root, e.prefix, ctx.memo.setdefault("quoted", {}))

    return {
        "kind": kind, "site": _site_vars(ctx), "edition": e, "editions": ctx.config.editions,
        "strings": ctx.strings, "title": title, "root": root,
        "edition_root": root + (e.prefix + "/" if e.prefix else ""), "url": url,
        "canonical": absolute(ctx.config.base_url, full), "alternates": alternates,
        "x_default": absolute(ctx.config.base_url, page_path), "sidebar": sidebar, "widgets": widgets,
        "csp": CSP, "menu": [{"name": name, "url": m.url if "://" in m.url else url(m.url.lstrip("/"))}
                             for m, name in _menu_names(ctx)],
        "feed_url": url("index.xml"), "description": "", "og_image": "", "jsonld": None,
        "page_lang": e.code,
    }


def _menu_names(ctx: Ctx) -> list[tuple[Any, str]]:
    if "menu" not in ctx.memo:
        conv = _term_converter(ctx.edition, ctx.config.glossary)
        ctx.memo["menu"] = [(m, conv(m.name)) for m in ctx.config.menu]
    return ctx.memo["menu"]  # type: ignore[no-any-return]


def _languages_widget(ctx: Ctx, alternates: list[dict[str, Any]]) -> str:
    items = "".join(
        f'<li><a href="{escape(a["url"])}" hreflang="{escape(a["edition"].code)}" lang="{escape(a["edition"].code)}"'
        + (' aria-current="page"' if a["current"] else "") + f">{escape(a['edition'].name)}</a></li>"
        for a in alternates)
    return (f'<section class="widget widget-languages"><h2 class="widget-title">{escape(ctx.strings["languages"])}'
            f'</h2><ul class="widget-list">{items}</ul></section>')


def _render_doc(ctx: Ctx, doc: Document, entry: Entry, linker: Any = None,
                links: list[tuple[str, str]] | None = None) -> Rendered:
    """`links`, if given, receives (href, resolved) for every link and image source resolved."""
    e = ctx.edition
    conv = doc_converter(doc, e, ctx.config)
    root = root_of(ctx.path(entry.path))

    def resolve(href: str) -> str:
        out = _resolve_link(ctx, doc, href, root)
        if links is not None:
            links.append((href, out))
        return out

    sanitize: Callable[[str], str] | None = None
    if ctx.config.unsafe_html:  # raw HTML through the nh3 allowlist instead of escaped
        from .sanitize import clean
        sanitize = clean
    env = RenderEnv(convert=conv, edition_key=e.key, edition_script=e.script, resolve_link=resolve,
                    linker=linker, sanitize=sanitize)
    return render(tokens_of(doc, ctx.config.unsafe_html), env, ctx.config.unsafe_html)


def _resolve_link(ctx: Ctx, doc: Document, href: str, root: str) -> str:
    """`[x](other.md#anchor)` → the other page in this edition; everything else as written."""
    if "://" in href or href.startswith(("#", "/", "mailto:", "tel:", "data:")):
        return href
    path, _, anchor = href.partition("#")
    if not path.lower().endswith((".md", ".markdown")):
        return href
    import posixpath
    from urllib.parse import unquote
    target = posixpath.normpath(posixpath.join(posixpath.dirname(doc.source), unquote(path)))
    entry = ctx.site.index.get(target)
    if entry is None:
        return href
    return root + quote(ctx.path(entry.path), safe="/.-_~") + ("#" + anchor if anchor else "")


def summarize(text: str, length: int) -> str:
    """By characters for CJK text, by words otherwise; prefers to end at a sentence."""
    text = re.sub(r"\s+", " ", text).strip()
    cjk = _count(_CJK_RUNS, text)
    if cjk * 3 >= len(text.replace(" ", "")) // 2 or cjk > 40:
        if len(text) <= length:
            return text
        cut = text[:length]
        stop = max(cut.rfind(c) for c in "。！？；")
        if stop >= length * 0.6:
            return cut[: stop + 1]
        return cut.rstrip() + "…"
    words = text.split(" ")
    n = max(30, length // 3)
    return text if len(words) <= n else " ".join(words[:n]) + "…"


_HAN_RUNS = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_CJK_RUNS = re.compile(CJK_RE.pattern + "+")


def _count(runs: re.Pattern[str], text: str) -> int:
    """How many characters of `text` the one-character class `runs` repeats (`[…]+`) matches:
    summed over maximal runs, about five times faster than deleting them (`sub`) or a list of
    one-character matches."""
    return sum(map(len, runs.findall(text)))


def reading_minutes(text: str) -> int:
    """Han characters at 400 a minute plus words at 220: punctuation is not read."""
    cjk = _count(_HAN_RUNS, text)
    words = len(re.findall(r"[A-Za-z0-9]+", text))
    return max(1, math.ceil(cjk / 400 + words / 220))


def _summary(ctx: Ctx, doc: Document, rendered_text: str) -> str:
    conv = doc_converter(doc, ctx.edition, ctx.config)
    if doc.meta.summary.strip():
        return convert_known(conv, doc.meta.summary.strip())
    summary_tokens = summary_tokens_of(doc, ctx.config.unsafe_html)
    if summary_tokens is not None:
        env = RenderEnv(convert=conv, edition_key=ctx.edition.key, edition_script=ctx.edition.script)
        return render(summary_tokens, env).text.replace("\n", " ").strip()
    return summarize(rendered_text, ctx.config.summary_length)


def _term_links(ctx: Ctx, doc: Document, tax: str, url: Callable[[str], str]) -> list[dict[str, str]]:
    return [{"name": n, "url": url(p)} for n, p in _term_pairs(ctx, doc, tax)]


def _term_pairs(ctx: Ctx, doc: Document, tax: str) -> list[tuple[str, str]]:
    """(name in this edition, page path) of each of the document's terms, memoised per edition."""
    key = ("terms", tax, doc.source)
    found = ctx.memo.get(key)
    if found is None:
        from .convert import fold_key
        index_key = ("term_index", tax)
        by_key = ctx.memo.get(index_key)
        if by_key is None:
            by_key = ctx.memo[index_key] = {t.key: t for t in ctx.site.taxonomy(tax)}
        found = []
        for name in getattr(doc.meta, tax):
            t = by_key.get(fold_key(name))
            if t is not None:
                found.append((ctx.term_names[(tax, t.key)], f"{tax}/{t.slug}/"))
        ctx.memo[key] = found
    return found  # type: ignore[no-any-return]


def _article(ctx: Ctx, env: jinja2.Environment, entry: Entry, newer: Entry | None, older: Entry | None,
             topic_matcher: Matcher | None, doc_topics: dict[str, set[int]],
             search_docs: dict[str, SearchDoc], store: Store | None = None, matcher_sig: bytes = b"",
             body_key: bytes | None = None) -> Output:
    e = ctx.edition
    doc = entry.doc(e.key)
    full = ctx.path(entry.path)
    root = root_of(full)
    hrefs = _topic_hrefs(ctx, doc, root, topic_matcher, doc_topics)
    rendered, summary = _article_body(ctx, doc, entry, root, topic_matcher, hrefs, store, matcher_sig, body_key)
    conv = _known(doc_converter(doc, e, ctx.config))
    title = conv(doc.meta.title or doc.stem)
    v = _page_vars(ctx, "article", entry.path, title, doc)
    ctx.summaries[entry.source] = summary
    thumb = doc.meta.thumbnail
    v.update({
        "page": {
            "title": title, "content": Markup(rendered.html), "lead": conv(doc.meta.lead),
            "date": format_date(entry.date), "date_iso": entry.date.isoformat() if entry.date else "",
            "lastmod": format_date(doc.meta.lastmod),
            "lastmod_iso": doc.meta.lastmod.isoformat() if doc.meta.lastmod else "",
            "reading_time": reading_minutes(rendered.text),
            "thumbnail": thumb.src if thumb and thumb.in_post else "",
            "tags": _term_links(ctx, entry.canonical, "tags", v["url"]),
            "categories": _term_links(ctx, entry.canonical, "categories", v["url"]),
            "toc": [{"level": lvl, "id": hid, "title": t} for lvl, hid, t in rendered.toc] if doc.meta.toc else [],
            "authorbox": doc.meta.authorbox, "author": conv(doc.meta.author or ctx.config.author),
            "pager": doc.meta.pager, "lang": doc.lang,
            "newer": _link(ctx, newer, v["url"]) if doc.meta.pager else None,
            "older": _link(ctx, older, v["url"]) if doc.meta.pager else None,
            "summary": summary, "params": dict(doc.meta.params),
        },
        "description": summary, "og_image": thumb.src if thumb else "", "page_lang": _content_lang(doc, e),
        "jsonld": {"@context": "https://schema.org", "@type": "Article", "headline": title,
                   "datePublished": entry.date.isoformat() if entry.date else None,
                   "dateModified": (doc.meta.lastmod or entry.date).isoformat() if entry.date else None,
                   "inLanguage": _content_lang(doc, e), "mainEntityOfPage": v["canonical"],
                   "image": thumb.src if thumb else None, "description": summary},
    })
    _add_search(search_docs, entry.source, "article", entry, ctx, title, summary, rendered.text,
                [t["name"] for t in v["page"]["tags"]])
    return Output(output_file(full), _render_template(env, "article.html", v))


def _topic_hrefs(ctx: Ctx, doc: Document, root: str, topic_matcher: Matcher | None,
                 doc_topics: dict[str, set[int]]) -> tuple[str | None, ...] | None:
    """The first-mention linker's href per topic (None: not linked), or None: no linker."""
    mentioned = doc_topics.get(doc.source)
    if not (ctx.config.link_topics and topic_matcher is not None and mentioned):
        return None
    topics = ctx.site.topics
    links: list[str | None] = [None] * len(topics)
    for i in mentioned:
        links[i] = root + quote(ctx.path(topics[i].entry.path), safe="/.-_~")
    return tuple(links)


def _known(conv: Convert) -> Convert:
    """`conv`, looking texts up first among those converted ahead (`markdown.preconvert`)."""
    if is_identity(conv):
        return conv
    return lambda text: convert_known(conv, text)


def _body_key(ctx: Ctx, doc: Document, root: str, hrefs: tuple[str | None, ...] | None,
              matcher_sig: bytes) -> bytes:
    """The cache key of an article body in one edition (see `_article_body`). What every body of
    the edition shares is hashed once per edition; `hrefs` goes in as its length and its linked
    topics' (index, href) pairs (the rest are None): hashing a part per topic cost more than the
    body's text."""
    shared = ctx.memo.get("body-key")
    if shared is None:
        shared = ctx.memo["body-key"] = digest("article-body-edition", ctx.config.glossary, ctx.edition,
                                               ctx.config.unsafe_html, ctx.config.summary_length)
    linked = None if hrefs is None else (len(hrefs), *[x for i, h in enumerate(hrefs) if h is not None for x in (i, h)])
    return digest("article-body", doc.source, doc.lang, doc.body, doc.summary_src, doc.meta.summary,
                  doc.meta.glossary, shared, root, matcher_sig if hrefs else None, linked)


def _deferred(doc: Document) -> bool:
    """True when the document's tokens are exactly the parse of its kept text (`body`, `summary_src`)."""
    return not doc.tokens and doc.summary_tokens is None


def _article_body(ctx: Ctx, doc: Document, entry: Entry, root: str, topic_matcher: Matcher | None,
                  hrefs: tuple[str | None, ...] | None, store: Store | None,
                  matcher_sig: bytes, body_key: bytes | None = None) -> tuple[Rendered, str]:
    """An article's rendered body and summary in one edition, from the cache when possible.

    The key holds everything `_render_doc` and `_summary` read: the document's text, summary text,
    front-matter summary and glossary, language and source path; the edition and site glossary; the
    config fields Markdown uses (unsafe_html, summary_length); the page's root; the first-mention
    linker's input (the matcher's input and each topic's href). What relative `.md` links resolve
    to depends on other pages' paths: each link's resolution is stored and re-checked on use."""
    key = None
    if store is not None and _deferred(doc):
        key = body_key or _body_key(ctx, doc, root, hrefs, matcher_sig)
        hit = store.get(key, tuple)
        if hit is not None:
            html, toc, text, summary, resolved = hit
            if all(_resolve_link(ctx, doc, href, root) == out for href, out in resolved):
                return Rendered(html, toc, text), summary
    links: list[tuple[str, str]] = []
    linker = make_linker(topic_matcher, hrefs) if hrefs and topic_matcher is not None else None
    rendered = _render_doc(ctx, doc, entry, linker, links)
    summary = _summary(ctx, doc, rendered.text)
    if key is not None and store is not None:
        store.put(key, (rendered.html, rendered.toc, rendered.text, summary, tuple(links)))
    return rendered, summary


def _content_lang(doc: Document, e: Edition) -> str:
    """Chinese content takes the edition's tag after conversion; other languages keep their own."""
    return e.code if source_script(doc.lang) else doc.lang


def _link(ctx: Ctx, entry: Entry | None, url: Callable[[str], str]) -> dict[str, str] | None:
    if entry is None:
        return None
    return {"title": _ctx_title(ctx, entry.doc(ctx.edition.key)), "url": url(entry.path)}


def _render_template(env: jinja2.Environment, name: str, v: dict[str, Any]) -> bytes:
    """A page's bytes; reused from an earlier build when its template and values are the same, for
    the templates PageCache.stores (pagecache.py: the key is complete, or None and the page is rendered)."""
    pages: PageCache | None = getattr(env, "tongwen_pages", None)
    key = pages.key(name, v) if pages is not None and pages.stores(name) else None
    if key is not None and pages is not None:
        data = pages.store.get(key, bytes, count=False)
        if data is not None:
            return data
    data = env.get_template(name).render(v).encode("utf-8")
    if key is not None and pages is not None:
        pages.store.put(key, data)
    return data


def _card(ctx: Ctx, entry: Entry, url: Callable[[str], str]) -> dict[str, Any]:
    e = ctx.edition
    doc = entry.doc(e.key)
    summary = ctx.summaries.get(entry.source)
    if summary is None:  # not rendered as an article in this build (cannot happen for articles)
        summary = _summary(ctx, doc, "")
    thumb = doc.meta.thumbnail
    return {"title": _ctx_title(ctx, doc), "url": url(entry.path), "date": format_date(entry.date),
            "date_iso": entry.date.isoformat() if entry.date else "", "summary": summary,
            "thumbnail": thumb.src if thumb and thumb.in_list else "",
            "categories": _term_links(ctx, entry.canonical, "categories", url), "lang": _content_lang(doc, e)}


def _list_jobs(ctx: Ctx, env: jinja2.Environment, kind: str, base: str, entries: Sequence[Entry], title: str,
               term: tuple[str, Term] | None, intro: str = "", owner: Entry | None = None,
               family: tuple[str, str, str] | None = None,
               carry: Callable[[tuple[str, str, str], Sequence[str]], bool] | None = None) -> list[Job]:
    """The jobs of a paginated list: of one `family` (a term's), or with `carry`, each page a family
    of its own that `carry(family, its articles)` may carry over (then it makes no job)."""
    # Hugo's list order: pages with a weight first, lightest first; the rest keep newest-first order
    if ctx.site.weighted:  # (a stable sort: without weights every page keeps its order)
        entries = sorted(entries, key=lambda a: (a.canonical.meta.weight == 0, a.canonical.meta.weight))
    per = ctx.config.paginate
    pages = max(1, math.ceil(len(entries) / per))
    # a page shows its own entries' summaries, and the intro (the section's body) on its first page
    jobs = []
    for n in range(1, pages + 1):
        shown = (*entries[(n - 1) * per: n * per], *((owner,) if owner is not None and n == 1 else ()))
        page_family = family
        if carry is not None and not (owner is not None and n == 1):  # (the intro is not an article's)
            page_family = (ctx.edition.key, f"{kind}:{base}", str(n))
            if carry(page_family, [e.source for e in shown]):
                continue
        jobs.append(Job(_list_page, (ctx, env, kind, base, entries, title, term, n, pages, intro), False,
                        (kind, base, n), shown, term=page_family))
    return jobs


def _list_page(ctx: Ctx, env: jinja2.Environment, kind: str, base: str, entries: Sequence[Entry], title: str,
               term: tuple[str, Term] | None, n: int, pages: int, intro: str = "") -> Output:
    per = ctx.config.paginate
    path = base if n == 1 else f"{base}page/{n}/"
    v = _page_vars(ctx, kind, path, title if n == 1 else f"{title} · {ctx.strings['page_n'].format(n=n)}")
    chunk = entries[(n - 1) * per: n * per]
    v["page"] = {
        "title": title, "entries": [_card(ctx, a, v["url"]) for a in chunk], "n": n, "pages": pages,
        "prev": v["url"](base if n == 2 else f"{base}page/{n - 1}/") if n > 1 else "",
        "next": v["url"](f"{base}page/{n + 1}/") if n < pages else "",
        "taxonomy": term[0] if term else "", "count": len(entries),
        "term_feed": v["url"](f"{base}index.xml") if term else "",
        "content": intro if n == 1 else "",
    }
    v["description"] = ctx.config.description if kind == "home" else title
    return Output(output_file(ctx.path(path)), _render_template(env, "list.html", v))


def _terms_index(ctx: Ctx, env: jinja2.Environment, tax: str, terms: Sequence[Term]) -> Output:
    title = ctx.strings["tags" if tax == "tags" else "categories"]
    v = _page_vars(ctx, "terms", f"{tax}/", title)
    v["page"] = {"title": title, "taxonomy": tax, "terms": [
        {"name": ctx.term_names[(tax, t.key)], "count": len(t.sources), "url": v["url"](f"{tax}/{t.slug}/")}
        for t in sorted(terms, key=lambda t: (-len(t.sources), t.key))]}
    return Output(output_file(ctx.path(f"{tax}/")), _render_template(env, "terms.html", v))


def _collection_vars(ctx: Ctx, c: Collection, counts: dict[str, int],
                     url: Callable[[str], str]) -> dict[str, Any]:
    groups: list[dict[str, Any]] = []
    conv = _term_converter(ctx.edition, ctx.config.glossary)
    for g in (*c.groups, ""):
        topics = [t for t in c.topics if t.group == g]
        if topics:
            groups.append({"name": conv(g), "topics": [
                {"title": ctx.topic_names[t.entry.source], "url": url(ctx.path(t.entry.path)),
                 "count": counts.get(t.entry.source, 0)} for t in topics]})
    return {"title": ctx.topic_names[c.entry.source], "url": url(ctx.path(c.entry.path)), "groups": groups}


def _collection(ctx: Ctx, env: jinja2.Environment, c: Collection, counts: dict[str, int],
                search_docs: dict[str, SearchDoc]) -> Output:
    e = ctx.edition
    doc = c.entry.doc(e.key)
    rendered = _render_doc(ctx, doc, c.entry)
    title = ctx.topic_names[c.entry.source]
    v = _page_vars(ctx, "collection", c.entry.path, title, doc)
    root = v["root"]
    v["page"] = {"title": title, "content": Markup(rendered.html),
                 **_collection_vars(ctx, c, counts, lambda p: root + quote(p, safe="/.-_~"))}
    v["description"] = summarize(rendered.text, ctx.config.summary_length)
    _add_search(search_docs, c.entry.source, "collection", c.entry, ctx, title, v["description"], rendered.text, [])
    return Output(output_file(ctx.path(c.entry.path)), _render_template(env, "collection.html", v))


MENTIONS_PER_PAGE = 50  # a topic mentioned by thousands of articles gets pages, not one huge page
RELATED_SHOWN = 10
TOPIC_TAGS_SHOWN = 20


def _quote(ctx: Ctx, m: Any, topic_matcher: Matcher | None, index: int) -> Markup:
    """One quoted passage in this edition, the topic's words marked. A passage is converted once per
    edition (it may quote several topics) and marked in its converted text: alias forms cover both
    scripts."""
    key = ("passage", m.doc.source, m.passage.anchor)
    text = ctx.memo.get(key)
    if text is None:
        text = ctx.memo[key] = doc_converter(m.doc, ctx.edition, ctx.config)(m.passage.text)
    spans = highlight_spans(text, topic_matcher, index) if topic_matcher else [(text, False)]
    return Markup("".join(f"<mark>{escape(seg)}</mark>" if hl else str(escape(seg)) for seg, hl in spans))


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


def _first_entries(plan: _Plan, rows: Sequence[_Row], n: int) -> tuple[Entry, ...]:
    """The first `n` distinct entries of mention rows (plan.mentioning(rows)[:n], without the rest)."""
    out: dict[str, None] = {}
    for r in rows:
        if len(out) == n:
            break
        out[r[0]] = None
    index = plan.site.index
    return tuple(index[a] for a in out)


def _translated(ctx: Ctx) -> frozenset[str]:
    """The articles with a translation: only their mentions can differ between editions."""
    got = ctx.memo.get("translated")
    if got is None:
        got = ctx.memo["translated"] = frozenset(
            e.source for e in ctx.site.articles if any(d is not e.canonical for _k, d in e.docs))
    return got  # type: ignore[no-any-return]


def _topic_base(ctx: Ctx, t: Topic, plan: _Plan) -> _TopicBase:
    key = ("topic", t.entry.source)
    base = ctx.memo.get(key)
    if base is not None:
        return base  # type: ignore[no-any-return]
    rendered, aliases, description = _topic_text(ctx, t)
    shown = plan.shown_rows(ctx, t.entry.source)
    related = list(plan.mentioning(shown))
    base = ctx.memo[key] = _TopicBase(
        rendered, ctx.topic_names[t.entry.source], ctx.site.topics.index(t), len(shown), related,
        aliases, description, _top_tags(ctx, related, plan.mention_sig(t.entry.source)),
        max(1, math.ceil(len(shown) / MENTIONS_PER_PAGE)))
    return base


def _topic_text(ctx: Ctx, t: Topic) -> tuple[Rendered, list[str], str]:
    """A topic's own text in this edition: (its body rendered, its aliases, its description)."""
    key = ("topic-text", t.entry.source)
    got = ctx.memo.get(key)
    if got is None:
        rendered = _render_doc(ctx, t.entry.doc(ctx.edition.key), t.entry)
        conv_t = _term_converter(ctx.edition, ctx.config.glossary)
        got = ctx.memo[key] = (rendered, [conv_t(a) for a in t.aliases],
                               summarize(rendered.text, ctx.config.summary_length))
    return got  # type: ignore[no-any-return]


def _topic_record(ctx: Ctx, t: Topic, search_docs: dict[str, SearchDoc]) -> list[Output]:
    """A topic's search record in this edition: its own text only. (A job of its own: a topic's
    pages may render again in one edition only — their mentions differ where articles have a
    translation — while every edition's part of a record is updated together.)"""
    rendered, aliases, description = _topic_text(ctx, t)
    _add_search(search_docs, t.entry.source, "topic", t.entry, ctx, ctx.topic_names[t.entry.source], description,
                rendered.text, aliases)  # aliases are keywords (like tags), not text for the snippet
    return []


def _top_tags(ctx: Ctx, related: list[Entry], mention_sig: bytes) -> list[tuple[str, str]]:
    """The related articles' tags, most shared first: (name in this edition, page path). Cached under
    the global signature (every article's tags, the terms' names and slugs, the config, the
    translations) and the topic's mention signature (which passages of which documents, in order:
    with the edition, they make the related articles in order): all it is computed from."""
    store: Store | None = ctx.memo.get("store")
    gsig: bytes | None = ctx.memo.get("global_sig")
    ckey = None
    if store is not None and gsig is not None:
        ckey = digest("top-tags", gsig, ctx.edition, mention_sig)
        hit = store.get(ckey, list, count=False)
        if hit is not None:
            return hit
    tag_count: dict[tuple[str, str], int] = {}
    for r in related:
        for k in _term_pairs(ctx, r.canonical, "tags"):
            tag_count[k] = tag_count.get(k, 0) + 1
    top = [k for k, _n in sorted(tag_count.items(), key=lambda kv: (-kv[1], kv[0]))][:TOPIC_TAGS_SHOWN]
    if ckey is not None and store is not None:
        store.put(ckey, top)
    return top


def _topic(ctx: Ctx, env: jinja2.Environment, c: Collection, t: Topic, plan: _Plan,
           counts: dict[str, int], topic_matcher: Matcher | None, n: int) -> Output:
    """Page `n` of a topic: its text, the mentions of that page, related articles and tags (its
    search record is `_topic_record`'s)."""
    b = _topic_base(ctx, t, plan)
    conv_t = _term_converter(ctx.edition, ctx.config.glossary)
    path = t.entry.path if n == 1 else f"{t.entry.path}page/{n}/"
    v = _page_vars(ctx, "topic", path, b.title if n == 1 else f"{b.title} · {ctx.strings['page_n'].format(n=n)}",
                   t.entry.doc(ctx.edition.key))
    url = v["url"]
    chunk = plan.page_mentions(ctx, t.entry.source, n)
    quotes = [{"html": _quote(ctx, m, topic_matcher, b.index),
               "url": url(m.entry.path) + "#" + m.passage.anchor,
               "title": _ctx_title(ctx, m.doc), "date": format_date(m.entry.date)} for m in chunk]
    # the sibling topics, with their counts, on page 1 only: the later pages are more of the
    # topic's mentions (and a new mention anywhere in the group does not re-render them all)
    siblings = [{"title": ctx.topic_names[o.entry.source], "url": url(o.entry.path),
                 "count": counts.get(o.entry.source, 0)}
                for o in c.topics if o is not t and o.group == t.group] if n == 1 else []
    v["page"] = {
        "title": b.title, "content": Markup(b.rendered.html), "group": conv_t(t.group),
        "aliases": b.aliases, "mentions": quotes, "mention_count": b.shown,
        "related": [_card(ctx, r, url) for r in b.related[:RELATED_SHOWN]],
        "related_count": len(b.related),
        "tags": [{"name": name, "url": url(path)} for name, path in b.top_tags],
        "siblings": siblings, "collection": {"title": ctx.topic_names[c.entry.source], "url": url(c.entry.path)},
        "feed": url(t.entry.path + "index.xml"), "n": n, "pages": b.pages,
        "prev": url(t.entry.path if n == 2 else f"{t.entry.path}page/{n - 1}/") if n > 1 else "",
        "next": url(f"{t.entry.path}page/{n + 1}/") if n < b.pages else "",
    }
    v["description"] = b.description
    return Output(output_file(ctx.path(path)), _render_template(env, "topic.html", v))


def _redirect(ctx: Ctx, env: jinja2.Environment, alias: str, target: str) -> Output:
    v = _page_vars(ctx, "redirect", alias, ctx.strings["redirecting"])
    v["page"] = {"target": v["url"](target), "target_abs": absolute(ctx.config.base_url, ctx.path(target))}
    return Output(output_file(ctx.path(alias)), _render_template(env, "redirect.html", v))


def _search_page(ctx: Ctx, env: jinja2.Environment) -> Output:
    """The search form's target: search.js runs `?q=` here; without JavaScript it offers browsing."""
    v = _page_vars(ctx, "search", "search/", ctx.strings["search_results"])
    form = Markup(ctx.widgets["search"].replace(ROOT_MARK, v["root"]))
    v["widgets"] = [w for w in v["widgets"] if "widget-search" not in w]  # one search form per page
    v["page"] = {"form": form, "collections": [
        {"title": ctx.topic_names[c.entry.source], "url": v["url"](c.entry.path)} for c in ctx.site.collections]}
    return Output(output_file(ctx.path("search/")), _render_template(env, "search.html", v))


def _not_found(ctx: Ctx, env: jinja2.Environment) -> Output:
    from urllib.parse import urlparse
    base_path = urlparse(ctx.config.base_url).path or "/"
    # 404.html is served for any missing path, at any depth: links must not be relative
    v = _page_vars(ctx, "404", "404.html", ctx.strings["not_found_title"], root_override=base_path)
    v["page"] = {"title": ctx.strings["not_found_title"]}
    return Output(ctx.path("404.html"), _render_template(env, "404.html", v))


def _add_search(search_docs: dict[str, SearchDoc], key: str, kind: str, entry: Entry, ctx: Ctx, title: str,
                summary: str, text: str, tags: list[str]) -> None:
    e = ctx.edition
    sd = search_docs.get(key)
    if sd is None:
        sd = SearchDoc(kind=kind, date=entry.date.date().isoformat() if entry.date else "")
        search_docs[key] = sd
    sd.url[e.key] = ctx.path(entry.path)
    sd.title[e.key] = title
    sd.summary[e.key] = summary
    sd.tags[e.key] = tuple(tags)
    sd.text[e.key] = text


def _search_term(ctx: Ctx, tax: str, t: Term, name: str, search_docs: dict[str, SearchDoc]) -> None:
    e = ctx.edition
    key = f"{tax}:{t.key}"
    sd = search_docs.setdefault(key, SearchDoc(kind="term", date=""))
    sd.url[e.key] = ctx.path(f"{tax}/{t.slug}/")
    sd.title[e.key] = name
    sd.summary[e.key] = ctx.strings["n_articles"].format(n=len(t.sources))
    sd.tags[e.key] = ()
    sd.text[e.key] = name


__all__ = ["render_site", "environment", "summarize", "reading_minutes"]
