"""Taiwan's quotation marks: after conversion, “” become 「」 and ‘’ become 『』 in an edition
that asks for them (`Edition.corner_quotes`, on by default for zh-TW).

It runs on converted text only — the converter never sees code, URLs or markup — so code and
links keep their quotes. A ’ between two Latin letters or digits is an apostrophe (don’t) and stays.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .opencc import Convert, convert_many

_DOUBLE = str.maketrans({"“": "「", "”": "」"})
_SINGLE_OPEN = re.compile("‘")
_SINGLE_CLOSE = re.compile(r"(?<![A-Za-z0-9])’|’(?![A-Za-z0-9])")


def corner(text: str) -> str:
    if "“" in text or "”" in text:
        text = text.translate(_DOUBLE)
    if "‘" in text or "’" in text:
        text = _SINGLE_CLOSE.sub("』", _SINGLE_OPEN.sub("『", text))
    return text


class CornerQuotes:
    """A converter whose output gets corner quotes (`corner`)."""

    __slots__ = ("base",)

    def __init__(self, base: Convert):
        self.base = base

    def __call__(self, text: str) -> str:
        return corner(self.base(text))

    def many(self, texts: Sequence[str]) -> list[str]:
        return [corner(t) for t in convert_many(self.base, texts)]
