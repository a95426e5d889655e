"""A full build that keeps a SearchState (build_search_state), and an incremental update of the index
from one (update_search).

When a few documents change and nothing moves in the id order, only the postings of the tokens
whose (id, weight) changed are rewritten, in their shards: the old version's tokens and
equivalents come from the state (which keeps every document), each token's postings are spliced
around the changed ids, equivalent counts are kept per shard, and the metadata chunk holding the
document is rewritten. The shard count, chunk size, vocabulary ("fold") and the manifest's "v"
(a SHA-256 over every index file, so the state keeps their bytes and hashes them again: about
0.07 s at 10,000 articles) are recomputed exactly as a full build would. Anything else — an added
or removed document, a changed date or first-edition url (ids move), a shard count or chunk size
that would change — returns None and the caller builds in full.
"""

from __future__ import annotations

import json
import pickle
import zlib
from array import array
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence

from ..model import Edition, Output, SearchDoc
from .files import (
    MANIFEST,
    best_equiv,
    build,
    chunk_size,
    file_hash,
    fold_pairs,
    js,
    manifest_js,
    meta_folder,
    no_gc,
    order,
    order_of,
    row,
    row_size,
    shard_count,
    version,
)
from .index import index_range
from .postings import Varints, VarintValues, apply_postings
from .state import DOC, EQ, OUT, SearchState, StateError, code_digest, editions_sig
from .tokens import Fold, shard_of


def build_search_state(docs: Mapping[str, SearchDoc], editions: Sequence[Edition], fold: Fold | None = None,
                       ) -> tuple[list[Output], SearchState]:
    """The index of `docs` (the same outputs as build_search([docs[k] for k in sorted(docs)])) and a
    state for update_search. The keys are the caller's document identities (e.g. source paths).
    `fold`: the character fold to use (made from OpenCC when not given; the state keeps it)."""
    names = sorted(docs)
    fold = fold or Fold.from_opencc()
    with no_gc():
        b = build([docs[k] for k in names], editions, fold)
        st = SearchState(fold)
        st.sig = code_digest()
        st.editions = editions_sig(editions)
        st.keys = [names[i] for i in b.perm]
        st.ids = {k: i for i, k in enumerate(st.keys)}
        key0 = editions[0].key if editions else ""
        st.dates = [d.date or "" for d in b.ordered]
        st.urls = [d.url.get(key0, "") for d in b.ordered]
        st.sizes = b.sizes
        st.shards, st.chunk, st.total = b.shards, b.chunk, b.total
        st.vocab_chars = frozenset(b.vocab_chars)
        st.fold = fold_pairs(fold, st.vocab_chars)
        st.paths = [o.path for o in b.outputs]
        st.hashes = list(b.hashes)
        st.manifest = b.manifest.data
        st.locs = {kind: array("q", [0, -1, 0]) * m for kind, m in ((OUT, len(b.outputs)), (DOC, len(st.keys)),
                                                                     (EQ, st.shards))}
        eq: list[dict[str, dict[str, int]]] = [{} for _ in range(st.shards)]
        for t, cnt in b.equiv.items():
            eq[shard_of(t, st.shards)][t] = dict(cnt)
        st.mem = {OUT: {i: o.data for i, o in enumerate(b.outputs)}, DOC: dict(enumerate(b.ordered)),
                  EQ: dict(enumerate(eq))}
    outputs = sorted([*b.outputs, b.manifest], key=lambda o: o.path)
    return outputs, st


def update_search(state: SearchState, changed: Mapping[str, SearchDoc | None], editions: Sequence[Edition],
                  ) -> tuple[list[Output], list[str], SearchState] | None:
    """The index after `changed` (key → new document, or None for a removed one) is applied to the
    documents `state` describes: (the outputs whose bytes differ from the previous index's, sorted by
    path; the paths of previous index files that no longer exist; the new state). None when an
    incremental update is not possible — a document added or removed, a change that moves a
    document in the id order (its date, or its first edition's url), a different shard count or
    metadata chunk size, other editions or builder code, or a damaged state: build the index in
    full (build_search_state) instead. `state` itself is left as it was."""
    if (state.sig != code_digest() or state.editions != editions_sig(editions)
            or len({e.key for e in editions}) != len(editions)):
        return None
    with no_gc():
        try:
            return _update(state, changed, editions)
        except (StateError, zlib.error, pickle.UnpicklingError, EOFError, ValueError, TypeError, KeyError,
                IndexError, AttributeError, UnicodeDecodeError):
            return None


class _Delta:
    """What the changed documents contribute, before and after: token → id → new weight (None:
    gone), token → change of its equivalent counts, and the documents' new metadata rows."""

    def __init__(self, state: SearchState, new_docs: dict[int, SearchDoc], keys: Sequence[str]) -> None:
        self.post: dict[str, dict[int, int | None]] = defaultdict(dict)
        self.equiv: defaultdict[str, Counter[str]] = defaultdict(Counter)
        self.sizes = [list(s) for s in state.sizes]
        self.rows: dict[int, list[list[object]]] = {}
        for i, d in sorted(new_docs.items()):
            old = state.doc(i)
            if old == d:
                continue
            ow, oe = _doc_index(old, keys, state.fold_table)
            nw, ne = _doc_index(d, keys, state.fold_table)
            for t, w in nw.items():
                if ow.get(t) != w:
                    self.post[t][i] = w
            for t in ow.keys() - nw.keys():
                self.post[t][i] = None
            for t, cnt in ne.items():
                self.equiv[t].update(cnt)
            for t, cnt in oe.items():
                self.equiv[t].subtract(cnt)
            self.rows[i] = [row(d, k) for k in keys]
            for e, r in enumerate(self.rows[i]):
                self.sizes[e][i] = row_size(r)


def _doc_index(d: SearchDoc, keys: Sequence[str], fold: Fold) -> tuple[dict[str, int], dict[str, Counter[str]]]:
    """One document's token → posting weight, and its equivalent counts."""
    postings, equiv = index_range([d], keys, 0, 1, fold)
    return {t: v[1] & 31 for t, v in postings.items()}, equiv


def _update(state: SearchState, changed: Mapping[str, SearchDoc | None], editions: Sequence[Edition],
            ) -> tuple[list[Output], list[str], SearchState] | None:
    keys = [e.key for e in editions]
    new_docs = _in_place(state, changed, keys[0] if keys else "")
    if new_docs is None:
        return None
    delta = _Delta(state, new_docs, keys)
    if not delta.rows:
        return [], [], state
    if chunk_size(len(state.keys), [sum(s) for s in delta.sizes]) != state.chunk:
        return None
    new = state.copy()
    new.sizes = delta.sizes
    new.dates, new.urls = list(state.dates), list(state.urls)
    for i in delta.rows:
        new.dates[i], new.urls[i] = new_docs[i].date or "", new_docs[i].url.get(keys[0] if keys else "", "")
        new.set(DOC, i, new_docs[i])
    changed_out: dict[int, bytes] = {}
    vocab = _patch_shards(state, new, delta, changed_out)
    if shard_count(new.total) != state.shards:
        return None
    _patch_meta(state, editions, delta.rows, changed_out)
    return _finish(state, new, editions, vocab, changed_out)


def _in_place(state: SearchState, changed: Mapping[str, SearchDoc | None], key0: str) -> dict[int, SearchDoc] | None:
    """Id → new document of the changed ones; None when one is added or removed or moves in the id
    order (the ids shift)."""
    n = len(state.keys)
    new_docs: dict[int, SearchDoc] = {}
    for k, d in changed.items():
        i = state.ids.get(k)
        if i is None or d is None:
            return None
        new_docs[i] = d
    new_order = {i: order(d, key0) for i, d in new_docs.items()}

    def sort_key(i: int) -> tuple[tuple[int, str, str], str]:
        o = new_order.get(i) or order_of(state.dates[i], state.urls[i])
        return (o, state.keys[i])

    for i in new_docs:
        if (i > 0 and not sort_key(i - 1) < sort_key(i)) or (i + 1 < n and not sort_key(i) < sort_key(i + 1)):
            return None
    return new_docs


def _parse_js(data: bytes, callback: str) -> list[object]:
    text = data.decode()
    head, tail = callback + "(", ");\n"
    if not (text.startswith(head) and text.endswith(tail)):
        raise StateError("not an index file")
    args = json.loads("[" + text[len(head) : -len(tail)] + "]")
    if not isinstance(args, list):
        raise StateError("not an index file")
    return args


def _patch_shards(state: SearchState, new: SearchState, delta: _Delta, changed_out: dict[int, bytes]) -> set[str]:
    """Rewrite the shards of the tokens whose postings or equivalents changed (into changed_out and
    `new`: equivalent counts, total size); returns the new single-character vocabulary."""
    shards = state.shards
    touched: dict[int, set[str]] = defaultdict(set)
    for t in delta.post:
        touched[shard_of(t, shards)].add(t)
    for t, cnt in delta.equiv.items():
        if any(cnt.values()):
            touched[shard_of(t, shards)].add(t)
    vocab = set(state.vocab_chars)
    varint, value = Varints(), VarintValues()
    for si, toks in touched.items():
        data = state.output(si)
        args = _parse_js(data, "__tw_search_shard")
        if len(args) != 2 or args[0] != si or not isinstance(args[1], dict):
            raise StateError("unexpected shard")
        p: dict[str, str] = args[1]["p"]
        e_: dict[str, list[str]] = args[1]["e"]
        eqs = dict(state.equiv(si))
        for t in toks:
            if t in delta.post:
                new.total += _patch_postings(p, t, apply_postings(p.get(t, ""), delta.post[t], varint, value), vocab)
            if t in delta.equiv:
                _patch_counts(eqs, t, delta.equiv[t])
            if t in p and t in eqs:
                e_[t] = best_equiv(eqs[t])
            else:
                e_.pop(t, None)
        new.set(EQ, si, eqs)
        out = js("__tw_search_shard", si, {"e": e_, "p": p})
        if out != data:
            changed_out[si] = out
    return vocab


def _patch_postings(p: dict[str, str], t: str, s_new: str, vocab: set[str]) -> int:
    """Set token t's postings in shard `p` to s_new (none if empty); returns the change of size."""
    s_old = p.get(t)
    size = -(len(t.encode()) + len(s_old) + 6) if s_old is not None else 0
    if s_new:
        size += len(t.encode()) + len(s_new) + 6
        p[t] = s_new
        if len(t) == 1:
            vocab.add(t)
    else:
        p.pop(t, None)
        if len(t) == 1:
            vocab.discard(t)
    return size


def _patch_counts(eqs: dict[str, dict[str, int]], t: str, change: Counter[str]) -> None:
    cnt = Counter(eqs.get(t, {}))
    cnt.update(change)
    cnt = Counter({q: c for q, c in cnt.items() if c > 0})
    if cnt:
        eqs[t] = dict(cnt)
    else:
        eqs.pop(t, None)


def _patch_meta(state: SearchState, editions: Sequence[Edition], rows: dict[int, list[list[object]]],
                changed_out: dict[int, bytes]) -> None:
    """Rewrite the metadata chunks that hold the changed documents (into changed_out)."""
    chunk, n = state.chunk, len(state.keys)
    base = state.shards
    for col, ed in enumerate(editions):
        for c in sorted({i // chunk for i in rows}):
            oi = base + c
            if state.paths[oi] != f"{meta_folder(ed)}/{c}.js":
                raise StateError("unexpected output order")
            data = state.output(oi)
            chunk_rows = _parse_js(data, "__tw_search_meta")[2]
            if not isinstance(chunk_rows, list):
                raise StateError("unexpected metadata")
            for i in rows:
                if i // chunk == c:
                    chunk_rows[i - c * chunk] = rows[i][col]
            out = js("__tw_search_meta", ed.key, c, chunk_rows)
            if out != data:
                changed_out[oi] = out
        base += max(1, -(-n // chunk))


def _finish(state: SearchState, new: SearchState, editions: Sequence[Edition], vocab: set[str],
            changed_out: dict[int, bytes]) -> tuple[list[Output], list[str], SearchState]:
    """The new state's outputs and manifest; the outputs that changed, sorted by path."""
    for oi, out in changed_out.items():
        new.set(OUT, oi, out)
    if vocab != state.vocab_chars:
        new.vocab_chars = frozenset(vocab)
        new.fold = fold_pairs(new.fold_table, new.vocab_chars)
    new.hashes = list(state.hashes)
    for oi, out in changed_out.items():
        new.hashes[oi] = file_hash(out)
    new.manifest = manifest_js(state.chunk, editions, new.fold, state.shards, len(state.keys),
                               version(new.paths, new.hashes))
    outputs = [Output(new.paths[oi], out) for oi, out in changed_out.items()]
    if new.manifest != state.manifest:
        outputs.append(Output(MANIFEST, new.manifest))
    outputs.sort(key=lambda o: o.path)
    return outputs, [], new
