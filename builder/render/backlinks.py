"""Backlinks: on an article or topic page, the articles linking to it, each with the sentence around
its link in the page's script, newest first (BACKLINKS_SHOWN of them, the rest on the target's
`backlinks/` page), and on an article the topics it mentions.

`incoming` is the one reader of the link index's `incoming` (it records `links_fact`): a change to
the links into a page re-renders that page (both editions) and its `backlinks/` page, nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import jinja2

from ..config import SiteConfig
from ..knowledge.links import Link, LinkIndex
from ..model import Entry, Output, Topic
from ..pipeline.paths import BACKLINKS_PAGE, output_file
from .context import Ctx, _ctx_title
from .env import _render_template
from .job import Job, _job
from .page_vars import _page_vars
from .reads import links_fact
from .strings import format_date

BACKLINKS_SHOWN = 10  # a page lists this many linking articles; more: a link to its backlinks/ page


def incoming(ctx: Ctx, index: LinkIndex, target: str) -> tuple[Link, ...]:
    """The links into `target`, newest first, recorded as read."""
    ctx.reads.read(links_fact(target))
    return index.incoming.get(target, ())


def enabled(ctx: Ctx, entry: Entry) -> bool:
    """`knowledge.backlinks` in site.yaml, and `backlinks: false` in the page's front matter."""
    return _enabled(ctx.config, entry)


def _enabled(config: SiteConfig, entry: Entry) -> bool:
    return config.knowledge.backlinks and entry.canonical.meta.switched_on("backlinks")


def backlinks(ctx: Ctx, index: LinkIndex, entry: Entry, url: Callable[[str], str],
              topics: Sequence[Topic] = ()) -> dict[str, Any] | None:
    """The backlinks section's view model, or None: switched off, or nothing to show."""
    if not enabled(ctx, entry):
        return None
    links = incoming(ctx, index, entry.source)
    if not links and not topics:
        return None
    return {"links": [_item(ctx, lk, url) for lk in links[:BACKLINKS_SHOWN]], "count": len(links),
            "more": url(backlinks_path(entry)) if len(links) > BACKLINKS_SHOWN else "",
            "topics": [{"title": ctx.topic_names[t.entry.source], "url": url(t.entry.path)} for t in topics]}


def backlinks_path(entry: Entry) -> str:
    return entry.path + BACKLINKS_PAGE


def _item(ctx: Ctx, link: Link, url: Callable[[str], str]) -> dict[str, str]:
    """One linking article: its title and date in this edition, and the sentence converted from its
    source's script (escaped by the template's autoescape, like every text)."""
    src = ctx.site.index[link.source]
    return {"title": _ctx_title(ctx, src.doc(ctx.edition.key)), "url": url(src.path),
            "date": format_date(src.date), "date_iso": src.date.isoformat() if src.date else "",
            "context": ctx.doc_conv(src.canonical)(link.context)}


def _backlinks_page(ctx: Ctx, env: jinja2.Environment, entry: Entry, index: LinkIndex) -> Output:
    """Every article linking to `entry`, newest first (its page shows the first BACKLINKS_SHOWN)."""
    title = _ctx_title(ctx, entry.doc(ctx.edition.key))
    path = backlinks_path(entry)
    v = _page_vars(ctx, "backlinks", path, ctx.strings["backlinks_of"].format(name=title))
    url = v["url"]
    links = incoming(ctx, index, entry.source)
    v["page"] = {"title": title, "url": url(entry.path), "links": [_item(ctx, lk, url) for lk in links]}
    return Output(output_file(ctx.path(path)), _render_template(env, "backlinks.html", v))


def backlinks_pages(config: SiteConfig, site_index: Mapping[str, Entry], index: LinkIndex) -> list[str]:
    """The paths of the `backlinks/` pages `backlinks_jobs` makes, in its order (the sitemap lists
    them): the set changes with the links, not only with the global signature."""
    return [backlinks_path(site_index[t]) for t, links in index.incoming.items()
            if len(links) > BACKLINKS_SHOWN and _enabled(config, site_index[t])]


def backlinks_jobs(ctx: Ctx, env: jinja2.Environment, site_index: dict[str, Entry], index: LinkIndex) -> list[Job]:
    """A `backlinks/` page for each entry with more links into it than its page shows."""
    return [_job(_backlinks_page, ctx, env, site_index[t], index, ident=(t,))
            for t, links in index.incoming.items()
            if len(links) > BACKLINKS_SHOWN and enabled(ctx, site_index[t])]
