"""An article page in one edition (its body and summary come from body.py)."""

from __future__ import annotations

import jinja2
from markupsafe import Markup

from ..images.markup import absolute_image, image_vars
from ..incremental.store import Store
from ..knowledge.links import EMPTY, LinkIndex
from ..model import Entry, Output, SearchDoc
from ..pipeline.mentions import Matcher
from ..pipeline.paths import output_file, root_of
from ..text.summary import reading_minutes
from .backlinks import backlinks, incoming
from .body import _article_body, _content_lang, _topic_hrefs
from .context import Ctx
from .env import _render_template
from .graph_views import article_graph
from .metadata import article_jsonld, author
from .metadata import description as _description
from .page_vars import _add_search, _link, _page_vars, _term_links
from .strings import format_date


def _article(ctx: Ctx, env: jinja2.Environment, entry: Entry, newer: Entry | None, older: Entry | None,
             topic_matcher: Matcher | None, doc_topics: dict[str, set[int]],
             search_docs: dict[str, SearchDoc], store: Store | None = None, matcher_sig: bytes = b"",
             body_key: bytes | None = None, links: LinkIndex = EMPTY) -> Output:
    e = ctx.edition
    doc = entry.doc(e.key)
    full = ctx.path(entry.path)
    root = root_of(full)
    hrefs = _topic_hrefs(ctx, doc, root, topic_matcher, doc_topics)
    rendered, summary = _article_body(ctx, doc, entry, root, topic_matcher, hrefs, store, matcher_sig, body_key)
    conv = ctx.text.known(ctx.doc_conv(doc))
    title = conv(doc.meta.title or doc.stem)
    v = _page_vars(ctx, "article", entry.path, title, doc)
    ctx.summaries[entry.source] = summary
    thumb = doc.meta.thumbnail
    og_image = absolute_image(ctx.images, ctx.config.base_url, doc.source, thumb.src) if thumb else ""
    desc = _description(ctx, doc, summary)
    v.update({
        "page": {
            "title": title, "content": Markup(rendered.html), "lead": conv(doc.meta.lead),
            "date": format_date(entry.date), "date_iso": entry.date.isoformat() if entry.date else "",
            "lastmod": format_date(doc.meta.lastmod),
            "lastmod_iso": doc.meta.lastmod.isoformat() if doc.meta.lastmod else "",
            "reading_time": reading_minutes(rendered.text),
            "thumbnail": image_vars(ctx.images, doc.source, thumb.src, "wide", root)
            if thumb and thumb.in_post else None,
            "tags": _term_links(ctx, entry.canonical, "tags", v["url"]),
            "categories": _term_links(ctx, entry.canonical, "categories", v["url"]),
            "toc": [{"level": lvl, "id": hid, "title": t} for lvl, hid, t in rendered.toc] if doc.meta.toc else [],
            "authorbox": doc.meta.authorbox, "author": author(ctx, doc),
            "pager": doc.meta.pager, "lang": doc.lang,
            "newer": _link(ctx, newer, v["url"]) if doc.meta.pager else None,
            "older": _link(ctx, older, v["url"]) if doc.meta.pager else None,
            "summary": summary, "params": dict(doc.meta.params),
            # (the topics this document mentions: found from its own body, recorded as its body_fact)
            # (links out: its own body's; links in: read through `incoming`, which records them)
            "graph": article_graph(ctx, entry, doc, doc_topics.get(doc.source, ()), v["url"],
                                   [lk.target for lk in links.outgoing.get(entry.source, ())],
                                   [lk.source for lk in incoming(ctx, links, entry.source)]),
            # (the topics it mentions are found in its own body, which this job reads)
            "backlinks": backlinks(ctx, links, entry, v["url"],
                                   [ctx.site.topics[t] for t in sorted(set().union(*doc_topics.values()))]),
        },
        "description": desc, "og_image": og_image, "page_lang": _content_lang(doc, e),
        "jsonld": article_jsonld(ctx, entry, doc, title, v["canonical"], _content_lang(doc, e), og_image, desc),
    })
    _add_search(search_docs, entry.source, "article", entry, ctx, title, summary, rendered.text,
                [t["name"] for t in v["page"]["tags"]])
    return Output(output_file(full), _render_template(env, "article.html", v))
