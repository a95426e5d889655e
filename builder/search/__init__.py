"""The in-site search index: built here, queried by `theme/static/search.js` with no server.

Owns: turning the build's SearchDoc records into the index files (search/manifest.js, search/s/*.js,
<prefix>/search/meta/*.js) and the search state an incremental build keeps. Must not touch:
rendering, the output folder or the build's other caches — callers write the Outputs returned
here and give a folder for the state (save_state / load_state); nor the theme's JS, whose formats
and character classes this package mirrors.

Modules, in dependency order (each imports only those before it):
    tokens         text → tokens; the character fold (`Fold`, one per build or state); query_groups
    postings       the varint text of posting lists; editing it in place (apply_postings)
    contributions  what each document contributes, gathered as NumPy arrays
    index          a range of documents → each token's postings (reduced and encoded vectorised)
    parallel       every document, split with a forked child when that pays; halves joined
    files          the index files of a full build (build_search) and their shared helpers
    state          SearchState and its records
    store          save_state / load_state: the state on disk
    update         build_search_state, update_search

Design (and why)
================

Tokens
    Text is lower-cased and *folded* (below), then cut into runs. A run of CJK characters (Han, kana,
    Hangul) gives every single character and every overlapping bigram: 产业带 → 产, 业, 带, 产业, 业带.
    A query run of two or more characters is looked up as its bigrams (all must match, so 产业带 needs
    产业 and 业带); a single-character query is looked up as that character. A run of Latin letters
    and digits is one token (`1688`, `ai`); a mixed word also gives its letter and digit parts of two
    or more characters (`h20` → h20, 20). So that results can appear while a Latin word is still being
    typed, every Latin/digit word of four or more characters also gives prefix tokens `xyz*` of 3 to 12
    characters; the browser looks up the last, unfinished word as `word` or `word*`.

Script folding: both editions' text, folded character by character
    Each document is indexed with the text of *every* edition (SearchDoc.text[key] for each edition),
    after a character-level fold to Simplified (OpenCC tw2s → hk2s → t2s, one character at a time, plus
    full-width ASCII → ASCII). The character fold makes the two editions' tokens identical wherever
    s2twp only changed characters (產業帶 and 产业带 both fold to 产业带), so indexing both costs a few
    per cent, not double. Where s2twp changed a *phrase* (软件 → 軟體, 信息 → 資訊, 网络 → 網路), the
    folded texts differ (软件 vs 软体) and the document simply carries both tokens, so 軟體, 软体, 軟件
    and 软件 all find it, and site-specific choices (glossary, `-{…}-` markup, human translations) are
    honoured because we index what each edition really says, not what a dictionary guesses.
    The browser folds the query with the same table; it ships only the pairs whose Simplified side
    occurs in this site (a few KB in the manifest) — a character whose fold is not in the site cannot
    match anything anyway. Approach (b) alone (fold to Simplified with a T→S phrase table) was rejected:
    it would need OpenCC's phrase dictionaries in the browser and would not see glossary overrides.

    Highlighting needs more: a query 軟體 on the 简体 page must mark 软件 in the snippet. Where the
    two editions' folded texts align (same length, or same-length sentences), the differing bigrams are
    recorded as *equivalents* (软体 ↔ 软件) and stored in the shard of each token, so a query learns
    them from the shards it fetches anyway; nothing extra is downloaded.

Files (all JavaScript that calls a global callback, so they load as <script> from file:// and under a
strict `script-src 'self'` CSP; all JSON compact, keys sorted, ensure_ascii=False)
    search/manifest.js        __tw_search_manifest({v, n, shards, hex, chunk, fold, ...}) — small,
                              fetched when the search box is first focused
    search/s/<hex>.js         __tw_search_shard(id, {"p": {token: postings}, "e": {token: [equiv]}})
                              shared by every edition; a token lives in shard hash(token) % shards,
                              hash = CRC-32 of the UTF-8 bytes (same in search.js)
    <prefix>/search/meta/<n>.js  __tw_search_meta(edition_key, n, [[url, title, date, kind, text], …])
                              display data of documents n*chunk … n*chunk+chunk-1 in that edition

    Document ids are assigned newest first (date desc, then url), so "recency" is the id order and
    ranking needs no metadata; only the chunks of the results shown are fetched. The shard count is a
    power of two chosen so an average shard is ≈ SHARD_TARGET bytes (16…4096 shards); the chunk size is
    chosen so an average metadata chunk is ≈ CHUNK_TARGET bytes (a power of two, at most the number
    of documents). Snippet text is the first SNIPPET_CHARS characters of the edition's plain text.
    Postings: postings.py. How they are built fast: contributions.py and index.py (bench/search_index.py
    measures it; tests compare the output with tests/search_reference.py, an earlier implementation).
    Incremental updates: update.py; the state on disk: store.py.
"""

from .files import CHUNK_TARGET, SHARD_TARGET, build_search
from .postings import decode_postings, encode_postings
from .state import SearchState, StateError
from .store import load_state, save_state
from .tokens import Fold, fold, fold_map, query_groups, shard_of, tokenize
from .update import build_search_state, update_search

__all__ = [
    "CHUNK_TARGET",
    "SHARD_TARGET",
    "Fold",
    "SearchState",
    "StateError",
    "build_search",
    "build_search_state",
    "decode_postings",
    "encode_postings",
    "fold",
    "fold_map",
    "load_state",
    "query_groups",
    "save_state",
    "shard_of",
    "tokenize",
    "update_search",
]
