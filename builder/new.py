"""`tongwen new "标题"`: create an article (or a topic) with front matter in the seed's shape and a
readable pinyin slug (新的文章 → xin-de-wen-zhang.md). Never overwrites a file. As in Hugo, a new
article is a draft (`draft: true`): builds leave it out unless run with --drafts."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sys
import unicodedata
from pathlib import Path

from .config import load_config

MAX_SLUG = 60
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")


def slug_for(title: str, limit: int = MAX_SLUG) -> str:
    """Pinyin for Han characters, Latin letters and digits kept, everything else a hyphen; cut at a
    word boundary so the slug stays readable: 'AI 芯片：2025 展望' → 'ai-xin-pian-2025-zhan-wang'."""
    from pypinyin import Style, lazy_pinyin

    words: list[str] = []
    for chunk in lazy_pinyin(unicodedata.normalize("NFKC", title), style=Style.NORMAL, errors=lambda s: [s]):  # type: ignore[arg-type,return-value]
        if _CJK.fullmatch(chunk or ""):
            continue  # a character pypinyin does not know: drop it rather than keep it in a file name
        for w in re.split(r"[^0-9A-Za-z]+", unicodedata.normalize("NFKD", chunk).encode("ascii", "ignore")
                          .decode().lower()):
            if w:
                words.append(w)
    out = ""
    for w in words:
        cand = f"{out}-{w}" if out else w
        if len(cand) > limit:
            if not out:
                out = w[:limit]
            break
        out = cand
    return out


def _q(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def now(tz: dt.tzinfo) -> dt.datetime:
    sde = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if sde:
        return dt.datetime.fromtimestamp(int(sde), tz=dt.UTC).astimezone(tz)
    return dt.datetime.now(tz)


def article_text(title: str, date: dt.datetime, lang: str) -> str:
    return "\n".join([
        "---",
        f"title: {_q(title)}",
        f"date: \"{date.strftime('%Y-%m-%d %H:%M:%S')}\"",
        "draft: true",  # Hugo's default: published only once the editor sets draft: false
        'summary: ""',
        "categories: []",
        "lang:",
        f"  - {_q(lang)}",
        "translations:",
        f"  - {_q(lang)}",
        "tags: []",
        'menu: ""',
        'thumbnail: ""',
        'lead: ""',
        "comments: false",
        "authorbox: false",
        "pager: true",
        "toc: false",
        "mathjax: false",
        'sidebar: "right"',
        "widgets:",
        '  - "search"',
        '  - "recent"',
        '  - "taglist"',
        "---",
        "",
        "",
    ])


def topic_text(title: str) -> str:
    return "\n".join([
        "---",
        f"title: {_q(title)}",
        f"aliases: [{_q(title)}]",
        'group: ""',
        "weight: 0",
        "---",
        "",
        "",
    ])


def new(site_dir: Path, title: str, kind: str = "article", section: str = "") -> int:
    title = title.strip()
    if not title:
        print("tongwen new: the title is empty", file=sys.stderr)
        return 1
    config = load_config(site_dir)
    section = section.strip().strip("/")
    if any(p in ("", ".", "..") for p in section.split("/")) and section:
        print(f"tongwen new: --section '{section}' is not a folder under content/", file=sys.stderr)
        return 1
    if kind == "topic":
        parts = section.split("/")
        if len(parts) != 2 or parts[0] != "topics":
            print("tongwen new: a topic needs --section topics/<collection>, e.g. --section topics/五大举措",
                  file=sys.stderr)
            return 1
        if not (site_dir / "content" / section / "_index.md").is_file():
            print(f"tongwen new: content/{section}/_index.md does not exist; create the collection first "
                  f"(a file with a title and, optionally, groups)", file=sys.stderr)
            return 1
        text = topic_text(title)
    else:
        section = section or "posts"
        text = article_text(title, now(config.tz), config.default_language)
    slug = slug_for(title)
    if not slug:
        print(f"tongwen new: cannot make a file name from '{title}'; pass a title with letters or Han "
              "characters", file=sys.stderr)
        return 1
    target = site_dir / "content" / section / f"{slug}.md"
    rel = target.relative_to(site_dir).as_posix()
    if target.exists():
        print(f"{rel}:1: already exists; not overwritten (choose another title or edit the file)", file=sys.stderr)
        return 1
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(target, "x", encoding="utf-8", newline="\n") as f:
            f.write(text)
    except FileExistsError:
        print(f"{rel}:1: already exists; not overwritten", file=sys.stderr)
        return 1
    print(rel)
    if kind != "topic":
        print(f"{rel}: a draft (draft: true): `tongwen serve --drafts` previews it; set draft: false to publish it",
              file=sys.stderr)
    return 0
