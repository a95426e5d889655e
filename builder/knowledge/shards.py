"""Which shard of the link previews' data holds a page (render/previews.py writes the shards, the
theme's previews.js computes the same shard from a link's path).

A page path's shard is FNV-1a (32-bit, over its UTF-8 bytes) modulo the shard count; the count
follows the number of pages so that a shard holds about PER_SHARD records, whatever the site's size.
"""

from __future__ import annotations

import math

PER_SHARD = 8  # records per shard file: about 8 × 600 bytes at most (a 120-character summary is 360 bytes)


def shard_count(pages: int) -> int:
    return max(1, math.ceil(pages / PER_SHARD))


def shard_of(path: str, shards: int) -> int:
    """FNV-1a of the page path's UTF-8 bytes, modulo `shards`."""
    h = 0x811C9DC5
    for b in path.encode("utf-8"):
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h % shards
