"""The build's data model: frozen dataclasses only, no I/O.

Owns: what a loaded source is (`documents`: Edition, FrontMatter, Document, Term, Output, SearchDoc)
and what the derived site is (`site`: Entry, Topic, Collection, Site).
Must not: read or write files, import any other part of `builder`, or hold mutable state.
"""

from .documents import Document, Edition, FrontMatter, GlossaryEntry, Output, SearchDoc, Term, Thumbnail
from .site import Collection, Entry, Site, Topic

__all__ = ["Collection", "Document", "Edition", "Entry", "FrontMatter", "GlossaryEntry", "Output", "SearchDoc",
           "Site", "Term", "Thumbnail", "Topic"]
