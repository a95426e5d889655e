"""The 60 real Hugo articles in ../shared/corpus/real build with no error, every body paragraph present."""

import shutil
from pathlib import Path

import pytest

from builder.config import load_config
from builder.pipeline.build import build
from builder.pipeline.load import SourceFile, load_file
from builder.text.convert import make_converter
from builder.text.markdown import passages
from builder.text.opencc import source_script
from conftest import NO_REAL_CORPUS, REAL_CORPUS, page_text, squash

CORPUS = REAL_CORPUS
pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=NO_REAL_CORPUS)


def test_real_corpus_builds_with_every_paragraph(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "content/posts").mkdir(parents=True)
    (site / "site.yaml").write_text("title: 真实语料\nbase_url: https://r.example/\n", encoding="utf-8")
    for f in sorted(CORPUS.glob("[0-9]*.md")):
        shutil.copy(f, site / "content/posts" / f.name)
    out = tmp_path / "out"
    build(site, out)
    config = load_config(site)
    missing = []
    checked = 0
    for f in sorted((site / "content/posts").glob("*.md")):
        doc, errors = load_file(SourceFile(str(f), f"content/posts/{f.name}"), config)
        assert doc is not None and not errors
        hant = source_script(doc.lang).startswith("Hant")
        html = (out / f"{'zh-tw/' if hant else ''}posts/{doc.stem}/index.html").read_text(encoding="utf-8")
        text = squash(page_text(html))
        # a Hong Kong source's zh-TW page has Taiwan forms (綫 → 線): its passages as converted
        conv = make_converter(doc.lang, config.editions[1]) if hant else str
        for p in passages(doc.tokens):
            checked += 1
            if squash(conv(p.text)) not in text:
                missing.append((f.name, p.text[:40]))
    assert checked > 500 and not missing, missing[:5]
