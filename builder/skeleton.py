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
"""

from __future__ import annotations

import hashlib
import os
import pickle
from dataclasses import dataclass
from pathlib import Path

from .cache import Store
from .config import SiteConfig
from .derive import Site
from .fingerprint import CACHE_DIR, FileDigests, builder_digest
from .incremental import meta_digest, meta_sig, resources_sig, state_tag
from .load import Resource, SourceFile, doc_key, load_file
from .model import Document

FORMAT = 1
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
    h.update(f"{FORMAT}\0{builder_digest()}\0{drafts}\0".encode())
    h.update(repr(config).encode("utf-8", "surrogatepass") + b"\0")
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
            if not (isinstance(head, tuple) and len(head) == 4 and head[0] == FORMAT):
                return None
            _fmt, key, table, rows = head
            metas: list[tuple[str, bytes]] = []
            fresh: dict[str, Document] = {}
            for src in sources:
                fd = digests.of(src.path)
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
    except Exception:  # noqa: BLE001 - missing, damaged or from another version: load as usual
        return None
    if not isinstance(site, Site) or len(docs) != len(sources):
        return None
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
            pickle.dump((FORMAT, _key(config, drafts, metas, resources), dict(table), rows), f, protocol=5)
            pickle.dump((docs, site), f, protocol=5)
    except (OSError, pickle.PicklingError, RecursionError):
        tmp.unlink(missing_ok=True)
        return None
    return tmp


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

