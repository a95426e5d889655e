// Link previews (render/previews.py): hovering (after a short delay) or keyboard-focusing a link to an
// article or topic page shows a card with its title, date, summary and thumbnail, in this edition.
// The card's data comes in small shards loaded as scripts (not fetch: it works from file:// too).
// A tap on a touch screen navigates as usual: only a mouse hover or a focus opens a card.
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me || !window.URL || !window.TextEncoder) return;
  var root = new URL(me.getAttribute("data-root"), location.href).href; // this edition's root
  var siteRoot = new URL(me.getAttribute("data-site-root"), location.href).href;
  var shards = parseInt(me.getAttribute("data-shards"), 10) || 0;
  if (!shards) return;
  var DELAY = 350; // ms before a card opens (a link crossed on the way elsewhere shows nothing)
  var data = {}, waiting = {}, card = null, shownFor = null, timer = 0, lastPointer = "mouse";

  window.tongwenPreview = function (k, records) {
    data[k] = records;
    var fns = waiting[k] || [];
    delete waiting[k];
    for (var i = 0; i < fns.length; i++) fns[i]();
  };

  var crcTable = null;
  function hash(s) { // CRC-32 over UTF-8 bytes, as shard_of in knowledge/shards.py
    if (!crcTable) {
      crcTable = [];
      for (var n = 0; n < 256; n++) {
        var c = n;
        for (var k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
        crcTable[n] = c >>> 0;
      }
    }
    var bytes = new TextEncoder().encode(s), h = 0xffffffff;
    for (var i = 0; i < bytes.length; i++) h = crcTable[(h ^ bytes[i]) & 0xff] ^ (h >>> 8);
    return (h ^ 0xffffffff) >>> 0;
  }

  function pagePath(a) { // "posts/x/" for a link into this edition's pages, else null
    var href = a.href.split("#")[0].split("?")[0];
    if (href.indexOf(root) !== 0) return null;
    var p;
    try { p = decodeURIComponent(href.slice(root.length)); } catch (e) { return null; }
    p = p.replace(/index\.html$/, "");
    if (!p || p.slice(-1) !== "/") return null;
    return p;
  }

  function load(k, then) {
    if (data[k]) { then(); return; }
    if (waiting[k]) { waiting[k].push(then); return; }
    waiting[k] = [then];
    var s = document.createElement("script");
    s.src = root + "previews/" + k + ".js";
    s.onerror = function () { delete waiting[k]; };
    document.head.appendChild(s);
  }

  function build() {
    card = document.createElement("div");
    card.className = "preview-card";
    card.id = "tongwen-preview";
    card.setAttribute("role", "tooltip");
    card.hidden = true;
    card.addEventListener("pointerleave", function (ev) {
      if (!(shownFor && ev.relatedTarget && shownFor.contains(ev.relatedTarget))) hide();
    });
    document.body.appendChild(card);
  }

  function fill(rec) {
    while (card.firstChild) card.removeChild(card.firstChild);
    if (rec.i) {
      var img = document.createElement("img");
      img.alt = "";
      img.src = /^([a-z][a-z0-9+.-]*:|\/)/i.test(rec.i) ? rec.i : siteRoot + rec.i;
      img.loading = "lazy";
      card.appendChild(img);
    }
    var t = document.createElement("p");
    t.className = "preview-title";
    t.textContent = rec.t; // text, never markup: the data is the site's content
    card.appendChild(t);
    if (rec.d) {
      var d = document.createElement("p");
      d.className = "preview-date";
      d.textContent = rec.d;
      card.appendChild(d);
    }
    if (rec.s) {
      var s = document.createElement("p");
      s.className = "preview-summary";
      s.textContent = rec.s;
      card.appendChild(s);
    }
  }

  function place(a) {
    var r = a.getBoundingClientRect(), w = Math.min(360, window.innerWidth - 16);
    card.style.width = w + "px";
    card.style.left = Math.max(8, Math.min(r.left, window.innerWidth - w - 8)) + "px";
    card.hidden = false;
    var h = card.offsetHeight;
    var below = r.bottom + 6;
    card.style.top = (below + h > window.innerHeight && r.top - h - 6 > 0 ? r.top - h - 6 : below) + "px";
  }

  function show(a) {
    var p = pagePath(a);
    if (p === null) return;
    var k = hash(p) % shards;
    load(k, function () {
      var rec = data[k] && data[k][p];
      if (!rec || pending !== a) return;
      if (!card) build();
      fill(rec);
      shownFor = a;
      a.setAttribute("aria-describedby", card.id);
      place(a);
    });
  }

  var pending = null;
  function schedule(a) {
    clearTimeout(timer);
    pending = a;
    timer = setTimeout(function () { if (pending === a) show(a); }, DELAY);
  }

  function hide() {
    clearTimeout(timer);
    pending = null;
    if (shownFor) shownFor.removeAttribute("aria-describedby");
    shownFor = null;
    if (card) card.hidden = true;
  }

  function linkOf(node) {
    var a = node && node.closest ? node.closest("a[href]") : null;
    if (!a || !a.closest("main") || a.getAttribute("href").charAt(0) === "#") return null;
    return a;
  }

  document.addEventListener("pointerdown", function (ev) { lastPointer = ev.pointerType; }, true);
  document.addEventListener("pointerover", function (ev) {
    if (ev.pointerType !== "mouse") return;
    var a = linkOf(ev.target);
    if (a && a !== pending && a !== shownFor) schedule(a);
  });
  document.addEventListener("pointerout", function (ev) {
    if (ev.pointerType !== "mouse") return;
    var a = linkOf(ev.target);
    if (!a || (ev.relatedTarget && (a.contains(ev.relatedTarget) || (card && card.contains(ev.relatedTarget))))) return;
    if (a === pending || a === shownFor) hide();
  });
  document.addEventListener("focusin", function (ev) {
    if (lastPointer === "touch") { lastPointer = "mouse"; return; } // a tap: navigate, no card
    var a = linkOf(ev.target);
    if (a) schedule(a); else hide();
  });
  document.addEventListener("focusout", function (ev) {
    if (linkOf(ev.target) && (ev.target === pending || ev.target === shownFor)) hide();
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape" || ev.key === "Esc") hide();
  });
  // a shown card hides on scroll; a card still waiting stays scheduled (focusing a link off-screen
  // scrolls it into view first)
  window.addEventListener("scroll", function () { if (shownFor) hide(); }, { passive: true });
})();
