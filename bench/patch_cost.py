"""What an in-place patch of a big output folder costs (builder/output/patch.py `Patch`), and `check_target`.

Makes a fake Tongwen output of N files (default 54,000, the size of a 10,000-article site: two
editions, one `…/<slug>/index.html` per page, so about as many folders as files, the worst case for a
walk) with its manifest under bench/out/patch/ (kept between runs), then times, each as the median of
--runs runs on a fresh copy of the changes:

- Patch.open (sweep of leftovers + manifest read)
- 50 `write()`s of changed bytes, 50 of unchanged bytes, `keep()` of every other file
- `commit()` (journal, renames, manifest) — delete_unlisted=True, the incremental build's case; split
  into: up to the commit point, applying (the window in which `out` mixes old and new files), and
  removing the patch folder (freeing the replaced files' blocks)
- the same with `durable=True` (fsync of files, journal and changed folders)
- `check_target` on the folder: today's walk (os.walk + Path.relative_to, reimplemented here) and the
  scandir walk it now uses

- with --staging, one Staging build of the same change for comparison (every output written: unchanged
  ones hard-linked, then the swap and the removal of the old tree)

    python bench/patch_cost.py [--files 54000] [--changed 50] [--runs 5] [--staging]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from builder.model.documents import Output  # noqa: E402
from builder.output import recovery  # noqa: E402
from builder.output.folder import MANIFEST  # noqa: E402
from builder.output.patch import Patch  # noqa: E402
from builder.output.staging import Staging, check_target  # noqa: E402

ROOT = Path(__file__).resolve().parent / "out" / "patch"


def paths(n: int) -> list[str]:
    res = []
    per = n // 2
    for prefix in ("", "zh-tw/"):
        for i in range(per):
            section = ("posts", "tags", "categories", "page")[i % 4]
            res.append(f"{prefix}{section}/p{i:05d}/index.html")
    return sorted(res)


def make(out: Path, files: list[str]) -> None:
    if (out / MANIFEST).is_file() and (out / MANIFEST).read_text().splitlines() == files:
        return
    print(f"creating {len(files)} files in {out} …", file=sys.stderr)
    for rel in files:
        p = out / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(page(rel, 0))
    (out / MANIFEST).write_text("\n".join(files) + "\n", encoding="utf-8")


def page(rel: str, version: int) -> bytes:
    return (f"<!doctype html><title>{rel}</title><p>version {version}</p>" + "内容。" * 300).encode()


def old_files(root: Path) -> set[str]:  # check_target's walk before this change
    out = set()
    for dirpath, _dirs, files in os.walk(root):
        for f in files:
            out.add((Path(dirpath) / f).relative_to(root).as_posix())
    return out


def ms(xs: list[float]) -> str:
    return f"{statistics.median(xs) * 1000:8.1f} ms (min {min(xs) * 1000:.1f}, max {max(xs) * 1000:.1f})"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=54000)
    ap.add_argument("--changed", type=int, default=50)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--staging", action="store_true")
    args = ap.parse_args()
    out = ROOT / f"out-{args.files}"
    files = paths(args.files)
    make(out, files)
    site = ROOT / "site"
    site.mkdir(parents=True, exist_ok=True)
    step = len(files) // args.changed
    changed = files[::step][: args.changed]
    same = files[step // 2 :: step][: args.changed]
    t: dict[str, list[float]] = {}

    def timed(name: str, fn):  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        res = fn()
        t.setdefault(name, []).append(time.perf_counter() - t0)
        return res

    for run in range(args.runs):
        for durable in (False, True):
            tag = " durable" if durable else ""
            version = 2 * run + durable + 1
            patch = timed("open" + tag, lambda durable=durable: Patch(out, durable=durable))
            timed(f"write {len(changed)} changed" + tag,
                  lambda: [patch.write(Output(p, page(p, version))) for p in changed])  # noqa: B023
            timed(f"write {len(same)} unchanged" + tag,
                  lambda: [patch.write(Output(p, page(p, 0))) for p in same])  # noqa: B023
            written = set(changed) | set(same)
            timed("keep the rest" + tag, lambda: patch.keep_all(p for p in files if p not in written))  # noqa: B023
            marks: dict[str, float] = {}
            recovery.step = lambda name: marks.setdefault(name, time.perf_counter())  # noqa: B023
            t0 = time.perf_counter()
            timed("commit" + tag, patch.commit)
            t1 = time.perf_counter()
            recovery.step = lambda name: None
            t.setdefault("  commit: up to the commit point" + tag, []).append(marks["committed"] - t0)
            t.setdefault("  commit: applying (out mixes old and new)" + tag, []).append(
                marks["done"] - marks["committed"])
            t.setdefault("  commit: removing the patch folder" + tag, []).append(t1 - marks["done"])
        for p in changed:  # back to version 0 for the "unchanged" writes of the next run
            (out / p).write_bytes(page(p, 0))
        timed("check_target (scandir walk, now)", lambda: check_target(out, site))
        timed("check_target walk (os.walk + Path, before)", lambda: old_files(out))
    if args.staging:
        def staging() -> None:
            st = Staging(out)
            for p in files:
                st.write(Output(p, page(p, 1 if p in changed else 0)))
            st.publish()
        timed("Staging: write all + publish + remove old", staging)
        for p in changed:
            (out / p).write_bytes(page(p, 0))
    print(f"{len(files)} files, {len({p.rpartition('/')[0] for p in files})} folders; {args.runs} runs")
    for name, xs in t.items():
        print(f"  {name:44s} {ms(xs)}")


if __name__ == "__main__":
    main()
