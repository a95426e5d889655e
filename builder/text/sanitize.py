"""Raw HTML in Markdown when `unsafe_html: true`: a conservative allowlist through nh3 (ammonia).

No script, style, iframe, form or object elements, no event-handler or style attributes, no ids
(they could clobber the page's own), and only http(s)/mailto/tel URLs (plus relative ones).
markdown-it hands raw HTML over in fragments (an inline `<b>` and its `</b>` are separate tokens),
so a lone opening tag keeps its element open and a lone closing tag of an allowed element passes.
"""

from __future__ import annotations

import re

import nh3

TAGS = {
    "a", "abbr", "b", "bdi", "bdo", "blockquote", "br", "caption", "cite", "code", "col", "colgroup", "dd", "del",
    "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
    "i", "img", "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "rp", "rt", "ruby", "s", "samp", "small",
    "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u",
    "ul", "var", "wbr",
}
ATTRIBUTES = {
    "*": {"class", "lang", "dir", "title"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "ol": {"start", "reversed"},
    "time": {"datetime"},
    "abbr": set(),
    "col": {"span"},
    "colgroup": {"span"},
    "details": {"open"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}

_OPEN = re.compile(r"^\s*<([a-zA-Z][a-zA-Z0-9]*)\b[^<>]*>\s*$")
_CLOSE = re.compile(r"^\s*</([a-zA-Z][a-zA-Z0-9]*)\s*>\s*$")


def clean(fragment: str) -> str:
    close = _CLOSE.match(fragment)
    if close:
        tag = close.group(1).lower()
        return f"</{tag}>" if tag in TAGS else ""
    out = nh3.clean(fragment, tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES,
                    link_rel="noopener noreferrer", strip_comments=True)
    opened = _OPEN.match(fragment)
    if opened:  # nh3 closed the element it was given; the Markdown after it belongs inside
        end = f"</{opened.group(1).lower()}>"
        if out.endswith(end):
            out = out[: -len(end)]
    return out
