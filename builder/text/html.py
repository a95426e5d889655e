"""Rendering parsed tokens for one edition: the render rules (`RULES`, given to the parser by
`new_renderer`), `render` and `render_texts`.

Rendering happens once per (document, edition) and converts only token text through the edition's
converter — never URLs, code or attributes other than alt/title.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token

from .markdown import CJK_RE, new_parser
from .math import to_mathml
from .opencc import Convert

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
    # a local image's resized files, relative to the page: (webp URL or "", fallback URL, width, height)
    picture: Callable[[str], tuple[str, str, int, int] | None] | None = None
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


def new_renderer(unsafe_html: bool = False, math: bool = False) -> MarkdownIt:
    """A parser that renders with Tongwen's rules (`RULES`); its owner keeps it (`memo.TextMemo`)."""
    return new_parser(unsafe_html, rules=RULES, math=math)


def render(tokens: Sequence[Token], env: RenderEnv, md: MarkdownIt) -> Rendered:
    """The tokens as HTML, their headings and their text, in `env`'s edition; `md`: a parser made
    by `new_renderer` (the render options are the same whatever its `unsafe_html`)."""
    html = md.renderer.render(list(tokens), md.options, {"tw": env})
    assert env.toc is not None and env.text is not None
    return Rendered(html, tuple(env.toc), "".join(env.text).strip())


def render_texts(tokens: Sequence[Token], md: MarkdownIt, linker: Linker | None = None) -> list[str]:
    """The texts a render of `tokens` asks its converter for, in render order: text tokens (with
    `linker`, the segments it cuts those outside links and headings into, as `_text` does; pass a
    fresh linker made like the render's, so it predicts the render's cuts), image alt texts and
    link and image titles. Rare ones (`-{…}-` fallbacks) are left out: a text left out or
    predicted wrongly only costs its own conversion later (`memo.TextMemo.preconvert`)."""
    out: list[str] = []
    in_heading = False
    in_link = 0
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
    pic = e.picture(src) if e.picture is not None and src else None
    if e.resolve_link is not None and src:
        src = e.resolve_link(src)
    head = ""
    if pic is not None:
        webp, src, w, h = pic
        head = f'<picture><source srcset="{escapeHtml(webp)}" type="image/webp">' if webp else ""
        out = f'<img src="{escapeHtml(src)}" alt="{escapeHtml(alt)}" width="{w}" height="{h}"'
    else:
        out = f'<img src="{escapeHtml(src)}" alt="{escapeHtml(alt)}"'
    out = head + out + ' loading="lazy" decoding="async"'
    title = tok.attrGet("title")
    if title:
        out += f' title="{escapeHtml(e.convert(str(title)))}"'
    return out + (">" + "</picture>" if head else ">")


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


def _math(display: bool) -> Callable[..., str]:
    def rule(self: Any, tokens: list[Token], idx: int, options: Any, env: dict[str, Any]) -> str:
        out = to_mathml(tokens[idx].content.strip(), display)
        return f'<div class="math-display">{out}</div>\n' if display else out
    rule.__name__ = "math_block" if display else "math_inline"
    return rule


RULES: dict[str, Callable[..., str]] = {
    "math_inline": _math(False),
    "math_inline_double": _math(True),
    "math_block": _math(True),
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
