"""One build: load → derive → render → write. The dev server calls this same function.

`build()` reads as the table of contents of a build; each step is timed once. What earlier builds
left (skip, reuse, keys) is behind one interface, `incremental.session.Session`; page functions
never see it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import SiteConfig, load_config
from ..errors import BuildFailed, VerifyFailed, error
from ..incremental.identity import CACHE_DIR
from ..incremental.session import Keys, Session
from ..incremental.state import StateIncomplete
from ..incremental.store import Memory
from ..model import Document, Entry, Site
from ..output.patch import Patch
from ..output.staging import Staging
from .frontmatter import parse_date
from .parallel import default_jobs
from .statics import publish_static
from .verify import differences

if TYPE_CHECKING:
    from .. import search
    from ..images import ImageTable
    from ..render import Incremental
    from ..render.linkscan import LinkScan

log = logging.getLogger("tongwen")
Progress = Callable[[str, int], None]


@dataclass(frozen=True)
class BuildResult:
    out: Path
    pages: int  # HTML files
    outputs: int  # all files
    stages: dict[str, float]
    editions: tuple[str, ...]
    kinds: dict[str, int] = field(default_factory=dict)  # pages per kind, in each edition
    skipped: bool = False  # every input unchanged and the output untouched: nothing to do (fingerprint.py)
    jobs_run: int = 0  # page jobs rendered (incremental/state.py)
    jobs_kept: int = 0  # page jobs whose previous outputs stand
    # what the build held (the site model, the incremental states), handed to the caller rather
    # than freed as `_build` returns: freeing it object by object took 0.09 s of a 10,000-article
    # edit, which the command line skips by ending the process first (cli.run)
    working_set: tuple[object, ...] = field(default=(), repr=False, compare=False)


class Steps(dict[str, float]):
    """Wall time per named step, each logged at debug level."""

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        t = time.perf_counter()
        try:
            yield
        finally:
            self[name] = self.get(name, 0.0) + time.perf_counter() - t
            log.debug("%s: %.3fs", name, self[name])


def build(site_dir: Path, out: Path | None = None, drafts: bool = False, base_url: str | None = None,
          jobs: int | None = None, progress: Progress | None = None, reuse: bool = True,
          verify: bool | None = None, memory: Memory | None = None,
          on_loaded: Callable[[], None] | None = None, future: bool = False,
          on_published: Callable[[], None] | None = None) -> BuildResult:
    """Build `site_dir` into `out` (default: its `output_dir`). `jobs`: worker processes (default:
    TONGWEN_JOBS or the core count). `progress(stage, files_written)` is called now and then.
    `reuse=False`: a clean build that neither reads nor records `.tongwen-cache/`.
    `verify` (default: TONGWEN_VERIFY=1): then build again with `reuse=False` and raise BuildFailed
    naming every output that differs (pipeline/verify.py); the build itself stays published.
    `memory`: decoded cache rows kept between builds by a long-lived caller (the preview server).
    `on_loaded()` is called once the site model is loaded (the command line freezes it for the
    garbage collector there: cli.py). `future`: publish pages dated after the clock (schedule.py).
    `on_published()` is called once the output folder holds the new site, before the build records
    its cache for the next one (the preview server reloads browsers then: serve.py); not at all
    when nothing changed (a skipped build) or the build failed."""
    result = _build(site_dir, out, drafts, base_url, jobs, progress, reuse, memory, on_loaded, future, on_published)
    if verify if verify is not None else os.environ.get("TONGWEN_VERIFY") == "1":
        result = dataclasses.replace(result, working_set=())  # (not held through a second build)
        with tempfile.TemporaryDirectory(prefix="tongwen-verify-") as tmp:
            build(site_dir, Path(tmp) / "public", drafts, base_url, jobs, reuse=False, verify=False, future=future)
            errors = differences(result.out, Path(tmp) / "public")
        if errors:
            raise VerifyFailed(errors)
    return result


def _build(site_dir: Path, out: Path | None, drafts: bool, base_url: str | None, jobs: int | None,
           progress: Progress | None, reuse: bool, memory: Memory | None,
           on_loaded: Callable[[], None] | None, future: bool = False,
           on_published: Callable[[], None] | None = None) -> BuildResult:
    steps = Steps()
    with steps("config"):
        config = site_config(site_dir, base_url)
        out = out if out is not None else site_dir / config.output_dir
    session = Session(site_dir, out, config, drafts, enabled=reuse, memory=memory, future=future)
    writer: Staging | Patch | None = None
    try:
        with steps("fingerprint"):
            session.open()
            done = session.unchanged()
        if done is not None:
            return BuildResult(out, int(done["pages"]), int(done["outputs"]), steps,
                               tuple(e.code for e in config.editions), skipped=True)
        # imported here and in _render_and_index, not at the top: a build that skips needs none of
        # images, render, search (Pillow, Jinja, NumPy…: ~150 ms of a skipped build's 0.3 s)
        from ..images import prepare
        from ..render.linkscan import index_links

        with steps("load"):
            writer = session.writer()
            model = Model(*session.load())
            if on_loaded is not None:
                on_loaded()
            warn(model.site)
        with steps("images"):  # (cached by content: an unchanged image is not resized again)
            images = prepare(config.root, model.site, site_dir / CACHE_DIR / "images" if reuse else None)
        with steps("incremental"):
            date = build_date(config, model.site.articles[0].date if model.site.articles else None)
            keys, writer = session.keys(model.site, model.docs, date, writer, images.sig)
            if keys.previous is None:  # every page renders: every text is needed
                model = Model(*session.whole(model.docs, model.site))
            kinds = page_kinds(model.site)
        with steps("links"):  # (before any page: an article shows the links into it)
            links = index_links(model.site, config, session.store, keys.previous)
            if links.stale:  # kept articles whose pages render again: the links into them changed
                model = Model(*session.with_texts(model.docs, model.site, links.stale))
        inc, search_state, pages, outputs, writer = _render(
            model, config, date, keys, writer, session, jobs, progress, steps, images, links)
        with steps("static"):
            outputs += publish_static(writer, site_dir)
        with steps("write"):
            writer.commit() if isinstance(writer, Patch) else writer.publish()
    except BaseException:
        if writer is not None:
            writer.discard()
        session.abandon()
        session.close()
        raise
    _published(on_published, session)
    with steps("cache"):
        session.record(writer, inc.state, search_state, inc.kept_rows, pages, outputs,
                       (site_dir / CACHE_DIR / "images", images.cached()) if reuse else None)
    session.close()
    log.debug("render: %d jobs run, %d kept", inc.ran, inc.reused)
    return BuildResult(out, pages, outputs, steps, tuple(e.code for e in config.editions), kinds,
                       jobs_run=inc.ran, jobs_kept=inc.reused, working_set=(model, session, inc, keys, links))


def _render(model: Model, config: SiteConfig, date: dt.datetime, keys: Keys, writer: Staging | Patch,
            session: Session, jobs: int | None, progress: Progress | None, steps: Steps, images: ImageTable,
            links: LinkScan) -> tuple[Incremental, search.SearchState, int, int, Staging | Patch]:
    """`_render_and_index`, and once more as a full build when the previous state cannot serve
    (the search index cannot be updated in place, or a cache row it names is gone)."""
    try:
        return (*_render_and_index(model, config, date, keys, writer, session, jobs, progress, steps, images,
                                   links), writer)
    except (_FullBuild, StateIncomplete):
        log.debug("incremental search update not possible: a full build")
    writer.discard()
    writer = (Patch.open(session.out) if isinstance(writer, Patch) else None) or Staging(session.out)
    keys = Keys(keys.global_sig, keys.entry_sigs, None, None)
    model = Model(*session.whole(model.docs, model.site))
    return (*_render_and_index(model, config, date, keys, writer, session, jobs, progress, steps, images, links),
            writer)


def _published(on_published: Callable[[], None] | None, session: Session) -> None:
    """Tell the caller the folder is published (the preview server reloads browsers now, before
    the cache for the next build is recorded)."""
    if on_published is None:
        return
    try:
        on_published()
    except BaseException:
        session.close()  # (the folder stands; only the cache for the next build is not recorded)
        raise


class Model:
    """The loaded documents and the derived site, for one build. A full render lets go of them
    before the search index is built (peak memory: the index's own arrays are largest then)."""

    def __init__(self, docs: list[Document], site: Site):
        self.docs, self.site = docs, site

    def release(self) -> None:
        del self.docs, self.site
        gc.collect()  # the pages' garbage cycles (Jinja contexts and macros) still refer to them


class _FullBuild(Exception):
    """An incremental build cannot finish incrementally (the search index must be rebuilt)."""


def _render_and_index(model: Model, config: SiteConfig, date: dt.datetime, keys: Keys, writer: Staging | Patch,
                      session: Session, jobs: int | None, progress: Progress | None,
                      steps: Steps, images: ImageTable,
                      links: LinkScan | None = None) -> tuple[Incremental, search.SearchState, int, int]:
    """Render every page whose job cannot be kept, then update or build the search index."""
    from .. import search
    from ..render import Incremental, render_site

    inc = Incremental(keys.global_sig, keys.entry_sigs, keys.previous)
    pages = outputs = 0
    with steps("render"):
        workers = default_jobs() if jobs is None else max(1, jobs)
        for o in render_site(model.site, config, date, None, steps, jobs=workers, store=session.store,
                             incremental=inc, images=images, links=links):
            writer.write(o)
            outputs += 1
            pages += o.path.endswith(".html")
            if progress is not None and not outputs % 50:
                progress("render", outputs)
        for o in images.outputs():
            writer.write(o)
            outputs += 1
        writer.keep_all(inc.kept)
        outputs += len(inc.kept)
        pages += sum(p.endswith(".html") for p in inc.kept)
    if inc.previous is None:  # a full render is not run again: the model is done with
        model.release()
    with steps("search"):
        keys_e = [e.key for e in config.editions]
        if inc.previous is not None:  # only the jobs that ran made records; the others' are unchanged
            complete = all(all(k in d.url for k in keys_e) for d in inc.search_docs.values())
            assert keys.search_state is not None  # (a previous state comes with its search state: Session.keys)
            updated = search.update_search(keys.search_state, inc.search_docs, config.editions) if complete else None
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
    return inc, state, pages, outputs


def warn(site: Site) -> None:
    """What a build warns about in the site as loaded (the site is published all the same)."""
    warn_empty(site.articles)
    warn_unshown(site)


def warn_empty(articles: tuple[Entry, ...]) -> None:
    """Warn about each published article without text (`tongwen new` makes a draft for this reason),
    among those this build read (a kept article's text is not read: it was warned about then)."""
    for a in articles:
        d = a.canonical
        # (a draft built with --drafts is a preview)
        if d.body is not None and not d.tokens and not d.body.strip() and not d.meta.draft:
            log.warning("%s:%d: the article has no text but is published (add text, or set draft: true)",
                        d.source, d.body_line)


def warn_unshown(site: Site) -> None:
    """Warn about each document of a published page that no edition shows (derive.py `_unshown`):
    nothing a user wrote is left out without a word."""
    codes = ", ".join(e.code for e in site.config.editions)  # type: ignore[attr-defined]
    for source, shown in site.unshown:
        log.warning("%s:1: not published: %s stands for this page in every edition (%s); the editions are "
                    "scripts of Chinese, and a page has one text per edition", source, shown, codes)


def site_config(site_dir: Path, base_url: str | None) -> SiteConfig:
    config = load_config(site_dir)
    if base_url:
        config = replace(config, base_url=base_url if base_url.endswith("/") else base_url + "/")
    return config


def page_kinds(site: Site) -> dict[str, int]:
    """Pages of each kind one edition publishes (every edition publishes the same pages)."""
    return {"article": len(site.articles), "topic": len(site.topics), "collection": len(site.collections),
            "section": len(site.sections), "term": sum(len(t) for _k, t in site.terms),
            "redirect": len(site.redirects)}


def build_date(config: SiteConfig, newest: dt.datetime | None) -> dt.datetime:
    """Deterministic: SOURCE_DATE_EPOCH, else site.yaml build_date, else the newest content date."""
    sde = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if sde:
        try:
            return dt.datetime.fromtimestamp(int(sde), tz=dt.UTC)
        except (ValueError, OverflowError):
            raise BuildFailed([error("SOURCE_DATE_EPOCH", 0, f"not a Unix timestamp: {sde!r}")]) from None
    if config.build_date:
        try:
            return parse_date(config.build_date, config.tz)
        except ValueError as exc:
            raise BuildFailed([error("site.yaml", 1, f"build_date: {exc}")]) from None
    return newest or dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
