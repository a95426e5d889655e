"""The pages that are neither articles nor lists nor topics: redirects, search, 404; and the static files."""

from __future__ import annotations

from collections.abc import Iterator

import jinja2
from markupsafe import Markup

from ..config import SiteConfig
from ..model import Output
from ..pipeline.paths import absolute, output_file
from ..pipeline.statics import THEME_ASSETS
from .context import ROOT_MARK, Ctx
from .env import THEME, _render_template
from .page_vars import _page_vars


def _redirect(ctx: Ctx, env: jinja2.Environment, alias: str, target: str) -> Output:
    v = _page_vars(ctx, "redirect", alias, ctx.strings["redirecting"])
    v["page"] = {"target": v["url"](target), "target_abs": absolute(ctx.config.base_url, ctx.path(target))}
    return Output(output_file(ctx.path(alias)), _render_template(env, "redirect.html", v))


def _search_page(ctx: Ctx, env: jinja2.Environment) -> Output:
    """The search form's target: search.js runs `?q=` here; without JavaScript it offers browsing."""
    v = _page_vars(ctx, "search", "search/", ctx.strings["search_results"])
    form = Markup(ctx.widgets["search"].replace(ROOT_MARK, v["root"]))
    v["widgets"] = [w for w in v["widgets"] if "widget-search" not in w]  # one search form per page
    v["page"] = {"form": form, "collections": [
        {"title": ctx.topic_names[c.entry.source], "url": v["url"](c.entry.path)} for c in ctx.site.collections]}
    return Output(output_file(ctx.path("search/")), _render_template(env, "search.html", v))


def _not_found(ctx: Ctx, env: jinja2.Environment) -> Output:
    from urllib.parse import urlparse
    base_path = urlparse(ctx.config.base_url).path or "/"
    # 404.html is served for any missing path, at any depth: links must not be relative
    v = _page_vars(ctx, "404", "404.html", ctx.strings["not_found_title"], root_override=base_path)
    v["page"] = {"title": ctx.strings["not_found_title"]}
    return Output(ctx.path("404.html"), _render_template(env, "404.html", v))


def _static_files(config: SiteConfig) -> Iterator[Output]:
    """The theme's assets, under their own folder (`tongwen/`): the site's `static/` is published
    at the root (pipeline/statics.py), and a file there never replaces one of these unknowingly."""
    base = THEME / "static"
    for p in sorted(base.rglob("*")):
        if p.is_file() and not p.name.startswith("."):
            yield Output(THEME_ASSETS + p.relative_to(base).as_posix(), p.read_bytes())
