"""Text: the one Markdown parser and its rendering rules, script conversion (OpenCC, the glossary,
`-{…}-`), summaries and reading time, and the raw-HTML sanitiser.

Owns: turning source text into edition text and HTML fragments.
Must not: know about pages, URLs of the site, templates, caches or the output folder.
"""
