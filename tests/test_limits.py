"""Resource limits: huge inputs build in proportionate time or fail with a clear message — never hang."""

from __future__ import annotations

import time

from reliab_util import article, build, make_site, run_subprocess


def test_huge_file_is_refused_quickly(capsys, tmp_path):
    site = make_site(tmp_path / "s", {"content/posts/big.md": article("Big", "x" * (21 * 2**20))})
    t = time.perf_counter()
    rc, _o, err = build(capsys, site, tmp_path / "out")
    assert time.perf_counter() - t < 10
    assert rc == 1 and err.startswith("content/posts/big.md:1: file is larger than 20 MB; refusing to build it"), err


def test_many_tags_on_one_article(tmp_path):
    tags = ", ".join(f"标签{i}" for i in range(5000))
    site = make_site(tmp_path / "s", {"content/posts/a.md": article("A", tags=f"[{tags}]")})
    t = time.perf_counter()
    r = run_subprocess("build", str(site), "--out", str(tmp_path / "out"), "-q", timeout=240)
    took = time.perf_counter() - t
    assert r.returncode == 0, r.stderr[-2000:]
    assert took < 200, took
    size = sum(p.stat().st_size for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert size < 600 * 2**20, size  # the tag list must not be copied into every one of 20,000 pages


def test_very_long_line(capsys, tmp_path):
    site = make_site(tmp_path / "s", {"content/posts/a.md": article("A", "长句" * (5 * 2**20 // 6) + " *x* [a](b)")})
    t = time.perf_counter()
    rc, _o, err = build(capsys, site, tmp_path / "out")
    assert rc == 0, err
    assert time.perf_counter() - t < 60


def test_deep_nesting(capsys, tmp_path):
    body = ("> " * 5000 + "deep\n\n" + "".join("  " * i + "- x\n" for i in range(2000)) + "\n"
            + "[" * 20000 + "a" + "]" * 20000 + "\n\n" + "*" * 50000 + "a" + "*" * 50000 + "\n\n"
            + "<" * 10000 + "\n\n" + "`" * 10000 + "\n")
    site = make_site(tmp_path / "s", {"content/posts/a.md": article("A", body)})
    t = time.perf_counter()
    rc, _o, err = build(capsys, site, tmp_path / "out")
    assert "Traceback" not in err
    assert rc == 0, err
    assert time.perf_counter() - t < 60


def test_deep_yaml_nesting(capsys, tmp_path):
    site = make_site(tmp_path / "s", {"content/posts/a.md": "---\ntitle: " + "[" * 5000 + "]" * 5000 + "\n---\nx\n"})
    t = time.perf_counter()
    rc, _o, err = build(capsys, site, tmp_path / "out")
    assert time.perf_counter() - t < 10
    assert rc == 1 and err.startswith("content/posts/a.md:2"), err
