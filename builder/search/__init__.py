"""The in-site search index (design notes: index.py)."""

from .index import (
    CHUNK_TARGET,
    SHARD_TARGET,
    SearchState,
    StateError,
    build_search,
    build_search_state,
    decode_postings,
    encode_postings,
    fold,
    fold_map,
    load_state,
    query_groups,
    save_state,
    shard_of,
    tokenize,
    update_search,
)

__all__ = [
    "CHUNK_TARGET",
    "SHARD_TARGET",
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
