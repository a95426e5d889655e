"""A document's body rendered in an edition: Markdown to HTML, `.md` links resolved, summaries,
and an article body's cache key (the render reuses a body whose inputs are all unchanged)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from ..incremental.store import Store, digest
from ..model import Document, Edition, Entry
from ..pipeline.mentions import Matcher, make_linker
from ..pipeline.paths import root_of
from ..text.html import Rendered, RenderEnv
from ..text.opencc import source_script
from ..text.summary import summarize
from .context import Ctx
from .reads import body_fact


def _render_doc(ctx: Ctx, doc: Document, entry: Entry, linker: Any = None,
                links: list[tuple[str, str]] | None = None) -> Rendered:
    """`links`, if given, receives (href, resolved) for every link and image source resolved."""
    ctx.reads.read(body_fact(entry.source))
    e = ctx.edition
    conv = ctx.doc_conv(doc)
    root = root_of(ctx.path(entry.path))

    def resolve(href: str) -> str:
        out = _resolve_link(ctx, doc, href, root)
        if links is not None:
            links.append((href, out))
        return out

    sanitize: Callable[[str], str] | None = None
    if ctx.config.unsafe_html:  # raw HTML through the nh3 allowlist instead of escaped
        from ..text.sanitize import clean
        sanitize = clean
    def picture(src: str) -> tuple[str, str, int, int] | None:
        pic = ctx.images.find(doc.source, src, "wide")
        if pic is None:
            return None
        return (root + pic.webp if pic.webp else "", root + pic.fallback, pic.width, pic.height)

    env = RenderEnv(convert=conv, edition_key=e.key, edition_script=e.script, resolve_link=resolve,
                    linker=linker, sanitize=sanitize, picture=picture)
    return ctx.text.render(ctx.text.tokens_of(doc), env)


def _resolve_link(ctx: Ctx, doc: Document, href: str, root: str) -> str:
    """`[x](other.md#anchor)` → the other page in this edition; everything else as written."""
    if "://" in href or href.startswith(("#", "/", "mailto:", "tel:", "data:")):
        return href
    path, _, anchor = href.partition("#")
    if not path.lower().endswith((".md", ".markdown")):
        return href
    import posixpath
    from urllib.parse import unquote
    target = posixpath.normpath(posixpath.join(posixpath.dirname(doc.source), unquote(path)))
    entry = ctx.site.index.get(target)
    if entry is None:
        return href
    return root + quote(ctx.path(entry.path), safe="/.-_~") + ("#" + anchor if anchor else "")


def _summary(ctx: Ctx, doc: Document, rendered_text: str) -> str:
    conv = ctx.doc_conv(doc)
    if doc.meta.summary.strip():
        return ctx.text.convert_known(conv, doc.meta.summary.strip())
    summary_tokens = ctx.text.summary_tokens_of(doc)
    if summary_tokens is not None:
        env = RenderEnv(convert=conv, edition_key=ctx.edition.key, edition_script=ctx.edition.script)
        return ctx.text.render(summary_tokens, env).text.replace("\n", " ").strip()
    return summarize(rendered_text, ctx.config.summary_length)


def _topic_hrefs(ctx: Ctx, doc: Document, root: str, topic_matcher: Matcher | None,
                 doc_topics: dict[str, set[int]]) -> tuple[str | None, ...] | None:
    """The first-mention linker's href per topic (None: not linked), or None: no linker."""
    mentioned = doc_topics.get(doc.source)
    if not (ctx.config.link_topics and topic_matcher is not None and mentioned):
        return None
    topics = ctx.site.topics
    links: list[str | None] = [None] * len(topics)
    for i in mentioned:
        links[i] = root + quote(ctx.path(topics[i].entry.path), safe="/.-_~")
    return tuple(links)


def _body_key(ctx: Ctx, doc: Document, root: str, hrefs: tuple[str | None, ...] | None,
              matcher_sig: bytes) -> bytes:
    """The cache key of an article body in one edition (see `_article_body`). What every body of
    the edition shares is hashed once per edition; `hrefs` goes in as its length and its linked
    topics' (index, href) pairs (the rest are None): hashing a part per topic cost more than the
    body's text."""
    shared = ctx.memo.body_key
    if shared is None:
        shared = ctx.memo.body_key = digest("article-body-edition", ctx.config.glossary, ctx.edition,
                                               ctx.config.unsafe_html, ctx.config.summary_length, ctx.images.sig)
    linked = None if hrefs is None else (len(hrefs), *[x for i, h in enumerate(hrefs) if h is not None for x in (i, h)])
    return digest("article-body", doc.source, doc.lang, doc.body, doc.summary_src, doc.meta.summary,
                  doc.meta.glossary, doc.meta.mathjax, shared, root, matcher_sig if hrefs else None, linked)


def _deferred(doc: Document) -> bool:
    """True when the document's tokens are exactly the parse of its kept text (`body`, `summary_src`)."""
    return not doc.tokens and doc.summary_tokens is None


def _article_body(ctx: Ctx, doc: Document, entry: Entry, root: str, topic_matcher: Matcher | None,
                  hrefs: tuple[str | None, ...] | None, store: Store | None,
                  matcher_sig: bytes, body_key: bytes | None = None) -> tuple[Rendered, str]:
    """An article's rendered body and summary in one edition, from the cache when possible.

    The key holds everything `_render_doc` and `_summary` read: the document's text, summary text,
    front-matter summary and glossary, language and source path; the edition and site glossary; the
    config fields Markdown uses (unsafe_html, summary_length); the resized images (their table's
    signature); the page's root; the first-mention
    linker's input (the matcher's input and each topic's href). What relative `.md` links resolve
    to depends on other pages' paths: each link's resolution is stored and re-checked on use."""
    key = None
    if store is not None and _deferred(doc):
        key = body_key or _body_key(ctx, doc, root, hrefs, matcher_sig)
        hit = store.get(key, tuple)
        if hit is not None:
            html, toc, text, summary, resolved = hit
            if all(_resolve_link(ctx, doc, href, root) == out for href, out in resolved):
                return Rendered(html, toc, text), summary
    links: list[tuple[str, str]] = []
    linker = make_linker(topic_matcher, hrefs) if hrefs and topic_matcher is not None else None
    rendered = _render_doc(ctx, doc, entry, linker, links)
    summary = _summary(ctx, doc, rendered.text)
    if key is not None and store is not None:
        store.put(key, (rendered.html, rendered.toc, rendered.text, summary, tuple(links)))
    return rendered, summary


def _content_lang(doc: Document, e: Edition) -> str:
    """Chinese content takes the edition's tag after conversion; other languages keep their own."""
    return e.code if source_script(doc.lang) else doc.lang
