"""Give the C heap's free pages back to the system before a fork (peak memory).

A large build's main process frees much of what it held (cache rows once written, the page work's
memos, each phase's results), but glibc keeps freed memory inside its heap: the pages stay resident
and count in the process's RSS, and in the RSS of every child forked from it (a child's RSS starts
at its parent's). `malloc_trim(0)` returns every whole free page (madvise), in the middle of the
heap too, at the cost of a walk over the free lists (microseconds to a few milliseconds).
Elsewhere (another C library, no ctypes) this is a no-op.
"""

from __future__ import annotations

import ctypes


def release_free_memory() -> None:
    """Return the C heap's free pages to the system (best effort; glibc only). Opening libc by its
    soname costs microseconds (`ctypes.util.find_library` would run ldconfig: 20 ms)."""
    try:
        trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    trim(0)

