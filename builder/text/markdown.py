"""The one configured Markdown parser: the `-{…}-` inline rule, heading and passage anchors, the
passages of a parsed document and the `<!--more-->` divider.

Parsing happens once per document (in `load`, or deferred to the render: `memo.TextMemo`); the
render rules live in `html.py`, which hands them to `new_parser`, so this module never imports them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin

from .highlight import highlight

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


def new_parser(unsafe_html: bool = False, quick_linkify: bool = True,
               rules: Mapping[str, Callable[..., str]] | None = None, math: bool = False) -> MarkdownIt:
    """A parser configured as Tongwen parses; `rules`: render rules to add (`html.RULES`); `math`:
    `$…$` and `$$…$$` are formulas (pages with `mathjax: true`; a dollar before a digit stays text).
    Making one costs about 0.3 ms: whoever parses many texts keeps one (`load`, `memo.TextMemo`)."""
    md = MarkdownIt("commonmark", {"html": unsafe_html, "linkify": True, "typographer": False,
                                   "highlight": highlight})  # (fences only: a render option)
    md.enable(["table", "strikethrough", "linkify"])
    if quick_linkify:
        _quick_pretest(md)
    md.use(footnote_plugin)
    if math:
        md.use(dollarmath_plugin, allow_space=False, allow_digits=False, allow_labels=False)
    md.inline.ruler.before("text", "tw_conv", _conv_markup)
    md.core.ruler.push("tw_anchors", _anchors)
    for name, rule in (rules or {}).items():
        md.add_render_rule(name, rule)
    return md


def parse(text: str, unsafe_html: bool = False, math: bool = False) -> list[Token]:
    """One text parsed by a parser made for it (one-off use; see `new_parser`)."""
    return new_parser(unsafe_html, math=math).parse(text, {})


# --- passages ---------------------------------------------------------------------------------

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


def split_more(body: str) -> tuple[str | None, str]:
    """Hugo's manual summary divider: returns (text before <!--more--> or None, body without it)."""
    m = MORE_RE.search(body)
    if not m:
        return None, body
    return body[:m.start()], body[:m.start()] + body[m.end():]
