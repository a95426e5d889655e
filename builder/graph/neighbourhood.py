"""Which nodes and edges a graph shows: a page's local graph (one hop) and a collection's global
graph, each capped so that no page's graph grows with the site (the caps are the constants below;
`Graph.left_out` says how many the cap left out, and the page says so).

Nodes are identified by `key` (an entry's source, or "group\\x1f<name>" for a group of topics); a
node's `label` and `url` are the edition's, so a graph is built once per edition, while its layout
(layout.py) depends only on its shape and is the same in both.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

# a local graph shows at most this many neighbours besides the page itself, in the order the page
# function hands them over (topics first, then links out, links in, then articles)
LOCAL_CAP = 24
# the first ring of a local graph; more neighbours go on a second, larger ring
INNER_RING = 10
# a global graph shows every topic of its collection (and their groups) and at most this many
# articles: those that mention the most of its topics (then link to or from the most of the others
# shown), newest first among equals
GLOBAL_ARTICLES = 30
# characters of a label (titles are cut by characters, never bytes: Chinese is one character each)
LABEL_CHARS = 10


@dataclass(frozen=True)
class Node:
    key: str  # identity: an entry's source, or a group's key
    label: str  # as shown (the edition's script), possibly cut short
    url: str  # the page (relative to the page showing the graph); "" for a group, which has none
    kind: str  # "self" | "collection" | "group" | "topic" | "article"
    title: str  # the whole name (a tooltip and the text alternative)


@dataclass(frozen=True)
class Graph:
    nodes: tuple[Node, ...]
    edges: tuple[tuple[int, int], ...]  # (i, j) with i < j, sorted, no repeats
    rings: tuple[int, ...] = ()  # a local graph: node 0 in the middle, then this many per ring; () = force layout
    left_out: int = 0  # neighbours (local) or articles (global) the cap left out


def node(key: str, name: str, url: str, kind: str) -> Node:
    """A node whose label is `name` cut to LABEL_CHARS characters (the whole name stays its title)."""
    label = name if len(name) <= LABEL_CHARS else name[:LABEL_CHARS - 1] + "…"
    return Node(key, label, url, kind, name)


def local(centre: Node, neighbours: Sequence[Node], pairs: Sequence[tuple[str, str]] = (),
          cap: int = LOCAL_CAP) -> Graph:
    """The page in the middle, linked to each neighbour (repeats and the page itself dropped, the
    first `cap` kept); `pairs` (key, key) are edges between neighbours, drawn when both are shown."""
    seen = {centre.key}
    unique = []
    for n in neighbours:
        if n.key not in seen:
            seen.add(n.key)
            unique.append(n)
    shown = unique[:cap]
    nodes = (centre, *shown)
    at = {n.key: i for i, n in enumerate(nodes)}
    edges = {(0, i) for i in range(1, len(nodes))}
    edges.update(_pairs(at, pairs))
    inner = min(len(shown), INNER_RING)
    return Graph(nodes, tuple(sorted(edges)), (inner, len(shown) - inner), len(unique) - len(shown))


def collection(centre: Node, groups: Sequence[tuple[Node | None, Sequence[Node]]],
               articles: Sequence[tuple[str, Sequence[str]]], make: Callable[[str], Node],
               links: Mapping[str, Sequence[str]] | None = None, cap: int = GLOBAL_ARTICLES) -> Graph:
    """A collection's graph: the collection, its groups (a group of None: its topics hang from the
    collection), its topics, and the `cap` most connected of `articles` ((key, keys of the topics it
    mentions), newest first), made into nodes by `make(key)` only once chosen (a topic of a large
    site has thousands); `links`: article key → the keys it links to."""
    links = links or {}
    nodes: list[Node] = [centre]
    edges: set[tuple[int, int]] = set()
    topic_at: dict[str, int] = {}
    for group, topics in groups:
        parent = 0
        if group is not None:
            parent = len(nodes)
            nodes.append(group)
            edges.add((0, parent))
        for t in topics:
            topic_at[t.key] = len(nodes)
            nodes.append(t)
            edges.add((parent, topic_at[t.key]))
    mentioning = [(a, [k for k in ks if k in topic_at]) for a, ks in articles]
    mentioning = [(a, ks) for a, ks in mentioning if ks]
    shown = _most_connected(mentioning, links, cap)
    for a, ks in shown:
        i = len(nodes)
        nodes.append(make(a))
        edges.update((min(i, topic_at[k]), max(i, topic_at[k])) for k in ks)
    at = {n.key: i for i, n in enumerate(nodes)}
    edges.update(_pairs(at, [(a, b) for a, _ks in shown for b in links.get(a, ())]))
    return Graph(tuple(nodes), tuple(sorted(edges)), (), len(mentioning) - len(shown))


def _most_connected(articles: list[tuple[str, list[str]]], links: Mapping[str, Sequence[str]],
                    cap: int) -> list[tuple[str, list[str]]]:
    """The `cap` articles with the most topic mentions, then the most links within the set (in or
    out); among equals the earlier one (newest), so the choice never depends on anything else."""
    keys = {a for a, _ks in articles}
    degree = dict.fromkeys(keys, 0)
    for a, _ks in articles:
        for b in links.get(a, ()):
            if b in keys and b != a:
                degree[a] += 1
                degree[b] += 1
    order = sorted(range(len(articles)), key=lambda i: (-len(articles[i][1]), -degree[articles[i][0]], i))
    return [articles[i] for i in sorted(order[:cap])]


def _pairs(at: Mapping[str, int], pairs: Sequence[tuple[str, str]]) -> set[tuple[int, int]]:
    out = set()
    for a, b in pairs:
        i, j = at.get(a), at.get(b)
        if i is not None and j is not None and i != j:
            out.add((min(i, j), max(i, j)))
    return out
