"""RSS 2.0 feeds (site and per term, per edition) and the sitemap with hreflang alternates."""

from __future__ import annotations

import email.utils
import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from ..model import Output
from ..pipeline.paths import absolute
from .metadata import description as _description
from .metadata import rss_creator

if TYPE_CHECKING:
    from ..config import SiteConfig
    from ..model import Entry, Site
    from .context import Ctx

FEED_ITEMS = 20
_XML_BAD = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _x(text: str) -> str:
    """XML-escape, dropping characters XML 1.0 forbids (scraped content has them)."""
    clean = _XML_BAD.sub("", text)
    # (xml.sax.saxutils.escape would do, but importing it imports urllib.request, ssl and email)
    return clean.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def rss(ctx: Ctx, path: str, title: str, entries: Sequence[Entry]) -> Output:
    e = ctx.edition
    base = ctx.config.base_url
    full = ctx.path(path)
    items = []
    memo = ctx.memo.rss_items
    for entry in entries[:FEED_ITEMS]:
        # an article's item is the same in every feed of the edition that lists it (site, terms, topics)
        summary = ctx.summaries.get(entry.source, "")  # (read on every use: it records what the feed shows)
        item = memo.get(entry.source)
        if item is None:
            doc = entry.doc(e.key)
            desc = _description(ctx, doc, summary)
            conv = ctx.doc_conv(doc)
            link = absolute(base, ctx.path(entry.path))
            date = email.utils.format_datetime(entry.date) if entry.date else ""
            item = memo[entry.source] = (
                "<item>"
                f"<title>{_x(conv(doc.meta.title or doc.stem))}</title>"
                f"<link>{_x(link)}</link><guid isPermaLink=\"true\">{_x(link)}</guid>"
                + (f"<pubDate>{date}</pubDate>" if date else "")
                + rss_creator(ctx, doc, _x) + f"<description>{_x(desc)}</description>"
                "</item>")
        items.append(item)
    build = email.utils.format_datetime(ctx.build_date)
    xml = (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        f"<title>{_x(title)}</title><link>{_x(absolute(base, full))}</link>"
        f"<description>{_x(title)}</description><language>{_x(e.code)}</language>"
        f"<lastBuildDate>{build}</lastBuildDate>"
        f'<atom:link href="{_x(absolute(base, full + "index.xml"))}" rel="self" type="application/rss+xml"/>'
        + "".join(items) + "</channel></rss>\n")
    return Output(full + "index.xml", xml.encode("utf-8"))


def page_paths(site: Site) -> Iterator[tuple[str, str]]:
    """(page path within an edition, ISO lastmod or '') for every page listed in the sitemap."""
    newest = site.articles[0].date.isoformat() if site.articles and site.articles[0].date else ""
    yield "", newest
    for a in site.articles:
        d = a.canonical.meta.lastmod or a.date
        yield a.path, d.isoformat() if d else ""
    for tax, terms in site.terms:
        yield f"{tax}/", newest
        for t in terms:
            first = site.index[t.sources[0]].date if t.sources else None
            yield f"{tax}/{t.slug}/", first.isoformat() if first else ""
    for s in site.sections:
        yield s.path, ""
    for c in site.collections:
        yield c.entry.path, ""
        for topic in c.topics:
            yield topic.entry.path, ""


def sitemap(site: Site, config: SiteConfig, extra: Sequence[str] = ()) -> Iterator[Output]:
    """Every page of `page_paths` in every edition, with its alternates; then the `extra` paths
    (pages that exist by what the bodies hold, not the front matter: backlinks lists), in order."""
    base = config.base_url
    urls = []
    for path, lastmod in [*page_paths(site), *((p, "") for p in extra)]:
        alts = "".join(
            f'<xhtml:link rel="alternate" hreflang="{_x(ed.code)}" '
            f'href="{_x(absolute(base, (ed.prefix + "/" if ed.prefix else "") + path))}"/>'
            for ed in config.editions)
        alts += f'<xhtml:link rel="alternate" hreflang="x-default" href="{_x(absolute(base, path))}"/>'
        for ed in config.editions:
            loc = absolute(base, (ed.prefix + "/" if ed.prefix else "") + path)
            urls.append(f"<url><loc>{_x(loc)}</loc>" + (f"<lastmod>{lastmod}</lastmod>" if lastmod else "")
                        + alts + "</url>")
    xml = ('<?xml version="1.0" encoding="utf-8"?>\n'
           '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
           'xmlns:xhtml="http://www.w3.org/1999/xhtml">\n' + "\n".join(urls) + "\n</urlset>\n")
    yield Output("sitemap.xml", xml.encode("utf-8"))
