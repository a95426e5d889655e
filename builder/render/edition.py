"""An edition's context (`Ctx`): its names of terms and topics and its sidebar widgets,
pre-rendered once with a root marker (`ROOT_MARK`) that each page replaces by its relative root."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

import jinja2

from ..config import SiteConfig
from ..images import ImageTable
from ..images.table import EMPTY
from ..incremental.store import Store, digest
from ..model import Edition, Site
from .context import ROOT_MARK, Converters, Ctx
from .page_vars import _collection_vars, _site_vars
from .strings import edition_strings, format_date

WIDGET_TERMS = 100  # the sidebar shows the most used terms; the widget title links to all of them


def _mark_url(path: str) -> str:
    return ROOT_MARK + quote(path, safe="/.-_~#")


def _widget_vars(ctx: Ctx, name: str) -> dict[str, Any]:
    e = ctx.edition
    base: dict[str, Any] = {"strings": ctx.strings, "edition": e, "site": _site_vars(ctx),
                            "root": ROOT_MARK, "edition_root": ROOT_MARK + (e.prefix + "/" if e.prefix else ""),
                            "url": lambda p: _mark_url(ctx.path(p))}
    if name == "recent":
        base["items"] = [{"title": ctx.converters.title(a.doc(e.key), e, ctx.config),
                          "url": _mark_url(ctx.path(a.path)), "date": format_date(a.date)}
                         for a in ctx.site.articles[: ctx.config.recent_count]]
    elif name in ("taglist", "categories"):
        tax = "tags" if name == "taglist" else "categories"
        base["terms"] = [{"name": ctx.term_names[(tax, t.key)], "count": len(t.sources),
                          "url": _mark_url(ctx.path(f"{tax}/{t.slug}/"))}
                         for t in sorted(ctx.site.taxonomy(tax), key=lambda t: (-len(t.sources), t.key))
                         [:WIDGET_TERMS]]
        base["counts"] = ctx.config.taglist_counts
        base["index_url"] = _mark_url(ctx.path(f"{tax}/"))
    elif name == "topics":
        base["collections"] = [_collection_vars(ctx, c, {}, url=_mark_url) for c in ctx.site.collections]
    return base


def _edition_ctx(site: Site, config: SiteConfig, edition: Edition, env: jinja2.Environment,
                 build_date: dt.datetime, summaries: dict[str, str], converters: Converters,
                 store: Store | None = None, global_sig: bytes = b"", images: ImageTable = EMPTY) -> Ctx:
    """An edition's names of terms and topics and its sidebar widgets. With a `store` and the
    build's global signature (which holds everything they are made of: every document's front
    matter, the config, the templates, the build date, the builder), they come from the cache when
    an earlier build made them: an edit then opens no OpenCC converter it does not need."""
    strings = edition_strings(config, edition)
    key = digest("edition-ctx", global_sig, edition) if store is not None and global_sig else None
    hit = store.get(key, tuple, count=False) if key is not None and store is not None else None
    if hit is not None and len(hit) == 3:
        term_names, topic_names, widgets = (dict(h) for h in hit)
        return Ctx(site, config, edition, strings, widgets, term_names, topic_names, build_date, summaries,
                   converters, images=images)
    term_names = {(tax, t.key): converters.term_name(t.name, edition, config)
                  for tax, terms in site.terms for t in terms}
    topic_names = {t.entry.source: converters.title(t.entry.doc(edition.key), edition, config) for t in site.topics}
    for c in site.collections:
        topic_names[c.entry.source] = converters.title(c.entry.doc(edition.key), edition, config)
    ctx = Ctx(site, config, edition, strings, {}, term_names, topic_names, build_date, {}, converters)
    widgets = {name: env.get_template(f"widgets/{name}.html").render(_widget_vars(ctx, name))
               for name in ("search", "recent", "taglist", "categories", "topics")}
    if key is not None and store is not None:
        store.put(key, (tuple(term_names.items()), tuple(topic_names.items()), tuple(widgets.items())))
    return Ctx(site, config, edition, strings, widgets, term_names, topic_names, build_date, summaries, converters,
               images=images)
