"""The publication window, as in Hugo (pipeline/schedule.py): a page dated after the build's clock
is left out unless --future; a page past its expiryDate is left out; the clock's decisions reach
incremental builds (verify mode compares each with a clean build)."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest

from builder.cli import main
from builder.pipeline.build import build
from conftest import read, write_site

CLOCK = "title: 站\nbuild_date: 2025-02-11T10:56:06Z\n"  # the clock, as Hugo's --clock


def _post(title: str, extra: str) -> str:
    return f'---\ntitle: "{title}"\ntags: [软件]\n{extra}---\n\n正文。\n'


SITE = {
    "content/posts/past.md": _post("已发表", "date: 2025-01-01\n"),
    "content/posts/future.md": _post("将来的", "date: 2025-03-01\n"),
    "content/posts/scheduled.md": _post("定时的", "date: 2025-01-05\npublishDate: 2025-06-01\n"),
    "content/posts/expired.md": _post("过期的", "date: 2025-01-02\nexpiryDate: 2025-02-01\n"),
    "content/posts/expiring.md": _post("将过期", "date: 2025-01-03\nexpirydate: 2025-12-31T00:00:00+08:00\n"),
}


def _listed(out: Path, prefix: str = "") -> set[str]:
    html = read(out, prefix + "index.html") + read(out, prefix + "index.xml") + read(out, "sitemap.xml") \
        + "".join(p.read_text(encoding="utf-8") for p in sorted((out / prefix / "tags").rglob("*.html")))
    return {name for name in ("past", "future", "scheduled", "expired", "expiring") if f"posts/{name}/" in html}


def test_future_and_expired_pages_are_left_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1900000000")  # (2030: not the window's clock)
    site = write_site(tmp_path / "site", {**SITE, "site.yaml": CLOCK})
    out = tmp_path / "out"
    build(site, out)
    assert _listed(out) == _listed(out, "zh-tw/") == {"past", "expiring"}
    for name in ("future", "scheduled", "expired"):
        assert not (out / "posts" / name).exists() and not (out / "zh-tw" / "posts" / name).exists()
    assert (out / "posts" / "expiring" / "index.html").is_file()
    build(site, out, future=True)  # --future: the future pages too, never the expired one
    assert _listed(out) == {"past", "future", "scheduled", "expiring"}
    (site / "site.yaml").write_text("title: 站\nbuild_date: 2026-01-01\n", encoding="utf-8")
    build(site, out)  # a later clock: the scheduled page is out, the expiring one has expired
    assert _listed(out) == {"past", "future", "scheduled"}


def test_the_command_line_flag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1900000000")  # (2030: not the window's clock)
    site = write_site(tmp_path / "site", {**SITE, "site.yaml": CLOCK})
    assert main(["build", str(site), "--out", str(tmp_path / "a"), "-q"]) == 0
    assert main(["build", str(site), "--out", str(tmp_path / "b"), "-q", "--future"]) == 0
    assert not (tmp_path / "a" / "posts" / "future").exists()
    assert (tmp_path / "b" / "posts" / "future" / "index.html").is_file()


def test_a_page_appears_when_its_time_comes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the wall clock, the same inputs build differently later: the build is not skipped and
    its kept pages are not stale (verify mode compares with a clean build each time)."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    monkeypatch.setenv("TONGWEN_VERIFY", "1")
    soon = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(seconds=3)
    site = write_site(tmp_path / "site", {
        "content/posts/past.md": _post("已发表", "date: 2025-01-01\n"),
        "content/posts/soon.md": _post("马上", f"date: {soon.isoformat()}\n")})
    out = tmp_path / "out"
    assert not build(site, out).skipped
    assert "posts/soon/" not in read(out, "index.html")
    time.sleep(max(0.0, (soon - dt.datetime.now(dt.UTC)).total_seconds()) + 1.2)
    r = build(site, out)
    assert not r.skipped and "posts/soon/" in read(out, "index.html") and "posts/soon/" in read(out, "zh-tw/index.html")
    assert build(site, out).skipped  # nothing pending any more: the whole-build skip is back
