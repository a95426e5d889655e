"""Peak-memory measures: builder/memory.py."""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from builder.pipeline.memory import release_free_memory, without_utf8_copy  # noqa: E402


def test_a_pickled_text_lets_its_utf8_copy_go() -> None:
    text = "中文正文，软件与网络。\n" * 200
    size = sys.getsizeof(text)
    pickle.dumps(text)
    assert sys.getsizeof(text) > size  # what the build works around: pickling kept a UTF-8 copy
    fresh = without_utf8_copy(text)
    assert fresh == text and sys.getsizeof(fresh) == size
    ascii_text = "plain " * 100
    assert without_utf8_copy(ascii_text) is ascii_text and without_utf8_copy("中") == "中"


def test_a_build_keeps_no_utf8_copy_of_document_bodies(tmp_path: Path) -> None:
    from builder.pipeline import build as build_mod

    site = tmp_path / "site"
    (site / "content" / "posts").mkdir(parents=True)
    (site / "site.yaml").write_text("title: 测试\nbase_url: https://example.org/\n", encoding="utf-8")
    (site / "content" / "posts" / "a.md").write_text(
        "---\ntitle: 文章\ndate: 2024-01-02\n---\n" + "中文正文，软件与网络。\n\n" * 50 + "<!--more-->\n尾。\n",
        encoding="utf-8")
    seen = []
    real = build_mod.render_site

    def spy(site_model, *a, **kw):  # type: ignore[no-untyped-def]
        for e in site_model.articles:
            for _k, d in e.docs:
                seen.append((sys.getsizeof(d.body), sys.getsizeof(d.body[:1] + d.body[1:])))
        return real(site_model, *a, **kw)

    build_mod.render_site = spy  # type: ignore[assignment]
    try:
        build_mod.build(site, tmp_path / "out", jobs=1)
    finally:
        build_mod.render_site = real  # type: ignore[assignment]
    assert seen and all(a == b for a, b in seen)


def test_release_free_memory_is_harmless() -> None:
    junk = [bytes(5000) for _ in range(2000)]
    del junk
    release_free_memory()
    release_free_memory()
