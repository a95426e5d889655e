"""The publication window, as in Hugo: a page whose publish date (`publishDate`, else `date`) is
after the build's clock is left out unless `--future`; a page whose `expiryDate` has passed is left
out. The clock is site.yaml `build_date` when set (Hugo's `--clock`), else the time of the build (as
Hugo's). Not SOURCE_DATE_EPOCH: set to the last commit's time for reproducible builds, it would keep a
page dated after that commit out until the next commit, and test and CI runs set it to fixed dates.

Which pages the clock leaves out changes with time alone, without any input changing, so a build
with scheduled pages records when its decisions next change (`next_change`): the whole-build skip
and the reuse of the derived site are refused then (incremental/session.py), and the pages left out
are part of the global signature."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from ..config import SiteConfig
from ..errors import BuildFailed, error
from ..model.documents import FrontMatter
from .frontmatter import parse_date


def clock(config: SiteConfig) -> dt.datetime:
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
