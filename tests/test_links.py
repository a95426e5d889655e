"""The link index (knowledge/links.py): links found in tokens with their sentence, resolved to
articles and topics by `.md` path or URL path, deduplicated, ordered newest first."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.config import load_config
from builder.knowledge.links import CONTEXT_CHARS, Scanner, link_index, may_link, raw_links, resolver, sentence
from builder.pipeline.derive import derive
from builder.pipeline.load import load
from builder.text.memo import TextMemo
from conftest import write_site


def _parse(text: str) -> list:  # type: ignore[type-arg]
    return list(TextMemo().md.parse(text, {}))


def test_raw_links_keep_the_sentence_around_each_link() -> None:
    got = raw_links(_parse("开头一句。这里提到[另一篇](b.md#x)的内容，很好！后面一句。\n\n"
                           "- 列表里 [专题](/topics/t/) 一项\n"))
    assert got == (("b.md#x", "这里提到另一篇的内容，很好！"), ("/topics/t/", "列表里 专题 一项"))


def test_code_is_not_a_link() -> None:
    assert raw_links(_parse("```\n[x](b.md)\n```\n\n`[y](c.md)`\n")) == ()


def test_a_long_sentence_is_cut_around_the_link_by_characters() -> None:
    plain = "甲" * 300 + "链接" + "乙" * 300
    s = sentence(plain, 300, 302)
    assert "链接" in s and s.startswith("…") and s.endswith("…")
    assert len(s) <= CONTEXT_CHARS + 2
    assert sentence("短句[x]。", 2, 5) == "短句[x]。"


def test_may_link_lets_only_possible_internal_links_through() -> None:
    assert not may_link("外链 [x](https://example.com/a) 和 ![图](https://img.example.com/a.png)")
    assert may_link("[x](b.md)") and may_link("[x](B.MD)") and may_link("[x]( /posts/a/)")
    assert may_link("[x]: /posts/a/") and may_link("见 https://example.org/posts/a/", "https://example.org/")
    assert not may_link("见 https://other.org/posts/a/", "https://example.org/")


SITE = {
    "site.yaml": "title: 测试站\nbase_url: https://example.org/wiki/\n",
    "content/posts/a.md": """
        ---
        title: 甲
        date: 2024-01-01
        ---
        甲文链到[乙](b.md)，又一次[乙](b.md)。也链到[丙](/wiki/posts/c/)和[自己](a.md)。
        """,
    "content/posts/b.md": """
        ---
        title: 乙
        date: 2024-02-01
        ---
        乙文链到繁體版[丙](/wiki/zh-tw/posts/c/index.html)，和[专题](../topics/col/t.md)，外链[x](https://x.org/)。
        """,
    "content/posts/c.md": """
        ---
        title: 丙
        date: 2024-03-01
        ---
        丙文链到[甲](https://example.org/wiki/posts/a/)和[不存在](nothing.md)和[专题](/wiki/topics/col/t/)。
        """,
    "content/topics/col/_index.md": "---\ntitle: 专题集\n---\n",
    "content/topics/col/t.md": "---\ntitle: 专题\naliases: [专题]\n---\n专题正文。\n",
}


def test_link_index_resolves_md_paths_and_url_paths(tmp_path: Path) -> None:
    site_dir = write_site(tmp_path, SITE)
    config = load_config(site_dir)
    docs, resources = load(config)
    site = derive(docs, resources, config)
    memo = TextMemo()
    raw = {a.source: raw_links(memo.tokens_of(a.canonical)) for a in site.articles}
    index = link_index(site, resolver(site, config.base_url, [e.prefix for e in config.editions]), raw)
    a, b, c, t = ("content/posts/a.md", "content/posts/b.md", "content/posts/c.md", "content/topics/col/t.md")
    assert [lk.target for lk in index.outgoing[a]] == [b, c]  # deduplicated, no self-link, document order
    assert index.outgoing[a][0].context == "甲文链到乙，又一次乙。"
    assert [lk.target for lk in index.outgoing[b]] == [c, t]
    assert [lk.target for lk in index.outgoing[c]] == [a, t]
    assert [lk.source for lk in index.incoming[c]] == [b, a]  # newest first
    assert [lk.source for lk in index.incoming[t]] == [c, b]
    assert [lk.source for lk in index.incoming[a]] == [c]


@pytest.mark.parametrize("text", [
    "[x][r] 和 [y][r]\n\n[r]: a.md\n",
    "```\n[x](a.md)\n```\n\n~~~\n[y](/posts/a/)\n~~~\n\n[z](c.md)\n",
    "- item\n\n    [x](a.md) in the list's second paragraph\n",
    "> quote [x](/posts/a/)\n",
    "| a | b |\n|---|---|\n| [x](a.md) | y |\n",
    "text[^1]\n\n[^1]: see [x](a.md)\n",
    "see <https://example.org/posts/a/>, then `[code](a.md)` and [real](a.md).",
    "$[x](a.md)$ 和 [y](b.md)",
])
def test_the_scanner_finds_what_a_whole_parse_finds(text: str) -> None:
    whole = [lk for lk in raw_links(_parse(text)) if may_link("](" + lk[0] + ")", "https://example.org/")]
    assert list(Scanner(base_url="https://example.org/").links(text)) == whole
    assert whole  # (each case has an internal link, or the case proves nothing)
