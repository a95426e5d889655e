"""Helpers for the search tests: synthetic documents and a tiny static page that hosts the widget.

Not a test module (no `test_` prefix); imported by tests/test_search.py and tests/test_search_browser.py.
"""

from __future__ import annotations

import random
import shutil
from functools import cache, lru_cache
from pathlib import Path

from builder.model import Edition, SearchDoc
from builder.search import Fold, build_search

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "builder" / "theme" / "static"
TEMPLATES = ROOT / "builder" / "theme" / "templates"


@cache
def fold_table() -> Fold:
    """One character fold for the test session (a build makes its own; OpenCC takes ~0.2 s)."""
    return Fold.from_opencc()


EDITIONS = (
    Edition(code="zh-CN", name="简体", prefix="", script="Hans", opencc=""),
    Edition(code="zh-TW", name="繁體", prefix="zh-tw", script="Hant", opencc="s2twp.json"),
)


@lru_cache(maxsize=4)
def converter(config: str):
    import opencc

    return opencc.OpenCC(config)


def make_doc(title: str, text: str, date: str = "", slug: str = "", kind: str = "article",
             summary: str = "", tags: tuple[str, ...] = ()) -> SearchDoc:
    """A SearchDoc from Simplified source text, converted to zh-TW with s2twp like the core does."""
    tw = converter("s2twp.json").convert
    slug = slug or f"p{abs(hash(title)) % 10**8}"
    url = f"posts/{slug}/"
    return SearchDoc(
        kind=kind,
        date=date,
        url={"zh-cn": url, "zh-tw": "zh-tw/" + url},
        title={"zh-cn": title, "zh-tw": tw(title)},
        summary={"zh-cn": summary, "zh-tw": tw(summary)},
        tags={"zh-cn": tags, "zh-tw": tuple(tw(t) for t in tags)},
        text={"zh-cn": text, "zh-tw": tw(text)},
    )


# Realistic-ish synthetic Chinese: a Zipf-distributed vocabulary of 2–4 character words drawn from
# 3,500 characters, plus punctuation, numbers, a few Latin words and real s2twp phrase pairs.
_PHRASES = ["软件", "信息", "网络", "数据", "服务", "产业带", "供应链", "平台", "商家", "增长"]
_LATIN = ["AI", "App", "1688", "2024", "2025", "GMV", "SaaS", "B2B"]


@lru_cache(maxsize=1)
def _vocab() -> tuple[list[str], list[float]]:
    rnd = random.Random(1688)
    chars = [chr(c) for c in range(0x4E00, 0x4E00 + 3500)]
    cw, acc = [], 0.0
    for i in range(len(chars)):
        acc += 1 / (i + 1) ** 0.9
        cw.append(acc)
    words = set(_PHRASES)
    while len(words) < 30000:
        words.add("".join(rnd.choices(chars, cum_weights=cw, k=rnd.choice((2, 2, 2, 3, 4)))))
    wl = sorted(words)
    rnd.shuffle(wl)
    cum, acc = [], 0.0
    for i in range(len(wl)):
        acc += 1 / (i + 1)
        cum.append(acc)
    return wl, cum


def synthetic_docs(n: int, chars: tuple[int, int] = (1700, 2700), seed: int = 7,
                   convert: bool = True) -> list[SearchDoc]:
    """`n` articles of 1,700–2,700 characters (5–8 KB of UTF-8) each, newest first by date."""
    words, cum = _vocab()
    rnd = random.Random(seed)
    tw = converter("s2twp.json").convert if convert else (lambda s: s)
    docs = []
    for i in range(n):
        target = rnd.randint(*chars)
        parts: list[str] = []
        size = 0
        while size < target:
            w = rnd.choices(words, cum_weights=cum, k=12)
            sent = "".join(w)
            if rnd.random() < 0.3:
                sent += rnd.choice(_LATIN)
            sent += rnd.choice("，。，。；！？\n")
            parts.append(sent)
            size += len(sent)
        text = "".join(parts)
        title = "".join(rnd.choices(words, cum_weights=cum, k=4))
        day = f"20{10 + i % 15:02d}-{1 + i % 12:02d}-{1 + i % 28:02d}"
        url = f"posts/{i:05d}/"
        tags = tuple(rnd.choices(words[:200], k=2))
        docs.append(SearchDoc(
            kind="article", date=day,
            url={"zh-cn": url, "zh-tw": "zh-tw/" + url},
            title={"zh-cn": title, "zh-tw": tw(title)},
            summary={"zh-cn": text[:80], "zh-tw": tw(text[:80])},
            tags={"zh-cn": tags, "zh-tw": tuple(tw(t) for t in tags)},
            text={"zh-cn": text, "zh-tw": tw(text)},
        ))
    return docs


def write_site(folder: Path, docs: list[SearchDoc]) -> None:
    """A two-edition test site: index files from build_search, search.js/css, and one page per
    edition at posts/x/ (two levels deep, like a real article) rendering the widget template."""
    import jinja2

    for out in build_search(docs, EDITIONS, fold_table()):
        p = folder / out.path
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(out.data)
    (folder / "tongwen").mkdir(parents=True, exist_ok=True)
    for name in ("search.js", "search.css"):
        shutil.copy(STATIC / name, folder / "tongwen" / name)
    for d in docs:  # a stub page per result, so that following a result lands somewhere
        for e in EDITIONS:
            stub = folder / d.url[e.key] / "index.html"
            stub.parent.mkdir(parents=True, exist_ok=True)
            stub.write_text(f'<!doctype html><title>{d.url[e.key]}</title><link rel="icon" href="data:,">',
                            encoding="utf-8")
    for e in EDITIONS:  # the search page the form's Enter opens (search/?q=…): a stub here too
        stub = folder / (e.prefix + "/" if e.prefix else "") / "search" / "index.html"
        stub.parent.mkdir(parents=True, exist_ok=True)
        stub.write_text('<!doctype html><title>search</title><link rel="icon" href="data:,">', encoding="utf-8")
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    strings = {
        "zh-cn": {"search": "搜索", "search_placeholder": "搜索本站", "search_empty": "没有找到结果"},
        "zh-tw": {"search": "搜尋", "search_placeholder": "搜尋本站", "search_empty": "沒有找到結果"},
    }
    for e in EDITIONS:
        page_dir = folder / (e.prefix + "/" if e.prefix else "") / "posts" / "x"
        root = "../../../" if e.prefix else "../../"
        widget = env.get_template("widgets/search.html").render(
            edition=e, root=root, edition_root="../../", strings=strings[e.key],
            site={"search_fallback": ""},
        )
        page_dir.mkdir(parents=True, exist_ok=True)
        (page_dir / "index.html").write_text(PAGE.format(lang=e.code, root=root, widget=widget),
                                             encoding="utf-8")


PAGE = """<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self'; \
style-src 'self'; img-src * data:">
<title>search test</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="{root}tongwen/search.css">
</head>
<body>
<main><p id="before">Lorem</p>
{widget}
<p id="after">Below the widget</p></main>
</body>
</html>
"""
