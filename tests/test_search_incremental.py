"""Incremental search-index updates (builder/search/update.py and store.py: build_search_state, update_search,
save_state, load_state): after any sequence of edits, an update applied to the previous index files
gives exactly the files of a full build."""

from __future__ import annotations

import random
from dataclasses import replace
from functools import cache, lru_cache
from pathlib import Path

import pytest

from builder.model.documents import Edition, Output, SearchDoc
from builder.search import (
    Fold,
    StateError,
    build_search,
    build_search_state,
    encode_postings,
    load_state,
    save_state,
    update_search,
)
from builder.search.postings import apply_postings

EDITIONS = (
    Edition(code="zh-CN", name="简体", prefix="", script="Hans", opencc=""),
    Edition(code="zh-TW", name="繁體", prefix="zh-tw", script="Hant", opencc="s2twp.json"),
)

# words whose s2twp conversion changes a phrase (equivalents) or only characters
_WORDS = ["软件", "信息", "网络", "数据", "服务器", "产业带", "供应链", "平台", "商家", "增长", "内存", "视频",
          "程序员", "数字化", "电商", "物流", "跨境", "直播", "品牌", "工厂", "用户", "打印机", "鼠标", "质量"]
_LATIN = ["AI", "App", "1688", "GMV", "SaaS", "B2B", "h20", "iPhone15"]


@cache
def fold_table() -> Fold:
    """One character fold for the tests (a build makes its own; OpenCC takes ~0.2 s)."""
    return Fold.from_opencc()


@cache
def tw(s: str) -> str:
    return _converter().convert(s)


@lru_cache(maxsize=1)
def _converter():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("s2twp.json")


# rare tokens: characters with a traditional form (the manifest's "fold" lists the folds of the
# characters in use) and words that s2twp changes as a phrase (equivalents), each in a few documents
_PHRASES = ["硬盘", "光盘", "字节", "博客", "出租车", "自行车", "土豆", "菠萝", "激光", "短信", "宽带", "硅谷",
            "悉尼", "新西兰", "人工智能", "摄像头"]


@lru_cache(maxsize=1)
def _rare() -> list[str]:
    chars = sorted({f for f in fold_table().table.values() if "\u4e00" <= f <= "\u9fff"})
    return chars[::max(1, len(chars) // 300)] + _PHRASES + [f" zq{i} " for i in range(100)]


def sentence(rnd: random.Random) -> str:
    words = rnd.choices(_WORDS, k=rnd.randint(3, 9))
    if rnd.random() < 0.3:
        words.insert(rnd.randrange(len(words)), rnd.choice(_LATIN) + " ")
    if rnd.random() < 0.4:  # tokens found in one document only, or in none after an edit
        words.insert(rnd.randrange(len(words)), rnd.choice(_rare()))
    return "".join(words) + rnd.choice("，。；！？\n")


def article(rnd: random.Random, i: int, long: bool = True) -> SearchDoc:
    # long texts: the 900-character snippet (and so the metadata chunk size) survives appended text
    text = "".join(sentence(rnd) for _ in range(rnd.randint(80, 100) if long else rnd.randint(1, 5)))
    title = "".join(rnd.choices(_WORDS, k=3))
    summary = "".join(rnd.choices(_WORDS, k=4))
    tags = tuple(rnd.sample(_WORDS[:8], 2))
    date = f"2024-{1 + i % 12:02d}-{1 + (i * 7) % 28:02d}"
    url = f"posts/a{i:03d}/"
    return SearchDoc(kind="article", date=date, url={"zh-cn": url, "zh-tw": "zh-tw/" + url},
                     title={"zh-cn": title, "zh-tw": tw(title)}, summary={"zh-cn": summary, "zh-tw": tw(summary)},
                     tags={"zh-cn": tags, "zh-tw": tuple(tw(t) for t in tags)},
                     text={"zh-cn": text, "zh-tw": tw(text)})


def term(word: str) -> SearchDoc:
    url = f"tags/{word}/"
    return SearchDoc(kind="term", date="", url={"zh-cn": url, "zh-tw": "zh-tw/" + url},
                     title={"zh-cn": word, "zh-tw": tw(word)})


def with_text(d: SearchDoc, text: str, tw_text: str | None = None) -> SearchDoc:
    return replace(d, text={"zh-cn": text, "zh-tw": tw(text) if tw_text is None else tw_text})


def edit(rnd: random.Random, docs: dict[str, SearchDoc], counter: list[int]) -> tuple[str, dict[str, SearchDoc | None]]:
    """One random edit: (its name, the changes)."""
    arts = sorted(k for k, d in docs.items() if d.kind == "article")
    k = rnd.choice(arts)
    d = docs[k]
    kind = rnd.choice(["append", "append", "append", "delete_para", "title", "summary", "tags", "tw_only",
                       "cn_only", "two_docs", "add", "remove", "date", "noop", "term_title", "short_text"])
    if kind == "append":
        return kind, {k: with_text(d, d.text["zh-cn"] + sentence(rnd))}
    if kind == "delete_para":
        paras = d.text["zh-cn"].split("\n")
        if len(paras) > 1:
            del paras[rnd.randrange(len(paras))]
        return kind, {k: with_text(d, "\n".join(paras))}
    if kind == "title":
        t = "".join(rnd.choices(_WORDS, k=3))
        return kind, {k: replace(d, title={"zh-cn": t, "zh-tw": tw(t)})}
    if kind == "summary":
        s = "".join(rnd.choices(_WORDS, k=5)) + rnd.choice(_LATIN)
        return kind, {k: replace(d, summary={"zh-cn": s, "zh-tw": tw(s)})}
    if kind == "tags":
        tags = tuple(rnd.sample(_WORDS, 3))
        return kind, {k: replace(d, tags={"zh-cn": tags, "zh-tw": tuple(tw(t) for t in tags)})}
    if kind == "tw_only":  # an edition-specific edit (e.g. a -{zh-tw:…}- override)
        return kind, {k: replace(d, text={**d.text, "zh-tw": d.text["zh-tw"] + tw(sentence(rnd)) + "軟體"})}
    if kind == "cn_only":
        return kind, {k: replace(d, text={**d.text, "zh-cn": d.text["zh-cn"].replace("软件", "软体", 1)})}
    if kind == "two_docs":
        k2 = rnd.choice(arts)
        ch: dict[str, SearchDoc | None] = {k: with_text(d, d.text["zh-cn"] + sentence(rnd))}
        ch[k2] = with_text(docs[k2], sentence(rnd) + docs[k2].text["zh-cn"])
        return kind, ch
    if kind == "add":
        counter[0] += 1
        return kind, {f"new/{counter[0]}": article(rnd, 100 + counter[0])}
    if kind == "remove":
        return kind, {k: None}
    if kind == "date":
        return kind, {k: replace(d, date=f"20{rnd.randint(10, 30)}-0{rnd.randint(1, 9)}-1{rnd.randint(0, 9)}")}
    if kind == "noop":
        return kind, {k: d}
    if kind == "term_title":
        tk = rnd.choice(sorted(k for k, d in docs.items() if d.kind == "term"))
        t = docs[tk].title["zh-cn"] + rnd.choice(_WORDS)
        return kind, {tk: replace(docs[tk], title={"zh-cn": t, "zh-tw": tw(t)}, text={"zh-cn": t, "zh-tw": tw(t)})}
    # short_text: the snippet (a metadata row) shrinks: the chunk size may change
    return kind, {k: with_text(d, sentence(rnd))}


def apply(files: dict[str, bytes], outputs: list[Output], removed: list[str]) -> dict[str, bytes]:
    new = dict(files)
    for p in removed:
        del new[p]
    for o in outputs:
        new[o.path] = o.data
    return new


def start(seed: int, n: int = 14) -> dict[str, SearchDoc]:
    rnd = random.Random(seed)
    docs = {f"content/posts/{i:03d}.md": article(rnd, i, long=i % 5 != 0) for i in range(n)}
    for w in _WORDS[:4]:
        docs[f"tags/{w}"] = term(w)
    return docs


@pytest.mark.parametrize(("seed", "small"), [(1, False), (2, False), (3, True), (4, True)])
def test_random_edit_sequences_match_full_builds(seed: int, small: bool, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    if small:  # many shards and small metadata chunks, whose counts change along the way
        import builder.search.files as search_files

        monkeypatch.setattr(search_files, "SHARD_TARGET", 700)
        monkeypatch.setattr(search_files, "CHUNK_TARGET", 9000)
    rnd = random.Random(seed)
    docs = start(seed)
    outputs, state = build_search_state(docs, EDITIONS, fold_table())
    assert outputs == build_search([docs[k] for k in sorted(docs)], EDITIONS, fold_table())
    files = {o.path: o.data for o in outputs}
    counter = [0]
    incremental: dict[str, int] = {}
    fallbacks: dict[str, int] = {}
    for step in range(30):
        kind, changes = edit(rnd, docs, counter)
        if step % 7 == 3:  # through the disk, sometimes
            save_state(state, tmp_path / "state")
            loaded = load_state(tmp_path / "state")
            assert loaded is not None
            state = loaded
        res = update_search(state, changes, EDITIONS)
        for k, d in changes.items():
            if d is None:
                del docs[k]
            else:
                docs[k] = d
        full, full_state = build_search_state(docs, EDITIONS, fold_table())
        want = {o.path: o.data for o in full}
        if res is None:  # only when ids, shard count or chunk size change
            why = ("ids" if kind in ("add", "remove", "date") else "chunk" if full_state.chunk != state.chunk
                   else "shards" if full_state.shards != state.shards else "")
            assert why, f"step {step}: {kind}"
            fallbacks[why] = fallbacks.get(why, 0) + 1
            files, state = want, full_state
            continue
        outs, removed, state = res
        assert len({o.path for o in outs}) == len(outs)
        assert all(files.get(o.path) != o.data for o in outs), "only files whose bytes differ"
        files = apply(files, outs, removed)
        assert files.keys() == want.keys(), f"step {step}: {kind}"
        for p in want:
            assert files[p] == want[p], f"step {step}: {kind}: {p}"
        assert state.manifest == want["search/manifest.js"]
        incremental[kind] = incremental.get(kind, 0) + 1
    print(incremental, fallbacks, state.shards, state.chunk)
    assert incremental.get("append", 0) >= 1, incremental
    assert fallbacks.get("shards", 0) + fallbacks.get("chunk", 0) + fallbacks.get("ids", 0) >= (1 if small else 0)


def test_a_new_chunk_size_builds_the_index_in_full() -> None:
    """The metadata chunk size is a power of two: a small change to the average row keeps it (an
    incremental update), a large one changes it, and then only a full build can lay the chunks out."""
    docs = start(9, n=30)
    _, state = build_search_state(docs, EDITIONS, fold_table())
    k = "content/posts/001.md"
    small = dict(docs)
    small[k] = replace(docs[k], title={e: t + "软件" for e, t in docs[k].title.items()})
    assert update_search(state, {k: small[k]}, EDITIONS) is not None
    big = dict(docs)
    big[k] = replace(docs[k], title={e: t + "软件" * 20000 for e, t in docs[k].title.items()})
    _, full_state = build_search_state(big, EDITIONS, fold_table())
    assert full_state.chunk < state.chunk
    assert update_search(state, {k: big[k]}, EDITIONS) is None


def test_chunk_size_is_a_power_of_two_at_most_the_documents() -> None:
    from builder.search.files import CHUNK_TARGET, chunk_size

    assert chunk_size(5, [5 * 100]) == 5  # one chunk holds a small site, whatever its rows weigh
    assert chunk_size(5, [5 * 110]) == 5
    for avg in (30, 47, 100, 200, 1000):
        c = chunk_size(10_000, [10_000 * avg])
        assert c & (c - 1) == 0 and c <= CHUNK_TARGET // avg < 2 * c


def test_one_article_appended_sentence_is_incremental(tmp_path: Path) -> None:
    docs = start(9, n=30)
    outputs, state = build_search_state(docs, EDITIONS, fold_table())
    save_state(state, tmp_path / "st")
    files = {o.path: o.data for o in outputs}
    for _ in range(3):
        loaded = load_state(tmp_path / "st")
        assert loaded is not None
        k = "content/posts/001.md"
        docs[k] = with_text(docs[k], docs[k].text["zh-cn"] + "新增的一句话讲软件和数据库SaaS。")
        res = update_search(loaded, {k: docs[k]}, EDITIONS)
        assert res is not None
        outs, removed, new_state = res
        assert removed == []
        paths = {o.path for o in outs}
        assert "search/manifest.js" in paths
        assert not any("/meta/" in p for p in paths)  # the snippet (first 900 characters) is unchanged
        assert 0 < len(outs) < len(files) / 2
        files = apply(files, outs, removed)
        assert files == {o.path: o.data for o in build_search_state(docs, EDITIONS, fold_table())[0]}
        save_state(new_state, tmp_path / "st")  # appends to the same folder
    assert len(list((tmp_path / "st").glob("blob-*"))) == 1


def test_unchanged_document_gives_no_outputs() -> None:
    docs = start(3)
    _, state = build_search_state(docs, EDITIONS, fold_table())
    k = "content/posts/002.md"
    res = update_search(state, {k: docs[k]}, EDITIONS)
    assert res is not None and res[0] == [] and res[1] == []


def test_not_incremental_cases() -> None:
    docs = start(4)
    _, state = build_search_state(docs, EDITIONS, fold_table())
    k = "content/posts/002.md"
    assert update_search(state, {"content/posts/new.md": docs[k]}, EDITIONS) is None  # added
    assert update_search(state, {k: None}, EDITIONS) is None  # removed
    assert update_search(state, {k: replace(docs[k], date="2030-01-01")}, EDITIONS) is None  # reordered
    other = (EDITIONS[0], replace(EDITIONS[1], prefix="tw"))
    assert update_search(state, {k: docs[k]}, other) is None  # other editions


def test_old_state_stays_usable() -> None:
    docs = start(6)
    outputs, state = build_search_state(docs, EDITIONS, fold_table())
    k = "content/posts/003.md"
    a = with_text(docs[k], docs[k].text["zh-cn"] + "第一种改法。")
    b = with_text(docs[k], docs[k].text["zh-cn"] + "第二种改法视频。")
    ra, rb = update_search(state, {k: a}, EDITIONS), update_search(state, {k: b}, EDITIONS)
    assert ra is not None and rb is not None
    files = {o.path: o.data for o in outputs}
    full = build_search_state({**docs, k: b}, EDITIONS, fold_table())[0]
    assert apply(files, rb[0], rb[1]) == {o.path: o.data for o in full}


def test_damaged_or_stale_state_is_never_used(tmp_path: Path) -> None:
    docs = start(7)
    _, state = build_search_state(docs, EDITIONS, fold_table())
    folder = tmp_path / "st"
    assert load_state(folder) is None  # missing
    save_state(state, folder)
    assert load_state(folder) is not None
    index = folder / "index"
    good = index.read_bytes()
    index.write_bytes(good[:-10])
    assert load_state(folder) is None  # truncated index
    bad = bytearray(good)
    bad[8] ^= 1  # format version
    index.write_bytes(bytes(bad))
    assert load_state(folder) is None
    index.write_bytes(good)
    (blob,) = folder.glob("blob-*")
    data = blob.read_bytes()
    blob.write_bytes(data[: len(data) // 2])
    assert load_state(folder) is None  # truncated blob
    # a damaged document record: the update refuses (the records it decodes are checksummed)
    blob.write_bytes(data)
    loaded = load_state(folder)
    assert loaded is not None
    k = "content/posts/004.md"
    i = loaded.ids[k]
    off, length, _ = loaded.locs[1][3 * i : 3 * i + 3]
    del loaded
    damaged = bytearray(data)
    damaged[off + length // 2] ^= 0xFF
    blob.write_bytes(bytes(damaged))
    loaded = load_state(folder)
    assert loaded is not None
    assert update_search(loaded, {k: with_text(docs[k], docs[k].text["zh-cn"] + "新句子。")}, EDITIONS) is None


def test_a_damaged_record_is_not_copied_into_a_rewritten_blob(tmp_path: Path) -> None:
    """Nothing is fsynced (search/store.py): after a power loss a record may hold other bytes. A
    save that rewrites the blob checks each record it copies; copying it unchecked would give the
    damaged bytes a fresh, valid CRC."""
    docs = start(7)
    _, state = build_search_state(docs, EDITIONS, fold_table())
    folder = tmp_path / "st"
    save_state(state, folder)
    (blob,) = folder.glob("blob-*")
    loaded = load_state(folder)
    assert loaded is not None
    i = loaded.ids["content/posts/004.md"]
    off, length, _ = loaded.locs[1][3 * i : 3 * i + 3]
    del loaded
    data = bytearray(blob.read_bytes())
    data[off + length // 2] ^= 0xFF
    blob.write_bytes(bytes(data))
    loaded = load_state(folder)
    assert loaded is not None
    with pytest.raises(StateError):
        save_state(loaded, tmp_path / "elsewhere")  # (another folder: the blob is written whole)


def test_builder_code_change_invalidates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import builder.search.store as store
    import builder.search.update as update

    docs = start(8)
    _, state = build_search_state(docs, EDITIONS, fold_table())
    save_state(state, tmp_path / "st")
    monkeypatch.setattr(store, "code_digest", lambda: "another builder")
    monkeypatch.setattr(update, "code_digest", lambda: "another builder")
    assert load_state(tmp_path / "st") is None
    assert update_search(state, {}, EDITIONS) is None


def test_postings_surgery_matches_encoding_from_scratch() -> None:
    rnd = random.Random(3)
    for _ in range(2000):
        cur = {i: rnd.randrange(32) for i in rnd.sample(range(3000), rnd.randint(0, 20))}
        s = encode_postings([i * 32 + w for i, w in sorted(cur.items())])
        changes = {rnd.choice([*cur, rnd.randrange(3000)]) if cur else rnd.randrange(3000):
                   None if rnd.random() < 0.4 else rnd.randrange(32) for _ in range(rnd.randint(1, 4))}
        out = apply_postings(s, changes)
        for i, w in changes.items():
            if w is None:
                cur.pop(i, None)
            else:
                cur[i] = w
        assert out == encode_postings([i * 32 + w for i, w in sorted(cur.items())])


def test_shard_count_change_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    import builder.search.files as search_files

    docs = start(10)
    _, state = build_search_state(docs, EDITIONS, fold_table())
    target = -(-state.total // 32)  # the index is then exactly at 32 shards' limit
    monkeypatch.setattr(search_files, "SHARD_TARGET", target)
    outputs, state = build_search_state(docs, EDITIONS, fold_table())
    assert state.shards == 32
    k = "content/posts/001.md"
    grown = with_text(docs[k], docs[k].text["zh-cn"] + "qwertyuiop asdfghjkl zxcvbnm。")
    assert update_search(state, {k: grown}, EDITIONS) is None
    assert build_search_state({**docs, k: grown}, EDITIONS, fold_table())[1].shards == 64
    same_size = replace(docs[k], title={"zh-cn": docs[k].title["zh-cn"], "zh-tw": docs[k].title["zh-tw"] + " "})
    res = update_search(state, {k: same_size}, EDITIONS)  # same tokens: still incremental
    assert res is not None
    files = apply({o.path: o.data for o in outputs}, res[0], res[1])
    assert files == {o.path: o.data for o in build_search_state({**docs, k: same_size}, EDITIONS, fold_table())[0]}


def test_the_state_carries_the_fold_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A loaded state brings the character fold it was built with: an update in a new process does
    not ask OpenCC for it again."""
    import builder.search.tokens as tokens

    docs = start(11)
    _, state = build_search_state(docs, EDITIONS, fold_table())
    save_state(state, tmp_path / "st")

    def no_opencc() -> dict[int, str]:
        raise AssertionError("OpenCC asked for the fold")

    monkeypatch.setattr(tokens, "fold_map", no_opencc)
    loaded = load_state(tmp_path / "st")
    assert loaded is not None and loaded.fold_table.table == fold_table().table
    k = "content/posts/001.md"
    res = update_search(loaded, {k: with_text(docs[k], docs[k].text["zh-cn"] + "新句子。")}, EDITIONS)
    assert res is not None
