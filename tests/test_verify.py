"""`tongwen build --verify` (pipeline/verify.py): an incremental build checked against a clean one."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.cli import main
from builder.errors import VerifyFailed
from builder.incremental import session
from builder.pipeline.build import build
from builder.pipeline.verify import differences
from conftest import write_site

POST = "---\ntitle: {title}\ndate: 2025-02-0{n}\ntags: [出海]\n---\n{body}\n"


def _site(root: Path) -> Path:
    return write_site(root, {
        "content/posts/a.md": POST.format(title="第一篇", n=1, body="讲出海的第一篇。"),
        "content/posts/b.md": POST.format(title="第二篇", n=2, body="讲软件的第二篇。"),
    })


def test_differences_names_missing_extra_and_changed_files(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    for root, files in ((a, {"same.html": "x", "changed.html": "old", "extra.html": "e"}),
                        (b, {"same.html": "x", "changed.html": "new", "missing.html": "m"})):
        for rel, text in files.items():
            (root / "sub").mkdir(parents=True, exist_ok=True)
            (root / "sub" / rel).write_text(text, encoding="utf-8")
    found = {str(e.where.path): e.message for e in differences(a, b)}
    assert set(found) == {"sub/changed.html", "sub/extra.html", "sub/missing.html"}
    assert "stale" in found["sub/changed.html"]


def test_differences_ignore_files_the_build_did_not_write(tmp_path: Path) -> None:
    """A file the user put in the output folder is theirs (an incremental build leaves it alone):
    only what the manifest lists is compared."""
    a, b = tmp_path / "a", tmp_path / "b"
    for root in (a, b):
        root.mkdir()
        (root / "index.html").write_text("page", encoding="utf-8")
    (a / ".tongwen-manifest").write_text("index.html\n", encoding="utf-8")
    (a / "mine.txt").write_text("not Tongwen's", encoding="utf-8")
    assert differences(a, b) == []
    (a / "index.html").write_text("stale", encoding="utf-8")
    assert [str(e.where.path) for e in differences(a, b)] == ["index.html"]


def test_verify_passes_an_honest_incremental_build(tmp_path: Path) -> None:
    site, out = _site(tmp_path / "site"), tmp_path / "out"
    build(site, out, jobs=1)
    post = site / "content" / "posts" / "b.md"
    post.write_text(post.read_text(encoding="utf-8") + "\n再加一句。\n", encoding="utf-8")
    result = build(site, out, jobs=1, verify=True)
    assert result.jobs_kept > 0  # it was incremental, and still equal to a clean build


def test_verify_names_a_stale_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    """A reuse key that forgets an input (here: every entry's body signature) keeps a page it should
    have rendered again; --verify must catch it and name the page."""
    site, out = _site(tmp_path / "site"), tmp_path / "out"
    monkeypatch.setattr(session, "_entry_sig", lambda entry, files, root: b"forgetful")
    build(site, out, jobs=1)
    post = site / "content" / "posts" / "b.md"
    post.write_text(post.read_text(encoding="utf-8").replace("讲软件的第二篇。", "改写后的正文。"), encoding="utf-8")
    with pytest.raises(VerifyFailed) as got:
        build(site, out, jobs=1, verify=True)
    assert "posts/b/index.html" in {str(e.where.path) for e in got.value.errors}
    # the command line says so and exits 1; the (stale) build stays published
    assert main(["build", str(site), "--out", str(out), "--verify", "-q"]) == 1
    err = capsys.readouterr().err
    assert "posts/b/index.html: verify: differs from a clean build" in err and "verify failed" in err
    assert (out / "posts" / "b" / "index.html").is_file()
