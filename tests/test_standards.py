"""Standards: the Nu HTML Checker finds no errors, axe-core finds no serious or critical
violations, and the RSS feeds validate (well-formed, absolute links, RFC 822 dates).

The tools live in tools/ (`cd tools && npm ci`); java is needed for vnu. Without them, those tests skip.
"""

from __future__ import annotations

import email.utils
import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from webtools import AXE, REPO, axe_serious, block_external, browser, build_demo, serve

VNU = REPO / "tools/node_modules/vnu-jar/build/dist/vnu.jar"
AXE_PAGES = ["", "posts/1688-growth-path/", "tags/wallstreetcn/", "topics/五大举措/bao-shengyi/"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("standards") / "out")


def test_html_is_valid(demo: Path) -> None:
    if shutil.which("java") is None or not VNU.is_file():
        pytest.skip("needs Java and the Nu HTML Checker: `bash tools/test.sh` installs both "
                    "(or: sudo apt-get install default-jre-headless; cd tools && npm ci)")
    files = sorted(str(p) for p in demo.rglob("*.html"))
    assert len(files) > 20
    run = subprocess.run(["java", "-jar", str(VNU), "--errors-only", "--format", "json", *files],
                         capture_output=True, text=True, timeout=300)
    messages = json.loads(run.stderr or run.stdout or '{"messages": []}')["messages"]
    problems = [f"{m.get('url', '').rsplit('/out/', 1)[-1]}:{m.get('lastLine', 0)}: {m['message']}"
                for m in messages if m.get("type") in ("error", "non-document-error")]
    assert problems == []


def test_accessibility(demo: Path) -> None:
    if not AXE.is_file():
        pytest.skip("needs axe-core in tools/node_modules: `bash tools/test.sh` installs it (or: cd tools && npm ci)")
    found = []
    # every page in the light scheme, the article and topic pages again in the dark one
    runs = [("light", p) for p in AXE_PAGES] + [("dark", p) for p in AXE_PAGES[1::2]]
    runs += [(s, "search/?q=1688") for s in ("light", "dark")]  # the results search.js lists in the page
    with serve(demo) as base, browser() as b:
        for scheme in ("light", "dark"):
            ctx = b.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900},  # type: ignore[attr-defined]
                                color_scheme=scheme)
            block_external(ctx)
            page = ctx.new_page()
            for prefix in ("", "zh-tw/"):
                for path in (p for s, p in runs if s == scheme):
                    page.goto(base + prefix + path)
                    if "?q=" in path:
                        page.wait_for_selector(".tw-search-results .tw-search-item", timeout=10000)
                    found += axe_serious(page, f"{scheme} /{prefix}{path}")
            ctx.close()
    assert found == []


def test_meta_and_jsonld(demo: Path) -> None:
    import re
    for prefix in ("", "zh-tw/"):
        html = (demo / prefix / "posts/1688-growth-path/index.html").read_text(encoding="utf-8")
        for prop in ('name="description"', 'property="og:title"', 'property="og:url"', 'property="og:image"',
                     'property="og:type" content="article"', 'property="og:locale"'):
            assert prop in html, prop
        m = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
        assert m
        ld = json.loads(m.group(1))
        assert ld["@type"] == "Article" and ld["headline"] and ld["datePublished"].startswith("2025-02-11")
        assert ld["mainEntityOfPage"].startswith("https://tongwen.example.org/" + prefix)
        assert ld["inLanguage"] == ("zh-TW" if prefix else "zh-CN")


@pytest.mark.parametrize("feed", ["index.xml", "zh-tw/index.xml", "tags/wallstreetcn/index.xml"])
def test_rss(demo: Path, feed: str) -> None:
    root = ET.parse(demo / feed).getroot()
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel is not None
    for tag in ("title", "link", "description"):
        assert (channel.findtext(tag) or "").strip(), tag
    assert channel.findtext("link", "").startswith("https://")
    items = channel.findall("item")
    assert items
    for item in items:
        link = item.findtext("link", "")
        assert link.startswith("https://tongwen.example.org/"), link
        guid = item.find("guid")
        assert guid is not None and (guid.get("isPermaLink") == "false" or (guid.text or "").startswith("https://"))
        date = item.findtext("pubDate", "")
        assert email.utils.parsedate_to_datetime(date) is not None
        assert email.utils.format_datetime(email.utils.parsedate_to_datetime(date)) == date, "RFC 822 form"
    for el in root.iter():
        if el.tag.endswith("link") and el.get("href"):
            assert el.get("href", "").startswith("https://")
