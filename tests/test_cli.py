import subprocess
import sys
from pathlib import Path

import pytest

from builder.cli import main
from conftest import read, write_site


@pytest.mark.parametrize("args", [["--help"], ["build", "--help"], ["serve", "--help"], ["new", "--help"],
                                  ["check", "--help"]])
def test_help_explains_itself(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "usage: tongwen" in out and len(out) > 200


def test_build_prints_located_errors_and_exits_1(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", {
        "content/posts/a.md": "---\ntitle: [unclosed\n---\n正文\n",
        "content/posts/b.md": "---\ndate: 2025-13-01\n---\n正文\n",
    })
    r = subprocess.run([sys.executable, "-m", "builder", "build", str(site), "--out", str(tmp_path / "o")],
                       capture_output=True, text=True)
    assert r.returncode == 1
    assert "content/posts/a.md:2:8:" in r.stderr and "gave up at line 3" in r.stderr  # where the [ opens
    assert "content/posts/b.md:2:" in r.stderr
    assert "Traceback" not in r.stderr and not (tmp_path / "o").exists()


def test_params_reach_templates(tmp_path: Path) -> None:
    site = write_site(tmp_path / "s", {
        "content/posts/a.md": '---\ntitle: "甲"\nsource_name: "华尔街见闻"\n---\n正文\n',
        "templates/article.html": "{{ page.params.source_name }}\n",
    })
    assert main(["build", str(site), "--out", str(tmp_path / "o"), "-q"]) == 0
    assert read(tmp_path / "o", "posts/a/index.html") == "华尔街见闻\n"


def test_progress_on_a_terminal_only(tmp_path: Path) -> None:
    """Long builds show a one-line progress display on a TTY; never in a pipe or with --quiet."""
    from builder import cli

    shown: list[str] = []
    bar = cli._Progress()
    bar.t0 -= 5  # as if the build had run for five seconds
    import io
    import sys as _sys
    saved = _sys.stderr
    _sys.stderr = io.StringIO()
    try:
        bar("render", 100)
        bar("render", 150)  # within 0.2 s of the last update: not shown
        shown.append(_sys.stderr.getvalue())
        bar.done()
    finally:
        _sys.stderr = saved
    assert shown[0].count("files written") == 1 and "render: 100 files" in shown[0]
    site = write_site(tmp_path / "s", {"content/posts/a.md": "---\ntitle: 甲\n---\n正文\n"})
    r = subprocess.run([sys.executable, "-m", "builder", "build", str(site), "--out", str(tmp_path / "o")],
                       capture_output=True, text=True)
    assert r.returncode == 0 and "files written" not in r.stderr


def test_version_matches_pyproject(capsys) -> None:
    import re as _re

    from builder import __version__
    from builder.cli import main as _main
    with pytest.raises(SystemExit) as exc:
        _main(["--version"])
    assert exc.value.code == 0 and capsys.readouterr().out.strip() == f"tongwen {__version__}"
    pyproject = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text(encoding="utf-8")
    assert _re.search(r'^version = "([^"]+)"', pyproject, _re.M).group(1) == __version__  # type: ignore[union-attr]


def test_global_flags_before_or_after_and_one_site_form(tmp_path: Path, capsys) -> None:
    from builder.cli import main as _main
    site = write_site(tmp_path / "site", {"content/posts/a.md": "---\ntitle: 甲\ndate: 2024-01-01\n---\n正文。\n"})
    for argv in (["-q", "build", "--site", str(site), "--out", str(tmp_path / "o1")],
                 ["build", "-q", "-s", str(site), "--out", str(tmp_path / "o2")],
                 ["--site", str(site), "build", "--quiet", "--out", str(tmp_path / "o3")]):
        assert _main(argv) == 0, argv
        assert capsys.readouterr().out == "", argv  # -q: nothing but errors
    assert _main(["check", "--site", str(site), "-q"]) == 0 and capsys.readouterr().out == ""
    assert _main(["-v", "check", "-s", str(site)]) == 0 and "OK" in capsys.readouterr().out
    assert _main(["build", str(site), "--out", str(tmp_path / "o4"), "--debug"]) == 0  # the bare folder still works
    with pytest.raises(SystemExit) as exc:
        _main(["build", str(site), "--site", str(tmp_path)])
    assert exc.value.code == 2


def test_check_format_json(tmp_path: Path, capsys) -> None:
    import json

    from builder.cli import main as _main
    site = write_site(tmp_path / "site",
                      {"content/posts/a.md": "---\ntitle: 甲\ndate: 2024-01-01\n---\n[x](nope.md)\n"})
    assert _main(["check", "--site", str(site), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is False and report["editions"] == ["zh-CN", "zh-TW"]
    assert report["problems"] == [{"path": "content/posts/a.md", "line": 5, "column": None,
                                   "message": "link 'nope.md': content/posts/nope.md does not exist"}]
    (site / "content/posts/a.md").write_text("---\ntitle: 甲\ndate: 2024-01-01\n---\n好。\n", encoding="utf-8")
    assert _main(["check", "--format", "json", "--site", str(site)]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
