"""In Chromium (both editions, 390 and 1280 px wide), on a site served under a sub-path: a resized
WebP thumbnail with width/height on a list page, a broken remote image collapsed to its alt text,
「」 in zh-TW, a highlighted code block, a MathML formula; the Nu HTML checker and axe-core on those
pages."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from webtools import AXE, REPO, axe_serious, block_external, browser, serve

from builder.pipeline.build import build
from conftest import write_site

VNU = REPO / "tools/node_modules/vnu-jar/build/dist/vnu.jar"  # as test_standards.py

BROKEN = "http://127.0.0.1:1/missing.png"  # nothing listens on port 1: the request is refused
ARTICLE = f"""
---
title: 媒体“测试”
date: 2024-03-01
thumbnail: /static/img/cover.jpg
mathjax: true
---
他说“软件很‘好’用”。

![远程图片加载失败]({BROKEN})

```python
def area(r):
    return 3.14 * r ** 2  # “注释”
```

面积公式 $A = \\pi r^2$。

$$
\\sum_{{i=1}}^{{n}} i = \\frac{{n(n+1)}}{{2}}
$$
"""


def _jpeg(w: int, h: int) -> bytes:
    buf = io.BytesIO()
    img = Image.new("RGB", (w, h), (30, 90, 160))
    for x in range(0, w, 5):
        img.putpixel((x, (x * 7) % h), (250, 250, 0))
    img.save(buf, "JPEG", quality=90)
    return buf.getvalue()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site built for https://example.org/sub/ into root/sub/, so the server's /sub/ is its root."""
    tmp = tmp_path_factory.mktemp("media")
    site = write_site(tmp / "site", {
        "site.yaml": "title: 媒体站\nbase_url: https://example.org/sub/\n",
        "content/posts/media.md": ARTICLE,
        "content/posts/plain.md": "---\ntitle: 另一篇\ndate: 2024-02-01\n---\n正文。\n",
    })
    (site / "static/img").mkdir(parents=True)
    (site / "static/img/cover.jpg").write_bytes(_jpeg(2000, 1400))
    build(site, tmp / "root/sub")
    return tmp / "root"


EDITIONS = ["", "zh-tw/"]
WIDTHS = [390, 1280]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("prefix", EDITIONS)
def test_list_page_shows_resized_webp_thumbnail(served: Path, prefix: str, width: int) -> None:
    with serve(served) as base, browser() as b:
        ctx = b.new_context(viewport={"width": width, "height": 900})  # type: ignore[attr-defined]
        block_external(ctx)
        page = ctx.new_page()
        page.goto(f"{base}sub/{prefix}")
        img = page.locator(".card-thumb picture img").first
        img.wait_for()
        page.wait_for_function("() => { const i = document.querySelector('.card-thumb img'); "
                               "return i.complete && i.naturalWidth > 0; }", timeout=10000)
        got = img.evaluate("i => ({src: i.currentSrc, w: i.naturalWidth, h: i.naturalHeight, "
                           "aw: i.getAttribute('width'), ah: i.getAttribute('height'), "
                           "box: i.getBoundingClientRect().width, "
                           "type: i.parentElement.querySelector('source').type})")
        assert got["src"].startswith(f"{base}sub/resized/") and got["src"].endswith(".webp"), got
        assert (got["w"], got["h"], got["aw"], got["ah"], got["type"]) == (400, 240, "400", "240", "image/webp")
        assert 100 < got["box"] <= width  # laid out by the theme (200 px, or the column on a phone)
        ctx.close()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("prefix", EDITIONS)
def test_article_media(served: Path, prefix: str, width: int) -> None:
    with serve(served) as base, browser() as b:
        ctx = b.new_context(viewport={"width": width, "height": 900})  # type: ignore[attr-defined]
        block_external(ctx)
        page = ctx.new_page()
        page.goto(f"{base}sub/{prefix}posts/media/")
        # the broken remote image collapses to its alt text
        page.locator(".post-content img.img-broken, .post-content span.img-broken").first.scroll_into_view_if_needed()
        page.wait_for_selector(".post-content .img-broken", timeout=10000)
        assert page.locator(f'.post-content img[src="{BROKEN}"]').count() == 0
        alt = "遠端圖片載入失敗" if prefix else "远程图片加载失败"
        assert page.locator(".post-content .img-broken").inner_text() == alt
        # quotation marks: 「」 in zh-TW, as written in zh-CN, never in code
        text = page.locator(".post-content p").first.inner_text()
        assert text == ("他說「軟體很『好』用」。" if prefix else "他说“软件很‘好’用”。")
        assert "“注释”" in page.locator("pre code").inner_text()
        # the code block: Pygments' classes, coloured by the theme's stylesheet
        colours = page.evaluate("() => [getComputedStyle(document.querySelector('pre code .k')).color, "
                                "getComputedStyle(document.querySelector('pre code')).color]")
        assert colours[0] != colours[1], colours
        # MathML, laid out by the browser (no script)
        boxes = page.evaluate("() => [...document.querySelectorAll('math')].map(m => "
                              "[m.getAttribute('display'), m.getBoundingClientRect().height])")
        assert [d for d, _h in boxes] == ["inline", "block"] and all(h > 10 for _d, h in boxes), boxes
        assert page.locator("math mfrac").count() == 1
        # the lead image: resized, with its size
        lead = page.locator(".post-thumbnail img")
        assert lead.get_attribute("width") == "1600" and lead.get_attribute("height") == "1120"
        ctx.close()


def test_file_url_shows_resized_images(served: Path) -> None:
    with browser() as b:
        page = b.new_page()  # type: ignore[attr-defined]
        page.goto((served / "sub/zh-tw/index.html").as_uri())
        page.wait_for_function("() => { const i = document.querySelector('.card-thumb img'); "
                               "return i.complete && i.naturalWidth === 400; }", timeout=10000)


def test_new_pages_are_valid_html(served: Path) -> None:
    if shutil.which("java") is None or not VNU.is_file():
        pytest.skip("needs Java and the Nu HTML Checker: `bash tools/test.sh` installs both")
    files = [str(served / "sub" / p / "index.html") for e in EDITIONS for p in (e, e + "posts/media")]
    run = subprocess.run(["java", "-jar", str(VNU), "--errors-only", "--format", "json", *files],
                         capture_output=True, text=True, timeout=300)
    messages = json.loads(run.stderr or run.stdout or '{"messages": []}')["messages"]
    assert [f"{m.get('url', '')}:{m.get('lastLine', 0)}: {m['message']}" for m in messages
            if m.get("type") in ("error", "non-document-error")] == []


def test_new_pages_accessible(served: Path) -> None:
    if not AXE.is_file():
        pytest.skip("needs axe-core in tools/node_modules: `bash tools/test.sh` installs it")
    found = []
    with serve(served) as base, browser() as b:
        for scheme in ("light", "dark"):
            ctx = b.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900},  # type: ignore[attr-defined]
                                color_scheme=scheme)
            block_external(ctx)
            page = ctx.new_page()
            for path in (e + p for e in EDITIONS for p in ("", "posts/media/")):
                page.goto(f"{base}sub/{path}")
                found += axe_serious(page, f"{scheme} /{path}")
            ctx.close()
    assert found == []
