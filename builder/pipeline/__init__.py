"""The build pipeline: `build()` (load → derive → render → write) and its first two stages.

Owns: reading `content/` into documents (`load`, `frontmatter`, `yamlload`), deriving the site model
(`derive`: URLs, drafts, translations, terms, topics, redirects), topic mentions (`mentions`), URL
paths (`paths`) and the worker pool (`parallel`).
Must not: write into the output folder (only `output/` does), or render templates (`render/` does).
"""
