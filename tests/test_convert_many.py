"""convert_many (one OpenCC call per batch) must give exactly what converting each text alone gives."""

from __future__ import annotations

import pytest

from builder.model.documents import Edition, GlossaryEntry
from builder.text.convert import make_converter
from builder.text.markdown import parse
from builder.text.opencc import convert_many, opencc_converter
from conftest import NO_REAL_CORPUS, REAL_CORPUS

REAL = REAL_CORPUS
TW = Edition(code="zh-TW", name="繁體", prefix="zh-tw", script="Hant", opencc="s2twp")
CN = Edition(code="zh-CN", name="简体", prefix="", script="Hans", opencc="")

# phrases that would convert differently if OpenCC saw them across the batch separator
TRICKY = ["软", "件", "软件", "内存", "内", "存", "鼠标", "", " ", "网络\n", "\n", "a\nb", "信息", "息",
          "\ue000私用", "打印机", "打印", "机", "。", "English text", "头发", "发", "干", "面条"]


def _check(conv, texts):  # type: ignore[no-untyped-def]
    assert convert_many(conv, texts) == [conv(t) for t in texts]


def test_phrases_do_not_cross_the_separator() -> None:
    conv = opencc_converter("s2twp").convert
    assert conv("软\n件") == conv("软") + "\n" + conv("件")
    _check(conv, TRICKY)
    _check(conv, [t for t in TRICKY if "\n" not in t])


def test_glossary_and_identity() -> None:
    glossary = (GlossaryEntry(forms=(("zh-cn", "软件"), ("zh-tw", "軟件"))),)
    for ed in (TW, CN):
        for lang in ("zh-CN", "zh-TW", "en"):
            conv = make_converter(lang, ed, glossary)
            _check(conv, TRICKY)
            _check(conv, [t for t in TRICKY if "\n" not in t])
            _check(make_converter(lang, ed), TRICKY)


def _corpus_texts() -> list[str]:
    texts = []
    for f in sorted(REAL.glob("*.md")):
        for tok in parse(f.read_text(encoding="utf-8")):
            for c in tok.children or ():
                if c.type == "text" and c.content:
                    texts.append(c.content)
    return texts


@pytest.mark.skipif(not REAL.is_dir(), reason=NO_REAL_CORPUS)
def test_real_corpus_batches() -> None:
    texts = _corpus_texts()
    assert texts
    for cfg in ("s2twp", "s2t", "s2hk", "tw2sp"):
        conv = opencc_converter(cfg).convert
        for i in range(0, len(texts), 400):
            _check(conv, texts[i:i + 400])
