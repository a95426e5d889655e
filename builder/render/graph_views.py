"""The graphs pages show (builder/graph/ lays them out and draws them): an article's and a topic's
local graph, and each collection's graph page (`_graph_page`, a job of its own per edition).

What a graph reads of other pages goes through the recording accessors (reads.py), so a change
re-renders exactly the pages whose graph shows it:
- an article's graph: the topics its own body mentions (its `body_fact`, recorded by its job) and
  the names, paths and groups of topics (front matter: the global signature);
- a topic's graph: its related articles (`_topic_base`, `topic_fact`) and its group's topics;
- a collection's graph page: which articles mention each of its topics (`plan.topic_entries`,
  `mentions_fact`) and the links between those articles (`plan.collection_links`,
  `graph_links_fact`: an edit that adds or removes no such link keeps the page).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import jinja2

from ..config import SiteConfig
from ..graph.layout import Point
from ..graph.neighbourhood import GLOBAL_ARTICLES, Graph, Node, collection, local, node
from ..graph.svg import GLOBAL_BOX, LOCAL_BOX, place, svg
from ..model import Collection, Document, Entry, Output, Site, Topic
from ..pipeline.paths import GRAPH_PAGE, output_file
from .context import Ctx, _ctx_title
from .env import _render_template
from .page_vars import _page_vars

Url = Callable[[str], str]


def graph_on(ctx: Ctx, doc: Document | None) -> bool:
    """site.yaml `knowledge: {graph: false}` turns every graph off, front matter `graph: false` one
    page's."""
    return ctx.config.knowledge.graph and (doc is None or doc.meta.switched_on("graph"))


def graph_pages(config: SiteConfig, site: Site) -> list[str]:
    """The paths of the collections' graph pages, in collection order (the sitemap lists them): those
    whose collection has its graph on in every edition (front matter `graph: false` in a
    translation leaves that edition without one, and the sitemap lists a path for every edition)."""
    if not config.knowledge.graph:
        return []
    return [c.entry.path + GRAPH_PAGE for c in site.collections
            if all(d.meta.switched_on("graph") for _k, d in c.entry.docs)]


def _entry_node(ctx: Ctx, e: Entry, url: Url) -> Node:
    if e.kind == "topic" or e.kind == "collection":
        return node(e.source, ctx.topic_names[e.source], url(e.path), e.kind)
    return node(e.source, _ctx_title(ctx, e.doc(ctx.edition.key)), url(e.path), "article")


def _view(ctx: Ctx, g: Graph, box: tuple[int, int], name: str) -> dict[str, Any]:
    """What the templates get: the SVG, the nodes for the text alternative (the page itself left
    out), how many the cap left out."""
    return {"svg": svg(g, _place(ctx, g, box), box, name), "left_out": g.left_out,
            "nodes": [{"title": n.title, "url": n.url, "kind": n.kind} for n in g.nodes if n.kind != "self"]}


def _place(ctx: Ctx, g: Graph, box: tuple[int, int]) -> tuple[Point, ...]:
    """The graph's layout; a force layout (a collection's graph) once per shape in this process
    (`Converters.layouts`: the other edition's page draws the same shape)."""
    if g.rings:
        return place(g, box)
    key = (len(g.nodes), g.edges, box)
    memo = ctx.converters.layouts
    got = memo.get(key)
    if got is None:
        got = memo[key] = place(g, box)
    return got


def article_graph(ctx: Ctx, entry: Entry, doc: Document, topics: Iterable[int], url: Url,
                  links_out: Sequence[str] = (), links_in: Sequence[str] = ()) -> dict[str, Any] | None:
    """An article's local graph: the topics it mentions (`topics`: indexes into site.topics; those of
    one group are linked to each other), then the pages it links to and the articles linking to it."""
    if not graph_on(ctx, doc):
        return None
    site = ctx.site
    mentioned = [site.topics[i] for i in sorted(topics)]
    neighbours = [_entry_node(ctx, t.entry, url) for t in mentioned]
    neighbours += [_entry_node(ctx, site.index[s], url) for s in (*links_out, *links_in) if s in site.index]
    if not neighbours:
        return None
    pairs = [(a.entry.source, b.entry.source) for i, a in enumerate(mentioned) for b in mentioned[i + 1:]
             if a.group and a.collection == b.collection and a.group == b.group]
    title = _ctx_title(ctx, doc)
    g = local(node(entry.source, title, "", "self"), neighbours, pairs)
    return _view(ctx, g, LOCAL_BOX, ctx.strings["graph_of"].format(name=title))


def topic_graph(ctx: Ctx, c: Collection, t: Topic, related: Sequence[Entry], url: Url,
                links_in: Sequence[str] = ()) -> dict[str, Any] | None:
    """A topic's local graph: the other topics of its group, the articles that mention it (in
    mention order: `related`), the articles linking to it."""
    doc = t.entry.doc(ctx.edition.key)
    if not graph_on(ctx, doc):
        return None
    siblings = [o for o in c.topics if o is not t and t.group and o.group == t.group]
    index = ctx.site.index
    neighbours = [_entry_node(ctx, o.entry, url) for o in siblings]
    neighbours += [_entry_node(ctx, e, url) for e in related]
    neighbours += [_entry_node(ctx, index[s], url) for s in links_in if s in index]
    if not neighbours:
        return None
    pairs = [(a.entry.source, b.entry.source) for i, a in enumerate(siblings) for b in siblings[i + 1:]]
    name = ctx.topic_names[t.entry.source]
    g = local(node(t.entry.source, name, "", "self"), neighbours, pairs)
    return _view(ctx, g, LOCAL_BOX, ctx.strings["graph_of"].format(name=name))


def collection_graph(ctx: Ctx, c: Collection, entries_of: Callable[[str], Sequence[Entry]], url: Url,
                     links: Mapping[str, Sequence[str]] | None = None) -> tuple[Graph, str]:
    """A collection's global graph and its name: its groups and topics, and the most connected of
    the articles mentioning them (`entries_of(topic)`: the recording accessor)."""
    conv = ctx.term_conv()
    groups: list[tuple[Node | None, list[Node]]] = []
    for group in (*c.groups, ""):
        topics = [_entry_node(ctx, t.entry, url) for t in c.topics if t.group == group]
        if topics:
            groups.append((node("group\x1f" + group, conv(group), "", "group") if group else None, topics))
    mentions: dict[str, list[str]] = {}
    for t in c.topics:
        for e in entries_of(t.entry.source):
            mentions.setdefault(e.source, []).append(t.entry.source)
    order = {e.source: i for i, e in enumerate(ctx.site.articles)}
    ranked = sorted(mentions, key=lambda s: order.get(s, len(order)))  # newest first
    name = ctx.topic_names[c.entry.source]
    g = collection(_entry_node(ctx, c.entry, url), groups, [(s, mentions[s]) for s in ranked],
                   lambda s: _entry_node(ctx, ctx.site.index[s], url), links, GLOBAL_ARTICLES)
    return g, ctx.strings["graph_of"].format(name=name)


def _graph_page(ctx: Ctx, env: jinja2.Environment, c: Collection, entries_of: Callable[[str], Sequence[Entry]],
                links_of: Callable[[Collection], Mapping[str, Sequence[str]]] | None = None) -> Output:
    """A collection's graph page in one edition. `links_of(c)`: the links between the articles
    mentioning its topics (the recording accessor)."""
    links = links_of(c) if links_of is not None else None
    name = ctx.topic_names[c.entry.source]
    path = c.entry.path + GRAPH_PAGE
    v = _page_vars(ctx, "graph", path, f"{name} · {ctx.strings['graph_title']}", c.entry.doc(ctx.edition.key))
    g, label = collection_graph(ctx, c, entries_of, v["url"], links)
    view = _view(ctx, g, GLOBAL_BOX, label)
    v["page"] = {"title": v["title"], "collection": {"title": name, "url": v["url"](c.entry.path)},
                 "graph": view, "cap": GLOBAL_ARTICLES,
                 "articles": [n for n in view["nodes"] if n["kind"] == "article"],
                 "topics": [n for n in view["nodes"] if n["kind"] == "topic"]}
    v["description"] = label
    return Output(output_file(ctx.path(path)), _render_template(env, "graph.html", v))
