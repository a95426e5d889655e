"""Shared helpers: tiny sites written inline, built in-process."""

from __future__ import annotations

import os
import re
import textwrap
from html.parser import HTMLParser
from pathlib import Path

import pytest

from builder.pipeline.build import build

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
CHROMIUM = Path("/usr/bin/chromium")
# Why a test is skipped, in words a user can act on.
NO_CHROMIUM = ("needs Debian's Chromium at /usr/bin/chromium: `bash tools/test.sh` installs it "
               "(or: sudo apt-get install chromium fonts-wqy-microhei)")
NO_PLAYWRIGHT = "needs Playwright's Python API: `bash tools/test.sh` installs it into .venv/ (pip install -e '.[test]')"
# 60 articles from public Chinese sites (and their SOURCES.md), kept beside the repository, not in it
REAL_CORPUS = Path(os.environ.get("TONGWEN_REAL_CORPUS") or SHARED / "corpus" / "real")
NO_REAL_CORPUS = (f"optional: needs the corpus of real articles (Markdown files from public Chinese sites, not part of "
                  f"this repository) in {REAL_CORPUS}; set TONGWEN_REAL_CORPUS=DIR to use another folder")


# Every build in these modules is checked against a clean build of the same inputs (`build --verify`):
# a page kept by incremental reuse that a clean build renders differently fails the test that made it.
# (test_skeleton counts how often the site is derived in every test: its builds are compared with
# clean builds there.)
VERIFIED_MODULES = {"test_incremental", "test_cache", "test_search_incremental", "test_serve", "test_serve_browser",
                    "test_build_equivalence", "test_write_patch"}


@pytest.fixture(autouse=True)
def _verify_incremental_builds(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A test that counts the work of a build (renders, derives, cache hits) is marked `no_verify`:
    the verifying clean build would be counted too. Those tests compare with a clean build
    themselves."""
    if request.module.__name__.rpartition(".")[2] in VERIFIED_MODULES and \
            request.node.get_closest_marker("no_verify") is None:
        monkeypatch.setenv("TONGWEN_VERIFY", "1")


def write_site(root: Path, files: dict[str, str]) -> Path:
    """Write `files` (path → text, dedented) under root; a site.yaml is added if missing."""
    files = dict(files)
    files.setdefault("site.yaml", "title: 测试站\nbase_url: https://example.org/\n")
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def make_and_build(tmp_path: Path, files: dict[str, str], **kw: object) -> Path:
    site = write_site(tmp_path / "site", files)
    out = tmp_path / "out"
    build(site, out, **kw)  # type: ignore[arg-type]
    return out


def read(out: Path, rel: str) -> str:
    return (out / rel).read_text(encoding="utf-8")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def page_text(html: str) -> str:
    p = _Text()
    p.feed(html)
    return "".join(p.parts)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def hrefs(html: str) -> list[str]:
    return re.findall(r'href="([^"]*)"', html)


@pytest.fixture
def seed_text() -> str:
    return (REPO / "content/posts/1688-growth-path.md").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo site, built once per test session (browser tests read it)."""
    out = tmp_path_factory.mktemp("demo") / "public"
    build(REPO, out)
    return out


@pytest.fixture(scope="session")
def demo_server(demo_site: Path):  # type: ignore[no-untyped-def]
    import webtools
    with webtools.serve(demo_site) as url:
        yield url


@pytest.fixture(scope="module")  # not session: Playwright's sync API allows one instance at a time
def browser():  # type: ignore[no-untyped-def]
    import webtools
    with webtools.browser() as b:
        yield b


def record(site: Path, out: Path | None, kind: str) -> bytes | None:
    """A build record (`incremental.records`) as stored: `out` None for the records every folder shares."""
    from builder.incremental import records
    return records.read(site, records.folder_key(out) if out is not None else "", kind)


def damage_record(site: Path, out: Path | None, kind: str, value: bytes | None, checked: bool = True) -> None:
    """Replace a record's stored bytes (None: delete it). `checked`: with a matching checksum (what
    reads them must refuse them itself), else with the old one (the checksum must catch it)."""
    import sqlite3
    import zlib

    from builder.incremental import records
    folder = records.folder_key(out) if out is not None else ""
    conn = sqlite3.connect(records.db_path(site), isolation_level=None)
    try:
        if value is None:
            conn.execute("DELETE FROM records WHERE folder = ? AND kind = ?", (folder, kind))
        elif checked:
            conn.execute("UPDATE records SET value = ?, crc = ? WHERE folder = ? AND kind = ?",
                         (value, zlib.crc32(value), folder, kind))
        else:
            conn.execute("UPDATE records SET value = ? WHERE folder = ? AND kind = ?", (value, folder, kind))
        assert conn.total_changes == 1, (folder, kind)
    finally:
        conn.close()
