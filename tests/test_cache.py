"""The per-document cache (builder/cache.py): after any sequence of edits, a build that reuses cached
documents and rendered bodies writes exactly what a clean build (no cache, fresh output) writes;
damaged or foreign cache files and another builder version are never trusted.

Every comparison covers every file of both output folders, byte for byte.
"""

from __future__ import annotations

import logging
import re
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from test_build_equivalence import generated_site, small_site, tree

import builder
from builder.incremental import identity, records
from builder.incremental import store as cache
from builder.pipeline.build import build
from conftest import damage_record

CACHE = identity.CACHE_DIR


def clean_tree(site: Path, tmp: Path, name: str) -> dict[str, bytes]:
    """What a clean build of the same inputs writes: a copy of the site without its cache."""
    copy = tmp / f"clean-{name}"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns(CACHE))
    out = tmp / f"clean-{name}-out"
    shutil.rmtree(out, ignore_errors=True)
    build(copy, out, jobs=1)
    return tree(out)


def assert_equal_trees(got: dict[str, bytes], want: dict[str, bytes], step: str) -> None:
    assert sorted(got) == sorted(want), f"{step}: file lists differ: {sorted(set(got) ^ set(want))[:10]}"
    diff = [k for k in got if got[k] != want[k]]
    assert not diff, f"{step}: files differ: {diff[:10]}"


def hits(caplog: pytest.LogCaptureFixture) -> tuple[int, int]:
    """(hits, misses) of the last build, from its debug log."""
    found = [m for r in caplog.records if (m := re.match(r"cache: (\d+) hits, (\d+) misses", r.getMessage()))]
    assert found
    return int(found[-1].group(1)), int(found[-1].group(2))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def tiny_site(root: Path) -> Path:
    site = small_site(root)
    posts = site / "content" / "posts"
    (posts / "linked.md").write_text(
        "---\ntitle: 被链接的文章\ndate: 2025-02-01\ntags: [物流]\n---\n这里讲供应链和保生意。\n", encoding="utf-8")
    (posts / "linker.md").write_text(
        "---\ntitle: 链接别人的文章\ndate: 2025-02-02\ntags: [物流, 平台]\n---\n"
        "先看[那篇](linked.md#x)，再看![图](linked.md)。这里也讲双保和走出去。\n\n## 小节\n\n又提到保生意。\n",
        encoding="utf-8")
    (site / "templates").mkdir()
    base = (Path(builder.__file__).parent / "theme" / "templates" / "article.html").read_text(encoding="utf-8")
    (site / "templates" / "article.html").write_text(base, encoding="utf-8")
    (site / "static").mkdir()
    (site / "static" / "extra.css").write_text("body { color: black; }\n", encoding="utf-8")
    return site


def _edits(site: Path) -> list[tuple[str, Callable[[], None]]]:
    posts = site / "content" / "posts"
    topic = site / "content" / "topics" / "五大举措" / "bao-shengyi.md"
    return [
        ("body", lambda: edit(posts / "linker.md", "又提到保生意。", "又提到保生意。追加的一句。")),
        ("title", lambda: edit(posts / "linked.md", "title: 被链接的文章", "title: 改了标题的文章")),
        ("add tag", lambda: edit(posts / "linked.md", "tags: [物流]", "tags: [物流, 新标签]")),
        ("remove tag", lambda: edit(posts / "linker.md", "tags: [物流, 平台]", "tags: [物流]")),
        ("date", lambda: edit(posts / "linked.md", "date: 2025-02-01", "date: 2025-04-01")),
        ("add article", lambda: (posts / "added.md").write_text(
            "---\ntitle: 新加的\ndate: 2025-05-01\ntags: [平台]\n---\n新文章讲[链接](linker.md)和双保。\n",
            encoding="utf-8")),
        ("rename linked", lambda: (posts / "linked.md").rename(posts / "moved.md")),
        ("rename back", lambda: (posts / "moved.md").rename(posts / "linked.md")),
        ("delete article", lambda: (posts / "added.md").unlink()),
        ("topic aliases", lambda: edit(topic, 'aliases: ["保生意", "双保"]', 'aliases: ["保生意"]')),
        ("topic aliases back", lambda: edit(topic, 'aliases: ["保生意"]', 'aliases: ["保生意", "双保"]')),
        ("rename topic", lambda: topic.rename(topic.with_name("bao.md"))),
        ("template", lambda: edit(site / "templates" / "article.html", "{% block main %}",
                                  "{% block main %}<p class=\"edited\">模板改过</p>")),
        ("glossary", lambda: (site / "site.yaml").write_text(
            (site / "site.yaml").read_text(encoding="utf-8") + "  - {zh-cn: 供应链, zh-tw: 供應鏈條}\n",
            encoding="utf-8")),
        ("static", lambda: (site / "static" / "extra.css").write_text("body { color: red; }\n", encoding="utf-8")),
        ("link_topics off", lambda: (site / "site.yaml").write_text(
            (site / "site.yaml").read_text(encoding="utf-8") + "link_topics: false\n", encoding="utf-8")),
    ]


@pytest.mark.parametrize("jobs", [1, 2])
def test_edit_sequence_equals_clean_build(tmp_path: Path, jobs: int) -> None:
    site = tiny_site(tmp_path / "site")
    last = (site / "site.yaml").read_text(encoding="utf-8").rstrip().splitlines()[-1]
    assert last.startswith("  - {")  # the glossary list is last: the glossary edit appends to it
    out = tmp_path / "out"
    build(site, out, jobs=jobs)
    assert (site / CACHE / cache.FILE).is_file()
    for step, change in _edits(site):
        change()
        r = build(site, out, jobs=jobs)
        assert not r.skipped, step
        assert_equal_trees(tree(out), clean_tree(site, tmp_path, "x"), step)


def test_edits_reuse_the_cache(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="tongwen")
    site = tiny_site(tmp_path / "site")
    out = tmp_path / "out"
    build(site, out, jobs=1)
    assert hits(caplog)[0] == 0
    edit(site / "content" / "posts" / "linker.md", "又提到保生意。", "又提到保生意。追加。")
    for kind in (records.STATE, records.SNAPSHOT):
        damage_record(site, out, kind, None)  # else the kept pages and the derived site stand without asking the cache
    build(site, out, jobs=1)
    h, m = hits(caplog)
    assert h > 10 and m == 6  # the edited file: its document, its mentions, its body and quotes in two editions


def test_in_memory_cache_equals_clean_build(tmp_path: Path) -> None:
    """The preview server keeps entries in memory between builds; same invariant."""
    memory = cache.Memory()
    site = tiny_site(tmp_path / "site")
    out = tmp_path / "out"
    build(site, out, jobs=1, memory=memory)
    assert memory.rows  # (the builds below read from it)
    for step, change in _edits(site)[:8]:
        change()
        build(site, out, jobs=1, memory=memory)
        assert_equal_trees(tree(out), clean_tree(site, tmp_path, "m"), step)


def _damage_rows(db: Path, how: str) -> None:
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT key, value FROM entries").fetchall()
    assert rows
    for key, value in rows:
        if how == "flip":  # one byte of the payload: the checksum no longer matches
            value = value[:-1] + bytes([value[-1] ^ 1])
        elif how == "cut":
            value = value[: len(value) // 2]
        elif how == "wrong-type":  # a well-formed entry of the wrong type
            value = cache._encode("not a document")
        else:
            value = b"\x00" * 40
        conn.execute("UPDATE entries SET value = ? WHERE key = ?", (value, key))
    conn.commit()
    conn.close()


@pytest.mark.parametrize("damage", ["truncate-file", "garbage-file", "empty-file", "flip", "cut", "wrong-type",
                                    "zeros", "directory"])
def test_damaged_cache_is_ignored(tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="tongwen")
    site = tiny_site(tmp_path / "site")
    out = tmp_path / "out"
    build(site, out, jobs=1)
    db = site / CACHE / cache.FILE
    data = db.read_bytes()
    if damage == "truncate-file":
        db.write_bytes(data[: len(data) // 3])
    elif damage == "garbage-file":
        db.write_bytes(bytes(b ^ 0x5A for b in data))
    elif damage == "empty-file":
        db.write_bytes(b"")
    elif damage == "directory":
        db.unlink()
        db.mkdir()
    else:
        _damage_rows(db, damage)
    edit(site / "content" / "posts" / "linker.md", "又提到保生意。", "又提到保生意。再加一句。")
    build(site, out, jobs=1)
    # no damaged row is used. (Where the rows are there but damaged, the incremental build finds a
    # topic's mention list unreadable only after it rendered the edited article; it starts over
    # and reuses the rows it has just made, the only hits then.)
    h, _m = hits(caplog)
    assert h == 0 or (damage in ("flip", "cut", "wrong-type", "zeros") and h <= 6)
    assert_equal_trees(tree(out), clean_tree(site, tmp_path, "d"), damage)
    if damage != "directory":  # the next build repairs the cache and uses it
        edit(site / "content" / "posts" / "linker.md", "再加一句。", "又加一句。")
        build(site, out, jobs=2)
        assert_equal_trees(tree(out), clean_tree(site, tmp_path, "d"), damage + " then edit")


def test_builder_version_change_ignores_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="tongwen")
    site = tiny_site(tmp_path / "site")
    out = tmp_path / "out"
    build(site, out, jobs=1)
    edit(site / "content" / "posts" / "linker.md", "又提到保生意。", "又提到保生意。再加一句。")
    monkeypatch.setattr(identity, "builder_digest", lambda: "another builder version")
    build(site, out, jobs=1)
    assert hits(caplog)[0] == 0
    assert_equal_trees(tree(out), clean_tree(site, tmp_path, "v"), "new builder")


def test_old_rows_are_dropped(tmp_path: Path) -> None:
    site = tiny_site(tmp_path / "site")
    out = tmp_path / "out"
    article = site / "content" / "posts" / "linker.md"
    db = site / CACHE / cache.FILE

    def rows() -> int:
        conn = sqlite3.connect(db)
        n = conn.execute("SELECT count(*) FROM entries").fetchone()[0]
        conn.close()
        return int(n)

    build(site, out, jobs=1)
    first = rows()
    counts = []
    for i in range(25):
        edit(article, "又提到保生意。", f"又提到保生意。第{i}次。")
        build(site, out, jobs=1)
        counts.append(rows())
    assert max(counts) > first  # earlier versions are kept for a while…
    assert max(counts) <= 1.5 * first + 100 + 25  # …but the file does not grow without bound
    assert min(counts[10:]) < max(counts)  # unused rows were dropped at some point


def test_generated_site_edits_equal_clean_build(tmp_path: Path) -> None:
    site = generated_site(tmp_path / "site", n=200)
    out = tmp_path / "out"
    build(site, out, jobs=2)
    posts = site / "content" / "posts"
    topic = site / "content" / "topics" / "新生意赛道" / "chuhai.md"
    steps: list[tuple[str, Callable[[], None]]] = [
        ("body", lambda: edit(posts / "g0100.md", "## 第100节", "## 改过的一节\n\n新的一段，提到跨境和出海。")),
        ("title", lambda: edit(posts / "g0050.md", "title: 生成的文章 50", "title: 改名的文章 50")),
        ("delete", lambda: (posts / "g0007.md").unlink()),
        ("topic", lambda: edit(topic, "aliases: [", 'aliases: ["直播", ')),
    ]
    for step, change in steps:
        change()
        build(site, out, jobs=2)
        assert_equal_trees(tree(out), clean_tree(site, tmp_path, "g"), step)


# --- page keys ------------------------------------------------------------------------------------

def test_page_key_tells_values_apart_and_refuses_unpicklable_ones(tmp_path: Path) -> None:
    import datetime as dt

    from markupsafe import Markup

    from builder.incremental.pagecache import PageCache, PageUrl
    from builder.model.documents import Edition

    pages = PageCache(cache.Store(None), tmp_path)
    e = Edition("zh-TW", "繁體", "zh-tw", "Hant", "s2twp")
    base = {"a": "x", "n": 1, "l": [1, 2], "e": e, "url": PageUrl("../", "zh-tw", {}), "d": dt.date(2025, 1, 2)}
    k = pages.key("article.html", base)
    assert k is not None and k == pages.key("article.html", dict(base))
    variants = [
        {**base, "a": Markup("x")},  # not escaped again: renders differently
        {**base, "n": True}, {**base, "n": 1.0}, {**base, "l": (1, 2)}, {**base, "l": [[1], 2]},
        {**base, "url": PageUrl("../../", "zh-tw", {})}, {**base, "url": PageUrl("../", "", {})},
        {**base, "e": Edition("zh-TW", "繁体", "zh-tw", "Hant", "s2twp")},
        {**base, "d": dt.datetime(2025, 1, 2)},
        {"n": 1, **base},  # the same items in another order
        {**base, "a": "x", "b": None},
    ]
    keys = {pages.key("article.html", v) for v in variants}
    assert None not in keys and k not in keys and len(keys) == len(variants)
    assert pages.key("list.html", base) != k
    assert pages.key("article.html", {**base, "f": lambda p: p}) is None

    def local() -> None:
        pass
    assert pages.key("article.html", {**base, "o": local}) is None
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "partial.html").write_text("x", encoding="utf-8")
    assert PageCache(cache.Store(None), tmp_path).key("article.html", base) != k  # any site template counts


def test_page_url_matches_edition_paths() -> None:
    from builder.incremental.pagecache import PageUrl

    assert PageUrl("../../", "zh-tw", {})("posts/软件 a/") == "../../zh-tw/posts/%E8%BD%AF%E4%BB%B6%20a/"
    assert PageUrl("", "", {})("tags/#x") == "tags/#x"


@pytest.mark.parametrize("jobs", [1, 2])
def test_rows_spilled_during_the_build_equal_clean_build(tmp_path: Path, jobs: int,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """New rows are written while the build runs (bounded memory), not only at the end."""
    monkeypatch.setattr(cache, "SPILL_BYTES", 1)  # spill after every absorbed chunk
    site = tiny_site(tmp_path / "site")
    out = tmp_path / "out"
    build(site, out, jobs=jobs)
    for step, change in _edits(site)[:4]:
        change()
        build(site, out, jobs=jobs)
        assert_equal_trees(tree(out), clean_tree(site, tmp_path, "x"), step)
    rows = sqlite3.connect(site / CACHE / cache.FILE).execute("SELECT count(*) FROM entries").fetchone()[0]
    assert rows > 10
