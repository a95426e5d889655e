"""In a real Chromium: the edition switch on an article lands on the same article in the other script,
over HTTP and from disk (file://)."""

from pathlib import Path

import pytest

from conftest import CHROMIUM, NO_CHROMIUM

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=NO_CHROMIUM)


def test_switch_over_http(browser, demo_server: str) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(demo_server + "posts/1688-growth-path/")
    assert page.locator("h1.post-title").inner_text() == "1688找到生意增长新路径"
    page.click(".edition-switch a[hreflang='zh-TW']")
    page.wait_for_load_state()
    assert page.url == demo_server + "zh-tw/posts/1688-growth-path/"
    assert page.locator("h1.post-title").inner_text() == "1688找到生意增長新路徑"
    assert page.locator("html").get_attribute("lang") == "zh-TW"
    page.click(".edition-switch a[hreflang='zh-CN']")
    page.wait_for_load_state()
    assert page.url == demo_server + "posts/1688-growth-path/"
    assert not errors
    page.close()


def test_switch_from_disk(browser, demo_site: Path) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    page.goto((demo_site / "posts/1688-growth-path/index.html").as_uri())
    page.click(".edition-switch a[hreflang='zh-TW']")
    page.wait_for_load_state()
    assert page.url.endswith("/zh-tw/posts/1688-growth-path/index.html")
    assert page.locator("h1.post-title").inner_text() == "1688找到生意增長新路徑"
    page.close()
