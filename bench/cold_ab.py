"""Cold builds of one site by two or more source trees, alternating A B A B, with CPU time.

    python bench/cold_ab.py SITE TREE_A [TREE_B ...] [--runs 3] [--digest]

A tree written `TREE:nocache` builds with `build(reuse=False)` (the build `--verify` compares
against: no `.tongwen-cache/` read or written), with the command line's collector tuning: against
`TREE` it measures what the cache's bookkeeping costs a cold build.

Each run removes the site's `.tongwen-cache/` and the output folder, then runs
`python -m builder build SITE --out OUT` with the tree on PYTHONPATH in a new process, and reads
the wall time and the CPU time of that process and all its workers (`os.wait4`: user + system of
the process, its forked workers included, since the pool waits for them). The trees run in turn,
so load from other processes on the machine falls on all of them alike. Prints the median and
every run; `--digest` also prints one SHA-256 over every output file (byte-identical output check).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

NOCACHE = """import sys, pathlib
from builder import cli
from builder.pipeline.build import build
cli._tune_gc()
build(pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), reuse=False, on_loaded=cli._freeze_model)
"""


def run_once(site: Path, tree: Path, out: Path) -> tuple[float, float, int]:
    """One cold build: (wall seconds, CPU seconds, peak RSS KiB of the largest process)."""
    shutil.rmtree(site / ".tongwen-cache", ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    nocache = str(tree).endswith(":nocache")
    tree = Path(str(tree).removesuffix(":nocache"))
    env = {**os.environ, "PYTHONPATH": str(tree), "SOURCE_DATE_EPOCH": "1700000000"}
    cmd = [sys.executable, "-m", "builder", "-q", "build", str(site), "--out", str(out)]
    if nocache:
        cmd = [sys.executable, "-c", NOCACHE, str(site), str(out)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=tree)
    _pid, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{tree}: build failed ({status})")
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss


def tree_digest(out: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(out.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(out)).encode() + b"\0" + hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("site", type=Path)
    ap.add_argument("trees", type=Path, nargs="+")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--digest", action="store_true")
    args = ap.parse_args()
    out = args.site.parent / (args.site.name + "-ab-out")
    results: dict[Path, list[tuple[float, float, int]]] = {t: [] for t in args.trees}
    digests: dict[Path, str] = {}
    for _r in range(args.runs):
        for tree in args.trees:
            results[tree].append(run_once(args.site, tree, out))
            if args.digest and tree not in digests:
                digests[tree] = tree_digest(out)
            w, c, m = results[tree][-1]
            print(f"  {tree}: wall {w:.2f}s cpu {c:.2f}s rss {m // 1024} MiB", flush=True)
    for tree, rs in results.items():
        print(f"{tree}: median wall {statistics.median(r[0] for r in rs):.2f}s  "
              f"cpu {statistics.median(r[1] for r in rs):.2f}s  (runs: "
              + ", ".join(f"{w:.2f}/{c:.2f}" for w, c, _m in rs) + ")"
              + (f"  sha256 {digests[tree][:16]}" if tree in digests else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
