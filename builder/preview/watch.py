"""Watching what the build reads: content/, templates/, static/, i18n/ and site.yaml, with inotify through
watchfiles, in two threads. Each burst of saves is grouped by watchfiles (`STEP_MS`) and reported
through `notify`; the preview coalesces what both threads report (`state.Preview.changed`)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

import watchfiles

log = logging.getLogger("tongwen")

WATCHED = ("content", "templates", "static", "i18n", "site.yaml")
# watchfiles groups events until none arrived for this long; it looks every STEP_MS, so a save is
# reported 1-2 steps after it (30 ms gave 30-60 ms of the save-to-browser time; a lower step wakes
# the idle watcher threads more often: 10 ms is 100 cheap wake-ups a second each)
STEP_MS = 10


class Watcher:
    """Two watchfiles threads: the site folder itself, non-recursively (site.yaml, and content/,
    templates/, static/ appearing or vanishing), and those folders recursively. inotify is only set
    on what the build reads, never on public/ or .git."""

    def __init__(self, site_dir: Path, notify: Callable[[], None]):
        self.site_dir = site_dir
        self.notify = notify
        self.stop = threading.Event()
        self.restart = threading.Event()
        self.threads = [threading.Thread(target=self._top, name="tongwen-watch-top", daemon=True),
                        threading.Thread(target=self._tree, name="tongwen-watch-tree", daemon=True)]

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def close(self) -> None:
        self.stop.set()
        self.restart.set()
        for t in self.threads:
            t.join(timeout=2)

    def _relevant(self, change: watchfiles.Change, path: str) -> bool:
        try:
            rel = Path(path).relative_to(self.site_dir).parts
        except ValueError:
            return False
        if not rel or rel[0] not in WATCHED:
            return False
        if any(p.startswith(".") for p in rel[1:]):  # the build skips hidden files (editor swap files)
            return False
        if rel[0] == "content" and rel[-1].endswith("~"):  # and backups in content/
            return False
        return True

    def _top(self) -> None:
        def keep(change: watchfiles.Change, path: str) -> bool:
            return Path(path).parent == self.site_dir and Path(path).name in WATCHED

        for changes in watchfiles.watch(self.site_dir, watch_filter=keep, recursive=False, step=STEP_MS,
                                        debounce=1000, stop_event=self.stop, rust_timeout=500,
                                        raise_interrupt=False):
            if any(Path(p).name != "site.yaml" for _c, p in changes):
                self.restart.set()  # a watched folder appeared or vanished
            self.notify()

    def _tree(self) -> None:
        while not self.stop.is_set():
            self.restart.clear()
            dirs = [self.site_dir / d for d in WATCHED[:3] if (self.site_dir / d).is_dir()]
            if not dirs:
                self.restart.wait()
                continue
            try:
                for _changes in watchfiles.watch(*dirs, watch_filter=self._relevant, step=STEP_MS,
                                                 debounce=1000, stop_event=self.restart, rust_timeout=500,
                                                 raise_interrupt=False):
                    self.notify()
            except (FileNotFoundError, OSError, RuntimeError):
                log.debug("watch restart", exc_info=True)
                time.sleep(0.05)
                self.notify()
