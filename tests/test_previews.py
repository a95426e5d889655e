"""Link previews' data (render/previews.py): per edition, small shards of cards, the script on pages,
switched off per site and per page, and a summary change renders only its shard again."""

from __future__ import annotations

import json
import re
from pathlib import Path

from builder.knowledge.shards import PER_SHARD, shard_count, shard_of
from builder.pipeline.build import build
from conftest import make_and_build, read, write_site


def _post(name: str, title: str, date: str, body: str, extra: str = "") -> tuple[str, str]:
    return (f"content/posts/{name}.md", f"---\ntitle: {title}\ndate: {date}\n{extra}---\n{body}\n")


SITE = dict([
    _post("a", "甲文", "2024-01-01", "甲文正文讲软件。", "summary: 甲文的摘要，讲软件\n"),
    _post("b", "乙文", "2024-02-01", "乙文链到[甲文](a.md)。", "thumbnail: /img/b.png\n"),
    *[_post(f"g{i}", f"文章{i}", f"2023-01-{i + 1:02d}", f"第{i}篇。") for i in range(20)],
    ("content/topics/col/_index.md", "---\ntitle: 专题集\n---\n"),
    ("content/topics/col/t.md", "---\ntitle: 出海\naliases: [出海]\n---\n出海专题的介绍。\n"),
])


def _records(out: Path, prefix: str = "") -> dict[str, dict[str, str]]:
    got: dict[str, dict[str, str]] = {}
    for p in sorted((out / prefix / "previews").glob("*.js")):
        m = re.fullmatch(r"tongwenPreview\((\d+),(.*)\);\n", p.read_text(encoding="utf-8"), re.S)
        assert m and m.group(1) == p.stem, p
        for path, rec in json.loads(m.group(2)).items():
            assert shard_of(path, shard_count(23)) == int(p.stem)  # where previews.js looks for it
            got[path] = rec
    return got


def test_shards_hold_every_article_and_topic_in_each_edition(tmp_path: Path) -> None:
    out = make_and_build(tmp_path, SITE)
    zh, tw = _records(out), _records(out, "zh-tw")
    assert len(zh) == len(tw) == 23 and len(list((out / "previews").glob("*.js"))) == shard_count(23) == 3
    assert zh["posts/a/"] == {"t": "甲文", "d": "2024年1月1日", "s": "甲文的摘要，讲软件"}
    assert tw["posts/a/"]["s"] == "甲文的摘要，講軟體"  # converted like every text of the edition
    assert zh["posts/b/"]["i"] == "img/b.png"  # from the site's root: previews.js prefixes it
    assert zh["topics/col/t/"] == {"t": "出海", "s": "出海专题的介绍。"}
    html = read(out, "posts/b/index.html")
    assert 'src="../../tongwen/previews.js" data-root="../../" data-site-root="../../" data-shards="3"' in html
    assert 'data-root="../../../zh-tw/" data-site-root="../../../"' in read(out, "zh-tw/posts/b/index.html")
    assert (out / "tongwen/previews.js").is_file()


def test_shard_of_is_crc32() -> None:
    assert shard_of("", 1 << 32) == 0
    assert shard_of("a", 1 << 32) == 0xE8B7BE43  # CRC-32 of "a"
    assert shard_of("posts/软件/", 1 << 32) == 0x736844E0  # of its UTF-8 bytes
    assert shard_count(0) == 1 and shard_count(PER_SHARD) == 1 and shard_count(PER_SHARD + 1) == 2


def test_switched_off_per_site_and_per_page(tmp_path: Path) -> None:
    site = dict(SITE)
    site["content/posts/b.md"] = site["content/posts/b.md"].replace("---\n乙", "previews: false\n---\n乙")
    out = make_and_build(tmp_path / "page", site)
    assert "previews.js" not in read(out, "posts/b/index.html")
    assert "previews.js" in read(out, "posts/a/index.html")
    site["site.yaml"] = "title: 测试站\nbase_url: https://example.org/\nknowledge: {previews: false}\n"
    out = make_and_build(tmp_path / "site", site)
    assert "previews.js" not in read(out, "posts/a/index.html") and not (out / "previews").exists()


def test_a_summary_change_renders_its_shard_again(tmp_path: Path) -> None:
    """A body edit changes an article's automatic summary (no front matter changes): its shard shows
    the new one in each edition. Verify mode: the incremental build equals a clean one."""
    site = write_site(tmp_path / "site", SITE)
    out = tmp_path / "out"
    build(site, out, jobs=1, verify=True)
    shard = out / "previews" / f"{shard_of('posts/g3/', 3)}.js"
    before = {p.name: p.stat().st_mtime_ns for p in (out / "previews").glob("*.js")}
    p = site / "content/posts/g3.md"
    p.write_text(p.read_text(encoding="utf-8").replace("第3篇。", "第3篇改写了，讲软件。"), encoding="utf-8")
    r = build(site, out, jobs=1, verify=True)
    assert r.jobs_kept > 0
    assert _records(out)["posts/g3/"]["s"] == "第3篇改写了，讲软件。"
    assert _records(out, "zh-tw")["posts/g3/"]["s"] == "第3篇改寫了，講軟體。"
    after = {p.name: p.stat().st_mtime_ns for p in (out / "previews").glob("*.js")}
    assert [n for n in sorted(after) if after[n] != before[n]] == [shard.name]  # the other shards stand
