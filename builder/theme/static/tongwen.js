// Pages link to folders ("posts/a/"); opened from disk (file://) a browser shows a folder listing
// instead of index.html, so point such links at index.html. On a web server nothing changes.
(function () {
  "use strict";
  if (location.protocol !== "file:") return;
  var links = document.querySelectorAll("a[href]");
  for (var i = 0; i < links.length; i++) {
    var raw = links[i].getAttribute("href");
    if (!raw || /^[a-z][a-z0-9+.-]*:/i.test(raw) || raw.charAt(0) === "#") continue;
    var hash = raw.indexOf("#");
    var path = hash >= 0 ? raw.slice(0, hash) : raw;
    if (path === "" || path.slice(-1) === "/") {
      links[i].setAttribute("href", path + "index.html" + (hash >= 0 ? raw.slice(hash) : ""));
    }
  }
})();
