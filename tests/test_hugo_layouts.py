"""A Hugo content tree works as it is: language folders and suffixes, _index.md sections, page
bundles, aliases, draft, weight, and Hugo's summary rules."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from builder.pipeline.build import build


def _build(tmp_path: Path, files: dict[str, str | bytes], drafts: bool = False, extra: str = "") -> Path:
    site = tmp_path / "site"
    (site / "content").mkdir(parents=True)
    (site / "site.yaml").write_text("title: 站\nbase_url: https://e.org/\n" + extra, encoding="utf-8")
    for rel, data in files.items():
        p = site / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            p.write_bytes(data)
        else:
            p.write_text(data, encoding="utf-8")
    out = tmp_path / "out"
    build(site, out, drafts=drafts)
    return out


def _fm(title: str, date: str = "2025-01-01", **kw: str) -> str:
    return "---\n" + f"title: {title}\ndate: {date}\n" + "".join(f"{k}: {v}\n" for k, v in kw.items()) + "---\n\n"


def _read(out: Path, rel: str) -> str:
    return (out / rel).read_text(encoding="utf-8")


def test_language_folders(tmp_path: Path) -> None:
    out = _build(tmp_path, {
        "content/zh-CN/posts/a.md": _fm("软件") + "简体原文：软件。\n",
        "content/zh-HK/posts/a.md": _fm("軟件（港）") + "香港譯文：軟件。\n",
        "content/en/posts/b.md": _fm("English only") + "Plain text.\n",
    })
    assert "简体原文" in _read(out, "posts/a/index.html")
    tw = _read(out, "zh-tw/posts/a/index.html")
    assert "香港譯文" in tw and "简体原文" not in tw  # the human translation wins over conversion
    assert "Plain text." in _read(out, "posts/b/index.html")
    assert not (out / "zh-CN").exists() and not (out / "en").exists()


@pytest.mark.parametrize("suffix", ["zh-tw", "zh-TW"])
def test_file_name_language_suffix(tmp_path: Path, suffix: str) -> None:
    out = _build(tmp_path, {
        "content/posts/a.zh-cn.md": _fm("标题") + "简体正文。\n",
        f"content/posts/a.{suffix}.md": _fm("標題") + "人工繁體正文。\n",
    })
    assert "简体正文" in _read(out, "posts/a/index.html")
    assert "人工繁體正文" in _read(out, "zh-tw/posts/a/index.html")
    assert not (out / "posts/a.zh-cn").exists()


def test_section_index_pages(tmp_path: Path) -> None:
    out = _build(tmp_path, {
        "content/posts/_index.md": "---\ntitle: 文章\n---\n\n所有文章。\n",
        "content/posts/a.md": _fm("一"),
        "content/notes/b.md": _fm("二"),
    })
    html = _read(out, "posts/index.html")
    assert "<h1>文章</h1>" in html and "所有文章。" in html
    assert 'card-title"><a href="../posts/a/"' in html and 'card-title"><a href="../notes/b/"' not in html
    assert "文章" in _read(out, "zh-tw/posts/index.html")


def test_page_bundle(tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 16
    out = _build(tmp_path, {
        "content/posts/trip/index.md": _fm("游记") + "![风景](pic.png)\n",
        "content/posts/trip/pic.png": png,
    })
    assert (out / "posts/trip/pic.png").read_bytes() == png
    assert (out / "zh-tw/posts/trip/pic.png").read_bytes() == png
    assert 'src="pic.png"' in _read(out, "posts/trip/index.html")


def test_aliases_make_redirect_pages(tmp_path: Path) -> None:
    out = _build(tmp_path, {"content/posts/a.md": _fm("一", aliases='["/old/a/", "/2019/01/a.html"]')})
    for rel in ("old/a/index.html", "zh-tw/old/a/index.html"):
        html = _read(out, rel)
        assert 'http-equiv="refresh"' in html and "posts/a/" in html
        assert 'rel="canonical"' in html
    assert (out / "2019/01/a.html").is_file() or (out / "2019/01/a.html/index.html").is_file()


def test_drafts(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {"content/posts/a.md": _fm("一"), "content/posts/d.md": _fm("草稿", draft="true")}
    out = _build(tmp_path, files)
    assert not (out / "posts/d/index.html").exists() and "草稿" not in _read(out, "index.html")
    out = _build(tmp_path / "2", files, drafts=True)
    assert (out / "posts/d/index.html").exists()


def test_weight_orders_lists_like_hugo(tmp_path: Path) -> None:
    out = _build(tmp_path, {
        "content/posts/new.md": _fm("最新", "2025-03-01"),
        "content/posts/pinned.md": _fm("置顶", "2024-01-01", weight="1"),
        "content/posts/second.md": _fm("第二", "2024-02-01", weight="2"),
        "content/posts/old.md": _fm("旧文", "2025-01-01"),
    })
    html = _read(out, "index.html")
    order = [html.index(t) for t in ("置顶", "第二", "最新", "旧文")]
    assert order == sorted(order), "weighted pages first (by weight), then the rest newest first"


def test_summary_rules(tmp_path: Path) -> None:
    long_body = "第一段正文内容。" * 60 + "\n"
    out = _build(tmp_path, {
        "content/posts/fm.md": _fm("甲", "2025-01-03", summary="前言摘要") + "<!--more-->前面\n\n" + long_body,
        "content/posts/more.md": _fm("乙", "2025-01-02") + "手动摘要在此。\n\n<!--more-->\n\n后文不该出现在摘要里。\n",
        "content/posts/auto.md": _fm("丙", "2025-01-01") + long_body,
    })
    home = _read(out, "index.html")
    assert "前言摘要" in home
    assert "手动摘要在此。" in home and "后文不该出现在摘要里" not in home
    m = re.search(r'<meta name="description" content="([^"]*)"', _read(out, "posts/auto/index.html"))
    assert m and 20 < len(m.group(1)) <= 121
    assert "<!--more-->" not in _read(out, "posts/more/index.html")
    assert "後文不該出現在摘要裡" in _read(out, "zh-tw/posts/more/index.html")
