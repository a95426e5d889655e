"""The benchmark corpus generator (bench/gen_corpus.py): deterministic, seed-shaped, 5-8 KiB
bodies, topics whose aliases really occur in the articles.  Runs in about a second."""

import importlib.util
import pathlib

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
SEED_KEYS = ["title", "date", "summary", "categories", "lang", "translations", "tags", "menu",
             "thumbnail", "lead", "comments", "authorbox", "pager", "toc", "mathjax", "sidebar",
             "widgets"]


def _load_gen():
    spec = importlib.util.spec_from_file_location("bench_gen_corpus", ROOT / "bench" / "gen_corpus.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


gen = _load_gen()


def _files(site):
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def _split(text):
    assert text.startswith("---\n")
    end = text.index("\n---\n", 4)
    return text[4:end], text[end + 5:]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    base = tmp_path_factory.mktemp("corpus")
    d1 = gen.generate(str(base / "a"), 30, 1, quiet=True)
    d2 = gen.generate(str(base / "b"), 30, 1, quiet=True)
    return base, d1, d2


def test_same_args_same_bytes(site):
    base, d1, d2 = site
    assert d1 == d2
    assert _files(base / "a") == _files(base / "b")
    assert gen.site_digest(str(base / "a")) == d1


def test_other_seed_differs(tmp_path):
    assert gen.generate(str(tmp_path / "c"), 30, 2, quiet=True) != gen.generate(
        str(tmp_path / "d"), 30, 1, quiet=True)


def test_site_layout(site):
    base, _, _ = site
    files = _files(base / "a")
    assert files["site.yaml"] == b"title: \xe5\x90\x8c\xe6\x96\x87\xe5\x9f\xba\xe5\x87\x86\xe7\xab\x99\n" \
        b"base_url: https://bench.example.org/\n"
    assert yaml.safe_load(files["site.yaml"]) == {"title": "同文基准站", "base_url": "https://bench.example.org/"}
    assert sum(k.startswith("content/posts/") for k in files) == 30
    assert sum(k.startswith("content/topics/") and not k.endswith("_index.md") for k in files) == 200


def test_articles_front_matter_and_bodies(site):
    base, _, _ = site
    titles = set()
    for p in sorted((base / "a" / "content" / "posts").glob("*.md")):
        fm_text, body = _split(p.read_text("utf-8"))
        fm = yaml.safe_load(fm_text)
        assert list(fm) == SEED_KEYS, p.name
        assert fm["lang"] == ["zh-CN"] and fm["menu"] == "" and fm["sidebar"] == "right"
        assert fm["widgets"] == ["search", "recent", "taglist"]
        assert isinstance(fm["date"], str) and len(fm["date"]) == 19
        assert 1 <= len(fm["tags"]) <= 4 and len(fm["categories"]) == 1
        assert fm["title"] not in titles
        titles.add(fm["title"])
        assert 5 * 1024 <= len(body.encode("utf-8")) <= 8 * 1024, p.name
        for marker in ("\n## ", "**", "](http", "![", "\n- ", "\n> "):
            assert marker in body, (p.name, marker)


def test_topics_parse_and_aliases_occur(site):
    base, _, _ = site
    bodies = [_split(p.read_text("utf-8"))[1] for p in (base / "a" / "content" / "posts").glob("*.md")]
    owner = {}
    topics = base / "a" / "content" / "topics"
    for coll in sorted(topics.iterdir()):
        index = yaml.safe_load(_split((coll / "_index.md").read_text("utf-8"))[0])
        assert list(index) == ["title", "groups"] and index["groups"]
        for p in sorted(coll.glob("topic-*.md")):
            fm = yaml.safe_load(_split(p.read_text("utf-8"))[0])
            assert list(fm) == ["title", "aliases", "group", "weight"]
            assert fm["group"] in index["groups"] and isinstance(fm["weight"], int)
            for a in fm["aliases"]:
                assert a not in owner, f"alias {a} shared by {owner.get(a)} and {p}"
                owner[a] = p
            assert any(a in b for a in fm["aliases"] for b in bodies), f"{p}: no alias occurs"
    assert len(owner) >= 200


def test_langs_make_a_content_folder_per_language_that_tongwen_builds(tmp_path):
    """--langs en,zh-CN,zh-HK: Hugo's content tree, one folder per language, articles in turn; the
    zh-HK ones in Hong Kong Traditional, the English ones in English; the same bytes again; and
    Tongwen builds the tree: every article, from every folder, in both editions."""
    import subprocess
    import sys

    langs = ("en", "zh-CN", "zh-HK")
    d1 = gen.generate(str(tmp_path / "a"), 6, 1, topics=3, quiet=True, langs=langs)
    assert d1 == gen.generate(str(tmp_path / "b"), 6, 1, topics=3, quiet=True, langs=langs)
    assert d1 != gen.generate(str(tmp_path / "c"), 6, 1, topics=3, quiet=True)  # the single folder stays
    site = tmp_path / "a"
    files = _files(site)
    by_lang = {lang: sorted(p for p in files if p.startswith(f"content/{lang}/posts/")) for lang in langs}
    assert [len(v) for v in by_lang.values()] == [2, 2, 2]
    assert any(p.startswith("content/zh-CN/topics/") for p in files)
    for lang, paths in by_lang.items():
        for p in paths:
            fm, body = _split(files[p].decode("utf-8"))
            meta = yaml.safe_load(fm)
            assert list(meta) == SEED_KEYS and meta["lang"] == [lang]
            assert 5 * 1024 <= len(body.encode("utf-8")) <= 8 * 1024 + 512
            cjk = sum("\u4e00" <= c <= "\u9fff" for c in body)
            assert (cjk == 0) if lang == "en" else (cjk > 500)
    hk = "".join(files[p].decode("utf-8") for p in by_lang["zh-HK"])
    assert "與" in hk or "們" in hk or "發" in hk  # converted (s2hk): traditional forms
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    r = subprocess.run([sys.executable, "-m", "builder", "build", "-q", str(site)], env=env, cwd=ROOT,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    for paths in by_lang.values():
        for p in paths:
            slug = p.rsplit("/", 1)[1][:-3]
            assert (site / "public" / "posts" / slug / "index.html").is_file()
            assert (site / "public" / "zh-tw" / "posts" / slug / "index.html").is_file()
