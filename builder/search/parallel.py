"""Indexing every document, in two processes when that is safe and worth it: a forked child indexes
the second half of the ids while this process indexes the first; the halves are joined per token,
so the output is the same bytes whatever the split."""

from __future__ import annotations

import os
import pickle
import signal
import threading
from collections.abc import Sequence

from ..model import SearchDoc
from ..pipeline.memory import release_free_memory
from ..pipeline.parallel import die_with_parent
from .contributions import Equivalents
from .index import Range, index_range, join
from .postings import Varints
from .tokens import Fold

PARALLEL_MIN_DOCS = 400  # fewer documents are indexed in one process (a fork costs ~10 ms)


def index_all(ordered: Sequence[SearchDoc], keys: Sequence[str], fold: Fold) -> tuple[dict[str, str], Equivalents]:
    """Encoded postings of every token, and the equivalents."""
    n = len(ordered)
    child = None
    mid = n
    if n >= PARALLEL_MIN_DOCS and workers() > 1:
        mid = _split_point(ordered, keys)
        child = in_child(ordered, keys, mid, n, fold) if 0 < mid < n else None
        if child is None:
            mid = n
    try:
        first, equiv = index_range(ordered, keys, 0, mid, fold)
    except BaseException:  # e.g. KeyboardInterrupt: do not leave the child blocked on the pipe
        if child is not None:
            os.kill(child[0], signal.SIGKILL)
            os.close(child[1])
            os.waitpid(child[0], 0)
        raise
    if mid < n:
        second = from_child(child) if child is not None else None
        if second is None:  # the child failed: do its share here
            second = index_range(ordered, keys, mid, n, fold)
        join(first, second[0], equiv, second[1], Varints())
    return {t: v[0] for t, v in first.items()}, equiv


def _split_point(ordered: Sequence[SearchDoc], keys: Sequence[str]) -> int:
    """The id that splits the documents into two halves of about equal text."""
    sizes = [sum(len(d.text.get(k, "")) for k in keys) + 200 for d in ordered]
    half, acc = sum(sizes) / 2, 0
    for i, s in enumerate(sizes):
        acc += s
        if acc >= half:
            return i + 1
    return len(ordered)


def workers() -> int:
    """2 when it is safe and worth it to index in a forked child as well: fork exists, two CPUs are
    ours, and this is the process's only thread (forking a threaded process, e.g. `tongwen serve`, can
    inherit a lock that another thread holds). TONGWEN_SEARCH_WORKERS=1 forces one process."""
    env = os.environ.get("TONGWEN_SEARCH_WORKERS", "")
    if env.strip() == "1" or not hasattr(os, "fork") or threading.active_count() != 1:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return 2 if cpus >= 2 else 1


def in_child(ordered: Sequence[SearchDoc], keys: Sequence[str], lo: int, hi: int, fold: Fold,
             ) -> tuple[int, int] | None:
    """Fork a child that indexes lo … hi-1 and pickles the result into a pipe: (pid, read end)."""
    release_free_memory()  # the child starts with this process's resident pages: fewer of them
    try:
        r, w = os.pipe()
        parent = os.getpid()
        pid = os.fork()
    except OSError:
        return None
    if pid == 0:  # the child: never returns
        code = 1
        try:
            die_with_parent(parent)  # a build killed with -9 takes its half of the index with it
            os.close(r)
            data = pickle.dumps(index_range(ordered, keys, lo, hi, fold), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(w, "wb") as f:
                f.write(data)
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    return pid, r


def from_child(child: tuple[int, int]) -> tuple[Range, Equivalents] | None:
    pid, r = child
    result: tuple[Range, Equivalents] | None = None
    try:
        with os.fdopen(r, "rb") as f:
            result = pickle.load(f)  # as it arrives: never the whole pickle and its objects at once
    except Exception:  # noqa: BLE001 - a child that failed wrote nothing whole: its status says so
        result = None
    _, status = os.waitpid(pid, 0)
    if status != 0:
        return None
    return result
