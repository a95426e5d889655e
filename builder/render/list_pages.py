"""Paginated lists (home, sections, terms), the terms' index pages, and their jobs."""

from __future__ import annotations

import math
from collections.abc import Sequence

import jinja2
from markupsafe import Markup

from ..incremental.pagecache import PageUrl
from ..model import Entry, Output, SearchDoc, Term
from ..pipeline.paths import output_file
from .body import _render_doc
from .context import Ctx
from .env import _render_template
from .feeds import rss
from .job import Job, _job
from .page_vars import _card, _collection_vars, _page_vars, _search_term
from .plan import _Plan


def _list_jobs(ctx: Ctx, env: jinja2.Environment, kind: str, base: str, entries: Sequence[Entry], title: str,
               term: tuple[str, Term] | None, owner: Entry | None = None) -> list[Job]:
    """The jobs of a paginated list, one per page; `owner`: the section whose body is the intro."""
    # Hugo's list order: pages with a weight first, lightest first; the rest keep newest-first order
    if ctx.site.weighted:  # (a stable sort: without weights every page keeps its order)
        entries = sorted(entries, key=lambda a: (a.canonical.meta.weight == 0, a.canonical.meta.weight))
    pages = max(1, math.ceil(len(entries) / ctx.config.paginate))
    return [Job(_list_page, (ctx, env, kind, base, entries, title, term, n, pages, owner), False, (kind, base, n))
            for n in range(1, pages + 1)]


def _list_page(ctx: Ctx, env: jinja2.Environment, kind: str, base: str, entries: Sequence[Entry], title: str,
               term: tuple[str, Term] | None, n: int, pages: int, owner: Entry | None = None) -> Output:
    per = ctx.config.paginate
    # the section's _index.md body on its first page, as Hugo shows it
    intro = Markup(_render_doc(ctx, owner.doc(ctx.edition.key), owner).html) if owner is not None and n == 1 else ""
    path = base if n == 1 else f"{base}page/{n}/"
    v = _page_vars(ctx, kind, path, title if n == 1 else f"{title} · {ctx.strings['page_n'].format(n=n)}")
    chunk = entries[(n - 1) * per: n * per]
    v["page"] = {
        "title": title, "entries": [_card(ctx, a, v["url"]) for a in chunk], "n": n, "pages": pages,
        "prev": v["url"](base if n == 2 else f"{base}page/{n - 1}/") if n > 1 else "",
        "next": v["url"](f"{base}page/{n + 1}/") if n < pages else "",
        "taxonomy": term[0] if term else "", "count": len(entries),
        "term_feed": v["url"](f"{base}index.xml") if term else "",
        "content": intro,
        # the home page's map of the topic collections (front matter only: the global signature)
        "collections": [_collection_vars(ctx, c, {}, PageUrl(v["root"], "", {})) for c in ctx.site.collections]
        if kind == "home" and n == 1 else [],
    }
    v["description"] = ctx.config.description if kind == "home" else title
    return Output(output_file(ctx.path(path)), _render_template(env, "list.html", v))


def _terms_index(ctx: Ctx, env: jinja2.Environment, tax: str, terms: Sequence[Term]) -> Output:
    title = ctx.strings["tags" if tax == "tags" else "categories"]
    v = _page_vars(ctx, "terms", f"{tax}/", title)
    v["page"] = {"title": title, "taxonomy": tax, "terms": [
        {"name": ctx.term_names[(tax, t.key)], "count": len(t.sources), "url": v["url"](f"{tax}/{t.slug}/")}
        for t in sorted(terms, key=lambda t: (-len(t.sources), t.key))]}
    return Output(output_file(ctx.path(f"{tax}/")), _render_template(env, "terms.html", v))


def _term_feed(ctx: Ctx, tax: str, t: Term, name: str, entries: list[Entry], sd: dict[str, SearchDoc]) -> Output:
    _search_term(ctx, tax, t, name, sd)
    return rss(ctx, f"{tax}/{t.slug}/", name, entries)


def list_jobs(plan: _Plan, ctx: Ctx) -> list[Job]:
    """The home page, the terms' index pages, each term's pages and feed, and each section's pages,
    in the order a serial build renders them (`page_jobs`)."""
    site, e, env = plan.site, ctx.edition, plan.env
    articles = site.articles
    jobs = _list_jobs(ctx, env, "home", "", list(articles), ctx.strings["home"], None)
    for tax, terms in site.terms:
        jobs.append(_job(_terms_index, ctx, env, tax, terms, ident=(tax,)))
        for t in terms:
            entries = plan.term_entries(tax, t)
            name = ctx.term_names[(tax, t.key)]
            jobs += _list_jobs(ctx, env, "term", f"{tax}/{t.slug}/", entries, name, (tax, t))
            jobs.append(Job(_term_feed, (ctx, tax, t, name, entries), True, (tax, t.key)))
    for s in site.sections:
        if not s.path:
            continue  # content/_index.md describes the home page, which is rendered above
        entries = [a for a in articles if a.path.startswith(s.path)]
        jobs += _list_jobs(ctx, env, "section", s.path, entries, ctx.converters.title(s.doc(e.key), e, ctx.config),
                           None, owner=s)
    return jobs
