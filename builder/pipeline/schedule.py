"""The publication window, as in Hugo: a page whose publish date (`publishDate`, else `date`) is
after the build's clock is left out unless `--future`; a page whose `expiryDate` has passed is left
out. The clock is SOURCE_DATE_EPOCH, else site.yaml `build_date`, else the time of the build (what
Hugo's `--clock` and its wall clock are): a build with either set is reproducible.

Which pages the clock leaves out changes with time alone, without any input changing, so a build
with scheduled pages records when its decisions next change (`next_change`): the whole-build skip
and the reuse of the derived site are refused from then on (incremental/session.py), and the pages
left out are part of the global signature."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable

from ..config import SiteConfig
from ..errors import BuildFailed, error
from ..model.documents import FrontMatter
from .frontmatter import parse_date


def clock(config: SiteConfig) -> dt.datetime:
    sde = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if sde:
        try:
            return dt.datetime.fromtimestamp(int(sde), tz=dt.UTC)
        except (ValueError, OverflowError):
            raise BuildFailed([error("SOURCE_DATE_EPOCH", 0, f"not a Unix timestamp: {sde!r}")]) from None
    if config.build_date:
        try:
            return parse_date(config.build_date, config.tz)
        except ValueError as exc:
            raise BuildFailed([error("site.yaml", 1, f"build_date: {exc}")]) from None
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def published(meta: FrontMatter, now: dt.datetime, future: bool) -> bool:
    start = meta.publish_date or meta.date
    if not future and start is not None and start > now:
        return False
    return meta.expiry_date is None or meta.expiry_date > now


def next_change(metas: Iterable[FrontMatter], now: dt.datetime, future: bool) -> dt.datetime | None:
    """The first moment after `now` at which `published` changes for one of `metas`, if any."""
    times = []
    for m in metas:
        start = m.publish_date or m.date
        if not future and start is not None and start > now:
            times.append(start)
        if m.expiry_date is not None and m.expiry_date > now:
            times.append(m.expiry_date)
    return min(times) if times else None
