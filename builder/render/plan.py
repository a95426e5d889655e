"""`_Plan`: the render's shared state (forked workers inherit it), what pages look up in it, and the
workers' two kinds of work: a chunk of articles (phase 1) and a chunk of other jobs (phase 2)."""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Sequence
from dataclasses import dataclass, field

import jinja2

from ..config import SiteConfig
from ..incremental.state import RenderState
from ..incremental.store import Store, digest
from ..knowledge.links import EMPTY, LinkIndex
from ..model import Collection, Document, Entry, Site, Term
from ..pipeline.mentions import Matcher, Mention, doc_mentions, make_linker
from ..pipeline.paths import root_of
from ..text.memo import TextMemo
from ..text.opencc import Convert, is_identity
from .article_page import _article
from .body import _body_key, _deferred, _topic_hrefs
from .context import Ctx, _translated
from .env import _TEMPLATE_FAILURES, template_error
from .job import Job, _Result
from .reads import Reads, body_fact, graph_links_fact, mentions_fact
from .rows import _get_passages, _get_rows, _Row


@dataclass
class _Plan:
    """The render's shared state. Forked workers inherit it; it is never pickled."""

    site: Site
    config: SiteConfig
    ctxs: tuple[Ctx, ...]
    env: jinja2.Environment
    topic_matcher: Matcher | None
    rows: dict[str, list[_Row]] = field(default_factory=dict)  # topic source → its mentions, in order
    rest: list[tuple[int, Job]] = field(default_factory=list)
    store: Store | None = None
    matcher_sig: bytes = b""
    todo: list[int] = field(default_factory=list)  # indexes of the articles to render
    job_ids: dict[int, str] = field(default_factory=dict)  # article index → its job id (incremental)
    rest_ids: list[str] = field(default_factory=list)  # phase-2 job index → its job id (incremental)
    counts: dict[str, int] = field(default_factory=dict)  # topic source → its mentions, all editions (`Counts`)
    pages: dict[tuple[str, str], int] = field(default_factory=dict)  # (edition key, topic) → its pages
    prev: RenderState | None = None  # incremental: the previous build's state (same global signature)
    mention_keys: dict[str, bytes] = field(default_factory=dict)  # incremental: topic → its rows' cache key
    global_sig: bytes | None = None  # incremental: the build's global signature (caches keyed on it)
    links: LinkIndex = EMPTY  # the articles' links (read through `backlinks.incoming`)
    # memos of the methods below, by topic, article or (taxonomy, term key)
    _mention_sigs: dict[str, bytes] = field(default_factory=dict)
    _topic_entries: dict[str, tuple[Entry, ...]] = field(default_factory=dict)
    _passages: dict[str, dict[tuple[str, str], str]] = field(default_factory=dict)
    _term_entries: dict[tuple[str, str], list[Entry]] = field(default_factory=dict)
    _topic_index: dict[str, int] | None = None

    @property
    def text(self) -> TextMemo:
        """The render's work memo, which its contexts share (`Converters.text`): cleared after each
        unit of work (a chunk of articles, one other job)."""
        return self.ctxs[0].text

    @property
    def reads(self) -> Reads:
        """What the job being run has read (reads.py), shared by the contexts."""
        return self.ctxs[0].converters.reads

    def topic_rows(self, topic: str) -> list[_Row]:
        """A topic's mention rows: this build's, or a list the previous build left and no article
        rendered again changed (read from the cache when a job first needs it)."""
        got = self.rows.get(topic)
        if got is None:
            key = self.mention_keys.get(topic)
            got = self.rows[topic] = _get_rows(self.store, key) if key is not None and self.store is not None else []
        return got

    def mention_sig(self, topic: str) -> bytes:
        """Which passages of which documents a topic's mentions are, in order (edition-independent)."""
        memo = self._mention_sigs
        sig = memo.get(topic)
        if sig is None:
            text = "\0".join([f"{r[0]}\1{r[1]}\1{r[2]}" for r in self.topic_rows(topic)])
            sig = memo[topic] = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        return sig

    def mentioning(self, rows: Sequence[_Row]) -> tuple[Entry, ...]:
        """The distinct entries of some mention rows, in order."""
        index = self.site.index
        return tuple(index[a] for a in dict.fromkeys([r[0] for r in rows]))

    def topic_entries(self, topic: str) -> tuple[Entry, ...]:
        """The entries that mention a topic, in mention order (edition-independent)."""
        self.reads.read(mentions_fact(topic))
        got = self._topic_entries.get(topic)
        if got is None:
            got = self._topic_entries[topic] = self.mentioning(self.topic_rows(topic))
        return got

    def collection_links(self, c: Collection) -> dict[str, tuple[str, ...]]:
        """The links between the articles that mention a collection's topics (source → targets,
        in the link index's order), recorded as read (`graph_links_fact`): the collection's graph
        page draws them and ranks its articles by them."""
        self.reads.read(graph_links_fact(c.entry.source))
        return self.links_among(c)

    def links_among(self, c: Collection) -> dict[str, tuple[str, ...]]:
        """`collection_links` unrecorded (reuse.py digests it to find whether it changed)."""
        outgoing = self.links.outgoing
        if not outgoing:
            return {}
        shown: set[str] = set()
        for t in c.topics:
            shown.update(r[0] for r in self.topic_rows(t.entry.source))
        out = {}
        for a in sorted(shown & outgoing.keys()):
            targets = tuple(lk.target for lk in outgoing[a] if lk.target in shown)
            if targets:
                out[a] = targets
        return out

    def passages(self, article: str) -> dict[tuple[str, str], str]:
        """A kept article's mentioned passages' texts, from the previous build's records."""
        memo = self._passages
        got = memo.get(article)
        if got is None:
            assert self.prev is not None and self.store is not None
            key = pickle.loads(self.prev.articles[article]).passages
            got = memo[article] = _get_passages(self.store, key, f"{article}: its passages")
        return got

    def shown_rows(self, ctx: Ctx, topic: str) -> list[_Row]:
        """The mentions of a topic an edition shows: those in a document the edition renders (not
        in another one's translation; only articles with a translation can differ)."""
        got = ctx.memo.shown_rows.get(topic)
        if got is None:
            rows = self.topic_rows(topic)
            translated = _translated(ctx)
            if translated:
                index, k = self.site.index, ctx.edition.key
                rows = [r for r in rows if r[0] not in translated or index[r[0]].doc(k).source == r[1]]
            got = ctx.memo.shown_rows[topic] = rows
        return got

    def term_entries(self, tax: str, t: Term) -> list[Entry]:
        """A term's entries, newest first (one list for every edition)."""
        memo = self._term_entries
        got = memo.get((tax, t.key))
        if got is None:
            index = self.site.index
            got = memo[(tax, t.key)] = [index[s] for s in t.sources]
        return got

    @property
    def topic_index(self) -> dict[str, int]:
        if self._topic_index is None:
            self._topic_index = {t.entry.source: i for i, t in enumerate(self.site.topics)}
        return self._topic_index

    def _fail(self, res: _Result, edition: int, job: int, exc: Exception) -> None:
        # a template (often the site's own) failed at run time: locate it in the template file
        err = template_error(exc, self.config.root)
        if err.where.path == "templates" and not isinstance(exc, jinja2.TemplateError):
            raise exc  # not from a template: a bug in Tongwen, not the user's problem to locate
        res.errors.setdefault(edition, (job, err))

    def articles(self, start: int, stop: int) -> _Result:
        res = _Result()
        articles = self.site.articles
        chunk = self.todo[start:stop]
        # mentions first, for the whole chunk: an article links the first mention of each topic it
        # really mentions, and the chunk's texts are converted in one batch (`_preconvert`)
        found_of: dict[int, list[Mention]] = {}
        topics_of: dict[int, dict[str, set[int]]] = {}
        keys_of: dict[int, tuple[bytes, ...]] = {}
        for i in chunk:
            mark = self.store.checkpoint() if self.store is not None else 0
            found = found_of[i] = self._entry_mentions(articles[i]) if self.topic_matcher is not None else []
            doc_topics: dict[str, set[int]] = topics_of.setdefault(i, {})
            for m in found:
                doc_topics.setdefault(m.doc.source, set()).add(self.topic_index[m.topic])
            if self.store is not None:
                keys_of[i] = self.store.used_since(mark)
        body_keys = self._preconvert(chunk, found_of, topics_of)
        for i in chunk:
            entry = articles[i]
            mark = self.store.checkpoint() if self.store is not None else 0
            self.reads.take()  # (what finding the chunk's mentions read is each article's own body)
            self.reads.read(body_fact(entry.source))
            newer = articles[i - 1] if i > 0 else None
            older = articles[i + 1] if i + 1 < len(articles) else None
            found, doc_topics = found_of[i], topics_of[i]
            for k, ctx in enumerate(self.ctxs):
                if k in res.errors:
                    continue
                try:
                    res.outputs.append(_article(ctx, self.env, entry, newer, older, self.topic_matcher,
                                                doc_topics, res.search, self.store, self.matcher_sig,
                                                body_keys.get((i, k)), self.links))
                    res.paths.setdefault(i, []).append(res.outputs[-1].path)
                except _TEMPLATE_FAILURES as exc:
                    self._fail(res, k, i, exc)
                    continue
                res.summaries.setdefault(k, {})[entry.source] = ctx.summaries[entry.source]
            if found:
                # (anchor, text, line): match_text served to find them, and Passage objects cost
                res.mentions.append((i, [(m.doc.source, (m.passage.anchor, m.passage.text, m.passage.line), m.topic)
                                         for m in found]))
                if self.store is not None:
                    self._quotes(found, res)
            if self.store is not None:
                res.keys[i] = tuple(dict.fromkeys(keys_of[i] + self.store.used_since(mark)))
            res.reads[i] = self.reads.take()
        self.text.clear()
        if self.store is not None:
            res.cache = self.store.drain()
        return res

    def _preconvert(self, chunk: list[int], found_of: dict[int, list[Mention]],
                    topics_of: dict[int, dict[str, set[int]]]) -> dict[tuple[int, int], bytes]:
        """Convert up front, one batch per converter, the texts the chunk's article renders will
        convert: the text of each body the cache does not hold (with the first-mention linker's
        cuts, predicted by a fresh linker), its summary and quoted passages, and each article's
        title, lead, author and summary. Only ever a lookup table: see `TextMemo.preconvert`.
        Returns the bodies' cache keys, (article, edition) → key, their rows read ahead."""
        articles = self.site.articles
        batches: dict[Convert, list[str]] = {}
        bodies: list[tuple[int, Ctx, Document, tuple[str | None, ...] | None, bytes | None]] = []
        body_keys: dict[tuple[int, int], bytes] = {}
        for i in chunk:
            entry = articles[i]
            for k, ctx in enumerate(self.ctxs):
                doc = entry.doc(ctx.edition.key)
                root = root_of(ctx.path(entry.path))
                hrefs = _topic_hrefs(ctx, doc, root, self.topic_matcher, topics_of[i])
                key = _body_key(ctx, doc, root, hrefs, self.matcher_sig) if (
                    self.store is not None and _deferred(doc)) else None
                if key is not None:
                    body_keys[(i, k)] = key
                conv = ctx.doc_conv(doc)
                if is_identity(conv):
                    continue
                texts = batches.setdefault(conv, [])
                texts.extend((doc.meta.title or doc.stem, doc.meta.lead, doc.meta.author or ctx.config.author,
                              doc.meta.summary.strip()))
                for j in (i - 1, i + 1):  # the pager's titles
                    if 0 <= j < len(articles):
                        other = articles[j].doc(ctx.edition.key)
                        batches.setdefault(ctx.doc_conv(other), []).append(
                            other.meta.title or other.stem)
                bodies.append((i, ctx, doc, hrefs, key))
        if self.store is not None and body_keys:
            self.store.prefetch(list(body_keys.values()))
        held = self.store.holds if self.store is not None else None
        for i, ctx, doc, hrefs, key in bodies:
            if key is not None and held is not None and held(key):
                continue  # (its quotes are cached alike: `_quotes`)
            conv = ctx.doc_conv(doc)
            texts = batches[conv]
            linker = make_linker(self.topic_matcher, hrefs) if hrefs and self.topic_matcher is not None else None
            texts.extend(self.text.render_texts(self.text.tokens_of(doc), linker))
            summary_tokens = self.text.summary_tokens_of(doc)
            if summary_tokens is not None and not doc.meta.summary.strip():
                texts.extend(self.text.render_texts(summary_tokens))
            texts.extend([m.passage.text for m in found_of[i] if m.doc is doc])  # quoted by topic pages
        self.text.preconvert(batches)
        return body_keys

    def _quotes(self, found: list[Mention], res: _Result) -> None:
        """Each mentioned passage converted for each edition, as topic pages quote it (`_quote`),
        cached per document under what the conversion reads: the texts, the document's language
        and glossary, the edition and the site glossary."""
        by_doc: dict[str, tuple[Document, dict[str, str]]] = {}
        for m in found:
            by_doc.setdefault(m.doc.source, (m.doc, {}))[1].setdefault(m.passage.anchor, m.passage.text)
        assert self.store is not None
        for k, ctx in enumerate(self.ctxs):
            for source, (doc, texts) in by_doc.items():
                conv = ctx.doc_conv(doc)
                if is_identity(conv):  # nothing to convert, nothing worth storing
                    res.quotes.extend((k, source, a, t) for a, t in texts.items())
                    continue
                key = digest("quotes", doc.lang, doc.meta.glossary, ctx.config.glossary, ctx.edition,
                             tuple(texts.values()))
                converted = self.store.get(key, tuple)
                if converted is None or len(converted) != len(texts):
                    converted = tuple(self.text.convert_texts(conv, list(texts.values())))
                    self.store.put(key, converted)
                res.quotes.extend((k, source, a, t) for a, t in zip(texts, converted, strict=True))

    def _entry_mentions(self, entry: Entry) -> list[Mention]:
        """`topics.entry_mentions`, each document's part cached under its text, the Markdown options
        and the matcher's input (every topic's aliases, in order): all `doc_mentions` reads."""
        assert self.topic_matcher is not None
        out: list[Mention] = []
        for doc in {id(d): d for _k, d in entry.docs}.values():
            key = found = None
            if self.store is not None and _deferred(doc):
                key = digest("mentions", doc.body, self.config.unsafe_html, self.matcher_sig)
                found = self.store.get(key, list)
            if found is None:
                found = doc_mentions(doc, self.topic_matcher, self.text)
                if key is not None and self.store is not None:
                    self.store.put(key, found)
            out.extend(Mention(entry, doc, p, self.site.topics[t].entry.source) for p, t in found)
        return out

    def others(self, start: int, stop: int) -> _Result:
        res = _Result()
        for j in range(start, stop):
            k, job = self.rest[j]
            if k in res.errors:
                continue
            mark = self.store.checkpoint() if self.store is not None else 0
            self.reads.take()
            try:
                outs = job(res.search)
                res.outputs.extend(outs)
                res.paths[j] = [o.path for o in outs]
                res.reads[j] = self.reads.take()
                if self.store is not None:
                    res.keys[j] = self.store.used_since(mark)
            except _TEMPLATE_FAILURES as exc:
                self._fail(res, k, j, exc)
            self.text.clear()
        if self.store is not None:
            res.cache = self.store.drain()
        return res
