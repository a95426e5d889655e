"""`tongwen build` ends with a one-screen summary: pages per edition and kind, warnings, stage times."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.cli import main


def test_build_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = tmp_path / "site"
    (site / "content/posts").mkdir(parents=True)
    (site / "site.yaml").write_text("title: T\nbase_url: https://e.org/\n", encoding="utf-8")
    (site / "content/posts/a.md").write_text("---\ntitle: 甲\ndate: 2025-01-01\ntags: [软件]\n---\n\n正文\n",
                                             encoding="utf-8")
    (site / "content/posts/b.md").write_text("---\ntitle: 乙\ndate: 2025-01-02\n---\n\n正文\n", encoding="utf-8")
    assert main(["build", str(site), "--out", str(tmp_path / "out")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("tongwen: built ") and "\x1b[" not in "".join(lines)  # no colour off a TTY
    assert "  zh-CN   2 articles, 1 term" in lines and "  zh-TW   2 articles, 1 term" in lines
    assert "  no warnings" in lines
    assert any(ln.startswith("  time    config ") and "render" in ln and "write" in ln for ln in lines)
    assert len(lines) <= 24
    assert main(["build", str(site), "--out", str(tmp_path / "out"), "-q"]) == 0
    assert capsys.readouterr().out == ""
