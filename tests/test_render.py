"""Core pages (issue 2): article fields, lists and pagination, taxonomies, widgets, 404, feeds,
drafts, template overrides, no broken links, determinism."""

import os
import re
from pathlib import Path
from urllib.parse import unquote

import pytest

from builder.errors import BuildFailed
from builder.pipeline.build import build
from builder.render.strings import strings_for
from conftest import make_and_build, read, write_site


def article(i: int, **extra: str) -> str:
    fm = {"title": f'"文章{i}"', "date": f'"2025-01-{i:02d} 10:00:00"', "tags": '["标签甲"]',
          "categories": '["分类乙"]'}
    fm.update(extra)
    head = "\n".join(f"{k}: {v}" for k, v in fm.items())
    return f"---\n{head}\n---\n\n第{i}篇的正文。\n"


def test_article_page_fields(tmp_path: Path) -> None:
    src = """---
title: "标题"
date: "2025-02-11 18:56:06"
lastmod: "2025-02-12"
lead: "导语一句"
thumbnail: "https://img.example.com/t.jpg"
toc: true
authorbox: true
author: "刘宝丹"
tags: ["电商"]
categories: ["wallstreetcn"]
---

## 小节一

正文。

[wallstreetcn](https://wallstreetcn.com/articles/3740862)
"""
    out = make_and_build(tmp_path, {"content/posts/a.md": src, "content/posts/b.md": article(1)})
    html = read(out, "posts/a/index.html")
    assert '<h1 class="post-title">标题</h1>' in html
    assert '<time datetime="2025-02-11T18:56:06+08:00">2025年2月11日</time>' in html
    assert "导语一句" in html and 'src="https://img.example.com/t.jpg"' in html
    assert '<nav class="toc"' in html and 'href="#小节一"' in html
    assert "关于作者" in html and "刘宝丹" in html
    assert 'href="https://wallstreetcn.com/articles/3740862"' in html  # the source link
    assert 'href="../../tags/%E7%94%B5%E5%95%86/"' in html and 'rel="prev"' in html  # b is older
    assert '"@type": "Article"' in html


def test_home_is_paginated_by_ten(tmp_path: Path) -> None:
    out = make_and_build(tmp_path, {f"content/posts/p{i}.md": article(i) for i in range(1, 24)})
    home = read(out, "index.html")
    assert home.count('class="card"') == 10 and "文章23" in home  # newest first
    assert (out / "page/2/index.html").is_file() and (out / "page/3/index.html").is_file()
    assert read(out, "page/3/index.html").count('class="card"') == 3
    assert not (out / "page/4").exists()
    assert (out / "tags/标签甲/page/3/index.html").is_file()
    assert (out / "zh-tw/page/3/index.html").is_file()


def test_taxonomies_feeds_404_robots_sitemap(tmp_path: Path) -> None:
    out = make_and_build(tmp_path, {"content/posts/a.md": article(1)})
    for rel in ("tags/index.html", "tags/标签甲/index.html", "tags/标签甲/index.xml", "categories/index.html",
                "categories/分类乙/index.html", "categories/分类乙/index.xml", "index.xml", "404.html",
                "robots.txt", "sitemap.xml", "zh-tw/index.xml", "zh-tw/404.html", "zh-tw/tags/标签甲/index.xml"):
        assert (out / rel).is_file(), rel
    rss = read(out, "index.xml")
    assert "<pubDate>Wed, 01 Jan 2025 10:00:00 +0800</pubDate>" in rss
    assert "<link>https://example.org/posts/p1/</link>" not in rss and "https://example.org/posts/a/" in rss
    assert "Sitemap: https://example.org/sitemap.xml" in read(out, "robots.txt")
    assert 'href="/zh-tw/"' in read(out, "zh-tw/404.html")  # 404 links are root-absolute


def test_drafts_only_with_flag(tmp_path: Path) -> None:
    files = {"content/posts/a.md": article(1), "content/posts/d.md": article(2, draft="true")}
    out = make_and_build(tmp_path, files)
    assert not (out / "posts/d").exists() and "文章2" not in read(out, "index.html")
    out2 = tmp_path / "out2"
    build(tmp_path / "site", out2, drafts=True)
    assert (out2 / "posts/d/index.html").is_file()


def test_sidebar_and_widgets_from_front_matter(tmp_path: Path) -> None:
    out = make_and_build(tmp_path, {
        "content/posts/a.md": article(1, sidebar='"left"', widgets='["recent", "categories"]'),
        "content/posts/b.md": article(2, sidebar="false"),
    })
    a = read(out, "posts/a/index.html")
    assert "sidebar-left" in a and "widget-recent" in a and "widget-categories" in a
    assert "widget-taglist" not in a and "widget-search" not in a
    b = read(out, "posts/b/index.html")
    assert '<aside class="sidebar"' not in b
    home = read(out, "index.html")  # site defaults
    for w in ("widget-search", "widget-recent", "widget-taglist", "widget-categories", "widget-languages"):
        assert w in home
    assert 'role="search"' in home and '<input type="search"' in home


def test_unknown_widget_in_front_matter_is_an_error(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", {"content/posts/a.md": article(1, widgets='["recent", "tagcloud"]')})
    with pytest.raises(BuildFailed) as exc:
        build(site, tmp_path / "o")
    assert "content/posts/a.md:6: unknown widget 'tagcloud'" in str(exc.value)
    assert "known widgets: search, recent, taglist, categories, languages, topics" in str(exc.value)


def test_site_template_overrides_one_file(tmp_path: Path) -> None:
    out = make_and_build(tmp_path, {
        "content/posts/a.md": article(1),
        "templates/widgets/recent.html": '<section class="widget my-recent">{{ items|length }} 篇</section>\n',
    })
    html = read(out, "posts/a/index.html")
    assert '<section class="widget my-recent">1 篇</section>' in html and "post-title" in html


def test_template_error_is_located(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", {"content/posts/a.md": article(1),
                                       "templates/article.html": "{% extends 'base.html' %}\n{% block main %}\n"
                                                                 "{{ page.nope.deeper }}\n{% endblock %}\n"})
    with pytest.raises(BuildFailed) as exc:
        build(site, tmp_path / "o")
    assert str(exc.value).startswith("templates/article.html:3: template error")


def test_no_broken_internal_links(tmp_path: Path) -> None:
    files = {f"content/posts/p{i}.md": article(i) for i in range(1, 13)}
    files["content/topics/c/_index.md"] = '---\ntitle: "专题集"\n---\n\n介绍。\n'
    files["content/topics/c/t.md"] = '---\ntitle: "正文专题"\naliases: ["正文"]\n---\n\n说明。\n'
    out = make_and_build(tmp_path, files)
    broken = []
    for page in out.rglob("*.html"):
        if page.name == "404.html":
            continue
        for href in re.findall(r'(?:href|src)="([^"]+)"', page.read_text(encoding="utf-8")):
            if "://" in href or href.startswith(("#", "mailto:")):
                continue
            target = Path(unquote(str(page.parent / href.split("#")[0])))
            if not (target.is_file() or (target / "index.html").is_file()):
                broken.append((page.relative_to(out).as_posix(), href))
    assert not broken, broken[:10]


def test_output_is_deterministic_and_honours_source_date_epoch(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    site = write_site(tmp_path / "s", {f"content/posts/p{i}.md": article(i) for i in range(1, 6)})
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    build(site, tmp_path / "o1")
    build(site, tmp_path / "o2")
    files1 = sorted(p.relative_to(tmp_path / "o1") for p in (tmp_path / "o1").rglob("*") if p.is_file())
    files2 = sorted(p.relative_to(tmp_path / "o2") for p in (tmp_path / "o2").rglob("*") if p.is_file())
    assert files1 == files2
    for f in files1:
        assert (tmp_path / "o1" / f).read_bytes() == (tmp_path / "o2" / f).read_bytes(), f
    assert "Tue, 14 Nov 2023 22:13:20 +0000" in read(tmp_path / "o1", "index.xml")
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    monkeypatch.setenv("TZ", "America/New_York")
    build(site, tmp_path / "o3")
    assert read(tmp_path / "o3", "posts/p1/index.html") == read(tmp_path / "o1", "posts/p1/index.html")
    assert os.environ.get("TZ") == "America/New_York"


def test_summary_by_characters_and_reading_time(tmp_path: Path) -> None:
    body = "这是一句很长的中文句子，用来测试摘要是否按照字符截断。" * 30
    out = make_and_build(tmp_path, {"content/posts/a.md": f'---\ntitle: "长文"\n---\n\n{body}\n'})
    card = re.search(r'<p class="card-summary">(.*?)</p>', read(out, "index.html"), re.S)
    assert card and 60 <= len(card.group(1)) <= 121
    assert "阅读约 2 分钟" in read(out, "posts/a/index.html")  # 780 characters at 400 per minute


def test_ui_strings_have_the_same_keys_and_placeholders_in_both_scripts() -> None:
    """theme/i18n/zh-Hans.yaml and zh-Hant.yaml: every name in both, with the same `{…}` slots."""
    hans, hant = strings_for("Hans"), strings_for("Hant")
    assert hans.keys() == hant.keys()
    assert "home" in hans and hans["home"] != hant["home"]
    for key in hans:
        assert re.findall(r"\{\w+\}", hans[key]) == re.findall(r"\{\w+\}", hant[key]), key
