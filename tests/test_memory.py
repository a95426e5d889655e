"""Peak-memory measures: builder/pipeline/memory.py, and documents pickled without a UTF-8 copy
(incremental/store.py)."""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from builder.pipeline.memory import release_free_memory  # noqa: E402


def test_a_stored_document_keeps_no_utf8_copy_of_its_texts() -> None:
    from builder.incremental.store import dumps
    from builder.model.documents import Document, FrontMatter

    text = "中文正文，软件与网络。\n" * 200
    size = sys.getsizeof(text)
    pickle.dumps(text)
    assert sys.getsizeof(text) > size  # what the store avoids: pickling a str kept a UTF-8 copy in it
    body, summary = "正文，" * 300 + "\ud800", "摘要。" * 100  # (a lone surrogate survives too)
    sizes = sys.getsizeof(body), sys.getsizeof(summary)
    doc = Document("content/a.md", "article", "zh-CN", FrontMatter(title="题"), (), 5, None, "a", "posts",
                   body=body, summary_src=summary)
    again = pickle.loads(dumps([doc, doc]))
    assert (sys.getsizeof(body), sys.getsizeof(summary)) == sizes
    assert again[0] == doc and again[0] is again[1]


def test_a_build_keeps_no_utf8_copy_of_document_bodies(tmp_path: Path) -> None:
    from builder import render as render_mod  # (build.py imports render_site where it renders)
    from builder.pipeline import build as build_mod

    site = tmp_path / "site"
    (site / "content" / "posts").mkdir(parents=True)
    (site / "site.yaml").write_text("title: 测试\nbase_url: https://example.org/\n", encoding="utf-8")
    (site / "content" / "posts" / "a.md").write_text(
        "---\ntitle: 文章\ndate: 2024-01-02\n---\n" + "中文正文，软件与网络。\n\n" * 50 + "<!--more-->\n尾。\n",
        encoding="utf-8")
    seen: list[tuple[int, int]] = []
    real = render_mod.render_site

    def spy(site_model, *a, **kw):  # type: ignore[no-untyped-def]
        for e in site_model.articles:
            for _k, d in e.docs:
                seen.append((sys.getsizeof(d.body), sys.getsizeof(d.body[:1] + d.body[1:])))
        return real(site_model, *a, **kw)

    render_mod.render_site = spy  # type: ignore[assignment]
    try:
        build_mod.build(site, tmp_path / "out", jobs=1)
        post = site / "content" / "posts" / "a.md"  # and in an edit build, which reuses the derived site
        post.write_text(post.read_text(encoding="utf-8") + "改了。\n", encoding="utf-8")
        build_mod.build(site, tmp_path / "out", jobs=1)
    finally:
        render_mod.render_site = real  # type: ignore[assignment]
    assert len(seen) == 4 and all(a == b for a, b in seen)


def test_release_free_memory_is_harmless() -> None:
    junk = [bytes(5000) for _ in range(2000)]
    del junk
    release_free_memory()
    release_free_memory()
