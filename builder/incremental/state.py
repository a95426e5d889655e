"""Incremental rendering: which pages of the previous build can stand, by content-addressed job keys.

Every page job (an article in both editions, one list page, a feed, a topic with its pages…) gets a
key that hashes everything the job reads:
- the *global signature*: the builder (code, theme, libraries: `cache.digest`), `site.yaml` as
  loaded, the site's templates, the build date, `--drafts`, and every document's front matter,
  path, language and line numbers (so URLs, titles, dates, terms, topics' aliases, the sidebar
  widgets, prev/next links and link targets are all covered): anything but the Markdown bodies;
- the *body signature* of each entry whose body the job shows: its own (an article, a topic), the
  entries on a list page or in a feed (their summaries), the articles a topic page quotes, and the
  mention counts a collection or topic page prints. Of an article, other pages show only what its
  memo holds (`ArticleMemo`: summaries, mention counts, passages), so their keys take the memo's
  digest in place of the article's body signature.

A job whose key was recorded by the previous build, into an output folder that is untouched since
(`fingerprint.output_digest`), is not run: its recorded outputs are kept as they are. What later
jobs need from a kept article (its summary per edition and its topic mentions) comes from the state
recorded with it. An edit to one article's body therefore re-renders that article and, if its
memo changed (its summary, or a passage that mentions a topic), the list pages and feeds that show
it and the topic pages that quote it; an edit to front matter, a template or
site.yaml changes the global signature and re-renders everything (terms, the sidebar's recent list
and taglist are on every page). `tests/test_incremental.py` checks incremental builds against clean
builds after edit sequences.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import pickle
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..model.documents import Document
from .identity import CACHE_DIR

FORMAT = 8
FILE = "render-state"  # + a hash of the output folder's path: `build` and `serve` keep one each
_KEEP_STATES = 4  # state files of other output folders (old preview sessions) beyond this are removed


def state_tag(out: Path) -> str:
    return hashlib.blake2b(str(out.resolve()).encode("utf-8", "surrogateescape"), digest_size=6).hexdigest()


def state_path(site_dir: Path, out: Path) -> Path:
    return site_dir / CACHE_DIR / f"{FILE}-{state_tag(out)}.pickle"


def search_state_dir(site_dir: Path, out: Path) -> Path:
    """The search index's own state (search.save_state) for this output folder."""
    return site_dir / CACHE_DIR / f"search-{state_tag(out)}"


class StateIncomplete(Exception):
    """Something the previous state refers to is gone (a cache row): the build runs every job."""


@dataclass
class ArticleMemo:
    """What phase 2 needs from an article that is not rendered again (its mentions themselves are
    kept per topic: `RenderState.mentions`)."""

    summaries: tuple[str, ...]  # per edition, in config.editions order
    counts: tuple[tuple[str, int], ...]  # (topic source, its mentions in this article), by topic
    passages: bytes = b""  # cache key of its mentioned passages' texts, {(document, anchor): UTF-8 text}


@dataclass(frozen=True)
class TopicMemo:
    """A topic as the previous build keyed it: its pages and feed are carried over whole while
    nothing they show changed (render._affected_topics)."""

    entry_sig: bytes  # the topic's own body signature
    count: int  # its mentions, all editions
    jobs: tuple[bytes, ...]  # the keys of its page and feed jobs, every edition


@dataclass
class RenderState:
    global_sig: bytes = b""
    jobs: dict[bytes, tuple[str, ...]] = field(default_factory=dict)  # job key → its output paths
    articles: dict[str, tuple[bytes, bytes]] = field(default_factory=dict)  # source → (job key, pickled ArticleMemo)
    listing: str = ""  # the output folder's listing digest after it (fingerprint.output_digest)
    store_keys: dict[bytes, tuple[bytes, ...]] = field(default_factory=dict)  # job key → cache rows it used
    metas: dict[str, tuple[bytes, bytes]] = field(default_factory=dict)  # source → (file digest, meta signature)
    config_sig: bytes = b""  # the config the meta signatures were taken under
    topics: dict[str, TopicMemo] = field(default_factory=dict)  # topic source → how its jobs were keyed
    # topic source → the cache key of its pickled mention rows (article, document, anchor, line),
    # in article then passage order: an edit reads only the lists of the topics it affects (the
    # texts are the articles' own: ArticleMemo.passages)
    mentions: dict[str, bytes] = field(default_factory=dict)
    # a term's pages and feed in one edition, (edition key, taxonomy, term key) → their job keys:
    # carried over whole while none of the term's articles was rendered again
    terms: dict[tuple[str, str, str], tuple[bytes, ...]] = field(default_factory=dict)


def body_sig(doc: Document) -> bytes:
    """The parts of a document the global signature leaves out: its Markdown."""
    if doc.tokens or doc.summary_tokens is not None:  # parsed up front: hash the parse (rare; tests)
        return hashlib.blake2b(pickle.dumps((doc.tokens, doc.summary_tokens), 5), digest_size=16).digest()
    h = hashlib.blake2b(digest_size=16)
    h.update(doc.body.encode("utf-8", "surrogatepass"))
    h.update(b"\0" if doc.summary_src is None else b"\1" + doc.summary_src.encode("utf-8", "surrogatepass"))
    return h.digest()


def meta_sig(doc: Document) -> bytes:
    """Everything of a document but its Markdown (front matter with line numbers, path, language)."""
    return pickle.dumps((doc.source, doc.kind, doc.lang, doc.meta, doc.body_line, doc.stem, doc.section,
                         doc.translation_of), 5)


def meta_digest(doc: Document) -> bytes:
    """A short digest of `meta_sig`."""
    return hashlib.blake2b(meta_sig(doc), digest_size=16).digest()


def resources_sig(resources: list[Any]) -> bytes:
    """The resources (bundle files) as the global signature and the skeleton key see them."""
    return repr([(r.rel, str(r.path)) if hasattr(r, "rel") else repr(r) for r in resources]).encode(
        "utf-8", "surrogateescape")


def global_sig(config_repr: str, templates: bytes, build_date: dt.datetime, drafts: bool,
               docs: list[Document], resources: list[Any], files: dict[str, bytes] | None = None,
               root: str = "", previous: RenderState | None = None, state_out: RenderState | None = None,
               window: tuple[object, ...] = ()) -> bytes:
    """`files` (path → content digest, fingerprint.FileDigests.current) lets a document's front-matter
    signature be reused from `previous` while its file and the config are unchanged (a document is
    made of its file, its path and the config); the signatures used are recorded in `state_out`.
    `window`: `--future` and the pages the publication window leaves out (pipeline/schedule.py):
    they change with the clock alone."""
    from .store import digest  # carries the builder digest
    h = hashlib.blake2b(digest_size=20)
    h.update(digest("global", FORMAT, config_repr, templates, build_date.isoformat(), drafts, window))
    config_sig = hashlib.blake2b(config_repr.encode("utf-8", "surrogatepass"), digest_size=16).digest()
    old = previous.metas if previous is not None and previous.config_sig == config_sig else {}
    new: dict[str, tuple[bytes, bytes]] = {}
    for d in docs:
        fd = files.get(root + d.source) if files is not None else None
        hit = old.get(d.source)
        if fd is not None and hit is not None and hit[0] == fd:
            m = hit[1]
        else:
            m = meta_digest(d)
        if fd is not None:
            new[d.source] = (fd, m)
        h.update(m)
    h.update(resources_sig(resources))
    if state_out is not None:
        state_out.metas, state_out.config_sig = new, config_sig
    return h.digest()


def load_state(site_dir: Path, out: Path, verify: bool = True) -> RenderState | None:
    """The previous build's state, if it was recorded for `out` and every file it lists is as it
    was written (size, mtime, inode: an edited, replaced or deleted output is not trusted). Files
    added beside them do not matter: an incremental build only rewrites and deletes its own.
    `verify=False`: the folder is not looked at; the caller must compare `state.listing` with the
    folder's listing digest (`fingerprint.output_digest`, or an `outwatch.OutputWatch`) before it
    relies on the state."""
    try:
        with open(state_path(site_dir, out), "rb") as f:
            head = pickle.load(f)
            if head != (FORMAT, str(out.resolve())):
                return None
            state = pickle.load(f)
            listing = pickle.load(f)
        if not isinstance(state, RenderState) or not isinstance(listing, str) or not listing:
            return None
        state.listing = listing
        if verify:
            from .fingerprint import output_digest
            if output_digest(out) != listing:
                return None
    except Exception:  # noqa: BLE001 - missing, damaged, from another version, or a file is gone: a full build
        return None
    return state


class PendingState:
    """A state pickled into a temporary file beside its place (`write_state`); `finish(listing)` adds
    the output folder's listing digest (the last thing a build learns) and puts it in place."""

    def __init__(self, path: Path, tmp: Path | None):
        self.path, self.tmp = path, tmp

    def finish(self, listing: str | None) -> None:
        """Best effort; without a listing (no manifest) there is no state: the next build is a full one."""
        try:
            if self.tmp is None or not listing:
                if self.tmp is not None:
                    self.tmp.unlink(missing_ok=True)
                self.path.unlink(missing_ok=True)
                return
            with open(self.tmp, "ab") as f:
                pickle.dump(listing, f, protocol=5)
            os.replace(self.tmp, self.path)
            _prune(self.path)
        except OSError:
            try:
                self.path.unlink(missing_ok=True)
            except OSError:
                pass


def write_state(site_dir: Path, out: Path, state: RenderState | None) -> PendingState:
    """Best effort: the state (None: none, the next build is a full one) pickled now, recorded by
    `finish(listing)` once the output folder's listing digest is known. Until then the previous
    state stays in place (its listing digest no longer matches a patched folder)."""
    path = state_path(site_dir, out)
    if state is None:
        return PendingState(path, None)
    tmp = path.with_name(f".{FILE}.{os.getpid()}.tmp")
    try:
        state.listing = ""  # recorded after it, by `finish`
        path.parent.mkdir(exist_ok=True)
        with open(tmp, "wb") as f:
            pickle.dump((FORMAT, str(out.resolve())), f, protocol=5)
            pickle.dump(state, f, protocol=5)
    except OSError:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        return PendingState(path, None)
    return PendingState(path, tmp)


def _prune(path: Path) -> None:
    """Keep the state files of the _KEEP_STATES most recent other output folders (and their search
    index states and site snapshots)."""
    others = sorted(path.parent.glob(f"{FILE}-*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in others[_KEEP_STATES:]:
        old.unlink(missing_ok=True)
        tag = old.name[len(FILE) + 1: -len(".pickle")]
        shutil.rmtree(old.parent / f"search-{tag}", ignore_errors=True)
        (old.parent / f"skeleton-{tag}.pickle").unlink(missing_ok=True)
