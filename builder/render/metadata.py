"""What an article says about itself besides its text: its description (front matter `description`,
else the summary: the meta description, the card and the feed item), its author (front matter
`author`, else the site's: the author box, the feed's `dc:creator`, JSON-LD) and its JSON-LD, which
never carries an empty field (a `null` is an error to structured-data validators)."""

from __future__ import annotations

from typing import Any

from ..model import Document, Entry
from .context import Ctx


def description(ctx: Ctx, doc: Document, summary: str) -> str:
    """The author's `description` in this edition when there is one, else the summary."""
    text = doc.meta.description.strip()
    return ctx.doc_conv(doc)(text) if text else summary


def author(ctx: Ctx, doc: Document) -> str:
    return ctx.term_conv()(doc.meta.author) if doc.meta.author.strip() else ctx.term_conv()(ctx.config.author)


def article_jsonld(ctx: Ctx, entry: Entry, doc: Document, title: str, canonical: str, lang: str,
                   image: str, desc: str) -> dict[str, Any]:
    date = entry.date
    modified = doc.meta.lastmod or date
    name = author(ctx, doc)
    ld: dict[str, Any] = {
        "@context": "https://schema.org", "@type": "Article", "headline": title,
        "datePublished": date.isoformat() if date else None,
        "dateModified": modified.isoformat() if modified else None,
        "inLanguage": lang, "mainEntityOfPage": canonical, "image": image or None, "description": desc,
        "author": {"@type": "Person", "name": name} if name else None,
    }
    return {k: v for k, v in ld.items() if v not in (None, "")}


def rss_creator(ctx: Ctx, doc: Document, escape: Any) -> str:
    """The feed item's `dc:creator` (RSS's own `<author>` must be an e-mail address)."""
    name = author(ctx, doc)
    return f"<dc:creator>{escape(name)}</dc:creator>" if name else ""
