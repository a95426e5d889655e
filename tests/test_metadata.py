"""Front matter honoured (render/metadata.py): `description` as the meta description, card and feed
text, else the summary; `author` (else the site's) in the author box, the feed and JSON-LD; JSON-LD
without empty fields; `lastmod` as dateModified and in the sitemap."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from conftest import make_and_build, read

SITE = "title: 站\nbase_url: https://example.org/\nauthor: 编辑部\n"
DESCRIBED = ('---\ntitle: "有描述"\ndate: 2025-01-02\nlastmod: 2025-03-04\ndescription: "作者写的软件描述"\n'
             'author: "张三"\nauthorbox: true\n---\n\n正文第一段讲网络。\n')
PLAIN = '---\ntitle: "无描述"\ndate: 2025-01-01\nauthorbox: true\n---\n\n正文第一段讲网络。\n'


def _meta(html: str, name: str) -> str:
    m = re.search(rf'<meta name="{name}" content="([^"]*)"', html)
    return m.group(1) if m else ""


def _ld(html: str) -> dict[str, Any]:
    m = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert m
    return json.loads(m.group(1))


def test_description_and_author(tmp_path: Path) -> None:
    out = make_and_build(tmp_path, {"site.yaml": SITE, "content/posts/d.md": DESCRIBED, "content/posts/p.md": PLAIN})
    d, p, tw = read(out, "posts/d/index.html"), read(out, "posts/p/index.html"), read(out, "zh-tw/posts/d/index.html")
    assert _meta(d, "description") == "作者写的软件描述" and _meta(tw, "description") == "作者寫的軟體描述"
    assert _meta(p, "description").startswith("正文第一段讲网络")
    home = read(out, "index.html")
    assert '<p class="card-summary">作者写的软件描述</p>' in home
    assert '<p class="card-summary">正文第一段讲网络。</p>' in home
    assert '<section class="authorbox"><h2>关于作者</h2><p>张三</p>' in d
    assert '<section class="authorbox"><h2>关于作者</h2><p>编辑部</p>' in p  # the site's author
    ld = _ld(d)
    assert ld["author"] == {"@type": "Person", "name": "张三"} and ld["description"] == "作者写的软件描述"
    assert ld["dateModified"].startswith("2025-03-04") and ld["datePublished"].startswith("2025-01-02")
    assert _ld(p)["author"]["name"] == "编辑部" and _ld(tw)["author"]["name"] == "張三"
    feed = ET.parse(out / "index.xml").getroot()
    dc = "{http://purl.org/dc/elements/1.1/}creator"
    items = {i.findtext("title"): i for i in feed.iter("item")}
    assert items["有描述"].findtext(dc) == "张三" and items["有描述"].findtext("description") == "作者写的软件描述"
    assert items["无描述"].findtext(dc) == "编辑部"
    sitemap = read(out, "sitemap.xml")
    assert re.search(r"posts/d/</loc><lastmod>2025-03-04", sitemap)


def test_jsonld_never_carries_empty_fields(tmp_path: Path) -> None:
    out = make_and_build(tmp_path, {"content/posts/a.md": "---\ntitle: 无日期\n---\n\n正文。\n"})
    for page in ("posts/a/index.html", "zh-tw/posts/a/index.html"):
        html = read(out, page)
        ld = _ld(html)
        assert "null" not in re.search(r'ld\+json">(.*?)</script>', html, re.S).group(1)  # type: ignore[union-attr]
        assert all(v not in (None, "") for v in ld.values()), ld
        assert "author" not in ld and "image" not in ld and "datePublished" not in ld
        assert ld["headline"] == "无日期" or ld["headline"] == "無日期"
    feed = read(out, "index.xml")
    assert "dc:creator" not in feed  # no author anywhere: no empty element
