"""Split front matter (YAML `---` or TOML `+++`) from a source file and coerce Hugo/Mainroad keys."""

from __future__ import annotations

import datetime as dt
import re
import sys
import tomllib
from typing import Any

from ..config import SiteConfig, check_widgets, parse_glossary
from ..errors import BuildError, error
from ..model.documents import FrontMatter, Thumbnail
from .paths import unsafe_scheme
from .yamlload import load_yaml

_DATE_RE = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*"
    r"(Z|[+-]\d{2}:?\d{2})?)?$")


def split(text: str, path: str) -> tuple[str, str, int, int, list[BuildError]]:
    """Return (format, front matter text, its first line, body start line, errors); format is
    'yaml', 'toml' or '' (no front matter). Lines are 1-based."""
    for fence, fmt in (("---", "yaml"), ("+++", "toml")):
        if text.startswith(fence) and text[3:4] in ("\n", "\r", ""):
            lines = text.split("\n")
            for i in range(1, len(lines)):
                stripped = lines[i].rstrip("\r").rstrip()
                if stripped == fence or (fmt == "yaml" and stripped == "..."):
                    return fmt, "\n".join(lines[1:i]), 2, i + 2, []
            return fmt, "", 2, 1, [error(path, 1, f"front matter opened with '{fence}' is never closed")]
    return "", "", 0, 1, []


def parse_date(value: Any, tz: dt.tzinfo) -> dt.datetime:
    """Accept the seed's `2025-02-11 18:56:06`, ISO 8601 (with or without zone) and YAML/TOML
    date objects. Naive values are in the site's timezone. Raises ValueError when impossible."""
    if isinstance(value, dt.datetime):
        d = value
    elif isinstance(value, dt.date):
        d = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        m = _DATE_RE.match(value.strip())
        if not m:
            raise ValueError(f"not a date: {value!r} (use YYYY-MM-DD or YYYY-MM-DD HH:MM:SS)")
        y, mo, da, h, mi, s, zone = m.groups()
        d = dt.datetime(int(y), int(mo), int(da), int(h or 0), int(mi or 0), int(s or 0))
        if zone:
            if zone == "Z":
                d = d.replace(tzinfo=dt.UTC)
            else:
                z = zone.replace(":", "")
                off = dt.timedelta(hours=int(z[1:3]), minutes=int(z[3:5]))
                d = d.replace(tzinfo=dt.timezone(off if z[0] == "+" else -off))
    else:
        raise ValueError(f"not a date: {value!r}")
    if d.tzinfo is None:
        d = d.replace(tzinfo=tz)
    return d


_BOOL_KEYS = ("draft", "comments", "authorbox", "pager", "toc", "mathjax")
_STR_KEYS = ("title", "slug", "url", "summary", "lead", "description", "author", "group")
_LIST_KEYS = ("tags", "categories", "translations", "aliases", "groups")
KNOWN_KEYS = set(_BOOL_KEYS + _STR_KEYS + _LIST_KEYS) | {
    "date", "lastmod", "lang", "thumbnail", "menu", "sidebar", "widgets", "weight", "glossary"}
# Hugo's names for the publication window (its default front matter configuration), any case
_SCHEDULE = {"publishdate": "publish_date", "pubdate": "publish_date", "published": "publish_date",
             "expirydate": "expiry_date", "unpublishdate": "expiry_date"}


def _schedule_keys(data: dict[Any, Any]) -> list[tuple[str, str]]:
    """(field, key) of the publication-window keys present, the first of Hugo's names winning."""
    found: dict[str, str] = {}
    for k in data:
        field = _SCHEDULE.get(str(k).lower())
        if field and field not in found and data[k] not in (None, "") and not isinstance(data[k], bool):
            found[field] = str(k)
    return sorted(found.items())


def _as_list(key: str, value: Any, path: str, line: int, errors: list[BuildError]) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list):
        errors.append(error(path, line, f"'{key}' must be a list of text, not {type(value).__name__}"))
        return ()
    out = []
    for item in value:
        if isinstance(item, dict | list) or item is None:
            errors.append(error(path, line, f"'{key}' items must be text, not {item!r}"))
            continue
        text = str(item).strip()
        if text:
            out.append(text)
    return tuple(map(sys.intern, dict.fromkeys(out)))  # (tags repeat across documents: one object each)


def _scalars(data: dict[str, Any], line: Any, path: str, v: dict[str, Any], errors: list[BuildError]) -> None:
    """The true/false keys and the text keys, into `v`."""
    for k in _BOOL_KEYS:
        if k in data and data[k] is not None:
            val = data[k]
            if isinstance(val, str) and val.lower() in ("true", "false"):
                val = val.lower() == "true"
            if not isinstance(val, bool):
                errors.append(error(path, line(k), f"'{k}' must be true or false, not {val!r}"))
            else:
                v[k] = val
    for k in _STR_KEYS:
        if k in data and data[k] is not None:
            val = data[k]
            if isinstance(val, dict | list):
                errors.append(error(path, line(k), f"'{k}' must be text, not {type(val).__name__}"))
            else:
                v[k] = str(val).strip() if k != "summary" else str(val)


def _thumbnail(thumb: Any, path: str, line: int, errors: list[BuildError]) -> Thumbnail | None:
    """A URL, or {src, visibility: [list, post] | both | list | post}; only safe schemes."""
    found = None
    if isinstance(thumb, str) and thumb.strip():
        found = Thumbnail(thumb.strip())
    elif isinstance(thumb, dict):
        src = thumb.get("src")
        vis = thumb.get("visibility", ["list", "post"])
        if isinstance(vis, str):
            vis = ["list", "post"] if vis == "both" else [vis]
        if not isinstance(src, str) or not isinstance(vis, list):
            errors.append(error(path, line, "thumbnail must be a URL or {src, visibility}"))
        elif src.strip():
            found = Thumbnail(src.strip(), "list" in vis, "post" in vis)
    elif thumb not in (None, ""):
        errors.append(error(path, line, "thumbnail must be a URL or {src, visibility}"))
    if found is not None:
        bad = unsafe_scheme(found.src, images=True)
        if bad:
            errors.append(error(path, line, f"thumbnail: '{bad}:' URLs are not allowed "
                                "(use an http(s) URL, a site path or a data:image/ URL)"))
            return None
    return found


def coerce(data: dict[str, Any], lines: dict[str, int], path: str, config: SiteConfig) -> tuple[
        FrontMatter, list[BuildError]]:
    errors: list[BuildError] = []
    v: dict[str, Any] = {}

    def line(k: str) -> int:
        return lines.get(k, 1)

    _scalars(data, line, path, v, errors)
    for k in _LIST_KEYS:
        if k in data:
            v[k] = _as_list(k, data[k], path, line(k), errors)
    for k in ("date", "lastmod"):
        if data.get(k) not in (None, ""):
            try:
                v[k] = parse_date(data[k], config.tz)
            except ValueError as exc:
                errors.append(error(path, line(k), f"'{k}': {exc}"))
    for field, k in _schedule_keys(data):
        try:
            v[field] = parse_date(data[k], config.tz)
        except ValueError as exc:
            errors.append(error(path, line(k), f"'{k}': {exc}"))
    if "lang" in data and data["lang"] not in (None, ""):
        langs = _as_list("lang", data["lang"], path, line("lang"), errors)
        if langs:
            v["lang"] = langs[0]
    thumb = _thumbnail(data.get("thumbnail"), path, line("thumbnail"), errors)
    if thumb is not None:
        v["thumbnail"] = thumb
    if "menu" in data:
        menu = data["menu"]
        v["menu"] = "" if menu in (None, "", False) else str(menu) if not isinstance(menu, dict | list) else "main"
    if "sidebar" in data and data["sidebar"] is not None:
        sb = data["sidebar"]
        sb = "false" if sb is False else str(sb).lower()
        if sb not in ("left", "right", "false"):
            errors.append(error(path, line("sidebar"), f"sidebar must be left, right or false, not {sb!r}"))
        else:
            v["sidebar"] = sb
    if "widgets" in data:
        v["widgets"] = check_widgets(data["widgets"], path, line("widgets"), errors)
    if data.get("weight") is not None:
        w = data["weight"]
        if isinstance(w, bool) or not isinstance(w, int):
            errors.append(error(path, line("weight"), f"'weight' must be a whole number, not {w!r}"))
        else:
            v["weight"] = w
    if "glossary" in data:
        v["glossary"] = parse_glossary(data["glossary"], path, line("glossary"), config.editions, errors)
    params = tuple(sorted((str(k), data[k]) for k in data
                          if str(k) not in KNOWN_KEYS and str(k).lower() not in _SCHEDULE))
    keys = sorted(lines)
    return FrontMatter(**v, params=params, lines=(tuple(map(sys.intern, keys)), tuple(lines[k] for k in keys))), errors


def read(text: str, path: str, config: SiteConfig) -> tuple[FrontMatter, str, int, list[BuildError]]:
    """Parse a whole source file: (front matter, body, body start line, errors)."""
    fmt, raw, first, body_line, errors = split(text, path)
    if errors:
        return FrontMatter(), text, 1, errors
    body = "\n".join(text.split("\n")[body_line - 1:]) if fmt else text
    data: Any = {}
    lines: dict[str, int] = {}
    if fmt == "yaml":
        data, lines, errors = load_yaml(raw, path, first)
    elif fmt == "toml":
        try:
            data = tomllib.loads(raw)
        except tomllib.TOMLDecodeError as exc:
            m = re.search(r"line (\d+)", str(exc))
            return FrontMatter(), body, body_line, [
                error(path, first - 1 + int(m.group(1)) if m else first, f"TOML syntax error: {exc}")]
        for i, ln in enumerate(raw.split("\n")):
            m = re.match(r"\s*([A-Za-z_][\w-]*)\s*=", ln)
            if m:
                lines.setdefault(m.group(1), first + i)
    if errors:
        return FrontMatter(), body, body_line, errors
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return FrontMatter(), body, body_line, [error(path, first, "front matter must be a mapping of keys")]
    meta, errors = coerce(data, lines, path, config)
    return meta, body, body_line, errors
