"""The knowledge features' data: which article links to which article or topic page (`links.py`:
the link index, found in the parsed tokens, with the sentence around each link).

Owns: finding links in tokens, resolving them to entries, the index by source and by target.
Must not: render pages, read or write caches or the output folder, convert text between scripts
(pages convert what they show; the index keeps text as written).
"""
