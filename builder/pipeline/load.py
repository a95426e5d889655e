"""Stage 1, load: files under `content/` → `Document`s. Reads, splits front matter, validates and
parses Markdown once; collects every error with `path:line` instead of stopping at the first."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import SiteConfig
from ..errors import BuildError, BuildFailed, error
from ..incremental.store import Store, digest
from .frontmatter import read

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

    from ..incremental.fingerprint import FileDigests
from ..model.documents import Document

MARKDOWN_EXT = (".md", ".markdown")
_LANG_RE = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{2,8})*$", re.IGNORECASE)
KNOWN_LANGS = {"zh", "zh-cn", "zh-tw", "zh-hk", "zh-mo", "zh-sg", "zh-hans", "zh-hant", "en", "ja", "ko",
               "fr", "de", "es", "en-us", "en-gb"}
MAX_FILE_BYTES = 20 * 1024 * 1024  # larger files are refused rather than risk a stall


@dataclass(frozen=True)
class SourceFile:
    file: str  # absolute
    rel: str  # relative to the site folder, posix

    @cached_property
    def path(self) -> Path:
        # made when asked: an edit of a 10,000-article site only stats most files (by `file`)
        return Path(self.file)


@dataclass(frozen=True)
class Resource:
    """A non-Markdown file under content/ (a bundle image, say), copied beside its page."""

    path: Path
    rel: str  # relative to content/, posix


def _is_lang(tag: str, config: SiteConfig) -> bool:
    t = tag.lower()
    return bool(_LANG_RE.match(t)) and (t in KNOWN_LANGS or config.edition(t) is not None)


def walk(config: SiteConfig) -> tuple[list[SourceFile], list[Resource], list[BuildError]]:
    """Every file under content/, sorted; symlinks that leave the site folder are not followed."""
    root = config.root.resolve()
    content = root / "content"
    w = _Walk(root, len(str(root)) + 1, len(str(content)) + 1, {content.resolve()})
    if content.is_dir():
        w.visit(str(content))
    return w.sources, w.resources, w.errors


@dataclass
class _Walk:
    """One walk of content/: strings and scandir, not Path (a 10,000-article site is walked on
    every build)."""

    root: Path
    skip: int  # characters of "SITE/" in a full path
    skip_content: int  # characters of "SITE/content/"
    seen: set[Path]  # real folders walked, so a symlink loop is walked once
    sources: list[SourceFile] = field(default_factory=list)
    resources: list[Resource] = field(default_factory=list)
    errors: list[BuildError] = field(default_factory=list)

    def visit(self, folder: str) -> None:
        try:
            with os.scandir(folder) as it:
                items = sorted(it, key=lambda d: d.name)
        except OSError:
            return
        subdirs = []
        for d in items:
            try:
                is_dir = d.is_dir()  # follows symlinks, like os.walk(followlinks=True)
            except OSError:
                is_dir = False
            if is_dir:
                if not d.name.startswith(".") and self._folder_ok(d):
                    subdirs.append(d.path)
            else:
                self._file(d)
        for sub in subdirs:
            self.visit(sub)

    def _folder_ok(self, d: os.DirEntry[str]) -> bool:
        full = d.path
        if d.is_symlink() and not _inside(Path(full), self.root):
            self.errors.append(error(full[self.skip:], 1, "symlink leaves the site folder; not followed"))
            return False
        try:
            real = Path(full).resolve(strict=True)
        except (OSError, RuntimeError):
            self.errors.append(error(full[self.skip:], 1, "broken or looping symlink; not followed"))
            return False
        if real in self.seen:
            if d.is_symlink():
                self.errors.append(error(full[self.skip:], 1,
                                         "symlink points to a folder already under content/; not followed"))
            return False
        self.seen.add(real)
        return True

    def _file(self, d: os.DirEntry[str]) -> None:
        name, full = d.name, d.path
        if name.startswith(".") or name.endswith("~"):
            return
        if d.is_symlink() and not _inside(Path(full), self.root):
            self.errors.append(error(full[self.skip:], 1, "symlink leaves the site folder; not followed"))
            return
        if not d.is_symlink() and not d.is_file(follow_symlinks=False):
            return
        if name.lower().endswith(MARKDOWN_EXT):
            self.sources.append(SourceFile(full, full[self.skip:]))
        else:
            self.resources.append(Resource(Path(full), full[self.skip_content:]))


def _inside(path: Path, root: Path) -> bool:
    try:
        path.resolve().relative_to(root)
        return True
    except (ValueError, OSError):
        return False


def classify(rel: str, config: SiteConfig) -> tuple[str, str, str, str]:
    """From a path like `content/zh-TW/posts/a.zh-tw.md`: (kind, section, stem, lang-from-path)."""
    parts = rel.split("/")[1:]  # drop "content"
    lang = ""
    if len(parts) > 1 and _is_lang(parts[0], config):  # Hugo's per-language content folders
        lang = parts[0]
        parts = parts[1:]
    name = parts[-1]
    folders = parts[:-1]
    base = name.rsplit(".", 1)[0]
    pieces = base.split(".")
    if len(pieces) > 1 and _is_lang(pieces[-1], config):
        lang = pieces[-1]
        base = ".".join(pieces[:-1])
    section = "/".join(folders)
    if base == "_index":
        kind = "collection" if len(folders) == 2 and folders[0] == "topics" else "section"
        return kind, section, folders[-1] if folders else "", lang
    if base == "index" and folders:  # a page bundle: the folder is the page
        base = folders[-1]
        section = "/".join(folders[:-1])
    kind = "topic" if len(folders) == 2 and folders[0] == "topics" else "article"
    return kind, section, base, lang


def load_file(src: SourceFile, config: SiteConfig, parse_markdown: bool = True,
              store: Store | None = None, digests: FileDigests | None = None, parser: MarkdownIt | None = None
              ) -> tuple[Document | None, list[BuildError]]:
    """One source → a Document. With `parse_markdown=False` the Markdown is kept as text (`body`) and
    parsed later, where it is rendered (`memo.TextMemo.tokens_of`): a parallel build parses in the workers.
    With a `store` (cache.py), an unparsed Document is reused when the file's bytes, its path, the
    site config and the builder are all unchanged: those are everything `_from_bytes` reads.
    `parser`: the caller's (`new_parser`), when it loads many files with `parse_markdown`."""
    rel = src.rel
    key = None
    file_digest = None
    if store is not None and digests is not None and not parse_markdown:
        try:  # the file's digest stands for its bytes: an unchanged file is not even read
            file_digest = digests.of(src.file)
            key = doc_key(rel, config, file_digest)
        except OSError:
            key = None
        if key is not None:
            doc = store.get(key, Document)
            if doc is not None and doc.source == rel:
                return doc, []
    try:
        if src.path.stat().st_size > MAX_FILE_BYTES:
            return None, [error(rel, 1, f"file is larger than {MAX_FILE_BYTES // 2**20} MB; refusing to build it")]
        raw = src.path.read_bytes()
    except OSError as exc:
        return None, [error(rel, 1, f"cannot read: {exc.strerror}")]
    if store is None or parse_markdown:
        return _from_bytes(rel, raw, config, parse_markdown, parser)
    if digests is not None and file_digest is not None and digests.hash(raw) != file_digest:
        key = None  # changed since it was hashed: file it under what was read
    if key is None:
        key = digest("document", rel, config.text, raw)
        doc = store.get(key, Document)
        if doc is not None and doc.source == rel:
            return doc, []
    doc, errors = _from_bytes(rel, raw, config, parse_markdown)
    if doc is not None and not errors:
        store.put(key, doc, compress=False)
    return doc, errors


def doc_key(rel: str, config: SiteConfig, file_digest: bytes) -> bytes:
    """A loaded document's cache key: its path, the config and the file's digest (all it is made of)."""
    return digest("document", rel, config.text, file_digest)


def _from_bytes(rel: str, raw: bytes, config: SiteConfig, parse_markdown: bool,
                parser: MarkdownIt | None = None) -> tuple[Document | None, list[BuildError]]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [error(rel, line, f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8")]
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "\ufffd")
    meta, body, body_line, errors = read(text, rel, config)
    if errors:
        return None, errors
    kind, section, stem, path_lang = classify(rel, config)
    kind, section = sys.intern(kind), sys.intern(section)  # (one object each across the site's documents)
    lang = path_lang if path_lang and rel.rsplit("/", 1)[-1].count(".") > 1 else (
        meta.lang or path_lang or config.default_language)
    from ..text.markdown import new_parser, split_more  # here: `walk`, all a skipped build needs, has no use for it

    summary_src, body = split_more(body)
    if not parse_markdown:
        return Document(source=rel, kind=kind, lang=_canonical_lang(lang), meta=meta, tokens=(),
                        body_line=body_line, summary_tokens=None, stem=stem, section=section,
                        body=body, summary_src=summary_src), []
    md = new_parser(config.unsafe_html, math=True) if meta.mathjax else parser or new_parser(config.unsafe_html)
    tokens = md.parse(body, {})
    summary_tokens = tuple(md.parse(summary_src, {})) if summary_src is not None else None
    return Document(source=rel, kind=kind, lang=_canonical_lang(lang), meta=meta, tokens=tuple(tokens),
                    body_line=body_line, summary_tokens=summary_tokens, stem=stem, section=section), []


def _canonical_lang(tag: str) -> str:
    parts = tag.split("-")
    return sys.intern("-".join([parts[0].lower()] + [p.upper() if len(p) == 2 else p.title() for p in parts[1:]]))


def load(config: SiteConfig, parse_markdown: bool = True, store: Store | None = None,
         digests: FileDigests | None = None,
         walked: tuple[list[SourceFile], list[Resource], list[BuildError]] | None = None
         ) -> tuple[list[Document], list[Resource]]:
    """`walked`: `walk(config)` as the caller already did it (the build walks content/ once)."""
    sources, resources, errors = walked if walked is not None else walk(config)
    errors = list(errors)
    docs: list[Document] = []
    if store is not None and digests is not None and not parse_markdown:
        # one query for the documents' rows, not one per file (load_file then finds them in memory)
        keys = []
        for src in sources:
            try:
                keys.append(doc_key(src.rel, config, digests.of(src.file)))
            except OSError:
                continue
        store.prefetch(keys)
    for doc, errs in map_sources(sources, config, parse_markdown, store, digests):
        errors.extend(errs)
        if doc is not None:
            docs.append(doc)
    if errors:
        raise BuildFailed(errors)
    return docs, resources


def map_sources(sources: list[SourceFile], config: SiteConfig, parse_markdown: bool = True,
                store: Store | None = None, digests: FileDigests | None = None
                ) -> Iterator[tuple[Document | None, list[BuildError]]]:
    from ..text.markdown import new_parser

    parser = new_parser(config.unsafe_html) if parse_markdown else None  # (this load's)
    for src in sources:
        yield load_file(src, config, parse_markdown, store, digests, parser)
