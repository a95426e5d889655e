"""Taiwan's quotation marks in the zh-TW edition (text/quotes.py): a per-edition setting, never in
code, URLs or markup."""

from __future__ import annotations

from pathlib import Path

from builder.text.quotes import corner
from tests.conftest import make_and_build, read


def test_corner_marks_and_apostrophes() -> None:
    assert corner("他说“你好‘朋友’”。") == "他说「你好『朋友』」。"
    assert corner("don’t ‘quote’ it’s") == "don’t 『quote』 it’s"
    assert corner("无引号") == "无引号"


ARTICLE = """
---
title: 引号“标题”
date: 2024-01-02
---
他说“软件很‘好’用”。见[“链接”](https://example.org/“x”) 与 `“代码”`。

![图“说明”](https://example.org/a.png)

```
s = “原样”
```
"""


def test_zh_tw_edition_uses_corner_quotes_by_default(tmp_path: Path) -> None:
    out = make_and_build(tmp_path, {"content/posts/a.md": ARTICLE})
    tw = read(out, "zh-tw/posts/a/index.html")
    assert "他說「軟體很『好』用」。" in tw
    assert "<h1 class=\"post-title\">引號「標題」</h1>" in tw
    assert ">「連結」</a>" in tw and 'href="https://example.org/%E2%80%9Cx%E2%80%9D"' in tw
    assert "<code>“代码”</code>" in tw and "s = “原样”" in tw  # code as written
    cn = read(out, "posts/a/index.html")
    assert "他说“软件很‘好’用”。" in cn and "「" not in cn


def test_setting_per_edition(tmp_path: Path) -> None:
    out = make_and_build(tmp_path, {
        "site.yaml": """
            title: 站
            base_url: https://example.org/
            editions:
              - {code: zh-CN, name: 简体, corner_quotes: true}
              - {code: zh-TW, name: 繁體, corner_quotes: false}
            """,
        "content/posts/a.md": ARTICLE})
    assert "他说「软件很『好』用」。" in read(out, "posts/a/index.html")
    assert "他說“軟體很‘好’用”。" in read(out, "zh-tw/posts/a/index.html")
