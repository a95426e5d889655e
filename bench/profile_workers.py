"""Profile a cold `tongwen build` in every process (the parent and each forked worker) and draw
its timeline: which phases are serial, and when each core is idle.

    python bench/profile_workers.py SITE [--jobs 2] [--top 15] [--no-profile]

The site's `.tongwen-cache/` is removed first (a truly cold build). Each worker's chunks run under
its own cProfile (the pool's `_Worker.call` is wrapped before the fork, so the workers inherit the
wrapper; each dumps its profile when it exits), and every chunk's start and end are recorded per
process. The parent's steps (`build()`'s timed steps and `render_site`'s phases) are recorded too.
Prints: the steps with their wall time and the parent's CPU time in each, each worker's busy time
per phase, the time per kind of work summed over all processes, and the top functions.
`--no-profile` records the timeline without cProfile (cProfile roughly doubles Python's cost).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from builder import cli  # noqa: E402
from builder.incremental.identity import CACHE_DIR  # noqa: E402
from builder.pipeline import build as build_mod  # noqa: E402
from builder.pipeline import parallel  # noqa: E402
from builder.render import site as site_mod  # noqa: E402

# (label, substring of "file:function"): the first match wins, by own time
KINDS = (
    ("OpenCC convert", "opencc"), ("OpenCC convert", "builder/text/conv"),
    ("Markdown parse", "markdown_it/parser_"), ("Markdown parse", "markdown_it/rules_"),
    ("Markdown parse", "markdown_it/common"), ("Markdown parse", "markdown_it/token"),
    ("Markdown render", "builder/text/html.py"), ("Markdown render", "markdown_it/renderer"),
    ("Jinja templates", "jinja2"), ("Jinja templates", "templates/"), ("Jinja templates", "markupsafe"),
    ("YAML front matter", "yaml"),
    ("search index", "builder/search/"), ("search index", "numpy"),
    ("cache store (sqlite, pickle, zlib)", "builder/incremental/"), ("cache store (sqlite, pickle, zlib)", "sqlite"),
    ("cache store (sqlite, pickle, zlib)", "zlib"), ("pickle (results, cache)", "pickle"),
    ("file system", "posix."), ("file system", "shutil"), ("file system", "io.open"),
    ("file system", "method 'write'"), ("file system", "method 'read'"), ("file system", "builder/output/"),
    ("topic mentions", "builder/pipeline/mentions.py"),
    ("worker pool / waiting", "concurrent/futures"), ("worker pool / waiting", "multiprocessing"),
    ("worker pool / waiting", "acquire"), ("worker pool / waiting", "select"),
    ("regex", "re.Pattern"), ("other text", "builder/text/"),
    ("render glue", "builder/render/"), ("load/derive", "builder/pipeline/"),
)


def _cpu() -> float:
    t = os.times()
    return t.user + t.system


def _wrap_worker(tmp: Path, profile: bool) -> None:
    """Each worker: one cProfile over all its chunks, and a line per chunk (pid, phase, start, end)."""
    import multiprocessing.util as mpu

    call = parallel._Worker.call.__func__  # type: ignore[attr-defined]
    state: dict[str, object] = {}

    def wrapped(cls: type, span: tuple[int, int]) -> object:
        if "prof" not in state:
            prof = state["prof"] = cProfile.Profile() if profile else None
            log = state["log"] = open(tmp / f"chunks-{os.getpid()}.txt", "w")  # noqa: SIM115
            mpu.Finalize(None, _dump, args=(prof, log, tmp / f"worker-{os.getpid()}.prof"), exitpriority=10)
        prof = state["prof"]
        name = getattr(cls.work, "__name__", "?")
        t0, c0 = time.time(), _cpu()
        if prof is not None:
            prof.enable()  # type: ignore[attr-defined]
        try:
            return call(cls, span)
        finally:
            if prof is not None:
                prof.disable()  # type: ignore[attr-defined]
            state["log"].write(f"{name} {t0} {time.time()} {_cpu() - c0}\n")  # type: ignore[attr-defined]

    # (submitted to the pool by its qualified name: the wrapper takes the original's)
    wrapped.__name__, wrapped.__qualname__ = "call", "_Worker.call"
    parallel._Worker.call = classmethod(wrapped)  # type: ignore[assignment,method-assign]


def _dump(prof: cProfile.Profile | None, log: object, path: Path) -> None:
    log.close()  # type: ignore[attr-defined]
    if prof is not None:
        prof.dump_stats(str(path))


def _wrap_phases(marks: list[tuple[str, float, float, float, float]]) -> None:
    """Record the wall and CPU span of each of render_site's phases in the parent."""
    for name in ("_start", "_key_articles", "_render_articles", "_gather_mentions", "_key_rest",
                 "_render_rest", "_site_files"):
        fn = getattr(site_mod, name)

        def timed(*a: object, __fn=fn, __name=name, **k: object) -> object:  # type: ignore[no-untyped-def]
            t0, c0 = time.time(), _cpu()
            out = __fn(*a, **k)
            if hasattr(out, "__next__"):
                def gen():  # type: ignore[no-untyped-def]
                    t1, c1 = time.time(), _cpu()
                    yield from out
                    marks.append((__name, t1, time.time(), c1, _cpu()))
                return gen()
            marks.append((__name, t0, time.time(), c0, _cpu()))
            return out

        setattr(site_mod, name, timed)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("site", type=Path)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--no-profile", action="store_true")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="tongwen-profw-"))
    shutil.rmtree(args.site / CACHE_DIR, ignore_errors=True)
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1700000000")
    _wrap_worker(tmp, not args.no_profile)
    marks: list[tuple[str, float, float, float, float]] = []
    _wrap_phases(marks)
    steps: list[tuple[str, float, float, float, float]] = []
    orig_call = build_mod.Steps.__call__

    def step(self, name):  # type: ignore[no-untyped-def]
        t0, c0 = time.time(), _cpu()
        cm = orig_call(self, name)

        class _CM:
            def __enter__(s):  # type: ignore[no-untyped-def]
                return cm.__enter__()

            def __exit__(s, *exc):  # type: ignore[no-untyped-def]
                r = cm.__exit__(*exc)
                steps.append((name, t0, time.time(), c0, _cpu()))
                return r
        return _CM()

    build_mod.Steps.__call__ = step  # type: ignore[method-assign]
    prof = None if args.no_profile else cProfile.Profile()
    t0, c0 = time.time(), _cpu()
    if prof is not None:
        prof.enable()
    cli._tune_gc()  # as `tongwen build` does (cli.py): the workers inherit the collector's state
    result = build_mod.build(args.site, tmp / "out", jobs=args.jobs, on_loaded=cli._freeze_model)
    if prof is not None:
        prof.disable()
        prof.dump_stats(str(tmp / "parent.prof"))
    wall = time.time() - t0
    kids = os.times()
    child_cpu = kids.children_user + kids.children_system
    print(f"built {result.pages} pages in {wall:.2f}s wall; parent CPU {_cpu() - c0:.2f}s, workers CPU "
          f"{child_cpu:.2f}s; jobs={args.jobs}; profile={'off' if args.no_profile else 'on'}; files in {tmp}")
    _timeline(t0, wall, steps, marks, tmp)
    if prof is not None:
        _kinds([tmp / "parent.prof", *sorted(tmp.glob("worker-*.prof"))], args.top)
    return 0


def _timeline(t0: float, wall: float, steps: list, marks: list, tmp: Path) -> None:  # type: ignore[type-arg]
    print("\nparent timeline (s from start; wall, parent CPU):")
    for name, a, b, ca, cb in sorted(steps + marks, key=lambda r: r[1]):
        print(f"  {a - t0:7.2f} → {b - t0:7.2f}  {name:<18} wall {b - a:6.2f}  cpu {cb - ca:6.2f}")
    print("\nworkers (busy wall in chunks per phase; first chunk start → last chunk end):")
    for f in sorted(tmp.glob("chunks-*.txt")):
        per: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 1e18, 0.0])
        for line in f.read_text().splitlines():
            name, a, b, c = line.split()
            p = per[name]
            p[0] += float(b) - float(a)
            p[1] += float(c)
            p[2], p[3] = min(p[2], float(a)), max(p[3], float(b))
        for name, (busy, cpu, a, b) in per.items():
            print(f"  pid {f.stem[7:]:>7} {name:<9} {a - t0:7.2f} → {b - t0:7.2f}  busy {busy:6.2f}s  cpu {cpu:6.2f}s")


def _kinds(files: list[Path], top: int) -> None:
    stats = pstats.Stats(*[str(f) for f in files if f.exists()])
    kinds: dict[str, float] = {}
    rows = []
    for (file, line, func), (_cc, _nc, tt, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        where = f"{file}:{func}"
        label = next((lab for lab, pat in KINDS if pat in where), "other")
        kinds[label] = kinds.get(label, 0.0) + tt
        rows.append((tt, f"{Path(file).name}:{line}:{func}" if file != "~" else func))
    own = sum(kinds.values()) or 1.0
    print(f"\nown time by kind of work, all processes ({own:.2f}s under cProfile):")
    for label, tt in sorted(kinds.items(), key=lambda kv: -kv[1]):
        print(f"  {label:<26} {tt:8.2f}s  {100 * tt / own:5.1f}%")
    print(f"\ntop {top} functions by own time, all processes:")
    for tt, name in sorted(rows, reverse=True)[:top]:
        print(f"  {tt:8.2f}s  {name}")


if __name__ == "__main__":
    raise SystemExit(main())
