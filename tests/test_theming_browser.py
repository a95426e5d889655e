"""Theming in Chromium, both editions at 390 and 1280 px: a site's templates/ extending one block
of the theme, site.yaml `params` in a footer, static/CNAME at the site root, and the demo's home
page with its knowledge map. The new pages pass the Nu HTML Checker and axe-core."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from test_standards import VNU
from webtools import AXE, axe_serious, block_external, browser, build_demo, serve

from builder.pipeline.build import build
from conftest import write_site

SITE = {
    "site.yaml": """\
        title: 主题站
        base_url: https://wiki.example.org/
        copyright: © 2025 主题站
        params:
          icp: 京ICP备12345678号
          maintainer: 软件编辑部
        """,
    "content/posts/a.md": '---\ntitle: "软件与网络"\ndate: 2025-01-02\ntags: [软件]\n---\n\n正文讲软件。\n',
    "templates/base.html": """\
        {% extends "theme/base.html" %}
        {% block before_content %}
        <p class="site-notice">{{ site.params.maintainer }}：本站内容仅供参考</p>
        {% endblock %}
        """,
    "templates/partials/footer.html": """\
        <footer class="site-footer">
          <div class="container">
            <p>{{ site.copyright }} · <span class="icp">{{ site.params.icp }}</span>
              · <a href="{{ feed_url }}">RSS</a></p>
          </div>
        </footer>
        """,
    "static/CNAME": "wiki.example.org\n",
}
PAGES = ["", "posts/a/", "tags/"]
VIEWPORTS = (390, 1280)
EDITIONS = {"": ("软件编辑部", "京ICP备12345678号"), "zh-tw/": ("軟體編輯部", "京ICP備12345678號")}


@pytest.fixture(scope="module")
def themed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("themed")
    site = write_site(root / "site", SITE)
    build(site, root / "out")
    return root / "out"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("demo-map") / "out")


def _visible(page: Any, selector: str) -> dict[str, Any]:
    return page.evaluate("""s => { const e = document.querySelector(s); if (!e) return null;
        const r = e.getBoundingClientRect(), st = getComputedStyle(e);
        return {text: e.innerText, w: r.width, h: r.height, left: r.left, right: r.right,
                shown: st.display !== 'none' && st.visibility !== 'hidden'}; }""", selector)


def test_site_block_params_footer_and_cname(themed: Path) -> None:
    with serve(themed) as base, browser() as b:
        for width in VIEWPORTS:
            ctx = b.new_context(viewport={"width": width, "height": 800})  # type: ignore[attr-defined]
            block_external(ctx)
            page = ctx.new_page()
            for prefix, (maintainer, icp) in EDITIONS.items():
                for path in PAGES:
                    page.goto(base + prefix + path)
                    notice = _visible(page, "main .site-notice")
                    assert notice and notice["shown"] and notice["h"] > 0, (width, prefix, path)
                    assert notice["text"].startswith(maintainer)
                    # the block sits inside the theme's page: header, main and sidebar still there
                    assert page.locator(".site-header .site-title").is_visible()
                    assert page.locator("main h1, main .card").first.is_visible()
                    footer = _visible(page, ".site-footer .icp")
                    assert footer and footer["shown"] and footer["text"] == icp
                    assert footer["right"] <= width + 1
                    sw = page.evaluate("document.documentElement.scrollWidth")
                    assert sw <= width, (width, prefix, path, sw)
            ctx.close()
        ctx = b.new_context()  # type: ignore[attr-defined]
        page = ctx.new_page()  # the CNAME file at the root, where a static host reads it
        page.goto(base + "zh-tw/posts/a/")
        got = page.evaluate("""async () => Promise.all(['/CNAME', '/static/CNAME', '/tongwen/style.css']
            .map(async u => { const r = await fetch(u); return [r.status, await r.text()]; }))""")
        assert got[0] == [200, "wiki.example.org\n"] and got[1][0] == 404 and got[2][0] == 200
        ctx.close()


def test_demo_home_presents_the_knowledge_map(demo: Path) -> None:
    with serve(demo) as base, browser() as b:
        for width in VIEWPORTS:
            ctx = b.new_context(viewport={"width": width, "height": 900})  # type: ignore[attr-defined]
            block_external(ctx)
            page = ctx.new_page()
            for prefix, title in (("", "知识地图"), ("zh-tw/", "知識地圖")):
                page.goto(base + prefix)
                the_map = page.locator(".knowledge-map")
                assert the_map.is_visible()
                assert page.locator(".knowledge-map h2").inner_text() == title
                collections = page.locator(".knowledge-map h3").all_inner_texts()
                assert len(collections) == 2 and all("1688" in c for c in collections), collections
                goals = page.locator(".knowledge-map h4").all_inner_texts()
                assert len(goals) == 2, goals  # the five initiatives under their two goals
                groups = page.evaluate("""() => [...document.querySelectorAll('.knowledge-map .topic-group')]
                    .map(g => [...g.querySelectorAll('ul')].map(u => u.querySelectorAll('a').length))""")
                assert sorted(groups) == [[3, 2], [5]], groups  # 3 + 2 initiatives, 5 tracks
                # the map is above the articles and fits the viewport
                assert page.evaluate("document.querySelector('.knowledge-map').getBoundingClientRect().top < "
                                     "document.querySelector('.card').getBoundingClientRect().top")
                assert page.evaluate("document.documentElement.scrollWidth") <= width
                # every map link leads to a page of the same edition
                page.locator(".knowledge-map h4 + ul a").first.click()
                page.wait_for_load_state()
                assert page.url.startswith(base + prefix + "topics/") and page.locator("h1").is_visible()
                # the footer's lines come from site.yaml params
                assert "editors@tongwen.example.org" in page.locator(".site-footer").inner_text()
            ctx.close()


def test_new_pages_pass_vnu(themed: Path, demo: Path) -> None:
    if shutil.which("java") is None or not VNU.is_file():
        pytest.skip("needs Java and the Nu HTML Checker (cd tools && npm ci)")
    files = [str(themed / p / "index.html") for pre in EDITIONS for p in (pre + q for q in PAGES)]
    files += [str(demo / "index.html"), str(demo / "zh-tw" / "index.html")]
    run = subprocess.run(["java", "-jar", str(VNU), "--errors-only", "--format", "json", *files],
                         capture_output=True, text=True, timeout=300)
    messages = json.loads(run.stderr or run.stdout or '{"messages": []}')["messages"]
    assert [m for m in messages if m.get("type") in ("error", "non-document-error")] == []


def test_new_pages_pass_axe(themed: Path, demo: Path) -> None:
    if not AXE.is_file():
        pytest.skip("needs axe-core in tools/node_modules (cd tools && npm ci)")
    found = []
    with browser() as b:
        for folder in (themed, demo):
            with serve(folder) as base:
                for width in VIEWPORTS:
                    ctx = b.new_context(bypass_csp=True,  # type: ignore[attr-defined]
                                        viewport={"width": width, "height": 900})
                    block_external(ctx)
                    page = ctx.new_page()
                    for prefix in EDITIONS:
                        for path in (PAGES if folder == themed else [""]):
                            page.goto(base + prefix + path)
                            found += axe_serious(page, f"{width}px /{prefix}{path}")
                    ctx.close()
    assert found == []
