"""What a page job read beyond the global signature: the facts it read, recorded as it reads them.

Incremental reuse decides from these records (reuse.py), not from lists kept beside the page
functions: a job is run again when any fact it read last time changed. Everything a page can show
that is not in the global signature (front matter, site.yaml, templates, resources: all pages
rerun when it changes) is one of these facts, and the only ways to read one are the recording
accessors here and in plan.py (`_render_doc` records the body it renders):

- `body_fact(src)`: an entry's Markdown body (its rendering, its text in a search record);
- `summary_fact(src)`: an article's summaries, every edition (`Summaries`);
- `count_fact(topic)`: how many mentions a topic has (`Counts`);
- `mentions_fact(topic)`: which passages of which documents mention a topic, in order;
- `topic_fact(edition, topic)`: what every page of a topic shows of its mentions in an edition
  (how many, and which articles in which order: related articles and their tags);
- `topic_page_fact(edition, topic, n)`: which mentions page `n` of a topic quotes, and their texts
  (`topic_pages.page_mentions` is the one reader of passages' texts);
- `links_fact(target)`: which articles link to an entry, in order, and the sentence around each
  link (`backlinks.incoming`, the one reader of the link index's `incoming`).

A memo of something made from a fact (an edition's topic text, a feed item) records the fact on
every use, not only when it computes: the job that hits the memo read the fact too.
"""

from __future__ import annotations

import pickle
import sys
from typing import Any


def body_fact(src: str) -> str:
    return sys.intern("b\x1f" + src)


def summary_fact(src: str) -> str:
    return sys.intern("s\x1f" + src)


def count_fact(topic: str) -> str:
    return sys.intern("c\x1f" + topic)


def mentions_fact(topic: str) -> str:
    return sys.intern("m\x1f" + topic)


def topic_fact(edition: str, topic: str) -> str:
    return sys.intern(f"t\x1f{edition}\x1f{topic}")


def topic_page_fact(edition: str, topic: str, n: int) -> str:
    return sys.intern(f"tp\x1f{edition}\x1f{topic}\x1f{n}")


def links_fact(target: str) -> str:
    return sys.intern("l\x1f" + target)


def graph_links_fact(collection: str) -> str:
    return sys.intern("gl\x1f" + collection)


SITEMAP_EXTRA = "sx"


class Reads:
    """The facts the job being run has read so far (one per render, shared by its editions'
    contexts; each forked worker has its own copy)."""

    def __init__(self) -> None:
        self.current: set[str] = set()

    def read(self, fact: str) -> None:
        self.current.add(fact)

    def take(self) -> tuple[str, ...]:
        """The facts read since the last `take`, sorted (the record is deterministic)."""
        got, self.current = self.current, set()
        return tuple(sorted(got))


class Summaries(dict[str, str]):
    """An edition's article summaries, filled as articles render; reading one records its
    `summary_fact`. A kept article's summary comes from its pickled memo, unpickled only when a page
    that is rendered shows it."""

    def __init__(self, reads: Reads, edition: int, memos: dict[str, bytes] | None = None):
        super().__init__()
        self.reads = reads
        self.edition = edition
        self.memos = memos or {}

    def __getitem__(self, source: str) -> str:
        self.reads.read(summary_fact(source))
        return super().__getitem__(source)

    def __missing__(self, source: str) -> str:
        blob = self.memos.get(source)
        if blob is None:
            raise KeyError(source)
        value: str = pickle.loads(blob).summaries[self.edition]
        self[source] = value
        return value

    def get(self, source: str, default: Any = None) -> Any:  # type: ignore[override]
        try:
            return self[source]
        except KeyError:
            return default


class Counts(dict[str, int]):
    """Every topic's mention count; reading one records its `count_fact`."""

    def __init__(self, reads: Reads, counts: dict[str, int]):
        super().__init__(counts)
        self.reads = reads

    def __getitem__(self, topic: str) -> int:
        self.reads.read(count_fact(topic))
        return super().__getitem__(topic)

    def get(self, topic: str, default: Any = None) -> Any:  # type: ignore[override]
        self.reads.read(count_fact(topic))
        return super().get(topic, default)
