"""Stage 2, derive: documents + config → `Site`. URLs, drafts, translations, taxonomies, topics,
prev/next, and the URL-collision check (every collision reported, naming every source)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Sequence

from ..config import SiteConfig
from ..errors import BuildError, BuildFailed, error
from ..model.documents import Document, Term
from ..model.site import Collection, Entry, Site, Topic
from ..text.opencc import ScriptFold
from .load import Resource
from .paths import BACKLINKS_PAGE, GRAPH_PAGE, UnsafePath, clean_url, output_file, slugify
from .schedule import published

TAXONOMIES = ("tags", "categories")


def _entry_path(doc: Document, errors: list[BuildError]) -> str:
    meta = doc.meta
    if meta.url:
        try:
            return clean_url(meta.url)
        except UnsafePath as exc:
            errors.append(error(doc.source, meta.line_of("url"), f"url: {exc}"))
            # fall through to the file's own path, so one bad url is reported once
    slug = doc.stem
    if meta.slug:
        slug = slugify(meta.slug)
        if not slug:
            errors.append(error(doc.source, meta.line_of("slug"), f"slug '{meta.slug}' has no usable characters"))
            slug = doc.stem
    if doc.kind in ("section", "collection"):
        return doc.section + "/" if doc.section else ""
    slug = slugify(slug) or slugify(doc.stem) or "page"
    return (doc.section + "/" if doc.section else "") + slug + "/"


def group_translations(docs: Sequence[Document], config: SiteConfig) -> list[list[Document]]:
    """Group `a.md` with `a.zh-tw.md`; the first of each group is the canonical source."""
    groups: dict[tuple[str, str, str], list[Document]] = defaultdict(list)
    for d in docs:
        groups[(d.kind, d.section, d.stem)].append(d)
    default = config.default_language.lower()
    out = []
    for key in sorted(groups):
        members = groups[key]
        if len(members) > 1:
            # canonical: the file without a language suffix, else the default language, else by name
            members.sort(key=lambda d: (d.source.rsplit("/", 1)[-1].count(".") > 1,
                                        d.lang.lower() != default, d.source))
        out.append(members)
    return out


def make_entry(members: list[Document], config: SiteConfig, errors: list[BuildError]) -> Entry:
    canonical = members[0]
    chosen = []
    for e in config.editions:
        human = next((d for d in members[1:] if d.lang.lower() == e.key), None)
        if human is None and canonical.lang.lower() != e.key:
            human = next((d for d in members[1:] if d.lang.lower().split("-")[0] == "zh" and
                          _same_script(d.lang, e.script)), None)
        chosen.append((e.key, human or canonical))
    return Entry(source=canonical.source, kind=canonical.kind, path=_entry_path(canonical, errors),
                 docs=tuple(chosen), canonical=canonical)


def _unshown(made: Sequence[tuple[Entry, list[Document]]]) -> tuple[tuple[str, str], ...]:
    """The documents of a published page that no edition shows (an English `content/en/posts/a.md`
    beside `content/zh-cn/posts/a.md`: the editions are scripts of Chinese, not languages), each
    with the document shown in its place."""
    out = []
    for e, members in made:
        shown = {d.source for _k, d in e.docs}
        out += [(d.source, e.docs[0][1].source) for d in members if d.source not in shown]
    return tuple(out)


def _same_script(lang: str, script: str) -> bool:
    from ..text.opencc import source_script
    s = source_script(lang)
    return bool(s) and s.startswith(script)


def derive(docs: Sequence[Document], resources: Sequence[Resource], config: SiteConfig,
           drafts: bool = False, future: bool = False, now: dt.datetime | None = None) -> Site:
    """`now`: the clock of the publication window (schedule.py); None publishes every date."""
    errors: list[BuildError] = []
    made = [(make_entry(m, config, errors), m) for m in group_translations(docs, config)]
    made = [(e, m) for e, m in made if (drafts or not e.canonical.meta.draft)
            and (now is None or published(e.canonical.meta, now, future))]
    entries = [e for e, _m in made]
    articles = sorted((e for e in entries if e.kind == "article"),
                      key=lambda e: (-e.sort_time.timestamp(), e.source))
    sections = sorted((e for e in entries if e.kind == "section"), key=lambda e: e.path)
    fold = ScriptFold()  # (this derive's: term and alias keys)
    terms = tuple((tax, _terms(tax, articles, errors, fold)) for tax in TAXONOMIES)
    collections, topics = _topics(entries, errors, fold)
    redirects = _redirects(entries, errors)
    site = Site(config=config, articles=tuple(articles), sections=tuple(sections),
                collections=collections, topics=topics, terms=terms, redirects=redirects,
                resources=_resources(resources, entries), index={e.source: e for e in entries},
                weighted=any(a.canonical.meta.weight for a in articles), unshown=_unshown(made))
    for e in entries:
        for _k, d in e.docs:
            site.index.setdefault(d.source, e)
    errors.extend(check_collisions(site, config))
    if errors:
        raise BuildFailed(errors)
    return site


def _terms(taxonomy: str, articles: Sequence[Entry], errors: list[BuildError],
           fold: ScriptFold) -> tuple[Term, ...]:
    names: dict[str, str] = {}
    members: dict[str, list[str]] = defaultdict(list)
    first_source: dict[str, str] = {}
    for entry in sorted(articles, key=lambda e: e.source):
        for name in getattr(entry.canonical.meta, taxonomy):
            key = fold.key(name)
            if not key:
                continue
            names.setdefault(key, name)
            first_source.setdefault(key, entry.source)
    order = {e.source: i for i, e in enumerate(articles)}
    seen: set[tuple[str, str]] = set()
    for entry in articles:
        for name in getattr(entry.canonical.meta, taxonomy):
            key = fold.key(name)
            if key and (key, entry.source) not in seen:
                seen.add((key, entry.source))
                members[key].append(entry.source)
    out = []
    slugs: dict[str, str] = {}
    for key in sorted(names):
        slug = slugify(key) or "term-" + hashlib.blake2s(key.encode(), digest_size=4).hexdigest()
        if slug in slugs:
            src = first_source[key]
            line = site_line(src, articles, taxonomy)
            errors.append(error(src, line, f"{taxonomy} '{names[key]}' and '{names[slugs[slug]]}' both "
                                f"become the page {taxonomy}/{slug}/; rename one"))
            continue
        slugs[slug] = key
        out.append(Term(taxonomy, key, slug, names[key], tuple(sorted(members[key], key=order.__getitem__))))
    return tuple(out)


def site_line(source: str, articles: Sequence[Entry], key: str) -> int:
    for e in articles:
        if e.source == source:
            return e.canonical.meta.line_of(key)
    return 1


def _topics(entries: Sequence[Entry], errors: list[BuildError],
            fold: ScriptFold) -> tuple[tuple[Collection, ...], tuple[Topic, ...]]:
    colls = {e.canonical.section.split("/", 1)[1]: e for e in entries if e.kind == "collection"}
    by_coll: dict[str, list[Topic]] = defaultdict(list)
    seen_alias: dict[str, tuple[str, int]] = {}
    all_topics = []
    for e in sorted((e for e in entries if e.kind == "topic"), key=lambda e: e.source):
        meta = e.canonical.meta
        name = e.canonical.section.split("/", 1)[1]
        if name not in colls:
            errors.append(error(e.source, 1, f"topic's collection '{name}' has no _index.md "
                                f"(create content/topics/{name}/_index.md)"))
            continue
        if not meta.aliases:
            errors.append(error(e.source, meta.line_of("aliases", 1), "topic has no aliases: list the words "
                                "that mention it, e.g. aliases: [出海, 跨境]"))
            continue
        for alias in meta.aliases:
            key = fold.key(alias)
            if key in seen_alias and seen_alias[key][0] != e.source:
                other, line = seen_alias[key]
                errors.append(error(e.source, meta.line_of("aliases"), f"alias '{alias}' is also an alias "
                                    f"of {other}:{line}"))
            seen_alias.setdefault(key, (e.source, meta.line_of("aliases")))
        coll_meta = colls[name].canonical.meta
        if coll_meta.groups and meta.group and meta.group not in coll_meta.groups:
            errors.append(error(e.source, meta.line_of("group"), f"group '{meta.group}' is not one of the "
                                f"collection's groups: {', '.join(coll_meta.groups)}"))
        t = Topic(e, name, meta.group, meta.weight, meta.aliases)
        by_coll[name].append(t)
        all_topics.append(t)
    collections = []
    for name in sorted(colls):
        e = colls[name]
        groups = e.canonical.meta.groups or tuple(dict.fromkeys(t.group for t in by_coll[name] if t.group))
        order = {g: i for i, g in enumerate(groups)}
        topics = sorted(by_coll[name], key=lambda t: (order.get(t.group, len(order)), t.weight, t.entry.path))
        collections.append(Collection(e, name, tuple(groups), tuple(topics)))
    return tuple(collections), tuple(all_topics)


def _redirects(entries: Sequence[Entry], errors: list[BuildError]) -> tuple[tuple[str, str], ...]:
    out = []
    for e in entries:
        if e.kind == "topic":
            continue  # a topic's aliases are the words that mention it, not old URLs
        meta = e.canonical.meta
        for alias in meta.aliases:
            try:
                out.append((clean_url(alias), e.path))
            except UnsafePath as exc:
                errors.append(error(e.source, meta.line_of("aliases"), f"aliases: {exc}"))
    return tuple(sorted(out))


def _resources(resources: Sequence[Resource], entries: Sequence[Entry]) -> tuple[tuple[str, str], ...]:
    """Bundle files go beside their page; other files keep their place under content/."""
    bundles = {}
    for e in entries:
        src = e.canonical.source
        if src.endswith(("/index.md", "/index.markdown")) or "/index." in src.rsplit("/", 1)[-1]:
            bundles[src.rsplit("/", 1)[0].removeprefix("content/")] = e.path
    out = []
    for r in resources:
        folder, _, name = r.rel.rpartition("/")
        dest = (bundles[folder] + name) if folder in bundles else r.rel
        out.append((dest, r.path.as_posix()))
    return tuple(sorted(out))


RESERVED = ("tags/", "categories/", "page/", "search/", "tongwen/", "resized/")
RESERVED_FILES = ("index.xml", "sitemap.xml", "robots.txt", "404.html", ".tongwen-manifest")


def _path_line(e: Entry) -> int:
    """The front-matter line that decides an entry's page path (url, else slug, else the top)."""
    meta = e.canonical.meta
    return meta.line_of("url") if meta.url else meta.line_of("slug") if meta.slug else 1


def check_collisions(site: Site, config: SiteConfig) -> list[BuildError]:
    """Every output path must come from one source; report each collision once per source, naming
    every other source (aliases at their `aliases` line), and each path of a page the render makes
    below another page (`_generated_below`)."""
    # output file → [(source, line, label)]; a label names the claim in other sources' messages
    claims: dict[str, list[tuple[str, int, str]]] = defaultdict(list)
    pages = (*site.articles, *site.sections, *(c.entry for c in site.collections), *(t.entry for t in site.topics))
    for e in pages:
        claims[output_file(e.path)].append((e.source, _path_line(e), e.source))
        if e.kind == "topic":
            continue
        for alias in e.canonical.meta.aliases:
            try:
                path = clean_url(alias)
            except UnsafePath:
                continue  # reported by _redirects
            claims[output_file(path)].append((e.source, e.canonical.meta.line_of("aliases"),
                                              f"{e.source} (alias '{alias}')"))
    prefixes = {ed.prefix + "/" for ed in config.editions if ed.prefix}
    made = _generated_below(site, config)
    errors = []
    for out, owners in sorted(claims.items()):
        path = out.removesuffix("index.html")
        shown = "/" + path if path else "/"
        if out in made:
            for src, line, _label in owners:
                errors.append(error(src, line, f"page path '{shown}' is {made[out]}; change its url or slug"))
        if len(owners) > 1:
            for i, (src, line, _label) in enumerate(owners):
                others = ", ".join(label for j, (_s, _ln, label) in enumerate(owners) if j != i)
                errors.append(error(src, line, f"page path '{shown}' is also produced by {others}"))
        first = path.split("/", 1)[0] + "/"
        if first in prefixes or (path.startswith(RESERVED) and path not in ("tags/", "categories/")) \
                or out in RESERVED_FILES:
            for src, line, _label in owners:
                errors.append(error(src, line, f"page path '{shown}' is reserved for generated pages"))
        elif path in ("tags/", "categories/"):
            for src, line, _label in owners:
                errors.append(error(src, line, f"page path '{shown}' is the generated {path[:-1]} index"))
        if path == "":
            for src, line, _label in owners:
                if not src.endswith("content/_index.md"):
                    errors.append(error(src, line, "page path '/' is the home page"))
    return errors


def _generated_below(site: Site, config: SiteConfig) -> dict[str, str]:
    """The pages the render makes below other pages' paths, output file → what it is: each
    collection's graph page (knowledge.graph, unless every edition's front matter turns it off)
    and each article's and topic's backlinks page (knowledge.backlinks, unless its front matter
    turns it off: the page exists only while enough links point there, so its path is kept free
    whether or not it exists now)."""
    made: dict[str, str] = {}
    if config.knowledge.graph:
        for c in site.collections:
            if any(d.meta.switched_on("graph") for _k, d in c.entry.docs):
                made[output_file(c.entry.path + GRAPH_PAGE)] = f"the graph page of {c.entry.source}"
    if config.knowledge.backlinks:
        for e in (*site.articles, *(t.entry for t in site.topics)):
            if e.canonical.meta.switched_on("backlinks"):
                made[output_file(e.path + BACKLINKS_PAGE)] = f"the backlinks page of {e.source}"
    return made
