#!/usr/bin/env python3
"""A warm no-change build's cost, A against B: `python -m builder build -q SITE` run alternately with
two checkouts' `builder` packages (A B A B …) on one site, each build's CPU time (user + system of
the process and its children, from os.wait4) and wall time. Both sites are built once by each side
first, so every measured build is a whole-build skip (fingerprint.py).

Usage:
    python bench/warm_start.py SITE --a /work/main --b . [--runs 9] [--out DIR]

Each side gets its own output folder and cache (copies of SITE), so neither side's build makes the
other's stale. Prints the medians and the ratio B/A.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def one_build(repo: str, site: Path) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one `tongwen build -q` of `site` with `repo`'s builder."""
    env = dict(os.environ, PYTHONPATH=repo)
    t = time.perf_counter()
    # (run from `repo`: `-m` puts the working folder first on sys.path, ahead of PYTHONPATH)
    proc = subprocess.Popen([sys.executable, "-m", "builder", "build", "-q", str(site.resolve())], env=env, cwd=repo)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    if status != 0:
        raise SystemExit(f"build failed ({status}) with {repo} on {site}")
    return usage.ru_utime + usage.ru_stime, wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("site")
    ap.add_argument("--a", required=True, help="checkout whose builder is A (e.g. /work/main)")
    ap.add_argument("--b", required=True, help="checkout whose builder is B")
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--out", default="bench/out/warm_start", help="work folder for the two copies")
    args = ap.parse_args()
    work = Path(args.out)
    sites = {}
    for side, repo in (("A", args.a), ("B", args.b)):
        dst = work / side
        if not dst.exists():
            shutil.copytree(args.site, dst, ignore=shutil.ignore_patterns("public", ".tongwen-cache"))
        sites[side] = (str(Path(repo).resolve()), dst)
        one_build(*sites[side])  # builds (or confirms) the output: what follows are skips
        one_build(*sites[side])
    got: dict[str, list[tuple[float, float]]] = {"A": [], "B": []}
    for _ in range(args.runs):
        for side in ("A", "B"):
            got[side].append(one_build(*sites[side]))
    med = {s: (statistics.median(c for c, _w in v), statistics.median(w for _c, w in v)) for s, v in got.items()}
    for s in ("A", "B"):
        print(f"{s} {sites[s][0]}: CPU median {med[s][0] * 1000:.0f} ms, wall median {med[s][1] * 1000:.0f} ms "
              f"({args.runs} runs)")
    print(f"B/A: CPU {med['B'][0] / med['A'][0]:.2f}, wall {med['B'][1] / med['A'][1]:.2f}")


if __name__ == "__main__":
    main()
