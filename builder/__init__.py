"""Tongwen (同文): Markdown in, a static site in 简体 and 繁體 out. `pipeline.build` is the table of
contents; `docs/architecture.md` is the map."""

__version__ = "0.1.0"  # the same as pyproject.toml's (tests/test_cli.py checks)
