"""The work memo: what one unit of render work parsed (deferred parsing) and converted, so the
renders of that unit parse each text once and convert each text once, in batches.

A `TextMemo` is owned by one render (the render's `_Plan` and its editions' contexts share it; a
forked worker works on its own copy) and cleared after each unit of work (`clear`). Nothing here is
module-level state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

from markdown_it import MarkdownIt
from markdown_it.token import Token

from ..model.documents import Document
from .html import Linker, Rendered, RenderEnv, new_renderer, render, render_texts
from .opencc import Convert, convert_many, is_identity

_NONE: Mapping[str, str] = MappingProxyType({})  # the converted texts of a converter nothing converted for


class TextMemo:
    """Parses by text and conversions by (converter, text) since the last `clear()`. A conversion is
    a function of the converter and the text, and a parse of the text and the Markdown options
    (`unsafe_html`, fixed per memo: its parser `md`), so any later lookup is exact."""

    def __init__(self, unsafe_html: bool = False) -> None:
        self.md = new_renderer(unsafe_html)  # parses this memo's texts and renders its tokens
        self.unsafe_html = unsafe_html
        self._math: MarkdownIt | None = None  # parses the texts of pages with `mathjax: true`, made when needed
        self._parsed: dict[tuple[str, bool], tuple[Token, ...]] = {}
        # converter → text → converted: what the renders since the last `clear()` converted
        self._converted: dict[Convert, dict[str, str]] = {}
        self._predicted: set[Convert] = set()  # the converters `preconvert` converted ahead for since then

    def clear(self) -> None:
        """Let go of everything (the unit of work is done)."""
        self._parsed.clear()
        self._converted.clear()
        self._predicted.clear()

    # --- deferred parsing --------------------------------------------------------------------------

    def tokens_of(self, doc: Document) -> tuple[Token, ...]:
        """The document's tokens, parsing its kept `body` when `load` deferred parsing."""
        if doc.body is None:  # (a bug, never the user's: a kept article is never rendered)
            raise RuntimeError(f"{doc.source}: its text was not loaded by this build (Document.body)")
        if doc.tokens or not doc.body:
            return doc.tokens
        return self._parse(doc.body, doc.meta.mathjax)

    def summary_tokens_of(self, doc: Document) -> tuple[Token, ...] | None:
        if doc.summary_tokens is not None or doc.summary_src is None:
            return doc.summary_tokens
        return self._parse(doc.summary_src, doc.meta.mathjax)

    def _parse(self, text: str, math: bool = False) -> tuple[Token, ...]:
        tokens = self._parsed.get((text, math))
        if tokens is None:
            md = self.md
            if math:
                md = self._math = self._math or new_renderer(self.unsafe_html, math=True)
            tokens = self._parsed[(text, math)] = tuple(md.parse(text, {}))
        return tokens

    # --- conversion ----------------------------------------------------------------------------------

    def preconvert(self, batches: dict[Convert, list[str]]) -> None:
        """Convert texts that renders to come will ask for, one `convert_many` per converter, so those
        renders (`render`, `convert_texts`, `convert_known`) find them converted until the next
        `clear()`. A batch over many documents converts with the dictionaries warm in the CPU
        caches, where converting between parsing and templating finds them evicted. A text predicted
        wrongly is only converted for nothing; one not predicted is converted when asked."""
        for convert, texts in batches.items():
            if is_identity(convert):
                continue
            self._predicted.add(convert)
            known = self._converted.setdefault(convert, {})
            # (a text holding a line break would make convert_many convert the batch one by one)
            todo = list(dict.fromkeys(t for t in texts if t and t not in known and "\n" not in t))
            if todo:
                known.update(zip(todo, convert_many(convert, todo), strict=True))

    def convert_known(self, convert: Convert, text: str) -> str:
        """`convert(text)`, looked up first among the texts converted since the last `clear()`."""
        if not text:  # (every converter gives "" for "")
            return text
        out = self._converted.get(convert, _NONE).get(text)
        return convert(text) if out is None else out

    def known(self, convert: Convert) -> Convert:
        """`convert`, looking texts up first among those converted ahead (`preconvert`)."""
        if is_identity(convert):
            return convert
        return lambda text: self.convert_known(convert, text)

    def convert_texts(self, convert: Convert, texts: Sequence[str]) -> list[str]:
        """`[convert(t) for t in texts]`, reusing what a render of the same unit of work converted (a
        passage that is one whole text token, quoted on topic pages) and batching the rest."""
        known = self._converted.get(convert, {})
        todo = list(dict.fromkeys(t for t in texts if t not in known))
        new = dict(zip(todo, convert_many(convert, todo), strict=True)) if todo else {}
        return [known[t] if t in known else new[t] for t in texts]

    # --- rendering -----------------------------------------------------------------------------------

    def render(self, tokens: Sequence[Token], env: RenderEnv) -> Rendered:
        """`html.render`, the text tokens converted in one batch first (`_batched`)."""
        env.convert = self._batched(env.convert, tokens)
        return render(tokens, env, self.md)

    def render_texts(self, tokens: Sequence[Token], linker: Linker | None = None) -> list[str]:
        return render_texts(tokens, self.md, linker)

    def _batched(self, convert: Convert, tokens: Sequence[Token]) -> Convert:
        """`convert`, with the document's text tokens converted up front in one batch (convert_many):
        the render rules then find them converted. Conversion is a function of the text, so looking a
        text up gives what converting it would; a text not in the batch (a part of a text token cut by
        the first-mention linker, a title) is converted when asked. Texts `preconvert` converted since
        the last `clear()` are not converted again."""
        if is_identity(convert):
            return convert
        known: Mapping[str, str] = self._converted.get(convert, _NONE)
        if convert not in self._predicted:  # (else `preconvert` converted what this render asks for: a
            # text token the first-mention linker cuts would be converted whole here for nothing)
            texts = {c.content: None for t in tokens if t.type == "inline" for c in t.children or ()
                     if c.type == "text" and c.content and c.content not in known}
            if len(texts) >= 2:
                done = known = self._converted.setdefault(convert, {})
                done.update(zip(texts, convert_many(convert, list(texts)), strict=True))
        if not known:
            return convert

        def batched(text: str) -> str:
            out = known.get(text)
            return convert(text) if out is None else out
        return batched
