"""`tongwen check`: every problem as path:line, nothing written; `--conversions` listing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from builder.cli import main
from builder.text.conversions import ONE_TO_MANY, candidates, phrases
from builder.text.opencc import opencc_converter
from conftest import REPO

FM = "---\ntitle: {t}\ndate: 2025-01-0{d}\n---\n\n"


def _site(tmp_path: Path, files: dict[str, str], glossary: str = "") -> Path:
    (tmp_path / "site.yaml").write_text("title: T\nbase_url: https://e.org/\n" + glossary, encoding="utf-8")
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    return tmp_path


def test_ok_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = _site(tmp_path, {
        "content/posts/a.md": FM.format(t="甲", d=1) + ("## 小节\n\n见[乙](b.md#二)和[本节](#小节)。\n\n"
                                                     "![图](pic.png)\n"),
        "content/posts/pic.png": "x",
        "content/posts/b.md": FM.format(t="乙", d=2) + "## 二\n\n正文。\n",
    })
    before = sorted(p.relative_to(site) for p in site.rglob("*"))
    assert main(["check", str(site)]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "OK" in out
    assert sorted(p.relative_to(site) for p in site.rglob("*")) == before


def test_problems_are_located(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = _site(tmp_path, {
        "content/posts/a.md": FM.format(t="甲", d=1) + "## 小节\n\n[x](missing.md)\n\n[y](b.md#三)\n\n"
        "[z](#小節)\n\n![](nope.png)\n\n[d](c.md)\n\n第一行\n第二行[w](b.md#四)\n",
        "content/posts/b.md": FM.format(t="乙", d=2) + "## 二\n",
        "content/posts/c.md": "---\ntitle: 丙\ndraft: true\n---\n",
    }, glossary="glossary:\n  - 从未出现\n")
    assert main(["check", str(site)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert "content/posts/a.md:8: link 'missing.md': content/posts/missing.md does not exist" in out
    assert any(ln.startswith("content/posts/a.md:10: link 'b.md#三'") for ln in out)
    assert any(ln.startswith("content/posts/a.md:12: link '#小節'") and "did you mean '#小节'" in ln for ln in out)
    assert any(ln.startswith("content/posts/a.md:14: image 'nope.png'") for ln in out)
    assert any(ln.startswith("content/posts/a.md:16: link 'c.md'") and "draft" in ln for ln in out)
    assert any(ln.startswith("content/posts/a.md:19: link 'b.md#四'") for ln in out)
    assert any(ln.startswith("site.yaml:4: glossary entry 从未出现") for ln in out)
    assert "5 problems" not in out[-1] and out[-1].endswith("7 problems")


def test_front_matter_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = _site(tmp_path, {"content/posts/a.md": "---\ntitle: 甲\ndate: not a date\n---\n"})
    assert main(["check", str(site)]) == 1
    assert "content/posts/a.md:3:" in capsys.readouterr().out


def test_candidates_and_phrases() -> None:
    for ch in "发后干面里台系只":
        assert len(candidates(ch)) > 1, ch
    assert candidates("的") == ""
    assert all(len(v) > 1 for v in ONE_TO_MANY.values())
    full, plain = opencc_converter("s2twp").convert, opencc_converter("s2tw").convert
    text = "这个软件的信息很多"
    assert [text[a:b] for a, b in phrases(text, full, plain)] == ["软件", "信息"]


def test_conversions_listing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = _site(tmp_path, {
        "content/posts/a.md": FM.format(t="甲", d=1) + ("他的头发很长。\n\n这个软件\n很好用，信息也多。\n\n"
                                                     "平台里的面条\n"),
    }, glossary="glossary:\n  - 平台里\n")
    assert main(["check", str(site), "--conversions", "--all"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert "content/posts/a.md:6: 发→髮 (could be 發/髮) in “他的头发很长。”" in lines
    assert "content/posts/a.md:8: 软件→軟體 (s2twp vocabulary; 軟件 without it)" in lines
    assert "content/posts/a.md:9: 信息→資訊 (s2twp vocabulary; 信息 without it)" in lines
    assert any(ln.startswith("content/posts/a.md:11: 面→") for ln in lines)
    assert not any("里→" in ln for ln in lines)  # pinned by the glossary
    # deterministic
    main(["check", str(site), "--conversions", "--all"])
    assert capsys.readouterr().out == out


IDENTITY = re.compile(r": (\S+)→\1 ")


def test_grouped_conversions_on_the_demo(capsys: pytest.CaptureFixture[str]) -> None:
    """No identity (了→了, 里→里), nothing OpenCC does not do (里→裡 in 阿里巴巴), one line a choice."""
    assert main(["check", str(REPO), "--conversions"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert not [ln for ln in lines if IDENTITY.search(ln)]
    assert not [ln for ln in lines if "阿里巴巴" in ln or ln.split(": ", 1)[-1].startswith(("了", "里"))]
    choices = [ln for ln in lines if re.match(r"^content/\S+:\d+: ", ln)]
    assert choices and len({ln.split(": ", 1)[1].split(" ×")[0] for ln in choices}) == len(choices)
    assert any(re.match(r"^content/posts/1688-growth-path\.md:\d+: 发→發 ×\d+ \(could be 發/髮", ln) for ln in lines)
    main(["check", str(REPO), "--conversions", "--all"])  # the exhaustive list still has them
    assert "了→了" in capsys.readouterr().out


def test_grouped_conversions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = _site(tmp_path, {
        "content/posts/a.md": FM.format(t="甲", d=1) + ("他的头发很长，发展了。\n\n这个软件被发明了。\n\n"
                                                     "阿里云为新用户，人云亦云。\n\n又一个软件，再发展。\n"),
    })
    assert main(["check", str(site), "--conversions"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "content/posts/a.md:6: 发→發 ×2 (could be 發/髮 in “发很长，发展了。”)" in lines  # not 头发 → 頭髮
    assert "content/posts/a.md:8: 软件→軟體 ×2 (s2twp vocabulary; 軟件 without it)" in lines
    assert "content/posts/a.md:8: 被发→被發 ×1 (OpenCC alone gives 被髮)" in lines
    assert ("content/posts/a.md:10: 云 left as written ×2 (could be 雲; OpenCC's phrase kept it; pin it in the "
            "glossary)") in lines  # 人云亦云; 阿里云为 is fixed (阿里雲為)
    assert "content/posts/a.md:10: 阿里云为→阿里雲為 ×1 (OpenCC alone gives 阿里云為)" in lines
    assert not [ln for ln in lines if IDENTITY.search(ln) or "了→" in ln or "里→" in ln]
