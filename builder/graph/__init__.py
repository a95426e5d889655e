"""The knowledge graph: which nodes and edges a page's graph shows (`neighbourhood.py`: the local
graph of an article or topic page, a collection's global graph, each capped), their positions
computed at build time (`layout.py`: deterministic, rounded to whole units) and the inline SVG with
its text alternative (`svg.py`).

Owns: plain data in, plain data or markup out. Must not: import `render/` or read the site model,
files, caches or the output folder (the render's page functions hand it names, URLs and edges, and
record what they read); it never sees the link index itself (a mapping of source → targets is
passed in, empty until the link index is wired in).
"""
