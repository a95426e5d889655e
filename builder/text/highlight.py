"""Code blocks highlighted at build time with Pygments: class names only (the colours are in the
theme's `code-light.css` and `code-dark.css`, made by `stylesheet`). Code is never converted: the
fence's text goes to Pygments as written. A block without a language, or with one Pygments does
not know, is left to markdown-it (escaped, unhighlighted): nothing is guessed, so the output does
not depend on a guess."""

from __future__ import annotations

from pygments import highlight as pygments_highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.style import StyleMeta
from pygments.styles import get_style_by_name
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

# (Pygments style, the theme's code background, what a colour is mixed towards until it reads)
THEMES = {"light": ("xcode", "f4f4f4", "000000"), "dark": ("github-dark", "23272c", "ffffff")}
MIN_CONTRAST = 4.5  # WCAG AA for text


def highlight(code: str, lang: str, _attrs: str = "") -> str:
    """`code` as Pygments' spans (markdown-it wraps them in <pre><code class="language-…">), or ""."""
    name = lang.strip().split(maxsplit=1)[0].lower() if lang.strip() else ""
    if not name:
        return ""
    try:
        lexer = get_lexer_by_name(name, stripnl=False)
    except ClassNotFound:
        return ""
    return pygments_highlight(code, lexer, HtmlFormatter(nowrap=True))


def _luminance(hex6: str) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(int(hex6[i:i + 2], 16) / 255) for i in (0, 2, 4))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = _luminance(a), _luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def _readable(color: str, bg: str, towards: str) -> str:
    """`color`, mixed towards `towards` in steps of 5 % until it has `MIN_CONTRAST` on `bg`."""
    for step in range(21):
        t = step / 20
        mixed = "".join(f"{round(int(color[i:i + 2], 16) * (1 - t) + int(towards[i:i + 2], 16) * t):02x}"
                        for i in (0, 2, 4))
        if contrast(mixed, bg) >= MIN_CONTRAST:
            return mixed
    return towards


def stylesheet(mode: str) -> str:
    """The theme's stylesheet for one mode: a rule for every token class Pygments emits, so the dark
    sheet (loaded after the light one, for `prefers-color-scheme: dark`) overrides each of them."""
    name, bg, towards = THEMES[mode]
    style: StyleMeta = get_style_by_name(name)
    lines = [f"/* Code highlighting, {mode}: Pygments' {name} style, colours made to read on the "
             f"theme's code background (#{bg}). Made by builder/text/highlight.py: stylesheet('{mode}'). */"]
    for token in sorted(STANDARD_TYPES, key=str):
        cls = STANDARD_TYPES[token]
        if not cls:
            continue
        s = style.style_for_token(token)
        rules = [f"color: #{_readable(s['color'], bg, towards)}" if s["color"] else "color: inherit",
                 "font-weight: bold" if s["bold"] else "font-weight: inherit",
                 "font-style: italic" if s["italic"] else "font-style: inherit"]
        lines.append(f"pre code .{cls} {{ {'; '.join(rules)} }}")
    body = "\n".join(lines) + "\n"
    return body if mode == "light" else f"@media (prefers-color-scheme: dark) {{\n{body}}}\n"
