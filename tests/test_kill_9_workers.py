"""A build killed with -9 leaves no process behind: its render workers (pipeline/parallel.py) and
its search child (search/parallel.py) end with it, by the kernel's parent-death signal on Linux or
by the watchdog thread elsewhere (both ways are tried here)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from reliab_util import REPO, descendants, still_running

pytestmark = pytest.mark.skipif(not os.path.isdir("/proc") or not hasattr(os, "fork"), reason="needs fork and /proc")

# runs chunks of a long, slow work in forked workers; the workers never finish on their own
CHILD = """
import sys, time
from builder.pipeline import parallel
if sys.argv[1] == "watchdog":
    parallel._set_pdeathsig = lambda: False  # as on a system without prctl
def work(a, b):
    time.sleep(300)
    return a
for _ in parallel.run_chunks(8, work, jobs=2, chunk=1):
    pass
"""

SEARCH_CHILD = """
import os, time
from builder.search import parallel
def index_range(*args):
    time.sleep(300)
parallel.index_range = index_range
print(parallel.in_child([], [], 0, 1, None)[0], flush=True)
time.sleep(300)
"""


def _kill_and_check(proc: subprocess.Popen[str], expect: int) -> None:
    deadline = time.monotonic() + 30
    below: dict[int, str] = {}
    while time.monotonic() < deadline and len(below) < expect:
        time.sleep(0.05)
        below = descendants(proc.pid)
    assert len(below) >= expect, f"the workers did not start: {below}"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 5
    while still_running(below) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = still_running(below)
    for p in left:  # do not leave them to the next test either way
        os.kill(p, signal.SIGKILL)
    assert left == [], f"outlived their parent's kill -9: {left}"


@pytest.mark.parametrize("how", ["pdeathsig", "watchdog"])
def test_render_workers_end_with_a_killed_build(how):
    env = dict(os.environ, PYTHONPATH=str(REPO), TONGWEN_JOBS="2")
    proc = subprocess.Popen([sys.executable, "-c", CHILD, how], env=env, text=True)
    _kill_and_check(proc, expect=2)


def test_search_child_ends_with_a_killed_build():
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen([sys.executable, "-c", SEARCH_CHILD], env=env, text=True, stdout=subprocess.PIPE)
    assert proc.stdout is not None
    assert int(proc.stdout.readline())  # the child's pid: it was forked
    _kill_and_check(proc, expect=1)
