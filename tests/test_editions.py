"""Two editions from one source (issue 3): conversion of text only, sources in either script,
human translations, glossary, -{…}- markup, term folding, hreflang, sitemap, switch links."""

import logging
import re
from pathlib import Path

from conftest import make_and_build, read

ART = """---
title: "软件与信息"
date: "2025-02-11 18:56:06"
tags: ["软件"]
categories: ["科技"]
summary: "网络摘要"
---

软件和信息网络的产业带发展。

![软件截图](https://img.example.com/软件/a.png "软件标题")

[链接文字](https://example.com/软件?q=信息#网络)

`软件代码` 和代码块：

```
信息 = "软件"
```

-{软件}- 保持原样；-{zh-cn:计算机; zh-tw:電腦}- 各有写法。
"""


def test_simplified_source_is_converted_for_zh_tw(tmp_path: Path) -> None:
    out = make_and_build(tmp_path, {"content/posts/a.md": ART})
    cn = read(out, "posts/a/index.html")
    tw = read(out, "zh-tw/posts/a/index.html")
    assert "软件和信息网络的产业带发展" in cn
    assert "軟體和資訊網路的產業帶發展" in tw  # s2twp phrases: 软件→軟體, 信息→資訊, 网络→網路
    assert "<title>軟體與資訊" in tw and 'alt="軟體截圖"' in tw and 'title="軟體標題"' in tw
    assert ">連結文字</a>" in tw
    # URLs, code spans and code blocks are never converted
    for html in (cn, tw):
        assert 'src="https://img.example.com/%E8%BD%AF%E4%BB%B6/a.png"' in html
        assert "https://example.com/%E8%BD%AF%E4%BB%B6?q=%E4%BF%A1%E6%81%AF#%E7%BD%91%E7%BB%9C" in html
        assert "<code>软件代码</code>" in html and "信息 = &quot;软件&quot;" in html
    # -{…}- markup: kept as written, or one form per edition
    assert "软件 保持原樣" in tw and "電腦 各有" in tw and "计算机 各有" in cn
    assert '<html lang="zh-TW">' in tw and '<html lang="zh-CN">' in cn


def test_traditional_source_is_converted_for_zh_cn(tmp_path: Path) -> None:
    src = '---\ntitle: "軟體資訊"\nlang: ["zh-TW"]\n---\n\n這套軟體的網路資訊。\n'
    hk = '---\ntitle: "港聞"\nlang: ["zh-HK"]\n---\n\n這個軟件的質素很好。\n'
    out = make_and_build(tmp_path, {"content/posts/tw.md": src, "content/posts/hk.md": hk})
    assert "这套软件的网络信息" in read(out, "posts/tw/index.html")
    assert "這套軟體的網路資訊" in read(out, "zh-tw/posts/tw/index.html")
    assert "这个软件的质素很好" in read(out, "posts/hk/index.html")
    assert "這個軟件的質素很好" in read(out, "zh-tw/posts/hk/index.html")


def test_english_source_passes_through_with_its_lang(tmp_path: Path) -> None:
    src = '---\ntitle: "Markets rally"\nlang: en\n---\n\nStocks rose on Tuesday.\n'
    out = make_and_build(tmp_path, {"content/posts/en.md": src})
    for rel in ("posts/en/index.html", "zh-tw/posts/en/index.html"):
        html = read(out, rel)
        assert "Stocks rose on Tuesday." in html and '<article class="post" lang="en">' in html


def test_human_translation_wins(tmp_path: Path) -> None:
    out = make_and_build(tmp_path, {
        "content/posts/a.md": '---\ntitle: "软件"\n---\n\n机器会把这句转换。\n',
        "content/posts/a.zh-tw.md": '---\ntitle: "人工翻譯"\n---\n\n這是編輯親手寫的譯文。\n',
    })
    assert "机器会把这句转换" in read(out, "posts/a/index.html")
    tw = read(out, "zh-tw/posts/a/index.html")
    assert "這是編輯親手寫的譯文" in tw and "人工翻譯" in tw and "轉換" not in tw
    assert not (out / "posts/a.zh-tw").exists()


def test_a_text_no_edition_shows_is_named_in_a_warning(tmp_path: Path, caplog) -> None:  # type: ignore[no-untyped-def]
    """Hugo's language folders: content/en/posts/a.md and content/zh-cn/posts/a.md are one page. The
    editions are scripts of Chinese, so the Chinese text stands in both; the English one is not
    published, and the build says so (it used to be dropped without a word). A human translation
    in the other script is shown, so it is not named."""
    caplog.set_level(logging.WARNING, logger="tongwen")  # (a command-line test may have left it at ERROR)
    out = make_and_build(tmp_path, {
        "content/en/posts/a.md": '---\ntitle: "Hello"\n---\n\nAn English text.\n',
        "content/zh-cn/posts/a.md": '---\ntitle: "你好"\n---\n\n中文正文。\n',
        "content/posts/b.md": '---\ntitle: "软件"\n---\n\n机器会把这句转换。\n',
        "content/posts/b.zh-tw.md": '---\ntitle: "人工翻譯"\n---\n\n這是編輯親手寫的譯文。\n',
    })
    assert "中文正文" in read(out, "posts/a/index.html")
    named = [r.getMessage() for r in caplog.records if "not published" in r.getMessage()]
    assert len(named) == 1 and named[0].startswith("content/en/posts/a.md:1: not published: content/zh-cn/posts/a.md")


def test_glossary_site_and_page(tmp_path: Path) -> None:
    out = make_and_build(tmp_path, {
        "site.yaml": "title: 站\nbase_url: https://e.org/\nglossary:\n  - 平台\n  - {zh-cn: 鼠标, zh-tw: 滑鼠墊}\n",
        "content/posts/a.md": '---\ntitle: "平台"\nglossary: [信息]\n---\n\n平台上的鼠标和信息与软件。\n',
    })
    tw = read(out, "zh-tw/posts/a/index.html")
    assert "平台上的滑鼠墊和信息與軟體" in tw


def test_terms_fold_across_scripts(tmp_path: Path) -> None:
    out = make_and_build(tmp_path, {
        "content/posts/a.md": '---\ntitle: "甲"\ntags: ["软件"]\n---\n\n甲。\n',
        "content/posts/b.md": '---\ntitle: "乙"\nlang: zh-TW\ntags: ["軟體"]\n---\n\n乙。\n',
    })
    tag_dirs = sorted(p.name for p in (out / "tags").iterdir() if p.is_dir())
    assert tag_dirs == ["软件"]
    cn = read(out, "tags/软件/index.html")
    tw = read(out, "zh-tw/tags/软件/index.html")
    assert "<h1>软件</h1>" in cn and "<h1>軟體</h1>" in tw
    assert "2 篇文章" in cn


def test_hreflang_canonical_and_sitemap(tmp_path: Path) -> None:
    out = make_and_build(tmp_path, {"content/posts/a.md": ART})
    tw = read(out, "zh-tw/posts/a/index.html")
    assert '<link rel="canonical" href="https://example.org/zh-tw/posts/a/">' in tw
    assert '<link rel="alternate" hreflang="zh-CN" href="https://example.org/posts/a/">' in tw
    assert '<link rel="alternate" hreflang="zh-TW" href="https://example.org/zh-tw/posts/a/">' in tw
    assert '<link rel="alternate" hreflang="x-default" href="https://example.org/posts/a/">' in tw
    sm = read(out, "sitemap.xml")
    assert "<loc>https://example.org/zh-tw/posts/a/</loc>" in sm
    assert 'hreflang="zh-TW" href="https://example.org/zh-tw/posts/a/"' in sm and 'hreflang="x-default"' in sm


def test_switch_links_to_counterpart_on_every_page(tmp_path: Path) -> None:
    out = make_and_build(tmp_path, {"content/posts/a.md": ART})
    pages = [p.relative_to(out).as_posix() for p in out.rglob("*.html") if p.name != "404.html"]
    assert len(pages) > 10
    for rel in pages:
        html = read(out, rel)
        switch = re.search(r'<nav class="edition-switch".*?</nav>', html, re.S)
        assert switch, rel
        for href in re.findall(r'href="([^"]+)"', switch.group(0)):
            target = (out / rel).parent / href
            from urllib.parse import unquote
            target = Path(unquote(str(target)))
            assert (target / "index.html").is_file(), (rel, href)
            counterpart = rel.removeprefix("zh-tw/") if rel.startswith("zh-tw/") else "zh-tw/" + rel
            assert (target / "index.html").resolve() == (out / counterpart).resolve(), (rel, href)


def test_ui_strings_and_dates_per_edition(tmp_path: Path) -> None:
    out = make_and_build(tmp_path, {"content/posts/a.md": ART})
    assert "2025年2月11日" in read(out, "posts/a/index.html")
    assert "標籤" in read(out, "zh-tw/posts/a/index.html") and "标签" in read(out, "posts/a/index.html")
    assert "頁面不存在" in read(out, "zh-tw/404.html")
