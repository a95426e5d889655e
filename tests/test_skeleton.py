"""The derived site is reused while only Markdown bodies changed (skeleton.py); anything else —
front matter, a new or deleted file, the config, drafts, a damaged snapshot — loads and derives
again. Either way the output equals a clean build."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from test_build_equivalence import assert_same, clean_build

from builder.incremental import records, skeleton
from builder.incremental import session as session_module
from builder.pipeline.build import build
from conftest import damage_record, record

POST = """---
title: {title}
date: "2024-05-01 10:{n:02d}:00"
tags: [出海, 软件]
---
{body}
"""


def _site(root: Path) -> Path:
    (root / "content" / "posts").mkdir(parents=True)
    (root / "site.yaml").write_text("title: 骨架\nbase_url: https://example.org/\n", encoding="utf-8")
    for n in range(1, 6):
        _post(root, n, f"文章{n}", f"第{n}篇正文，讲软件和出海。\n\n<!--more-->\n\n后文{n}。")
    return root


def _post(root: Path, n: int, title: str, body: str) -> None:
    (root / "content" / "posts" / f"p{n}.md").write_text(POST.format(title=title, n=n, body=body),
                                                         encoding="utf-8")


@pytest.fixture
def derives(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the builds that derived the site afresh."""
    calls: list[int] = []
    real = session_module.derive

    def counting(*a, **k):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(*a, **k)

    monkeypatch.setattr(session_module, "derive", counting)
    return calls


def _snapshot_row(site: Path, out: Path) -> str:
    """The row of the snapshot in use (`records.SNAPSHOT` names it)."""
    kind = record(site, out, records.SNAPSHOT)
    assert kind is not None
    return kind.decode()


def _same_as_clean(site: Path, out: Path, tmp_path: Path, name: str) -> None:
    shadow = tmp_path / f"{name}-site"
    shutil.copytree(site, shadow, ignore=shutil.ignore_patterns(".tongwen-cache"))
    clean_build(shadow, tmp_path / name)
    assert_same(out, tmp_path / name)


def test_body_edits_reuse_the_derived_site(tmp_path: Path, derives: list[int]) -> None:
    site = _site(tmp_path / "site")
    out = tmp_path / "out"
    build(site, out, jobs=1)
    assert len(derives) == 1 and record(site, out, records.SNAPSHOT) is not None
    # the summary (before <!--more-->) and the rest both change; then a second file as well
    _post(site, 3, "文章3", "改过的摘要，讲软体。\n\n<!--more-->\n\n改过的后文。")
    build(site, out, jobs=1)
    assert len(derives) == 1
    _same_as_clean(site, out, tmp_path, "c1")
    derives.clear()
    _post(site, 4, "文章4", "没有分隔的正文。")
    build(site, out, jobs=2)
    assert not derives
    _same_as_clean(site, out, tmp_path, "c2")
    assert "改过的摘要" in (out / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("change", ["title", "add", "delete", "config", "drafts", "damaged", "many"])
def test_anything_but_bodies_derives_again(tmp_path: Path, derives: list[int], change: str,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    site = _site(tmp_path / "site")
    out = tmp_path / "out"
    build(site, out, jobs=1)
    drafts = False
    if change == "title":
        _post(site, 2, "新标题", "第2篇正文，讲软件和出海。\n\n<!--more-->\n\n后文2。")
    elif change == "add":
        _post(site, 7, "新文章", "新的正文。")
    elif change == "delete":
        (site / "content" / "posts" / "p5.md").unlink()
    elif change == "config":
        (site / "site.yaml").write_text("title: 骨架二\nbase_url: https://example.org/\n", encoding="utf-8")
    elif change == "drafts":
        drafts = True
    elif change == "damaged":
        data = record(site, out, _snapshot_row(site, out))
        assert data is not None
        damage_record(site, out, _snapshot_row(site, out), data[: len(data) // 2])  # (its checksum matches)
        _post(site, 1, "文章1", "只改正文。")
    else:  # more changed files than are patched into a snapshot
        monkeypatch.setattr(skeleton, "MAX_PATCHED", 1)
        _post(site, 1, "文章1", "只改正文一。")
        _post(site, 2, "文章2", "只改正文二。")
    build(site, out, jobs=1, drafts=drafts)
    assert len(derives) == 2
    if not drafts:
        _same_as_clean(site, out, tmp_path, "clean")
    derives.clear()
    # the build that derived again left a snapshot of its own: a body edit now reuses that one
    _post(site, 3, "文章3", "再改一次正文。")
    build(site, out, jobs=1, drafts=drafts)
    assert not derives
    if not drafts:
        _same_as_clean(site, out, tmp_path, "clean2")


def test_a_failed_build_keeps_no_snapshot(tmp_path: Path, derives: list[int]) -> None:
    site = _site(tmp_path / "site")
    out = tmp_path / "out"
    (site / "templates").mkdir()
    (site / "templates" / "article.html").write_text("{{ page.nope() }}", encoding="utf-8")
    with pytest.raises(Exception):  # noqa: B017 - the template error itself is tested elsewhere
        build(site, out, jobs=1)
    assert record(site, out, records.SNAPSHOT) is None
    conn = sqlite3.connect(records.db_path(site))
    assert not conn.execute("SELECT kind FROM records WHERE kind LIKE 'snapshot%'").fetchall()  # nor its row
    conn.close()


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_damaged_text_loads_the_site_afresh(tmp_path: Path, derives: list[int], jobs: int) -> None:
    """A snapshot whose bytes no longer match its checksum is not used: the build loads and derives
    in full, and the output equals a clean build."""
    site = _site(tmp_path / "site")
    for n in range(6, 40):
        _post(site, n, f"文章{n}", f"第{n}篇正文。")
    out = tmp_path / "out"
    build(site, out, jobs=1)
    data = bytearray(record(site, out, _snapshot_row(site, out)) or b"")
    at = data.index("文章5".encode())  # p5's title (articles' texts are not in the snapshot)
    data[at: at + 7] = "文章X".encode()  # same length, other bytes
    damage_record(site, out, _snapshot_row(site, out), bytes(data), checked=False)
    _post(site, 3, "文章3", "第3篇正文，讲软件和出海。\n\n<!--more-->\n\n后文3，改过了。")
    build(site, out, jobs=jobs)
    assert len(derives) == 2  # the damage was found and the site derived
    _same_as_clean(site, out, tmp_path, "clean")
    assert "文章X" not in (out / "posts" / "p5" / "index.html").read_text(encoding="utf-8")
    derives.clear()
    _post(site, 3, "文章3", "第3篇正文，讲软件和出海。\n\n<!--more-->\n\n后文3，又改了。")
    build(site, out, jobs=1)  # the snapshot made afresh serves again
    assert not derives
    _same_as_clean(site, out, tmp_path, "clean2")


def test_an_edit_undone_renders_the_article_again(tmp_path: Path, derives: list[int]) -> None:
    """The snapshot holds no article's text: a file edited and then put back as it was when the
    snapshot was made differs from what the previous build rendered, so it is loaded again."""
    site = _site(tmp_path / "site")
    out = tmp_path / "out"
    build(site, out, jobs=1)
    post = site / "content" / "posts" / "p2.md"
    before = post.read_text(encoding="utf-8")
    post.write_text(before.replace("后文2。", "后文2，改过了。"), encoding="utf-8")
    build(site, out, jobs=1)
    post.write_text(before, encoding="utf-8")  # undone
    build(site, out, jobs=1)
    assert len(derives) == 1  # both later builds reused the snapshot
    assert "改过了" not in (out / "posts" / "p2" / "index.html").read_text(encoding="utf-8")
    _same_as_clean(site, out, tmp_path, "clean")


def test_a_documents_meta_signature_does_not_depend_on_which_equal_strings_are_one_object(tmp_path: Path) -> None:
    """Front matter is signed by value: tags interned by one load, or a model unpickled from the
    snapshot (where a string met twice is one object), sign as a fresh load does. Else the first
    edit after such a load saw every front matter "changed" and rendered the whole site again."""
    import dataclasses

    from builder.config import load_config
    from builder.incremental.state import meta_sig
    from builder.pipeline.load import load

    site = _site(tmp_path / "s")
    docs, _res = load(load_config(site), parse_markdown=False)
    doc = docs[0]
    copy = "".join  # a new, equal string object
    shared = dataclasses.replace(doc, meta=dataclasses.replace(doc.meta, lang=doc.lang))  # one object twice
    apart = dataclasses.replace(doc, meta=dataclasses.replace(doc.meta, lang=copy(list(doc.lang))))
    assert apart.meta.lang is not apart.lang and apart.meta.lang == apart.lang
    assert meta_sig(shared) == meta_sig(apart)
