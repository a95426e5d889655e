"""The repository's demo site: the seed article and ten derived topic pages, in both editions."""

import re
import shutil
from pathlib import Path

import pytest

from builder.pipeline.build import build
from builder.text.markdown import parse, passages
from conftest import REPO, page_text, read, squash


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "public"
    build(REPO, out)
    return out


def test_article_has_every_seed_paragraph_thumbnail_source_and_widgets(demo: Path) -> None:
    seed = (REPO / "content/posts/1688-growth-path.md").read_text(encoding="utf-8")
    body = seed.split("\n---\n", 1)[1]
    html = read(demo, "posts/1688-growth-path/index.html")
    text = squash(page_text(html))
    paras = passages(parse(body))
    assert len(paras) >= 25
    for p in paras:
        assert squash(p.text) in text, p.text[:30]
    assert 'src="https://wpimg-wscn.awtmt.com/5bddd080-4cda-41ce-b323-56e0a9379fb3.jpeg"' in html
    assert 'href="https://wallstreetcn.com/articles/3740862"' in html
    assert "widget-search" in html and "widget-recent" in html and "widget-taglist" in html


def test_zh_tw_article_is_s2twp_with_urls_untouched(demo: Path) -> None:
    tw = read(demo, "zh-tw/posts/1688-growth-path/index.html")
    cn = read(demo, "posts/1688-growth-path/index.html")
    assert "產業帶" in tw and "产业带" in cn
    for url in re.findall(r'(?:src|href)="(https?://[^"]+)"', cn):
        if "example.org" not in url:
            assert url in tw
    assert "平台" in tw and "平臺" not in tw  # the demo glossary pins 平台


def test_ten_topics_and_two_collections_in_both_editions(demo: Path) -> None:
    for prefix in ("", "zh-tw/"):
        topics = [p for p in (demo / prefix / "topics").glob("*/*/index.html") if p.parent.name != "graph"]
        assert len(topics) == 10
        assert len(list((demo / prefix / "topics").glob("*/graph/index.html"))) == 2  # each collection's graph
        assert len(list((demo / prefix / "topics").glob("*/index.html"))) == 2
        for t in topics:
            html = t.read_text(encoding="utf-8")
            links = re.findall(r'<figcaption><a href="([^"]+)#(p-[0-9a-f]+)"', html)
            assert links, t
            target = (t.parent / links[0][0] / "index.html").resolve()
            assert f'id="{links[0][1]}"' in target.read_text(encoding="utf-8")


def test_article_links_back_to_topics(demo: Path) -> None:
    html = read(demo, "posts/1688-growth-path/index.html")
    assert len(set(re.findall(r'class="topic-link" href="([^"]+)"', html))) >= 8


def test_demo_build_is_byte_identical(tmp_path: Path, demo: Path) -> None:
    out = tmp_path / "again"
    build(REPO, out)
    for p in demo.rglob("*"):
        if p.is_file():
            assert (out / p.relative_to(demo)).read_bytes() == p.read_bytes(), p
    shutil.rmtree(out)
