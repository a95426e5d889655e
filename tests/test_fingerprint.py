"""File digests remembered by stat (fingerprint.FileDigests) must never hide a change."""

from __future__ import annotations

import os
from pathlib import Path

from builder.incremental import fingerprint, records
from builder.incremental.fingerprint import FileDigests
from conftest import damage_record


def test_settled_file_is_not_read_again_and_changes_are_seen(tmp_path: Path, monkeypatch) -> None:
    f = tmp_path / "a.md"
    f.write_text("一", encoding="utf-8")
    old = 1_600_000_000_000_000_000
    os.utime(f, ns=(old, old))  # settled long ago (ctime is still now: records wait for it to settle)
    monkeypatch.setattr(fingerprint, "_RACY_NS", -10**12)  # treat ctime as settled too
    d = FileDigests(tmp_path)
    first = d.of(f)
    d.save()
    reads = []
    real_open = open

    def counting_open(p, *a, **k):  # type: ignore[no-untyped-def]
        reads.append(str(p))
        return real_open(p, *a, **k)

    d2 = FileDigests(tmp_path)
    monkeypatch.setattr("builtins.open", counting_open)
    assert d2.of(f) == first and str(f) not in reads  # unchanged stat: not read
    monkeypatch.setattr("builtins.open", real_open)
    assert d2.unchanged_since_use()
    f.write_text("二", encoding="utf-8")  # same size; mtime/ctime move
    os.utime(f, ns=(old, old))  # even with mtime set back, ctime moved
    assert not d2.unchanged_since_use()  # the build that used it must not be recorded
    d2.save()
    assert FileDigests(tmp_path).of(f) != first  # and the next build reads it again


def test_fresh_record_is_not_trusted(tmp_path: Path) -> None:
    f = tmp_path / "a.md"
    f.write_text("一", encoding="utf-8")
    d = FileDigests(tmp_path)
    first = d.of(f)
    d.save()
    st = os.stat(f)
    f.write_text("二", encoding="utf-8")  # same size, possibly the same timestamp tick
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert FileDigests(tmp_path).of(f) != first  # the record was made within two seconds of the change


def test_damaged_file_means_read_everything(tmp_path: Path) -> None:
    f = tmp_path / "a.md"
    f.write_text("一", encoding="utf-8")
    FileDigests(tmp_path).save()
    damage_record(tmp_path, None, records.FILES, b"garbage")
    assert FileDigests(tmp_path).of(f) == FileDigests(None).of(f)


def test_library_versions_read_from_folder_names_match_importlib_metadata():
    import importlib.metadata

    from builder.incremental.identity import _LIBS, lib_versions

    expected = {}
    for lib in _LIBS:
        try:
            expected[lib] = importlib.metadata.version(lib)
        except importlib.metadata.PackageNotFoundError:
            pass
    assert lib_versions(_LIBS) == expected and "markdown-it-py" in expected
    assert lib_versions(("no-such-library-here",)) == {}
