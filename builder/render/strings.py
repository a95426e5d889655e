"""UI strings per script, read from the theme's `i18n/zh-Hans.yaml` and `i18n/zh-Hant.yaml`: written
by hand for both scripts (Taiwan usage for 繁體), not converted at build time, so the interface reads
naturally in each edition. Each build reads them once per edition (`edition._edition_ctx`)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..errors import BuildFailed, error
from ..pipeline.yamlload import load_yaml
from .env import THEME

I18N = THEME / "i18n"


def strings_for(script: str) -> dict[str, str]:
    """The interface strings of an edition written in `script` (Hant, else Simplified)."""
    return read_strings(I18N / ("zh-Hant.yaml" if script == "Hant" else "zh-Hans.yaml"))


def read_strings(path: Path) -> dict[str, str]:
    """One strings file: a mapping of names to text. (The project's YAML loader, libyaml-backed:
    yaml.safe_load's pure-Python parser takes ~3.5 ms a file, this one ~0.3 ms.)"""
    data, lines, errors = load_yaml(path.read_text(encoding="utf-8"), str(path))
    if not errors and not isinstance(data, dict):
        errors = [error(str(path), 1, "expected a mapping of names to strings")]
    errors += [error(str(path), lines.get(str(key), 1), f"{key}: expected a string")
               for key, value in (data.items() if isinstance(data, dict) else ())
               if not isinstance(key, str) or not isinstance(value, str)]
    if errors:
        raise BuildFailed(errors)
    return data


def format_date(d: dt.datetime | None) -> str:
    """2025年2月11日 — the same form in both scripts."""
    if d is None:
        return ""
    return f"{d.year}年{d.month}月{d.day}日"
