"""Incremental reuse: what earlier builds left in `SITE/.tongwen-cache/` and what of it still holds.

Owns: the one interface `pipeline.build` uses (`session.Session`), the whole-build skip
(`fingerprint`), the render state and job keys (`state`), the content-addressed store (`store`), the
reused site model (`skeleton`), page reuse (`pagecache`) and the builder's identity (`identity`).
Must not: decide what a page shows (render does), or write into the output folder (output does).

The cache folder (safe to delete at any time) holds two formats, and nothing else:

- `store.sqlite`, one SQLite database (`store.connect` makes its tables):
  - `entries`: content-addressed rows, each under a `store.digest` key of everything it was
    computed from (the builder digest included): loaded documents, rendered bodies, mentions,
    passages, finished pages (`store.Store`) and Jinja's compiled templates (`compiled`);
  - `records`: what a build leaves for the next, per output folder (`records.KINDS`): the inputs'
    fingerprint with page counts and the folder's listing digest (`fingerprint.record`), the render
    state with that listing (`state.state_records`: a head row and the parts an edit changed), the
    derived site (`skeleton.prepare`); and, for every folder, the input files' stat → content
    digest (`fingerprint.FileDigests`). A build's records are written in one transaction
    (`records.Commit`).
- `search-<folder>/`: per output folder, the search index's own state for in-place updates
  (`search.save_state`; `records.search_dir` names it).

- `images/`: resized images, one flat folder, `<key>.jpg|png` and `<key>.webp`, the key a digest of
  the source file's bytes, the size and Pillow's version (not the builder's: a new builder does not
  resize unchanged images again); shared by every output folder (`images.table.prepare`). These are
  image files, the build's products, not records.

One code identity: `identity.builder_digest()` keys every entry, the fingerprint and the snapshot.
One pruning policy (`records.prune`, in the transaction that records a build): keep what recent builds
use — the records and search states of the five most recently recorded output folders, and, once the
entries are half as many again as this build used, only the entries it used; the same for the
files of `images/` (`records.prune_files`).
"""
