"""Stage 3, render: `Site` → `Output`s (being split into modules, issue #16)."""

from .site import (
    THEME,
    Incremental,
    doc_converter,
    environment,
    reading_minutes,
    render_site,
    summarize,
    template_error,
    term_name,
)

__all__ = ["THEME", "Incremental", "doc_converter", "environment", "reading_minutes", "render_site", "summarize",
           "template_error", "term_name"]
