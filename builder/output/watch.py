"""The output folder's check, off the build's critical path: a forked child stats it meanwhile.

An incremental build may keep the previous build's outputs only if the output folder still holds
exactly what that build wrote: the listing digest of the folder (`fingerprint.output_stats`: the
manifest and the stat of every file it lists) must equal the one recorded with the state. At 10,000
articles that is 44,000 `lstat`s (~0.2 s), and a build that patched the folder records the new
digest at its end (a loop over every listed file, and the digest): both are serial work of a
process that leaves the machine's second core idle.

`start(out)` forks a child (plain `os.fork` and two pipes) as the build starts:
1. the child stats the folder, sends the listing digest and keeps its stats;
2. the build asks for it (`before()`) only where it needs it: in the skip check of a build whose
   inputs are unchanged (`fingerprint.unchanged`), and where it first relies on the previous state;
3. once the build's changes are in the folder, `after(touched)` sends the child the paths the build
   replaced, added or deleted (None: the folder was replaced whole); the child re-reads the
   manifest, stats only those and the names it does not know, and sends the new digest, which the
   build collects last (`result()`), after its other end-of-build work.

Anything else, and it is done here, inline, exactly as `fingerprint.output_stats`/`listing_digest` do:
no `os.fork`, a fork that fails, a process running other threads (forking one, e.g. `tongwen serve`,
can inherit a lock another thread holds), one CPU, `TONGWEN_OUTPUT_WATCH=0`, or a child that dies,
hangs or answers anything but a well-formed digest. The child never returns into the build: it ends
with `os._exit` in every case (no atexit handlers, no flush of inherited stdio buffers). `close()`
reaps it (killing it first unless it answered its last); `close_all()`, which `build()` calls as it
returns or raises, closes every watch this process still has open.
"""

from __future__ import annotations

import logging
import os
import pickle
import re
import select
import signal
import struct
import threading
import time
from pathlib import Path
from typing import NoReturn

from ..incremental.fingerprint import listing_digest, output_stats

Stats = dict[str, tuple[int, int, int, int]]

TIMEOUT = 300.0  # seconds the build waits for an answer before it kills the child and does the work itself
_ANSWER = re.compile(rb"(D[0-9a-f]{40}|N)\n")
_UNSET = object()
log = logging.getLogger("tongwen")


def enabled() -> bool:
    """Whether a child may be forked now: fork exists, this is the process's only thread, two CPUs
    are ours, and TONGWEN_OUTPUT_WATCH is not 0."""
    if os.environ.get("TONGWEN_OUTPUT_WATCH", "").strip() == "0" or not hasattr(os, "fork") \
            or threading.active_count() != 1:
        return False
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return cpus >= 2


def _digest_of(stats: Stats | None) -> str | None:
    return listing_digest(stats) if stats is not None else None


def _encode(digest: str | None) -> bytes:
    return b"N\n" if digest is None else b"D" + digest.encode("ascii") + b"\n"


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _read_exactly(fd: int, n: int, parent: int) -> bytes | None:
    """n bytes from the parent's pipe, or None at EOF or once the parent is gone (then nobody waits)."""
    data = b""
    while len(data) < n:
        ready, _, _ = select.select([fd], [], [], 1.0)
        if not ready:
            if os.getppid() != parent:
                return None
            continue
        chunk = os.read(fd, n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _child(out: Path, commands: int, answers: int, parent: int) -> None:
    """The child's work (it returns to `_run_child`, which exits the process)."""
    stats = output_stats(out)
    _write_all(answers, _encode(_digest_of(stats)))
    head = _read_exactly(commands, 8, parent)
    if head is None:
        return
    (size,) = struct.unpack("<Q", head)
    payload = _read_exactly(commands, size, parent)
    if payload is None:
        return
    touched = pickle.loads(payload)
    if touched is None or stats is None:
        after = output_stats(out)  # the folder was replaced whole (or had no manifest): every file is new
    else:
        after = output_stats(out, stats, touched)
    _write_all(answers, _encode(_digest_of(after)))


def _run_child(out: Path, commands: int, answers: int, parent: int) -> NoReturn:
    code = 1
    try:
        try:
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # a terminal's Ctrl-C is the parent's to handle
        except (ValueError, OSError):
            pass
        _child(out, commands, answers, parent)
        code = 0
    except BaseException:  # noqa: BLE001,S110 - the parent sees EOF and does the work itself
        pass
    finally:
        os._exit(code)


class OutputWatch:
    """The output folder's listing digest before and after the build (see the module's text)."""

    def __init__(self, out: Path):
        self.out = out
        self.pid: int | None = None  # the child, until it is reaped
        self._commands = -1  # write end: parent → child
        self._answers = -1  # read end: child → parent
        self._buffer = b""
        self._before: object = _UNSET  # str | None once known
        self._stats: Stats | None = None  # the stats behind `_before`, when taken here
        self._touched: object = _UNSET  # set[str] | None once `after` was called
        self._answered = False  # the child sent its last answer: it exits by itself

    def _fork(self) -> None:
        try:
            commands_r, commands_w = os.pipe()
        except OSError:
            return
        try:
            answers_r, answers_w = os.pipe()
        except OSError:
            os.close(commands_r)
            os.close(commands_w)
            return
        parent = os.getpid()
        try:
            pid = os.fork()
        except OSError:
            for fd in (commands_r, commands_w, answers_r, answers_w):
                os.close(fd)
            return
        if pid == 0:  # the child: never returns
            try:
                os.close(commands_w)
                os.close(answers_r)
            finally:
                _run_child(self.out, commands_r, answers_w, parent)
        os.close(commands_r)
        os.close(answers_w)
        self.pid, self._commands, self._answers = pid, commands_w, answers_r

    def _receive(self) -> str | None | object:
        """The child's next answer, or _UNSET if it died, hung or sent anything else (then it is stopped)."""
        deadline = time.monotonic() + TIMEOUT
        try:
            while b"\n" not in self._buffer:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise OSError("no answer")
                ready, _, _ = select.select([self._answers], [], [], left)
                if not ready:
                    continue
                chunk = os.read(self._answers, 4096)
                if not chunk:
                    raise OSError("EOF")
                self._buffer += chunk
                if len(self._buffer) > 64:
                    raise OSError("garbage")
            line, _, self._buffer = self._buffer.partition(b"\n")
            if not _ANSWER.fullmatch(line + b"\n"):
                raise OSError("garbage")
        except OSError:
            self.close()
            return _UNSET
        return None if line == b"N" else line[1:].decode("ascii")

    def before(self) -> str | None:
        """The output folder's listing digest as the build started (`fingerprint.output_digest`)."""
        if self._before is _UNSET and self.pid is not None:
            t = time.perf_counter()
            self._before = self._receive()
            log.debug("output watch: first answer after %.3fs%s", time.perf_counter() - t,
                      " (none: checked here)" if self._before is _UNSET else "")
        if self._before is _UNSET:
            self._stats = output_stats(self.out)
            self._before = _digest_of(self._stats)
        return self._before  # type: ignore[return-value]

    def after(self, touched: set[str] | None) -> None:
        """The build's changes are in the folder: `touched`, the paths it replaced, added or deleted
        (`Patch.touched`), or None if it was replaced whole. The child starts on the new digest."""
        self._touched = None if touched is None else set(touched)
        if self.pid is None:
            return  # done here, by `result()`
        self.before()  # the child's first answer, if the build did not need it
        if self.pid is None:
            return  # the child failed
        payload = pickle.dumps(self._touched, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            _write_all(self._commands, struct.pack("<Q", len(payload)) + payload)
        except OSError:  # the child is gone (EPIPE)
            self.close()

    def result(self) -> str | None:
        """The output folder's listing digest now (after `after`)."""
        if self._touched is _UNSET:
            raise RuntimeError("OutputWatch.result() before after()")
        if self.pid is not None:
            t = time.perf_counter()
            got = self._receive()
            log.debug("output watch: last answer after %.3fs%s", time.perf_counter() - t,
                      " (none: checked here)" if got is _UNSET else "")
            if got is not _UNSET:
                self._answered = True
                self.close()
                return got  # type: ignore[return-value]
        touched = self._touched
        if touched is None or self._stats is None:
            return _digest_of(output_stats(self.out))
        return _digest_of(output_stats(self.out, self._stats, touched))  # type: ignore[arg-type]

    def close(self) -> None:
        """Close the pipes and reap the child (killed first unless it sent its last answer)."""
        pid, self.pid = self.pid, None
        for fd in (self._commands, self._answers):
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._commands = self._answers = -1
        if pid is None:
            return
        if not self._answered:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        while True:
            try:
                os.waitpid(pid, 0)
            except InterruptedError:
                continue
            except ChildProcessError:
                pass
            break

    def __enter__(self) -> OutputWatch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def start(out: Path) -> OutputWatch:
    """A watch on `out`, with a forked child doing the work when `enabled()` (else it is done inline)."""
    watch = OutputWatch(out)
    if enabled():
        watch._fork()
    return watch
