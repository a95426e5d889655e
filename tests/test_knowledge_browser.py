"""Backlinks and link previews in real Chromium, both editions, over http:// and from file://.

The site is the demo site plus two articles linking to the seed article (by its `.md` path and by
its URL path) and to a topic, so the seed article and the topic have backlinks."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from webtools import AXE, REPO, axe_serious, block_external, browser, serve

VNU = REPO / "tools/node_modules/vnu-jar/build/dist/vnu.jar"
SEED = "posts/1688-growth-path/"
TOPIC = "topics/五大举措/bao-shengyi/"
EXTRA = {
    "content/posts/link-a.md": """---
title: 读后记：产业带复苏
date: 2025-02-12
summary: 一篇链到种子文章的读后记。
---
读完[1688找到生意增长新路径](1688-growth-path.md)之后，我们回头看产业带。另外，[保生意](../topics/五大举措/bao-shengyi.md)值得细读。
""",
    "content/posts/link-b.md": """---
title: 软件与出海
date: 2025-02-13
summary: 第二篇链到种子文章的文章。
---
这家公司的软件业务参考了[那篇文章](/posts/1688-growth-path/)里的做法。
""",
}


@pytest.fixture(scope="module")
def site_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import os

    from builder.pipeline.build import build
    root = tmp_path_factory.mktemp("knowledge")
    site = root / "site"
    for name in ("content", "templates"):
        shutil.copytree(REPO / name, site / name)
    shutil.copy(REPO / "site.yaml", site / "site.yaml")
    for rel, text in EXTRA.items():
        (site / rel).write_text(text, encoding="utf-8")
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1739271366")
    build(site, root / "out")
    return root / "out"


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    with browser() as b:
        yield b


@pytest.fixture(scope="module")
def http_base(site_out: Path) -> Iterator[str]:
    with serve(site_out) as url:
        yield url


def _bases(site_out: Path, http_base: str) -> list[tuple[str, str]]:
    return [("http", http_base), ("file", site_out.as_uri() + "/")]


def _page(chromium: object, scheme: str) -> object:
    ctx = chromium.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
    block_external(ctx) if scheme == "http" else None
    return ctx.new_page()


def _url(base: str, scheme: str, path: str) -> str:
    return base + path + ("index.html" if scheme == "file" else "")


@pytest.mark.parametrize("scheme", ["http", "file"])
@pytest.mark.parametrize("prefix", ["", "zh-tw/"])
def test_backlinks_of_the_seed_article_and_a_topic(chromium: object, site_out: Path, http_base: str,
                                                   scheme: str, prefix: str) -> None:
    base = dict(_bases(site_out, http_base))[scheme]
    page = _page(chromium, scheme)
    page.goto(_url(base, scheme, prefix + SEED))  # type: ignore[attr-defined]
    sec = page.locator("section.backlinks")  # type: ignore[attr-defined]
    assert sec.is_visible()
    items = sec.locator(".backlink-list li")
    assert items.count() == 2
    text = sec.inner_text()
    if prefix:
        assert "提及於" in text and "軟體與出海" in text and "這家公司的軟體業務參考了那篇文章裡的做法。" in text
    else:
        assert "被引用" in text and "软件与出海" in text
        assert "读完1688找到生意增长新路径之后，我们回头看产业带。" in text
    assert text.index("软件与出海" if not prefix else "軟體與出海") < text.index("读后记" if not prefix else "讀後記")
    items.first.locator("a").click()
    page.wait_for_load_state()  # type: ignore[attr-defined]
    assert "link-b" in page.url  # type: ignore[attr-defined]
    page.goto(_url(base, scheme, prefix + TOPIC))  # type: ignore[attr-defined]
    topic = page.locator("section.backlinks").inner_text()  # type: ignore[attr-defined]
    assert ("读后记" if not prefix else "讀後記") in topic and ("值得细读" if not prefix else "值得細讀") in topic
    page.context.close()  # type: ignore[attr-defined]


@pytest.mark.parametrize("scheme", ["http", "file"])
@pytest.mark.parametrize("prefix", ["", "zh-tw/"])
def test_preview_card_on_hover_and_focus(chromium: object, site_out: Path, http_base: str,
                                         scheme: str, prefix: str) -> None:
    base = dict(_bases(site_out, http_base))[scheme]
    page = _page(chromium, scheme)
    page.goto(_url(base, scheme, prefix + "posts/link-a/"))  # type: ignore[attr-defined]
    card = page.locator("#tongwen-preview")  # type: ignore[attr-defined]
    seed_link = page.locator(".post-content a").first  # type: ignore[attr-defined]
    seed_link.hover()
    card.wait_for(state="visible", timeout=5000)
    title = "1688找到生意增長新路徑" if prefix else "1688找到生意增长新路径"
    assert card.locator(".preview-title").inner_text() == title
    assert card.locator(".preview-date").inner_text()
    assert card.locator(".preview-summary").inner_text()
    assert seed_link.get_attribute("aria-describedby") == "tongwen-preview"
    page.mouse.move(5, 5)  # type: ignore[attr-defined]
    card.wait_for(state="hidden", timeout=3000)
    topic_link = page.locator(".post-content a", has_text="保生意").first  # type: ignore[attr-defined]
    topic_link.focus()
    card.wait_for(state="visible", timeout=5000)
    assert card.locator(".preview-title").inner_text() == "保生意"
    page.keyboard.press("Escape")  # type: ignore[attr-defined]
    card.wait_for(state="hidden", timeout=3000)
    page.context.close()  # type: ignore[attr-defined]


def test_a_tap_navigates_without_a_card(chromium: object, http_base: str) -> None:
    ctx = chromium.new_context(viewport={"width": 390, "height": 844}, has_touch=True,  # type: ignore[attr-defined]
                               is_mobile=True)
    block_external(ctx)
    page = ctx.new_page()
    page.goto(http_base + "posts/link-a/")
    page.locator(".post-content a").first.tap()  # the first tap goes to the page: no card in between
    page.wait_for_url("**/posts/1688-growth-path/**", timeout=5000)
    ctx.close()


def test_one_hover_loads_one_small_shard(chromium: object, http_base: str) -> None:
    page = _page(chromium, "http")
    loaded: list[str] = []
    page.on("response", lambda r: loaded.append(r.url) if "/previews/" in r.url else None)  # type: ignore[attr-defined]
    page.goto(http_base + "posts/link-a/")  # type: ignore[attr-defined]
    assert loaded == []  # nothing before a hover
    page.locator(".post-content a").first.hover()  # type: ignore[attr-defined]
    page.locator("#tongwen-preview").wait_for(state="visible", timeout=5000)  # type: ignore[attr-defined]
    assert len(loaded) == 1
    page.context.close()  # type: ignore[attr-defined]


def test_standards_on_a_page_with_backlinks_and_an_open_card(chromium: object, site_out: Path, http_base: str) -> None:
    if not AXE.is_file():
        pytest.skip("needs axe-core in tools/node_modules: `bash tools/test.sh` installs it")
    found = []
    for scheme_color in ("light", "dark"):
        ctx = chromium.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900},  # type: ignore[attr-defined]
                                   color_scheme=scheme_color)
        block_external(ctx)
        page = ctx.new_page()
        for prefix in ("", "zh-tw/"):
            page.goto(http_base + prefix + "posts/link-a/")
            page.locator(".post-content a").first.focus()
            page.locator("#tongwen-preview").wait_for(state="visible", timeout=5000)
            found += axe_serious(page, f"{scheme_color} /{prefix}posts/link-a/ (card open)")
            page.goto(http_base + prefix + SEED)
            found += axe_serious(page, f"{scheme_color} /{prefix}{SEED}")
        ctx.close()
    assert found == []
    if shutil.which("java") is None or not VNU.is_file():
        pytest.skip("needs Java and the Nu HTML Checker")
    files = [str(site_out / p / "index.html") for p in (SEED, "zh-tw/" + SEED, TOPIC, "zh-tw/" + TOPIC)]
    run = subprocess.run(["java", "-jar", str(VNU), "--errors-only", "--format", "json", *files],
                         capture_output=True, text=True, timeout=300)
    messages = json.loads(run.stderr or run.stdout or '{"messages": []}')["messages"]
    assert [m for m in messages if m.get("type") in ("error", "non-document-error")] == []


def test_scroll_hides_the_card_and_an_offscreen_link_focused_still_gets_one(chromium: object, http_base: str) -> None:
    ctx = chromium.new_context(viewport={"width": 1280, "height": 300})  # type: ignore[attr-defined]
    block_external(ctx)
    page = ctx.new_page()
    page.goto(http_base + SEED)
    card = page.locator("#tongwen-preview")
    link = page.locator("section.backlinks .backlink-list a").first  # far below the fold
    link.focus()  # scrolls it into view, then the card opens
    card.wait_for(state="visible", timeout=5000)
    assert card.locator(".preview-title").inner_text() == "软件与出海"
    page.evaluate("window.scrollBy(0, -200)")
    card.wait_for(state="hidden", timeout=3000)
    ctx.close()
