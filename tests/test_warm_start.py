"""A build that finds nothing changed decides so with cheap imports only: the parser, Jinja, the
renderer, the search index, Pillow and NumPy are imported by a build that renders, never by one
that skips (pipeline/build.py imports them after the skip check)."""

from __future__ import annotations

import os
import subprocess
import sys

from reliab_util import REPO, article, make_site

HEAVY = ("markdown_it", "jinja2", "numpy", "PIL", "pygments", "builder.render", "builder.search",
         "builder.images", "builder.text.markdown", "importlib.metadata")

CHILD = """
import sys
from builder.cli import main
rc = main(["build", "-q", sys.argv[1]])
print(rc, " ".join(sorted(m for m in sys.modules if m.split(".")[0] in {h.split(".")[0] for h in sys.argv[2:]})))
"""


def _build_and_list(site: str) -> tuple[int, set[str]]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    r = subprocess.run([sys.executable, "-c", CHILD, site, *HEAVY], env=env, capture_output=True, text=True,
                       timeout=300, cwd=REPO)
    assert r.returncode == 0, r.stderr
    rc, _, mods = r.stdout.strip().partition(" ")
    return int(rc), set(mods.split())


def _heavy(mods: set[str]) -> set[str]:
    return {h for h in HEAVY if h in mods}


def test_a_skipped_build_imports_nothing_heavy(tmp_path):
    site = make_site(tmp_path / "site", {"content/posts/a.md": article("甲", "正文。\n\n```python\nx = 1\n```\n"),
                                         "content/posts/b.md": article("乙")})
    rc, first = _build_and_list(str(site))
    assert rc == 0 and {"markdown_it", "jinja2", "builder.render", "builder.search"} <= _heavy(first), first
    rc, again = _build_and_list(str(site))
    assert rc == 0 and _heavy(again) == set(), _heavy(again)
    (site / "content/posts/b.md").write_text(article("乙", "改了。"), encoding="utf-8")
    rc, edited = _build_and_list(str(site))  # a change renders again, with all it needs
    assert rc == 0 and {"markdown_it", "jinja2", "builder.render"} <= _heavy(edited), edited
    assert "改了" in (site / "public/posts/b/index.html").read_text(encoding="utf-8")
