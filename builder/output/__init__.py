"""Output: the only code that writes into the output folder.

Owns: staging a whole build beside the folder and swapping it in atomically, patching the folder
in place with a journal (`write`), and the output folder's stat check (`watch`).
Must not: render, or read the site's sources.
"""
