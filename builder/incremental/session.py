"""One build's view of what earlier builds left: the single interface `pipeline.build` uses for reuse.

A `Session` opens the previous build's records for one output folder and answers, in build order:
may the build be skipped (`unchanged`), what site model stands (`load`), which page jobs may keep
their files (`keys`), where to write (`writer`), and finally records what this build did
(`record`). With `enabled=False` (verify builds) it reads and records nothing: every job runs.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import SiteConfig
from ..model import Document, Entry, Site
from ..output import watch as outwatch
from ..output.patch import Patch
from ..output.recovery import recover
from ..output.staging import Staging, check_target
from ..pipeline.derive import derive  # (~5 ms with OpenCC's module; tests patch it here)
from ..pipeline.load import load, walk
from ..pipeline.schedule import clock, next_change
from . import fingerprint, records, skeleton
from .pagecache import templates_digest
from .state import RenderState, body_sig, global_sig, load_state, state_records
from .store import Memory, Store

if TYPE_CHECKING:  # search is imported where used: a build that skips does not need it (~80 ms)
    from .. import search

log = logging.getLogger("tongwen")


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


@dataclass
class Keys:
    """What the render needs to key its jobs: the global signature, each entry's body signature,
    and the previous build's state when its jobs may be kept (else None)."""

    global_sig: bytes
    entry_sigs: dict[str, bytes]
    previous: RenderState | None
    search_state: search.SearchState | None  # with `previous`


@dataclass
class Session:
    site_dir: Path
    out: Path
    config: SiteConfig
    drafts: bool
    enabled: bool
    watch: outwatch.OutputWatch | None = None
    digests: fingerprint.FileDigests | None = None
    walked: Any = None
    fp: Any = None
    previous: RenderState | None = None
    recorded: str | None = None  # the folder's listing digest the previous state was recorded with
    store: Store | None = None
    reused: bool = False  # the site model came from the snapshot
    snapshot: str | None = None  # the row of a fresh snapshot, published by `record`
    metas: RenderState = field(default_factory=RenderState)
    memory: Memory | None = None  # decoded rows kept between builds (the preview server's)
    future: bool = False  # --future: pages dated after the clock are published
    now: dt.datetime | None = None  # the clock of the publication window (pipeline/schedule.py)
    next_change: dt.datetime | None = None  # when the window next publishes or withdraws a page

    def open(self) -> None:
        """Finish an interrupted update, then fingerprint the inputs (the output folder's listing
        is taken meanwhile by a forked child: outwatch.py)."""
        if self.out.parent.is_dir():
            recover(self.out)  # a build killed after its update's commit point: finish that update first
        if self.enabled:
            self.watch = outwatch.start(self.out)
            self.digests = fingerprint.FileDigests(self.site_dir)
        self.walked = walk(self.config)  # content/ is walked once per build
        self.now = clock(self.config)
        if self.enabled:
            self.fp = fingerprint.inputs(self.config, self.site_dir, self.out, self.drafts, self.digests, self.walked,
                                         self.future)

    def unchanged(self) -> dict[str, Any] | None:
        """The previous build's counts when every input and the output folder are as it left them."""
        if self.watch is None:
            return None
        done = fingerprint.unchanged(self.site_dir, self.out, self.fp, self.watch.before)
        if done is not None:
            self.watch.close()
        return done

    def writer(self) -> Staging | Patch:
        """A patch of the folder in place when the previous state may serve, else a whole new folder."""
        if self.enabled:
            # (trusted once `watch` vouches)
            self.previous = load_state(self.site_dir, self.out, verify=False, memory=self.memory)
            self.recorded = self.previous.listing if self.previous is not None else None
        check_target(self.out, self.site_dir, foreign_scan=self.previous is None)
        patch = Patch.open(self.out) if self.previous is not None else None
        if patch is None:
            self.previous = None
        return patch or Staging(self.out)

    def load(self) -> tuple[list[Document], Site]:
        """The site model: the snapshot with changed bodies put in while only bodies changed
        (skeleton.py), else loaded and derived afresh (Markdown is parsed where it is rendered;
        an unchanged file is not even read: FileDigests)."""
        if not self.enabled:
            self.store = Store(None)  # rows live in memory for this build only
            docs, resources = load(self.config, parse_markdown=False, walked=self.walked)
            return docs, derive(docs, resources, self.config, drafts=self.drafts, future=self.future, now=self.now)
        assert self.digests is not None
        self.store = Store(self.site_dir, self.memory)
        # a snapshot is made only while the publication window has nothing pending (keys()); its
        # decisions then stand for its front matter from then on (--future builds make none)
        rendered = {src: fd for src, (fd, _m) in self.previous.metas.items()} if self.previous is not None else None
        got = None if self.future else skeleton.reuse(self.site_dir, self.out, self.config, self.drafts,
                                                      self.walked[0], self.walked[1], self.store, self.digests,
                                                      rendered)
        if got is not None:
            self.reused = True
            self.store.release()
            return got.docs, got.site
        return self._fresh()

    def _fresh(self) -> tuple[list[Document], Site]:
        """The site loaded (unchanged files' documents from the store) and derived afresh."""
        assert self.store is not None and self.digests is not None
        docs, resources = load(self.config, parse_markdown=False, store=self.store, digests=self.digests,
                               walked=self.walked)
        self.store.release()  # no database connection crosses the fork into render workers
        return docs, derive(docs, resources, self.config, drafts=self.drafts, future=self.future, now=self.now)

    def _state_complete(self, state: RenderState, site: Site) -> bool:
        """Whether the previous state lists every topic's mentions and the store still holds those
        lists (rows read later, if damaged, raise StateIncomplete)."""
        assert self.store is not None
        if any(t.entry.source not in state.mentions or t.entry.source not in state.counts for t in site.topics):
            return False
        return self.store.has_all(list(state.mentions.values()))

    def whole(self, docs: list[Document], site: Site) -> tuple[list[Document], Site]:
        """The model with every text, for a build that renders every page: one from the snapshot
        (whose kept articles' texts were not read: skeleton.py) is loaded and derived afresh."""
        if not self.reused:
            return docs, site
        self.reused = False
        return self._fresh()

    def with_texts(self, docs: list[Document], site: Site, sources: frozenset[str]) -> tuple[list[Document], Site]:
        """The model with these kept articles' texts loaded too (their pages render again though
        their files are unchanged: the links into them changed, render/linkscan.py): the snapshot
        again with them put in as if changed, else loaded and derived afresh."""
        if not sources or not self.reused:
            return docs, site
        assert self.store is not None and self.digests is not None and self.previous is not None
        need = {d.source for s in sources if s in site.index for _k, d in site.index[s].docs}
        rendered = {src: fd for src, (fd, _m) in self.previous.metas.items() if src not in need}
        got = skeleton.reuse(self.site_dir, self.out, self.config, self.drafts, self.walked[0], self.walked[1],
                             self.store, self.digests, rendered)
        self.store.release()
        if got is None:
            self.reused = False
            return self._fresh()
        return got.docs, got.site

    def keys(self, site: Site, docs: list[Document], date: dt.datetime,
             writer: Staging | Patch, images_sig: bytes = b"") -> tuple[Keys, Staging | Patch]:
        """Sign the inputs (`images_sig`: the resized images' table, `images.ImageTable.sig`); keep
        the previous state only if it was made from the same global signature, its search index is
        whole, and the output folder is as it left it."""
        from .. import search
        if not self.enabled:  # nothing is kept or recorded: the render still names its jobs, with blank keys
            return Keys(b"", dict.fromkeys([e.source for e in site.all_entries()], b""), None, None), writer
        assert self.digests is not None and self.watch is not None
        root = str(self.config.root.resolve()) + "/"
        resources = list(self.walked[1])
        assert self.now is not None
        # a reused snapshot was made with nothing pending and its front matter is unchanged: still
        # nothing pending (and its documents' front matter is read only where a page needs it)
        self.next_change = None if self.reused else next_change((d.meta for d in docs), self.now, self.future)
        window = (self.future, tuple(sorted(d.source for d in docs if d.source not in site.index)))
        gsig = global_sig(self.config.text, templates_digest(self.site_dir), date, self.drafts, docs, resources,
                          self.digests.current, root, self.previous, self.metas, images_sig, window)
        sigs = {e.source: _entry_sig(e, self.digests.current, root) for e in site.all_entries()}
        if not self.reused and not self.future and self.next_change is None:
            self.snapshot = skeleton.prepare(self.site_dir, self.out, self.config, self.drafts, docs, resources,
                                             site, self.metas.metas)
        previous = self.previous if self.previous is not None and self.previous.global_sig == gsig else None
        if previous is None:
            why = "no previous state" if self.previous is None else "the global signature differs"
            log.debug("incremental: %s", why)
        elif not self._state_complete(previous, site):
            log.debug("incremental: the previous state lacks a topic's mentions")
            previous = None
        search_state = search.load_state(records.search_dir(self.site_dir, self.out)) if previous is not None else None
        if previous is not None and (search_state is None
                                     or not _holds(self.out, "search/manifest.js", search_state.manifest)):
            log.debug("incremental: the search index's state is missing or stale")
            previous = None  # the index must be built in full, from every page's record: render them all
        if isinstance(writer, Patch) and self.recorded != self.watch.before():
            # an output was edited, replaced or deleted since the previous build: its state is not
            # trusted, and the folder is replaced whole (check_target walks it for foreign files)
            log.debug("incremental: the output folder changed since the previous build")
            previous = search_state = None
            writer.discard()
            check_target(self.out, self.site_dir, foreign_scan=True)
            writer = Staging(self.out)
        return Keys(gsig, sigs, previous, search_state), writer

    def abandon(self) -> None:
        """The build failed: nothing of it is recorded (its snapshot is dropped)."""
        if self.snapshot is not None:
            records.write(self.site_dir, records.folder_key(self.out), self.snapshot, None)

    def record(self, writer: Staging | Patch, state: RenderState | None, search_state: search.SearchState,
               kept_rows: set[bytes], pages: int, outputs: int, images: tuple[Path, set[str]] | None = None) -> None:
        """Record what this build did, for the next one: its render state and search state, the
        snapshot, the input fingerprint and the output folder's listing. Only if no input changed
        while it ran (else the output may mix old and new inputs). The records are written in one
        transaction (`records.Commit`): a build killed before it leaves the previous build's, whose
        listing digest no longer matches a patched folder."""
        from .. import search
        if not self.enabled:
            return
        assert self.watch is not None and self.digests is not None and self.store is not None
        self.watch.after(writer.touched if isinstance(writer, Patch) else None)  # the child stats the new folder
        log.debug("cache: %d hits, %d misses", self.store.hits, self.store.misses)
        self.store.keep_used(kept_rows)  # kept jobs did not look up their rows: they are still wanted
        if state is not None:
            self.store.keep_used(set(state.mentions.values()))  # the topics' mention lists the state names
        self.store.flush()
        settled = self.fp is not None and self.digests.unchanged_since_use()
        # with a page pending in the publication window, the same inputs may build differently
        # later: no whole-build skip then (a fingerprint is not recorded)
        unscheduled = self.next_change is None
        commit = records.Commit(self.site_dir, self.out)
        commit.put(records.FILES, self.digests.payload(), shared=True)
        commit.snapshot = (self.snapshot, settled) if self.snapshot is not None else None
        commit.used = self.store.used
        if images is not None:
            commit.images = images
        if state is not None:
            state.metas, state.config_sig = self.metas.metas, self.metas.config_sig
        search_dir = records.search_dir(self.site_dir, self.out)
        try:
            search.save_state(search_state, search_dir)
        except (OSError, search.StateError):  # (a damaged record met while compacting: this build read none)
            shutil.rmtree(search_dir, ignore_errors=True)  # best effort: the next build checks it anyway
        listing = self.watch.result()  # the output folder's listing digest, from the child (or taken here)
        self.watch.close()
        puts = state_records(self.out, state if settled else None, listing, self.previous)
        for kind, payload in puts:
            commit.put(kind, payload)
        commit.put(records.BUILD, fingerprint.record(self.fp if settled and unscheduled else None, pages, outputs,
                                                     listing))
        commit.finish()
        if self.memory is not None:  # (the head row is compared before the state is used: load_state)
            head, folder = puts[0][1], records.folder_key(self.out)
            if head is None:
                self.memory.states.pop(folder, None)
            else:
                self.memory.states[folder] = (head, state)

    def close(self) -> None:
        """Reap the output watch's child (a build that raised left it running)."""
        if self.watch is not None:
            self.watch.close()
