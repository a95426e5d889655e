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
    assert "content/posts/a.md:3:" in r.stderr and "content/posts/b.md:2:" in r.stderr
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
