"""Output: the only code that writes into the output folder.

Owns: the folder's ground rules (`folder`: manifest, sibling folder names, safe joins, atomic
exchange), a whole build staged beside the folder and swapped in (`staging`), an incremental build
patched in place with a journal (`patch`), finishing what a killed build left (`recovery`), and the
folder's stat check run in a forked child (`watch`).
Must not: render, or read the site's sources.
"""
