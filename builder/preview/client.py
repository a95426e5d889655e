"""What the browser gets besides the site: the client script that reloads a page a build finished
under, the error overlay and its CSS, and their injection into HTML responses (between
`<!--tongwen-serve-->` markers, never into the files: `strip_injected` gives the file back exactly)."""

from __future__ import annotations

import html

MARK_OPEN, MARK_CLOSE = b"<!--tongwen-serve-->", b"<!--/tongwen-serve-->"

CLIENT_JS = b"""// tongwen serve: reload if a build finished while this page was loading.
(function () {
  var m = /[?&]state=([^&]*)/.exec((document.currentScript || {}).src || "");
  var mine = m ? decodeURIComponent(m[1]) : "";
  function check() {
    fetch("/__tongwen/status.json", {cache: "no-store"}).then(function (r) { return r.json(); })
      .then(function (s) { if (String(s.state) !== mine) { location.reload(); } })
      .catch(function () {});
  }
  // fired by livereload.js when its websocket handshake is done, just before it registers this page
  document.addEventListener("LiveReloadConnect", function () { setTimeout(check, 0); });
})();
"""

CLIENT_CSS = b"""#tongwen-error{position:fixed;z-index:2147483647;inset:auto 0 0 0;max-height:60vh;overflow:auto;
margin:0;padding:1em 1.25em;background:#2b0d0d;color:#fff;border:0;border-top:4px solid #e5484d;
font:16px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;text-align:left;color-scheme:dark;
box-shadow:0 -4px 24px rgba(0,0,0,.4)}
#tongwen-error h2,#tongwen-error pre,#tongwen-error p{margin:0;padding:0;border:0;border-radius:0;background:none;
box-shadow:none;text-shadow:none;opacity:1;letter-spacing:normal;text-transform:none}
#tongwen-error h2{margin-bottom:.5em;font:600 13px/1.4 system-ui,sans-serif;color:#ffc9c9}
#tongwen-error pre{white-space:pre-wrap;overflow-wrap:anywhere;font:bold 17px/1.5 ui-monospace,SFMono-Regular,
Menlo,Consolas,monospace;color:#fff}
#tongwen-error p{margin-top:.6em;font:13px/1.4 system-ui,sans-serif;color:#f0d0d0}
"""


def inject(page: bytes, head: bytes, body: bytes) -> bytes:
    """Insert `head` before </head> and `body` before </body> (or append), each wrapped in markers
    that `strip_injected` removes, giving back the file exactly."""
    out = page
    if head:
        block = MARK_OPEN + head + MARK_CLOSE
        i = out.lower().find(b"</head>")
        out = out[:i] + block + out[i:] if i >= 0 else block + out
    if body:
        block = MARK_OPEN + body + MARK_CLOSE
        i = out.lower().rfind(b"</body>")
        out = out[:i] + block + out[i:] if i >= 0 else out + block
    return out


def strip_injected(page: bytes) -> bytes:
    out = page
    while True:
        i = out.find(MARK_OPEN)
        if i < 0:
            return out
        j = out.find(MARK_CLOSE, i)
        if j < 0:
            return out
        out = out[:i] + out[j + len(MARK_CLOSE):]


def error_overlay(errors: list[str]) -> bytes:
    lines = "\n".join(html.escape(e) for e in errors)
    n = len(errors)
    return ('<div id="tongwen-error" role="alert"><h2>Build failed ({} error{}) — showing the last good '
            'site</h2><pre>{}</pre><p>Fix the file and save; this page reloads by itself.</p></div>'
            .format(n, "" if n == 1 else "s", lines)).encode("utf-8")
