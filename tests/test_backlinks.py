"""Backlinks on article and topic pages (render/backlinks.py), in both editions, capped with a
full list page, switched off per site and per page, and kept correct by incremental builds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from builder.pipeline.build import build
from builder.render import backlinks as backlinks_module
from conftest import make_and_build, read, write_site


def _post(title: str, date: str, body: str, extra: str = "") -> str:
    # (a summary of its own: text added at the end changes no list page or feed)
    return f"---\ntitle: {title}\ndate: {date}\nsummary: {title}的摘要\n{extra}---\n{body}\n"


SITE = {
    "content/posts/seed.md": _post("种子文章", "2024-01-01", "种子文章的正文，讲软件和出海。"),
    "content/posts/a.md": _post("甲文", "2024-02-01", "第一段。\n\n甲文说[种子](seed.md)里的软件很好。还有别的话。"),
    "content/posts/b.md": _post("乙文", "2024-03-01",
                                "乙文也链到[种子文章](/posts/seed/)，<script>alert(1)</script> "
                                "见[专题](/topics/col/t/)。"),
    "content/topics/col/_index.md": "---\ntitle: 专题集\n---\n",
    "content/topics/col/t.md": "---\ntitle: 出海\naliases: [出海]\n---\n出海专题。\n",
}


def _section(html: str) -> str:
    m = re.search(r'<section class="backlinks".*?</section>', html, re.S)
    assert m, "no backlinks section"
    return m.group(0)


def test_article_backlinks_in_both_editions(tmp_path: Path) -> None:
    out = make_and_build(tmp_path, SITE)
    zh = _section(read(out, "posts/seed/index.html"))
    assert "被引用" in zh and '<span class="count">2</span>' in zh
    assert zh.index("乙文") < zh.index("甲文")  # newest first
    assert "甲文说种子里的软件很好。" in zh
    assert 'href="../../posts/a/"' in zh and 'href="../../posts/b/"' in zh
    assert "<script>" not in zh and "&lt;script&gt;alert(1)&lt;/script&gt;" in zh  # shown as text, never run
    tw = _section(read(out, "zh-tw/posts/seed/index.html"))
    assert "提及於" in tw and "甲文說種子裡的軟體很好。" in tw  # converted to the page's script
    # an article lists the topics it mentions; a page nothing links to and mentioning nothing has none
    assert "提及的专题" in zh and 'href="../../topics/col/t/"' in zh
    assert '<section class="backlinks"' not in read(out, "posts/a/index.html")


def test_topic_backlinks(tmp_path: Path) -> None:
    out = make_and_build(tmp_path, SITE)
    sec = _section(read(out, "topics/col/t/index.html"))
    assert "乙文" in sec and "甲文" not in sec and "见专题。" in sec
    assert "見專題。" in _section(read(out, "zh-tw/topics/col/t/index.html"))


def test_context_is_escaped(tmp_path: Path) -> None:
    site = dict(SITE)
    site["content/posts/x.md"] = _post("坏", "2024-04-01", "看 `<img src=x onerror=alert(1)>` 和[种子](seed.md)。")
    out = make_and_build(tmp_path, site)
    sec = _section(read(out, "posts/seed/index.html"))
    assert "&lt;img src=x onerror=alert(1)&gt;" in sec and "<img src=x" not in sec


def test_cap_and_full_list_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backlinks_module, "BACKLINKS_SHOWN", 1)
    out = make_and_build(tmp_path, SITE)
    sec = _section(read(out, "posts/seed/index.html"))
    assert sec.count("<li>") == 1 + 1  # one link, one mentioned topic
    assert 'href="../../posts/seed/backlinks/"' in sec and "全部 2 篇引用" in sec
    full = read(out, "posts/seed/backlinks/index.html")
    assert "甲文" in full and "乙文" in full
    assert "乙文" in read(out, "zh-tw/posts/seed/backlinks/index.html")


def test_switched_off_per_site_and_per_page(tmp_path: Path) -> None:
    site = dict(SITE)
    site["content/topics/col/t.md"] = "---\ntitle: 出海\naliases: [出海]\nbacklinks: false\n---\n出海专题。\n"
    out = make_and_build(tmp_path / "page", site)
    assert '<section class="backlinks"' not in read(out, "topics/col/t/index.html")
    assert '<section class="backlinks"' in read(out, "posts/seed/index.html")
    site["site.yaml"] = "title: 测试站\nbase_url: https://example.org/\nknowledge: {backlinks: false}\n"
    out = make_and_build(tmp_path / "site", site)
    assert '<section class="backlinks"' not in read(out, "posts/seed/index.html")


def test_adding_and_removing_a_link_renders_the_target_again(tmp_path: Path) -> None:
    """Verify mode: each incremental build is compared with a clean one. A link added at the end of
    an article (away from its summary) re-renders that article and its target's pages, both
    editions, and nothing else."""
    site = write_site(tmp_path / "site", SITE)
    out = tmp_path / "out"
    build(site, out, jobs=1, verify=True)
    p = site / "content/posts/a.md"
    text = p.read_text(encoding="utf-8")
    p.write_text(text + "\n后来又提到[乙文](b.md)。\n", encoding="utf-8")
    r = build(site, out, jobs=1, verify=True)
    assert r.jobs_run == 2, (r.jobs_run, r.jobs_kept)  # a.md's job and b.md's job (each both editions)
    assert "后来又提到乙文。" in _section(read(out, "posts/b/index.html"))
    assert "後來又提到乙文。" in _section(read(out, "zh-tw/posts/b/index.html"))
    p.write_text(text + "\n后来又提到[专题](../topics/col/t.md)。\n", encoding="utf-8")
    r = build(site, out, jobs=1, verify=True)
    # a.md, b.md (the link into it is gone), the topic's first page in each edition
    assert r.jobs_run == 4, (r.jobs_run, r.jobs_kept)
    assert '<section class="backlinks"' not in read(out, "posts/b/index.html")
    assert "后来又提到专题。" in _section(read(out, "topics/col/t/index.html"))
    p.write_text(text, encoding="utf-8")
    r = build(site, out, jobs=1, verify=True)
    assert r.jobs_run == 3, (r.jobs_run, r.jobs_kept)
    assert "后来又提到" not in read(out, "topics/col/t/index.html")


def test_the_full_list_page_comes_and_goes_with_the_links(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backlinks_module, "BACKLINKS_SHOWN", 1)
    site = write_site(tmp_path / "site", SITE)
    out = tmp_path / "out"
    build(site, out, jobs=1, verify=True)
    assert (out / "posts/seed/backlinks/index.html").is_file()
    p = site / "content/posts/a.md"
    p.write_text(p.read_text(encoding="utf-8").replace("[种子](seed.md)", "种子"), encoding="utf-8")
    build(site, out, jobs=1, verify=True)
    assert not (out / "posts/seed/backlinks/index.html").exists()
    assert not (out / "zh-tw/posts/seed/backlinks/index.html").exists()
    assert "甲文" not in _section(read(out, "posts/seed/index.html"))


def test_a_site_template_moves_the_section(tmp_path: Path) -> None:
    site = dict(SITE)
    site["templates/article.html"] = """
        {% extends "theme/article.html" %}
        {% block backlinks %}{% endblock %}
        {% block before_content %}{% include "partials/backlinks.html" %}{% endblock %}
        """
    html = read(make_and_build(tmp_path, site), "posts/seed/index.html")
    assert html.count('<section class="backlinks"') == 1
    assert html.index('<section class="backlinks"') < html.index('<article class="post"')


def test_the_sitemap_lists_the_backlinks_and_graph_pages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both editions, after the pages of the front matter; a backlinks page that comes or goes with a
    link (the global signature unchanged) renders the sitemap again: verify mode compares each
    incremental build with a clean one."""
    monkeypatch.setattr(backlinks_module, "BACKLINKS_SHOWN", 1)
    site = write_site(tmp_path / "site", SITE)
    out = tmp_path / "out"
    build(site, out, jobs=1, verify=True)
    locs = re.findall(r"<loc>([^<]+)</loc>", read(out, "sitemap.xml"))
    for prefix in ("", "zh-tw/"):
        for path in ("posts/seed/backlinks/", "topics/col/graph/"):
            assert f"https://example.org/{prefix}{path}" in locs
            assert (out / prefix / path / "index.html").is_file()  # a real page
    assert locs.index("https://example.org/topics/col/graph/") < locs.index("https://example.org/posts/seed/backlinks/")
    assert len(locs) == len(set(locs))
    p = site / "content/posts/a.md"
    text = p.read_text(encoding="utf-8")
    p.write_text(text.replace("[种子](seed.md)", "种子"), encoding="utf-8")  # seed: one link left, no list page
    build(site, out, jobs=1, verify=True)
    assert "posts/seed/backlinks/" not in read(out, "sitemap.xml")
    p.write_text(text, encoding="utf-8")
    build(site, out, jobs=1, verify=True)
    assert "https://example.org/zh-tw/posts/seed/backlinks/" in read(out, "sitemap.xml")


def test_no_graph_page_in_the_sitemap_when_graphs_are_off(tmp_path: Path) -> None:
    site = dict(SITE)
    site["content/topics/col/_index.md"] = "---\ntitle: 专题集\ngraph: false\n---\n"
    out = make_and_build(tmp_path, site)
    assert "graph/" not in read(out, "sitemap.xml") and not (out / "topics/col/graph").exists()


def test_no_link_is_scanned_while_backlinks_and_graphs_are_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing shows links then (previews do not): the build does not pay for finding them. Turned
    back on, the next build (verify mode) finds them all."""
    from builder.render import linkscan
    scanned: list[str] = []
    real = linkscan._doc_links

    def spy(doc, *rest):  # type: ignore[no-untyped-def]
        scanned.append(doc.source)
        return real(doc, *rest)

    monkeypatch.setattr(linkscan, "_doc_links", spy)
    site = dict(SITE)
    site["site.yaml"] = "title: 测试站\nbase_url: https://example.org/\nknowledge: {backlinks: false, graph: false}\n"
    root = write_site(tmp_path / "site", site)
    out = tmp_path / "out"
    build(root, out, jobs=1)
    assert scanned == [] and (out / "previews").is_dir()
    (root / "site.yaml").write_text("title: 测试站\nbase_url: https://example.org/\nknowledge: {backlinks: false}\n",
                                    encoding="utf-8")
    build(root, out, jobs=1, verify=True)
    assert scanned and _linked_from(read(out, "topics/col/t/index.html"), "posts/b/")


def _linked_from(html: str, path: str) -> bool:
    """The topic page's local graph shows the article linking to it."""
    m = re.search(r'<svg class="graph-svg".*?</svg>', html, re.S)
    return bool(m) and path in m.group(0)
