"""A build's records (incremental/records.py): written together or not at all, checked when read,
and pruned by one policy."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from test_build_equivalence import generated_site, small_site

from builder.incremental import records
from builder.incremental.identity import CACHE_DIR
from builder.pipeline.build import build
from conftest import damage_record, record


def test_a_commit_writes_every_record_or_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    first = records.Commit(tmp_path, out)
    first.put(records.STATE, b"old state")
    first.put(records.BUILD, b"old build")
    first.finish()
    second = records.Commit(tmp_path, out)
    second.put(records.STATE, b"new state")
    second.put(records.BUILD, b"new build")
    second.snapshot = ("snapshot-1", True)

    def killed(*_a: object) -> None:
        raise sqlite3.OperationalError("the process died here")

    monkeypatch.setattr(records, "_publish_snapshot", killed)  # after both puts, before the commit
    second.finish()
    assert (record(tmp_path, out, records.STATE), record(tmp_path, out, records.BUILD)) == (b"old state", b"old build")
    monkeypatch.undo()
    second.finish()
    assert (record(tmp_path, out, records.STATE), record(tmp_path, out, records.BUILD)) == (b"new state", b"new build")


def test_a_record_that_does_not_match_its_checksum_reads_as_missing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    records.write(tmp_path, records.folder_key(out), records.STATE, b"state")
    damage_record(tmp_path, out, records.STATE, b"stale", checked=False)
    assert record(tmp_path, out, records.STATE) is None
    damage_record(tmp_path, out, records.STATE, b"stale")
    assert record(tmp_path, out, records.STATE) == b"stale"


def test_only_the_most_recent_output_folders_keep_their_records(tmp_path: Path) -> None:
    site = small_site(tmp_path / "site")
    outs = [tmp_path / f"out{i}" for i in range(records.KEEP_FOLDERS + 2)]
    for out in outs:
        build(site, out, jobs=1)
    kept = [out for out in outs if record(site, out, records.BUILD) is not None]
    assert kept == outs[2:]
    assert all(record(site, out, kind) is None for out in outs[:2] for kind in records.KINDS)
    searches = sorted(p.name for p in (site / CACHE_DIR).glob("search-*"))
    assert searches == sorted(records.search_dir(site, out).name for out in kept)
    assert sorted(p.name for p in (site / CACHE_DIR).iterdir()) == sorted([records.db_path(site).name, *searches])
    assert build(site, outs[-1], jobs=1).skipped  # what is kept still serves
    yaml = (site / "site.yaml").read_text(encoding="utf-8")
    assert "同文知识库" in yaml
    (site / "site.yaml").write_text(yaml.replace("同文知识库", "改名的知识库"), encoding="utf-8")
    build(site, outs[-1], jobs=1)  # a full load writes a new snapshot: the one it replaces is deleted
    conn = sqlite3.connect(records.db_path(site))
    rows = conn.execute("SELECT folder, count(*) FROM records WHERE kind LIKE 'snapshot-%' GROUP BY folder").fetchall()
    conn.close()
    assert sorted(rows) == sorted((records.folder_key(out), 1) for out in kept)


def test_resized_images_are_pruned_by_the_same_policy(tmp_path: Path) -> None:
    """A folder of files made by content keeps everything while it holds less than 1.5 times what
    the build used (plus a margin), then only the files the build used."""
    folder = tmp_path / "images"
    folder.mkdir()
    for i in range(100):
        (folder / f"{i}.webp").write_bytes(b"x")
    records.prune_files(folder, {"0.webp", "1.webp"})
    assert len(list(folder.iterdir())) == 100  # within the margin: nothing goes
    for i in range(100, 300):
        (folder / f"{i}.webp").write_bytes(b"x")
    records.prune_files(folder, {"0.webp", "1.webp"})
    assert sorted(p.name for p in folder.iterdir()) == ["0.webp", "1.webp"]


def _state_parts(site: Path, out: Path) -> dict[str, bytes]:
    return {k: v for k, (v, _crc) in records.read_parts(site, records.folder_key(out), records.STATE).items()}


def test_an_edit_rewrites_only_the_parts_of_the_state_it_changed(tmp_path: Path) -> None:
    """The render state's jobs and article memos are kept in `state.PARTS` rows each: one article
    edited rewrites the head and the few parts holding its records; a part from another build (or
    damaged) makes the next build a full one, never a wrong one."""
    from builder.incremental.state import _SPLIT, PARTS

    site, out = generated_site(tmp_path / "site", n=60), tmp_path / "out"
    build(site, out, jobs=1)
    before = _state_parts(site, out)
    assert len(before) == 1 + len(_SPLIT) * PARTS
    post = site / "content" / "posts" / "second.md"
    post.write_text(post.read_text(encoding="utf-8").replace("- 列表 二", "- 列表 三"),  # (no summary, no mention)
                    encoding="utf-8")
    result = build(site, out, jobs=1)
    assert 0 < result.jobs_run < result.jobs_kept
    after = _state_parts(site, out)
    changed = sorted(k for k in after if after[k] != before[k])
    assert records.STATE in changed and any("/jobs/" in k for k in changed)
    assert 2 <= len(changed) <= 6, changed  # the head; the article's job, memo, body and file digests
    a_part = next(k for k in changed if "/jobs/" in k)
    damage_record(site, out, a_part, before[a_part])  # a stale part with a valid checksum
    post.write_text(post.read_text(encoding="utf-8") + "\n又一句。\n", encoding="utf-8")
    assert build(site, out, jobs=1).jobs_kept == 0
    assert build(site, out, jobs=1, verify=True).skipped


def test_the_preview_server_keeps_the_state_it_recorded_while_the_database_holds_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With a `Memory` (the preview server's), the next build uses the state this process recorded
    instead of reading its rows back, but only while the database's head row is the one recorded:
    after a build by another process (no memory) the rows are read again. Every build is checked
    against a clean one (verify)."""
    from builder.incremental.store import Memory

    site, out = generated_site(tmp_path / "site", n=30), tmp_path / "out"
    reads: list[str] = []
    real = records.read_parts
    monkeypatch.setattr(records, "read_parts", lambda *a: reads.append(a[2]) or real(*a))
    memory = Memory()
    build(site, out, jobs=1, memory=memory)
    assert records.folder_key(out) in memory.states
    post = site / "content" / "posts" / "second.md"
    text = post.read_text(encoding="utf-8")
    reads.clear()
    post.write_text(text + "\n第一处改动。\n", encoding="utf-8")
    first = build(site, out, jobs=1, memory=memory, verify=True)
    assert 0 < first.jobs_run < first.jobs_kept and reads == []  # the state came from memory
    post.write_text(text + "\n另一个进程的改动。\n", encoding="utf-8")
    build(site, out, jobs=1)  # another process: the database's head row changes
    reads.clear()
    post.write_text(text + "\n第三处改动。\n", encoding="utf-8")
    third = build(site, out, jobs=1, memory=memory, verify=True)
    assert 0 < third.jobs_run < third.jobs_kept and reads == [records.STATE]  # read back from the database
