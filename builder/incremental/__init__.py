"""Incremental reuse: what earlier builds left in `SITE/.tongwen-cache/` and what of it still holds.

Owns: the one interface `pipeline.build` uses (`session.Session`), the whole-build skip
(`fingerprint`), the render state and job keys (`state`), the content-addressed store (`store`), the
reused site model (`skeleton`), page reuse (`pagecache`) and the builder's identity (`identity`).
Must not: decide what a page shows (render does), or write into the output folder (output does).

The cache folder (safe to delete at any time; every file is keyed with `identity.builder_digest()`):

- `builds.json`: per output folder, the inputs' fingerprint, page counts and the folder's listing
  digest (`fingerprint.record`);
- `files.pickle`: input files' stat → content digest, so an unchanged file is not read again
  (`fingerprint.FileDigests`);
- `docs.sqlite`: loaded documents, rendered bodies, mentions, passages and finished pages, each under
  a key of what it was computed from (`store.Store`);
- `render-state-<out>.pickle`: per output folder, every job's key and outputs, the article memos and
  topic lists (`state.write_state`);
- `skeleton-<out>.pickle`: per output folder, the derived site, reused while only bodies change
  (`skeleton.prepare`);
- `search-<out>/`: per output folder, the search index's own state for in-place updates
  (`search.save_state`);
- `jinja-<builder>/`: compiled templates (Jinja's bytecode cache, `render`);
- `images/`: resized images, one flat folder, `<key>.jpg|png` and `<key>.webp`, the key a digest of
  the source file's bytes, the size and Pillow's version (not the builder's: a new builder does not
  resize unchanged images again); shared by every output folder (`images.table.prepare`).

Pruning: `docs.sqlite` drops the rows no build used once it holds 1.5 times what one build uses;
the per-folder files of all but the four most recent output folders are removed (`state._prune`);
`jinja-*` of other builder versions are removed when a build compiles templates; `images/` is not
pruned (delete it to drop images no page uses any more).
"""
