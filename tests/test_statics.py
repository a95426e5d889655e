"""The site's static/ at the site root, as in Hugo; the theme's assets under tongwen/; a collision
names both files (pipeline/statics.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from builder.errors import BuildFailed
from builder.pipeline.build import build
from conftest import make_and_build, read, write_site

ARTICLE = {"content/posts/a.md": '---\ntitle: "文章"\ndate: 2025-01-02\n---\n\n正文。\n'}


def test_static_files_are_published_at_the_root(tmp_path: Path) -> None:
    out = make_and_build(tmp_path, {**ARTICLE, "static/CNAME": "wiki.example.org\n",
                                    "static/favicon.ico": "ico", "static/_headers": "/*\n  X-Frame-Options: DENY\n",
                                    "static/.well-known/security.txt": "Contact: mailto:a@example.org\n",
                                    "static/img/logo.svg": "<svg/>", "static/.DS_Store": "junk"})
    assert read(out, "CNAME") == "wiki.example.org\n"
    assert read(out, "favicon.ico") == "ico" and read(out, "img/logo.svg") == "<svg/>"
    assert read(out, ".well-known/security.txt").startswith("Contact:")
    assert "X-Frame-Options" in read(out, "_headers")
    assert not (out / ".DS_Store").exists() and not (out / "static").exists()
    # the theme's assets live under their own folder, and the pages link there
    assert (out / "tongwen" / "style.css").is_file()
    assert 'href="../../tongwen/style.css"' in read(out, "posts/a/index.html")


def test_a_sites_robots_txt_replaces_the_generated_one(tmp_path: Path) -> None:
    out = make_and_build(tmp_path / "a", ARTICLE)
    assert "Sitemap: https://example.org/sitemap.xml" in read(out, "robots.txt")
    out = make_and_build(tmp_path / "b", {**ARTICLE, "static/robots.txt": "User-agent: *\nDisallow: /\n"})
    assert read(out, "robots.txt") == "User-agent: *\nDisallow: /\n"


@pytest.mark.parametrize(("rel", "other"), [
    ("index.html", "the generated index.html"),
    ("posts/a/index.html", "the generated posts/a/index.html"),
    ("sitemap.xml", "the generated sitemap.xml"),
    ("zh-tw/index.xml", "the generated zh-tw/index.xml"),
    ("tongwen/style.css", "the theme's builder/theme/static/style.css"),
    ("posts/a", "the generated folder posts/a/"),
    ("index.xml/x", "the generated file index.xml"),
])
def test_a_collision_is_an_error_naming_both_files(tmp_path: Path, rel: str, other: str) -> None:
    site = write_site(tmp_path / "site", {**ARTICLE, "static/CNAME": "a.example.org\n"})
    out = tmp_path / "out"
    build(site, out)
    before = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    write_site(site, {"static/" + rel: "mine"})
    with pytest.raises(BuildFailed) as e:
        build(site, out, reuse=False)
    assert f"static/{rel}:" in str(e.value) and other in str(e.value)
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == before  # nothing published


def test_static_edits_reach_an_incremental_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TONGWEN_VERIFY", "1")
    site = write_site(tmp_path / "site", {**ARTICLE, "static/CNAME": "a.example.org\n"})
    out = tmp_path / "out"
    build(site, out)
    (site / "static" / "CNAME").write_text("b.example.org\n", encoding="utf-8")
    (site / "static" / "ads.txt").write_text("google.com, pub-0, DIRECT\n", encoding="utf-8")
    build(site, out)
    assert read(out, "CNAME") == "b.example.org\n" and (out / "ads.txt").is_file()
    (site / "static" / "ads.txt").unlink()
    build(site, out)
    assert not (out / "ads.txt").exists()
    # a collision introduced by an edit fails the incremental build too, and keeps the output
    (site / "static" / "index.html").write_text("mine", encoding="utf-8")
    with pytest.raises(BuildFailed) as e:
        build(site, out)
    assert "static/index.html" in str(e.value) and read(out, "CNAME") == "b.example.org\n"
