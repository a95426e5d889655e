#!/usr/bin/env python3
"""Where the knowledge features' time goes in one cold build: a serial build (`jobs=1`, no cache) in
this process, each knowledge function wrapped to sum its CPU time (`time.process_time`), and the
force layouts of the collections' graphs counted. Steadier than an A/B of whole builds on a shared
machine, but it leaves out the templates' share (the graph and backlinks partials) and writing the
larger pages.

    python bench/knowledge_breakdown.py SITE      # e.g. bench/out/1000-knowledge/on/site
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from builder.graph import svg as svg_module  # noqa: E402
from builder.pipeline.build import build  # noqa: E402
from builder.render import article_page, backlinks, graph_views, linkscan, previews, topic_pages  # noqa: E402
from builder.render import site as render_site  # noqa: E402


def wrap(spent: dict[str, float], mod: ModuleType, name: str, *users: ModuleType) -> None:
    """Replace `mod.name` (and the copies imported by name into `users`) by a timed wrapper."""
    real: Callable[..., Any] = getattr(mod, name)

    @functools.wraps(real)  # (job keys hold the function's name)
    def timed(*a: Any, **k: Any) -> Any:
        t = time.process_time()
        try:
            return real(*a, **k)
        finally:
            spent[name] = spent.get(name, 0.0) + time.process_time() - t
    for m in (mod, *users):
        setattr(m, name, timed)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("site", type=Path)
    a = ap.parse_args()
    spent: dict[str, float] = {}
    wrap(spent, graph_views, "article_graph", article_page)
    wrap(spent, graph_views, "topic_graph", topic_pages)
    wrap(spent, graph_views, "_graph_page", topic_pages)
    wrap(spent, backlinks, "backlinks", article_page, topic_pages)
    wrap(spent, previews, "_shard")
    wrap(spent, linkscan, "index_links", render_site)
    wrap(spent, svg_module, "force")
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1700000000")
    with tempfile.TemporaryDirectory() as tmp:
        t = time.process_time()
        build(a.site, Path(tmp) / "out", jobs=1, reuse=False)
        total = time.process_time() - t
    own = sum(spent.values()) - spent.get("force", 0.0)
    print(f"build CPU {total:.2f} s (jobs=1, no cache); knowledge functions {own:.2f} s")
    for k, v in sorted(spent.items(), key=lambda kv: -kv[1]):
        print(f"  {k}: {v:.2f} s" + ("  (inside _graph_page)" if k == "force" else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
