"""Collection and topic pages: quoted mentions, related articles and tags, paginated mentions, and
their jobs."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import jinja2
from markupsafe import Markup, escape

from ..incremental.store import Store, digest
from ..model import Collection, Entry, Output, SearchDoc, Topic
from ..pipeline.mentions import Matcher, Mention, highlight_spans
from ..pipeline.paths import GRAPH_PAGE, output_file
from ..text.html import Rendered
from ..text.markdown import Passage
from ..text.summary import summarize
from .backlinks import backlinks, incoming
from .body import _render_doc
from .context import Ctx, _ctx_title, _TopicBase
from .env import _render_template
from .feeds import rss
from .graph_views import _graph_page, graph_on, topic_graph
from .job import Job, _job, _job_search
from .page_vars import _add_search, _card, _collection_vars, _page_vars, _term_pairs
from .plan import _Plan
from .reads import body_fact, topic_fact, topic_page_fact
from .rows import _Row
from .strings import format_date

MENTIONS_PER_PAGE = 50  # a topic mentioned by thousands of articles gets pages, not one huge page
RELATED_SHOWN = 10
TOPIC_TAGS_SHOWN = 20


def _quote(ctx: Ctx, m: Any, topic_matcher: Matcher | None, index: int) -> Markup:
    """One quoted passage in this edition, the topic's words marked. A passage is converted once per
    edition (it may quote several topics) and marked in its converted text: alias forms cover both
    scripts."""
    key = (m.doc.source, m.passage.anchor)
    text = ctx.memo.passages.get(key)
    if text is None:
        text = ctx.memo.passages[key] = ctx.doc_conv(m.doc)(m.passage.text)
    spans = highlight_spans(text, topic_matcher, index) if topic_matcher else [(text, False)]
    return Markup("".join(f"<mark>{escape(seg)}</mark>" if hl else str(escape(seg)) for seg, hl in spans))


def mention_pages(shown: int) -> int:
    """How many pages a topic whose edition shows `shown` mentions has."""
    return max(1, math.ceil(shown / MENTIONS_PER_PAGE))


def page_rows(rows: Sequence[_Row], n: int) -> Sequence[_Row]:
    """The mention rows page `n` of a topic shows."""
    return rows[(n - 1) * MENTIONS_PER_PAGE: n * MENTIONS_PER_PAGE]


def page_mentions(plan: _Plan, ctx: Ctx, topic: str, n: int) -> list[Mention]:
    """The mentions page `n` of a topic shows in this edition, with their texts (the one reader of
    mentioned passages' texts: `topic_page_fact` covers them)."""
    index = plan.site.index
    out = []
    ctx.reads.read(topic_page_fact(ctx.edition.key, topic, n))
    for art, doc_src, anchor, text, line in page_rows(plan.shown_rows(ctx, topic), n):
        entry = index[art]
        doc = next(d for _k, d in entry.docs if d.source == doc_src)
        if text is None:  # a kept article's passage (_get_rows)
            text = plan.passages(art)[(doc_src, anchor)]
        out.append(Mention(entry, doc, Passage(anchor, text, line), topic))
    return out


def _topic_base(ctx: Ctx, t: Topic, plan: _Plan) -> _TopicBase:
    ctx.reads.read(topic_fact(ctx.edition.key, t.entry.source))
    base = ctx.memo.topic_bases.get(t.entry.source)
    if base is not None:
        return base
    rendered, aliases, description = _topic_text(ctx, t)
    shown = plan.shown_rows(ctx, t.entry.source)
    related = list(plan.mentioning(shown))
    top_tags = _top_tags(ctx, related, plan.mention_sig(t.entry.source), plan.store, plan.global_sig)
    base = ctx.memo.topic_bases[t.entry.source] = _TopicBase(
        rendered, ctx.topic_names[t.entry.source], ctx.site.topics.index(t), len(shown), related,
        aliases, description, top_tags, mention_pages(len(shown)))
    return base


def _topic_text(ctx: Ctx, t: Topic) -> tuple[Rendered, list[str], str]:
    """A topic's own text in this edition: (its body rendered, its aliases, its description)."""
    ctx.reads.read(body_fact(t.entry.source))
    got = ctx.memo.topic_texts.get(t.entry.source)
    if got is None:
        rendered = _render_doc(ctx, t.entry.doc(ctx.edition.key), t.entry)
        conv_t = ctx.term_conv()
        got = ctx.memo.topic_texts[t.entry.source] = (rendered, [conv_t(a) for a in t.aliases],
                                                      summarize(rendered.text, ctx.config.summary_length))
    return got


def _topic_record(ctx: Ctx, t: Topic, search_docs: dict[str, SearchDoc]) -> list[Output]:
    """A topic's search record in this edition: its own text only. (A job of its own: a topic's
    pages may render again in one edition only — their mentions differ where articles have a
    translation — while every edition's part of a record is updated together.)"""
    rendered, aliases, description = _topic_text(ctx, t)
    _add_search(search_docs, t.entry.source, "topic", t.entry, ctx, ctx.topic_names[t.entry.source], description,
                rendered.text, aliases)  # aliases are keywords (like tags), not text for the snippet
    return []


def _top_tags(ctx: Ctx, related: list[Entry], mention_sig: bytes, store: Store | None,
              gsig: bytes | None) -> list[tuple[str, str]]:
    """The related articles' tags, most shared first: (name in this edition, page path). Cached under
    the global signature (every article's tags, the terms' names and slugs, the config, the
    translations) and the topic's mention signature (which passages of which documents, in order:
    with the edition, they make the related articles in order): all it is computed from. `gsig`:
    the incremental build's global signature (None: not cached)."""
    ckey = None
    if store is not None and gsig is not None:
        ckey = digest("top-tags", gsig, ctx.edition, mention_sig)
        hit = store.get(ckey, list, count=False)
        if hit is not None:
            return hit
    tag_count: dict[tuple[str, str], int] = {}
    for r in related:
        for k in _term_pairs(ctx, r.canonical, "tags"):
            tag_count[k] = tag_count.get(k, 0) + 1
    top = [k for k, _n in sorted(tag_count.items(), key=lambda kv: (-kv[1], kv[0]))][:TOPIC_TAGS_SHOWN]
    if ckey is not None and store is not None:
        store.put(ckey, top)
    return top


def _topic(ctx: Ctx, env: jinja2.Environment, c: Collection, t: Topic, plan: _Plan,
           topic_matcher: Matcher | None, n: int) -> Output:
    """Page `n` of a topic: its text, the mentions of that page, related articles and tags (its
    search record is `_topic_record`'s)."""
    b = _topic_base(ctx, t, plan)
    conv_t = ctx.term_conv()
    path = t.entry.path if n == 1 else f"{t.entry.path}page/{n}/"
    v = _page_vars(ctx, "topic", path, b.title if n == 1 else f"{b.title} · {ctx.strings['page_n'].format(n=n)}",
                   t.entry.doc(ctx.edition.key))
    url = v["url"]
    chunk = page_mentions(plan, ctx, t.entry.source, n)
    quotes = [{"html": _quote(ctx, m, topic_matcher, b.index),
               "url": url(m.entry.path) + "#" + m.passage.anchor,
               "title": _ctx_title(ctx, m.doc), "date": format_date(m.entry.date)} for m in chunk]
    # the sibling topics, with their counts, on page 1 only: the later pages are more of the
    # topic's mentions (and a new mention anywhere in the group does not re-render them all)
    siblings = [{"title": ctx.topic_names[o.entry.source], "url": url(o.entry.path),
                 "count": plan.counts.get(o.entry.source, 0), "description": _topic_text(ctx, o)[2]}
                for o in c.topics if o is not t and o.group == t.group] if n == 1 else []
    v["page"] = {
        "title": b.title, "content": Markup(b.rendered.html), "group": conv_t(t.group),
        "aliases": b.aliases, "mentions": quotes, "mention_count": b.shown,
        "related": [_card(ctx, r, url) for r in b.related[:RELATED_SHOWN]],
        "related_count": len(b.related),
        "tags": [{"name": name, "url": url(path)} for name, path in b.top_tags],
        "siblings": siblings, "collection": {"title": ctx.topic_names[c.entry.source], "url": url(c.entry.path)},
        "feed": url(t.entry.path + "index.xml"), "n": n, "pages": b.pages,
        "prev": url(t.entry.path if n == 2 else f"{t.entry.path}page/{n - 1}/") if n > 1 else "",
        "next": url(f"{t.entry.path}page/{n + 1}/") if n < b.pages else "",
        # on page 1 only, like the siblings (its articles: `b.related`, read through `topic_fact`)
        "graph": topic_graph(ctx, c, t, b.related, url,
                             [lk.source for lk in incoming(ctx, plan.links, t.entry.source)]) if n == 1 else None,
        # on page 1 only, like the siblings: the later pages are more of the topic's mentions
        "backlinks": backlinks(ctx, plan.links, t.entry, url) if n == 1 else None,
    }
    v["description"] = b.description
    return Output(output_file(ctx.path(path)), _render_template(env, "topic.html", v))


def _collection(ctx: Ctx, env: jinja2.Environment, c: Collection, counts: dict[str, int],
                search_docs: dict[str, SearchDoc]) -> Output:
    e = ctx.edition
    doc = c.entry.doc(e.key)
    rendered = _render_doc(ctx, doc, c.entry)
    title = ctx.topic_names[c.entry.source]
    v = _page_vars(ctx, "collection", c.entry.path, title, doc)
    root = v["root"]
    v["page"] = {"title": title, "content": Markup(rendered.html),
                 **_collection_vars(ctx, c, counts, lambda p: root + quote(p, safe="/.-_~")),
                 "graph": v["url"](c.entry.path + GRAPH_PAGE) if graph_on(ctx, doc) else ""}
    v["description"] = summarize(rendered.text, ctx.config.summary_length)
    _add_search(search_docs, c.entry.source, "collection", c.entry, ctx, title, v["description"], rendered.text, [])
    return Output(output_file(ctx.path(c.entry.path)), _render_template(env, "collection.html", v))


def _topic_feed(ctx: Ctx, t: Topic, plan: _Plan) -> Output:
    """A topic's feed: the articles that mention it, in mention order."""
    src = t.entry.source
    return rss(ctx, t.entry.path, ctx.topic_names[src], list(plan.topic_entries(src)))


def collection_jobs(plan: _Plan, ctx: Ctx) -> list[Job]:
    """Each collection's page, then each of its topics' search record, pages and feed, in the
    order a serial build renders them (`page_jobs`)."""
    jobs: list[Job] = []
    for c in plan.site.collections:
        jobs.append(_job_search(_collection, ctx, plan.env, c, plan.counts, ident=(c.entry.source,)))
        if graph_on(ctx, c.entry.doc(ctx.edition.key)):
            jobs.append(_job(_graph_page, ctx, plan.env, c, plan.topic_entries, plan.collection_links,
                             ident=(c.entry.source,)))
        for topic in c.topics:
            src = topic.entry.source
            jobs.append(Job(_topic_record, (ctx, topic), True, (src,)))
            for n in range(1, plan.pages[(ctx.edition.key, src)] + 1):
                jobs.append(_job(_topic, ctx, plan.env, c, topic, plan, plan.topic_matcher, n, ident=(src, n)))
            jobs.append(_job(_topic_feed, ctx, topic, plan, ident=(src,)))
    return jobs
