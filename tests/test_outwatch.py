"""The output watch (outwatch.py): a forked child checks the output folder while the build runs.
Whatever the child does (works, dies, hangs, answers garbage), an incremental build trusts the
previous state only while the folder is as that build left it, and no child outlives a build."""

from __future__ import annotations

import os
import random
import threading
import time
from pathlib import Path

import pytest
from test_build_equivalence import assert_same, clean_build, generated_site

from builder.errors import BuildFailed
from builder.incremental import fingerprint
from builder.incremental.state import load_state
from builder.output import watch as outwatch
from builder.output.folder import MANIFEST
from builder.pipeline.build import build
from builder.render import topic_pages

_real_enabled = outwatch.enabled


@pytest.fixture()
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(topic_pages, "MENTIONS_PER_PAGE", 3)
    s = generated_site(tmp_path / "site", n=16)
    yaml = s / "site.yaml"
    yaml.write_text(yaml.read_text(encoding="utf-8") + "\npaginate: 4\n", encoding="utf-8")
    return s


@pytest.fixture()
def forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The watch forks whatever the test runner's threads and CPUs; the children forked are listed."""
    monkeypatch.setattr(outwatch, "enabled", lambda: True)
    pids: list[int] = []
    real = os.fork

    def fork() -> int:
        pid = real()
        if pid:
            pids.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", fork)
    return pids


def _edit(site: Path, seed: int) -> None:
    posts = sorted((site / "content" / "posts").glob("g*.md"))
    p = random.Random(seed).choice(posts[:8])  # the folder is tampered with in the other half's pages
    p.write_text(p.read_text(encoding="utf-8") + f"\n追加一句，第{seed}次。\n", encoding="utf-8")


def _kept_page(site: Path, out: Path) -> Path:
    """An article page the next edit does not render again."""
    slug = sorted((site / "content" / "posts").glob("g*.md"))[12].stem
    pages = sorted(p for p in out.rglob("index.html") if slug in p.as_posix())
    assert pages, slug
    return pages[0]


def _tamper(page: Path, how: str) -> None:
    if how == "edit":  # in place: same inode
        with open(page, "ab") as f:
            f.write(b"<!-- defaced -->")
    elif how == "replace":  # the same bytes in a new file: only the inode (and mtime) differ
        tmp = page.with_name("tmp")
        tmp.write_bytes(page.read_bytes())
        os.replace(tmp, page)
    elif how == "touch":  # the same file and bytes, a new mtime
        st = page.stat()
        os.utime(page, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    else:
        page.unlink()


def _assert_reaped(pids: list[int]) -> None:
    assert pids
    for pid in pids:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # reaped already: no child of ours by that id


@pytest.mark.parametrize("how", ["edit", "replace", "touch", "delete"])
def test_changed_output_makes_a_full_build(site: Path, tmp_path: Path, forks: list[int], how: str) -> None:
    out = tmp_path / "out"
    build(site, out, jobs=1)
    _edit(site, 1)
    assert build(site, out, jobs=1).jobs_kept > 0  # the child vouched for the untouched folder
    _tamper(_kept_page(site, out), how)
    _edit(site, 2)
    r = build(site, out, jobs=1)
    assert r.jobs_kept == 0
    _assert_reaped(forks)
    state = load_state(site, out)
    assert state is not None and state.listing == fingerprint.output_digest(out)
    clean_build(site, tmp_path / "clean")
    assert_same(out, tmp_path / "clean")


def _exit_at_once(out: Path, commands: int, answers: int, parent: int) -> None:
    os._exit(3)


def _garbage(out: Path, commands: int, answers: int, parent: int) -> None:
    os.write(answers, b"hello, parent\n")


def _wrong_length(out: Path, commands: int, answers: int, parent: int) -> None:
    os.write(answers, b"D" + b"ab" * 30 + b"\n")


def _dies_after_first_answer(out: Path, commands: int, answers: int, parent: int) -> None:
    os.write(answers, outwatch._encode(fingerprint.output_digest(out)))
    os.read(commands, 1)
    os._exit(3)


def _hangs(out: Path, commands: int, answers: int, parent: int) -> None:
    time.sleep(120)


@pytest.mark.parametrize("child", [_exit_at_once, _garbage, _wrong_length, _dies_after_first_answer, _hangs])
def test_failed_child_falls_back_to_the_check_here(site: Path, tmp_path: Path, forks: list[int],
                                                  monkeypatch: pytest.MonkeyPatch, child: object) -> None:
    out = tmp_path / "out"
    build(site, out, jobs=1)
    monkeypatch.setattr(outwatch, "_child", child)
    monkeypatch.setattr(outwatch, "TIMEOUT", 1.0)
    _edit(site, 1)
    assert build(site, out, jobs=1).jobs_kept > 0  # the check done here trusts the untouched folder
    state = load_state(site, out)
    assert state is not None and state.listing == fingerprint.output_digest(out)
    _tamper(_kept_page(site, out), "edit")
    _edit(site, 2)
    assert build(site, out, jobs=1).jobs_kept == 0  # … and not a changed one
    _assert_reaped(forks)
    clean_build(site, tmp_path / "clean")
    assert_same(out, tmp_path / "clean")


def test_no_child_outlives_a_failing_build(site: Path, tmp_path: Path, forks: list[int]) -> None:
    out = tmp_path / "out"
    build(site, out, jobs=1)
    _edit(site, 1)
    (site / "templates").mkdir()
    (site / "templates" / "article.html").write_text(
        "{% extends 'base.html' %}\n{% block main %}\n{{ nothing.at.all() }}\n{% endblock %}\n", encoding="utf-8")
    with pytest.raises(BuildFailed):
        build(site, out, jobs=1)
    (site / "templates" / "article.html").unlink()
    bad = sorted((site / "content" / "posts").glob("g*.md"))[3]
    text = bad.read_text(encoding="utf-8")
    bad.write_text(text.replace("date:", "date: [", 1), encoding="utf-8")  # fails as it loads
    with pytest.raises(BuildFailed):
        build(site, out, jobs=1)
    assert len(forks) == 3
    _assert_reaped(forks)
    bad.write_text(text, encoding="utf-8")
    build(site, out, jobs=1)
    _assert_reaped(forks)
    clean_build(site, tmp_path / "clean")
    assert_same(out, tmp_path / "clean")


def _listed_lstats(out: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The output files this process lstats (a forked child's calls are counted in its own copy)."""
    base = str(out.resolve())
    seen: list[str] = []
    real = os.lstat

    def lstat(path, *a, **k):  # type: ignore[no-untyped-def]
        p = os.fspath(path)
        if isinstance(p, str) and p.startswith(base + "/") and ".tongwen-patch" not in p:
            seen.append(p)
        return real(path, *a, **k)

    monkeypatch.setattr(os, "lstat", lstat)
    return seen


def test_the_build_does_not_stat_the_folder_itself(site: Path, tmp_path: Path, forks: list[int],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    build(site, out, jobs=1)
    listed = len((out / MANIFEST).read_text(encoding="utf-8").splitlines())
    assert listed > 100
    calls: list[object] = []
    real = outwatch.output_stats
    monkeypatch.setattr(outwatch, "output_stats", lambda *a: calls.append(a) or real(*a))  # counted here only
    seen = _listed_lstats(out, monkeypatch)
    _edit(site, 1)
    r = build(site, out, jobs=1)
    assert r.jobs_kept > 0 and len(forks) == 2
    assert not calls  # the child took both listings
    with_child = len(seen)
    assert with_child < listed  # the files the patch writes (and their folders), not every listed one
    state = load_state(site, out)
    assert state is not None and state.listing == fingerprint.output_digest(out)
    # the same build without a child stats every listed file here, before and after
    monkeypatch.setenv("TONGWEN_OUTPUT_WATCH", "0")
    monkeypatch.setattr(outwatch, "enabled", _real_enabled)
    _edit(site, 2)
    seen.clear()
    r = build(site, out, jobs=1)
    assert r.jobs_kept > 0 and len(forks) == 2
    assert len(calls) == 2
    assert len(seen) >= with_child + listed


def test_no_fork_while_other_threads_run(site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As in `tongwen serve` (its watcher threads): the check is done here, and still right."""
    pids: list[int] = []
    real = os.fork
    monkeypatch.setattr(os, "fork", lambda: pids.append(1) or real())
    out = tmp_path / "out"
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, daemon=True)
    other.start()
    try:
        build(site, out, jobs=1)
        _edit(site, 1)
        assert build(site, out, jobs=1).jobs_kept > 0
        _tamper(_kept_page(site, out), "edit")
        _edit(site, 2)
        assert build(site, out, jobs=1).jobs_kept == 0
    finally:
        stop.set()
        other.join()
    assert not pids
    clean_build(site, tmp_path / "clean")
    assert_same(out, tmp_path / "clean")


def test_unchanged_build_is_skipped(site: Path, tmp_path: Path, forks: list[int],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    build(site, out, jobs=1)
    _edit(site, 1)
    build(site, out, jobs=1)
    calls: list[object] = []
    real = outwatch.output_stats
    monkeypatch.setattr(outwatch, "output_stats", lambda *a: calls.append(a) or real(*a))  # counted here only
    monkeypatch.setattr(fingerprint, "output_stats", lambda *a: calls.append(a) or real(*a))
    assert build(site, out, jobs=1).skipped  # the digest the child recorded is the folder's, and it checked
    assert not calls
    _assert_reaped(forks)
    _tamper(_kept_page(site, out), "touch")
    assert not build(site, out, jobs=1).skipped
    _assert_reaped(forks)


def _folder(root: Path, n: int) -> Path:
    root.mkdir()
    names = [f"d{i % 3}/f{i}.html" for i in range(n)]
    for name in names:
        (root / name).parent.mkdir(exist_ok=True)
        (root / name).write_text(name, encoding="utf-8")
    (root / MANIFEST).write_text("\n".join(sorted(names)) + "\n", encoding="utf-8")
    return root


@pytest.mark.parametrize("fork", [True, False])
def test_watch_digests_equal_the_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fork: bool) -> None:
    monkeypatch.setattr(outwatch, "enabled", lambda: fork)
    out = _folder(tmp_path / "out", 30)
    calls: list[object] = []
    real = outwatch.output_stats
    monkeypatch.setattr(outwatch, "output_stats", lambda *a: calls.append(a) or real(*a))
    with outwatch.start(out) as watch:
        assert (watch.pid is not None) == fork
        assert watch.before() == fingerprint.output_digest(out)
        (out / "d0/f0.html").write_text("changed, longer", encoding="utf-8")  # touched by the build
        (out / "d1/new.html").write_text("new", encoding="utf-8")  # added: not known, so looked at
        (out / "d2/f2.html").unlink()
        names = sorted({*(out / MANIFEST).read_text(encoding="utf-8").split(), "d1/new.html"} - {"d2/f2.html"})
        (out / MANIFEST).write_text("\n".join(names) + "\n", encoding="utf-8")
        watch.after({"d0/f0.html", "d2/f2.html", MANIFEST})
        assert watch.result() == fingerprint.output_digest(out)
    assert watch.pid is None
    assert len(calls) == (0 if fork else 2)  # here: before, and after (only the touched and new names)


def test_inline_watch_of_a_replaced_folder_stats_it_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full build (no state: the first listing is never asked for) stats the new folder only."""
    monkeypatch.setattr(outwatch, "enabled", lambda: False)
    out = _folder(tmp_path / "out", 10)
    calls: list[object] = []
    real = outwatch.output_stats
    monkeypatch.setattr(outwatch, "output_stats", lambda *a: calls.append(a) or real(*a))
    watch = outwatch.start(out)
    (out / "d0/f0.html").write_text("new", encoding="utf-8")
    watch.after(None)
    assert watch.result() == fingerprint.output_digest(out)
    assert len(calls) == 1


def test_watch_without_manifest(tmp_path: Path, forks: list[int]) -> None:
    out = tmp_path / "out"
    with outwatch.start(out) as watch:
        assert watch.before() is None
        out.mkdir()
        watch.after(None)
        assert watch.result() is None
    _assert_reaped(forks)
