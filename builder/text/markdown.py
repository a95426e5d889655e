"""The one configured Markdown parser, and rendering of parsed tokens for one edition.

Parsing happens once per document (in `load`); rendering happens once per (document, edition) and
converts only token text through the edition's converter — never URLs, code or attributes other
than alt/title.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin

from ..model.documents import Document
from .opencc import Convert, convert_many, is_identity

MORE_RE = re.compile(r"^[ \t]*<!--\s*more\s*-->[ \t]*$", re.MULTILINE)
CJK_RE = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
_SLUG_DROP = re.compile(r"[^\w\u2e80-\u9fff\uf900-\ufaff-]+")


# --- parsing ------------------------------------------------------------------------------------

def _conv_markup(state: StateInline, silent: bool) -> bool:
    """`-{原样}-` keeps text unconverted; `-{zh-cn:软件; zh-tw:軟體}-` gives each edition its form."""
    src, pos = state.src, state.pos
    if not src.startswith("-{", pos):
        return False
    end = src.find("}-", pos + 2)
    if end < 0:
        return False
    if not silent:
        body = src[pos + 2:end]
        token = state.push("tw_conv", "", 0)
        token.content = body
        token.meta = {"variants": _variants(body)}
    state.pos = end + 2
    return True


_VARIANT_RE = re.compile(r"^\s*(zh(?:-[A-Za-z]+)*)\s*:\s*(.*?)\s*$", re.DOTALL)


def _variants(body: str) -> dict[str, str]:
    parts = body.split(";")
    out: dict[str, str] = {}
    for part in parts:
        if not part.strip():
            continue
        m = _VARIANT_RE.match(part)
        if not m:
            return {}
        out[m.group(1).lower()] = m.group(2)
    return out


def slugify_heading(text: str) -> str:
    s = _SLUG_DROP.sub("-", text.strip().lower()).strip("-_")
    return re.sub("-{2,}", "-", s) or "section"


def inline_text(token: Token, matchable: bool = False) -> str:
    """Canonical plain text of an inline token, as written in the source. `matchable` leaves out
    code and link text, where a topic mention must not be found."""
    out = []
    in_link = 0
    for child in token.children or ():
        if child.type == "link_open":
            in_link += 1
        elif child.type == "link_close":
            in_link -= 1
        if matchable and (in_link or child.type == "code_inline"):
            out.append(" ")
            continue
        if child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type == "tw_conv":
            v = child.meta["variants"]
            out.append(next(iter(v.values())) if v else child.content)
        elif child.type == "image":
            continue
        elif child.type in ("softbreak", "hardbreak"):
            out.append(" ")
    return "".join(out)


def _anchors(state: StateCore) -> None:
    """Give headings ids that keep CJK, and every passage (paragraph, list item, table row) a stable
    anchor derived from its own text, so deep links survive edits elsewhere and edition switches."""
    tokens = state.tokens
    used: dict[str, int] = {}

    def unique(base: str) -> str:
        n = used.get(base, 0)
        used[base] = n + 1
        return base if n == 0 else f"{base}-{n}"

    stack: list[str] = []
    for i, tok in enumerate(tokens):
        if tok.nesting == 1:
            stack.append(tok.type)
        elif tok.nesting == -1 and stack:
            stack.pop()
        if tok.type == "heading_open" and i + 1 < len(tokens):
            tok.attrSet("id", unique(slugify_heading(inline_text(tokens[i + 1]))))
        elif tok.type == "paragraph_open" and "list_item_open" not in stack[:-1] and i + 1 < len(tokens):
            tok.attrSet("id", unique(_passage_id(inline_text(tokens[i + 1]))))
        elif tok.type == "list_item_open":
            tok.attrSet("id", unique(_passage_id(_item_text(tokens, i))))
        elif tok.type == "tr_open" and "tbody_open" in stack:
            tok.attrSet("id", unique(_passage_id(_item_text(tokens, i))))


def _passage_id(text: str) -> str:
    return "p-" + hashlib.blake2s(text.strip().encode(), digest_size=4).hexdigest()


def _item_text(tokens: Sequence[Token], start: int, matchable: bool = False) -> str:
    """Text of the inline tokens directly inside the container opened at `start`."""
    depth = 0
    parts = []
    for tok in tokens[start:]:
        depth += tok.nesting
        if tok.type == "inline" and depth in (1, 2):
            parts.append(inline_text(tok, matchable))
        if depth <= 0:
            break
    return " ".join(parts)


# Every text linkify-it's pretest can accept holds one of these (its schemas hold ":" or "//", its
# fuzzy hosts "localhost" or a ".", its emails "@"): a text without any cannot hold a link, and
# skipping the pretest's large regex there changes nothing (tests/test_markdown_linkify.py).
_LINK_HINT = re.compile(r"[.:/@]|localhost", re.IGNORECASE)


def _quick_pretest(md: MarkdownIt) -> None:
    slow = md.linkify.pretest  # type: ignore[union-attr]

    def pretest(text: str) -> bool:
        return _LINK_HINT.search(text) is not None and bool(slow(text))
    md.linkify.pretest = pretest  # type: ignore[union-attr]


@lru_cache(maxsize=2)
def parser(unsafe_html: bool = False) -> MarkdownIt:
    return new_parser(unsafe_html)


def new_parser(unsafe_html: bool = False, quick_linkify: bool = True) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": unsafe_html, "linkify": True, "typographer": False})
    md.enable(["table", "strikethrough", "linkify"])
    if quick_linkify:
        _quick_pretest(md)
    md.use(footnote_plugin)
    md.inline.ruler.before("text", "tw_conv", _conv_markup)
    md.core.ruler.push("tw_anchors", _anchors)
    for name, rule in _RULES.items():
        md.add_render_rule(name, rule)
    return md


def parse(text: str, unsafe_html: bool = False) -> list[Token]:
    return parser(unsafe_html).parse(text, {})


# --- deferred parsing ------------------------------------------------------------------------------

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


# --- passages -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Passage:
    anchor: str
    text: str  # canonical text as written in the source
    line: int  # 0-based line within the body
    match_text: str = ""  # the text where mentions count: without code and link text


def passages(tokens: Sequence[Token]) -> list[Passage]:
    out = []
    for i, tok in enumerate(tokens):
        anchor = tok.attrGet("id") if tok.type in ("paragraph_open", "list_item_open", "tr_open") else None
        if not anchor:
            continue
        if tok.type == "paragraph_open":
            text, match = inline_text(tokens[i + 1]), inline_text(tokens[i + 1], True)
        else:
            text, match = _item_text(tokens, i), _item_text(tokens, i, True)
        if text.strip():
            out.append(Passage(str(anchor), text, tok.map[0] if tok.map else 0, match))
    return out


# --- rendering -----------------------------------------------------------------------------------

Linker = Callable[[str], list[tuple[str, str | None]]]
"""Splits text into (segment, href-or-None) to link the first mention of a topic."""


@dataclass
class RenderEnv:
    """Per-render state, passed to markdown-it as `env`. Mutable by necessity, local to one render."""

    convert: Convert
    edition_key: str
    edition_script: str
    resolve_link: Callable[[str], str] | None = None
    linker: Linker | None = None
    sanitize: Callable[[str], str] | None = None
    in_link: int = 0
    in_heading: bool = False
    heading_parts: list[str] | None = None
    toc: list[tuple[int, str, str]] | None = None
    text: list[str] | None = None

    def __post_init__(self) -> None:
        self.toc = []
        self.text = []


@dataclass(frozen=True)
class Rendered:
    html: str
    toc: tuple[tuple[int, str, str], ...]  # (level, id, title in the edition's script)
    text: str  # plain text in the edition's script, blocks separated by newlines


def render(tokens: Sequence[Token], env: RenderEnv, unsafe_html: bool = False) -> Rendered:
    md = parser(unsafe_html)
    env.convert = _batched(env.convert, tokens)
    html = md.renderer.render(list(tokens), md.options, {"tw": env})
    assert env.toc is not None and env.text is not None
    return Rendered(html, tuple(env.toc), "".join(env.text).strip())


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


def render_texts(tokens: Sequence[Token], linker: Linker | None = None, unsafe_html: bool = False) -> list[str]:
    """The texts a render of `tokens` asks its converter for, in render order: text tokens (with
    `linker`, the segments it cuts those outside links and headings into, as `_text` does; pass a
    fresh linker made like the render's, so it predicts the render's cuts), image alt texts and
    link and image titles. Rare ones (`-{…}-` fallbacks) are left out: a text left out or
    predicted wrongly only costs its own conversion later (`preconvert`)."""
    out: list[str] = []
    in_heading = False
    in_link = 0
    md: MarkdownIt | None = None
    for tok in tokens:
        if tok.type == "heading_open":
            in_heading = True
        elif tok.type == "heading_close":
            in_heading = False
        elif tok.type == "inline":
            for c in tok.children or ():
                t = c.type
                if t == "text":
                    if linker is not None and not in_link and not in_heading:
                        out.extend([seg for seg, _href in linker(c.content)])
                    else:
                        out.append(c.content)
                elif t == "link_open":
                    in_link += 1
                    title = c.attrGet("title")
                    if title:
                        out.append(str(title))
                elif t == "link_close":
                    in_link -= 1
                elif t == "image":
                    if c.children:
                        md = md or parser(unsafe_html)
                        out.append(md.renderer.renderInlineAsText(c.children, md.options, {}))  # type: ignore[attr-defined]
                    else:
                        out.append(c.content)
                    title = c.attrGet("title")
                    if title:
                        out.append(str(title))
    return out


def _env(env: dict[str, Any]) -> RenderEnv:
    return env["tw"]  # type: ignore[no-any-return]


def _emit_text(e: RenderEnv, converted: str) -> None:
    assert e.text is not None
    e.text.append(converted)
    if e.in_heading and e.heading_parts is not None:
        e.heading_parts.append(converted)


def _text(self: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
    e = _env(env)
    content = tokens[idx].content
    if e.linker is not None and not e.in_link and not e.in_heading:
        out = []
        for segment, href in e.linker(content):
            converted = e.convert(segment)
            _emit_text(e, converted)
            if href is None:
                out.append(escapeHtml(converted))
            else:
                out.append(f'<a class="topic-link" href="{escapeHtml(href)}">{escapeHtml(converted)}</a>')
        return "".join(out)
    converted = e.convert(content)
    _emit_text(e, converted)
    return escapeHtml(converted)


def _tw_conv(self: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
    e = _env(env)
    tok = tokens[idx]
    variants: dict[str, str] = tok.meta["variants"]
    if not variants:
        out = tok.content  # -{原样}-: as written, in every edition
    elif e.edition_key in variants:
        out = variants[e.edition_key]
    else:
        fallback = ("zh-hans", "zh-cn", "zh-sg", "zh") if e.edition_script == "Hans" else (
            "zh-hant", "zh-tw", "zh-hk", "zh-mo")
        out = next((variants[k] for k in fallback if k in variants), None) or e.convert(
            next(iter(variants.values())))
    _emit_text(e, out)
    return escapeHtml(out)


def _code_inline(self: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
    e = _env(env)
    _emit_text(e, tokens[idx].content)
    return f"<code{self.renderAttrs(tokens[idx])}>{escapeHtml(tokens[idx].content)}</code>"


def _block_end(name: str) -> Callable[..., str]:
    def rule(self: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
        e = _env(env)
        assert e.text is not None
        e.text.append("\n")
        return str(self.renderToken(tokens, idx, options, env))
    rule.__name__ = name
    return rule


def _cell_end(self: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
    e = _env(env)
    assert e.text is not None
    e.text.append(" ")
    return str(self.renderToken(tokens, idx, options, env))


def _heading_open(self: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
    e = _env(env)
    e.in_heading = True
    e.heading_parts = []
    return str(self.renderToken(tokens, idx, options, env))


def _heading_close(self: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
    e = _env(env)
    opener = next(t for t in reversed(tokens[:idx]) if t.type == "heading_open")
    assert e.toc is not None and e.text is not None
    e.toc.append((int(opener.tag[1]), str(opener.attrGet("id") or ""), "".join(e.heading_parts or ()).strip()))
    e.in_heading = False
    e.heading_parts = None
    e.text.append("\n")
    return str(self.renderToken(tokens, idx, options, env))


def _link_open(self: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
    e = _env(env)
    e.in_link += 1
    tok = tokens[idx]
    href = str(tok.attrGet("href") or "")
    if e.resolve_link is not None and href:
        tok = _copy_with(tok, href=e.resolve_link(href))
    title = tok.attrGet("title")
    if title:
        tok = _copy_with(tok, title=e.convert(str(title)))
    if href.startswith(("http://", "https://", "//")):
        tok = _copy_with(tok, rel="noopener")
    return str(self.renderToken([tok], 0, options, env))


def _link_close(self: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
    _env(env).in_link -= 1
    return "</a>"


def _copy_with(tok: Token, **attrs: str) -> Token:
    """Render-time attribute changes must not touch the shared parsed token (other editions reuse it)."""
    new = tok.copy()
    new.attrs = dict(tok.attrs)
    for k, v in attrs.items():
        new.attrs[k] = v
    return new


def _image(self: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
    e = _env(env)
    tok = tokens[idx]
    alt = e.convert(self.renderInlineAsText(tok.children or [], options, env) if tok.children else tok.content)
    src = str(tok.attrGet("src") or "")
    if e.resolve_link is not None and src:
        src = e.resolve_link(src)
    out = f'<img src="{escapeHtml(src)}" alt="{escapeHtml(alt)}" loading="lazy" decoding="async"'
    title = tok.attrGet("title")
    if title:
        out += f' title="{escapeHtml(e.convert(str(title)))}"'
    return out + ">"


def _softbreak(self: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
    """A line break between two CJK characters is not a space in Chinese (browsers would show one)."""
    prev = tokens[idx - 1].content[-1:] if idx > 0 else ""
    nxt = tokens[idx + 1].content[:1] if idx + 1 < len(tokens) else ""
    if prev and nxt and CJK_RE.match(prev) and CJK_RE.match(nxt):
        return ""
    _env(env).text and _env(env).text.append(" ")  # type: ignore[union-attr]
    return "\n"


def _html(self: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
    e = _env(env)
    content = tokens[idx].content
    return e.sanitize(content) if e.sanitize is not None else escapeHtml(content)


_RULES: dict[str, Callable[..., str]] = {
    "text": _text,
    "tw_conv": _tw_conv,
    "code_inline": _code_inline,
    "paragraph_close": _block_end("paragraph_close"),
    "list_item_close": _block_end("list_item_close"),
    "tr_close": _block_end("tr_close"),
    "td_close": _cell_end,
    "th_close": _cell_end,
    "heading_open": _heading_open,
    "heading_close": _heading_close,
    "link_open": _link_open,
    "link_close": _link_close,
    "image": _image,
    "softbreak": _softbreak,
    "html_block": _html,
    "html_inline": _html,
}


def split_more(body: str) -> tuple[str | None, str]:
    """Hugo's manual summary divider: returns (text before <!--more--> or None, body without it)."""
    m = MORE_RE.search(body)
    if not m:
        return None, body
    return body[:m.start()], body[:m.start()] + body[m.end():]
