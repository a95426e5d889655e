"""The derived site as the last full load made it, reused while only Markdown bodies changed.

Loading 10,000 cached documents and deriving the site from them takes about a second; unpickling
the derived `Site` saved by an earlier build takes a quarter of that. `derive` reads everything of a
document but its Markdown (front matter, path, language), the resources, the config and `--drafts`,
so a snapshot is reused exactly when a key over those is unchanged: the builder digest, the config
as loaded, `--drafts`, the resources, and every document's path and meta signature
(`incremental.meta_sig`) in walk order. A file whose digest differs from the snapshot's is loaded
again (its front matter may have changed, which changes the key); if only its Markdown changed,
its new body is written into the snapshot's `Document` in place, before anything reads it.

Bodies written into the snapshot are not saved back: each later build loads those few files again
until they are more than `MAX_PATCHED`, then the snapshot is made afresh by a full load.

The documents' front matter and texts (Markdown bodies: 70 MB at 10,000 articles; front matter:
most of the model's objects) are stored after the model, one slice per document, and unpickled
documents read theirs only when something asks for it (`Document.__getattr__`): an edit renders a
few dozen documents. The reader keeps the snapshot file open, so a later build replacing it cannot
change what this one reads.
"""

from __future__ import annotations

import copyreg
import hashlib
import os
import pickle
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from ..config import SiteConfig
from ..model import Site
from ..model.documents import LAZY_FIELDS, Document
from ..pipeline.load import Resource, SourceFile, doc_key, load_file
from . import identity
from .fingerprint import FileDigests
from .identity import CACHE_DIR
from .state import meta_digest, meta_sig, resources_sig, state_tag
from .store import Store

FORMAT = 3
FILE = "skeleton"
MAX_PATCHED = 64  # files loaded again on top of the snapshot before it is made afresh


@dataclass(frozen=True)
class Reused:
    docs: list[Document]
    site: Site


def path_of(site_dir: Path, out: Path) -> Path:
    return site_dir / CACHE_DIR / f"{FILE}-{state_tag(out)}.pickle"


def _key(config: SiteConfig, drafts: bool, metas: list[tuple[str, bytes]], resources: list[Resource]) -> bytes:
    h = hashlib.blake2b(digest_size=20)
    h.update(f"{FORMAT}\0{identity.builder_digest()}\0{drafts}\0".encode())
    h.update(config.text.encode("utf-8", "surrogatepass") + b"\0")
    for rel, m in metas:
        h.update(rel.encode("utf-8", "surrogatepass") + b"\0" + m)
    h.update(resources_sig(resources))
    return h.digest()


def reuse(site_dir: Path, out: Path, config: SiteConfig, drafts: bool, sources: list[SourceFile],
          resources: list[Resource], store: Store, digests: FileDigests) -> Reused | None:
    """The snapshot with the changed bodies written in, or None (then load and derive as usual)."""
    try:
        with open(path_of(site_dir, out), "rb") as f:
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
                if rec is not None and rec[0] == fd:
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
            docs, site = pickle.load(f)
            table = pickle.load(f)
            parts = _Parts(os.dup(f.fileno()), f.tell(), table)
    except Exception:  # noqa: BLE001 - missing, damaged or from another version: load as usual
        return None
    if not isinstance(site, Site) or len(docs) != len(sources) or len(table) != len(docs):
        return None
    for i, d in enumerate(docs):
        if "meta" not in d.__dict__:
            d.__dict__["_lazy"] = parts.reader(i)
    by_source = {d.source: d for d in docs}
    for rel, doc in fresh.items():
        old = by_source.get(rel)
        if old is None or meta_sig(old) != meta_sig(doc):
            return None  # cannot happen while the key matched; never trust it then
        # the snapshot's Site holds this object wherever the document is used: change it there
        for name in ("body", "summary_src", "tokens", "summary_tokens"):
            object.__setattr__(old, name, getattr(doc, name))
    store.keep_used({k for rel, k in rows.items() if rel not in fresh})  # the unchanged files' rows
    return Reused(docs, site)


def prepare(site_dir: Path, out: Path, config: SiteConfig, drafts: bool, docs: list[Document],
            resources: list[Resource], site: Site, table: dict[str, tuple[bytes, bytes]]) -> Path | None:
    """Write a snapshot of a freshly derived site beside its final place (`publish` moves it there
    once the build is known to have read settled inputs). `table`: source → (file digest as it was
    loaded, meta digest), as `incremental.global_sig` recorded them."""
    rows: dict[str, bytes] = {}
    metas = []
    for d in docs:
        rec = table.get(d.source)
        if rec is None:
            return None
        rows[d.source] = doc_key(d.source, config, rec[0])
        metas.append((d.source, rec[1]))
    final = path_of(site_dir, out)
    tmp = final.with_name(f".{FILE}.{os.getpid()}.tmp")
    try:
        final.parent.mkdir(exist_ok=True)
        with open(tmp, "wb") as f:
            pickle.dump((FORMAT, identity.builder_digest(), _key(config, drafts, metas, resources), dict(table), rows),
                        f, protocol=5)
            _dump(f, docs, site)
    except (OSError, pickle.PicklingError, RecursionError):
        tmp.unlink(missing_ok=True)
        return None
    return tmp


def forget(site_dir: Path, out: Path) -> None:
    """Remove the snapshot (found damaged): the next build loads and derives in full."""
    try:
        path_of(site_dir, out).unlink(missing_ok=True)
    except OSError:
        pass


def publish(tmp: Path | None, site_dir: Path, out: Path, ok: bool) -> None:
    if tmp is None:
        return
    try:
        if ok:
            os.replace(tmp, path_of(site_dir, out))
        else:
            tmp.unlink(missing_ok=True)
    except OSError:
        pass


def _document(state: dict[str, object]) -> Document:
    """A document without its front matter and texts (they are read when asked: `_Parts`)."""
    doc = Document.__new__(Document)
    doc.__dict__.update(state)
    return doc


def _dump(f: BinaryIO, docs: list[Document], site: Site) -> None:
    """The model with every listed document's front matter and texts left out, their table, then
    one slice per document: its body, its summary source and its pickled front matter."""
    listed = {id(d) for d in docs}

    def reduce(d: Document) -> tuple[Callable[..., Any], tuple[Any, ...]]:
        if id(d) not in listed:  # (cannot happen: the site's documents are the loaded ones) inline
            return _document, ({**d.__getstate__()},)
        return _document, ({k: v for k, v in d.__getstate__().items() if k not in LAZY_FIELDS},)

    pickler = pickle.Pickler(f, protocol=5)
    pickler.dispatch_table = {**copyreg.dispatch_table, Document: reduce}
    pickler.dump((docs, site))
    blobs: list[bytes] = []
    table: list[tuple[int, int, int, int, bytes]] = []
    pos = 0
    for d in docs:
        body = d.body.encode("utf-8", "surrogatepass")
        summary = d.summary_src.encode("utf-8", "surrogatepass") if d.summary_src is not None else b""
        meta = pickle.dumps(d.meta, protocol=5)
        table.append((pos, len(body), len(summary) if d.summary_src is not None else -1, len(meta),
                      _check(body, summary, meta)))
        blobs += (body, summary, meta)
        pos += len(body) + len(summary) + len(meta)
    pickle.dump(table, f, protocol=5)
    f.writelines(blobs)


def _check(body: bytes, summary: bytes, meta: bytes) -> bytes:
    """A slice's digest, stored in the table when written and compared when read."""
    return hashlib.blake2b(body + b"\0" + summary + b"\0" + meta, digest_size=8).digest()


class _Parts:
    """Reads one document's slice from the open snapshot file (positional reads: forked workers
    share the descriptor, never an offset). Each slice is checked against its digest."""

    def __init__(self, fd: int, base: int, table: list[tuple[int, int, int, int, bytes]]):
        self.fd, self.base, self.table = fd, base, table

    def __del__(self) -> None:  # the last lazy document is gone (a preview server builds again and again)
        try:
            os.close(self.fd)
        except OSError:
            pass

    def reader(self, i: int) -> Callable[[], dict[str, Any]]:
        return lambda: self.read(i)

    def read(self, i: int) -> dict[str, Any]:
        pos, nb, ns, nm, check = self.table[i]
        size = nb + max(ns, 0) + nm
        data = os.pread(self.fd, size, self.base + pos)
        body, summary, meta = data[:nb], data[nb: size - nm], data[size - nm:]
        if len(data) != size or _check(body, summary, meta) != check:
            raise SnapshotDamaged(f"document {i}'s part of the snapshot is damaged")
        return {"body": body.decode("utf-8", "surrogatepass"),
                "summary_src": summary.decode("utf-8", "surrogatepass") if ns >= 0 else None,
                "meta": pickle.loads(meta)}


class SnapshotDamaged(RuntimeError):
    """A document's text in the snapshot does not match its digest (the disk changed under us)."""
