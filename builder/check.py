"""`tongwen check`: load, derive and render every page in memory, write nothing, and report every
problem as `path:line: message` — front matter, internal links and their #anchors, local images,
the glossary. `--conversions` lists the choices 简→繁 conversion made that an editor may want to
confirm or pin with the glossary, grouped (choices.py); with `--all`, every place where it had a
choice (`conversions`). `--script` counts characters outside each edition's script (purity.py)."""

from __future__ import annotations

import difflib
import posixpath
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from urllib.parse import unquote

from markdown_it.token import Token

from .config import SiteConfig, load_config
from .errors import BuildError, BuildFailed, error
from .model import Site
from .model.documents import Document
from .pipeline.derive import derive
from .pipeline.load import load
from .text.conversions import _source_line
from .text.conversions import conversions as all_conversions
from .text.markdown import passages

# --- links, anchors, images ------------------------------------------------------------------------

def anchors_of(doc: Document) -> set[str]:
    ids = set()
    for tok in doc.tokens:
        v = tok.attrGet("id") if tok.attrs else None
        if v:
            ids.add(str(v))
    return ids


def _links(doc: Document) -> Iterable[tuple[int, str, str]]:
    """(line in the file, 'link' | 'image', href) for every link and image in the body."""
    for tok in doc.tokens:
        if tok.type != "inline":
            continue
        line = doc.body_line + (tok.map[0] if tok.map else 0)
        for child in _walk(tok.children or []):
            if child.type == "link_open" and child.markup != "linkify" and child.info != "auto":
                yield line, "link", str(child.attrGet("href") or "")
            elif child.type == "image":
                yield line, "image", str(child.attrGet("src") or "")


def _walk(tokens: Sequence[Token]) -> Iterable[Token]:
    for t in tokens:
        yield t
        if t.children:
            yield from _walk(t.children)


def _external(href: str) -> bool:
    return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", href)) or href.startswith("//")


def check_links(site: Site, docs: Sequence[Document], config: SiteConfig) -> list[BuildError]:
    errors: list[BuildError] = []
    by_source = {d.source: d for d in docs}
    root = config.root
    published = {d.source for e in site.index.values() for _k, d in e.docs} | set(site.index)
    for doc in docs:
        if doc.source not in published:
            continue  # a draft: not checked unless --drafts
        own = anchors_of(doc)
        thumb = doc.meta.thumbnail
        if thumb is not None and not _external(thumb.src) \
                and not _local_file_exists(root, doc.source, unquote(thumb.src)):
            errors.append(error(doc.source, doc.meta.line_of("thumbnail"),
                                f"thumbnail '{thumb.src}' not found under content/ or static/"))
        try:
            src_lines = (root / doc.source).read_text(encoding="utf-8-sig").split("\n")
        except OSError:
            src_lines = []
        for line, kind, href in _links(doc):
            if not href or _external(href):
                continue
            href = unquote(href)  # markdown-it percent-encodes; show what the author wrote
            line = _source_line(src_lines, line - 1, href) if src_lines else line  # in a multi-line paragraph
            path, _, anchor = href.partition("#")
            if kind == "image":
                if not _local_file_exists(root, doc.source, path):
                    errors.append(error(doc.source, line, f"image '{href}' not found under content/ or static/"))
                continue
            if not path:
                if anchor and anchor not in own:
                    errors.append(error(doc.source, line, f"link '#{anchor}': no heading or passage with that "
                                        "id on this page" + _suggest(anchor, own)))
                continue
            if path.lower().endswith((".md", ".markdown")):
                target = posixpath.normpath(posixpath.join(posixpath.dirname(doc.source), path))
                tdoc = by_source.get(target)
                if tdoc is None:
                    errors.append(error(doc.source, line, f"link '{href}': {target} does not exist"))
                elif target not in published:
                    errors.append(error(doc.source, line, f"link '{href}': {target} is a draft and is not "
                                        "published (run with --drafts to include it)"))
                elif anchor:
                    ids = anchors_of(tdoc)
                    if anchor not in ids:
                        errors.append(error(doc.source, line, f"link '{href}': no heading or passage "
                                            f"'#{anchor}' in {target}" + _suggest(anchor, ids)))
            elif not path.startswith("/") and not path.endswith("/"):
                if "." in path.rsplit("/", 1)[-1] and not _local_file_exists(root, doc.source, path):
                    errors.append(error(doc.source, line, f"link '{href}': file not found under content/ "
                                        "or static/"))
    return errors


def _suggest(word: str, choices: Iterable[str]) -> str:
    from .text.opencc import ScriptFold
    fold = ScriptFold()
    choices = sorted(choices)
    same = [c for c in choices if fold(c) == fold(word)]  # written in the other script: 小節 / 小节
    if same:
        return f" (did you mean '#{same[0]}'?)"
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean '#{close[0]}'?)" if close else ""


def _local_file_exists(root: Path, source: str, path: str) -> bool:
    path = path.split("?", 1)[0]
    if not path:
        return True
    if path.startswith("/"):
        rel = path.lstrip("/")
        return (root / "content" / rel).is_file() or (root / "static" / rel).is_file()
    here = posixpath.normpath(posixpath.join(posixpath.dirname(source), path))
    if here.startswith(".."):
        return False
    if (root / here).is_file():
        return True
    # a page's output folder sits one level deeper than its source: `../x.png` from content/posts/a.md
    # means content/posts/x.png in the built site; also accept paths relative to content/ and static/
    for base in ("content", "static"):
        if (root / base / path.lstrip("./")).is_file():
            return True
    rebased = posixpath.normpath(posixpath.join(posixpath.dirname(source), "x", path))
    return not rebased.startswith("..") and (root / rebased).is_file()


# --- glossary ------------------------------------------------------------------------------------

def check_glossary(config: SiteConfig, docs: Sequence[Document]) -> list[BuildError]:
    errors = []
    site_yaml = config.root / "site.yaml"
    lines = site_yaml.read_text(encoding="utf-8").splitlines() if site_yaml.is_file() else []
    text = "\n".join(d.meta.title + "\n" + "\n".join(p.text for p in passages(d.tokens)) for d in docs)
    seen: dict[str, str] = {}
    for entry in config.glossary:
        forms = dict(entry.forms)
        shown = "/".join(dict.fromkeys(forms.values()))
        line = next((i + 1 for i, s in enumerate(lines) if any(f and f in s for f in forms.values())), 0)
        for k, f in entry.forms:
            if not f.strip():
                errors.append(error("site.yaml", line, f"glossary entry {shown}: empty form for {k}"))
            prev = seen.get(f)
            if prev is not None and prev != shown:
                errors.append(error("site.yaml", line, f"glossary term '{f}' is pinned twice ({prev} and {shown})"))
            seen.setdefault(f, shown)
        if not any(f and f in text for f in forms.values()):
            errors.append(error("site.yaml", line, f"glossary entry {shown} does not occur in any page"))
    return errors











# --- entry point -------------------------------------------------------------------------------

def _color(text: str, code: str, stream: object) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if getattr(stream, "isatty", lambda: False)() else text


def run_checks(site_dir: Path, drafts: bool = False) -> tuple[SiteConfig | None, Site | None, list[BuildError],
                                                            int]:
    """Every problem found, without writing anything; also the number of files rendered."""
    from .pipeline.build import build_date
    from .render import render_site
    try:
        config = load_config(site_dir)
    except BuildFailed as exc:
        return None, None, list(exc.errors), 0
    try:
        docs, resources = load(config)
    except BuildFailed as exc:
        return config, None, list(exc.errors), 0
    try:
        site = derive(docs, resources, config, drafts=drafts)
    except BuildFailed as exc:
        return config, None, list(exc.errors), 0
    errors: list[BuildError] = []
    rendered = 0
    try:
        for _out in render_site(site, config, build_date(config, site.articles[0].date if site.articles else None)):
            rendered += 1
    except BuildFailed as exc:
        errors.extend(exc.errors)
    errors.extend(check_links(site, docs, config))
    errors.extend(check_glossary(config, docs))
    return config, site, sorted(set(errors)), rendered


def _report_json(config: SiteConfig | None, site: Site | None, errors: list[BuildError], rendered: int) -> int:
    """`--format json`: one object, for editors and CI; the exit code as in text."""
    import json
    pages = 0 if site is None else len(site.articles) + len(site.topics) + len(site.collections) + len(site.sections)
    print(json.dumps({
        "ok": not errors,
        "problems": [{"path": e.where.path, "line": e.where.line, "column": e.where.col or None,
                      "message": e.message} for e in errors],
        "pages": pages, "editions": [e.code for e in config.editions] if config is not None else [],
        "rendered": rendered}, ensure_ascii=False, indent=1))
    return 1 if errors else 0


def check(site_dir: Path, drafts: bool = False, conversions: bool = False, script: bool = False,
          every: bool = False, as_json: bool = False, quiet: bool = False) -> int:
    config, site, errors, rendered = run_checks(site_dir, drafts)
    if as_json:
        return _report_json(config, site, errors, rendered)
    for e in errors:
        print(_color(str(e.where), "1", sys.stdout) + ": " + e.message)
    if script and site is not None and config is not None:
        from .text.purity import report, tally
        for line in report(tally(site, config)):
            print(line)
    if conversions and not every and site is not None and config is not None:
        from .text.choices import grouped, summary
        choices = grouped(site, config)
        for c in choices:
            print(c)
        print(summary(choices))
    elif conversions and site is not None and config is not None:
        found = all_conversions(site, config)
        for f in found:
            print(f)
        chars = sum(f.kind == "char" for f in found)
        vocab = len(found) - chars
        pages = len({f.path for f in found})
        print(f"tongwen check --conversions: {chars} ambiguous character{'s' if chars != 1 else ''}, {vocab} "
              f"vocabulary substitution{'s' if vocab != 1 else ''} in {pages} page{'s' if pages != 1 else ''}; "
              "pin a form with the glossary (site.yaml or front matter) to settle it")
    if errors:
        n = len(errors)
        print(_color(f"tongwen check: {n} problem{'s' if n != 1 else ''}", "31", sys.stdout), file=sys.stdout)
        return 1
    assert site is not None and config is not None
    if quiet:
        return 0
    pages = len(site.articles) + len(site.topics) + len(site.collections) + len(site.sections)
    print(_color("tongwen check: OK", "32", sys.stdout) + f" — {pages} pages × {len(config.editions)} editions, "
          f"{rendered} files rendered in memory, links, anchors, images and glossary checked; nothing written")
    return 0
