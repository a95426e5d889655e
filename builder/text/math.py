"""`$…$` and `$$…$$` as MathML, made at build time (latex2mathml): no script, no CDN. Only pages
with `mathjax: true` are parsed with the dollar-math rule (`markdown.new_parser(math=True)`): on
other pages a dollar sign is text.

latex2mathml copies some input into its output as it is (`\\text{<b>}`), so its MathML is parsed
and written out again with MathML elements and presentation attributes only: anything else is
dropped (an element's text is kept, escaped). TeX it cannot convert is shown as escaped source.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from html import escape

_NS = "{http://www.w3.org/1998/Math/MathML}"
_ELEMENTS = frozenset(
    "math mrow mi mn mo ms mtext mspace mfrac msqrt mroot mstyle merror mpadded mphantom mfenced menclose "
    "msub msup msubsup munder mover munderover mmultiscripts mprescripts none mtable mtr mtd mlabeledtr "
    "semantics annotation".split())
_ATTRIBUTES = frozenset(
    "display mathvariant mathsize displaystyle scriptlevel stretchy fence separator lspace rspace accent "
    "accentunder movablelimits minsize maxsize symmetric largeop form width height depth linethickness "
    "notation columnalign rowalign columnspacing rowspacing columnlines rowlines frame open close "
    "separators align encoding".split())


def to_mathml(tex: str, display: bool) -> str:
    # imported here, by the builds that have formulas: latex2mathml imports xml.sax.saxutils, which
    # imports urllib.request, ssl and email (60 ms on every build, warm ones included)
    from latex2mathml.converter import convert
    try:
        raw = convert(tex, display="block" if display else "inline")
        root = ET.fromstring(raw)
    except Exception:  # noqa: BLE001 - latex2mathml raises many kinds on bad TeX; the source is shown
        tag = "pre" if display else "code"
        return f'<{tag} class="math-error">{escape(tex, quote=False)}</{tag}>'
    return _write(root)


def _write(el: ET.Element) -> str:
    tag = el.tag.removeprefix(_NS)
    if tag not in _ELEMENTS:
        return escape("".join(el.itertext()), quote=False) + escape(el.tail or "", quote=False)
    attrs = "".join(f' {k}="{escape(v)}"' for k, v in el.attrib.items() if k in _ATTRIBUTES)
    if tag == "math":
        attrs = ' xmlns="http://www.w3.org/1998/Math/MathML"' + attrs
    inner = escape(el.text or "", quote=False) + "".join(_write(c) for c in el)
    return f"<{tag}{attrs}>{inner}</{tag}>" + escape(el.tail or "", quote=False)
