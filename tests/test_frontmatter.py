import datetime as dt
from pathlib import Path

from builder.config import load_config
from builder.pipeline.frontmatter import parse_date, read


def _config(tmp_path: Path):  # type: ignore[no-untyped-def]
    (tmp_path / "site.yaml").write_text("title: x\n", encoding="utf-8")
    return load_config(tmp_path)


def test_seed_front_matter_shape(tmp_path: Path, seed_text: str) -> None:
    meta, body, body_line, errors = read(seed_text, "content/posts/a.md", _config(tmp_path))
    assert not errors
    assert meta.title == "1688找到生意增长新路径"
    assert meta.date == dt.datetime(2025, 2, 11, 18, 56, 6, tzinfo=meta.date.tzinfo)
    assert meta.date.utcoffset() == dt.timedelta(hours=8)  # naive dates are in Asia/Shanghai
    assert meta.lang == "zh-CN" and meta.tags == ("wallstreetcn",) and meta.categories == ("wallstreetcn",)
    assert meta.menu == "" and meta.sidebar == "right" and meta.widgets == ("search", "recent", "taglist")
    assert meta.thumbnail is not None and meta.thumbnail.src.startswith("https://wpimg-wscn")
    assert meta.pager and not meta.toc and not meta.comments
    assert body_line == 27 and body.startswith("\n![](")


def test_toml_front_matter_and_params(tmp_path: Path) -> None:
    text = '+++\ntitle = "标题"\ndate = 2025-01-02T03:04:05Z\ncustom = "x"\n+++\nbody\n'
    meta, body, line, errors = read(text, "a.md", _config(tmp_path))
    assert not errors and meta.title == "标题" and meta.date is not None and meta.date.year == 2025
    assert dict(meta.params) == {"custom": "x"} and body == "body\n" and line == 6


def test_thumbnail_mapping_and_sidebar_false(tmp_path: Path) -> None:
    text = "---\nthumbnail:\n  src: a.png\n  visibility: [list]\nsidebar: false\n---\nx\n"
    meta, _b, _l, errors = read(text, "a.md", _config(tmp_path))
    assert not errors and meta.thumbnail is not None
    assert meta.thumbnail.in_list and not meta.thumbnail.in_post and meta.sidebar == "false"


def test_errors_are_located(tmp_path: Path) -> None:
    text = "---\ntitle: ok\ndate: 2025-02-30\ntoc: maybe\nwidgets: [serch]\n---\n"
    _m, _b, _l, errors = read(text, "content/a.md", _config(tmp_path))
    msgs = sorted(str(e) for e in errors)
    assert any(m.startswith("content/a.md:3:") and "date" in m for m in msgs)
    assert any(m.startswith("content/a.md:4:") and "toc" in m for m in msgs)
    assert any(m.startswith("content/a.md:5:") and "did you mean 'search'" in m for m in msgs)


def test_yaml_syntax_error_line(tmp_path: Path) -> None:
    text = "---\ntitle: ok\ntags: [a, b\n---\n"
    _m, _b, _l, errors = read(text, "content/a.md", _config(tmp_path))
    assert errors and str(errors[0]).startswith("content/a.md:3:7:")  # where the '[' opens
    assert "gave up at line 4" in str(errors[0])  # and where the parser gave up


def test_dates_with_zones() -> None:
    tz = dt.timezone(dt.timedelta(hours=8))
    assert parse_date("2025-02-11T10:00:00Z", tz).utcoffset() == dt.timedelta(0)
    assert parse_date("2025-02-11T10:00:00+02:00", tz).utcoffset() == dt.timedelta(hours=2)
    assert parse_date("2025-02-11", tz).utcoffset() == dt.timedelta(hours=8)
