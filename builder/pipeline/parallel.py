"""Run a build stage's work in forked worker processes, in chunks, merged back in order.

The work function and everything it reads are inherited by `fork` (never pickled: OpenCC converters,
Jinja environments and parsed tokens cannot or should not cross a pipe); only each chunk's result
travels back. Results come back in chunk order whatever order workers finish in, and at most a few
chunks are in flight, so memory stays bounded while the main process writes files.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

from .memory import release_free_memory

R = TypeVar("R")
PR_SET_PDEATHSIG = 1  # linux/prctl.h
WATCHDOG_PERIOD = 0.5  # seconds between the fallback watchdog's looks at the parent


def die_with_parent(parent: int) -> None:
    """Make this forked process end as soon as `parent`, the process that forked it, dies, even by
    `kill -9`: a worker blocked on its task pipe never sees EOF (its siblings hold the pipe's write
    end too) and would otherwise sleep forever. On Linux the kernel sends SIGKILL
    (PR_SET_PDEATHSIG); elsewhere a daemon thread checks the parent now and then. The parent may
    have died before the request took effect: then its pid is no longer our parent's, and we exit.
    (The kernel's signal follows the *thread* that forked: the pool's workers are forked by the
    thread that submits, the build's own, which outlives the pool.)"""
    if sys.platform.startswith("linux") and _set_pdeathsig():
        if os.getppid() != parent:
            os._exit(1)
        return
    threading.Thread(target=_watch_parent, args=(parent,), name="tongwen-parent-watch", daemon=True).start()


def _set_pdeathsig() -> bool:
    """Ask the kernel for SIGKILL when the forking thread's process dies; False where it cannot."""
    try:
        import ctypes  # here, not at the top: only forked children on Linux need it

        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(WATCHDOG_PERIOD)
    os._exit(1)


def default_jobs() -> int:
    """TONGWEN_JOBS, else the number of usable cores."""
    env = os.environ.get("TONGWEN_JOBS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class _Worker:
    """The work a forked worker process runs. It is handed over by the fork itself (initargs are
    not pickled under the fork start method), so closures over the build's model need no pickling;
    it is set once in each worker and never in the build's own process."""

    work: Callable[[int, int], Any] | None = None

    @classmethod
    def start(cls, work: Callable[[int, int], Any], parent: int) -> None:
        die_with_parent(parent)
        cls.work = work

    @classmethod
    def call(cls, span: tuple[int, int]) -> Any:
        assert cls.work is not None
        return cls.work(*span)


def run_chunks(n: int, work: Callable[[int, int], R], jobs: int, chunk: int, serial_below: int = 0) -> Iterator[R]:
    """Yield `work(start, stop)` for consecutive spans covering range(n), in order. With jobs > 1 and
    more than one span, the spans run in `jobs` forked processes, unless there are fewer than
    `serial_below` items (forking a large build's process costs more than a little work)."""
    spans = [(a, min(a + chunk, n)) for a in range(0, n, chunk)]
    if n < serial_below:
        jobs = 1
    if jobs > 1 and threading.active_count() > 1 and not os.environ.get("TONGWEN_JOBS"):
        # forking a process that runs other threads (a preview server's watcher, say) can deadlock a
        # child on a lock one of those threads held; stay serial unless TONGWEN_JOBS asks otherwise
        jobs = 1
    if jobs <= 1 or len(spans) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        for a, b in spans:
            yield work(a, b)
        return
    release_free_memory()  # each worker starts with this process's resident pages: fewer of them
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("fork"),
                             initializer=_Worker.start, initargs=(work, os.getpid())) as pool:
        todo = iter(spans)
        pending: deque[Future[R]] = deque()
        for span in todo:
            pending.append(pool.submit(_Worker.call, span))
            if len(pending) >= jobs * 3:
                break
        try:
            while pending:
                res = pending.popleft().result()
                nxt = next(todo, None)
                if nxt is not None:
                    pending.append(pool.submit(_Worker.call, nxt))
                yield res
        finally:
            for f in pending:
                f.cancel()
