"""One build: load → derive → render → write. The dev server calls this same function."""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import logging
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import fingerprint, outwatch, search, skeleton
from .cache import Store
from .config import SiteConfig, load_config
from .derive import Entry, derive
from .errors import BuildFailed, error
from .incremental import RenderState, StateIncomplete, body_sig, global_sig, load_state, search_state_dir, write_state
from .load import load, walk
from .memory import without_utf8_copy
from .model import Document
from .pagecache import templates_digest
from .parallel import default_jobs
from .render import Incremental, render_site
from .write import Patch, Staging, check_target, recover

log = logging.getLogger("tongwen")


@dataclass(frozen=True)
class BuildResult:
    out: Path
    pages: int  # HTML files
    outputs: int  # all files
    stages: dict[str, float]
    editions: tuple[str, ...]
    kinds: dict[str, int] = field(default_factory=dict)  # pages per kind, in each edition
    skipped: bool = False  # every input unchanged and the output untouched: nothing to do (fingerprint.py)
    jobs_run: int = 0  # page jobs rendered (incremental.py)
    jobs_kept: int = 0  # page jobs whose previous outputs stand


def page_kinds(site: object) -> dict[str, int]:
    """Pages of each kind one edition publishes (every edition publishes the same pages)."""
    from .derive import Site
    assert isinstance(site, Site)
    return {"article": len(site.articles), "topic": len(site.topics), "collection": len(site.collections),
            "section": len(site.sections), "term": sum(len(t) for _k, t in site.terms),
            "redirect": len(site.redirects)}


class _FullBuild(Exception):
    """An incremental build cannot finish incrementally (the search index must be rebuilt)."""


def _holds(out: Path, rel: str, data: bytes) -> bool:
    try:
        return (out / rel).read_bytes() == data
    except OSError:
        return False


def _entry_sig(entry: Entry, files: dict[str, bytes], root: str) -> bytes:
    """What the entry's documents hold beyond the global signature: their files' digests (from
    fingerprint.FileDigests, which this build hashed or trusted), else their Markdown."""
    h = hashlib.blake2b(digest_size=16)
    for k, d in entry.docs:
        h.update(k.encode() + b"\0" + (files.get(root + d.source) or body_sig(d)))
    return h.digest()


def _drop_utf8_copies(docs: list[Document]) -> None:
    """The loaded documents were pickled (their cache rows, the site snapshot), which left a UTF-8
    copy inside each of their texts; they live until the build ends (in every forked worker too),
    so let those copies go (10,000 articles: 60 MB). Each document is changed in place: the site
    model holds the same objects."""
    for d in docs:
        for name in ("body", "summary_src"):
            text = getattr(d, name)
            if text:
                object.__setattr__(d, name, without_utf8_copy(text))


def _warn_empty(articles: tuple[Entry, ...]) -> None:
    """Warn about each published article without text (`tongwen new` makes a draft for this reason).
    A reused skeleton's documents not read back are unchanged since the full load that warned."""
    for a in articles:
        d = a.canonical
        if ("body" in d.__dict__ or "_lazy" not in d.__dict__) and not d.tokens and not d.body.strip() \
                and not d.meta.draft:  # (a draft built with --drafts is a preview)
            log.warning("%s:%d: the article has no text but is published (add text, or set draft: true)",
                        d.source, d.body_line)


def build_date(config: SiteConfig, newest: dt.datetime | None) -> dt.datetime:
    """Deterministic: SOURCE_DATE_EPOCH, else site.yaml build_date, else the newest content date."""
    sde = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if sde:
        try:
            return dt.datetime.fromtimestamp(int(sde), tz=dt.UTC)
        except (ValueError, OverflowError):
            raise BuildFailed([error("SOURCE_DATE_EPOCH", 0, f"not a Unix timestamp: {sde!r}")]) from None
    if config.build_date:
        from .frontmatter import parse_date
        try:
            return parse_date(config.build_date, config.tz)
        except ValueError as exc:
            raise BuildFailed([error("site.yaml", 1, f"build_date: {exc}")]) from None
    return newest or dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def build(site_dir: Path, out: Path | None = None, drafts: bool = False, base_url: str | None = None,
          jobs: int | None = None, progress: Callable[[str, int], None] | None = None) -> BuildResult:
    """`jobs`: worker processes for parsing and rendering (default: TONGWEN_JOBS or the core count).
    `progress(stage, files_written)` is called now and then, for a terminal display."""
    # A build holds a large, long-lived heap (documents, the site model, the incremental state) and
    # makes no reference cycles worth collecting mid-build: the cyclic collector would rescan that
    # heap again and again (a tenth of an incremental build's time at 10,000 articles)
    threshold, enabled = gc.get_threshold(), gc.isenabled()
    gc.disable()  # until the model is loaded (it is frozen then; see _build)
    gc.set_threshold(200_000, 100, 1000)
    try:
        try:
            return _build(site_dir, out, drafts, base_url, jobs, progress)
        except skeleton.SnapshotDamaged as exc:  # nothing was published: build again without it
            outwatch.close_all()
            log.warning("%s; loading the site afresh", exc)
            skeleton.forget(site_dir, out if out is not None else site_dir / load_config(site_dir).output_dir)
            return _build(site_dir, out, drafts, base_url, jobs, progress)
    finally:
        outwatch.close_all()  # a build that raised: its output watch's child is reaped
        gc.set_threshold(*threshold)
        gc.unfreeze()
        if enabled:
            gc.enable()


def _build(site_dir: Path, out: Path | None, drafts: bool, base_url: str | None,
           jobs: int | None, progress: Callable[[str, int], None] | None) -> BuildResult:
    jobs = default_jobs() if jobs is None else max(1, jobs)
    stages: dict[str, float] = {}

    def step(name: str, t0: float) -> None:
        stages[name] = stages.get(name, 0.0) + time.perf_counter() - t0
        log.debug("%s: %.3fs", name, stages[name])

    t = time.perf_counter()
    config = load_config(site_dir)
    if base_url:
        config = replace(config, base_url=base_url if base_url.endswith("/") else base_url + "/")
    out = out if out is not None else site_dir / config.output_dir
    step("config", t)

    # A record exists only for an output folder a build published into (check_target passed then) and
    # the output digest proves the folder is untouched since, so a skip needs no second check.
    t = time.perf_counter()
    if out.parent.is_dir():
        recover(out)  # a build killed after its update's commit point: finish that update first
    # the output folder's listing digest (the skip's check, then the incremental state's) is worked
    # out by a forked child while this process hashes the inputs and loads the site (outwatch.py):
    # forked here, before the cache database is opened or any worker runs
    watch = outwatch.start(out)
    digests = fingerprint.FileDigests(site_dir)
    walked = walk(config)  # content/ is walked once per build
    fp = fingerprint.inputs(config, site_dir, out, drafts, digests, walked)
    done = fingerprint.unchanged(site_dir, out, fp, watch.before)
    step("fingerprint", t)
    if done is not None:
        watch.close()
        return BuildResult(out, int(done["pages"]), int(done["outputs"]),  # type: ignore[call-overload]
                           stages, tuple(e.code for e in config.editions), skipped=True)

    # incremental: jobs whose inputs are unchanged since the previous build into this untouched
    # output folder keep their files (incremental.py), and the folder is patched in place
    t = time.perf_counter()
    previous = load_state(site_dir, out, verify=False)  # trusted only once `watch` vouches for the folder
    recorded = previous.listing if previous is not None else None  # the folder's listing digest after it
    step("incremental", t)
    t = time.perf_counter()
    check_target(out, site_dir, foreign_scan=previous is None)
    patch = Patch.open(out) if previous is not None else None
    if patch is None:
        previous = None
    writer: Staging | Patch = patch or Staging(out)
    step("config", t)

    t = time.perf_counter()
    store = Store(site_dir)  # per-document work from earlier builds, content-addressed (cache.py)
    # while only Markdown bodies changed, the site derived by an earlier build stands (skeleton.py)
    reused = skeleton.reuse(site_dir, out, config, drafts, walked[0], walked[1], store, digests)
    resources = walked[1]
    if reused is not None:
        docs, site = reused.docs, reused.site
        store.release()
        step("load", t)
    else:
        # Markdown is parsed where it is rendered; an unchanged file is not even read (FileDigests)
        docs, resources = load(config, parse_markdown=False, store=store, digests=digests, walked=walked)
        store.release()  # no database connection crosses the fork into render workers
        step("load", t)
        t = time.perf_counter()
        site = derive(docs, resources, config, drafts=drafts)
        step("derive", t)
    gc.freeze()  # the loaded and derived model lives until the end: never scan it again
    gc.enable()
    _warn_empty(site.articles)

    t = time.perf_counter()
    date = build_date(config, site.articles[0].date if site.articles else None)
    root = str(config.root.resolve()) + "/"
    metas = RenderState()  # receives the documents' meta signatures, for the next build
    gsig = global_sig(repr(config), templates_digest(site_dir), date, drafts, docs, resources,
                      digests.current, root, previous, metas)
    sigs = {e.source: _entry_sig(e, digests.current, root) for e in site.all_entries()}
    snapshot = None if reused is not None else skeleton.prepare(site_dir, out, config, drafts, docs, resources,
                                                                site, metas.metas)
    if reused is None:
        _drop_utf8_copies(docs)
    search_dir = search_state_dir(site_dir, out)
    if previous is not None and previous.global_sig != gsig:
        previous = None  # every job runs: let go of the previous state's memory now
    search_state = search.load_state(search_dir) if previous is not None else None
    if search_state is None or not _holds(out, "search/manifest.js", search_state.manifest):
        previous = None  # the index must be built in full, from every page's record: render them all
    step("incremental", t)
    t = time.perf_counter()
    if patch is not None and recorded != watch.before():
        # an output was edited, replaced or deleted since the previous build: its state is not trusted,
        # and the folder is replaced whole, as without a state (check_target walks it for foreign files)
        previous = search_state = None
        writer.discard()
        try:
            check_target(out, site_dir, foreign_scan=True)
        except BaseException:
            skeleton.publish(snapshot, site_dir, out, False)
            raise
        writer = Staging(out)
    step("fingerprint", t)
    kinds = page_kinds(site)

    def render_and_write(previous: RenderState | None) -> tuple[Incremental, int, int, search.SearchState]:
        """Render (incrementally when `previous`), update or build the search index, write it all."""
        nonlocal site, docs, reused
        inc = Incremental(gsig, sigs, previous)
        t = time.perf_counter()
        pages = outputs = 0
        for o in render_site(site, config, date, None, stages, jobs=jobs, store=store, incremental=inc):
            writer.write(o)
            outputs += 1
            pages += o.path.endswith(".html")
            if progress is not None and not outputs % 50:
                progress("render", outputs)
        writer.keep_all(inc.kept)
        outputs += len(inc.kept)
        pages += sum(p.endswith(".html") for p in inc.kept)
        step("render", t)
        if inc.previous is None:
            # a full render is not run again (no fallback below), and the model is done with: let go
            # of it before the search index is built, in this process and a forked child (peak memory)
            site = docs = reused = None  # type: ignore[assignment]
            gc.collect()  # the pages' garbage cycles (Jinja contexts and macros) still refer to it
        t = time.perf_counter()
        keys = [e.key for e in config.editions]
        if inc.previous is not None:  # only the jobs that ran made records; the others' are unchanged
            assert search_state is not None
            complete = all(all(k in d.url for k in keys) for d in inc.search_docs.values())
            updated = search.update_search(search_state, inc.search_docs, config.editions) if complete else None
            if updated is None:
                raise _FullBuild
            index, _removed, state = updated
            new = {o.path for o in index}
            unchanged = [p for p in [*state.paths, "search/manifest.js"] if p not in new]
            writer.keep_all(unchanged)
            outputs += len(unchanged)
        else:
            index, state = search.build_search_state(inc.search_docs, config.editions)
        inc.search_docs = {}  # (memory: every page's text)
        for o in index:
            writer.write(o)
            outputs += 1
        step("search", t)
        return inc, pages, outputs, state

    try:
        try:
            inc, pages, outputs, search_state = render_and_write(previous)
        except (_FullBuild, StateIncomplete):
            log.debug("incremental search update not possible: a full build")
            writer.discard()
            writer = (Patch.open(out) if isinstance(writer, Patch) else None) or Staging(out)
            inc, pages, outputs, search_state = render_and_write(None)
        t = time.perf_counter()
        if isinstance(writer, Patch):
            writer.commit()
        else:
            writer.publish()
        step("write", t)
    except BaseException:
        writer.discard()
        skeleton.publish(snapshot, site_dir, out, False)
        raise
    watch.after(writer.touched if isinstance(writer, Patch) else None)  # the child stats the new folder
    log.debug("render: %d jobs run, %d kept", inc.ran, inc.reused)
    t = time.perf_counter()
    log.debug("cache: %d hits, %d misses", store.hits, store.misses)
    store.keep_used(inc.kept_rows)  # kept jobs did not look up their rows: they are still wanted
    if inc.state is not None:
        store.keep_used(set(inc.state.mentions.values()))  # the topics' mention lists the state names
    store.flush()
    step("cache", t)
    t = time.perf_counter()
    # record only if no input changed while we built (else the output may mix old and new inputs)
    settled = fp is not None and digests.unchanged_since_use()
    digests.save()
    if inc.state is not None:
        inc.state.metas, inc.state.config_sig = metas.metas, metas.config_sig
    pending = write_state(site_dir, out, inc.state if settled else None)  # recorded with the listing, below
    try:
        skeleton.publish(snapshot, site_dir, out, settled)
        try:
            search.save_state(search_state, search_dir)
        except OSError:
            shutil.rmtree(search_dir, ignore_errors=True)  # best effort: the next build checks it anyway
        listing = watch.result()  # the output folder's listing digest, from the child (or taken here)
        watch.close()
        fingerprint.record(site_dir, out, fp if settled else None, pages, outputs, listing)
    except BaseException:
        pending.finish(None)
        raise
    pending.finish(listing)
    step("fingerprint", t)
    return BuildResult(out, pages, outputs, stages, tuple(e.code for e in config.editions), kinds,
                       jobs_run=inc.ran, jobs_kept=inc.reused)
