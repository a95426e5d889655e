"""Link previews' data: per edition, the card of every article and topic page (title, date, summary,
thumbnail), in small shards the theme's `previews.js` loads as scripts when a reader hovers or
focuses a link (a script, not fetch: it works from `file://` too, like the search index).

A page path's shard is `knowledge.shards.shard_of` (the page tells the script the shard count:
`data-shards`, `page_vars.page_shards`); PER_SHARD records per shard keep one hover's download
small whatever the site's size.

Each shard is one phase-2 job per edition; what it shows beyond the global signature (titles, dates,
thumbnails, the set of pages) it reads through recording accessors (`ctx.summaries`, `_topic_text`):
a changed summary renders its shard again, in each edition, and nothing else.
"""

from __future__ import annotations

import json
from typing import Any

from ..images.markup import image_vars
from ..knowledge.shards import shard_count, shard_of
from ..model import Entry, Output
from .context import Ctx, _ctx_title
from .job import Job, _job
from .metadata import description as _description
from .strings import format_date
from .topic_pages import _topic_text

FOLDER = "previews"  # per edition: <prefix>/previews/<n>.js


def preview_jobs(ctx: Ctx) -> list[Job]:
    """One job per shard of this edition (none when previews are off)."""
    if not ctx.config.knowledge.previews:
        return []
    site = ctx.site
    n = shard_count(len(site.articles) + len(site.topics))
    shards: dict[int, list[Entry]] = {}
    for e in [*site.articles, *(t.entry for t in site.topics)]:
        shards.setdefault(shard_of(e.path, n), []).append(e)
    return [_job(_shard, ctx, k, tuple(shards.get(k, ())), ident=(k,)) for k in range(n)]


def _shard(ctx: Ctx, k: int, entries: tuple[Entry, ...]) -> Output:
    records = {e.path: _record(ctx, e) for e in entries}
    data = json.dumps(records, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    prefix = ctx.edition.prefix + "/" if ctx.edition.prefix else ""
    return Output(f"{prefix}{FOLDER}/{k}.js", f"tongwenPreview({k},{data});\n".encode())


def _record(ctx: Ctx, e: Entry) -> dict[str, Any]:
    """One card, in this edition: title, date, summary, and the thumbnail's URL from the site's root
    (or absolute)."""
    doc = e.doc(ctx.edition.key)
    if e.kind == "topic":
        topic = ctx.site.topics[[t.entry.source for t in ctx.site.topics].index(e.source)]
        return {"t": ctx.topic_names[e.source], "s": _topic_text(ctx, topic)[2]}
    out: dict[str, Any] = {"t": _ctx_title(ctx, doc), "d": format_date(e.date),
                           "s": _description(ctx, doc, ctx.summaries[e.source])}
    thumb = doc.meta.thumbnail
    if thumb and thumb.in_list:
        out["i"] = image_vars(ctx.images, doc.source, thumb.src, "card", "")["src"]
    return out
