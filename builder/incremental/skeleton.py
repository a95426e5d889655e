"""The derived site as the last full load made it, reused while only Markdown bodies changed.

Loading 10,000 cached documents and deriving the site from them takes about a second; unpickling
the derived `Site` saved by an earlier build (`records.SNAPSHOT`) takes a quarter of that. `derive`
reads everything of a document but its Markdown (front matter, path, language), the resources, the
config and `--drafts`, so a snapshot is reused exactly when a key over those is unchanged: the
builder digest, the config as loaded, `--drafts`, the resources, and every document's path and meta
signature (`incremental.meta_sig`) in walk order. A file whose digest differs from the snapshot's
is loaded again (its front matter may have changed, which changes the key); if only its Markdown
changed, the freshly loaded document stands in the model wherever the snapshot's stood: the
unpickler makes it in place of the old one (`_Reader`).

Documents freshly loaded are not saved back: each later build loads those few files again until
they are more than `MAX_PATCHED`, then the snapshot is made afresh by a full load.
"""

from __future__ import annotations

import copyreg
import dataclasses
import hashlib
import io
import os
import pickle
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from ..config import SiteConfig
from ..model import Site
from ..model.documents import Document
from ..pipeline.load import Resource, SourceFile, doc_key, load_file
from . import identity, records
from .fingerprint import FileDigests
from .identity import CACHE_DIR
from .state import meta_digest, meta_sig, resources_sig
from .store import Store, reduce_document, restore_document

FORMAT = 4
MAX_PATCHED = 64  # files loaded again on top of the snapshot before it is made afresh


@dataclass(frozen=True)
class Reused:
    docs: list[Document]
    site: Site


def _key(config: SiteConfig, drafts: bool, metas: list[tuple[str, bytes]], resources: list[Resource]) -> bytes:
    h = hashlib.blake2b(digest_size=20)
    h.update(f"{FORMAT}\0{identity.builder_digest()}\0{drafts}\0".encode())
    h.update(config.text.encode("utf-8", "surrogatepass") + b"\0")
    for rel, m in metas:
        h.update(rel.encode("utf-8", "surrogatepass") + b"\0" + m)
    h.update(resources_sig(resources))
    return h.digest()


def _reduce_kept(doc: Document) -> tuple[Any, tuple[Any, ...]]:
    """An article goes into the snapshot without its Markdown: a build that reuses the snapshot
    renders only the articles whose file changed, which it loads afresh (`reuse`), and shows of
    the others what the previous build recorded; reading 10,000 texts back would cost every edit
    0.4 s (`Session.whole` loads them all when a build must render every article). Other entries'
    texts stay: their pages (topics, sections) are rendered again when anything they show changed."""
    if doc.kind != "article":
        return reduce_document(doc)
    return reduce_document(dataclasses.replace(doc, body=None, summary_src=None))


class _Writer(pickle.Pickler):
    """The snapshot's pickler: documents' texts as bytes (`store.reduce_document`: no UTF-8 copies
    left behind), and no article's text (`_reduce_kept`)."""

    dispatch_table = MappingProxyType({**copyreg.dispatch_table, Document: _reduce_kept})


class _Reader(pickle.Unpickler):
    """Unpickles the model with `fresh` documents (source → document) in place of the stored ones."""

    def __init__(self, f: io.BytesIO, fresh: dict[str, Document]):
        super().__init__(f)
        self.fresh = fresh

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == (restore_document.__module__, restore_document.__name__):
            return self.document
        return super().find_class(module, name)

    def document(self, state: dict[str, Any]) -> Document:
        doc = self.fresh.get(state["source"])
        stored = restore_document(state)
        if doc is not None and meta_sig(stored) != meta_sig(doc):
            raise ValueError(f"{doc.source}: its front matter differs")  # cannot happen while the key matched
        return doc if doc is not None else stored


def _partners(site: Site, fresh: dict[str, Document]) -> list[str]:
    """The documents without their text (`_reduce_kept`) of the articles a fresh document belongs to."""
    out = []
    for entry in site.articles:
        docs = [d for _k, d in entry.docs]
        if len(docs) > 1 and any(d.source in fresh for d in docs):
            out += [d.source for d in docs if d.body is None and d.source not in fresh]
    return sorted(set(out))


def reuse(site_dir: Path, out: Path, config: SiteConfig, drafts: bool, sources: list[SourceFile],
          resources: list[Resource], store: Store, digests: FileDigests,
          rendered: dict[str, bytes] | None) -> Reused | None:
    """The snapshot with the changed documents put in, or None (then load and derive as usual).
    `rendered`: source → the file digest the previous build rendered (None: unknown); a file that
    differs from it is loaded too, though the snapshot holds it as it is (an edit undone): its
    article renders again, and the snapshot holds no article's text."""
    kind = records.read(site_dir, records.folder_key(out), records.SNAPSHOT)
    payload = records.read(site_dir, records.folder_key(out), kind.decode("utf-8", "replace")) if kind else None
    if payload is None:
        return None
    try:
        f = io.BytesIO(payload)
        head = pickle.load(f)
        # (another builder's snapshot is refused before any changed file is loaded for it)
        if not (isinstance(head, tuple) and len(head) == 5 and head[:2] == (FORMAT, identity.builder_digest())):
            return None
        _fmt, _builder, key, table, rows = head
        metas: list[tuple[str, bytes]] = []
        fresh: dict[str, Document] = {}
        for src in sources:
            fd = digests.of(src.file)
            rec = table.get(src.rel)
            if rec is not None and rec[0] == fd and (rendered is None or rendered.get(src.rel) == fd):
                metas.append((src.rel, rec[1]))
                continue
            if len(fresh) >= MAX_PATCHED:
                return None
            doc, errors = load_file(src, config, False, store, digests)
            if doc is None or errors:
                return None  # the usual load reports it
            fresh[src.rel] = doc
            metas.append((src.rel, meta_digest(doc)))
        if _key(config, drafts, metas, resources) != key:
            return None
        start = f.tell()
        docs, site = _Reader(f, fresh).load()
        partners = _partners(site, fresh)
        if partners:  # an article renders all its documents: a changed translation's original too
            by_rel = {src.rel: src for src in sources}
            for rel in partners:
                doc, errors = load_file(by_rel[rel], config, False, store, digests)
                if doc is None or errors:
                    return None
                fresh[rel] = doc
            f.seek(start)
            docs, site = _Reader(f, fresh).load()
    except Exception:  # noqa: BLE001 - damaged or from another version: load as usual
        return None
    if not isinstance(site, Site) or len(docs) != len(sources):
        return None
    store.keep_used({k for rel, k in rows.items() if rel not in fresh})  # the unchanged files' rows
    return Reused(docs, site)


def prepare(site_dir: Path, out: Path, config: SiteConfig, drafts: bool, docs: list[Document],
            resources: list[Resource], site: Site, table: dict[str, tuple[bytes, bytes]]) -> str | None:
    """Write a snapshot of a freshly derived site into a row of its own, and name it (the build's
    commit makes it the snapshot once the build is known to have read settled inputs: `records`).
    `table`: source → (file digest as it was loaded, meta digest), as `incremental.global_sig`
    recorded them. None: none written."""
    rows: dict[str, bytes] = {}
    metas = []
    for d in docs:
        rec = table.get(d.source)
        if rec is None:
            return None
        rows[d.source] = doc_key(d.source, config, rec[0])
        metas.append((d.source, rec[1]))
    kind = f"{records.SNAPSHOT_ROWS}{os.getpid()}-{time.time_ns()}"
    try:
        (site_dir / CACHE_DIR).mkdir(exist_ok=True)
        with tempfile.TemporaryFile(dir=site_dir / CACHE_DIR) as f:  # (80 MB at 10,000 articles: not in memory)
            pickle.dump((FORMAT, identity.builder_digest(), _key(config, drafts, metas, resources), dict(table), rows),
                        f, protocol=5)
            _Writer(f, protocol=5).dump((docs, site))
            records.write_file(site_dir, records.folder_key(out), kind, f)
    except (OSError, pickle.PicklingError, RecursionError):
        return None
    return kind
