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
