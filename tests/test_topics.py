"""Derived topic pages (issue 4): mentions with anchors in both editions, links back, errors."""

import re
from pathlib import Path

import pytest

from builder.errors import BuildFailed
from builder.pipeline.build import build
from builder.pipeline.mentions import alias_forms, build_matcher
from builder.text.markdown import parse
from builder.text.opencc import ScriptFold
from conftest import make_and_build, read, write_site

COLL = '---\ntitle: "赛道"\ngroups: ["增长", "效率"]\n---\n\n赛道介绍。\n'


def topic(title: str, aliases: list[str], group: str = "增长", weight: int = 1) -> str:
    return f'---\ntitle: "{title}"\naliases: {aliases!r}\ngroup: "{group}"\nweight: {weight}\n---\n\n{title}说明。\n'


ARTICLE = """---
title: "出海与分销"
date: "2025-02-11 10:00:00"
tags: ["电商"]
---

## 出海的章节标题

1688 加快出海步伐，跨境订单增长。

- 分销到更多平台
- 与[出海链接](https://example.com/出海)无关的`出海`代码

| 赛道 | 说明 |
|---|---|
| 海外仓 | 出海基础设施 |
"""


def files() -> dict[str, str]:
    return {
        "content/topics/tracks/_index.md": COLL,
        "content/topics/tracks/chuhai.md": topic("出海", ["出海", "跨境", "海外"], weight=1),
        "content/topics/tracks/fenxiao.md": topic("分销", ["分销"], weight=2),
        "content/topics/tracks/software.md": topic("软件", ["軟體"], group="效率"),
        "content/posts/a.md": ARTICLE,
        "content/posts/b.md": '---\ntitle: "台湾稿"\nlang: zh-TW\ndate: "2025-01-01"\n---\n\n這套軟體支援跨境。\n',
    }


def test_topic_page_quotes_every_passage_with_anchor(tmp_path: Path) -> None:
    out = make_and_build(tmp_path, files())
    html = read(out, "topics/tracks/chuhai/index.html")
    quotes = re.findall(r'<figure class="mention">.*?</figure>', html, re.S)
    # paragraph, table row and the Traditional article; not the heading, link text or code
    assert len(quotes) == 3
    assert "<mark>出海</mark>" in html and "<mark>跨境</mark>" in html and "<mark>海外</mark>" in html
    article_html = read(out, "posts/a/index.html")
    for anchor in re.findall(r'href="\.\./\.\./\.\./posts/a/#(p-[0-9a-f]+)"', html):
        assert f'id="{anchor}"' in article_html
    assert "2 处提及" in read(out, "topics/tracks/index.html") or "3 处提及" in read(out, "topics/tracks/index.html")


def test_topic_in_zh_tw_matches_identically(tmp_path: Path) -> None:
    out = make_and_build(tmp_path, files())
    cn = read(out, "topics/tracks/chuhai/index.html")
    tw = read(out, "zh-tw/topics/tracks/chuhai/index.html")
    anchors_cn = re.findall(r"#(p-[0-9a-f]+)", cn)
    anchors_tw = re.findall(r"#(p-[0-9a-f]+)", tw)
    assert anchors_cn == anchors_tw and anchors_cn
    assert "<mark>跨境</mark>" in tw and "基礎設施" in tw  # quotes are converted for zh-TW
    # an alias written in Traditional (軟體) matches Simplified text and the reverse
    soft = read(out, "topics/tracks/software/index.html")
    assert "<mark>软件</mark>" in soft  # 這套軟體 → 这套软件 in zh-CN


def test_first_mention_links_to_topic_but_not_in_headings_links_code(tmp_path: Path) -> None:
    out = make_and_build(tmp_path, files())
    html = read(out, "posts/a/index.html")
    heading = re.search(r"<h2[^>]*>(.*?)</h2>", html).group(1)  # type: ignore[union-attr]
    assert "topic-link" not in heading
    links = re.findall(r'<a class="topic-link" href="([^"]+)">([^<]+)</a>', html)
    assert ("../../topics/tracks/chuhai/", "出海") in links
    assert sum(1 for h, _t in links if h.endswith("chuhai/")) == 1  # first mention only
    assert "<code>出海</code>" in html


def test_anchors_stable_across_rebuilds(tmp_path: Path) -> None:
    a = [t.attrGet("id") for t in parse(ARTICLE) if t.attrGet("id")]
    b = [t.attrGet("id") for t in parse(ARTICLE) if t.attrGet("id")]
    assert a == b


def test_overlapping_aliases_prefer_longest() -> None:
    m = build_matcher([["出海"], ["出海仓"], ["海外"]])
    assert m is not None
    assert m.find("出海仓与海外，出海") == [(0, 3, 1), (4, 6, 2), (7, 9, 0)]
    assert {"软件", "軟體"} <= alias_forms("軟體", ScriptFold())


@pytest.mark.parametrize("bad, message", [
    ({"content/topics/tracks/x.md": topic("无别名", [])}, "topic has no aliases"),
    ({"content/topics/tracks/x.md": topic("重复", ["分销"])}, "alias '分销' is also an alias of"),
    ({"content/topics/ghost/x.md": topic("孤儿", ["孤儿"])}, "collection 'ghost' has no _index.md"),
])
def test_topic_errors_are_located(tmp_path: Path, bad: dict[str, str], message: str) -> None:
    site = write_site(tmp_path / "s", {**files(), **bad})
    with pytest.raises(BuildFailed) as exc:
        build(site, tmp_path / "o")
    text = str(exc.value)
    assert message in text and re.search(r"content/topics/\w+/x\.md:\d+: ", text)


def test_collection_lists_groups_in_order(tmp_path: Path) -> None:
    out = make_and_build(tmp_path, files())
    html = read(out, "topics/tracks/index.html")
    assert html.index("<h2>增长</h2>") < html.index("<h2>效率</h2>")
    assert html.index(">出海</a>") < html.index(">分销</a>")
    assert "topics/tracks/chuhai/" in read(out, "sitemap.xml")


def test_topic_feed_lists_articles_that_mention_it(tmp_path: Path) -> None:
    out = make_and_build(tmp_path, files())
    rss = read(out, "zh-tw/topics/tracks/chuhai/index.xml")
    assert "<title>出海與分銷</title>" in rss and "<title>台湾稿</title>" in rss  # zh-TW source: as written
    assert "https://example.org/zh-tw/posts/a/" in rss


def test_topic_with_many_mentions_is_paginated(tmp_path: Path) -> None:
    many = {f"content/posts/p{i:02d}.md": f'---\ntitle: "第{i}篇"\ndate: "2025-01-01 00:{i:02d}:00"\n---\n\n'
            f"第{i}篇谈到出海。\n" for i in range(60)}
    out = make_and_build(tmp_path, {**files(), **many})
    first = read(out, "topics/tracks/chuhai/index.html")
    second = read(out, "zh-tw/topics/tracks/chuhai/page/2/index.html")
    assert first.count('<figure class="mention">') == 50 and "63 处提及" in first
    assert second.count('<figure class="mention">') == 13 and 'rel="prev"' in second
    assert "第0篇談到" in second  # the oldest mentions are on the last page, in zh-TW too


def test_linker_links_each_first_mention_once() -> None:
    from builder.pipeline.mentions import build_matcher, make_linker

    m = build_matcher([["出海"], ["定制"], ["分销"]])
    assert m is not None
    link = make_linker(m, ("a/", None, "c/"))  # the second topic is not linked
    assert link("定制出海，再出海") == [("定制", None), ("出海", "a/"), ("，再出海", None)]
    assert link("分销与出海") == [("分销", "c/"), ("与出海", None)]
    assert link("分销、定制、出海") == [("分销、定制、出海", None)]  # all linked: text as it is
    assert link("") == []
