"""Nothing runs: raw HTML escaped by default, a sanitised subset with unsafe_html, dangerous URL
schemes neutralised, every front-matter field escaped wherever it appears, safe and bounded YAML,
a Content-Security-Policy on every page."""

from __future__ import annotations

import json
import re
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from reliab_util import SITE_YAML, all_live_scripts, article, build, live_scripts, make_site, snapshot

EVIL = "</script><script>alert(1)</script>\"'><img src=x onerror=alert(2)>&amp;"

RAW_HTML = """<script>alert(1)</script>

<img src=x onerror="alert(2)">

<div onclick="alert(3)" style="background:url(javascript:alert(4))">block <b>bold</b></div>

inline <span onmouseover=alert(5)>span</span> <a href="javascript:alert(6)">a</a> <b>kept</b>

<iframe src="https://evil.example/"></iframe>

<svg><script>alert(7)</script></svg> <style>body{display:none}</style>

<a href="https://example.org/ok" title="t">fine</a> <img src="https://example.org/i.png" alt="i">

<form action="javascript:alert(8)"><input onfocus=alert(9) autofocus></form>

<math><mi xlink:href="javascript:alert(10)">x</mi></math> <object data="javascript:alert(11)"></object>
"""

LINKS = """[a](javascript:alert(1)) [b](JAVASCRIPT:alert(1)) [c](jav&#x61;script:alert(1))
[d](vbscript:msgbox(1)) [e](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)
[f](  javascript:alert(1)) [g](java%0ascript:alert(1)) [h](&#106;avascript:alert(1))

<javascript:alert(1)> <vbscript:x> <data:text/html,<script>alert(1)</script>>

javascript:alert(1) www.example.org/ok https://example.org/ok

[ref][r1] [ref2][r2]

[r1]: javascript:alert(1)
[r2]: jav&#x61;script:alert(1) "title"

![img](javascript:alert(1)) ![ok](data:image/png;base64,iVBORw0KGgo=) ![svg](data:text/html,x)

[ok](https://example.org/a) [rel](other.md) [mail](mailto:a@example.org)
"""


def _site(tmp_path: Path, files: dict[str, str | bytes], yaml: str = SITE_YAML) -> Path:
    return make_site(tmp_path / "site", files, yaml)


def _ok(capsys, site: Path, out: Path) -> dict[str, bytes]:  # type: ignore[no-untyped-def]
    rc, _o, err = build(capsys, site, out)
    assert rc == 0, err
    return snapshot(out)


def test_raw_html_is_escaped_by_default(capsys, tmp_path):
    out = tmp_path / "out"
    files = _ok(capsys, _site(tmp_path, {"content/posts/a.md": article("A", RAW_HTML)}), out)
    assert all_live_scripts(out) == []
    html = files["posts/a/index.html"].decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>" not in html.split('class="post-content"')[1]


def test_unsafe_html_allows_a_sanitised_subset(capsys, tmp_path):
    out = tmp_path / "out"
    files = _ok(capsys, _site(tmp_path, {"content/posts/a.md": article("A", RAW_HTML)},
                              SITE_YAML + "unsafe_html: true\n"), out)
    assert all_live_scripts(out) == []
    body = files["posts/a/index.html"].decode().split('class="post-content"')[1].split("</article>")[0]
    assert "<b>bold</b>" in body and "<b>kept</b>" in body  # inline tags keep their content
    assert '<a href="https://example.org/ok"' in body and '<img src="https://example.org/i.png"' in body
    for bad in ("<script", "onerror", "onclick", "onmouseover", "onfocus", "style=", "<style", "<iframe", "<form",
                "javascript:", "<object", "xlink:href"):
        assert bad not in body, bad
    zh_tw = files["zh-tw/posts/a/index.html"].decode()
    assert all(b not in zh_tw for b in ("<script>alert", "onerror", "javascript:"))


def test_dangerous_link_schemes_are_neutralised(capsys, tmp_path):
    out = tmp_path / "out"
    files = _ok(capsys, _site(tmp_path, {"content/posts/a.md": article("A", LINKS),
                                         "content/posts/other.md": article("Other")}), out)
    assert all_live_scripts(out) == []
    html = files["posts/a/index.html"].decode()
    assert '<img src="data:image/png;base64,iVBORw0KGgo="' in html  # data: images stay
    assert 'href="https://example.org/a"' in html and 'href="mailto:a@example.org"' in html
    assert 'href="http://www.example.org/ok"' in html  # linkify still works
    assert 'href="../../posts/other/"' in html


@pytest.mark.parametrize("thumb", ["javascript:alert(1)", " JavaScript:alert(1)", "java\tscript:alert(1)",
                                   "vbscript:x", "data:text/html,<script>alert(1)</script>"])
def test_thumbnail_with_script_url_is_an_error(capsys, tmp_path, thumb):
    site = _site(tmp_path, {"content/posts/a.md": article("A", thumbnail=json.dumps(thumb))})
    rc, _o, err = build(capsys, site, tmp_path / "out")
    assert rc == 1 and err.startswith("content/posts/a.md:4: thumbnail"), err


def test_thumbnail_mapping_and_entity_obfuscation(capsys, tmp_path):
    site = _site(tmp_path, {"content/posts/a.md": article("A", thumbnail='{src: "javascript:alert(1)"}'),
                            "content/posts/b.md": article("B", thumbnail='"jav&#x61;script:alert(1)"')})
    rc, _o, err = build(capsys, site, tmp_path / "out")
    assert rc == 1 and err.startswith("content/posts/a.md:4: thumbnail"), err
    (site / "content/posts/a.md").unlink()
    out = tmp_path / "out"
    files = _ok(capsys, site, out)
    assert all_live_scripts(out) == []  # the entity stays text: &amp;#x61; in attributes
    jsonld = re.search(r'<script type="application/ld\+json">(.*?)</script>', files["posts/b/index.html"].decode())
    # a relative path that names no file cannot be made absolute: JSON-LD and og:image leave it out
    assert jsonld and "image" not in json.loads(jsonld.group(1))
    assert 'src="jav&amp;#x61;script:alert(1)"' in files["posts/b/index.html"].decode()  # the entity stays text


def test_data_image_thumbnail_is_allowed(capsys, tmp_path):
    out = tmp_path / "out"
    files = _ok(capsys, _site(tmp_path, {"content/posts/a.md": article(
        "A", thumbnail='"data:image/png;base64,iVBORw0KGgo="')}), out)
    assert '<img src="data:image/png;base64,iVBORw0KGgo="' in files["posts/a/index.html"].decode()


def test_every_front_matter_field_is_escaped(capsys, tmp_path):
    v = json.dumps(EVIL)
    fm = dict(summary=v, lead=v, author=v, description=v, tags=f"[{v}]", categories=f"[{v}]", authorbox="true",
              toc="true")
    site = _site(tmp_path, {"content/posts/a.md": article(v, "## " + EVIL.replace("<", "\\<") + "\n\ntext", **fm),
                            "content/topics/c/_index.md": article(v),
                            "content/topics/c/t.md": article(v, aliases=f"[{v}, text]", group=v)},
                 "title: " + v + "\ndescription: " + v + "\ncopyright: " + v + "\nbase_url: https://example.org/\n"
                 "menu: [{name: " + v + ", url: about/}]\n")
    out = tmp_path / "out"
    files = _ok(capsys, site, out)
    assert all_live_scripts(out) == []
    for name, data in files.items():
        if name.endswith(".xml"):  # feeds and sitemap: the text is escaped, no markup from content
            text = data.decode("utf-8")
            assert "<script" not in text and "<img" not in text, name
        elif name.endswith(".html"):
            assert "<img src=x" not in data.decode("utf-8"), name
    for m in re.finditer(r'<script type="application/ld\+json">(.*?)</script>', files["posts/a/index.html"].decode(),
                         re.S):
        data = json.loads(m.group(1))
        assert data["headline"] == EVIL and "</" not in m.group(1)
    for name in ("index.xml", "sitemap.xml", "zh-tw/index.xml", "tags/index.xml" if "tags/index.xml" in files else
                 "index.xml"):
        root = ET.fromstring(files[name])  # well-formed XML
        if name.endswith("index.xml") and name != "sitemap.xml":
            assert root.find("channel/item/title").text == EVIL  # type: ignore[union-attr]


def test_title_cannot_break_out_of_jsonld(capsys, tmp_path):
    out = tmp_path / "out"
    files = _ok(capsys, _site(tmp_path, {"content/posts/a.md": article(
        '"</script><script>alert(1)</script><!--"', summary='"\u2028</SCRIPT ><script>alert(2)</script>"')}), out)
    html = files["posts/a/index.html"].decode()
    assert live_scripts(html) == []
    # JSON-LD and the theme's own three scripts (tongwen.js, search.js, previews.js)
    assert html.count("<script") == 4


def test_menu_and_site_urls_with_script_schemes_are_errors(capsys, tmp_path):
    site = _site(tmp_path, {}, SITE_YAML + "menu: [{name: x, url: 'javascript:alert(1)'}]\n"
                 "search_fallback: ' javascript:alert(2)'\n")
    rc, _o, err = build(capsys, site, tmp_path / "out")
    assert rc == 1
    assert "site.yaml:3: menu" in err and "site.yaml:4: search_fallback" in err, err


def test_code_and_attributes_are_escaped(capsys, tmp_path):
    body = ('```"><script>alert(1)</script>\ncode <b>\n```\n\n`<img src=x onerror=alert(1)>`\n\n'
            '[t](https://example.org "\\"><script>alert(1)</script>")\n\n-{<script>alert(1)</script>}-\n\n'
            '# h "><img src=x onerror=alert(1)>\n')
    out = tmp_path / "out"
    _ok(capsys, _site(tmp_path, {"content/posts/a.md": article("A", body)}), out)
    assert all_live_scripts(out) == []


def test_csp_on_every_html_page(capsys, tmp_path):
    site = _site(tmp_path, {"content/posts/a.md": article("A", aliases="[old/, x.html]", tags="[t]"),
                            "content/topics/c/_index.md": article("C"),
                            "content/topics/c/t.md": article("T", aliases="[正文]"),
                            "content/docs/_index.md": article("Docs"),
                            "content/docs/d.md": article("D")})
    out = tmp_path / "out"
    files = _ok(capsys, site, out)
    pages = [n for n in files if n.endswith(".html")]
    assert len(pages) > 15 and "old/index.html" in pages and "404.html" in pages
    for n in pages:
        head = files[n].decode().split("</head>")[0]
        m = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)"', head)
        assert m, n
        csp = m.group(1).replace("&#39;", "'")
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "object-src 'none'" in csp, n


def test_yaml_python_tags_are_refused(capsys, tmp_path):
    for tag in ("!!python/object/apply:os.system ['echo x']", "!!python/name:os.system", "!!binary aGVsbG8="):
        site = _site(tmp_path, {"content/posts/a.md": f"---\ntitle: {tag}\n---\nx\n"})
        rc, _o, err = build(capsys, site, tmp_path / "out")
        if "binary" in tag:
            continue  # !!binary is safe YAML (bytes); any outcome but a traceback is fine
        assert rc == 1 and err.startswith("content/posts/a.md:2:"), err
        assert "Traceback" not in err


def test_yaml_alias_bomb_fails_fast(capsys, tmp_path):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True))
    site = _site(tmp_path, {"content/posts/a.md": "---\ntitle: x\n" + bomb + "---\nx\n"})
    t = time.perf_counter()
    rc, _o, err = build(capsys, site, tmp_path / "out")
    assert time.perf_counter() - t < 5
    assert rc == 1 and err.startswith("content/posts/a.md:2: YAML rejected"), err
    site = _site(tmp_path, {}, SITE_YAML + "bomb:\n  " + bomb.replace("\n", "\n  ") + "\n")
    t = time.perf_counter()
    rc, _o, err = build(capsys, site, tmp_path / "out")
    assert time.perf_counter() - t < 5 and rc == 1 and "YAML rejected" in err
