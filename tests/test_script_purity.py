"""`tongwen check --script`: characters outside each edition's script, counted and located; the demo
site and the real articles come out at 0 (Cantonese characters are listed apart)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from builder.cli import main
from builder.text.scriptchars import Classifier
from conftest import REPO, SHARED

REAL = SHARED / "corpus" / "real"
FM = '---\ntitle: "{t}"\nlang: {lang}\ndate: "2025-01-0{d}"\n---\n\n'


def _figures(out: str) -> dict[str, int]:
    return {m.group(1): int(m.group(2)) for m in re.finditer(r"^(zh-\w+) \S+: (\d+) of \d+ Han", out, re.M)}


def test_classes() -> None:
    classify = Classifier()
    assert classify("价", "Hant") == "simplified" and classify("这", "Hant") == "simplified"
    assert classify("綫", "Hant") == "hk" and classify("恒", "Hant") == "hk" and classify("爲", "Hant") == "hk"
    assert classify("這", "Hans") == "traditional" and classify("著", "Hans") == ""
    for ch in "云干里后台群峰床線為著":  # written in both scripts, or Taiwan's own form
        assert classify(ch, "Hant") == "", ch
    for ch in "嘅咗啲喺哋":
        assert classify(ch, "Hant") == classify(ch, "Hans") == "cantonese"


def test_demo_site_is_pure(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(REPO), "--script"]) == 0
    out = capsys.readouterr().out
    assert _figures(out) == {"zh-CN": 0, "zh-TW": 0}, out
    assert "Cantonese" not in out


@pytest.mark.skipif(not REAL.is_dir(), reason="../shared/corpus/real (the real articles) is absent")
def test_real_articles_are_pure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = tmp_path / "site"
    (site / "content/posts").mkdir(parents=True)
    (site / "site.yaml").write_text("title: 真实语料\nbase_url: https://r.example/\n", encoding="utf-8")
    for f in sorted(REAL.glob("[0-9]*.md")):
        shutil.copy(f, site / "content/posts" / f.name)
    main(["check", str(site), "--script"])  # (the articles' own broken links make it exit 1)
    out = capsys.readouterr().out
    assert _figures(out) == {"zh-CN": 0, "zh-TW": 0}, out
    kept = [ln for ln in out.splitlines() if "Cantonese characters kept" in ln]
    assert len(kept) == 2 and all("咗" in ln and "content/posts/024-stheadline.md:" in ln for ln in kept)
    main(["check", str(site), "--script"])
    assert capsys.readouterr().out == out  # deterministic


def test_leftovers_are_counted_and_located(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "site.yaml").write_text("title: T\nbase_url: https://e.org/\nglossary:\n"
                                        "  - {zh-cn: 滙豐, zh-tw: 滙豐}\n", encoding="utf-8")
    posts = tmp_path / "content/posts"
    posts.mkdir(parents=True)
    (posts / "cn.md").write_text(FM.format(t="简体稿", lang="zh-CN", d=1)
                                 + "第一行\n这是這样 `這` -{這}- 滙豐\n", encoding="utf-8")
    (posts / "tw.md").write_text(FM.format(t="臺灣稿", lang="zh-TW", d=2) + "臺灣\n\n这條綫路\n", encoding="utf-8")
    assert main(["check", str(tmp_path), "--script"]) == 0
    out = capsys.readouterr().out
    assert _figures(out) == {"zh-CN": 1, "zh-TW": 2}, out
    lines = out.splitlines()
    # zh-CN: 這 typed in a Simplified source; not in code, not in -{…}-, 滙豐 pinned by the glossary
    assert "  這 ×1  Traditional-only, first at content/posts/cn.md:8" in lines
    # zh-TW: a Taiwan source passes through unchanged, so its slips show
    assert "  这 ×1  Simplified-only, first at content/posts/tw.md:9" in lines
    assert "  綫 ×1  Hong Kong variant, first at content/posts/tw.md:9" in lines
