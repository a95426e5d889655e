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
    """The SVG element. `name`: its accessible name (the page's text alternative lists the nodes)."""
    w, h = box
    out = [f'<svg class="graph-svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="group" '
           f'aria-label="{escape(name)}"><g class="graph-view">'
           '<g class="graph-edges" stroke="#999" stroke-width="1">']
    for i, j in g.edges:
        (x1, y1), (x2, y2) = pos[i], pos[j]
        out.append(f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" data-e="{i} {j}"/>')
    out.append('</g><g class="graph-nodes" text-anchor="middle" font-size="12">')
    for i, n in enumerate(g.nodes):
        x, y = pos[i]
        r = RADIUS.get(n.kind, 5)
        inner = (f'<title>{escape(n.title)}</title><circle cx="{x}" cy="{y}" r="{r}"/>'
                 f'<text x="{x}" y="{y + r + 13}">{escape(n.label)}</text>')
        if n.url:
            out.append(f'<a class="graph-node kind-{n.kind}" href="{escape(n.url)}" data-i="{i}">{inner}</a>')
        else:
            out.append(f'<g class="graph-node kind-{n.kind}" data-i="{i}">{inner}</g>')
    out.append("</g></g></svg>")
    return Markup("".join(out))
