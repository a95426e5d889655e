"""The search widget in a real browser (Playwright + Debian's Chromium), over http and from file://.

The page is a tiny harness (tests/search_harness.py): the real widget template, search.js/.css and
index files from build_search, under the same strict CSP the core's pages carry.
"""

from __future__ import annotations

import functools
import http.server
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository: builder, tests
from conftest import NO_CHROMIUM, NO_PLAYWRIGHT  # noqa: E402
from tests.search_harness import make_doc, write_site  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]

if not Path(CHROMIUM).exists():
    pytest.skip(NO_CHROMIUM, allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason=NO_PLAYWRIGHT)

NUM_A = "2025" * 10  # a 40-digit number just before the match: a naive snippet starts inside it
NUM_B = "3141592653589793238462643383279"  # where a naive 110-character snippet would end
DOCS = [
    make_doc("1688找到生意增长新路径", "电商行业持续内卷，如何破解电商增长困局无疑是平台在2025年的头等大事。"
             "2月10日，1688启动“产业带强势复苏”招商活动，发布了五大举措。", "2025-02-11", slug="growth",
             tags=("电商",)),
    make_doc("企业软件采购指南", "很多中小企业在采购软件时只看价格。本文讨论信息系统与网络安全的取舍，"
             "以及如何评估软件供应商。", "2024-06-01", slug="software"),
    make_doc("产业带工厂的数字化", "产业带上的工厂正在拥抱数字化转型。", "2023-03-05", slug="factory"),
    make_doc("长数字的摘要",
             "甲乙丙丁" * 10 + NUM_A + "的跨境业务，" + "戊己庚辛" * 13 + "壬癸" + NUM_B + "子丑寅卯" * 5,
             "2021-01-01", slug="numbers"),
    make_doc("<img src=x onerror=alert(1)>标题里的尖括号", "正文里也有<b>标签</b>，必须按文本显示。",
             "2022-01-01", slug="xss"),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("site")
    write_site(folder, DOCS)
    return folder


@pytest.fixture(scope="module")
def http_root(site: Path) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(params=["http", "file"])
def base(request: pytest.FixtureRequest, site: Path) -> str:
    if request.param == "http":
        return request.getfixturevalue("http_root")
    return site.as_uri() + "/"


class Page:
    """A page with the widget, collecting console errors and CSP violations."""

    def __init__(self, browser: object, url: str) -> None:
        self.page = browser.new_page()  # type: ignore[attr-defined]
        self.errors: list[str] = []
        self.page.on("console", lambda m: m.type in ("error", "warning") and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.add_init_script("""window.__csp = [];
            document.addEventListener('securitypolicyviolation',
                e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));""")
        self.page.goto(url)
        self.input = self.page.locator("input[name=q]")

    def type(self, text: str) -> None:
        self.input.click()
        self.input.fill("")
        self.input.type(text, delay=20)

    def titles(self) -> list[str]:
        self.page.wait_for_selector(".tw-search-panel:not([hidden]) .tw-search-status:not(:empty)")
        return self.page.locator(".tw-search-item .tw-search-title").all_text_contents()

    def status(self) -> str:
        return self.page.locator(".tw-search-status").text_content() or ""

    def settle(self) -> None:
        self.page.wait_for_timeout(400)

    def close(self) -> None:
        csp = self.page.evaluate("window.__csp")
        self.page.close()
        assert csp == [], f"CSP violations: {csp}"
        assert self.errors == [], f"console errors: {self.errors}"


@pytest.fixture
def open_page(browser: object, base: str) -> Iterator[object]:
    pages: list[Page] = []

    def opener(edition: str) -> Page:
        path = "posts/x/index.html" if edition == "zh-cn" else "zh-tw/posts/x/index.html"
        page = Page(browser, base + path)
        pages.append(page)
        return page

    yield opener
    for p in pages:
        p.close()


def test_simplified_query_finds_article(open_page) -> None:
    p = open_page("zh-cn")
    p.type("产业带")
    p.settle()
    titles = p.titles()
    assert titles[0] == "产业带工厂的数字化"  # title match first
    assert "1688找到生意增长新路径" in titles
    marks = p.page.locator(".tw-search-item mark").all_text_contents()
    assert "产业带" in marks
    href = p.page.locator(".tw-search-item a").first.get_attribute("href")
    assert href and href.startswith("../../posts/factory/")
    assert "条结果" in p.status()


def test_traditional_query_on_simplified_page_finds_simplified_phrase(open_page) -> None:
    p = open_page("zh-cn")
    p.type("軟體")
    p.settle()
    titles = p.titles()
    assert titles == ["企业软件采购指南"]  # 简体 display in the 简体 edition
    marks = p.page.locator(".tw-search-item mark").all_text_contents()
    assert "软件" in marks  # the phrase equivalent is highlighted, not just matched


def test_simplified_query_on_traditional_page(open_page) -> None:
    p = open_page("zh-tw")
    p.type("软件")
    p.settle()
    assert p.titles() == ["企業軟體採購指南"]
    assert "軟體" in p.page.locator(".tw-search-item mark").all_text_contents()
    href = p.page.locator(".tw-search-item a").first.get_attribute("href")
    assert href and href.startswith("../../../zh-tw/posts/software/")
    p.type("產業帶")
    p.settle()
    assert "產業帶工廠的數字化" in p.titles()


def test_digits(open_page) -> None:
    p = open_page("zh-cn")
    p.type("1688")
    p.settle()
    assert p.titles() == ["1688找到生意增长新路径"]


def test_nonsense_shows_empty_message(open_page) -> None:
    p = open_page("zh-cn")
    p.type("量子猫咪")
    p.settle()
    p.page.wait_for_selector(".tw-search-panel:not([hidden])")
    assert p.status() == "没有找到结果"
    assert p.page.locator(".tw-search-item").count() == 0
    q = open_page("zh-tw")
    q.type("qwertyzz")
    q.settle()
    q.page.wait_for_selector(".tw-search-panel:not([hidden])")
    assert q.status() == "沒有找到結果"


def test_snippet_is_cut_at_number_boundaries(open_page) -> None:
    p = open_page("zh-cn")
    p.type("跨境")
    p.settle()
    assert p.titles() == ["长数字的摘要"]
    snip = p.page.locator(".tw-search-item .tw-search-snippet").text_content() or ""
    assert snip.startswith("…" + NUM_A + "的跨境业务")  # the whole number, not its last 16 digits
    assert snip.endswith("壬癸…") and "314" not in snip  # ends before the second number, not inside it
    assert "跨境" in p.page.locator(".tw-search-item mark").all_text_contents()


def test_untrusted_text_is_not_html(open_page) -> None:
    p = open_page("zh-cn")
    p.type("尖括号")
    p.settle()
    assert p.titles() == ["<img src=x onerror=alert(1)>标题里的尖括号"]
    assert p.page.locator(".tw-search-panel img, .tw-search-panel b").count() == 0


def test_keyboard_navigation(open_page, base: str) -> None:
    p = open_page("zh-cn")
    p.type("产业带")
    p.settle()
    assert len(p.titles()) == 2
    p.input.press("ArrowDown")
    assert p.page.locator(".tw-search-item[aria-selected=true] .tw-search-title").text_content() == \
        "产业带工厂的数字化"
    p.input.press("ArrowDown")
    p.input.press("ArrowDown")  # wraps around
    assert p.page.locator(".tw-search-item[aria-selected=true]").count() == 1
    assert p.input.get_attribute("aria-activedescendant") == \
        p.page.locator(".tw-search-item").first.get_attribute("id")
    p.input.press("Escape")
    assert p.page.locator(".tw-search-panel").is_hidden()
    p.input.press("ArrowDown")  # reopens
    assert p.page.locator(".tw-search-panel").is_visible()
    with p.page.expect_navigation():
        p.input.press("Enter")
    assert "/posts/" in p.page.url and "/posts/x/" not in p.page.url


def test_enter_opens_the_search_page_and_panel_does_not_shift_layout(open_page) -> None:
    p = open_page("zh-cn")
    before = p.page.locator("#after").bounding_box()
    p.type("电商")
    p.settle()
    assert "1688找到生意增长新路径" in p.titles()
    assert p.page.locator("#after").bounding_box() == before
    with p.page.expect_navigation():
        p.input.press("Enter")  # no result chosen: the edition's search page lists them all
    url = p.page.url
    assert "/posts/" not in url and ("/search/?q=" in url or "/search/index.html?q=" in url)
    assert url.endswith("?q=" + quote("电商"))


def test_button_opens_the_search_page_of_the_edition(open_page) -> None:
    p = open_page("zh-tw")
    p.input.fill("軟體 採購")
    with p.page.expect_navigation():
        p.page.locator(".tw-search-submit").click()
    assert "/zh-tw/search/" in p.page.url and p.page.url.endswith("?q=" + quote("軟體 採購"))
