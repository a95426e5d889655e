"""Peak-memory measures: builder/memory.py, and texts pickled without a cached UTF-8 copy."""

from __future__ import annotations

import pickle
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from builder.memory import release_free_memory  # noqa: E402
from builder.model import Document, FrontMatter  # noqa: E402


def _doc(body: str, summary: str | None) -> Document:
    return Document(source="content/posts/a.md", kind="article", lang="zh-CN", meta=FrontMatter(title="标题"),
                    tokens=(), body_line=3, summary_tokens=None, stem="a", section="posts", body=body,
                    summary_src=summary)


def test_document_pickles_its_texts_without_growing_them() -> None:
    body = "中文正文，软件与网络。\n" * 200 + "\ud800 lone surrogate"
    for summary in (None, "摘要" * 50):
        doc = _doc(body + "", summary)
        size = sys.getsizeof(doc.body)
        back = pickle.loads(pickle.dumps(doc, protocol=5))
        assert back == doc
        assert sys.getsizeof(doc.body) == size  # str pickling would have kept a UTF-8 copy inside it
        assert pickle.loads(pickle.dumps([doc, doc]))[0] is not None


def test_release_free_memory_is_harmless() -> None:
    junk = [bytes(5000) for _ in range(2000)]
    del junk
    release_free_memory()
    release_free_memory()
