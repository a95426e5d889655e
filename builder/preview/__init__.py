"""The live preview behind `tongwen serve` (`builder/serve.py` wires these parts into one server).

Owns: the rebuild state and its scheduling (`state`: `Preview`, one build at a time, changes during a
build coalesced into exactly one more), watching the site's inputs (`watch`), mapping request paths to
served files safely and their content types (`paths`), what the browser gets besides the site: the
client script, the error overlay and their injection into HTML responses (`client`), and the HTTP
handlers (`handlers`).
Must not: write anywhere but its own temporary folder (builds go through `pipeline.build`, like
`tongwen build`), change a file it serves (the reload script is injected into responses only), or
hold module-level state (a preview's state lives in its `Preview`).

Modules, in dependency order (each imports only those before it): paths, client, watch, state,
handlers.
"""
