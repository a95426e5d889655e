"""Patch: in-place, crash-safe updates of an existing output folder (builder/output/patch.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from builder.errors import BuildFailed
from builder.model.documents import Output
from builder.output import recovery
from builder.output.folder import MANIFEST
from builder.output.patch import Patch
from builder.output.recovery import recover
from builder.output.staging import Staging, check_target

REPO = Path(__file__).resolve().parent.parent
OLD_TIME = 1_600_000_000


def make_out(out: Path, files: dict[str, bytes]) -> Path:
    """An output folder as a build leaves it: the files plus a sorted manifest; old mtimes."""
    out.mkdir(parents=True)
    for rel, data in files.items():
        p = out / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        os.utime(p, (OLD_TIME, OLD_TIME))
    (out / MANIFEST).write_text("\n".join(sorted(files)) + "\n", encoding="utf-8")
    return out


def tree(root: Path) -> dict[str, bytes | None]:
    """Every file (bytes) and folder (None) under root."""
    res: dict[str, bytes | None] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        for d in dirnames:
            res[os.path.normpath(os.path.join(rel, d)) + "/"] = None
        for f in filenames:
            res[os.path.normpath(os.path.join(rel, f))] = Path(dirpath, f).read_bytes()
    return res


def expected(files: dict[str, bytes]) -> dict[str, bytes | None]:
    res: dict[str, bytes | None] = {MANIFEST: ("\n".join(sorted(files)) + "\n").encode()}
    for rel, data in files.items():
        res[rel] = data
        parts = rel.split("/")
        for i in range(1, len(parts)):
            res["/".join(parts[:i]) + "/"] = None
    return res


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(".tongwen"))


def site(tmp_path: Path) -> Path:
    s = tmp_path / "site"
    s.mkdir(exist_ok=True)
    return s


def test_unchanged_bytes_keep_inode_and_mtime_changed_replaced(tmp_path):
    out = make_out(tmp_path / "out", {"a.html": b"A", "b/c.html": b"C", "b/d.html": b"D"})
    before = {p: os.stat(out / p) for p in ("a.html", "b/c.html", "b/d.html")}
    patch = Patch(out)
    patch.write(Output("a.html", b"A"))
    patch.write(Output("b/c.html", b"C2"))
    patch.keep("b/d.html")
    assert tree(out) == expected({"a.html": b"A", "b/c.html": b"C", "b/d.html": b"D"})  # nothing visible yet
    patch.commit()
    assert tree(out) == expected({"a.html": b"A", "b/c.html": b"C2", "b/d.html": b"D"})
    for p in ("a.html", "b/d.html"):
        st = os.stat(out / p)
        assert (st.st_ino, st.st_mtime_ns) == (before[p].st_ino, before[p].st_mtime_ns)
    assert os.stat(out / "b/c.html").st_ino != before["b/c.html"].st_ino
    assert leftovers(tmp_path) == []


def test_unlisted_deleted_empty_folders_pruned_manifest_updated(tmp_path):
    out = make_out(tmp_path / "out", {"a": b"1", "b/x": b"2", "b/y": b"3", "c/d/e": b"4", "c/d/f": b"5",
                                      "zh-tw/c/d/e": b"6"})
    patch = Patch(out)
    patch.keep("a")
    patch.write(Output("b/x", b"2!"))
    patch.write(Output("new/deep/n.html", b"N"))
    patch.commit()
    assert tree(out) == expected({"a": b"1", "b/x": b"2!", "new/deep/n.html": b"N"})
    check_target(out, site(tmp_path))  # the updated manifest lists exactly what is there


def test_delete_unlisted_false_keeps_the_rest(tmp_path):
    out = make_out(tmp_path / "out", {"a": b"1", "b/x": b"2"})
    patch = Patch(out)
    patch.write(Output("c", b"3"))
    patch.commit(delete_unlisted=False)
    assert tree(out) == expected({"a": b"1", "b/x": b"2", "c": b"3"})


def test_nothing_changed_touches_nothing(tmp_path):
    out = make_out(tmp_path / "out", {"a": b"1", "b/x": b"2"})
    st = os.stat(out / MANIFEST)
    patch = Patch(out)
    patch.write(Output("a", b"1"))
    patch.keep("b/x")
    patch.commit()
    assert os.stat(out / MANIFEST).st_mtime_ns == st.st_mtime_ns
    assert tree(out) == expected({"a": b"1", "b/x": b"2"}) and leftovers(tmp_path) == []


def test_file_and_folder_swap_places(tmp_path):
    out = make_out(tmp_path / "out", {"f/index.html": b"F", "f/sub/x": b"X", "g": b"G"})
    patch = Patch(out)
    patch.write(Output("f", b"now a file"))
    patch.write(Output("g/index.html", b"now in a folder"))
    patch.commit()
    assert tree(out) == expected({"f": b"now a file", "g/index.html": b"now in a folder"})


def test_conflicts_refused_before_anything_changes(tmp_path):
    files = {"a": b"1", "d/x": b"2"}
    out = make_out(tmp_path / "out", files)
    before = tree(out)
    cases = [
        lambda p: (p.keep("a"), p.write(Output("a/b", b"?"))),  # a kept file cannot become a folder
        lambda p: (p.write(Output("n", b"1")), p.write(Output("n/m", b"2"))),  # written as file and folder
        lambda p: (p.write(Output("d", b"file")), p.keep("d/x")),  # folder still holds a kept file
        lambda p: (p.write(Output("d", b"file")),),  # … or an unlisted one that is not deleted
    ]
    for i, case in enumerate(cases):
        patch = Patch(out)
        case(patch)
        with pytest.raises(BuildFailed):
            patch.commit(delete_unlisted=i != 3)
        assert tree(out) == before and leftovers(tmp_path) == [], i
    patch = Patch(out)
    patch.write(Output("a", b"x"))
    for bad in (lambda: patch.write(Output("a", b"y")), lambda: patch.keep("a")):
        with pytest.raises(BuildFailed, match="two outputs claim this path"):
            bad()
    with pytest.raises(BuildFailed, match="does not list"):
        patch.keep("not-there")
    with pytest.raises(BuildFailed, match="reserved"):
        patch.write(Output(MANIFEST, b""))
    for unsafe in ("../evil", "/abs", "a//b", "./a", "a\\b", "x/../../y", ""):
        with pytest.raises(ValueError):
            patch.write(Output(unsafe, b"!"))
        with pytest.raises(ValueError):
            patch.keep(unsafe)
    patch.discard()
    assert tree(out) == before and leftovers(tmp_path) == []


def test_symlinks_are_foreign_and_never_written_through(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    out = make_out(tmp_path / "out", {"posts/a.html": b"A"})
    (out / "link").symlink_to(outside, target_is_directory=True)
    with pytest.raises(BuildFailed, match="link"):
        check_target(out, site(tmp_path))
    patch = Patch(out)  # a caller that skipped check_target still cannot write through it
    patch.write(Output("link/x.html", b"X"))
    with pytest.raises(BuildFailed, match="not a folder"):
        patch.commit(delete_unlisted=False)
    assert list(outside.iterdir()) == []
    (out / "link").unlink()
    (out / "posts").rename(tmp_path / "real-posts")
    (out / "posts").symlink_to(tmp_path / "real-posts", target_is_directory=True)
    patch = Patch(out)
    patch.write(Output("posts/a.html", b"A"))  # same bytes, but behind a symlink: not "unchanged"
    with pytest.raises(BuildFailed, match="not a folder"):
        patch.commit()
    assert (tmp_path / "real-posts/a.html").read_bytes() == b"A"


def test_deletions_stay_inside_out(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    out = make_out(tmp_path / "out", {"a": b"1"})
    for line in ("../victim.txt", "/" + str(victim).lstrip("/"), "x/../../victim.txt"):
        (out / MANIFEST).write_text(f"a\n{line}\n")
        patch = Patch(out)
        patch.keep("a")
        with pytest.raises(BuildFailed, match="unsafe path"):
            patch.commit()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x").write_text("precious")
    (out / "link").symlink_to(outside, target_is_directory=True)
    (out / MANIFEST).write_text("a\nlink/x\n")  # a folder of the output replaced by a symlink
    patch = Patch(out)
    patch.keep("a")
    with pytest.raises(BuildFailed, match="not a folder"):
        patch.commit()
    assert victim.read_text() == "precious" and (outside / "x").read_text() == "precious"
    assert leftovers(tmp_path) == []


def test_keep_all_matches_keep(tmp_path):
    out = make_out(tmp_path / "out", {"a": b"1", "b": b"2", "c/d": b"3"})
    patch = Patch(out)
    patch.write(Output("a", b"1!"))
    for bad, msg in ((["b", "b"], "two outputs"), (["a"], "two outputs"), (["zz"], "does not list")):
        with pytest.raises(BuildFailed, match=msg):
            patch.keep_all(bad)
    patch.kept.clear()
    patch.keep_all(["b"])
    patch.commit()
    assert tree(out) == expected({"a": b"1!", "b": b"2"})


def test_async_delete_of_the_patch_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("TONGWEN_ASYNC_DELETE", "1")
    out = make_out(tmp_path / "out", {"a": b"1", "b": b"2"})
    patch = Patch(out)
    patch.write(Output("a", b"1!"))
    patch.commit()
    assert tree(out) == expected({"a": b"1!"})
    deadline = time.monotonic() + 30
    while leftovers(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert leftovers(tmp_path) == []


def test_discard_leaves_out_byte_identical(tmp_path):
    out = make_out(tmp_path / "out", {"a": b"1", "b/x": b"2"})
    before = tree(out)
    patch = Patch(out)
    patch.write(Output("a", b"changed"))
    patch.write(Output("c/new", b"3"))
    patch.discard()
    assert tree(out) == before and leftovers(tmp_path) == []


def test_open_signals_unusable_folders(tmp_path):
    assert Patch.open(tmp_path / "missing") is None
    (tmp_path / "plain").mkdir()
    assert Patch.open(tmp_path / "plain") is None  # no manifest: not a Tongwen output
    (tmp_path / "file").write_text("x")
    assert Patch.open(tmp_path / "file") is None
    assert isinstance(Patch.open(make_out(tmp_path / "out", {"a": b"1"})), Patch)


def test_foreign_files_still_refused_after_a_patch(tmp_path):
    out = make_out(tmp_path / "out", {"a": b"1", "b/x": b"2"})
    patch = Patch(out)
    patch.write(Output("b/y", b"3"))
    patch.commit(delete_unlisted=False)
    check_target(out, site(tmp_path))
    (out / "b" / "mine.txt").write_text("by hand")
    with pytest.raises(BuildFailed, match="b/mine.txt"):
        check_target(out, site(tmp_path))


def test_patch_never_loses_a_foreign_file_even_unchecked(tmp_path):
    out = make_out(tmp_path / "out", {"a/x": b"1", "a/y": b"2"})
    (out / "a" / "mine.txt").write_text("by hand")
    (out / "same.txt").write_text("S")
    for rel, data in (("a/mine.txt", b"generated"), ("same.txt", b"S")):  # even with the same bytes
        patch = Patch(out)
        patch.write(Output(rel, data))
        with pytest.raises(BuildFailed, match="not written by Tongwen"):
            patch.commit(delete_unlisted=False)
    patch = Patch(out)  # deletions take listed files only; a folder still holding a foreign file stays
    patch.write(Output("b", b"3"))
    patch.commit()
    assert tree(out) == {**expected({"b": b"3"}), "a/": None, "a/mine.txt": b"by hand", "same.txt": b"S"}


def test_other_outputs_patch_folders_are_not_touched(tmp_path):
    out = make_out(tmp_path / "out", {"a": b"1"})
    other = make_out(tmp_path / "out-abcdefgh", {"a": b"1"})
    p_other = Patch(other)
    p_other.write(Output("a", b"2"))
    Patch(out).discard()  # sweeps out's patch folders only
    assert p_other.dir.is_dir()
    p_other.commit()
    assert (other / "a").read_bytes() == b"2"


# --- crash injection: a forked child runs the scenario and dies (os._exit) at step k --------------------

OLD = {"a.html": b"A", "same.html": b"S", "keep/k.html": b"K", "gone/deep/x.html": b"X", "gone/y.html": b"Y",
       "f/index.html": b"F", "g": b"G", "zh-tw/a.html": b"A2"}
NEW = {"a.html": b"A!", "same.html": b"S", "keep/k.html": b"K", "new/n.html": b"N", "f": b"F!",
       "g/index.html": b"G!", "zh-tw/a.html": b"A2!"}


def scenario(out: Path) -> None:
    patch = Patch(out)
    patch.keep("keep/k.html")
    for rel, data in NEW.items():
        if rel != "keep/k.html":
            patch.write(Output(rel, data))
    patch.commit()


def run_dying_at(k: int, fn, *args) -> str:  # type: ignore[no-untyped-def]
    """Fork; the child runs fn(*args) and exits at its k-th step. Returns that step's name, or "" if the
    child finished first."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(r)
        code = 99
        try:
            count = [0]

            def hook(name: str) -> None:
                count[0] += 1
                if count[0] == k:
                    os.write(w, name.encode())
                    os._exit(3)

            recovery.step = hook
            fn(*args)
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        name = f.read().decode()
    _pid, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == (3 if name else 0)
    return name


def committed(tmp_path: Path) -> bool:
    return any((p / "journal").exists() for p in tmp_path.glob(".tongwen-patch-*"))


def test_crash_at_every_step_of_commit_and_of_recovery(tmp_path):
    old_tree, new_tree = expected(OLD), expected(NEW)
    finished = False
    seen: dict[str, int] = {}
    for k in range(1, 200):
        root = tmp_path / f"k{k}"
        out = make_out(root / "out", OLD)
        same_ino = os.stat(out / "same.html").st_ino
        step = run_dying_at(k, scenario, out)
        if not step:
            assert tree(out) == new_tree and leftovers(root) == []
            finished = True
            break
        seen[step] = seen.get(step, 0) + 1
        if step in ("write", "journal"):  # before the commit point: exactly the old site
            assert not committed(root) and tree(out) == old_tree, k
            recover(out)
            assert tree(out) == old_tree and leftovers(root) == [], k
            continue
        # after it: recovery rolls forward, even when recovery itself dies at any of its steps
        for j in range(1, 200):
            rstep = run_dying_at(j, recover, out)
            if not rstep:
                break
            assert committed(root) or rstep == "done"
        assert tree(out) == new_tree and leftovers(root) == [], k
        assert os.stat(out / "same.html").st_ino == same_ino
        recover(out)  # nothing left to do
        assert tree(out) == new_tree
    assert finished, seen
    assert seen["write"] == 5 and seen["delete"] == 4 and seen["move"] == 6 and seen["done"] == 1, seen


def test_staging_and_check_target_roll_a_committed_patch_forward(tmp_path):
    for entry in ("staging", "check_target", "patch"):
        root = tmp_path / entry
        out = make_out(root / "out", OLD)
        assert run_dying_at(9, scenario, out) == "delete"  # 5 writes, journal, commit point, 2 deletions
        assert committed(root) and tree(out) != expected(NEW)
        if entry == "staging":
            Staging(out).discard()
        elif entry == "check_target":
            check_target(out, site(root))  # else the half-applied files would look foreign
        else:
            Patch(out).discard()
        assert tree(out) == expected(NEW) and leftovers(root) == [], entry


# --- kill -9 of a real process: before the commit point, and in the middle of applying ---------------------

CHILD = """
import sys
from pathlib import Path
from builder.model.documents import Output
from builder.output.patch import Patch
out, n = Path(sys.argv[1]), int(sys.argv[2])
p = Patch(out)
for i in range(n):
    p.write(Output(f"p/{i % 50}/{i}.html", b"new %d" % i))
p.commit()
"""


def big(n: int) -> tuple[dict[str, bytes], dict[str, bytes]]:
    old = {f"p/{i % 50}/{i}.html": b"old %d" % i for i in range(n)}
    old.update({f"gone/{i % 50}/{i}.html": b"gone" for i in range(n)})
    new = {f"p/{i % 50}/{i}.html": b"new %d" % i for i in range(n)}
    return old, new


def test_kill_9_before_and_after_commit_point(tmp_path):
    n = 400
    old, new = big(n)
    old_tree, new_tree = expected(old), expected(new)
    outcomes: set[str] = set()
    env = dict(os.environ, PYTHONPATH=str(REPO))
    for attempt, when in enumerate(["writing", "applying", "applying", "applying"]):
        root = tmp_path / f"a{attempt}"
        out = make_out(root / "out", old)
        proc = subprocess.Popen([sys.executable, "-c", CHILD, str(out), str(n)], env=env)
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            folders = list(root.glob(".tongwen-patch-*"))
            if folders and (len(os.listdir(folders[0])) > 100 if when == "writing" else committed(root)):
                break
            time.sleep(0.0005)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        if proc.returncode == 0:
            outcomes.add("finished")
            assert tree(out) == new_tree
            continue
        assert proc.returncode == -signal.SIGKILL
        if committed(root):
            outcomes.add("killed after commit" + (" mid-apply" if tree(out) != old_tree else ""))
            check_target(out, site(root))
            assert tree(out) == new_tree and leftovers(root) == []
        else:
            outcomes.add("killed before commit")
            assert tree(out) == old_tree
            check_target(out, site(root))
            assert tree(out) == old_tree and leftovers(root) == []
    assert "killed before commit" in outcomes and "killed after commit mid-apply" in outcomes, outcomes
