"""Nothing lost: publishing is atomic, and the builder never deletes or overwrites files it did not
create (site folder, its parents, home, /, non-empty foreign folders)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from reliab_util import REPO, article, build, descendants, make_site, run_subprocess, snapshot, still_running


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return make_site(tmp_path / "site", {"content/posts/a.md": article("A"), "notes.txt": "mine"})


def _refused(capsys, site: Path, out: Path, *extra: str) -> str:  # type: ignore[no-untyped-def]
    rc, _o, err = build(capsys, site, out, *extra)
    assert rc == 1, err
    assert "Traceback" not in err and ("refusing" in err or "not a folder" in err), err
    return err


def test_out_equal_to_site_folder_is_refused(capsys, site):
    before = snapshot(site)
    _refused(capsys, site, site)
    assert snapshot(site) == before


def test_out_dot_from_site_folder_is_refused(site, tmp_path):
    before = snapshot(site)
    r = run_subprocess("build", ".", "--out", ".", cwd=site)
    assert r.returncode == 1 and "refusing" in r.stderr and "Traceback" not in r.stderr
    assert snapshot(site) == before


def test_out_parent_of_site_is_refused(capsys, site, tmp_path):
    before = snapshot(tmp_path)
    _refused(capsys, site, tmp_path)
    _refused(capsys, site, site / "..")
    assert snapshot(tmp_path) == before


def test_out_home_and_tilde_are_refused(site, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "precious.txt").write_text("x")
    env_home = {"HOME": str(home)}
    for out in (str(home), "~"):
        r = subprocess.run([sys.executable, "-m", "builder", "build", str(site), "--out", out], capture_output=True,
                           text=True, timeout=60, cwd=tmp_path, env={**os.environ, **env_home, "PYTHONPATH": str(REPO)})
        assert r.returncode == 1 and "refusing" in r.stderr, (out, r.stderr)
    assert snapshot(home) == {"precious.txt": b"x"}
    assert not (tmp_path / "~").exists()


def test_out_root_is_refused(capsys, site):
    _refused(capsys, site, Path("/"))


def test_out_current_directory_is_refused(site, tmp_path):
    cwd = tmp_path / "work"
    cwd.mkdir()
    r = run_subprocess("build", str(site), "--out", ".", cwd=cwd)
    assert r.returncode == 1 and "refusing" in r.stderr, r.stderr
    assert list(cwd.iterdir()) == []


def test_out_inside_content_or_static_is_refused(capsys, site):
    for sub in ("content/public", "static", "templates/x"):
        _refused(capsys, site, site / sub)
    assert not (site / "content" / "public").exists()


def test_non_empty_foreign_folder_is_refused(capsys, site, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "index.html").write_text("hand-written")
    err = _refused(capsys, site, out)
    assert "not empty and was not written by Tongwen" in err
    assert snapshot(out) == {"index.html": b"hand-written"}


def test_foreign_file_in_tongwen_output_is_refused(capsys, site, tmp_path):
    """A build that would replace the folder refuses; one that patches it in place (incremental.py)
    or skips it never touches the file."""
    out = tmp_path / "out"
    assert build(capsys, site, out)[0] == 0
    (out / "posts" / "mine.txt").write_text("added by hand")
    assert build(capsys, site, out)[0] == 0  # nothing changed: skipped
    post = next((site / "content" / "posts").glob("*.md"))
    post.write_text(post.read_text(encoding="utf-8") + "\n新的一段。\n", encoding="utf-8")
    assert build(capsys, site, out)[0] == 0  # patched in place
    assert (out / "posts" / "mine.txt").read_text() == "added by hand"
    shutil.rmtree(site / ".tongwen-cache")  # no state: a full build, which replaces the folder
    before = snapshot(out)
    err = _refused(capsys, site, out)
    assert "posts/mine.txt" in err
    assert snapshot(out) == before


def test_out_is_a_file(capsys, site, tmp_path):
    f = tmp_path / "file"
    f.write_text("keep")
    rc, _o, err = build(capsys, site, f)
    assert rc == 1 and "not a folder" in err
    assert f.read_text() == "keep"


def test_empty_folder_and_rebuild_ok(capsys, site, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    assert build(capsys, site, out)[0] == 0
    first = snapshot(out)
    assert ".tongwen-manifest" in first
    assert build(capsys, site, out)[0] == 0
    assert snapshot(out) == first  # deterministic
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".tongwen")] == []


def test_failed_build_leaves_previous_output(capsys, site, tmp_path):
    out = tmp_path / "out"
    assert build(capsys, site, out)[0] == 0
    before = snapshot(out)
    (site / "content/posts/b.md").write_text("---\ndate: 2025-02-30\n---\n")
    assert build(capsys, site, out)[0] == 1
    (site / "content/posts/b.md").unlink()
    (site / "templates").mkdir()
    (site / "templates/list.html").write_text("{% extends 'base.html' %}{% block main %}{{ 1 // 0 }}{% endblock %}")
    assert build(capsys, site, out)[0] == 1  # fails mid-render, after articles were staged
    assert snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".tongwen")] == []


def test_interrupted_build_leaves_previous_output(capsys, site, tmp_path, monkeypatch):
    out = tmp_path / "out"
    assert build(capsys, site, out)[0] == 0
    before = snapshot(out)
    from builder.output import patch, staging

    def interrupt(self, output):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    monkeypatch.setattr(staging.Staging, "write", interrupt)
    monkeypatch.setattr(patch.Patch, "write", interrupt)  # an incremental build patches in place
    (site / "content/posts/a.md").write_text((site / "content/posts/a.md").read_text() + "\n改动。\n")
    rc, _o, err = build(capsys, site, out)
    assert rc == 130 and "untouched" in err
    assert snapshot(out) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".tongwen")] == []


def test_kill_9_mid_build_leaves_previous_output(tmp_path):
    files = {f"content/posts/p{i:03d}.md": article(f"文章 {i}", "段落。" * 200 + "\n\n## 小节\n\n" + "更多。" * 200,
                                                     tags=f"[t{i % 40}, 共同]") for i in range(300)}
    site = make_site(tmp_path / "big", files)
    out = tmp_path / "out"
    r = run_subprocess("build", str(site), "--out", str(out), "-q", timeout=300)
    assert r.returncode == 0, r.stderr
    before = snapshot(out)
    (site / "content/posts/p000.md").write_text(article("changed"), encoding="utf-8")
    killed_mid_build = workers_seen = 0
    for _ in range(2):
        env = dict(os.environ, PYTHONPATH=str(REPO))
        proc = subprocess.Popen([sys.executable, "-m", "builder", "build", str(site), "--out", str(out), "-q"],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # kill it while it writes: as soon as its staging (or, incremental, patch) folder has files
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            busy = [*tmp_path.glob(".tongwen-staging-*"), *tmp_path.glob(".tongwen-patch-*")]
            if any(any(p.iterdir()) for p in busy):
                break
            time.sleep(0.002)
        if proc.poll() is None:
            below = descendants(proc.pid)  # its render workers and forked helpers, if any run now
            proc.send_signal(signal.SIGKILL)
            killed_mid_build += 1
            workers_seen += len(below)
            proc.wait(timeout=60)
            # nothing it started outlives it: orphaned workers exit by themselves within moments
            deadline = time.monotonic() + 10
            while still_running(below) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert still_running(below) == [], f"left behind after kill -9: {still_running(below)}"
        proc.wait(timeout=60)
        assert snapshot(out) == before
    assert killed_mid_build, "the build finished before it could be killed; make the site bigger"
    assert workers_seen or not hasattr(os, "fork"), "no worker ran when it was killed: the check saw nothing"
    r = run_subprocess("build", str(site), "--out", str(out), "-q", timeout=300)
    assert r.returncode == 0, r.stderr
    after = snapshot(out)
    assert after != before and "changed" in after["posts/p000/index.html"].decode()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".tongwen")] == []
