"""The graphs in Chromium, in both editions, over http:// and from file://: the SVG is there without
JavaScript; with it, dragging pans and the wheel zooms (the viewBox changes), hovering highlights the
neighbours, a click follows a node's link and so does Enter on a node reached by Tab; at 390 px
nothing overflows; node names keep their contrast in both colour schemes; the Nu checker finds no
error and axe no serious or critical issue on a graph page."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote, unquote

import pytest
from webtools import AXE, CONTRAST, REPO, axe_serious, browser, build_demo, serve

VNU = REPO / "tools/node_modules/vnu-jar/build/dist/vnu.jar"
GRAPH = "topics/五大举措/graph/"
TOPIC = "topics/五大举措/bao-shengyi/"
ARTICLE = "posts/1688-growth-path/"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo(tmp_path_factory.mktemp("graph") / "out")


def block_external(context: object) -> None:
    """As webtools.block_external, and the pages on disk (file://) load too."""
    def handle(route: object) -> None:
        url = route.request.url  # type: ignore[attr-defined]
        if url.startswith(("http://127.0.0.1", "file:")):
            route.continue_()  # type: ignore[attr-defined]
        else:
            route.fulfill(status=204, body="")  # type: ignore[attr-defined]
    context.route("**/*", handle)  # type: ignore[attr-defined]


@contextmanager
def _bases(demo: Path) -> Iterator[list[tuple[str, str]]]:
    """(scheme, base URL) for http:// and file://; a file:// page is the folder's index.html."""
    with serve(demo) as http:
        yield [("http", http), ("file", demo.as_uri() + "/")]


def _url(base: str, scheme: str, path: str) -> str:
    return base + quote(path) + ("index.html" if scheme == "file" else "")


def _view_box(page: object) -> list[float]:
    vb = page.get_attribute(".graph-svg", "viewBox")  # type: ignore[attr-defined]
    return [float(x) for x in vb.split()]


def test_the_svg_is_there_without_javascript(demo: Path) -> None:
    with _bases(demo) as bases, browser() as b:
        ctx = b.new_context(java_script_enabled=False)  # type: ignore[attr-defined]
        block_external(ctx)
        page = ctx.new_page()
        for scheme, base in bases:
            for prefix in ("", "zh-tw/"):
                for path, least in ((GRAPH, 8), (TOPIC, 2), (ARTICLE, 2)):
                    page.goto(_url(base, scheme, prefix + path))
                    nodes = page.locator(".graph-svg .graph-node")
                    assert nodes.count() >= least, (scheme, prefix, path)
                    box = page.locator(".graph-svg").bounding_box()
                    assert box and box["width"] > 300 and box["height"] > 150
                    assert page.locator(".graph-tools").is_hidden()  # the controls need the script
        assert "減負擔" in page.locator(".graph-svg").inner_html()  # (zh-TW last: its own script)
        ctx.close()


def test_pan_zoom_hover_click_and_keyboard(demo: Path) -> None:
    with _bases(demo) as bases, browser() as b:
        ctx = b.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
        block_external(ctx)
        page = ctx.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        for scheme, base in bases:
            for prefix in ("", "zh-tw/"):
                where = f"{scheme} /{prefix}"
                page.goto(_url(base, scheme, prefix + GRAPH))
                page.wait_for_selector(".graph-tools:not([hidden])")
                svg = page.locator(".graph-svg").bounding_box()
                assert svg
                start = _view_box(page)
                # a drag from an empty corner pans
                x, y = svg["x"] + 12, svg["y"] + 12
                page.mouse.move(x, y)
                page.mouse.down()
                page.mouse.move(x + 60, y + 40, steps=5)
                page.mouse.up()
                panned = _view_box(page)
                assert panned[0] < start[0] and panned[1] < start[1] and panned[2:] == start[2:], where
                # the wheel zooms in around the pointer, the buttons out and back
                page.mouse.move(svg["x"] + svg["width"] / 2, svg["y"] + svg["height"] / 2)
                page.mouse.wheel(0, -300)
                page.wait_for_function("w => +document.querySelector('.graph-svg')"
                                       ".getAttribute('viewBox').split(' ')[2] < w", arg=start[2])
                page.click("button[data-zoom=reset]")
                assert _view_box(page) == start, where
                page.click("button[data-zoom=out]")
                assert _view_box(page)[2] > start[2], where
                page.click("button[data-zoom=reset]")
                # hovering a topic lights it and its neighbours, dims the others
                page.hover(".graph-node.kind-topic >> nth=0")
                assert "is-hover" in (page.get_attribute("figure.graph", "class") or "")
                near = page.locator(".graph-node.is-near").count()
                assert 2 <= near < page.locator(".graph-node").count(), where
                # Tab from the last control reaches the first node; Enter follows it
                page.focus("button[data-zoom=reset]")
                page.keyboard.press("Tab")
                first = page.evaluate("document.activeElement.getAttribute('class')")
                assert first and "graph-node" in first, (where, first)
                target = page.evaluate("new URL(document.activeElement.getAttribute('href'), location.href).href")
                with page.expect_navigation():
                    page.keyboard.press("Enter")
                assert page.url == target and page.url != _url(base, scheme, prefix + GRAPH), where
                # a click on a topic node opens the topic page
                page.goto(_url(base, scheme, prefix + GRAPH))
                page.wait_for_selector(".graph-tools:not([hidden])")
                with page.expect_navigation():
                    page.click(".graph-node.kind-topic >> nth=0 >> circle")
                assert "/topics/五大举措/" in unquote(page.url) and "/graph/" not in unquote(page.url), where
                assert page.locator("h1.post-title").count() == 1
        assert errors == []
        ctx.close()


def test_390_px_does_not_overflow_and_names_keep_their_contrast(demo: Path) -> None:
    with serve(demo) as base, browser() as b:
        for scheme in ("light", "dark"):
            ctx = b.new_context(viewport={"width": 390, "height": 844}, color_scheme=scheme)  # type: ignore[attr-defined]
            block_external(ctx)
            page = ctx.new_page()
            for prefix in ("", "zh-tw/"):
                for path in (GRAPH, TOPIC, ARTICLE):
                    page.goto(base + quote(prefix + path))
                    over = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
                    assert over <= 0, (scheme, prefix, path, over)
                    box = page.locator("figure.graph").bounding_box()
                    assert box and box["width"] <= 390
                    ratio = page.evaluate(CONTRAST, ".graph-svg text")
                    assert ratio >= 4.5, (scheme, prefix, path, ratio)
            ctx.close()


def test_graph_pages_pass_vnu_and_axe(demo: Path) -> None:
    pages = [demo / p / "index.html" for pre in ("", "zh-tw/") for p in (pre + GRAPH, pre + TOPIC, pre + ARTICLE)]
    if shutil.which("java") is not None and VNU.is_file():
        run = subprocess.run(["java", "-jar", str(VNU), "--errors-only", "--format", "json", *map(str, pages)],
                             capture_output=True, text=True, timeout=300)
        messages = json.loads(run.stderr or run.stdout or '{"messages": []}')["messages"]
        assert [m for m in messages if m.get("type") in ("error", "non-document-error")] == []
    else:
        pytest.skip("needs Java and the Nu HTML Checker (bash tools/test.sh)")
    if not AXE.is_file():
        pytest.skip("needs axe-core in tools/node_modules")
    found: list[str] = []
    with serve(demo) as base, browser() as b:
        for scheme in ("light", "dark"):
            ctx = b.new_context(bypass_csp=True, color_scheme=scheme)  # type: ignore[attr-defined]
            block_external(ctx)
            page = ctx.new_page()
            for prefix in ("", "zh-tw/"):
                for path in (GRAPH, TOPIC):
                    page.goto(base + quote(prefix + path))
                    page.wait_for_selector(".graph-tools:not([hidden])")
                    found += axe_serious(page, f"{scheme} /{prefix}{path}")
            ctx.close()
    assert found == []
