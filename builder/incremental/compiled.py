"""Jinja's compiled templates, kept between builds as rows of the store's `entries` table.

Compiling the theme's templates takes about 0.05 s of every build that renders a page; reading them
back about 0.002 s. A row's key is a `store.digest` (the builder digest, which covers the
environment's options and Jinja's version) of the template's name and source checksum, so it is
never read by another builder or for another source. Rows are read and written on a connection of
their own, not through the build's `Store`: a build that used none of its other rows prunes them
with the rest (`records.prune`), and the templates are compiled again once.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import jinja2

from .records import db_path
from .store import connect, digest


class CompiledTemplates(jinja2.BytecodeCache):
    def __init__(self, site_dir: Path):
        self.path = db_path(site_dir)

    def _key(self, bucket: jinja2.bccache.Bucket) -> bytes:
        return digest("jinja", bucket.key, bucket.checksum)

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if not self.path.is_file():
            return
        try:
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=2)
            try:
                row = conn.execute("SELECT value FROM entries WHERE key = ?", (self._key(bucket),)).fetchone()
            finally:
                conn.close()
        except sqlite3.Error:
            return
        if row is not None:
            bucket.bytecode_from_string(row[0])  # (a damaged row is refused by Jinja: compiled again)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            conn = connect(self.path)
            try:
                conn.execute("INSERT OR REPLACE INTO entries VALUES (?, ?)",
                             (self._key(bucket), bucket.bytecode_to_string()))
            finally:
                conn.close()
        except (sqlite3.Error, OSError):
            pass  # a full disk or a read-only folder: the template is compiled again next time
