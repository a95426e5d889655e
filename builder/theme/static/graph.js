// Graphs (builder/graph/) are laid out at build time and readable without this script: every node
// with a page is an SVG link (Tab reaches it, Enter or a click follows it). This adds panning (drag),
// zooming (wheel, pinch-free buttons), and highlights a node's neighbours on hover or focus.
// No library, no inline style (the page's CSP allows only 'self' scripts and styles): it changes the
// SVG's viewBox attribute and class names.
(function () {
  "use strict";
  var MIN = 0.25, MAX = 6;  // zoom range, relative to the laid-out box

  function setup(fig) {
    var svg = fig.querySelector("svg.graph-svg");
    if (!svg || fig.getAttribute("data-ready")) return;
    fig.setAttribute("data-ready", "1");
    fig.classList.add("is-live");
    var base = svg.getAttribute("viewBox").split(/\s+/).map(Number);
    var vb = base.slice();
    function apply() { svg.setAttribute("viewBox", vb.map(function (v) { return Math.round(v * 100) / 100; }).join(" ")); }
    function zoom(f, cx, cy) {  // f > 1 zooms in, around the box point (cx, cy)
      var scale = base[2] / (vb[2] / f);
      if (scale < MIN || scale > MAX) return;
      if (cx === undefined) { cx = vb[0] + vb[2] / 2; cy = vb[1] + vb[3] / 2; }
      vb = [cx - (cx - vb[0]) / f, cy - (cy - vb[1]) / f, vb[2] / f, vb[3] / f];
      apply();
    }
    function toBox(ev) {
      var r = svg.getBoundingClientRect();
      return [vb[0] + (ev.clientX - r.left) / r.width * vb[2], vb[1] + (ev.clientY - r.top) / r.height * vb[3]];
    }
    svg.addEventListener("wheel", function (ev) {
      ev.preventDefault();
      var p = toBox(ev);
      zoom(ev.deltaY < 0 ? 1.2 : 1 / 1.2, p[0], p[1]);
    }, {passive: false});

    var drag = null, moved = false;
    svg.addEventListener("pointerdown", function (ev) {
      if (ev.button !== 0) return;
      drag = {x: ev.clientX, y: ev.clientY, vb: vb.slice(), id: ev.pointerId};
      moved = false;
    });
    svg.addEventListener("pointermove", function (ev) {
      if (!drag || ev.pointerId !== drag.id) return;
      var dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
      if (!moved && Math.abs(dx) + Math.abs(dy) < 4) return;  // a click, not yet a drag
      if (!moved) { moved = true; svg.classList.add("is-panning"); svg.setPointerCapture(ev.pointerId); }
      var r = svg.getBoundingClientRect();
      vb[0] = drag.vb[0] - dx / r.width * vb[2];
      vb[1] = drag.vb[1] - dy / r.height * vb[3];
      apply();
    });
    function end() { drag = null; svg.classList.remove("is-panning"); }
    svg.addEventListener("pointerup", end);
    svg.addEventListener("pointercancel", end);
    // a drag that started on a node must not follow its link when the button is released
    svg.addEventListener("click", function (ev) { if (moved) { ev.preventDefault(); moved = false; } }, true);

    var tools = fig.querySelector(".graph-tools");
    if (tools) {
      tools.hidden = false;
      tools.addEventListener("click", function (ev) {
        var b = ev.target.closest("button[data-zoom]");
        if (!b) return;
        var what = b.getAttribute("data-zoom");
        if (what === "in") zoom(1.25);
        else if (what === "out") zoom(1 / 1.25);
        else { vb = base.slice(); apply(); }
      });
    }

    // neighbours: each node lists theirs (data-n, indexes in node order); a hovered or focused
    // node's edges are drawn again on top, in one path (the edges are one path: svg.py)
    var nodes = svg.querySelectorAll(".graph-node");
    var hl = document.createElementNS("http://www.w3.org/2000/svg", "path");
    hl.setAttribute("class", "graph-hl");
    hl.setAttribute("fill", "none");
    svg.querySelector(".graph-edges").after(hl);
    function at(n) { var c = n.querySelector("circle"); return c.getAttribute("cx") + " " + c.getAttribute("cy"); }
    function near(n) {
      var s = n.getAttribute("data-n");
      return s ? s.split(" ").map(function (k) { return nodes[+k]; }).filter(Boolean) : [];
    }
    var lit = [];
    function clear() {
      lit.forEach(function (el) { el.classList.remove("is-near"); });
      lit = [];
      hl.setAttribute("d", "");
      fig.classList.remove("is-hover");
    }
    function light(n) {
      clear();
      var others = near(n);
      lit = [n].concat(others);
      lit.forEach(function (el) { el.classList.add("is-near"); });
      hl.setAttribute("d", others.map(function (o) { return "M" + at(n) + "L" + at(o); }).join(""));
      fig.classList.add("is-hover");
    }
    function visible(n) {  // a node reached by Tab outside the panned or zoomed view comes into it
      var c = n.querySelector("circle");
      var x = +c.getAttribute("cx"), y = +c.getAttribute("cy");
      if (x < vb[0] || x > vb[0] + vb[2] || y < vb[1] || y > vb[1] + vb[3]) {
        vb[0] = x - vb[2] / 2; vb[1] = y - vb[3] / 2; apply();
      }
    }
    Array.prototype.forEach.call(nodes, function (n) {
      n.addEventListener("pointerenter", function () { if (!drag) light(n); });
      n.addEventListener("pointerleave", clear);
      n.addEventListener("focus", function () { light(n); visible(n); });
      n.addEventListener("blur", clear);
    });
  }

  var figs = document.querySelectorAll("[data-graph]");
  for (var i = 0; i < figs.length; i++) setup(figs[i]);
})();
