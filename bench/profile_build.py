"""Profile one `tongwen build` and say where the time goes.

    python bench/profile_build.py SITE [--out OUT] [--jobs 1] [--top 25] [--save prof.out]

Runs a cold build (the site's .tongwen-cache is removed first, so the fingerprint cannot skip it)
under cProfile in one process (`--jobs 1` by default: a profile of forked workers would show only
the main process waiting), then prints the stage times, the time per kind of work (Markdown parsing,
Markdown rendering, OpenCC, Jinja, YAML, file system) and the top functions by own time.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from builder.incremental.fingerprint import CACHE_DIR  # noqa: E402
from builder.pipeline.build import build  # noqa: E402

# (label, substring of "file:function") — the first match wins, by own time
KINDS = (
    ("OpenCC convert", "opencc"),
    ("Markdown parse", "markdown_it/parser_"), ("Markdown parse", "markdown_it/rules_"),
    ("Markdown render", "markdown_it/renderer"), ("Markdown render", "builder/markdown.py"),
    ("Jinja templates", "jinja2"), ("Jinja templates", "templates/"), ("Jinja templates", "markupsafe"),
    ("YAML front matter", "yaml"),
    ("file system", "posix."), ("file system", "shutil"), ("file system", "io.open"),
    ("file system", "method 'write'"), ("file system", "method 'read'"),
    ("topics (mentions, links)", "builder/topics.py"),
    ("regex", "re.Pattern"),
    ("feeds/sitemap", "builder/render/feeds.py"), ("render glue", "builder/render/"),
)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("site", type=Path)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--save", type=Path, help="also write the raw profile here (for snakeviz, pstats)")
    args = ap.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="tongwen-profile-")) / "out"
    shutil.rmtree(args.site / CACHE_DIR, ignore_errors=True)
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    result = build(args.site, out, jobs=args.jobs)
    prof.disable()
    total = time.perf_counter() - t0
    print(f"built {result.pages} pages ({result.outputs} files) in {total:.2f}s under cProfile, jobs={args.jobs}")
    for k, v in result.stages.items():
        print(f"  stage {k:<12} {v:8.3f}s")
    stats = pstats.Stats(prof)
    if args.save:
        stats.dump_stats(str(args.save))
    kinds: dict[str, float] = {}
    rows = []
    for (file, line, func), (_cc, _nc, tt, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        where = f"{file}:{func}"
        label = next((lab for lab, pat in KINDS if pat in where), "other")
        kinds[label] = kinds.get(label, 0.0) + tt
        rows.append((tt, f"{Path(file).name}:{line}:{func}" if file != "~" else func))
    own = sum(kinds.values()) or 1.0
    print("\nown time by kind of work:")
    for label, tt in sorted(kinds.items(), key=lambda kv: -kv[1]):
        print(f"  {label:<26} {tt:8.2f}s  {100 * tt / own:5.1f}%")
    print(f"\ntop {args.top} functions by own time:")
    for tt, name in sorted(rows, reverse=True)[: args.top]:
        print(f"  {tt:8.2f}s  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
