"""Incremental reuse: what an earlier build left in `SITE/.tongwen-cache/` and what of it still holds.

Owns: the whole-build skip (`fingerprint`), the render state and job keys (`state`), the
content-addressed store (`store`), the reused site model (`skeleton`) and page reuse (`pagecache`).
Must not: decide what a page shows (render does), or touch the output folder.
"""
