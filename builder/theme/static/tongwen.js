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

// A remote image that fails to load collapses to its alt text (a decorative one, alt="", to
// nothing) instead of leaving an empty box. `error` does not bubble: it is caught on the way down.
(function () {
  "use strict";
  function collapse(img) {
    var box = img.parentNode && img.parentNode.nodeName === "PICTURE" ? img.parentNode : img;
    var alt = img.getAttribute("alt") || "";
    var holder = box.parentNode;
    if (!holder) return;
    if (alt) {
      var span = document.createElement("span");
      span.className = "img-broken";
      span.textContent = alt;
      holder.replaceChild(span, box);
    } else {
      holder.removeChild(box);
      if (holder.matches && holder.matches(".post-thumbnail, .card-thumb") && !holder.children.length) {
        holder.hidden = true;
      }
    }
  }
  document.addEventListener("error", function (ev) {
    if (ev.target && ev.target.nodeName === "IMG") collapse(ev.target);
  }, true);
  var imgs = document.images;
  for (var i = imgs.length - 1; i >= 0; i--) {
    // failed before this deferred script ran
    var s = imgs[i].getAttribute("src") || "";
    if (imgs[i].complete && imgs[i].naturalWidth === 0 && s && !/\.svg($|[?#])/i.test(s)) collapse(imgs[i]);
  }
})();
