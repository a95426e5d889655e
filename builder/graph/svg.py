"""A laid-out graph as inline SVG: readable without JavaScript and in print (node names are text,
edges are lines, every node with a page is a link that Tab reaches and Enter follows), coloured by
the theme's CSS variables (style.css: `.graph`), with plain presentation attributes underneath so it
still reads with no stylesheet at all. Every name and URL is escaped: titles are content.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

from .layout import Point, force, radial
from .neighbourhood import Graph

RADIUS = {"self": 10, "collection": 10, "group": 8, "topic": 7, "article": 5}
LOCAL_BOX = (480, 320)  # a local graph's viewBox (it scales down to the column: 390 px phones)
GLOBAL_BOX = (720, 540)


def place(g: Graph, box: tuple[int, int]) -> tuple[Point, ...]:
    """The graph's layout: rings around the page for a local graph, forces for a global one."""
    w, h = box
    return radial(g.rings, w, h) if g.rings else force(len(g.nodes), g.edges, w, h)


def svg(g: Graph, pos: Sequence[Point], box: tuple[int, int], name: str) -> Markup:
    """The SVG element. `name`: its accessible name (the page's text alternative lists the nodes).

    Bytes count (a global graph of 100 nodes and 270 edges must stay well under 30 KB): the edges
    are one path; each node lists its neighbours' indexes (`data-n`: graph.js highlights them) and
    has a `<title>` only when its label is cut short (a link's name is its text)."""
    w, h = box
    near: list[list[int]] = [[] for _ in g.nodes]
    for i, j in g.edges:
        near[i].append(j)
        near[j].append(i)
    d = "".join(f"M{pos[i][0]} {pos[i][1]}L{pos[j][0]} {pos[j][1]}" for i, j in g.edges)
    out = [f'<svg class="graph-svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="group" '
           f'aria-label="{escape(name)}"><g class="graph-view">'
           f'<path class="graph-edges" fill="none" stroke="#999" d="{d}"/>'
           '<g class="graph-nodes" text-anchor="middle" font-size="12">']
    for i, n in enumerate(g.nodes):
        x, y = pos[i]
        r = RADIUS.get(n.kind, 5)
        title = f"<title>{escape(n.title)}</title>" if n.title != n.label else ""
        inner = f'{title}<circle cx="{x}" cy="{y}" r="{r}"/><text x="{x}" y="{y + r + 13}">{escape(n.label)}</text>'
        attrs = f'class="graph-node kind-{n.kind}" data-n="{" ".join(map(str, sorted(near[i])))}"'
        if n.url:
            out.append(f'<a {attrs} href="{escape(n.url)}">{inner}</a>')
        else:
            out.append(f'<g {attrs}>{inner}</g>')
    out.append("</g></g></svg>")
    return Markup("".join(out))
