#!/usr/bin/env python3
"""Benchmark `builder.search.build_search` alone, on the SearchDoc lists of real builds.

Usage:
    python bench/search_index.py [--sizes 1000 10000] [--runs 3] [--work DIR] [--digest]

For each size N, the corpus is generated once (`bench/gen_corpus.py`) into WORK/site<N>, built
once with `builder.search.build_search` replaced by a hook that pickles its arguments to
WORK/docs<N>.pickle (the build's own output goes to a temporary folder and is discarded); later
runs reuse the pickle.  (The build calls `build_search_state`; the hook pickles its documents in
key order, which is what build_search sees.)  Then build_search (`--state`: build_search_state) is timed `--runs` times on the unpickled documents and
the median wall and CPU time (this process and its workers), the peak RSS of the process, the index size (bytes) and file count
are printed.  `--digest` also prints a SHA-256 over all index files (path + bytes), to check that
an optimisation left the output unchanged.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import pickle
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def make_docs(n: int, work: Path) -> Path:
    site = work / f"site{n}"
    pick = work / f"docs{n}.pickle"
    if pick.exists():
        return pick
    if not (site / "site.yaml").exists():
        subprocess.run([sys.executable, str(REPO / "bench" / "gen_corpus.py"), str(site), "--articles", str(n)],
                       check=True, stdout=subprocess.DEVNULL)
    import builder.search as search
    from builder.pipeline.build import build

    real = search.build_search_state

    def hook(docs, editions):  # type: ignore[no-untyped-def]
        # the build calls build_search_state(key → doc): its outputs are build_search(docs in key order)
        with open(pick, "wb") as f:
            pickle.dump(([docs[k] for k in sorted(docs)], list(editions)), f, protocol=pickle.HIGHEST_PROTOCOL)
        return real(docs, editions)

    search.build_search_state = hook
    try:
        with tempfile.TemporaryDirectory() as tmp:
            build(site, Path(tmp) / "public")
    finally:
        search.build_search_state = real
    return pick


def child_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)  # a forked indexing worker, once it is reaped
    return r.ru_utime + r.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--work", type=Path, default=REPO / "bench" / "out" / "search")
    ap.add_argument("--digest", action="store_true")
    ap.add_argument("--state", action="store_true", help="time build_search_state (what the build calls)")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)

    from builder.search import Fold, build_search, build_search_state

    fold = Fold.from_opencc()  # made once per build (OpenCC); not part of the cost measured here
    for n in args.sizes:
        with open(make_docs(n, args.work), "rb") as f:
            docs, editions = pickle.load(f)
        gc.collect()
        walls, cpus = [], []
        out = []
        for _ in range(args.runs):
            out = []
            gc.collect()
            w0, c0, k0 = time.perf_counter(), time.process_time(), child_cpu()
            if args.state:
                out, _state = build_search_state({f"{i:06d}": d for i, d in enumerate(docs)}, editions, fold)
                del _state
            else:
                out = build_search(docs, editions, fold)
            walls.append(time.perf_counter() - w0)
            cpus.append(time.process_time() - c0 + child_cpu() - k0)
        size = sum(len(o.data) for o in out)
        # ru_maxrss includes children's? No: RUSAGE_SELF only (this process and its threads).
        rss_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        rss_kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        line = (f"N={n:>6} docs={len(docs):>6}  wall {statistics.median(walls):6.2f} s  "
                f"cpu {statistics.median(cpus):6.2f} s  (runs: {', '.join(f'{w:.2f}' for w in walls)})  "
                f"index {size / 1e6:6.1f} MB in {len(out)} files  peak RSS {rss_self:.0f} MB"
                f" (children {rss_kids:.0f} MB)")
        if args.digest:
            h = hashlib.sha256()
            for o in out:
                h.update(o.path.encode() + b"\0")
                h.update(o.data)
            line += f"  sha256 {h.hexdigest()[:16]}"
        print(line + ("  (build_search_state)" if args.state else ""), flush=True)
        del out


if __name__ == "__main__":
    main()
