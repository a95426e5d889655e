"""Text: the one Markdown parser and its rendering rules, script conversion (OpenCC, the glossary,
`-{…}-`), summaries and reading time, and the raw-HTML sanitiser.

    markdown     the parser: `-{…}-`, heading and passage anchors, passages, <!--more-->
    html         the render rules (`RULES`, handed to the parser) and `render`, `render_texts`
    memo         `TextMemo`: what one unit of render work parsed and converted (owned by the render)
    opencc       OpenCC converters by config (the one process-wide memo), `ScriptFold`, batches
    convert      per-(source, edition) converters honouring the glossary; leftovers: the pass after
    choices, conversions, purity, scriptchars   `tongwen check`'s analyses and their tables
    summary, sanitize   summaries and reading time; the raw-HTML allowlist

Owns: turning source text into edition text and HTML fragments.
Must not: know about pages, URLs of the site, templates, caches or the output folder; keep
module-level state (a memo belongs to the object that uses it).
"""
