"""Graphs on pages (render/graph_views.py): an article's and a topic's local graph, each collection's
graph page in both editions, the switches, escaping, the caps at scale, and incremental builds that
re-render exactly the pages whose graph changed (verify mode: byte-identical to a clean build)."""

from __future__ import annotations

import functools
import re
import shutil
from pathlib import Path
from urllib.parse import unquote

import pytest
from test_build_equivalence import assert_same, generated_site

from builder.graph.neighbourhood import GLOBAL_ARTICLES
from builder.pipeline.build import build
from builder.render import topic_pages

SITE_YAML = "title: 图\nbase_url: https://example.org/\n"


def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")


def tiny(root: Path) -> Path:
    """One collection with two groups (三个专题), one without groups, and four articles."""
    _write(root, {
        "site.yaml": SITE_YAML,
        "content/topics/举措/_index.md": "---\ntitle: 举措合集\ngroups: [增长, 降本]\n---\n合集说明。\n",
        "content/topics/举措/a.md": "---\ntitle: 软件专题\naliases: [软件]\ngroup: 增长\nweight: 1\n---\n软件。\n",
        "content/topics/举措/b.md": "---\ntitle: 出海专题\naliases: [出海]\ngroup: 增长\nweight: 2\n---\n出海。\n",
        "content/topics/举措/c.md": "---\ntitle: 物流专题\naliases: [物流]\ngroup: 降本\nweight: 3\n---\n物流。\n",
        "content/topics/赛道/_index.md": "---\ntitle: 赛道合集\n---\n赛道。\n",
        "content/topics/赛道/d.md": "---\ntitle: 直播专题\naliases: [直播]\n---\n直播。\n",
        "content/posts/p1.md": "---\ntitle: 软件与出海\ndate: 2025-01-01\n---\n软件公司出海。\n",
        "content/posts/p2.md": "---\ntitle: 只谈软件\ndate: 2025-01-02\n---\n软件。\n",
        "content/posts/p3.md": "---\ntitle: 物流和直播\ndate: 2025-01-03\n---\n物流与直播。\n",
        "content/posts/p4.md": "---\ntitle: 无关的文章\ndate: 2025-01-04\n---\n什么也没提。\n",
    })
    return root


def _read(out: Path, rel: str) -> str:
    return (out / rel).read_text(encoding="utf-8")


def _svg(html: str) -> str:
    """The page's graph, its URLs unquoted."""
    m = re.search(r"<svg class=\"graph-svg\".*?</svg>", html, re.S)
    assert m, "no graph"
    return unquote(m.group(0))


def _hrefs(svg: str) -> list[str]:
    return [unquote(h) for h in re.findall(r'<a class="graph-node[^"]*"[^>]* href="([^"]+)"', svg)]


def test_an_articles_graph_shows_the_topics_it_mentions(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(tiny(tmp_path / "site"), out)
    svg = _svg(_read(out, "posts/p1/index.html"))
    assert sorted(_hrefs(svg)) == ["../../topics/举措/a/", "../../topics/举措/b/"]
    assert ">软件专题</text>" in svg and ">出海专题</text>" in svg and ">软件与出海</text>" in svg
    edges = re.search(r'class="graph-edges"[^>]* d="([^"]*)"', svg)
    assert edges and edges.group(1).count("M") == 3  # the page to each topic, and the two topics of one group
    # the text alternative lists the same neighbours as links
    alt = unquote(_read(out, "posts/p1/index.html").split('class="graph-list"')[1])
    assert '<a href="../../topics/举措/a/">软件专题</a>' in alt
    # the other edition: its own names, its own paths
    tw = _svg(_read(out, "zh-tw/posts/p1/index.html"))
    assert ">軟體專題</text>" in tw and ">软件专题</text>" not in tw
    assert sorted(_hrefs(tw)) == ["../../../zh-tw/topics/举措/a/", "../../../zh-tw/topics/举措/b/"]
    # an article that mentions no topic has no graph
    assert 'class="graph-svg"' not in _read(out, "posts/p4/index.html")


def test_a_topics_graph_shows_its_articles_and_its_group(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(tiny(tmp_path / "site"), out)
    svg = _svg(_read(out, "topics/举措/a/index.html"))
    assert sorted(_hrefs(svg)) == ["../../../posts/p1/", "../../../posts/p2/", "../../../topics/举措/b/"]
    assert "topics/举措/c/" not in svg  # another group's topic


def test_each_collection_has_a_graph_page_in_both_editions(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(tiny(tmp_path / "site"), out)
    for prefix in ("", "zh-tw/"):
        page = _read(out, f"{prefix}topics/举措/graph/index.html")
        svg = _svg(page)
        assert svg.count('kind-group"') == 2 and svg.count('kind-topic"') == 3
        up = "../../../" + ("../zh-tw/" if prefix else "")
        assert sorted(h for h in _hrefs(svg) if "posts" in h) == [up + "posts/p1/", up + "posts/p2/", up + "posts/p3/"]
        collection = unquote(_read(out, f"{prefix}topics/举措/index.html"))
        assert re.search(rf'<a href="[./]*{prefix}topics/举措/graph/">', collection)  # linked from it
        other = _svg(_read(out, f"{prefix}topics/赛道/graph/index.html"))
        assert sorted(h for h in _hrefs(other) if "posts" in h) == [up + "posts/p3/"]
    assert "增长" in _read(out, "topics/举措/graph/index.html")
    assert "物流專題" in _read(out, "zh-tw/topics/举措/graph/index.html")


def test_graph_false_in_front_matter_turns_a_pages_graph_off(tmp_path: Path) -> None:
    site = tiny(tmp_path / "site")
    p = site / "content/posts/p1.md"
    p.write_text(p.read_text(encoding="utf-8").replace("date:", "graph: false\ndate:"), encoding="utf-8")
    c = site / "content/topics/赛道/_index.md"
    c.write_text(c.read_text(encoding="utf-8").replace("title:", "graph: false\ntitle:"), encoding="utf-8")
    out = tmp_path / "out"
    build(site, out)
    assert 'class="graph-svg"' not in _read(out, "posts/p1/index.html")
    assert 'class="graph-svg"' in _read(out, "posts/p2/index.html")
    assert not (out / "topics/赛道/graph").exists()
    assert "graph/" not in unquote(_read(out, "topics/赛道/index.html"))
    assert (out / "topics/举措/graph/index.html").is_file()


def test_the_site_switch_turns_every_graph_off(tmp_path: Path) -> None:
    """`knowledge: {graph: false}` in site.yaml: no local graph on any page, no graph page."""
    site = tiny(tmp_path / "site")
    (site / "site.yaml").write_text(SITE_YAML + "knowledge:\n  graph: false\n", encoding="utf-8")
    out = tmp_path / "out"
    build(site, out)
    for rel in ("topics/举措/a/index.html", "posts/p1/index.html", "zh-tw/posts/p1/index.html"):
        assert "page-graph" not in _read(out, rel)
    assert not (out / "topics/举措/graph/index.html").exists()
    assert "软件公司出海" in _read(out, "posts/p1/index.html")


def test_titles_are_escaped_in_the_graph(tmp_path: Path) -> None:
    site = tiny(tmp_path / "site")
    evil = '---\ntitle: "<script>alert(1)</script>软件"\ndate: 2025-01-05\n---\n软件。\n'
    _write(site, {"content/posts/p5.md": evil})
    out = tmp_path / "out"
    build(site, out)
    for rel in ("topics/举措/a/index.html", "topics/举措/graph/index.html", "posts/p5/index.html"):
        html = _read(out, rel)
        assert "<script>alert" not in html and "&lt;script&gt;alert" in _svg(html)


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = generated_site(tmp_path_factory.mktemp("g") / "site", n=200)
    out = site.parent / "out"
    build(site, out, jobs=1)
    return out


def test_a_large_collections_graph_is_capped_and_says_so(big: Path) -> None:
    page = _read(big, "topics/新生意赛道/graph/index.html")
    svg = _svg(page)
    assert svg.count('kind-article"') == GLOBAL_ARTICLES
    m = re.search(r"另有 (\d+) 篇未显示", page)
    assert m and int(m.group(1)) > 0


def test_no_graph_adds_more_than_30_kb(big: Path) -> None:
    sizes = {}
    for p in [*big.rglob("topics/**/index.html"), *sorted(big.rglob("posts/*/index.html"))[:50]]:
        html = p.read_text(encoding="utf-8")
        m = re.search(r'<figure class="graph".*?</figure>', html, re.S)
        if m:
            sizes[str(p.relative_to(big))] = len(m.group(0).encode())
    assert len(sizes) > 40
    assert max(sizes.values()) < 30_000, max(sizes.items(), key=lambda kv: kv[1])


# --- incremental: a change re-renders exactly the pages whose graph changed -----------------------

def _same_as_clean(site: Path, out: Path, clean: Path, rendered: list[tuple[str, str]]) -> None:
    """What verify mode checks, without its clean render counted in `rendered` (nor the cache touched)."""
    n = len(rendered)
    shutil.rmtree(clean, ignore_errors=True)
    build(site, clean, jobs=1, reuse=False)
    del rendered[n:]
    assert_same(out, clean)


@pytest.mark.no_verify
def test_a_new_mention_re_renders_the_graphs_that_show_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = tiny(tmp_path / "site")
    out = tmp_path / "out"
    build(site, out, jobs=1)
    rendered: list[tuple[str, str]] = []
    real = topic_pages._graph_page

    @functools.wraps(real)  # (the job keys hold the function's name)
    def spy(ctx, env, c, *rest):  # type: ignore[no-untyped-def]
        rendered.append((ctx.edition.key, c.name))
        return real(ctx, env, c, *rest)

    monkeypatch.setattr(topic_pages, "_graph_page", spy)
    # p4 now mentions 直播 (the second collection only)
    p4 = site / "content/posts/p4.md"
    p4.write_text(p4.read_text(encoding="utf-8").replace("什么也没提。", "后来也做直播。"), encoding="utf-8")
    build(site, out, jobs=1)
    assert sorted(rendered) == [("zh-cn", "赛道"), ("zh-tw", "赛道")]
    _same_as_clean(site, out, tmp_path / "clean", rendered)
    assert "../../../posts/p4/" in _svg(_read(out, "topics/赛道/graph/index.html"))
    assert "/zh-tw/posts/p4/" in _svg(_read(out, "zh-tw/topics/赛道/d/index.html"))
    assert "../../topics/赛道/d/" in _svg(_read(out, "posts/p4/index.html"))
    # an edit that changes no mention re-renders no graph page
    rendered.clear()
    p2 = site / "content/posts/p2.md"
    p2.write_text(p2.read_text(encoding="utf-8") + "\n另一句，不提专题。\n", encoding="utf-8")
    build(site, out, jobs=1)
    _same_as_clean(site, out, tmp_path / "clean", rendered)
    assert rendered == []
    # a mention removed: p1's body no longer mentions 出海 (its title, front matter, still does)
    rendered.clear()
    p1 = site / "content/posts/p1.md"
    p1.write_text(p1.read_text(encoding="utf-8").replace("软件公司出海。", "软件公司远行。"), encoding="utf-8")
    build(site, out, jobs=1)
    _same_as_clean(site, out, tmp_path / "clean", rendered)
    assert sorted(rendered) == [("zh-cn", "举措"), ("zh-tw", "举措")]
    assert "posts/p1/" not in _svg(_read(out, "topics/举措/b/index.html"))
    assert "../../topics/举措/b/" not in _svg(_read(out, "posts/p1/index.html"))
    _same_as_clean(site, out, tmp_path / "clean", rendered)


def test_edits_to_mentions_equal_clean_builds_with_graphs(tmp_path: Path) -> None:
    """Verify mode (the build itself compares with a clean build): adding an article, changing a
    topic's aliases, deleting an article."""
    site = tiny(tmp_path / "site")
    out = tmp_path / "out"
    build(site, out, jobs=1)
    _write(site, {"content/posts/p6.md": "---\ntitle: 新文\ndate: 2025-02-01\n---\n物流和软件。\n"})
    build(site, out, jobs=1, verify=True)
    assert "../../../posts/p6/" in _svg(_read(out, "topics/举措/graph/index.html"))
    t = site / "content/topics/举措/c.md"
    t.write_text(t.read_text(encoding="utf-8").replace("aliases: [物流]", "aliases: [物流, 什么]"), encoding="utf-8")
    build(site, out, jobs=1, verify=True)
    assert "../../../posts/p4/" in _svg(_read(out, "topics/举措/graph/index.html"))
    (site / "content/posts/p6.md").unlink()
    build(site, out, jobs=1, verify=True)
    assert "posts/p6/" not in _read(out, "topics/举措/graph/index.html")


def test_a_theme_moves_the_graph_with_its_block(tmp_path: Path) -> None:
    site = tiny(tmp_path / "site")
    _write(site, {"templates/article.html": (
        '{% extends "theme/article.html" %}{% block graph %}{% endblock %}'
        '{% block before_content %}{% if page.graph %}{% with graph=page.graph, heading="moved" %}'
        '{% include "partials/graph.html" %}{% endwith %}{% endif %}{% endblock %}')})
    out = tmp_path / "out"
    build(site, out)
    html = _read(out, "posts/p1/index.html")
    assert html.count('class="graph-svg"') == 1
    assert html.index('class="graph-svg"') < html.index('<article class="post"') and "moved" in html


def _linked(svg: str, a: str, b: str) -> bool:
    """Whether the graph draws an edge between the nodes whose links end in `a` and `b`."""
    nodes = re.findall(r'<(?:a|g) class="graph-node kind-\w+" data-n="([^"]*)"(?: href="([^"]*)")?', svg)
    at = {href: i for i, (_n, href) in enumerate(nodes) if href}
    i = next(i for h, i in at.items() if h.endswith(a))
    j = next(i for h, i in at.items() if h.endswith(b))
    return str(j) in nodes[i][0].split() and str(i) in nodes[j][0].split()


@pytest.mark.no_verify
def test_links_between_a_collections_articles_are_edges_of_its_graph(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A link between two articles a collection's graph shows is an edge of it, in both editions;
    adding or removing one renders that collection's graph page again and no other; an edit that
    adds or removes no link between its articles (text, or only the sentence around a link) keeps
    it. Each build is compared with a clean one."""
    site = tiny(tmp_path / "site")
    out = tmp_path / "out"
    build(site, out, jobs=1)
    assert not _linked(_svg(_read(out, "topics/举措/graph/index.html")), "posts/p1/", "posts/p3/")
    rendered: list[tuple[str, str]] = []
    real = topic_pages._graph_page

    @functools.wraps(real)  # (the job keys hold the function's name)
    def spy(ctx, env, c, *rest):  # type: ignore[no-untyped-def]
        rendered.append((ctx.edition.key, c.name))
        return real(ctx, env, c, *rest)

    monkeypatch.setattr(topic_pages, "_graph_page", spy)
    p1 = site / "content/posts/p1.md"
    text = p1.read_text(encoding="utf-8")
    p1.write_text(text + "\n另见[物流](p3.md)。\n", encoding="utf-8")  # p1 and p3 both mention 举措's topics
    build(site, out, jobs=1)
    assert sorted(rendered) == [("zh-cn", "举措"), ("zh-tw", "举措")]  # not 赛道: p1 mentions none of its topics
    _same_as_clean(site, out, tmp_path / "clean", rendered)
    for prefix in ("", "zh-tw/"):
        assert _linked(_svg(_read(out, f"{prefix}topics/举措/graph/index.html")), "posts/p1/", "posts/p3/")
    # no link changed (text added), then only the sentence around the link: no graph page renders
    for body in (text + "\n另见[物流](p3.md)。\n\n又一句。\n", text + "\n后来另见[物流](p3.md)。\n"):
        rendered.clear()
        p1.write_text(body, encoding="utf-8")
        build(site, out, jobs=1)
        assert rendered == []
        _same_as_clean(site, out, tmp_path / "clean", rendered)
    # a link from an article that mentions no topic of the collection: not in its graph
    p4 = site / "content/posts/p4.md"
    p4.write_text(p4.read_text(encoding="utf-8") + "\n见[软件](p1.md)。\n", encoding="utf-8")
    rendered.clear()
    build(site, out, jobs=1)
    assert rendered == []
    _same_as_clean(site, out, tmp_path / "clean", rendered)
    # the link removed: the edge goes
    p1.write_text(text, encoding="utf-8")
    rendered.clear()
    build(site, out, jobs=1)
    assert sorted(rendered) == [("zh-cn", "举措"), ("zh-tw", "举措")]
    _same_as_clean(site, out, tmp_path / "clean", rendered)
    assert not _linked(_svg(_read(out, "topics/举措/graph/index.html")), "posts/p1/", "posts/p3/")


def test_an_article_that_starts_mentioning_a_topic_brings_its_links_into_the_graph(tmp_path: Path) -> None:
    """Verify mode: p4 links to p1 first, then mentions one of 举措's topics: its link is an edge
    then; then the link goes while the mention stays (the page must not keep the old edge)."""
    site = tiny(tmp_path / "site")
    out = tmp_path / "out"
    p4 = site / "content/posts/p4.md"
    p4.write_text(p4.read_text(encoding="utf-8") + "\n见[软件](p1.md)。\n", encoding="utf-8")
    build(site, out, jobs=1, verify=True)
    assert "posts/p4/" not in _svg(_read(out, "topics/举措/graph/index.html"))
    p4.write_text(p4.read_text(encoding="utf-8").replace("什么也没提。", "谈物流。"), encoding="utf-8")
    build(site, out, jobs=1, verify=True)
    assert _linked(_svg(_read(out, "topics/举措/graph/index.html")), "posts/p4/", "posts/p1/")
    p4.write_text(p4.read_text(encoding="utf-8").replace("见[软件](p1.md)。", "见软件。"), encoding="utf-8")
    build(site, out, jobs=1, verify=True)
    assert not _linked(_svg(_read(out, "topics/举措/graph/index.html")), "posts/p4/", "posts/p1/")


def test_a_topic_on_its_collections_graph_page_is_an_error_naming_it(tmp_path: Path) -> None:
    """A topic file `graph.md` (or any page whose path is a collection's graph page, or an entry's
    backlinks page) fails the build with path:line and exit 1, leaving the previous output as it
    was, instead of one page silently replacing the other."""
    import subprocess
    import sys
    site = tiny(tmp_path / "site")
    out = tmp_path / "out"
    build(site, out, jobs=1)
    before = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    _write(site, {"content/topics/举措/graph.md": "---\ntitle: 图专题\naliases: [图谱]\n---\n图。\n",
                  "content/posts/p5.md": "---\ntitle: 冒名\ndate: 2025-01-05\nslug: backlinks\n"
                                         "url: /posts/p1/backlinks/\n---\n正文。\n"})
    r = subprocess.run([sys.executable, "-m", "builder", "build", str(site), "--out", str(out)],
                       capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent)
    assert r.returncode == 1, r.stderr
    assert "content/topics/举措/graph.md:1: page path '/topics/举措/graph/' is the graph page of " \
           "content/topics/举措/_index.md" in r.stderr
    assert "content/posts/p5.md:5: page path '/posts/p1/backlinks/' is the backlinks page of " \
           "content/posts/p1.md" in r.stderr
    assert "Traceback" not in r.stderr
    after = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    # with the collection's graph switched off, a topic may be called graph (no page is made there)
    (site / "content/posts/p5.md").unlink()
    c = site / "content/topics/举措/_index.md"
    c.write_text(c.read_text(encoding="utf-8").replace("title:", "graph: false\ntitle:"), encoding="utf-8")
    build(site, out, jobs=1)
    assert "图专题" in _read(out, "topics/举措/graph/index.html")


def test_both_editions_share_a_collections_force_layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A collection's graph has the same shape in both editions (only labels differ): one process
    rendering both pages lays it out once (~40 ms for 100 nodes), and the positions are the same."""
    from builder.graph import svg as svg_module
    shapes: list[int] = []
    real = svg_module.force

    def spy(n, *rest):  # type: ignore[no-untyped-def]
        shapes.append(n)
        return real(n, *rest)

    monkeypatch.setattr(svg_module, "force", spy)
    out = tmp_path / "out"
    build(tiny(tmp_path / "site"), out, jobs=1)
    assert len(shapes) == 2  # two collections, not four pages

    def circles(rel: str) -> list[str]:
        return re.findall(r"<circle [^>]*>", _svg(_read(out, rel)))
    assert circles("topics/举措/graph/index.html") == circles("zh-tw/topics/举措/graph/index.html")
