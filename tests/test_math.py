"""`mathjax: true` pages: `$…$` and `$$…$$` as MathML at build time (text/math.py)."""

from __future__ import annotations

import re
from pathlib import Path

from builder.text.math import to_mathml
from tests.conftest import make_and_build, read


def test_mathml_is_sanitised_and_bad_tex_shown() -> None:
    out = to_mathml(r"x^2 + \frac{a}{b}", False)
    assert out.startswith('<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">')
    assert "<msup><mi>x</mi><mn>2</mn></msup>" in out and "<mfrac>" in out
    assert "<script" not in to_mathml(r"\text{<script>alert(1)</script>}", False)
    assert "href" not in to_mathml(r"\href{javascript:alert(1)}{x}", False)
    assert "style" not in to_mathml(r"\style{color:red}{x}", False)
    assert to_mathml(r"\frac{", True) == '<pre class="math-error">\\frac{</pre>'


PAGE = """
---
title: {title}
date: 2024-01-0{d}
mathjax: {math}
---
质能方程 $E = mc^2$，价格从 $5 到 $10。

$$
\\int_0^1 x\\,dx = \\frac{{1}}{{2}}
$$
"""


def test_only_mathjax_pages_get_formulas(tmp_path: Path) -> None:
    out = make_and_build(tmp_path, {"content/posts/m.md": PAGE.format(title="公式", d=2, math="true"),
                                    "content/posts/n.md": PAGE.format(title="无公式", d=3, math="false")})
    for page in ("posts/m/index.html", "zh-tw/posts/m/index.html"):
        html = read(out, page)
        assert re.search(r'<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">.*<mi>E</mi>', html)
        assert '<div class="math-display"><math xmlns="http://www.w3.org/1998/Math/MathML" display="block">' in html
        assert "从 $5 到 $10" in html or "從 $5 到 $10" in html  # a dollar before a digit is text
        scripts = re.findall(r'<script src="([^"]+)"', html)
        ours = r"(\.\./)+tongwen/(tongwen|search|previews)\.js"
        assert scripts and all(re.fullmatch(ours, s) for s in scripts)  # no MathJax
    plain = read(out, "posts/n/index.html")
    assert "<math" not in plain and "$E = mc^2$" in plain
