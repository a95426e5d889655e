"""The graph's layout and drawing (builder/graph/): deterministic, inside its box, capped, escaped."""

from __future__ import annotations

import math
import re
import subprocess
import sys

from builder.graph.layout import MARGIN, force, radial
from builder.graph.neighbourhood import LABEL_CHARS, Node, collection, local, node
from builder.graph.svg import GLOBAL_BOX, LOCAL_BOX, place, svg


def _ring_graph(n: int) -> list[tuple[int, int]]:
    """Two clusters of n nodes each (a path inside each), joined by one edge."""
    edges = [(i, i + 1) for i in range(n - 1)] + [(n + i, n + i + 1) for i in range(n - 1)]
    edges += [(i, j) for i in range(n) for j in range(i + 2, n)][: n]  # some chords inside the first cluster
    return sorted(set(edges + [(0, n)]))


def test_force_is_deterministic_and_inside_its_box() -> None:
    edges = _ring_graph(12)
    a = force(24, edges, *GLOBAL_BOX)
    b = force(24, edges, *GLOBAL_BOX)
    assert a == b
    w, h = GLOBAL_BOX
    assert all(isinstance(x, int) and isinstance(y, int) for x, y in a)
    assert all(MARGIN <= x <= w - MARGIN and MARGIN <= y <= h - MARGIN for x, y in a), a
    assert len(set(a)) == len(a)  # no two nodes on one spot


def test_force_is_the_same_in_another_process() -> None:
    """No dependence on hash seeds or anything else a process picks at start."""
    code = ("from builder.graph.layout import force;"
            "print(force(30, [(i, (i * 7) % 30) for i in range(30) if i != (i * 7) % 30], 720, 540))")
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": seed, "PYTHONPATH": sys.path[0] or "."}).stdout
            for seed in ("1", "2")}
    assert len(runs) == 1 and runs.pop().startswith("((")


def test_force_pulls_neighbours_together() -> None:
    """Linked nodes end up nearer each other than unlinked ones, on average: a real layout."""
    edges = _ring_graph(10)
    pos = force(20, edges, *GLOBAL_BOX)
    linked = {(i, j) for i, j in edges}
    near = [math.dist(pos[i], pos[j]) for i, j in linked]
    far = [math.dist(pos[i], pos[j]) for i in range(20) for j in range(i + 1, 20) if (i, j) not in linked]
    assert sum(near) / len(near) < 0.6 * sum(far) / len(far)


def test_radial_puts_the_page_in_the_middle_and_rings_around_it() -> None:
    w, h = LOCAL_BOX
    pos = radial((10, 6), w, h)
    assert len(pos) == 17 and pos[0] == (w // 2, h // 2)
    d = [math.dist(pos[0], p) for p in pos[1:]]
    assert max(d[:10]) < min(d[10:])  # the inner ring is inside the outer one
    assert all(0 <= x <= w and 0 <= y <= h for x, y in pos)
    assert radial((10, 6), w, h) == pos
    assert radial((), w, h) == ((w // 2, h // 2),)


def _n(key: str, kind: str = "article") -> Node:
    return node(key, f"名字{key}", f"../{key}/", kind)


def test_local_graph_caps_and_says_what_it_left_out() -> None:
    centre = node("me", "我", "", "self")
    neighbours = [_n(str(i)) for i in range(30)] + [_n("3"), centre]  # a repeat and the page itself
    g = local(centre, neighbours, pairs=[("0", "1"), ("0", "29")], cap=24)
    assert len(g.nodes) == 25 and g.left_out == 6
    assert [n.key for n in g.nodes[1:]] == [str(i) for i in range(24)]
    assert (1, 2) in g.edges  # both shown
    assert not any(j == 30 for _i, j in g.edges)  # "29" is not shown: its pair is not drawn
    assert g.rings == (10, 14)


def test_collection_graph_keeps_the_most_connected_articles() -> None:
    topics = [_n(f"t{i}", "topic") for i in range(4)]
    groups = [(node("group\x1fA", "A", "", "group"), topics[:2]), (None, topics[2:])]
    # a0 mentions one topic, a1 three, a2 two, a3 none of these topics
    articles = [("a0", ["t0"]), ("a1", ["t0", "t1", "t3"]), ("a2", ["t2", "t3"]), ("a3", ["other"])]
    made: list[str] = []

    def make(k: str) -> Node:
        made.append(k)
        return _n(k)

    g = collection(node("c", "合集", "", "collection"), groups, articles, make, cap=2)
    keys = [n.key for n in g.nodes]
    assert keys == ["c", "group\x1fA", "t0", "t1", "t2", "t3", "a1", "a2"]  # kept in their own order
    assert made == ["a1", "a2"] and g.left_out == 1  # a0 left out; a3 mentions none of them
    at = {k: i for i, k in enumerate(keys)}
    assert (at["c"], at["group\x1fA"]) in g.edges and (at["group\x1fA"], at["t0"]) in g.edges
    assert (at["c"], at["t2"]) in g.edges  # a topic without a group hangs from the collection
    assert (at["t3"], at["a2"]) in g.edges and (at["t0"], at["a2"]) not in g.edges
    # links between articles break ties and are drawn when both ends are shown
    g2 = collection(node("c", "合集", "", "collection"), groups, [("x", ["t0"]), ("y", ["t0"]), ("z", ["t1"])],
                    _n, links={"z": ["y"]}, cap=2)
    assert [n.key for n in g2.nodes[6:]] == ["y", "z"]
    assert (6, 7) in g2.edges


def test_labels_are_cut_by_characters() -> None:
    long = "一二三四五六七八九十十一"
    n = node("k", long, "", "article")
    assert len(n.label) == LABEL_CHARS and n.label.endswith("…") and n.title == long
    assert node("k", "短", "", "article").label == "短"


def test_svg_escapes_names_and_urls() -> None:
    evil = '<script>alert(1)</script>"&'
    centre = node("me", evil, "", "self")
    g = local(centre, [Node("x", evil, 'x/"><script>', "article", evil)])
    out = str(svg(g, place(g, LOCAL_BOX), LOCAL_BOX, evil))
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert 'href="x/&#34;&gt;&lt;script&gt;"' in out
    assert re.search(r'class="graph-edges"[^>]* d="M\d+ \d+L\d+ \d+"', out) and out.count('class="graph-node ') == 2
    assert '<a class="graph-node kind-article"' in out  # a node with a page is a link; the page itself is not
