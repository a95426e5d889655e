"""What a search costs a reader: index size and files, and the bytes one query downloads.

Reads a built site's index files and replays search.js's query path in Python (manifest → the shards
of the query's tokens → the metadata chunks of the first page of results), counting every file the
browser would fetch. Used by bench/run.py and by tests/test_search.py's download budget.

    python bench/search_cost.py OUTPUT_DIR        # prints the report for a built site
"""

from __future__ import annotations

import json
import math
import random
import re
import statistics
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from builder.search import Fold, decode_postings, query_groups, shard_of  # noqa: E402

STATIC = Path(__file__).resolve().parent.parent / "builder/theme/static"
_CALL = re.compile(r"^(__tw_search_\w+)\((.*)\);\n$", re.S)


def payload(data: bytes) -> list[object]:
    m = _CALL.match(data.decode())
    if not m:
        raise ValueError(f"not an index file: {data[:80]!r}")
    return json.loads("[" + m.group(2) + "]")  # type: ignore[no-any-return]


class Index:
    """The index files (path → bytes), and a model of search.js's query path recording its fetches."""

    def __init__(self, files: Mapping[str, bytes], fold: Fold | None = None) -> None:
        self.files = dict(files)
        self.fold = fold  # the character fold queries are read with (from OpenCC on first use if None)
        self.manifest: dict = payload(self.files["search/manifest.js"])[0]  # type: ignore[assignment]

    @classmethod
    def from_folder(cls, out: Path) -> Index:
        files = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*.js")
                 if "/search/" in "/" + p.relative_to(out).as_posix()}
        return cls(files)

    def shard_path(self, token: str) -> str:
        i = shard_of(token, self.manifest["shards"])
        return f"search/s/{i:0{self.manifest['hex']}x}.js"

    def search(self, query: str, edition: str = "zh-cn", page: int = 10) -> tuple[list, set[str]]:
        """(ranked [(id, row)], set of fetched paths)."""
        fetched = {"search/manifest.js"}
        lists = []
        if self.fold is None:
            self.fold = Fold.from_opencc()
        for g in query_groups(query, self.fold):
            m: dict[int, int] = {}
            for t in g:
                path = self.shard_path(t)
                fetched.add(path)
                _, shard = payload(self.files[path])
                for doc, w in decode_postings(shard["p"].get(t, "")):  # type: ignore[index]
                    m[doc] = max(w, m.get(doc, 0))
            lists.append(m)
        if not lists or not all(lists):
            return [], fetched
        n = self.manifest["n"]
        idf = [math.log(1 + n / len(m)) for m in lists]
        hits = []
        for doc in set.intersection(*(set(m) for m in lists)):
            ws = [m[doc] for m in lists]
            title = all(w & 1 for w in ws)
            score = sum(i * ((w >> 2) + (4 if w & 1 else 0) + (1.5 if w & 2 else 0))
                        for i, w in zip(idf, ws, strict=True))
            hits.append((not title, -score, doc))
        hits.sort()
        chunk = self.manifest["chunk"]
        prefix = self.manifest["editions"][edition]
        out = []
        for _, _, doc in hits[:page]:
            path = f"{prefix + '/' if prefix else ''}search/meta/{doc // chunk}.js"
            fetched.add(path)
            _ed, _c, rows = payload(self.files[path])
            out.append((doc, rows[doc % chunk]))  # type: ignore[index]
        return out, fetched

    def bytes_of(self, paths: Iterable[str]) -> int:
        return sum(len(self.files[p]) for p in paths)

    def common_bigrams(self, n_top: int = 10, n_random: int = 30, seed: int = 5) -> list[str]:
        """The CJK bigrams with the longest posting lists, and a random sample of the others."""
        counts: dict[str, int] = {}
        for p, d in self.files.items():
            if p.startswith("search/s/"):
                for t, s in payload(d)[1]["p"].items():  # type: ignore[index]
                    if len(t) == 2 and all("\u4e00" <= c <= "\u9fff" for c in t):
                        counts[t] = len(s)
        by_size = sorted(counts, key=lambda t: (-counts[t], t))
        rest = by_size[n_top:]
        return by_size[:n_top] + random.Random(seed).sample(rest, min(n_random, len(rest)))


def script_bytes() -> int:
    return len((STATIC / "search.js").read_bytes())


def report(index: Index) -> dict[str, float]:
    """Sizes, and bytes downloaded by two-character queries (script included), in both editions."""
    shards = [len(d) for p, d in index.files.items() if p.startswith("search/s/")]
    before = script_bytes() + index.bytes_of(["search/manifest.js"])
    costs = []
    for q in index.common_bigrams():
        for edition in index.manifest["editions"]:
            _hits, fetched = index.search(q, edition)
            costs.append(script_bytes() + index.bytes_of(fetched))
    return {"index_bytes": sum(len(d) for d in index.files.values()), "files": len(index.files),
            "shards": len(shards), "largest_shard": max(shards, default=0), "before_typing": before,
            "query_median": statistics.median(costs) if costs else 0, "query_worst": max(costs, default=0),
            "queries": len(costs)}


def main(argv: list[str]) -> int:
    r = report(Index.from_folder(Path(argv[1])))
    print(f"index {r['index_bytes'] / 1e6:.1f} MB in {r['files']} files, {r['shards']} shards "
          f"(largest {r['largest_shard'] / 1e3:.0f} KB); before typing {r['before_typing'] / 1e3:.1f} KB; "
          f"2-char query (script included) median {r['query_median'] / 1e3:.0f} KB, worst "
          f"{r['query_worst'] / 1e3:.0f} KB over {r['queries']} queries")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
