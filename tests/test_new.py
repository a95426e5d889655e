"""`tongwen new`: front matter in the seed's shape, pinyin slugs, no overwrite."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.cli import main
from builder.config import load_config
from builder.new import slug_for
from builder.pipeline.frontmatter import read


def _site(tmp_path: Path) -> Path:
    (tmp_path / "site.yaml").write_text("title: T\nbase_url: https://e.org/\n", encoding="utf-8")
    (tmp_path / "content").mkdir()
    return tmp_path


@pytest.mark.parametrize("title,slug", [
    ("新的文章", "xin-de-wen-zhang"),
    ("AI 芯片：2025 展望", "ai-xin-pian-2025-zhan-wang"),
    ("Hello, World!", "hello-world"),
    ("重庆银行", "chong-qing-yin-hang"),
])
def test_slug(title: str, slug: str) -> None:
    assert slug_for(title) == slug


def test_slug_truncated_at_a_word() -> None:
    s = slug_for("电商行业持续内卷如何破解电商增长困局无疑是淘宝京东拼多多等平台的头等大事")
    assert len(s) <= 60 and not s.endswith("-") and s.startswith("dian-shang-hang-ye")
    assert all(w for w in s.split("-"))


def test_new_article(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    site = _site(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1739271366")  # 2025-02-11 10:56:06 UTC
    assert main(["new", "新的文章", "--site", str(site)]) == 0
    f = site / "content/posts/xin-de-wen-zhang.md"
    text = f.read_text(encoding="utf-8")
    assert 'date: "2025-02-11 18:56:06"' in text  # Asia/Shanghai, the site default
    keys = [ln.split(":")[0] for ln in text.split("---")[1].splitlines() if ln and not ln.startswith(" ")]
    assert keys == ["title", "date", "draft", "summary", "categories", "lang", "translations", "tags", "menu",
                    "thumbnail", "lead", "comments", "authorbox", "pager", "toc", "mathjax", "sidebar", "widgets"]
    meta, _body, _line, errors = read(text, "x.md", load_config(site))
    assert not errors and meta.title == "新的文章" and meta.widgets == ("search", "recent", "taglist")
    assert meta.draft is True  # Hugo's default
    out, err = capsys.readouterr()
    assert "content/posts/xin-de-wen-zhang.md" in out and "draft: false" in err
    # never overwrite
    f.write_text(text + "正文\n", encoding="utf-8")
    assert main(["new", "新的文章", "--site", str(site)]) == 1
    assert "already exists" in capsys.readouterr().err
    assert f.read_text(encoding="utf-8").endswith("正文\n")
    # and the result builds
    assert main(["check", str(site)]) == 0


def test_new_topic(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = _site(tmp_path)
    assert main(["new", "出海", "--site", str(site), "--kind", "topic"]) == 1
    assert "--section topics/" in capsys.readouterr().err
    assert main(["new", "出海", "--site", str(site), "--kind", "topic", "--section", "topics/赛道"]) == 1
    assert "_index.md" in capsys.readouterr().err
    (site / "content/topics/赛道").mkdir(parents=True)
    (site / "content/topics/赛道/_index.md").write_text("---\ntitle: 赛道\n---\n", encoding="utf-8")
    assert main(["new", "出海", "--site", str(site), "--kind", "topic", "--section", "topics/赛道"]) == 0
    text = (site / "content/topics/赛道/chu-hai.md").read_text(encoding="utf-8")
    assert 'title: "出海"' in text and 'aliases: ["出海"]' in text and "weight: 0" in text
    assert main(["check", str(site)]) == 0


def test_new_article_is_a_draft_until_published(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                caplog: pytest.LogCaptureFixture) -> None:
    """`tongwen new` then `tongwen build`: nothing is published (an empty page at the top of the home
    page otherwise); --drafts includes it; with draft: false and no text, the build warns."""
    site = _site(tmp_path)
    assert main(["new", "测试文章", "--site", str(site)]) == 0
    src = site / "content/posts/ce-shi-wen-zhang.md"
    capsys.readouterr()
    assert main(["build", str(site), "--out", str(tmp_path / "out")]) == 0
    assert not (tmp_path / "out/posts/ce-shi-wen-zhang").exists()
    assert "测试文章" not in (tmp_path / "out/index.html").read_text(encoding="utf-8")
    assert "no warnings" in capsys.readouterr().out
    assert main(["build", str(site), "--drafts", "--out", str(tmp_path / "drafts")]) == 0
    assert (tmp_path / "drafts/posts/ce-shi-wen-zhang/index.html").is_file()
    assert "no warnings" in capsys.readouterr().out  # a draft previewed with --drafts is not published
    src.write_text(src.read_text(encoding="utf-8").replace("draft: true", "draft: false"), encoding="utf-8")
    caplog.clear()
    assert main(["build", str(site), "--out", str(tmp_path / "out")]) == 0
    assert "1 warning" in capsys.readouterr().out
    assert [r.getMessage().split(": ", 1)[0] for r in caplog.records] == ["content/posts/ce-shi-wen-zhang.md:26"]
    assert "no text" in caplog.records[0].getMessage()
    src.write_text(src.read_text(encoding="utf-8") + "正文。\n", encoding="utf-8")
    assert main(["build", str(site), "--out", str(tmp_path / "out")]) == 0
    assert "no warnings" in capsys.readouterr().out
