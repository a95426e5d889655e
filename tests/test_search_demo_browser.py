"""Search on the demo site in a real Chromium (issue 5's acceptance): 出海, 源头厂货, 1688, a Traditional
query on the 简体 edition and a Simplified one on the 繁體 edition all list the seed article; nonsense
shows the empty message; over HTTP and from file://."""

from pathlib import Path

import pytest

from conftest import CHROMIUM, NO_CHROMIUM

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=NO_CHROMIUM)
SEED_CN = "1688找到生意增长新路径"
SEED_TW = "1688找到生意增長新路徑"


def _search(browser, url: str, query: str) -> tuple[list[str], str, list[str]]:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" and "net::" not in m.text else None)
    page.goto(url)
    box = page.locator("form[data-tw-search] input[type=search]").first
    box.click()
    box.type(query, delay=20)
    page.wait_for_function("""() => { const s = document.querySelector('.tw-search-status');
        const l = document.querySelectorAll('.tw-search-list a');
        return l.length > 0 || (s && s.textContent.trim().length > 0 && !/…/.test(s.textContent)); }""",
                           timeout=10000)
    page.wait_for_timeout(200)
    titles = page.locator(".tw-search-list a .tw-search-title, .tw-search-list a").all_inner_texts()
    status = page.locator(".tw-search-status").inner_text()
    marks = page.locator(".tw-search-list mark").all_inner_texts()
    page.close()
    assert not problems, problems
    return titles, status, marks


@pytest.mark.parametrize("edition, query, title", [
    ("", "出海", SEED_CN), ("", "源头厂货", SEED_CN), ("", "1688", SEED_CN),
    ("", "產業帶", SEED_CN),  # Traditional query on the 简体 edition
    ("zh-tw/", "产业带", SEED_TW),  # Simplified query on the 繁體 edition
    ("zh-tw/", "出海", SEED_TW),
])
def test_queries_list_the_seed_article(browser, demo_server: str, edition: str, query: str, title: str) -> None:  # type: ignore[no-untyped-def]
    titles, status, marks = _search(browser, demo_server + edition + "posts/1688-growth-path/", query)
    assert any(title in t for t in titles), (query, titles, status)
    assert any("2025年2月11日" in t for t in titles)  # dates as the pages write them
    assert marks, "matched words are highlighted"


def test_nonsense_shows_empty_message(browser, demo_server: str) -> None:  # type: ignore[no-untyped-def]
    titles, status, _ = _search(browser, demo_server, "qzxqzx")
    assert not titles and "没有找到结果" in status
    titles, status, _ = _search(browser, demo_server + "zh-tw/", "qzxqzx")
    assert not titles and "沒有找到結果" in status


def test_search_from_file_url(browser, demo_site: Path) -> None:  # type: ignore[no-untyped-def]
    url = (demo_site / "zh-tw/posts/1688-growth-path/index.html").as_uri()
    titles, _status, _ = _search(browser, url, "产业带")
    assert any(SEED_TW in t for t in titles)
    titles, _status, _ = _search(browser, (demo_site / "index.html").as_uri(), "厂牌")
    assert titles


def test_result_links_open_the_page_in_the_readers_edition(browser, demo_server: str) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    page.goto(demo_server + "zh-tw/")
    box = page.locator("form[data-tw-search] input[type=search]").first
    box.click()
    box.type("分銷", delay=20)
    page.wait_for_selector(".tw-search-list a", timeout=10000)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert "/zh-tw/" in page.url
    page.close()
