"""The Jinja environment: the theme and the site's templates, compiled templates kept between
builds, the `tojson_safe` filter, template errors located in their file, a page rendered to bytes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from ..errors import BuildError, error
from ..incremental.compiled import CompiledTemplates
from ..incremental.pagecache import PageCache

THEME = Path(__file__).parent.parent / "theme"


def environment(site_dir: Path, keep_compiled: bool = False) -> jinja2.Environment:
    """`keep_compiled`: compiled templates are kept in the site's cache folder (a build, not `check`)."""
    loaders: list[jinja2.BaseLoader] = []
    if (site_dir / "templates").is_dir():
        loaders.append(jinja2.FileSystemLoader(str(site_dir / "templates")))
    theme = jinja2.FileSystemLoader(str(THEME / "templates"))
    # "theme/base.html" is always the theme's own file, so a site template of the same name can
    # extend the one it replaces and override a single block
    loaders += [theme, jinja2.PrefixLoader({"theme": theme})]
    # auto_reload off: one environment serves one render (`render_site` makes it), during which no
    # template may change, so Jinja's check of every template file's mtime on each `get_template`
    # (a stat per template and parent, some 20,000 per 1,000 articles) only cost
    env = jinja2.Environment(loader=jinja2.ChoiceLoader(loaders), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             keep_trailing_newline=True, auto_reload=False,
                             bytecode_cache=CompiledTemplates(site_dir) if keep_compiled else None)
    env.filters["tojson_safe"] = _json_for_script
    return env


def _json_for_script(value: Any) -> Markup:
    """JSON that cannot end a <script> element or open a comment, whatever the content says."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def template_error(exc: Exception, site_dir: Path) -> BuildError:
    """Locate a Jinja error in the template file (syntax or runtime)."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return error(_tpl_name(exc.filename or exc.name or "?", site_dir), exc.lineno or 0,
                     f"template syntax error: {exc.message}")
    tb = exc.__traceback__
    where = ("templates", 0)
    while tb is not None:
        fname = tb.tb_frame.f_code.co_filename
        if fname.endswith((".html", ".xml", ".txt")):
            where = (_tpl_name(fname, site_dir), tb.tb_lineno)
        tb = tb.tb_next
    return error(where[0], where[1], f"template error: {type(exc).__name__}: {exc}")


def _tpl_name(filename: str, site_dir: Path) -> str:
    p = Path(filename)
    for base in (site_dir, THEME.parent):
        try:
            return p.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            continue
    return filename


def _render_template(env: jinja2.Environment, name: str, v: dict[str, Any]) -> bytes:
    """A page's bytes; reused from an earlier build when its template and values are the same, for
    the templates PageCache.stores (pagecache.py: the key is complete, or None and the page is rendered)."""
    pages: PageCache | None = getattr(env, "tongwen_pages", None)
    key = pages.key(name, v) if pages is not None and pages.stores(name) else None
    if key is not None and pages is not None:
        data = pages.store.get(key, bytes, count=False)
        if data is not None:
            return data
    data = env.get_template(name).render(v).encode("utf-8")
    if key is not None and pages is not None:
        pages.store.put(key, data)
    return data


_TEMPLATE_FAILURES = (jinja2.TemplateError, TypeError, AttributeError, ValueError, KeyError, IndexError,
                      ZeroDivisionError)
