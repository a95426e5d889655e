#!/usr/bin/env python3
"""Benchmark incremental search-index updates (`builder.search.update_search`) on real SearchDocs.

Usage:
    python bench/search_update.py [--sizes 10000] [--runs 5] [--work DIR] [--check] [--full-runs 1]

Uses the document pickles of `bench/search_index.py` (WORK/docs<N>.pickle, made on first use).
For each size: times `build_search` and `build_search_state` (median of --full-runs), the first
`save_state` (a full write), then --runs updates, each of a different article whose text got one
sentence appended (in both editions): `load_state` from disk + `update_search` + `save_state`
(appending), with the median of each part.  Prints the state's size on disk.  `--check` compares
the final incrementally updated index with a full build (byte for byte).  `--cold N` then runs N
such updates each in a new Python process (as `tongwen build` would: OpenCC's fold table not yet
computed; load_state provides it), timing load+update+save and, apart, the imports.
"""

from __future__ import annotations

import argparse
import pickle
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))


def cpu() -> float:
    """CPU seconds of this process and its reaped children (the index build forks one worker)."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + r.ru_utime + r.ru_stime


def folder_size(p: Path) -> int:
    return sum(f.stat().st_size for f in p.iterdir() if f.is_file())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10000])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--full-runs", type=int, default=1)
    ap.add_argument("--work", type=Path, default=REPO / "bench" / "out" / "search")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--cold", type=int, default=0)
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)

    import opencc
    from search_index import make_docs

    from builder.model import SearchDoc
    from builder.search import Fold, build_search, build_search_state, load_state, save_state, update_search

    t0 = time.perf_counter()
    fold = Fold.from_opencc()
    print(f"fold (once per build, OpenCC): {time.perf_counter() - t0:.2f} s")
    tw = opencc.OpenCC("s2twp.json").convert
    for n in args.sizes:
        with open(make_docs(n, args.work), "rb") as f:
            docs_list, editions = pickle.load(f)
        docs: dict[str, SearchDoc] = {f"{i:06d}": d for i, d in enumerate(docs_list)}  # the build's key order
        walls_old, walls_new, cpu_old, cpu_new = [], [], [], []
        for _ in range(args.full_runs):
            t0, c0 = time.perf_counter(), cpu()
            full = build_search(docs_list, editions, fold)
            walls_old.append(time.perf_counter() - t0)
            cpu_old.append(cpu() - c0)
            del full
            t0, c0 = time.perf_counter(), cpu()
            outputs, state = build_search_state(docs, editions, fold)
            walls_new.append(time.perf_counter() - t0)
            cpu_new.append(cpu() - c0)
        folder = args.work / f"state{n}"
        shutil.rmtree(folder, ignore_errors=True)
        t0 = time.perf_counter()
        save_state(state, folder)
        t_save_full = time.perf_counter() - t0
        size0 = folder_size(folder)
        files = {o.path: o.data for o in outputs}
        del state, outputs
        med = statistics.median
        print(f"N={n} docs={len(docs)}: build_search {med(walls_old):.2f} s (CPU {med(cpu_old):.2f} s), "
              f"build_search_state {med(walls_new):.2f} s (CPU {med(cpu_new):.2f} s), "
              f"first save_state {t_save_full:.2f} s, "
              f"state {size0 / 1e6:.1f} MB (index files {sum(map(len, files.values())) / 1e6:.1f} MB)", flush=True)

        articles = [k for k, d in sorted(docs.items()) if d.kind == "article"]
        t_load, t_upd, t_save, t_all, n_out = [], [], [], [], []
        for r in range(args.runs):
            k = articles[(len(articles) // 2 + 97 * r) % len(articles)]
            d = docs[k]
            sent = "新增的一句话：跨境电商平台的软件和数据服务在今年继续增长。"
            key_cn, key_tw = editions[0].key, editions[1].key
            new = SearchDoc(kind=d.kind, date=d.date, url=d.url, title=d.title, summary=d.summary, tags=d.tags,
                            text={**d.text, key_cn: d.text[key_cn] + sent, key_tw: d.text[key_tw] + tw(sent)})
            t0 = time.perf_counter()
            st = load_state(folder)
            t1 = time.perf_counter()
            assert st is not None, "state did not load"
            res = update_search(st, {k: new}, editions)
            t2 = time.perf_counter()
            assert res is not None, "update_search returned None"
            outs, removed, st2 = res
            save_state(st2, folder)
            t3 = time.perf_counter()
            docs[k] = new
            for p in removed:
                del files[p]
            for o in outs:
                files[o.path] = o.data
            t_load.append(t1 - t0)
            t_upd.append(t2 - t1)
            t_save.append(t3 - t2)
            t_all.append(t3 - t0)
            n_out.append(len(outs))
            del st, st2, res
        print(f"  update one article (+1 sentence), {args.runs} runs: load+update+save median {med(t_all):.3f} s "
              f"(load {med(t_load):.3f}, update {med(t_upd):.3f}, save {med(t_save):.3f}; "
              f"all: {', '.join(f'{x:.3f}' for x in t_all)}); outputs changed: median {med(n_out)}; "
              f"state now {folder_size(folder) / 1e6:.1f} MB", flush=True)
        if args.check:
            want = {o.path: o.data for o in build_search([docs[k] for k in sorted(docs)], editions, fold)}
            same = want == files
            print(f"  check against a full build: {'identical' if same else 'DIFFERENT'}", flush=True)
            if not same:
                sys.exit(1)
        if args.cold:
            with open(args.work / "editions.pickle", "wb") as f:
                pickle.dump(editions, f)
            lines = []
            for r in range(args.cold):
                cmd = [sys.executable, "-c", COLD, str(REPO), str(folder), str(args.work / "editions.pickle"),
                       str(len(articles) // 3 + 31 * r)]
                out = subprocess.run(cmd, check=True, capture_output=True, text=True)
                lines.append(out.stdout.split())
            imp = [float(x[0]) for x in lines]
            upd = [float(x[1]) for x in lines]
            print(f"  in a new process, {args.cold} runs: load+update+save median {statistics.median(upd):.3f} s "
                  f"({', '.join(f'{x:.3f}' for x in upd)}); imports {statistics.median(imp):.2f} s; "
                  f"state now {folder_size(folder) / 1e6:.1f} MB", flush=True)


COLD = """
import sys, time, pickle
t0 = time.perf_counter()
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from dataclasses import replace
import opencc
from builder.search import load_state, update_search, save_state
t1 = time.perf_counter()
editions = pickle.load(open(sys.argv[3], "rb"))
folder = Path(sys.argv[2])
sent = "新增的一句话：跨境电商平台的软件和数据服务在今年继续增长。"
sent_tw = opencc.OpenCC("s2twp.json").convert(sent)  # the build has its converter already
t2 = time.perf_counter()
st = load_state(folder)
assert st is not None
arts = [i for i in range(len(st.keys)) if st.dates[i]]
i = arts[int(sys.argv[4]) % len(arts)]
d = st.doc(i)
a, b = editions[0].key, editions[1].key
new = replace(d, text={**d.text, a: d.text[a] + sent, b: d.text[b] + sent_tw})
res = update_search(st, {st.keys[i]: new}, editions)
assert res is not None
save_state(res[2], folder)
t3 = time.perf_counter()
print(f"{t1 - t0:.3f} {t3 - t2:.3f}")
"""


if __name__ == "__main__":
    main()
