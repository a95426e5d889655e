"""`site.yaml` → a frozen `SiteConfig`. Every key is documented in `KEYS`; unknown keys are errors."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from .errors import BuildError, BuildFailed, did_you_mean, error
from .model.documents import Edition, GlossaryEntry
from .pipeline.paths import unsafe_scheme
from .pipeline.yamlload import load_yaml
from .sitevalues import DEFAULT_CSP, Params, csp_text, parse_csp, parse_params, parse_strings

WIDGETS = ("search", "recent", "taglist", "categories", "languages", "topics")
PAGE_KINDS = ("home", "article", "list", "terms", "topic", "collection")

# key → (description, default). The README's table of keys is generated from this.
KEYS: dict[str, tuple[str, Any]] = {
    "title": ("Site title, shown in the header and feeds (converted per edition).", "Tongwen site"),
    "base_url": ("Absolute URL the site is published at, e.g. `https://example.org/wiki/`. Used for "
                 "canonical links, feeds and the sitemap; pages link to each other relatively, so the "
                 "site also works under a sub-path and from disk.", "http://localhost/"),
    "description": ("Site description for the home page's meta description and feeds.", ""),
    "author": ("Default author for articles (author box, feeds, JSON-LD).", ""),
    "copyright": ("Footer copyright line.", ""),
    "timezone": ("IANA zone for dates written without one (the seed's `2025-02-11 18:56:06`).",
                 "Asia/Shanghai"),
    "default_language": ("Language of a source with no file-name suffix and no `lang`.", "zh-CN"),
    "output_dir": ("Where `tongwen build` writes, relative to the site folder.", "public"),
    "paginate": ("Entries per page on the home page and term pages.", 10),
    "summary_length": ("Automatic summary length: characters for CJK text (words for other text are "
                       "a third of it, at least 30).", 120),
    "sidebar": ("Default sidebar position: `right`, `left` or `false`.", "right"),
    "widgets": ("Default sidebar widgets, in order. Known: " + ", ".join(WIDGETS) + ".",
                ["search", "recent", "categories", "taglist", "topics", "languages"]),
    "recent_count": ("How many articles the `recent` widget lists.", 10),
    "taglist_counts": ("Show article counts in the `taglist` and `categories` widgets.", True),
    "editions": ("The published scripts: a list of `{code, name, prefix, opencc, corner_quotes}`. The first "
                 "is the root edition. `opencc` converts Simplified text into the edition (`\"\"` for none); "
                 "`corner_quotes` turns “” ‘’ into 「」 『』 (default: true for zh-TW, never in code).",
                 None),
    "glossary": ("Terms whose form is pinned: a string keeps the term as written in every edition; a "
                 "mapping `{zh-cn: 软件, zh-tw: 軟體}` gives each edition its own form.", []),
    "link_topics": ("Link the first mention of a topic in an article to its topic page.", True),
    "search_fallback": ("Where the search form goes when JavaScript is off (a URL; empty: the "
                        "edition's search/ page).", ""),
    "unsafe_html": ("Allow a sanitised subset of raw HTML in Markdown instead of escaping it.", False),
    "menu": ("Header menu: a list of `{name, url}`; `url` is site-relative (`tags/`) or absolute.", None),
    "params": ("Free-form values for templates, read as `site.params` (`{{ site.params.icp }}`); "
               "text is converted per edition like the title.", None),
    "csp": ("The Content-Security-Policy of every page: a mapping of directive → sources adds to the "
            "theme's (`script-src: [https://hm.baidu.com]` allows an analytics script); text replaces "
            "it; `\"\"` omits it.", None),
    "strings": ("UI strings per edition: `{zh-tw: {home: 首頁}}`; also `i18n/<edition code>.yaml` in "
                "the site folder. New names are allowed for a site's own templates.", None),
    "knowledge": ("The knowledge features, each on unless set to false: `{backlinks, previews, graph}`. "
                  "`backlinks`: each article and topic page lists the articles linking to it, with the "
                  "sentence around each link, and an article the topics it mentions; `previews`: a card "
                  "(title, date, summary, thumbnail) when the reader hovers or focuses a link to an "
                  "article or topic; `graph`: the pages' graphs of topics and articles. A page turns one "
                  "off for itself in front matter (`backlinks: false`, `previews: false`, `graph: false`).",
                  None),
    "build_date": ("Fixed build timestamp (ISO 8601) for feeds; `SOURCE_DATE_EPOCH` wins when set.", ""),
}

DEFAULT_EDITIONS = (
    Edition(code="zh-CN", name="简体", prefix="", script="Hans", opencc=""),
    Edition(code="zh-TW", name="繁體", prefix="zh-tw", script="Hant", opencc="s2twp", corner_quotes=True),
)


@dataclass(frozen=True)
class MenuItem:
    """One link of the site's menu (`menu:` in site.yaml): its name, in any script (converted per
    edition), and a URL, absolute or relative to the site's root."""

    name: str
    url: str


@dataclass(frozen=True)
class Knowledge:
    """`knowledge:` in site.yaml: which knowledge features the site shows (each on by default)."""

    backlinks: bool = True
    previews: bool = True
    graph: bool = True


@dataclass(frozen=True)
class SiteConfig:
    root: Path
    title: str
    base_url: str
    description: str
    author: str
    copyright: str
    timezone: str
    default_language: str
    output_dir: str
    paginate: int
    summary_length: int
    sidebar: str
    widgets: tuple[str, ...]
    recent_count: int
    taglist_counts: bool
    editions: tuple[Edition, ...]
    glossary: tuple[GlossaryEntry, ...]
    link_topics: bool
    search_fallback: str
    unsafe_html: bool
    menu: tuple[MenuItem, ...]
    build_date: str
    params: Params = Params()
    csp: str = csp_text(DEFAULT_CSP)
    strings: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = ()
    knowledge: Knowledge = Knowledge()

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    @cached_property
    def text(self) -> str:
        """The whole configuration as text (its repr), for cache keys: made once per config, not
        once per file keyed with it. The root resolved: `site` and `/abs/site` are one site (spelled
        two ways, every build after a change of spelling rendered every page again)."""
        return repr(replace(self, root=self.root.resolve()))

    def edition(self, key: str) -> Edition | None:
        for e in self.editions:
            if e.key == key.lower():
                return e
        return None


def parse_glossary(value: Any, path: str, line: int, editions: tuple[Edition, ...],
                   errors: list[BuildError]) -> tuple[GlossaryEntry, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        errors.append(error(path, line, "glossary must be a list of terms or {edition: form} mappings"))
        return ()
    keys = [e.key for e in editions]
    out = []
    for item in value:
        if isinstance(item, str | int) and str(item).strip():
            out.append(GlossaryEntry(tuple((k, str(item)) for k in keys)))
        elif isinstance(item, dict) and item:
            forms = []
            for k, v in item.items():
                if str(k).lower() not in keys:
                    errors.append(error(path, line, f"glossary: unknown edition '{k}'"
                                        + did_you_mean(str(k).lower(), keys)))
                elif not isinstance(v, str | int) or not str(v):
                    errors.append(error(path, line, f"glossary: form for '{k}' must be text"))
                else:
                    forms.append((str(k).lower(), str(v)))
            if forms:
                out.append(GlossaryEntry(tuple(sorted(forms))))
        else:
            errors.append(error(path, line, f"glossary entry must be text or a mapping, not {item!r}"))
    return tuple(out)


_EDITION_KEYS = ("code", "name", "prefix", "opencc", "corner_quotes")


def _editions(value: Any, path: str, line: int, errors: list[BuildError]) -> tuple[Edition, ...]:
    if value is None:
        return DEFAULT_EDITIONS
    if not isinstance(value, list) or not value:
        errors.append(error(path, line, "editions must be a non-empty list"))
        return DEFAULT_EDITIONS
    out: list[Edition] = []
    for i, item in enumerate(value):
        if not isinstance(item, dict) or "code" not in item:
            errors.append(error(path, line, f"editions[{i}] needs at least a 'code'"))
            continue
        unknown = set(item) - set(_EDITION_KEYS)
        for k in sorted(unknown):
            errors.append(error(path, line, f"editions[{i}]: unknown key '{k}'" + did_you_mean(k, list(_EDITION_KEYS))))
        code = str(item["code"])
        hant = code.lower() in ("zh-tw", "zh-hk", "zh-hant", "zh-mo")
        prefix = str(item.get("prefix", "" if i == 0 else code.lower())).strip("/")
        if i == 0 and prefix:
            errors.append(error(path, line, "the first edition is the root edition: its prefix must be empty"))
        if "/" in prefix or ".." in prefix or "\\" in prefix:
            errors.append(error(path, line, f"editions[{i}]: prefix must be one folder name"))
        opencc = str(item.get("opencc", "s2twp" if hant else ""))
        quotes = item.get("corner_quotes", code.lower() == "zh-tw")
        if not isinstance(quotes, bool):
            errors.append(error(path, line, f"editions[{i}]: corner_quotes must be true or false"))
            quotes = False
        out.append(Edition(code=code, name=str(item.get("name", code)), prefix=prefix,
                           script="Hant" if hant else "Hans", opencc=opencc, corner_quotes=quotes))
    if len({e.key for e in out}) != len(out) or len({e.prefix for e in out}) != len(out):
        errors.append(error(path, line, "editions must have distinct codes and prefixes"))
    return tuple(out) or DEFAULT_EDITIONS


def _typed(key: str, value: Any, default: Any, path: str, line: int, errors: list[BuildError]) -> Any:
    if value is None:
        return default
    if isinstance(default, bool):
        if not isinstance(value, bool):
            errors.append(error(path, line, f"'{key}' must be true or false, not {value!r}"))
            return default
        return value
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            errors.append(error(path, line, f"'{key}' must be a positive whole number, not {value!r}"))
            return default
        return value
    if isinstance(default, str):
        if isinstance(value, bool) and key == "sidebar":
            return "false" if not value else default
        if not isinstance(value, str | int | float):
            errors.append(error(path, line, f"'{key}' must be text, not {type(value).__name__}"))
            return default
        return str(value)
    return value


def _menu(raw: Any, rel: str, line: int, errors: list[BuildError]) -> list[MenuItem]:
    menu: list[MenuItem] = []
    if raw is None:
        return menu
    if not isinstance(raw, list):
        errors.append(error(rel, line, "menu must be a list of {name, url}"))
        return menu
    for item in raw:
        if not isinstance(item, dict) or not item.get("name") or "url" not in item:
            errors.append(error(rel, line, f"menu item needs name and url: {item!r}"))
        elif unsafe_scheme(str(item["url"])):
            errors.append(error(rel, line, f"menu: '{unsafe_scheme(str(item['url']))}:' URLs are not allowed: "
                                f"{item['url']!r}"))
        else:
            menu.append(MenuItem(str(item["name"]), str(item["url"])))
    return menu


def _read_yaml(site_dir: Path) -> tuple[dict[str, Any], dict[str, int], list[BuildError]]:
    """site.yaml as a mapping, with each top-level key's line."""
    path = site_dir / "site.yaml"
    rel = "site.yaml"
    if not path.is_file():
        raise BuildFailed([error(rel, 0, f"no site.yaml in {site_dir} (is this a Tongwen site folder?)")])
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BuildFailed([error(rel, 1, f"not UTF-8: {exc.reason}")]) from None
    data, lines, errors = load_yaml(text, rel)
    if errors:
        raise BuildFailed(errors)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise BuildFailed([error(rel, 1, "site.yaml must be a mapping of keys to values")])
    return data, lines, errors


def load_config(site_dir: Path) -> SiteConfig:
    """Read `site_dir/site.yaml`; raise BuildFailed listing every problem."""
    rel = "site.yaml"
    data, lines, errors = _read_yaml(site_dir)
    for k in data:
        if str(k) not in KEYS:
            errors.append(error(rel, lines.get(str(k), 1), f"unknown key '{k}'" + did_you_mean(str(k), list(KEYS))))
    v: dict[str, Any] = {}
    for k, (_doc, default) in KEYS.items():
        if k in ("editions", "glossary", "menu", "widgets", "params", "csp", "strings", "knowledge"):
            continue
        v[k] = _typed(k, data.get(k), default, rel, lines.get(k, 1), errors)
    editions = _editions(data.get("editions"), rel, lines.get("editions", 1), errors)
    try:
        zoneinfo.ZoneInfo(v["timezone"])
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        errors.append(error(rel, lines.get("timezone", 1), f"unknown timezone '{v['timezone']}'"))
        v["timezone"] = "UTC"
    if v["sidebar"] not in ("left", "right", "false"):
        errors.append(error(rel, lines.get("sidebar", 1), "sidebar must be left, right or false"))
        v["sidebar"] = "right"
    widgets = data.get("widgets", KEYS["widgets"][1])
    widgets = check_widgets(widgets, rel, lines.get("widgets", 1), errors)
    menu = _menu(data.get("menu"), rel, lines.get("menu", 1), errors)
    for k in ("base_url", "search_fallback"):
        if unsafe_scheme(str(v[k])):
            errors.append(error(rel, lines.get(k, 1), f"{k}: '{unsafe_scheme(str(v[k]))}:' URLs are not allowed"))
    glossary = parse_glossary(data.get("glossary"), rel, lines.get("glossary", 1), editions, errors)
    params = parse_params(data.get("params"), rel, lines.get("params", 1), errors)
    csp = parse_csp(data.get("csp"), rel, lines.get("csp", 1), errors)
    strings = parse_strings(data.get("strings"), rel, lines.get("strings", 1), editions, errors)
    knowledge = _knowledge(data.get("knowledge"), rel, lines.get("knowledge", 1), errors)
    base_url = v["base_url"]
    if not base_url.endswith("/"):
        base_url += "/"
    if errors:
        raise BuildFailed(errors)
    return SiteConfig(root=site_dir, title=v["title"], base_url=base_url, description=v["description"],
                      author=v["author"], copyright=v["copyright"], timezone=v["timezone"],
                      default_language=v["default_language"], output_dir=v["output_dir"],
                      paginate=v["paginate"], summary_length=v["summary_length"], sidebar=v["sidebar"],
                      widgets=widgets, recent_count=v["recent_count"], taglist_counts=v["taglist_counts"],
                      editions=editions, glossary=glossary, link_topics=v["link_topics"],
                      search_fallback=v["search_fallback"], unsafe_html=v["unsafe_html"],
                      menu=tuple(menu), build_date=v["build_date"], params=params, csp=csp,
                      strings=strings, knowledge=knowledge)


def _knowledge(raw: Any, rel: str, line: int, errors: list[BuildError]) -> Knowledge:
    """`knowledge: {backlinks: false}`; a feature not named stays on."""
    if raw is None:
        return Knowledge()
    if not isinstance(raw, dict):
        errors.append(error(rel, line, "knowledge must be a mapping like {backlinks: true, previews: false}"))
        return Knowledge()
    known = ("backlinks", "previews", "graph")
    values: dict[str, bool] = {}
    for k, value in raw.items():
        if str(k) not in known:
            errors.append(error(rel, line, f"knowledge: unknown key '{k}'" + did_you_mean(str(k), list(known))))
        elif not isinstance(value, bool):
            errors.append(error(rel, line, f"knowledge: '{k}' must be true or false, not {value!r}"))
        else:
            values[str(k)] = value
    return Knowledge(**values)


def check_widgets(value: Any, path: str, line: int, errors: list[BuildError]) -> tuple[str, ...]:
    if value is None or value is False:
        return ()
    if not isinstance(value, list):
        errors.append(error(path, line, "widgets must be a list of names"))
        return ()
    out = []
    for w in value:
        name = str(w)
        if name not in WIDGETS:
            errors.append(error(path, line, f"unknown widget '{name}'{did_you_mean(name, WIDGETS)}; "
                                f"known widgets: {', '.join(WIDGETS)}"))
        else:
            out.append(name)
    return tuple(out)
