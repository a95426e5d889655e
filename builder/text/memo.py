"""The work memo: what one unit of render work parsed (deferred parsing) and converted, so the
renders of that unit parse each text once and convert each text once, in batches.
"""

from __future__ import annotations

from collections.abc import Sequence

from markdown_it.token import Token

from ..model.documents import Document
from .html import Rendered, RenderEnv
from .html import render as render_html
from .markdown import parse
from .opencc import Convert, convert_many, is_identity

_PARSED: dict[tuple[str, bool], tuple[Token, ...]] = {}


def tokens_of(doc: Document, unsafe_html: bool = False) -> tuple[Token, ...]:
    """The document's tokens, parsing its kept `body` when `load` deferred parsing. Parses are
    memoised by content until `forget_parsed()` (called after each unit of render work)."""
    if doc.tokens or not doc.body:
        return doc.tokens
    return _parsed(doc.body, unsafe_html)


def summary_tokens_of(doc: Document, unsafe_html: bool = False) -> tuple[Token, ...] | None:
    if doc.summary_tokens is not None or doc.summary_src is None:
        return doc.summary_tokens
    return _parsed(doc.summary_src, unsafe_html)


def _parsed(text: str, unsafe_html: bool) -> tuple[Token, ...]:
    key = (text, unsafe_html)
    tokens = _PARSED.get(key)
    if tokens is None:
        tokens = _PARSED[key] = tuple(parse(text, unsafe_html))
    return tokens


def forget_parsed() -> None:
    _PARSED.clear()
    _CONVERTED.clear()
    _PREDICTED.clear()


# converter → text → converted: what the renders since the last `forget_parsed()` converted. A
# conversion is a function of the converter and the text, so any later lookup is exact.
_CONVERTED: dict[Convert, dict[str, str]] = {}
_PREDICTED: set[Convert] = set()  # the converters `preconvert` converted ahead for since then


def preconvert(batches: dict[Convert, list[str]]) -> None:
    """Convert texts that renders to come will ask for, one `convert_many` per converter, so those
    renders (`_batched`, `convert_texts`, `convert_known`) find them converted until the next
    `forget_parsed()`. A batch over many documents converts with the dictionaries warm in the CPU
    caches, where converting between parsing and templating finds them evicted. A text predicted
    wrongly is only converted for nothing; one not predicted is converted when asked."""
    for convert, texts in batches.items():
        if is_identity(convert):
            continue
        _PREDICTED.add(convert)
        known = _CONVERTED.setdefault(convert, {})
        # (a text holding a line break would make convert_many convert the batch one by one)
        todo = list(dict.fromkeys(t for t in texts if t and t not in known and "\n" not in t))
        if todo:
            known.update(zip(todo, convert_many(convert, todo), strict=True))


def convert_known(convert: Convert, text: str) -> str:
    """`convert(text)`, looked up first among the texts converted since the last `forget_parsed()`."""
    if not text:  # (every converter gives "" for "")
        return text
    out = _CONVERTED.get(convert, _NONE).get(text)
    return convert(text) if out is None else out


_NONE: dict[str, str] = {}


def convert_texts(convert: Convert, texts: Sequence[str]) -> list[str]:
    """`[convert(t) for t in texts]`, reusing what a render of the same unit of work converted (a
    passage that is one whole text token, quoted on topic pages) and batching the rest."""
    known = _CONVERTED.get(convert, {})
    todo = list(dict.fromkeys(t for t in texts if t not in known))
    new = dict(zip(todo, convert_many(convert, todo), strict=True)) if todo else {}
    return [known[t] if t in known else new[t] for t in texts]


def _batched(convert: Convert, tokens: Sequence[Token]) -> Convert:
    """`convert`, with the document's text tokens converted up front in one batch (convert_many):
    the render rules then find them converted. Conversion is a function of the text, so looking a
    text up gives what converting it would; a text not in the batch (a part of a text token cut by
    the first-mention linker, a title) is converted when asked. Texts `preconvert` converted since
    the last `forget_parsed()` are not converted again."""
    if is_identity(convert):
        return convert
    known = _CONVERTED.get(convert, _NONE)
    if convert not in _PREDICTED:  # (else `preconvert` converted what this render asks for: a text
        # token the first-mention linker cuts would be converted whole here for nothing)
        texts = {c.content: None for t in tokens if t.type == "inline" for c in t.children or ()
                 if c.type == "text" and c.content and c.content not in known}
        if len(texts) >= 2:
            known = _CONVERTED.setdefault(convert, {})
            known.update(zip(texts, convert_many(convert, list(texts)), strict=True))
    if not known:
        return convert

    def batched(text: str) -> str:
        out = known.get(text)
        return convert(text) if out is None else out
    return batched


def render(tokens: Sequence[Token], env: RenderEnv, unsafe_html: bool = False) -> Rendered:
    """`html.render`, its text tokens converted in one batch first (`_batched`)."""
    env.convert = _batched(env.convert, tokens)
    return render_html(tokens, env, unsafe_html)
