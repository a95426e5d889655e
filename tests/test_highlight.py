"""Code blocks highlighted at build time (text/highlight.py); never converted."""

from __future__ import annotations

import re
from pathlib import Path

from builder.text.highlight import MIN_CONTRAST, THEMES, contrast, highlight, stylesheet
from tests.conftest import make_and_build, read

THEME = Path(__file__).resolve().parent.parent / "builder/theme/static"


def test_known_language_gets_classes_unknown_is_left_alone() -> None:
    out = highlight('def f():\n    return "软件"\n', "python")
    assert '<span class="k">def</span>' in out and "软件" in out and out.endswith("\n")
    assert highlight("x", "no-such-language") == "" and highlight("x", "") == ""
    assert "<script" not in highlight("<script>alert(1)</script>", "html")  # escaped


def test_site_code_highlighted_and_not_converted(tmp_path: Path) -> None:
    out = make_and_build(tmp_path, {"content/posts/a.md": """
        ---
        title: 代码
        date: 2024-01-02
        ---
        软件说明：

        ```python
        # 软件 “注释”
        s = "软件"
        ```
        """})
    for page in ("posts/a/index.html", "zh-tw/posts/a/index.html"):
        html = read(out, page)
        code = re.search(r'<pre><code class="language-python">(.*?)</code></pre>', html, re.S)
        assert code and '<span class="c1"># 软件 “注释”</span>' in code.group(1), html
        # (Pygments 2.21 stopped escaping quotes in text, where either form is the same HTML)
        assert re.search(r'<span class="s2">(&quot;|")软件(&quot;|")</span>', code.group(1)), code.group(1)
        assert 'href="../../tongwen/code-light.css"' in html.replace('href="../../../', 'href="../../')
    assert "軟體說明" in read(out, "zh-tw/posts/a/index.html")


def test_theme_stylesheets_are_the_generated_ones_and_read() -> None:
    for mode in THEMES:
        assert (THEME / f"code-{mode}.css").read_text() == stylesheet(mode), \
            f"regenerate: python -c \"from builder.text.highlight import stylesheet; "\
            f"print(stylesheet('{mode}'), end='')\""
        _name, bg, _towards = THEMES[mode]
        colours = re.findall(r"color: #([0-9a-f]{6})", stylesheet(mode))
        assert colours and all(contrast(c, bg) >= MIN_CONTRAST for c in colours)
