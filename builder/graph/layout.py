"""Positions for a graph's nodes, computed at build time and deterministic: the same graph gives the
same whole-number coordinates, run after run and edition after edition (a layout depends only on the
number of nodes, the edges and the rings, never on labels, so both editions share it).

Two layouts:
- `radial`: a local graph (one hop) is a page in the middle and its neighbours on rings around it;
  computing it is a few trigonometric calls per node (every article and topic page has one: 20,000
  graphs at 10,000 articles, so a force simulation per page is too slow: see bench/README).
- `force`: a collection's global graph, Fruchterman–Reingold with NumPy, started from a golden-angle
  spiral in node order (no random numbers: nothing to seed) with a fixed number of steps and a fixed
  cooling schedule; the result is scaled into the box and rounded to integers, so the last bits of
  the floating-point sums cannot change the bytes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

Point = tuple[int, int]
MARGIN = 36  # room for a label beside a node at the box's edge (labels sit below nodes)
GOLDEN = math.pi * (3 - math.sqrt(5))  # the golden angle: spiral points never line up


def radial(rings: Sequence[int], width: int, height: int) -> tuple[Point, ...]:
    """Node 0 in the middle, then `rings[k]` nodes evenly spaced on ring k (inner first), each ring
    turned by half a step against the one inside it so labels of neighbouring rings do not stack."""
    cx, cy = width // 2, height // 2
    out: list[Point] = [(cx, cy)]
    rings = [n for n in rings if n > 0]
    rx, ry = width / 2 - MARGIN * 2, height / 2 - MARGIN
    for k, n in enumerate(rings):
        f = (k + 1) / len(rings)
        step = 2 * math.pi / n
        start = -math.pi / 2 + (step / 2 if k % 2 else 0)
        for j in range(n):
            a = start + j * step
            out.append((round(cx + rx * f * math.cos(a)), round(cy + ry * f * math.sin(a))))
    return tuple(out)


def force(n: int, edges: Sequence[tuple[int, int]], width: int, height: int,
          steps: int = 150) -> tuple[Point, ...]:
    """Fruchterman–Reingold in the unit square, scaled into `width`×`height` less the margin."""
    if n == 0:
        return ()
    if n == 1:
        return ((width // 2, height // 2),)
    idx = np.arange(n, dtype=np.float64)
    r = np.sqrt((idx + 0.5) / n)
    pos = np.stack([r * np.cos(idx * GOLDEN), r * np.sin(idx * GOLDEN)], axis=1)
    k = math.sqrt(1.0 / n)
    src = np.array([a for a, _b in edges], dtype=np.intp)
    dst = np.array([b for _a, b in edges], dtype=np.intp)
    temp = 0.12
    for _ in range(steps):
        delta = pos[:, None, :] - pos[None, :, :]
        dist2 = np.maximum((delta ** 2).sum(axis=2), 1e-6)
        np.fill_diagonal(dist2, np.inf)  # no force of a node on itself
        disp = (delta * (k * k / dist2)[:, :, None]).sum(axis=1)  # repulsion k²/d along the unit vector
        if len(src):
            e = pos[src] - pos[dst]
            pull = e * (np.sqrt((e ** 2).sum(axis=1)) / k)[:, None]  # attraction d²/k
            np.add.at(disp, src, -pull)
            np.add.at(disp, dst, pull)
        disp -= pos * (0.1 * k)  # a weak pull to the middle keeps unconnected nodes in view
        length = np.maximum(np.sqrt((disp ** 2).sum(axis=1)), 1e-9)
        pos += disp * (np.minimum(length, temp) / length)[:, None]
        temp *= 0.97
    return _fit(pos, width, height)


def _fit(pos: np.ndarray, width: int, height: int) -> tuple[Point, ...]:
    """Scale into the box keeping the aspect ratio, centred, rounded to whole units."""
    lo, hi = pos.min(axis=0), pos.max(axis=0)
    span = np.maximum(hi - lo, 1e-9)
    inner_w, inner_h = width - 4 * MARGIN, height - 2 * MARGIN
    s = min(inner_w / span[0], inner_h / span[1])
    off_x = (width - span[0] * s) / 2
    off_y = (height - span[1] * s) / 2
    return tuple((int(round(float((x - lo[0]) * s + off_x))), int(round(float((y - lo[1]) * s + off_y))))
                 for x, y in pos.tolist())
