"""A topic's mention rows and an article's mentioned passages, kept in the cache between builds."""

from __future__ import annotations

import hashlib
import pickle
from typing import Any

from ..incremental.state import ArticleMemo, StateIncomplete
from ..incremental.store import Store

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
    """A topic's mention rows; their texts are None (`topic_pages.page_mentions` reads those it shows)."""
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
