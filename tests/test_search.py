"""The search index (builder/search/): tokens, folding, files, determinism and download budgets."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository: builder, tests
from bench.search_cost import Index, payload, report  # noqa: E402
from builder.search import (  # noqa: E402
    build_search,
    decode_postings,
    encode_postings,
    fold,
    query_groups,
    tokenize,
)
from tests.search_harness import EDITIONS, fold_table, make_doc, synthetic_docs  # noqa: E402

KB = 1000


# ---- reading the index back, the way search.js does: bench/search_cost.py ------------------------

def index_of(outputs) -> Index:  # type: ignore[no-untyped-def]
    return Index({o.path: o.data for o in outputs}, fold_table())


# ---- tokens -------------------------------------------------------------------------------------------


def test_cjk_unigrams_and_bigrams_without_spaces() -> None:
    assert tokenize("产业带", fold_table()) == sorted(["产", "业", "带", "产业", "业带"])
    # runs are cut by punctuation and Latin: no bigram across them
    toks = tokenize("电商，平台", fold_table())
    assert "商平" not in toks and "商，" not in toks and {"电商", "平台"} <= set(toks)


def test_latin_lower_cased_and_digits_kept() -> None:
    toks = set(tokenize("1688启动AI计划, iPhone15 和 SaaS", fold_table()))
    assert {"1688", "ai", "iphone15", "iphone", "15", "saas"} <= toks
    assert "AI" not in toks
    assert {"168*", "iph*", "iphone*"} <= toks  # prefixes for results while typing
    assert set(tokenize("１６８８ＡＩ", fold_table())) >= {"1688", "ai"}  # full-width folds to ASCII


def test_both_scripts_fold_to_the_same_tokens() -> None:
    assert tokenize("產業帶強勢", fold_table()) == tokenize("产业带强势", fold_table())
    # a phrase (s2twp: 复苏 → 復甦): found via both editions
    assert tokenize("復甦", fold_table()) != tokenize("复苏", fold_table())
    assert fold("臺灣", fold_table()) == fold("台湾", fold_table())
    assert fold("軟體") == "软体"  # character fold only; the phrase 软件 comes from the other edition


def test_query_groups() -> None:
    assert query_groups("产业带", fold_table()) == [["产业"], ["业带"]]
    assert query_groups("產", fold_table()) == [["产"]]
    assert query_groups("1688", fold_table()) == [["1688", "1688*"]]  # the last word may still grow
    assert query_groups("168", fold_table()) == [["168", "168*"]]
    assert query_groups("1688 电商", fold_table()) == [["1688"], ["电商"]]
    assert query_groups("ai", fold_table()) == [["ai"]]


def test_postings_round_trip() -> None:
    rnd = random.Random(3)
    ids = sorted(rnd.sample(range(100_000), 500))
    xs = [i * 32 + rnd.randrange(32) for i in ids]
    assert decode_postings(encode_postings(xs)) == [(x >> 5, x & 31) for x in xs]
    # consecutive documents cost two letters each
    assert len(encode_postings([i * 32 + 4 for i in range(100)])) == 200


# ---- the index ----------------------------------------------------------------------------------------

SMALL = [
    make_doc("1688找到生意增长新路径", "1688启动“产业带强势复苏”招商活动，发布了五大举措。", "2025-02-11",
             slug="growth", tags=("电商",), summary="电商行业持续内卷"),
    make_doc("企业采购指南", "很多中小企业在采购软件时只看价格。本文讨论信息安全与网络。", "2024-06-01",
             slug="software"),
    make_doc("旧闻", "平台的数字化。", "2020-01-01", slug="old"),
    make_doc("五大举措", "专题：聚焦生意增长。", "", slug="topic", kind="topic"),
]


def test_files_layout_and_callbacks() -> None:
    outs = build_search(SMALL, EDITIONS, fold_table())
    paths = [o.path for o in outs]
    assert paths == sorted(paths) and len(set(paths)) == len(paths)
    assert "search/manifest.js" in paths
    assert "search/meta/0.js" in paths and "zh-tw/search/meta/0.js" in paths
    shards = [p for p in paths if p.startswith("search/s/")]
    idx = index_of(outs)
    count = idx.manifest["shards"]
    assert len(shards) == count and count & (count - 1) == 0
    for o in outs:
        payload(o.data)  # every file is one callback with JSON arguments
        assert o.data.decode().isprintable() or "\n" in o.data.decode()
    _, c, rows = payload(idx.files["zh-tw/search/meta/0.js"])
    # newest first; the undated topic last; display text in the edition's script
    assert [r[1] for r in rows] == ["1688找到生意增長新路徑", "企業採購指南", "舊聞", "五大舉措"]
    assert rows[0][:4] == ["zh-tw/posts/growth/", "1688找到生意增長新路徑", "2025-02-11", "article"]


def test_deterministic() -> None:
    a = build_search(SMALL, EDITIONS, fold_table())
    b = build_search(list(reversed(SMALL)), EDITIONS)
    assert a == b
    docs = synthetic_docs(60, chars=(300, 600))
    shuffled = docs[:]
    random.Random(1).shuffle(shuffled)
    assert build_search(docs, EDITIONS, fold_table()) == build_search(shuffled, EDITIONS, fold_table())


@pytest.mark.parametrize("query", ["軟體", "软件", "軟件", "软体", "資訊", "信息", "網路", "网络"])
def test_phrase_level_folding(query: str) -> None:
    idx = index_of(build_search(SMALL, EDITIONS, fold_table()))
    for edition in ("zh-cn", "zh-tw"):
        hits, _ = idx.search(query, edition)
        assert [row[0] for _, row in hits] == (["posts/software/"] if edition == "zh-cn"
                                              else ["zh-tw/posts/software/"]), (query, edition)
    hits, _ = idx.search("軟體", "zh-cn")
    assert "软件" in hits[0][1][4]  # the zh-cn snippet text says 软件


def test_equivalents_for_highlighting() -> None:
    idx = index_of(build_search(SMALL, EDITIONS, fold_table()))
    _, shard = payload(idx.files[idx.shard_path("软体")])
    assert "软件" in shard["e"]["软体"]
    _, shard = payload(idx.files[idx.shard_path("软件")])
    assert "软体" in shard["e"]["软件"]


def test_ranking_title_first_then_recency() -> None:
    docs = [
        make_doc("别的", "数字化数字化数字化数字化", "2025-01-01", slug="body-new"),
        make_doc("别的", "数字化", "2024-01-01", slug="body-old"),
        make_doc("数字化", "无关", "2019-01-01", slug="title"),
        make_doc("别的", "数字化", "2023-01-01", slug="body-older"),
    ]
    hits, _ = index_of(build_search(docs, EDITIONS, fold_table())).search("数字化")
    assert [row[0] for _, row in hits] == ["posts/title/", "posts/body-new/", "posts/body-old/",
                                           "posts/body-older/"]


def test_digits_and_tags_and_topics() -> None:
    idx = index_of(build_search(SMALL, EDITIONS, fold_table()))
    assert [r[0] for _, r in idx.search("1688")[0]] == ["posts/growth/"]
    assert [r[0] for _, r in idx.search("168")[0]] == ["posts/growth/"]  # prefix while typing
    assert [r[0] for _, r in idx.search("電商")[0]] == ["posts/growth/"]  # tag and summary
    assert [r[3] for _, r in idx.search("举措")[0]] == ["topic", "article"]  # title match first
    assert idx.search("量子猫咪")[0] == []


# ---- size budgets -------------------------------------------------------------------------------------

N_BUDGET = 2000


@pytest.fixture(scope="module")
def big() -> Index:
    return index_of(build_search(synthetic_docs(N_BUDGET), EDITIONS, fold_table()))


def test_shard_and_chunk_bounds(big: Index) -> None:
    shards = [len(d) for p, d in big.files.items() if p.startswith("search/s/")]
    chunks = [len(d) for p, d in big.files.items() if "/meta/" in p]
    assert max(shards) < 3 * sum(shards) / len(shards)  # the hash spreads tokens evenly
    assert max(shards) <= 48 * KB
    assert max(chunks) <= 24 * KB


def test_download_budget(big: Index) -> None:
    """What a two-character query costs: search.js + manifest (before typing, ≤ 50 KB), then its
    shards and the metadata chunks of the first page of results (all together ≤ 300 KB)."""
    r = report(big)
    assert r["before_typing"] <= 50 * KB, r
    assert r["queries"] >= 80 and r["query_worst"] <= 300 * KB, r
    for q in big.common_bigrams()[:5]:
        assert big.search(q)[0]


# ---- the fast builder against the reference (the implementation before it) -------------------------


def _edge_docs() -> list:
    """Documents that reach every path of the second-edition comparison and of the tokeniser."""
    from builder.model import SearchDoc

    def doc(i: int, cn: str, tw: str, title: tuple[str, str] = ("标题", "標題"), date: str = "2024-01-01",
            summary: tuple[str, str] = ("", ""), tags: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())):
        url = f"posts/e{i}/"
        return SearchDoc(kind="article", date=date, url={"zh-cn": url, "zh-tw": "zh-tw/" + url},
                         title={"zh-cn": title[0], "zh-tw": title[1]},
                         summary={"zh-cn": summary[0], "zh-tw": summary[1]},
                         tags={"zh-cn": tags[0], "zh-tw": tags[1]}, text={"zh-cn": cn, "zh-tw": tw})

    return [
        doc(0, "", ""),
        doc(1, "软件产业带", "軟體產業帶"),  # equal length, a phrase differs: equivalents
        doc(2, "内存很大。软件好。", "記憶體很大。軟體好。"),  # unequal sentence, then an equal-length one
        doc(3, "一。二。三", "一。二"),  # sentence counts differ: the edition is tokenised whole
        doc(4, "软件abc产业", "軟體xyz產業"),  # differences outside CJK text (windows of ±40)
        doc(5, "AI 1688 h20 GMV２０２４ Ｈｅｌｌｏ world", "AI 1688 h20 GMV2024 hello world"),
        doc(6, "𠀀𠀁软件𠀂", "𠀀𠀁軟體𠀂"),  # supplementary-plane CJK
        doc(7, "同样的文本", "同樣的文本", title=("数据库 SaaS", "資料庫 SaaS"),
            summary=("信息网络", "資訊網路"), tags=(("服务器",), ("伺服器",))),
        doc(8, "网络\n视频；程序员！好?", "網路\n影片；程式設計師！好?", date=""),
        doc(9, "あいう한국어ΑΣ Δ мир", "あいう한국어ας δ МИР", date="2023-05-05"),
        doc(10, "x" * 50 + "软" + "y" * 50, "x" * 50 + "軟" + "z" * 50),
        doc(11, "软\x01件\x00", "軟\x01體\x00"),
    ]


@pytest.mark.parametrize("piece", [37, 1 << 17])
@pytest.mark.parametrize("workers", ["1", "2"])
def test_fast_builder_matches_reference_byte_for_byte(monkeypatch: pytest.MonkeyPatch, workers: str,
                                                      piece: int) -> None:
    import builder.search as search
    import builder.search.index as index
    import builder.search.parallel as parallel
    from tests import search_reference

    monkeypatch.setattr(index, "BLOCK_CHARS", 20_000)  # several blocks of documents …
    monkeypatch.setattr(index, "SLICE", 500)  # … and postings encoded in several slices
    monkeypatch.setattr(index, "PIECE", piece)  # 37: ranges indexed in pieces (ids beyond 2**17), joined
    monkeypatch.setenv("TONGWEN_SEARCH_WORKERS", workers)
    monkeypatch.setattr(parallel, "PARALLEL_MIN_DOCS", 2)  # also split these few documents
    docs = synthetic_docs(240, chars=(300, 900), seed=11) + _edge_docs()
    for subset in (docs, _edge_docs(), docs[:1]):
        new = search.build_search(subset, EDITIONS, fold_table())
        old = search_reference.build_search(subset, EDITIONS)
        assert [o.path for o in new] == [o.path for o in old]
        for a, b in zip(new, old, strict=True):
            assert a.data == b.data, a.path


def test_a_failed_indexer_child_is_done_over_in_the_parent(monkeypatch: pytest.MonkeyPatch) -> None:
    """The forked child's result is read as it arrives (parallel.from_child); a child that fails
    leaves the parent to index its half: the same files."""
    import os

    import builder.search as search
    import builder.search.parallel as parallel

    monkeypatch.setenv("TONGWEN_SEARCH_WORKERS", "1")
    docs = synthetic_docs(60, chars=(300, 900), seed=5)
    want = search.build_search(docs, EDITIONS, fold_table())
    monkeypatch.setenv("TONGWEN_SEARCH_WORKERS", "2")
    monkeypatch.setattr(parallel, "workers", lambda: 2)  # whatever the cores here
    monkeypatch.setattr(parallel, "PARALLEL_MIN_DOCS", 2)
    parent, real = os.getpid(), parallel.index_range
    forks = []

    def index_range(*args, **kw):  # type: ignore[no-untyped-def]
        if os.getpid() != parent:  # the child fails: it writes nothing and exits 1
            raise RuntimeError("child")
        return real(*args, **kw)

    monkeypatch.setattr(parallel, "index_range", index_range)
    real_in_child = parallel.in_child
    monkeypatch.setattr(parallel, "in_child", lambda *a: forks.append(1) or real_in_child(*a))
    got = search.build_search(docs, EDITIONS, fold_table())
    assert forks, "the index was not split"
    assert [(o.path, o.data) for o in got] == [(o.path, o.data) for o in want]


def test_three_editions_match_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    """A third edition's differences count only where neither earlier edition has the token."""
    from dataclasses import replace

    import builder.search as search
    from builder.model import Edition
    from tests import search_reference

    monkeypatch.setenv("TONGWEN_SEARCH_WORKERS", "1")
    editions = (*EDITIONS, Edition(code="zh-HK", name="香港", prefix="zh-hk", script="Hant", opencc="s2hk.json"))
    hk = ["软件软件产业", "內存很大。軟件好。", "一。二。三", "軟件def產業", "同样的文本", "软件软件软件 abc"]
    docs = []
    for i, d in enumerate(_edge_docs()[:6]):
        docs.append(replace(d, url={**d.url, "zh-hk": "zh-hk/" + d.url["zh-cn"]},
                            title={**d.title, "zh-hk": "標題 HK"}, summary={**d.summary, "zh-hk": "摘要"},
                            tags={**d.tags, "zh-hk": ("標籤",)}, text={**d.text, "zh-hk": hk[i]}))
    # 体 and 软体 are in both later editions' differences, with other counts (1 in 繁體, 3 here)
    docs.append(replace(docs[1], url={k: u.replace("e1", "e99") for k, u in docs[1].url.items()},
                        text={"zh-cn": "软件。", "zh-tw": "軟體。", "zh-hk": "软体软体软体。"}))
    new = search.build_search(docs, editions, fold_table())
    old = search_reference.build_search(docs, editions)
    assert [o.path for o in new] == [o.path for o in old]
    for a, b in zip(new, old, strict=True):
        assert a.data == b.data, a.path


def test_fast_path_helpers() -> None:
    from builder.search.tokens import cjk_table

    table = cjk_table()
    assert table[ord("软")] and table[0x2A6D6] and not table[ord("a")]
    text = "ＡＢＣ 軟體 Straße ΑΣ"
    assert fold_table().fast(text) == fold(text, fold_table())
