"""Where a build's CPU goes, per process role and kind of work, from a py-spy sample file.

    py-spy record -s -r 200 -f raw -o spy.txt -- python -m builder -q build SITE --out OUT
    python bench/spy_table.py spy.txt

py-spy samples every process (`-s`: the forked page workers and the search index's child too) at a
fixed rate with little overhead (cProfile roughly doubles the cost of Python code and distorts the
shares). Each sample is attributed to the innermost frame that names a kind of work (`KINDS`), and
to the process's role: the parent, an article worker (phase 1), an other-pages worker (phase 2), the
search index's child. Samples of a thread waiting (a lock, a pipe, select) are counted apart.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

# (label, substring of a frame "function (file:line)"), tried from the innermost frame outwards;
# at one frame the first match wins
KINDS = (
    ("waiting (lock, pipe, select)", "acquire"), ("waiting (lock, pipe, select)", "wait ("),
    ("waiting (lock, pipe, select)", "select ("), ("waiting (lock, pipe, select)", "_recv"),
    ("waiting (lock, pipe, select)", "poll ("),
    ("Pygments", "pygments/"),
    ("OpenCC + glossary + quotes", "opencc"), ("OpenCC + glossary + quotes", "text/convert.py"),
    ("OpenCC + glossary + quotes", "text/leftovers.py"), ("OpenCC + glossary + quotes", "text/quotes.py"),
    ("Markdown parse (markdown-it-py)", "markdown_it/parser_"),
    ("Markdown parse (markdown-it-py)", "markdown_it/rules_"),
    ("Markdown parse (markdown-it-py)", "parse (markdown_it/main"),
    ("Markdown render (tokens → HTML)", "text/html.py"), ("Markdown render (tokens → HTML)", "markdown_it/renderer"),
    ("texts for batch conversion (render_texts)", "render_texts"),
    ("topic mentions (find, link)", "pipeline/mentions.py"),
    ("cache rows (pickle + zlib, SQLite)", "incremental/store.py"), ("cache rows (pickle + zlib, SQLite)", "sqlite"),
    ("cache rows (pickle + zlib, SQLite)", "incremental/pagecache.py"),
    ("cache rows (pickle + zlib, SQLite)", "incremental/"),
    ("Jinja templates", "jinja2/"), ("Jinja templates", "templates/"), ("Jinja templates", "markupsafe"),
    ("search index", "builder/search/"),
    ("YAML front matter", "yaml"),
    ("write files (staging)", "builder/output/"),
    ("result transfer (pickle)", "concurrent/futures"), ("result transfer (pickle)", "multiprocessing"),
    ("view models, page glue", "builder/render/"),
    ("load, derive", "builder/pipeline/"), ("start-up, imports", "<frozen importlib"),
)


def role(frames: list[str]) -> str:
    procs = [f for f in frames if f.startswith("process ")]
    joined = ";".join(frames)
    if "in_child (builder/search" in joined and len(procs) > 1:
        return "search child"
    if len(procs) <= 1:
        return "parent"
    if "articles (builder/render/plan.py" in joined:
        return "worker: articles"
    if "others (builder/render/plan.py" in joined:
        return "worker: other pages"
    return "worker: idle/pool"


def kind(frames: list[str]) -> str:
    for f in reversed(frames):
        for label, pat in KINDS:
            if pat in f:
                return label
    return "other"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("raw", type=Path)
    ap.add_argument("--rate", type=float, default=200.0, help="py-spy's sampling rate (-r)")
    args = ap.parse_args()
    by: Counter[tuple[str, str]] = Counter()
    for line in args.raw.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        frames = stack.split(";")
        by[(role(frames), kind(frames))] += int(n)
    busy = sum(v for (r, k), v in by.items() if not k.startswith("waiting"))
    print(f"{busy / args.rate:.2f} s busy in all processes ({busy} samples at {args.rate:g} Hz)\n")
    roles = Counter[str]()
    for (r, k), v in by.items():
        if not k.startswith("waiting"):
            roles[r] += v
    print("| process | busy s | share |\n|---|---:|---:|")
    for r, v in roles.most_common():
        print(f"| {r} | {v / args.rate:.2f} | {100 * v / busy:.1f} % |")
    kinds = Counter[str]()
    for (_r, k), v in by.items():
        if not k.startswith("waiting"):
            kinds[k] += v
    print("\n| kind of work (all processes) | busy s | share |\n|---|---:|---:|")
    for k, v in kinds.most_common():
        print(f"| {k} | {v / args.rate:.2f} | {100 * v / busy:.1f} % |")
    print("\n| process | kind of work | busy s |\n|---|---|---:|")
    for (r, k), v in sorted(by.items(), key=lambda kv: (kv[0][0], -kv[1])):
        if not k.startswith("waiting") and v / args.rate >= 0.05:
            print(f"| {r} | {k} | {v / args.rate:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
