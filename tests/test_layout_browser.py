"""Layout in Chromium: no horizontal scrolling from 360 px to wide, images reserve their space,
keyboard focus is visible, the menu and the search form are reachable with Tab."""

from __future__ import annotations

from pathlib import Path

import pytest
from webtools import block_external, browser, build_demo, serve

PAGES = ["", "posts/1688-growth-path/", "search/", "tags/", "tags/wallstreetcn/", "topics/五大举措/",
         "topics/五大举措/bao-shengyi/", "404.html"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("layout") / "out")


def test_no_horizontal_overflow(demo: Path) -> None:
    wide = []
    with serve(demo) as base, browser() as b:
        for width in (360, 390, 1280):
            ctx = b.new_context(viewport={"width": width, "height": 800})  # type: ignore[attr-defined]
            block_external(ctx)
            page = ctx.new_page()
            for prefix in ("", "zh-tw/"):
                for path in PAGES:
                    page.goto(base + prefix + path)
                    sw, iw = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
                    if sw > iw:
                        culprits = page.evaluate(
                            "() => [...document.querySelectorAll('body *')].filter(e => "
                            "e.getBoundingClientRect().right > window.innerWidth + 1).slice(0, 3)"
                            ".map(e => e.tagName + '.' + e.className)")
                        wide.append(f"{width}px /{prefix}{path}: scrollWidth {sw} > {iw} {culprits}")
            ctx.close()
    assert wide == []


def test_images_reserve_space_and_keyboard(demo: Path) -> None:
    with serve(demo) as base, browser() as b:
        ctx = b.new_context(viewport={"width": 390, "height": 800})  # type: ignore[attr-defined]
        block_external(ctx)  # remote images never load: they collapse (tongwen.js), no empty box is left
        page = ctx.new_page()
        page.goto(base + "posts/1688-growth-path/")
        page.wait_for_function("() => document.querySelector('.post-thumbnail').hidden", timeout=10000)
        assert page.evaluate("document.querySelector('.post-thumbnail').getBoundingClientRect().height") == 0
        broken = page.evaluate("[...document.querySelectorAll('.post-content img')].filter(i => i.complete && "
                               "i.naturalWidth === 0).length")
        assert broken == 0  # (the lazy ones below the fold collapse when they are reached)
        # Tab: the skip link first, visibly; then the header; the search box is reachable
        page.keyboard.press("Tab")
        first = page.evaluate("[document.activeElement.className, "
                              "document.activeElement.getBoundingClientRect().left >= 0, "
                              "getComputedStyle(document.activeElement).outlineStyle]")
        assert first[0] == "skip-link" and first[1] and first[2] != "none"
        seen = []
        for _ in range(150):  # (the article's graph and backlinks come before the sidebar)
            page.keyboard.press("Tab")
            seen.append(page.evaluate("document.activeElement.tagName + ':' + (document.activeElement.type || '')"))
            style = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
            assert style != "none", f"no visible focus on {seen[-1]}"
            if seen[-1] == "INPUT:search":
                break
        assert "INPUT:search" in seen
        page.keyboard.type("1688")
        page.keyboard.press("Enter")  # the search page for the query lists the results
        page.wait_for_selector(".tw-search-results .tw-search-list a", timeout=10000)
        assert "/search/?q=1688" in page.url and "1688" in page.inner_text(".tw-search-results")
        page.focus(".search-page input[name=q]")
        page.keyboard.press("Tab")  # from the search box: the button, then the first result
        page.keyboard.press("Tab")
        assert page.evaluate("!!document.activeElement.closest('.tw-search-results .tw-search-item')")
        ctx.close()
