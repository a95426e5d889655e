"""The linkify shortcut (markdown._LINK_HINT) gives the same tokens as linkify-it's own pretest."""

from __future__ import annotations

import pytest

from builder.text.markdown import new_parser
from conftest import NO_REAL_CORPUS, REAL_CORPUS

REAL = REAL_CORPUS

SAMPLES = [
    "见 https://example.com/a 与 www.example.org。", "邮件 a@b.cn 或 mailto:x@y.com",
    "本机 localhost:8080 和 LOCALHOST",
    "Kelvin \u212aelvin localho\u017ft", "协议相对 //cdn.example.com/x.js", "ftp://files.example.net",
    "IP 192.168.1.1 与 10.0.0.1:80", "无链接的中文句子，没有任何网址。", "example.com 和 foo.bar", "a.b c:d e/f g@h",
    "**粗体 https://x.org** `code http://y` [链接](http://z.org) <http://auto.org>", "http\\://escaped.com",
    "| 表 | www.t.com |\n|---|---|\n| x.io | 中文 |", "# 标题 www.heading.com\n\n- 列表 item.net",
]


def _tokens(md, text):  # type: ignore[no-untyped-def]
    return [t.as_dict() for t in md.parse(text, {})]


def _same(texts):  # type: ignore[no-untyped-def]
    for unsafe in (False, True):
        quick, full = new_parser(unsafe), new_parser(unsafe, quick_linkify=False)
        for text in texts:
            assert _tokens(quick, text) == _tokens(full, text), text[:80]


def test_samples() -> None:
    _same(SAMPLES)
    # the samples do reach linkify: links are found
    md = new_parser()
    assert any(t.type == "link_open" for tok in md.parse(SAMPLES[0], {}) for t in tok.children or ())
    assert any(t.type == "link_open" for tok in md.parse(SAMPLES[1], {}) for t in tok.children or ())


@pytest.mark.skipif(not REAL.is_dir(), reason=NO_REAL_CORPUS)
def test_real_corpus() -> None:
    files = sorted(REAL.glob("*.md"))
    assert files
    _same([f.read_text(encoding="utf-8") for f in files])
