"""The 60 real Hugo articles in ../shared/corpus/real build with no error, every body paragraph present."""

import shutil
from pathlib import Path

import pytest

from builder.build import build
from builder.config import load_config
from builder.convert import source_script
from builder.load import SourceFile, load_file
from builder.markdown import passages
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
        edition = "zh-tw/" if source_script(doc.lang).startswith("Hant") else ""
        html = (out / f"{edition}posts/{doc.stem}/index.html").read_text(encoding="utf-8")
        text = squash(page_text(html))
        for p in passages(doc.tokens):
            checked += 1
            if squash(p.text) not in text:
                missing.append((f.name, p.text[:40]))
    assert checked > 500 and not missing, missing[:5]
