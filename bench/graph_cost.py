"""What the graphs (#19) cost: a cold build's CPU time and the bytes of HTML, graph on against graph
off, on one generated site (gen_corpus.py), in alternating runs (other processes share the machine:
CPU time of the build and its workers, from os.wait4, not wall time).

    python bench/gen_corpus.py --articles 1000 /tmp/g1k
    python bench/graph_cost.py /tmp/g1k --runs 3

"off" turns every graph off as site.yaml `knowledge: {graph: false}` will (render/graph_views.py
`graph_on`, patched in the child: the key arrives with the link index).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHILD = """
import sys
from pathlib import Path
sys.path.insert(0, {repo!r})
from builder.render import graph_views
if {off!r}:
    graph_views.graph_on = lambda ctx, doc: False
    from builder.render import article_page, topic_pages
    for m in (article_page, topic_pages):  # (those that imported it by name)
        if hasattr(m, "graph_on"):
            m.graph_on = graph_views.graph_on
from builder.pipeline.build import build
build(Path({site!r}), Path({out!r}), reuse=False)
"""


def run(site: Path, out: Path, off: bool) -> float:
    shutil.rmtree(out, ignore_errors=True)
    code = CHILD.format(repo=str(REPO), off=off, site=str(site), out=str(out))
    env = dict(os.environ, SOURCE_DATE_EPOCH="1739271366")
    p = subprocess.Popen([sys.executable, "-c", code], env=env)
    _pid, status, ru = os.wait4(p.pid, 0)
    assert status == 0, status
    return ru.ru_utime + ru.ru_stime


def sizes(out: Path) -> dict[str, float]:
    arts = list(out.glob("posts/*/index.html"))
    topics = [p for p in out.glob("topics/*/*/index.html") if p.parent.name != "graph"]
    graphs = list(out.glob("topics/*/graph/index.html"))
    fig = re.compile(rb'<section class="page-graph".*?</section>|<figure class="graph".*?</figure>', re.S)

    def graph_bytes(ps: list[Path]) -> list[int]:
        return [sum(len(m) for m in fig.findall(p.read_bytes())) for p in ps]
    ga, gt = graph_bytes(arts), graph_bytes(topics)
    return {"html_total": sum(p.stat().st_size for p in out.rglob("*.html")),
            "article_avg": sum(p.stat().st_size for p in arts) / max(1, len(arts)),
            "article_graph_avg": sum(ga) / max(1, len(ga)), "article_graph_max": max(ga or [0]),
            "topic_graph_avg": sum(gt) / max(1, len(gt)), "topic_graph_max": max(gt or [0]),
            "graph_page_max": max([p.stat().st_size for p in graphs] or [0]), "graph_pages": len(graphs)}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("site", type=Path)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        times: dict[str, list[float]] = {"on": [], "off": []}
        for i in range(a.runs):
            for mode in (("on", "off") if i % 2 == 0 else ("off", "on")):
                times[mode].append(run(a.site, out, mode == "off"))
                print(f"run {i} {mode}: {times[mode][-1]:.2f} s CPU", flush=True)
        on_sizes = (run(a.site, out, False), sizes(out))[1]
        off_sizes = (run(a.site, out, True), sizes(out))[1]
    med = {m: sorted(t)[len(t) // 2] for m, t in times.items()}
    print(f"median CPU: on {med['on']:.2f} s, off {med['off']:.2f} s, "
          f"added {med['on'] - med['off']:.2f} s ({(med['on'] / med['off'] - 1) * 100:.1f} %)")
    for k in on_sizes:
        print(f"{k}: on {on_sizes[k]:.0f}, off {off_sizes[k]:.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
