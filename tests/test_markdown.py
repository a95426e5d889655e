from builder.config import DEFAULT_EDITIONS
from builder.text.convert import make_converter
from builder.text.html import RenderEnv, new_renderer, render
from builder.text.markdown import parse, passages, split_more

HANS, HANT = DEFAULT_EDITIONS


def _render(src: str, edition=HANS, lang: str = "zh-CN"):  # type: ignore[no-untyped-def]
    return render(parse(src), RenderEnv(make_converter(lang, edition), edition.key, edition.script), new_renderer())


def test_tables_strikethrough_footnotes() -> None:
    html = _render("| a | b |\n|---|---|\n| 1 | 2 |\n\n~~删除~~ 注释[^1]\n\n[^1]: 脚注内容\n").html
    assert "<table>" in html and "<s>删除</s>" in html and "脚注内容" in html and 'class="footnote' in html


def test_heading_ids_keep_chinese_and_are_unique() -> None:
    r = _render("## 五大 举措\n\n## 五大 举措\n\n标题\n---\n")
    assert 'id="五大-举措"' in r.html and 'id="五大-举措-1"' in r.html
    assert '<h2 id="标题">' in r.html  # setext heading under CJK text
    assert [t[1] for t in r.toc] == ["五大-举措", "五大-举措-1", "标题"]


def test_raw_html_is_escaped_and_bad_links_dropped() -> None:
    html = _render('<script>alert(1)</script>\n\n[x](javascript:alert(1)) <img src=x onerror=alert(1)>\n').html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript:' not in html and "<img src=x" not in html


def test_passage_anchors_are_stable_and_text_derived() -> None:
    a = passages(parse("第一段。\n\n第二段。\n\n- 列表项\n"))
    b = passages(parse("插入的新段落。\n\n第一段。\n\n第二段。\n\n- 列表项\n"))
    assert [p.anchor for p in a] == [p.anchor for p in b][1:]  # inserting a paragraph moves no anchor
    assert len({p.anchor for p in b}) == 4


def test_cjk_softbreak_is_not_a_space() -> None:
    html = _render("第一行\n第二行 and\nEnglish\n").html
    assert "第一行第二行" in html and "and\nEnglish" in html


def test_more_divider() -> None:
    summary, body = split_more("摘要部分\n\n<!--more-->\n\n正文\n")
    assert summary == "摘要部分\n\n" and "more" not in body and "正文" in body


def test_bare_urls_are_linked() -> None:
    assert '<a href="https://example.org/a"' in _render("见 https://example.org/a 。\n").html
