"""The variables every page template gets (`_page_vars`), and the pieces pages share: article
cards and links, term links, collection listings, search records."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from markupsafe import Markup, escape

from ..images.markup import image_vars
from ..incremental.pagecache import PageUrl
from ..knowledge.shards import shard_count
from ..model import Collection, Document, Entry, SearchDoc, Term
from ..pipeline.paths import absolute, root_of
from .body import _content_lang, _summary
from .context import ROOT_MARK, Ctx, _ctx_title
from .metadata import description as _description
from .strings import format_date


def _site_vars(ctx: Ctx) -> dict[str, Any]:
    if ctx.memo.site_vars is not None:
        return dict(ctx.memo.site_vars)
    conv = ctx.term_conv()
    ctx.memo.site_vars = {"title": conv(ctx.config.title), "description": conv(ctx.config.description),
            "base_url": ctx.config.base_url, "author": conv(ctx.config.author),
            "copyright": conv(ctx.config.copyright), "search_fallback": ctx.config.search_fallback,
            "params": ctx.config.params.thaw(conv)}
    return dict(ctx.memo.site_vars)


def _page_vars(ctx: Ctx, kind: str, page_path: str, title: str, sidebar_doc: Document | None = None,
               root_override: str | None = None) -> dict[str, Any]:
    """Variables every page template gets."""
    e = ctx.edition
    full = ctx.path(page_path)
    root = root_override if root_override is not None else root_of(full)
    meta = sidebar_doc.meta if sidebar_doc is not None else None
    sidebar = (meta.sidebar if meta and meta.sidebar is not None else ctx.config.sidebar)
    names = meta.widgets if meta and meta.widgets is not None else ctx.config.widgets
    alternates = [{"edition": ed, "url": root + quote((ed.prefix + "/" if ed.prefix else "") + page_path,
                                                        safe="/.-_~"),
                   "abs": absolute(ctx.config.base_url, (ed.prefix + "/" if ed.prefix else "") + page_path),
                   "current": ed == e} for ed in ctx.config.editions]
    widgets = []
    if sidebar != "false":
        for name in names:
            if name == "languages":
                widgets.append(Markup(_languages_widget(ctx, alternates)))
            else:
                widgets.append(Markup(ctx.widgets[name].replace(ROOT_MARK, root)))

    # the same paths recur on every page: quoted once per edition
    url = PageUrl(root, e.prefix, ctx.memo.quoted)

    return {
        "kind": kind, "site": _site_vars(ctx), "edition": e, "editions": ctx.config.editions,
        "strings": ctx.strings, "title": title, "root": root,
        "edition_root": root + (e.prefix + "/" if e.prefix else ""), "url": url,
        "canonical": absolute(ctx.config.base_url, full), "alternates": alternates,
        "x_default": absolute(ctx.config.base_url, page_path), "sidebar": sidebar, "widgets": widgets,
        "csp": ctx.config.csp, "menu": [{"name": name, "url": m.url if "://" in m.url else url(m.url.lstrip("/"))}
                             for m, name in _menu_names(ctx)],
        "feed_url": url("index.xml"), "description": "", "og_image": "", "jsonld": None,
        "page_lang": e.code, "previews": page_shards(ctx, sidebar_doc),
    }


def _menu_names(ctx: Ctx) -> list[tuple[Any, str]]:
    if ctx.memo.menu is None:
        conv = ctx.term_conv()
        ctx.memo.menu = [(m, conv(m.name)) for m in ctx.config.menu]
    return ctx.memo.menu


def _languages_widget(ctx: Ctx, alternates: list[dict[str, Any]]) -> str:
    items = "".join(
        f'<li><a href="{escape(a["url"])}" hreflang="{escape(a["edition"].code)}" lang="{escape(a["edition"].code)}"'
        + (' aria-current="page"' if a["current"] else "") + f">{escape(a['edition'].name)}</a></li>"
        for a in alternates)
    return (f'<section class="widget widget-languages"><h2 class="widget-title">{escape(ctx.strings["languages"])}'
            f'</h2><ul class="widget-list">{items}</ul></section>')


def _card(ctx: Ctx, entry: Entry, url: Callable[[str], str]) -> dict[str, Any]:
    e = ctx.edition
    doc = entry.doc(e.key)
    summary = ctx.summaries.get(entry.source)
    if summary is None:  # not rendered as an article in this build (cannot happen for articles)
        summary = _summary(ctx, doc, "")
    thumb = doc.meta.thumbnail
    return {"title": _ctx_title(ctx, doc), "url": url(entry.path), "date": format_date(entry.date),
            "date_iso": entry.date.isoformat() if entry.date else "",
            "summary": _description(ctx, doc, summary),
            "thumbnail": image_vars(ctx.images, doc.source, thumb.src, "card", getattr(url, "root", ""))
            if thumb and thumb.in_list else None,
            "categories": _term_links(ctx, entry.canonical, "categories", url),
            "tags": _term_links(ctx, entry.canonical, "tags", url), "lang": _content_lang(doc, e)}


def _link(ctx: Ctx, entry: Entry | None, url: Callable[[str], str]) -> dict[str, str] | None:
    if entry is None:
        return None
    return {"title": _ctx_title(ctx, entry.doc(ctx.edition.key)), "url": url(entry.path)}


def _term_links(ctx: Ctx, doc: Document, tax: str, url: Callable[[str], str]) -> list[dict[str, str]]:
    return [{"name": n, "url": url(p)} for n, p in _term_pairs(ctx, doc, tax)]


def _term_pairs(ctx: Ctx, doc: Document, tax: str) -> list[tuple[str, str]]:
    """(name in this edition, page path) of each of the document's terms, memoised per edition."""
    key = (tax, doc.source)
    found = ctx.memo.term_pairs.get(key)
    if found is None:
        by_key = ctx.memo.term_index.get(tax)
        if by_key is None:
            by_key = ctx.memo.term_index[tax] = {t.key: t for t in ctx.site.taxonomy(tax)}
        found = []
        for name in getattr(doc.meta, tax):
            t = by_key.get(ctx.converters.fold.key(name))
            if t is not None:
                found.append((ctx.term_names[(tax, t.key)], f"{tax}/{t.slug}/"))
        ctx.memo.term_pairs[key] = found
    return found


def _collection_vars(ctx: Ctx, c: Collection, counts: dict[str, int],
                     url: Callable[[str], str]) -> dict[str, Any]:
    groups: list[dict[str, Any]] = []
    conv = ctx.term_conv()
    for g in (*c.groups, ""):
        topics = [t for t in c.topics if t.group == g]
        if topics:
            groups.append({"name": conv(g), "topics": [
                {"title": ctx.topic_names[t.entry.source], "url": url(ctx.path(t.entry.path)),
                 "count": counts.get(t.entry.source, 0)} for t in topics]})
    return {"title": ctx.topic_names[c.entry.source], "url": url(ctx.path(c.entry.path)), "groups": groups}


def _add_search(search_docs: dict[str, SearchDoc], key: str, kind: str, entry: Entry, ctx: Ctx, title: str,
                summary: str, text: str, tags: list[str]) -> None:
    e = ctx.edition
    sd = search_docs.get(key)
    if sd is None:
        sd = SearchDoc(kind=kind, date=entry.date.date().isoformat() if entry.date else "")
        search_docs[key] = sd
    sd.url[e.key] = ctx.path(entry.path)
    sd.title[e.key] = title
    sd.summary[e.key] = summary
    sd.tags[e.key] = tuple(tags)
    sd.text[e.key] = text


def _search_term(ctx: Ctx, tax: str, t: Term, name: str, search_docs: dict[str, SearchDoc]) -> None:
    e = ctx.edition
    key = f"{tax}:{t.key}"
    sd = search_docs.setdefault(key, SearchDoc(kind="term", date=""))
    sd.url[e.key] = ctx.path(f"{tax}/{t.slug}/")
    sd.title[e.key] = name
    sd.summary[e.key] = ctx.strings["n_articles"].format(n=len(t.sources))
    sd.tags[e.key] = ()
    sd.text[e.key] = name


def page_shards(ctx: Ctx, doc: Document | None) -> int:
    """The link previews' shard count a page tells previews.js (render/previews.py), or 0: none on
    the page (`knowledge.previews` in site.yaml, or `previews: false` in its front matter)."""
    own = dict(doc.meta.params).get("previews", True) if doc is not None else True
    if not ctx.config.knowledge.previews or own is False:
        return 0
    return shard_count(len(ctx.site.articles) + len(ctx.site.topics))
