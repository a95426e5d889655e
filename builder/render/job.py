"""A unit of phase-2 page work (`Job`) and what a chunk of jobs hands back to the main process (`_Result`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..errors import BuildError
from ..model import Output, SearchDoc


@dataclass(frozen=True)
class Job:
    """One unit of phase-2 page work, called with the search docs. `ident` names it among the jobs
    of its function and edition; what it reads beyond the global signature is recorded as it runs
    (reads.py), never declared here."""

    fn: Callable[..., Output | list[Output]]
    args: tuple[Any, ...]
    search: bool
    ident: tuple[Any, ...]

    def __call__(self, sd: dict[str, SearchDoc]) -> list[Output]:
        out = self.fn(*self.args, sd) if self.search else self.fn(*self.args)
        return out if isinstance(out, list) else [out]


@dataclass
class _Result:
    """What one chunk of page jobs hands back to the main process (picklable)."""

    outputs: list[Output] = field(default_factory=list)
    errors: dict[int, tuple[int, BuildError]] = field(default_factory=dict)  # edition → (job, error)
    summaries: dict[int, dict[str, str]] = field(default_factory=dict)  # edition → source → summary
    search: dict[str, SearchDoc] = field(default_factory=dict)
    mentions: list[tuple[int, list[tuple[str, Any, str]]]] = field(default_factory=list)
    cache: tuple[dict[bytes, bytes], set[bytes]] | None = None  # new cache rows and keys used (Store.drain)
    quotes: list[tuple[int, str, str, str]] = field(default_factory=list)  # (edition, source, anchor, text)
    paths: dict[int, list[str]] = field(default_factory=dict)  # job index → the outputs it wrote
    keys: dict[int, tuple[bytes, ...]] = field(default_factory=dict)  # job index → the cache rows it used
    reads: dict[int, tuple[str, ...]] = field(default_factory=dict)  # job index → the facts it read (reads.py)


def _job(fn: Callable[..., Output], *args: Any, ident: tuple[Any, ...] = ()) -> Job:
    """A job rendering one page; it adds nothing to the search index."""
    return Job(fn, args, False, ident)


def _job_search(fn: Callable[..., Output | list[Output]], *args: Any, ident: tuple[Any, ...] = ()) -> Job:
    """A job rendering one page and adding its record to the search docs passed at run time."""
    return Job(fn, args, True, ident)
