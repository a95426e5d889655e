"""The article phase converts each chunk's texts in one OpenCC batch per converter, the first-mention
linker's cuts included (render.plan._Plan._preconvert, memo.TextMemo.preconvert), and the output is the same
as converting each text when the render asks for it."""

from __future__ import annotations

import filecmp
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import opencc
import pytest
from hypothesis import given
from hypothesis import strategies as st

from builder.pipeline.build import build
from builder.pipeline.mentions import build_matcher, make_linker
from builder.render import THEME, job, plan
from builder.text import summary as text_summary
from builder.text.html import new_renderer, render_texts
from builder.text.markdown import parse
from builder.text.memo import TextMemo
from conftest import write_site

COLL = '---\ntitle: "赛道"\ngroups: ["增长"]\n---\n\n赛道介绍。\n'


def topic(title: str, aliases: list[str], weight: int) -> str:
    return f'---\ntitle: "{title}"\naliases: {aliases!r}\ngroup: "增长"\nweight: {weight}\n---\n\n{title}说明。\n'


def article(i: int) -> str:
    return f"""---
title: "第{i}篇：出海与软件"
date: "2025-02-{i + 1:02d} 10:00:00"
lead: "导语{i}"
tags: ["电商"]
---

## 出海的章节标题

开头一段没有提及。

1688 加快出海步伐，跨境订单增长，软件也在出海，再谈分销与出海。

- 分销到更多平台，[出海链接](https://example.com/x "链接标题里的软件")之后又说出海
- 与`出海`代码无关的一行，软件

![出海的图片说明](https://img.example.com/a.png "图片标题")

| 赛道 | 说明 |
|---|---|
| 海外仓 | 出海基础设施与软件 |
"""


def files(n: int = 3) -> dict[str, str]:
    out = {
        "content/topics/tracks/_index.md": COLL,
        "content/topics/tracks/chuhai.md": topic("出海", ["出海", "跨境"], 1),
        "content/topics/tracks/fenxiao.md": topic("分销", ["分销"], 2),
        "content/topics/tracks/software.md": topic("软件", ["軟體"], 3),
        "content/posts/tw.md": ('---\ntitle: "台湾稿"\nlang: zh-TW\ndate: "2025-01-01"\n---\n\n'
                                "這套軟體支援跨境，軟體出海。\n"),
        "content/posts/more.md": ('---\ntitle: "摘要稿"\ndate: "2025-01-02"\n---\n\n'
                                  "摘要里的出海。\n\n<!--more-->\n\n正文的软件。\n"),
    }
    out.update({f"content/posts/a{i}.md": article(i) for i in range(n)})
    return out


@pytest.fixture
def article_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The texts given to OpenCC while the article phase runs."""
    calls: list[str] = []
    inside = [False]
    real_convert = opencc.OpenCC.convert
    real_articles = plan._Plan.articles

    def convert(self: opencc.OpenCC, text: str) -> str:
        if inside[0]:
            calls.append(text)
        return real_convert(self, text)  # type: ignore[no-any-return]

    def articles(self: plan._Plan, start: int, stop: int) -> job._Result:
        inside[0] = True
        try:
            return real_articles(self, start, stop)
        finally:
            inside[0] = False

    monkeypatch.setattr(opencc.OpenCC, "convert", convert)
    monkeypatch.setattr(plan._Plan, "articles", articles)
    # (each build makes its own converters, after the patch: render.context.Converters)
    yield calls


def test_article_phase_converts_in_one_batch_per_converter(tmp_path: Path, article_calls: list[str]) -> None:
    site = write_site(tmp_path / "site", files())
    build(site, tmp_path / "out", jobs=1)
    html = (tmp_path / "out/zh-tw/posts/a0/index.html").read_text(encoding="utf-8")
    assert html.count('class="topic-link"') == 3  # the linker cut text tokens: its segments were batched
    # one chunk; converters s2twp (the Simplified articles) and tw2sp (the Taiwan one); the site's
    # own strings (title, empty description…) are converted once per process (`_site_vars`)
    calls = [c for c in article_calls if c not in ("测试站", "")]
    # the leftover pass (leftovers.py) decides the characters it has not seen yet, one character
    # a line, once per batch: not a text of the page
    probes = [c for c in calls if all(len(line) == 1 for line in c.split("\n"))]
    texts = [c for c in calls if c not in probes]
    assert len(texts) == 2, [c[:30] for c in texts]
    assert len(probes) <= 2, [c[:30] for c in probes]


def test_rendered_again_with_cached_bodies_converts_no_body(tmp_path: Path, article_calls: list[str]) -> None:
    """A render whose bodies all come from the cache (a template edit) converts no body text."""
    site = write_site(tmp_path / "site", files())
    build(site, tmp_path / "out", jobs=1)
    article_calls.clear()
    tpl = site / "templates/article.html"
    tpl.parent.mkdir(parents=True)
    shutil.copy(Path(THEME) / "templates/article.html", tpl)
    tpl.write_text(tpl.read_text(encoding="utf-8") + "{# edited #}\n", encoding="utf-8")
    build(site, tmp_path / "out", jobs=1)
    assert not any("跨境订单" in c for c in article_calls)


def _tree_equal(a: Path, b: Path) -> list[str]:
    left = sorted(p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file())
    right = sorted(p.relative_to(b).as_posix() for p in b.rglob("*") if p.is_file())
    assert left == right
    return [p for p in left if not filecmp.cmp(a / p, b / p, shallow=False)]


@pytest.mark.parametrize("jobs", [1, 2])
def test_output_is_the_same_as_converting_on_demand(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                    jobs: int) -> None:
    glossary = "glossary:\n  - {zh-cn: 软件, zh-tw: 軟件}\n  - 1688\n"
    site = write_site(tmp_path / "site", {
        **files(20), "site.yaml": f"title: 测试站\nbase_url: https://example.org/\n{glossary}"})
    monkeypatch.setenv("TONGWEN_JOBS", str(jobs))
    build(site, tmp_path / "batched", jobs=jobs)
    shutil.rmtree(site / ".tongwen-cache")
    monkeypatch.setattr(TextMemo, "preconvert", lambda self, batches: None)  # every text converted when asked
    build(site, tmp_path / "on-demand", jobs=jobs)
    assert "軟件" in (tmp_path / "batched/zh-tw/posts/a0/index.html").read_text(encoding="utf-8")
    assert _tree_equal(tmp_path / "batched", tmp_path / "on-demand") == []


def test_render_texts_predicts_the_linker_cuts() -> None:
    m = build_matcher([["出海"], ["分销"]])
    assert m is not None
    tokens = parse("## 出海标题\n\n先说分销，[出海](x)再出海，又出海。\n\n![出海图](a.png)\n")
    texts = render_texts(tokens, new_renderer(), make_linker(m, ("a/", "b/")))
    # the heading and the link text are not cut; the first mention outside them is
    assert texts == ["出海标题", "先说", "分销", "，", "出海", "再", "出海", "，又出海。", "出海图"]


CHARS = "软件軟體 a1。！\u3000\uff01\u2e80\u9fff\uf900\ufaff\u3400\u33ff\ue000x\n"


@given(st.text(alphabet=st.sampled_from(CHARS), max_size=60))
def test_character_counts_by_runs_equal_counts_by_deletion(text: str) -> None:
    for runs in (text_summary._HAN_RUNS, text_summary._CJK_RUNS):
        one = re.compile(runs.pattern[:-1])  # the one-character class
        assert text_summary._count(runs, text) == len(text) - len(one.sub("", text))
