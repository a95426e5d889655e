"""The site.yaml values that are not settings of the builder: `params` (free-form values templates
read as `site.params`), `csp` (the Content-Security-Policy every page declares) and `strings` (UI
strings per edition). Parsed here into frozen values for `SiteConfig` (config.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import BuildError, did_you_mean, error
from .model.documents import Edition

# The theme's policy: its own scripts and styles only; images and media from anywhere (articles
# embed remote images). A site widens it on purpose with `csp:` (README: site.yaml).
DEFAULT_CSP: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("default-src", ("'self'",)), ("script-src", ("'self'",)), ("style-src", ("'self'",)),
    ("img-src", ("*", "data:")), ("media-src", ("*",)), ("object-src", ("'none'",)),
    ("base-uri", ("'none'",)), ("form-action", ("*",)))

# Fetch and document directives a <meta> policy honours (frame-ancestors, report-uri and sandbox
# are ignored in <meta>: a site sets them as HTTP headers, e.g. in static/_headers).
CSP_DIRECTIVES = ("default-src", "script-src", "script-src-elem", "script-src-attr", "style-src",
                  "style-src-elem", "style-src-attr", "img-src", "font-src", "connect-src", "media-src",
                  "object-src", "frame-src", "child-src", "worker-src", "manifest-src", "base-uri",
                  "form-action", "upgrade-insecure-requests")


@dataclass(frozen=True)
class Params:
    """A frozen mapping of site.yaml `params` (nested mappings are Params, lists are tuples)."""

    items: tuple[tuple[str, Any], ...] = ()

    def thaw(self, conv: Any) -> dict[str, Any]:
        """Plain dicts and lists for templates, every string passed through `conv` (the edition's
        converter of the site's own words, as for the title and copyright)."""
        return {k: _thaw(v, conv) for k, v in self.items}


def _thaw(value: Any, conv: Any) -> Any:
    if isinstance(value, Params):
        return value.thaw(conv)
    if isinstance(value, tuple):
        return [_thaw(v, conv) for v in value]
    if isinstance(value, str):
        return conv(value)
    return value


def parse_params(value: Any, path: str, line: int, errors: list[BuildError]) -> Params:
    if value is None:
        return Params()
    if not isinstance(value, dict):
        errors.append(error(path, line, "params must be a mapping of names to values"))
        return Params()
    return _freeze(value, "params", path, line, errors)


def _freeze(value: Any, where: str, path: str, line: int, errors: list[BuildError]) -> Any:
    if isinstance(value, dict):
        items = []
        for k, v in value.items():
            if not isinstance(k, str) or not k.isidentifier():
                errors.append(error(path, line, f"{where}: '{k}' is not a name templates can read "
                                    "(letters, digits and _, not starting with a digit)"))
                continue
            items.append((k, _freeze(v, f"{where}.{k}", path, line, errors)))
        return Params(tuple(items))
    if isinstance(value, list):
        return tuple(_freeze(v, where, path, line, errors) for v in value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)  # a date: as written in ISO form, the same in every build


def parse_csp(value: Any, path: str, line: int, errors: list[BuildError]) -> str:
    """The policy text: the default, the default widened by a mapping of directive → sources, or
    a whole policy given as text (`""`: no policy at all)."""
    if value is None:
        return csp_text(DEFAULT_CSP)
    if isinstance(value, str):
        if "\n" in value or '"' in value:
            errors.append(error(path, line, "csp: one line of text, without double quotes"))
        return value.strip()
    if not isinstance(value, dict):
        errors.append(error(path, line, "csp must be a policy (text) or a mapping of directive → sources to add"))
        return csp_text(DEFAULT_CSP)
    policy = {d: list(s) for d, s in DEFAULT_CSP}
    for d, sources in value.items():
        name = str(d).lower()
        if name not in CSP_DIRECTIVES:
            errors.append(error(path, line, f"csp: unknown directive '{d}'" + did_you_mean(name, CSP_DIRECTIVES)))
            continue
        for s in sources if isinstance(sources, list) else [sources]:
            text = str(s).strip()
            if not text or any(c in text for c in ';,"\n ') or not isinstance(s, str):
                errors.append(error(path, line, f"csp: {d}: {s!r} is not one source (e.g. "
                                    "https://hm.baidu.com or 'unsafe-inline')"))
            elif text not in policy.setdefault(name, []):
                policy[name].append(text)
    return csp_text(tuple((d, tuple(s)) for d, s in policy.items()))


def csp_text(policy: tuple[tuple[str, tuple[str, ...]], ...]) -> str:
    return "; ".join(" ".join((d, *s)) for d, s in policy)


def parse_strings(value: Any, path: str, line: int, editions: tuple[Edition, ...],
                  errors: list[BuildError]) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """`strings: {zh-tw: {home: 首頁}}` → ((edition key, ((name, text), …)), …)."""
    if value is None:
        return ()
    if not isinstance(value, dict):
        errors.append(error(path, line, "strings must map edition codes to {name: text}"))
        return ()
    keys = [e.key for e in editions]
    out = []
    for code, table in value.items():
        key = str(code).lower()
        if key not in keys:
            errors.append(error(path, line, f"strings: unknown edition '{code}'" + did_you_mean(key, keys)))
        elif not isinstance(table, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                    for k, v in table.items()):
            errors.append(error(path, line, f"strings: {code}: expected a mapping of names to text"))
        else:
            out.append((key, tuple(table.items())))
    return tuple(out)
