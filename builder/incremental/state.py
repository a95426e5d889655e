"""Incremental rendering's records: what the previous build rendered, from what, and what it read.

- The *global signature*: the builder (code, theme, libraries), `site.yaml` as loaded, the site's
  templates, the build date, `--drafts`, and every document's front matter, path, language and
  line numbers (so URLs, titles, dates, terms, topics' aliases, the sidebar widgets, prev/next
  links and link targets are all covered): anything but the Markdown bodies. A previous state
  serves only a build with the same global signature; any other change re-renders every page.
- Per page job (an article in both editions, one list page, a feed, one page of a topic…), the
  facts it read beyond that (render/reads.py: bodies, summaries, passages, topics' mentions and
  counts, recorded as the job read them), its outputs and the cache rows it used (`JobRecord`).
- What the facts were: each entry's body signature, each article's memo (`ArticleMemo`:
  summaries, mention counts, passages) and the digests of the facts made from every article's
  mentions. render/reuse.py compares them with this build's to find the facts that changed; a job
  that read none of them keeps its files.

`tests/test_incremental.py` checks incremental builds against clean builds after edit sequences,
in verify mode (every incremental build compared with a clean one).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import pickle
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..model.documents import Document
from . import records

FORMAT = 12
# The state's large mappings (18 MB at 10,000 articles, most of it jobs and article memos) are saved
# in `PARTS` rows each, by a hash of their keys: an edit rewrites the few rows whose records changed.
PARTS = 64
_SPLIT = ("jobs", "articles", "entry_sigs", "metas", "facts", "links", "link_facts")


class StateIncomplete(Exception):
    """Something the previous state refers to is gone (a cache row): the build runs every job."""


@dataclass
class ArticleMemo:
    """What other pages need from an article that is not rendered again (its mentions themselves are
    kept per topic: `RenderState.mentions`)."""

    summaries: tuple[str, ...]  # per edition, in config.editions order
    counts: tuple[tuple[str, int], ...]  # (topic source, its mentions in this article), by topic
    passages: bytes = b""  # cache key of its mentioned passages' texts, {(document, anchor): UTF-8 text}


# a job's record: (the facts it read, sorted; the outputs it wrote; the cache rows it used)
JobRecord = tuple[tuple[str, ...], tuple[str, ...], tuple[bytes, ...]]


@dataclass
class RenderState:
    global_sig: bytes = b""
    jobs: dict[str, JobRecord] = field(default_factory=dict)  # job id (render.reuse.job_id) → its record
    entry_sigs: dict[str, bytes] = field(default_factory=dict)  # entry source → body signature
    articles: dict[str, bytes] = field(default_factory=dict)  # source → pickled ArticleMemo
    # the digests of the facts made from every article's mentions (render.reuse.topic_facts), and
    # how many pages each topic has per edition, (edition key, topic source) → n
    facts: dict[str, bytes] = field(default_factory=dict)
    topic_pages: dict[tuple[str, str], int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)  # topic source → its mentions (all editions)
    listing: str = ""  # the output folder's listing digest after it (fingerprint.output_digest)
    metas: dict[str, tuple[bytes, bytes]] = field(default_factory=dict)  # source → (file digest, meta signature)
    config_sig: bytes = b""  # the config the meta signatures were taken under
    # topic source → the cache key of its pickled mention rows (article, document, anchor, line),
    # in article then passage order: an edit reads only the lists of the topics it affects (the
    # texts are the articles' own: ArticleMemo.passages)
    mentions: dict[str, bytes] = field(default_factory=dict)
    # the rows the jobs and memos were read from: row kind → (CRC-32, records in it) (`state_records`)
    parts: dict[str, tuple[int, int]] = field(default_factory=dict)
    split: dict[str, tuple[str, ...]] = field(default_factory=dict)  # row kind → the keys in it (as loaded)
    # article source → its links as written, (href, sentence), when it has any that may be internal
    # (knowledge/links.py): a kept article's text is not read, its links come from here
    links: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    link_facts: dict[str, bytes] = field(default_factory=dict)  # target source → digest of the links into it


def body_sig(doc: Document) -> bytes:
    """The parts of a document the global signature leaves out: its Markdown."""
    if doc.tokens or doc.summary_tokens is not None:  # parsed up front: hash the parse (rare; tests)
        return hashlib.blake2b(pickle.dumps((doc.tokens, doc.summary_tokens), 5), digest_size=16).digest()
    if doc.body is None:  # (callers sign a kept document by its file's digest)
        raise RuntimeError(f"{doc.source}: its text was not loaded by this build (Document.body)")
    h = hashlib.blake2b(digest_size=16)
    h.update(doc.body.encode("utf-8", "surrogatepass"))
    h.update(b"\0" if doc.summary_src is None else b"\1" + doc.summary_src.encode("utf-8", "surrogatepass"))
    return h.digest()


def meta_sig(doc: Document) -> bytes:
    """Everything of a document but its Markdown (front matter with line numbers, path, language).
    Pickled without the memo: a memo writes a string met twice as a reference, so the bytes would
    depend on which equal strings are one object (interned tags, a model unpickled from the
    snapshot), and an unchanged document would sign differently from one build to the next."""
    f = io.BytesIO()
    p = pickle.Pickler(f, 5)
    p.fast = True  # (no memo; front matter holds no cycles)
    p.dump((doc.source, doc.kind, doc.lang, doc.meta, doc.body_line, doc.stem, doc.section, doc.translation_of))
    return f.getvalue()


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
               images_sig: bytes = b"", window: tuple[object, ...] = ()) -> bytes:
    """`files` (path → content digest, fingerprint.FileDigests.current) lets a document's front-matter
    signature be reused from `previous` while its file and the config are unchanged (a document is
    made of its file, its path and the config); the signatures used are recorded in `state_out`.
    `images_sig`: what pages show of local images (their resized files and pixel sizes).
    `window`: `--future` and the pages the publication window leaves out (pipeline/schedule.py):
    they change with the clock alone."""
    from .store import digest  # carries the builder digest
    h = hashlib.blake2b(digest_size=20)
    h.update(digest("global", FORMAT, config_repr, templates, build_date.isoformat(), drafts, window))
    # (with the builder: another version may sign the same front matter differently)
    config_sig = digest("metas", config_repr)
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
    h.update(images_sig)  # (the resources' paths are above; their content reaches pages only as resized images)
    if state_out is not None:
        state_out.metas, state_out.config_sig = new, config_sig
    return h.digest()


def _part(key: str) -> int:
    return zlib.crc32(key.encode("utf-8", "surrogatepass")) % PARTS


def _by_part(keys: Iterable[str]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for k in keys:
        out.setdefault(_part(k), []).append(k)
    return out


def load_state(site_dir: Path, out: Path, verify: bool = True, memory: Any = None) -> RenderState | None:
    """The previous build's state, if it was recorded for `out` and every file it lists is as it
    was written (size, mtime, inode: an edited, replaced or deleted output is not trusted). Files
    added beside them do not matter: an incremental build only rewrites and deletes its own.
    `verify=False`: the folder is not looked at; the caller must compare `state.listing` with the
    folder's listing digest (`fingerprint.output_digest`, or an `outwatch.OutputWatch`) before it
    relies on the state. `memory` (store.Memory, the preview server's): the state this process
    recorded last, returned while the database's head row is still the one it recorded (reading
    and unpickling the 449 rows cost a rebuild of 1,000 articles ~60 ms)."""
    kept = memory.states.get(records.folder_key(out)) if memory is not None else None
    if kept is not None and not verify and records.read(site_dir, records.folder_key(out), records.STATE) == kept[0]:
        return kept[1]  # type: ignore[no-any-return]
    rows = records.read_parts(site_dir, records.folder_key(out), records.STATE)
    if records.STATE not in rows:
        return None
    try:
        f = io.BytesIO(rows[records.STATE][0])
        if pickle.load(f) != (FORMAT, records.folder_key(out)):
            return None
        state = pickle.load(f)
        listing = pickle.load(f)
        parts = pickle.load(f)
        if not isinstance(state, RenderState) or not isinstance(listing, str) or not listing:
            return None
        for kind, (crc, _n) in parts.items():  # (rows written by one build: a mix reads as no state)
            payload, got = rows.get(kind, (b"", -1))
            if got != crc:
                return None
            part = pickle.loads(payload)
            getattr(state, kind.split("/")[1]).update(part)
            state.split[kind] = tuple(part)
        state.listing, state.parts = listing, parts
        if verify:
            from .fingerprint import output_digest
            if output_digest(out) != listing:
                return None
    except Exception:  # noqa: BLE001 - damaged, from another version, or a file is gone: a full build
        return None
    return state


def state_records(out: Path, state: RenderState | None, listing: str | None,
                  previous: RenderState | None) -> list[tuple[str, bytes | None]]:
    """The records (`records.STATE` and its parts) of a state and the listing digest of the output
    folder it was rendered into; only the parts that differ from `previous` (the state loaded from
    these rows) are written. Without a state or a listing, the next build is a full one."""
    if state is None or not listing:
        return [(records.STATE, None)]
    state.listing = listing
    parts: dict[str, tuple[int, int]] = {}
    split: dict[str, tuple[str, ...]] = {}  # (the state is then as `load_state` would read it back)
    puts: list[tuple[str, bytes | None]] = []
    whole = previous is not None and len(previous.split) == len(_SPLIT) * PARTS
    for name in _SPLIT:
        new: dict[str, Any] = getattr(state, name)
        old: dict[str, Any] = getattr(previous, name) if previous is not None and whole else {}
        # the records that differ from the previous state's decide which of its parts are written
        # (identity first: a kept job's record is the very object loaded)
        added: list[str] = []
        dirty: set[int] = set()
        for k, v in new.items():
            o = old.get(k, old)
            if o is v:
                continue
            if o is old:
                added.append(k)
            elif o != v:
                dirty.add(_part(k))
        dirty.update(_part(k) for k in old.keys() - new.keys())
        by_part = _by_part(added)
        dirty.update(by_part)
        for i in range(PARTS):
            kind = f"{records.STATE}/{name}/{i:02d}"
            if i not in dirty and old:
                parts[kind] = previous.parts[kind]  # type: ignore[union-attr]
                split[kind] = previous.split[kind]  # type: ignore[union-attr]
                continue
            was = previous.split[kind] if previous is not None and whole else ()
            bucket = {k: new[k] for k in (*(k for k in was if k in new), *by_part.get(i, ()))}
            data = pickle.dumps(bucket, protocol=5)
            parts[kind] = (zlib.crc32(data), len(bucket))
            split[kind] = tuple(bucket)
            puts.append((kind, data))
    f = io.BytesIO()
    pickle.dump((FORMAT, records.folder_key(out)), f, protocol=5)
    empty: dict[str, Any] = {name: {} for name in (*_SPLIT, "parts", "split")}
    pickle.dump(dataclasses.replace(state, **empty), f, protocol=5)
    pickle.dump(listing, f, protocol=5)
    pickle.dump(parts, f, protocol=5)
    state.parts, state.split = parts, split
    return [(records.STATE, f.getvalue()), *puts]
