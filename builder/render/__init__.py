"""Stage 3, render: `Site` → `Output`s. Every page is a document rendered for one edition.

Owns: the Jinja environment and the theme's templates (env.py), each edition's context and its
memo (context.py, edition.py), every page (article_page, list_pages, topic_pages, other_pages,
feeds), the render's two phases and their jobs (site.py, plan.py, page_jobs.py, job.py), and what
an incremental render reuses (reuse.py, rows.py).

Must not touch: the model it is given (`Site`, documents: read only), the output folder (it yields
`Output`s; write.py writes them), the search index (built by the caller's `search_builder`), and
any module-level state: what a render computes lives in objects it owns (`_Plan`, `Ctx`,
`EditionMemo`, `Converters` with its fold and work memo, `text.memo.TextMemo`) and is passed
explicitly.

Dependencies run one way: env, rows → context → body → page_vars → edition and the pages →
plan → list and topic pages → page_jobs → site (no module imports one that imports it). Names with
a leading underscore are private to the package: its modules share them, other packages do not.
"""

from ..text.summary import reading_minutes, summarize
from .context import doc_converter
from .env import THEME, environment, template_error
from .reuse import Incremental
from .site import render_site

__all__ = ["THEME", "Incremental", "doc_converter", "environment", "reading_minutes", "render_site", "summarize",
           "template_error"]
