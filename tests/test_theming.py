"""Theming without copying: the theme's named blocks and partials, a site template extending the
theme's file of the same name, and the Content-Security-Policy made configurable (render/env.py,
theme/templates/base.html, sitevalues.py)."""

from __future__ import annotations

import html as html_lib
import re
from pathlib import Path

import pytest

from builder.errors import BuildFailed
from builder.render.env import THEME
from conftest import make_and_build, read

ARTICLE = {"content/posts/a.md": '---\ntitle: "文章"\ndate: 2025-01-02\n---\n\n软件正文。\n'}
BLOCKS = ("head_extra", "header", "footer", "sidebar", "before_content", "after_content", "body_end")


def test_the_theme_defines_every_named_block() -> None:
    base = (THEME / "templates" / "base.html").read_text(encoding="utf-8")
    for name in (*BLOCKS, "csp", "main"):
        assert re.search(r"{%\s*block " + name + r"\s*%}", base), name


@pytest.mark.parametrize("block", BLOCKS)
def test_a_site_base_extends_the_theme_and_overrides_one_block(tmp_path: Path, block: str) -> None:
    out = make_and_build(tmp_path, {**ARTICLE, "templates/base.html":
                                    '{% extends "theme/base.html" %}\n'
                                    f'{{% block {block} %}}<p class="mine">{{{{ title }}}} {block}</p>'
                                    '{% endblock %}\n'})
    for page in ("posts/a/index.html", "zh-tw/posts/a/index.html", "index.html", "tags/index.html"):
        html = read(out, page)
        assert html.count('class="mine"') == 1, (block, page)
        # everything else of the theme is still there (the other blocks and the page's own main)
        assert ('class="site-header"' in html) == (block != "header")
        assert ('class="site-footer"' in html) == (block != "footer")
        assert "<main" in html and "tongwen/style.css" in html
    assert "軟體正文" in read(out, "zh-tw/posts/a/index.html")


def test_blocks_sit_where_their_names_say(tmp_path: Path) -> None:
    tpl = '{% extends "theme/base.html" %}\n' + "".join(
        f'{{% block {b} %}}<i id="{b}"></i>{{% endblock %}}\n' for b in ("head_extra", "before_content",
                                                                          "after_content", "body_end"))
    html = read(make_and_build(tmp_path, {**ARTICLE, "templates/base.html": tpl}), "posts/a/index.html")
    pos = {k: html.index(f'id="{k}"') for k in ("head_extra", "before_content", "after_content", "body_end")}
    assert pos["head_extra"] < html.index("</head>")
    assert html.index("<main") < pos["before_content"] < html.index('class="post"') < pos["after_content"] \
        < html.index("</main>")
    assert html.index('class="site-footer"') < pos["body_end"] < html.index("</body>")


def test_a_page_template_extends_its_theme_version(tmp_path: Path) -> None:
    out = make_and_build(tmp_path, {**ARTICLE, "templates/article.html":
                                    '{% extends "theme/article.html" %}\n'
                                    '{% block after_content %}<aside class="comments">评论</aside>{% endblock %}\n'})
    art, home = read(out, "posts/a/index.html"), read(out, "index.html")
    assert 'class="comments"' in art and 'class="post-title"' in art
    assert 'class="comments"' not in home


def test_a_site_partial_replaces_only_that_partial(tmp_path: Path) -> None:
    out = make_and_build(tmp_path, {**ARTICLE, "templates/partials/footer.html":
                                    '<footer class="site-footer"><p>自己的页脚 {{ site.title }}</p></footer>\n'})
    for page in ("index.html", "posts/a/index.html", "zh-tw/posts/a/index.html"):
        html = read(out, page)
        assert "页脚" in html or "頁腳" in html
        assert "sitemap.xml" not in html.split('class="site-footer"')[1]  # the theme's footer is gone
        assert 'class="site-header"' in html and 'class="sidebar"' in html  # the rest is the theme's


def test_a_template_error_in_a_site_template_names_it(tmp_path: Path) -> None:
    with pytest.raises(BuildFailed) as e:
        make_and_build(tmp_path, {**ARTICLE, "templates/base.html":
                                  '{% extends "theme/base.html" %}\n'
                                  '{% block footer %}{{ site.params.nope }}{% endblock %}\n'})
    assert "templates/base.html:2" in str(e.value)


def _csp(html: str) -> str:
    m = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', html)
    assert m, "no policy"
    return html_lib.unescape(m.group(1))


def test_default_csp_allows_only_the_sites_scripts(tmp_path: Path) -> None:
    csp = _csp(read(make_and_build(tmp_path, ARTICLE), "posts/a/index.html"))
    assert "script-src 'self';" in csp and "object-src 'none'" in csp


def test_csp_mapping_adds_sources_on_purpose(tmp_path: Path) -> None:
    out = make_and_build(tmp_path, {**ARTICLE, "site.yaml": """\
        title: t
        csp:
          script-src: [https://hm.baidu.com, "'unsafe-inline'"]
          connect-src: https://hm.baidu.com
        """})
    for page in ("posts/a/index.html", "zh-tw/index.html", "404.html"):
        csp = _csp(read(out, page))
        assert "script-src 'self' https://hm.baidu.com 'unsafe-inline';" in csp
        assert "connect-src https://hm.baidu.com" in csp and "object-src 'none'" in csp


def test_csp_text_replaces_and_empty_omits(tmp_path: Path) -> None:
    out = make_and_build(tmp_path / "a", {**ARTICLE, "site.yaml": "title: t\ncsp: \"default-src *\"\n"})
    assert _csp(read(out, "posts/a/index.html")) == "default-src *"
    out = make_and_build(tmp_path / "b", {**ARTICLE, "site.yaml": "title: t\ncsp: \"\"\n"})
    assert "Content-Security-Policy" not in read(out, "posts/a/index.html")


def test_csp_block_overrides_the_meta(tmp_path: Path) -> None:
    out = make_and_build(tmp_path, {**ARTICLE, "templates/base.html":
                                    '{% extends "theme/base.html" %}{% block csp %}{% endblock %}'})
    assert "Content-Security-Policy" not in read(out, "posts/a/index.html")


@pytest.mark.parametrize(("yaml", "message"), [
    ("csp:\n  scripts-src: [https://x.org]\n", "did you mean 'script-src'"),
    ("csp:\n  script-src: [\"https://x.org; object-src *\"]\n", "is not one source"),
    ("csp: [1]\n", "csp must be"),
])
def test_csp_mistakes_are_errors(tmp_path: Path, yaml: str, message: str) -> None:
    with pytest.raises(BuildFailed) as e:
        make_and_build(tmp_path, {**ARTICLE, "site.yaml": "title: t\n" + yaml})
    assert "site.yaml:2" in str(e.value) and message in str(e.value)
