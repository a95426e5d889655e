"""Cached, warm, incremental and parallel builds must write exactly what a clean serial build writes.

Every test compares every file of two output folders byte for byte.
"""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path

import pytest

from builder.errors import BuildFailed
from builder.incremental import identity, records
from builder.pipeline.build import build
from builder.pipeline.parallel import run_chunks
from conftest import damage_record, record

REPO = Path(__file__).resolve().parents[1]


def tree(root: Path) -> dict[str, bytes]:
    out = {}
    for dirpath, _dirs, files in os.walk(root):
        for f in files:
            p = Path(dirpath) / f
            out[p.relative_to(root).as_posix()] = p.read_bytes()
    return out


def assert_same(a: Path, b: Path) -> None:
    ta, tb = tree(a), tree(b)
    assert sorted(ta) == sorted(tb)
    diff = [k for k in ta if ta[k] != tb[k]]
    assert not diff, f"files differ: {diff[:10]}"


def clean_build(site: Path, out: Path, jobs: int = 1) -> None:
    shutil.rmtree(site / identity.CACHE_DIR, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    r = build(site, out, jobs=jobs)
    assert not r.skipped


# --- sites ------------------------------------------------------------------------------------------

def small_site(root: Path) -> Path:
    """The demo site (seed article and topics) plus a translation, a summary divider and links."""
    root.mkdir()
    shutil.copy(REPO / "site.yaml", root / "site.yaml")
    shutil.copytree(REPO / "content", root / "content")
    posts = root / "content" / "posts"
    (posts / "second.md").write_text(
        "---\ntitle: 软件出海\ndate: 2025-03-01\ntags: [软件, 出海]\ncategories: [观察]\n---\n"
        "开头一段讲软件。\n\n<!--more-->\n\n后面提到[增长](1688-growth-path.md)和跨境生意。\n\n- 列表 一\n- 列表 二\n",
        encoding="utf-8")
    (posts / "second.zh-tw.md").write_text(
        "---\ntitle: 軟體出海（人工翻譯）\ndate: 2025-03-01\n---\n人工翻譯的正文，提到軟體。\n", encoding="utf-8")
    (posts / "third.md").write_text(
        "---\ntitle: Third\ndate: 2025-03-02\nlang: en\ntags: [Software]\naliases: [/old/third/]\n---\n"
        "English text with `code` and a [link](https://example.org).\n", encoding="utf-8")
    return root


WORDS = "数字化 出海 跨境 软件 平台 供应链 直播 电商 物流 云计算 大模型 冷链 增长 品牌 工厂".split()


def generated_site(root: Path, n: int = 200) -> Path:
    """n articles with tags, categories, headings, lists, tables and topic mentions (deterministic)."""
    small_site(root)
    rnd = random.Random(7)
    posts = root / "content" / "posts"
    for i in range(n):
        tags = rnd.sample(WORDS, 3)
        paras = []
        for _ in range(rnd.randint(3, 7)):
            paras.append("".join(rnd.choice(WORDS) + rnd.choice("，、。") for _ in range(rnd.randint(5, 25))))
        body = (f"## 第{i}节\n\n" + "\n\n".join(paras) + "\n\n- " + "\n- ".join(rnd.sample(WORDS, 3))
                + "\n\n| 甲 | 乙 |\n|---|---|\n| 软件 | 平台 |\n")
        (posts / f"g{i:04d}.md").write_text(
            f"---\ntitle: 生成的文章 {i} {tags[0]}\ndate: 2024-{1 + i % 12:02d}-{1 + i % 28:02d} {i % 24:02d}:00:00\n"
            f"tags: [{', '.join(tags)}]\ncategories: [c{i % 4}]\n---\n{body}", encoding="utf-8")
    return root


# --- parallel == serial ------------------------------------------------------------------------------

def test_run_chunks_uses_workers_and_keeps_order() -> None:
    got = list(run_chunks(10, lambda a, b: (a, b, os.getpid()), jobs=2, chunk=2))
    assert [(a, b) for a, b, _ in got] == [(0, 2), (2, 4), (4, 6), (6, 8), (8, 10)]
    assert all(pid != os.getpid() for _a, _b, pid in got)
    assert [x[:2] for x in run_chunks(3, lambda a, b: (a, b), jobs=1, chunk=2)] == [(0, 2), (2, 3)]


def test_small_site_parallel_equals_serial(tmp_path: Path) -> None:
    site = small_site(tmp_path / "site")
    clean_build(site, tmp_path / "serial", jobs=1)
    clean_build(site, tmp_path / "parallel", jobs=2)
    assert_same(tmp_path / "serial", tmp_path / "parallel")


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("big")
    site = generated_site(tmp / "site")
    clean_build(site, tmp / "serial", jobs=1)
    return site, tmp / "serial"


def test_generated_site_parallel_equals_serial(big: tuple[Path, Path], tmp_path: Path) -> None:
    site, serial = big
    assert len(list((serial / "posts").iterdir())) > 200
    clean_build(site, tmp_path / "parallel", jobs=2)
    assert_same(serial, tmp_path / "parallel")


def test_search_docs_identical_in_parallel(big: tuple[Path, Path]) -> None:
    from builder.config import load_config
    from builder.pipeline.build import build_date
    from builder.pipeline.derive import derive
    from builder.pipeline.load import load
    from builder.render import render_site

    site_dir, _ = big
    config = load_config(site_dir)
    got = []
    for jobs, parse in ((1, True), (2, False)):
        docs, resources = load(config, parse_markdown=parse)
        site = derive(docs, resources, config)
        seen: list = []

        def capture(search_docs, editions, seen=seen):  # type: ignore[no-untyped-def]
            seen.extend(search_docs)
            return []
        outs = {o.path: o.data for o in render_site(site, config, build_date(config, site.articles[0].date),
                                                    capture, jobs=jobs)}
        got.append((outs, [(d.kind, d.date, list(d.url.items()), list(d.title.items()), list(d.summary.items()),
                            list(d.tags.items()), list(d.text.items())) for d in seen]))
    assert got[0][1] and len(got[0][1]) > 200
    assert got[0] == got[1]


def test_template_error_same_in_parallel(tmp_path: Path) -> None:
    site = generated_site(tmp_path / "site", n=40)
    (site / "templates").mkdir()
    base = (REPO / "builder" / "theme" / "templates" / "article.html").read_text(encoding="utf-8")
    broken = base.replace("{% block main %}", "{% block main %}{{ page.no_such_key }}", 1)
    (site / "templates" / "article.html").write_text(broken, encoding="utf-8")
    errors = []
    for jobs in (1, 2):
        with pytest.raises(BuildFailed) as exc:
            build(site, tmp_path / f"out{jobs}", jobs=jobs)
        errors.append([str(e) for e in exc.value.errors])
        assert not (tmp_path / f"out{jobs}").exists()
    assert errors[0] == errors[1]
    assert errors[0] and all("templates/article.html" in e for e in errors[0])


# --- warm builds and the fingerprint ---------------------------------------------------------------------

def test_warm_build_skips_and_equals_clean(tmp_path: Path) -> None:
    site = small_site(tmp_path / "site")
    out = tmp_path / "out"
    clean_build(site, out)
    before = tree(out)
    r = build(site, out)
    assert r.skipped and r.pages > 0
    assert tree(out) == before
    clean_build(site, tmp_path / "clean")
    assert_same(out, tmp_path / "clean")


def test_edit_one_article_equals_clean_build(big: tuple[Path, Path], tmp_path: Path) -> None:
    site_src, serial = big
    site = tmp_path / "site"
    shutil.copytree(site_src, site)
    out = tmp_path / "out"
    shutil.copytree(serial, out)  # the previous output (it has a manifest, so it may be replaced)
    assert not build(site, out, jobs=2).skipped  # no record for this site folder yet
    assert build(site, out, jobs=2).skipped
    css = next((out / "tongwen").rglob("*.css"))
    inode = css.stat().st_ino
    article = site / "content" / "posts" / "g0100.md"
    edited = article.read_text(encoding="utf-8").replace("## 第100节", "## 改过的一节\n\n新的一段，提到跨境。")
    article.write_text(edited, encoding="utf-8")
    r = build(site, out, jobs=2)
    assert not r.skipped
    clean_build(site, tmp_path / "clean")
    assert_same(out, tmp_path / "clean")
    assert (out / "posts" / "g0100" / "index.html").read_text(encoding="utf-8").count("改过的一节")
    assert css.stat().st_ino == inode  # an unchanged file was linked, not rewritten


@pytest.mark.parametrize("damage", ["truncate", "garble", "empty", "wrong-fingerprint", "not-json-object"])
def test_corrupt_cache_is_ignored(tmp_path: Path, damage: str) -> None:
    site = small_site(tmp_path / "site")
    out = tmp_path / "out"
    clean_build(site, out)
    data = record(site, out, records.BUILD)
    assert data is not None
    # change an input *and* damage the record: a trusted stale record would keep the old title
    (site / "site.yaml").write_text((site / "site.yaml").read_text(encoding="utf-8").replace(
        "同文知识库", "改名的知识库"), encoding="utf-8")
    if damage == "truncate":  # (the stored checksum catches these three)
        damage_record(site, out, records.BUILD, data[: len(data) // 2], checked=False)
    elif damage == "garble":
        damage_record(site, out, records.BUILD, bytes(b ^ 0x5A for b in data), checked=False)
    elif damage == "empty":
        damage_record(site, out, records.BUILD, b"", checked=False)
    elif damage == "wrong-fingerprint":  # (these two have a checksum that matches: the reader refuses them)
        damage_record(site, out, records.BUILD, data.replace(b'"fingerprint": "', b'"fingerprint": "0'))
    else:
        damage_record(site, out, records.BUILD, b"[1, 2, 3]")
    r = build(site, out)
    assert not r.skipped
    clean_build(site, tmp_path / "clean")
    assert_same(out, tmp_path / "clean")
    assert "改名的知识库" in (out / "index.html").read_text(encoding="utf-8")


def test_record_of_unchanged_inputs_with_touched_output_rebuilds(tmp_path: Path) -> None:
    site = small_site(tmp_path / "site")
    out = tmp_path / "out"
    clean_build(site, out)
    good = tree(out)
    (out / "index.html").write_text("vandalised", encoding="utf-8")
    assert not build(site, out).skipped
    assert tree(out) == good
    (out / "404.html").unlink()
    assert not build(site, out).skipped
    assert tree(out) == good


def test_builder_version_change_invalidates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    site = small_site(tmp_path / "site")
    out = tmp_path / "out"
    clean_build(site, out)
    assert build(site, out).skipped
    monkeypatch.setattr(identity, "builder_digest", lambda: "another builder version")
    assert not build(site, out).skipped
    assert build(site, out).skipped


@pytest.mark.parametrize("change", ["config", "base_url", "drafts", "template", "static", "new-file",
                                    "delete-file", "source-date-epoch", "other-out"])
def test_any_input_change_invalidates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: str) -> None:
    site = small_site(tmp_path / "site")
    out = tmp_path / "out"
    clean_build(site, out)
    kwargs: dict = {}
    if change == "config":
        (site / "site.yaml").write_text((site / "site.yaml").read_text(encoding="utf-8") + "paginate: 3\n",
                                        encoding="utf-8")
    elif change == "base_url":
        kwargs["base_url"] = "https://elsewhere.example/"
    elif change == "drafts":
        kwargs["drafts"] = True
    elif change == "template":
        (site / "templates").mkdir()
        (site / "templates" / "404.html").write_text("{{ title }}\n", encoding="utf-8")
    elif change == "static":
        (site / "static").mkdir()
        (site / "static" / "extra.txt").write_text("x", encoding="utf-8")
    elif change == "new-file":
        (site / "content" / "posts" / "new.md").write_text("---\ntitle: 新\ndate: 2025-01-01\n---\n正文\n",
                                                           encoding="utf-8")
    elif change == "delete-file":
        (site / "content" / "posts" / "third.md").unlink()
    elif change == "source-date-epoch":
        monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    else:
        out = tmp_path / "out2"
    r = build(site, out, **kwargs)
    assert not r.skipped
    shutil.rmtree(site / identity.CACHE_DIR)
    build(site, tmp_path / "clean", **kwargs)
    assert_same(out, tmp_path / "clean")


def test_failed_build_keeps_output_and_record(tmp_path: Path) -> None:
    site = small_site(tmp_path / "site")
    out = tmp_path / "out"
    clean_build(site, out)
    good = tree(out)
    bad = site / "content" / "posts" / "bad.md"
    bad.write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    with pytest.raises(BuildFailed):
        build(site, out, jobs=2)
    assert tree(out) == good
    bad.unlink()
    assert build(site, out).skipped


def test_foreign_file_in_output_survives_or_is_refused(tmp_path: Path) -> None:
    site = small_site(tmp_path / "site")
    out = tmp_path / "out"
    clean_build(site, out)
    (out / "mine.txt").write_text("not Tongwen's", encoding="utf-8")
    assert build(site, out).skipped  # nothing to write; the file is left alone
    shutil.rmtree(site / identity.CACHE_DIR)  # no state: a full build would replace the folder
    with pytest.raises(BuildFailed):
        build(site, out)
    assert (out / "mine.txt").exists()
