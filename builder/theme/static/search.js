/* Tongwen in-site search: queries the static index written by builder/search.py, with no server.
 *
 * Every index file is a script that calls a global callback, so it loads with <script src> from any
 * static host, under a sub-path, and from file:// (where fetch() of local files is blocked), and it
 * passes a `script-src 'self'` CSP. All URLs are relative to the page (data-root, data-edition-root).
 * Untrusted text (titles, snippets, the query) only ever reaches the page through textContent.
 */
(function () {
  'use strict';
  if (window.__tw_search_ready) return; // the widget may appear twice on a page
  window.__tw_search_ready = true;

  // Same classes as builder/search.py (CJK, WORD).
  var CJK = '\u3005\u3007\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\u{20000}-\u{3134f}';
  var WORD = '0-9a-z\u00c0-\u024f\u0370-\u03ff\u0400-\u04ff';
  var RUN_SRC = '[' + CJK + ']+|[' + WORD + ']+';
  var IS_CJK = new RegExp('^[' + CJK + ']', 'u');
  var ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_';
  var DIGIT = new Int8Array(128).fill(-1);
  for (var i = 0; i < ALPHABET.length; i++) DIGIT[ALPHABET.charCodeAt(i)] = i;
  var PAGE = 10; // results shown at once in the dropdown; "more" shows the next PAGE
  var PAGE_FULL = 50; // results shown at once on the search page
  var MAX_GROUPS = 12; // bound the shards one (pasted) query may fetch
  var SNIPPET = 110; // characters of snippet around the first match
  var LEAD = 24; // characters of context before the first match
  var IN_WORD = new RegExp('[' + WORD + ']', 'iu'); // letters and digits: a snippet never cuts through them
  var BREAK = /[\s\u3000。，、；：！？,.;:!?）)」』》】]/; // a clause may start after one of these
  var DEBOUNCE = 160;

  // ---- loading index files ------------------------------------------------------------------------
  var cache = {};
  var resolvers = {};
  var manifest = null;
  var isFile = location.protocol === 'file:';

  function deliver(key, data) {
    var r = resolvers[key];
    if (r) {
      delete resolvers[key];
      r(data);
    }
  }
  window.__tw_search_manifest = function (d) { deliver('m', d); };
  window.__tw_search_shard = function (id, d) { deliver('s' + id, d); };
  window.__tw_search_meta = function (ed, id, d) { deliver('c' + ed + '/' + id, d); };

  function load(key, url) {
    if (cache[key]) return cache[key];
    var p = new Promise(function (resolve, reject) {
      resolvers[key] = resolve;
      var s = document.createElement('script');
      s.async = true;
      s.src = url;
      s.onload = function () {
        s.remove();
        if (resolvers[key]) { // the file ran but did not call back: not an index file
          delete resolvers[key];
          delete cache[key];
          reject(new Error('not a search index file: ' + url));
        }
      };
      s.onerror = function () {
        s.remove();
        delete resolvers[key];
        delete cache[key]; // allow a retry
        reject(new Error('cannot load ' + url));
      };
      document.head.appendChild(s);
    });
    cache[key] = p;
    return p;
  }

  function versioned(path) {
    // cache-buster for http(s) hosts; file:// URLs take no query
    return manifest && !isFile ? path + '?v=' + manifest.v : path;
  }

  var foldTable = null;
  function getManifest(root) {
    return load('m', root + 'search/manifest.js').then(function (m) {
      manifest = m;
      if (!foldTable) {
        foldTable = new Map();
        var cs = Array.from(m.fold);
        for (var j = 0; j + 1 < cs.length; j += 2) foldTable.set(cs[j], cs[j + 1]);
      }
      return m;
    });
  }

  // CRC-32 of the UTF-8 bytes, as zlib.crc32 in builder/search.py.
  var CRC = (function () {
    var t = new Uint32Array(256);
    for (var n = 0; n < 256; n++) {
      var c = n;
      for (var k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      t[n] = c >>> 0;
    }
    return t;
  })();
  var encoder = new TextEncoder();
  function crc32(s) {
    var b = encoder.encode(s);
    var c = 0xffffffff;
    for (var j = 0; j < b.length; j++) c = CRC[(c ^ b[j]) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  }

  function shardFor(root, token) {
    var id = crc32(token) & (manifest.shards - 1);
    var name = id.toString(16).padStart(manifest.hex, '0');
    return load('s' + id, versioned(root + 'search/s/' + name + '.js'));
  }

  function metaFor(editionRoot, edition, chunk) {
    return load('c' + edition + '/' + chunk, versioned(editionRoot + 'search/meta/' + chunk + '.js'));
  }

  // ---- text ---------------------------------------------------------------------------------------
  // Lower-case and fold to Simplified one UTF-16 unit at a time, so folded and original text have
  // the same length and match positions carry over for highlighting.
  function fold(s) {
    var out = '';
    for (var j = 0; j < s.length; j++) {
      var ch = s[j];
      var code = ch.charCodeAt(0);
      if (code >= 0xff01 && code <= 0xff5e) ch = String.fromCharCode(code - 0xfee0);
      else if (code === 0x3000) ch = ' ';
      var low = ch.toLowerCase();
      if (low.length === 1) ch = low;
      var f = foldTable && foldTable.get(ch);
      out += f && f.length === 1 ? f : ch;
    }
    return out;
  }

  // A query → groups of alternative tokens; every group must match (see query_groups in search.py).
  function parse(q) {
    var f = fold(q);
    var re = new RegExp(RUN_SRC, 'gu');
    var groups = [];
    var runs = [];
    var seen = {};
    var x;
    function add(g) {
      var k = g.join('|');
      if (!seen[k]) { seen[k] = 1; groups.push(g); }
    }
    while ((x = re.exec(f))) {
      var r = x[0];
      runs.push(r);
      if (IS_CJK.test(r)) {
        var cs = Array.from(r);
        if (cs.length === 1) add([r]);
        for (var j = 0; j + 1 < cs.length; j++) add([cs[j] + cs[j + 1]]);
      } else {
        var last = x.index + r.length === f.length;
        var pre = manifest.prefix;
        if (last && r.length >= pre[0]) add([r, r.slice(0, pre[1]) + '*']);
        else add([r]);
      }
    }
    if (groups.length > MAX_GROUPS) { // keep an even spread of the groups
      var keep = [];
      for (var k = 0; k < MAX_GROUPS; k++) keep.push(groups[Math.floor(k * groups.length / MAX_GROUPS)]);
      groups = keep;
    }
    return { groups: groups, runs: runs };
  }

  var decoded = new Map();
  function decode(s) {
    var got = decoded.get(s);
    if (got) return got;
    var ids = [];
    var ws = [];
    var x = 0;
    var doc = -1;
    for (var j = 0; j < s.length; j++) {
      var d = DIGIT[s.charCodeAt(j)];
      if (d >= 32) x = x * 32 + d - 32;
      else {
        x = x * 32 + d;
        doc += Math.floor(x / 32);
        ids.push(doc);
        ws.push(x % 32);
        x = 0;
      }
    }
    got = { ids: ids, ws: ws };
    decoded.set(s, got);
    return got;
  }

  // ---- ranking ------------------------------------------------------------------------------------
  function rank(groups, shardOf) {
    var n = manifest.n;
    var lists = groups.map(function (g) {
      var m = new Map(); // doc id → weight (best alternative)
      g.forEach(function (t) {
        var s = shardOf[t] && shardOf[t].p[t];
        if (!s) return;
        var p = decode(s);
        for (var j = 0; j < p.ids.length; j++) {
          var old = m.get(p.ids[j]);
          if (old === undefined || p.ws[j] > old) m.set(p.ids[j], p.ws[j]);
        }
      });
      return m;
    });
    if (!lists.length || lists.some(function (m) { return m.size === 0; })) return [];
    var order = lists.slice().sort(function (a, b) { return a.size - b.size; });
    var idf = lists.map(function (m) { return Math.log(1 + n / m.size); });
    var hits = [];
    order[0].forEach(function (_, id) {
      for (var j = 1; j < order.length; j++) if (!order[j].has(id)) return;
      var score = 0;
      var inTitle = true;
      for (var g = 0; g < lists.length; g++) {
        var w = lists[g].get(id);
        if (!(w & 1)) inTitle = false;
        score += idf[g] * ((w >> 2) + (w & 1 ? 4 : 0) + (w & 2 ? 1.5 : 0));
      }
      hits.push({ id: id, title: inTitle, score: score });
    });
    // title matches first, then relevance, then recency (ids are assigned newest first)
    hits.sort(function (a, b) {
      return (b.title - a.title) || (b.score - a.score) || (a.id - b.id);
    });
    return hits;
  }

  // ---- highlighting -------------------------------------------------------------------------------
  // Folded strings to look for: each query run, its variants with bigram equivalents from the
  // shards (軟體 on a 简体 page also marks 软件), and, as a fallback, the run's bigrams.
  function needles(runs, shardOf) {
    var eq = function (t) {
      var s = shardOf[t];
      return (s && s.e[t]) || [];
    };
    var whole = [];
    var parts = [];
    runs.forEach(function (r) {
      whole.push(r);
      if (!IS_CJK.test(r)) return;
      var cs = Array.from(r);
      if (cs.length === 1) return;
      for (var j = 0; j + 1 < cs.length; j++) {
        var bg = cs[j] + cs[j + 1];
        parts.push(bg);
        eq(bg).forEach(function (e) {
          parts.push(e);
          var ec = Array.from(e);
          if (ec.length === 2) {
            var v = cs.slice();
            v[j] = ec[0];
            v[j + 1] = ec[1];
            whole.push(v.join(''));
          }
        });
      }
    });
    return { whole: whole, parts: parts };
  }

  function matches(text, ns) {
    var f = fold(text);
    function find(list) {
      var out = [];
      list.forEach(function (n) {
        if (!n) return;
        var at = f.indexOf(n);
        while (at !== -1) {
          out.push([at, at + n.length]);
          at = f.indexOf(n, at + n.length);
        }
      });
      return out;
    }
    var iv = find(ns.whole);
    if (!iv.length) iv = find(ns.parts);
    iv.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });
    var merged = [];
    iv.forEach(function (r) {
      var last = merged[merged.length - 1];
      if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
      else merged.push([r[0], r[1]]);
    });
    return merged;
  }

  // Append text[from, to) to `el`, wrapping matched intervals in <mark>; text nodes only.
  function appendMarked(el, text, iv, from, to) {
    var pos = from;
    iv.forEach(function (r) {
      var a = Math.max(r[0], from);
      var b = Math.min(r[1], to);
      if (b <= a || a < pos) return;
      if (a > pos) el.appendChild(document.createTextNode(text.slice(pos, a)));
      var m = document.createElement('mark');
      m.textContent = text.slice(a, b);
      el.appendChild(m);
      pos = b;
    });
    if (pos < to) el.appendChild(document.createTextNode(text.slice(pos, to)));
  }

  function inWord(text, at) { // is `at` strictly inside a run of letters or digits?
    return at > 0 && at < text.length && IN_WORD.test(text[at - 1]) && IN_WORD.test(text[at]);
  }

  // Where a snippet starting near `at` should start: at the first clause start between `at` and
  // `limit` (the first match) if there is one; never inside a word or number, nor a surrogate pair.
  function snippetStart(text, at, limit) {
    if (at <= 0) return 0;
    if (!BREAK.test(text[at - 1])) {
      for (var j = at; j < limit; j++) {
        if (BREAK.test(text[j])) { at = j + 1; break; }
      }
    }
    var w = at;
    while (inWord(text, w) && at - w < LEAD) w--;
    if (!inWord(text, w)) at = w;
    else while (inWord(text, at) && at < limit) at++; // a very long word: start after it
    if (/[\udc00-\udfff]/.test(text[at] || '')) at--;
    while (at < limit && /\s/.test(text[at])) at++;
    return at;
  }

  // Where a snippet ending near `at` should end: never inside a word or number or surrogate pair.
  function snippetEnd(text, at, from) {
    if (at >= text.length) return text.length;
    var w = at;
    while (inWord(text, w) && w > from) w--;
    if (w > from) at = w;
    else while (inWord(text, at)) at++; // one word fills the snippet: end after it
    if (/[\ud800-\udbff]/.test(text[at - 1] || '')) at++;
    while (at > from && /\s/.test(text[at - 1])) at--;
    return at;
  }

  function snippet(el, text, ns) {
    var iv = matches(text, ns);
    var start = 0;
    if (iv.length) start = Math.max(0, iv[0][0] - LEAD);
    if (Math.min(text.length, start + SNIPPET) === text.length) start = Math.max(0, text.length - SNIPPET);
    start = snippetStart(text, start, iv.length ? iv[0][0] : text.length);
    var end = snippetEnd(text, Math.min(text.length, start + SNIPPET), start);
    if (start > 0) el.appendChild(document.createTextNode('…'));
    appendMarked(el, text, iv, start, end);
    if (end < text.length) el.appendChild(document.createTextNode('…'));
  }

  // ---- the widget ---------------------------------------------------------------------------------
  // Two modes. In a page's widget, results drop down under the box (a listbox, arrow keys) and Enter
  // or the button opens the search page for the query. On the search page (a [data-tw-search-results]
  // block after the form), results are listed in the page, with snippets, and the address keeps ?q=.
  var uid = 0;

  function Widget(form, results) {
    this.form = form;
    this.input = form.querySelector('input[name="q"]');
    this.panel = form.querySelector('.tw-search-panel');
    this.inPage = !!results;
    var out = results || this.panel;
    this.results = results;
    this.status = out.querySelector('.tw-search-status');
    this.list = out.querySelector('.tw-search-list');
    this.more = out.querySelector('.tw-search-more');
    this.root = form.getAttribute('data-root') || '';
    this.editionRoot = form.getAttribute('data-edition-root') || '';
    this.edition = form.getAttribute('data-edition') || '';
    this.id = 'tw-search-' + ++uid;
    this.seq = 0;
    this.timer = 0;
    this.active = -1;
    this.hits = [];
    this.shown = 0;
    this.ns = null;
    this.last = null;
    this.list.id = this.id + '-list';
    this.input.setAttribute('aria-controls', this.list.id);
    if (this.inPage) {
      this.input.removeAttribute('aria-autocomplete');
      this.list.removeAttribute('role');
    }
    this.bind();
  }

  Widget.prototype.text = function (name, n) {
    var s = this.form.getAttribute('data-' + name) || '';
    return n === undefined ? s : s.replace('{n}', String(n));
  };

  // The search page of this edition for query q (relative to the page, like every index URL).
  Widget.prototype.pageUrl = function (q) {
    var u = this.editionRoot + 'search/' + (isFile ? 'index.html' : '');
    return (u || './') + (q ? '?q=' + encodeURIComponent(q) : '');
  };

  Widget.prototype.bind = function () {
    var self = this;
    var prefetch = function () { getManifest(self.root).catch(function () {}); };
    this.input.addEventListener('focus', prefetch);
    this.input.addEventListener('pointerdown', prefetch);
    this.input.addEventListener('input', function (e) {
      if (e.isComposing) return; // wait for the IME to commit (compositionend)
      self.schedule();
    });
    this.input.addEventListener('compositionend', function () { self.schedule(); });
    this.more.addEventListener('click', function () {
      self.showMore();
      if (!self.inPage) self.input.focus();
    });
    this.form.addEventListener('submit', function (e) {
      e.preventDefault();
      if (self.inPage) {
        self.search(true);
      } else {
        location.href = self.pageUrl(self.input.value.trim());
      }
    });
    if (this.inPage) return;
    this.input.addEventListener('focus', function () {
      if (self.hits.length || self.status.textContent) self.open();
    });
    this.input.addEventListener('keydown', function (e) { self.key(e); });
    this.list.addEventListener('mousemove', function (e) {
      var li = e.target.closest && e.target.closest('[role="option"]');
      if (li) self.setActive(Array.prototype.indexOf.call(self.list.children, li), false);
    });
    document.addEventListener('click', function (e) {
      if (!self.form.contains(e.target)) self.close();
    });
    this.form.addEventListener('focusout', function (e) {
      if (e.relatedTarget && !self.form.contains(e.relatedTarget)) self.close();
    });
    window.addEventListener('resize', function () {
      if (!self.panel.hidden) self.place();
    });
  };

  Widget.prototype.schedule = function () {
    var self = this;
    clearTimeout(this.timer);
    this.timer = setTimeout(function () { self.search(false); }, DEBOUNCE);
  };

  Widget.prototype.key = function (e) {
    var n = this.list.children.length;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      if (!n) return;
      e.preventDefault();
      if (this.panel.hidden) this.open();
      var step = e.key === 'ArrowDown' ? 1 : -1;
      var next = this.active + step;
      if (next >= n) next = 0;
      if (next < 0) next = n - 1;
      this.setActive(next, true);
    } else if (e.key === 'Enter') {
      // with a result chosen, Enter opens it; otherwise the form's submit opens the search page
      if (this.active >= 0 && !this.panel.hidden && e.isComposing !== true) {
        e.preventDefault();
        var a = this.list.children[this.active].querySelector('a');
        if (a) a.click();
      }
    } else if (e.key === 'Escape') {
      if (!this.panel.hidden) {
        e.preventDefault();
        this.close();
      } else if (this.input.value) {
        e.preventDefault();
        this.input.value = '';
        this.clear();
      }
    }
  };

  Widget.prototype.setActive = function (i, scroll) {
    if (this.inPage) return;
    var items = this.list.children;
    if (this.active >= 0 && items[this.active]) items[this.active].setAttribute('aria-selected', 'false');
    this.active = i;
    if (i >= 0 && items[i]) {
      items[i].setAttribute('aria-selected', 'true');
      this.input.setAttribute('aria-activedescendant', items[i].id);
      if (scroll) items[i].scrollIntoView({ block: 'nearest' });
    } else {
      this.input.removeAttribute('aria-activedescendant');
    }
  };

  // Keep the dropdown inside the window: as wide as the form, or wider (up to 26em) where the
  // window has room, shifted left over the content when the form sits near the right edge.
  Widget.prototype.place = function () {
    var p = this.panel;
    var vw = document.documentElement.clientWidth || window.innerWidth;
    var box = this.form.getBoundingClientRect();
    var margin = Math.min(8, Math.max(0, box.left));
    var em = parseFloat(getComputedStyle(p).fontSize) || 16;
    var width = Math.min(Math.max(box.width, 26 * em), vw - 2 * margin);
    var left = box.left;
    if (left + width > vw - margin) left = Math.max(margin, Math.min(box.right, vw - margin) - width);
    p.style.width = width + 'px';
    p.style.left = (left - box.left) + 'px';
  };

  Widget.prototype.open = function () {
    if (this.inPage) {
      this.results.hidden = false;
      return;
    }
    this.panel.hidden = false;
    this.place();
    // the panel's visibility is the state; a searchbox input takes no aria-expanded
  };

  Widget.prototype.close = function () {
    if (this.inPage) return;
    this.panel.hidden = true;
    // (no aria-expanded: not allowed on a searchbox input)
    this.setActive(-1, false);
  };

  Widget.prototype.clear = function () {
    this.seq++;
    this.hits = [];
    this.shown = 0;
    this.last = null;
    this.list.textContent = '';
    this.status.textContent = '';
    this.more.hidden = true;
    this.close();
    if (this.inPage) {
      this.results.hidden = true;
      this.remember('');
    }
  };

  Widget.prototype.setStatus = function (s) {
    this.status.textContent = s;
  };

  // On the search page the address follows the query (a reload or a shared link shows the same).
  Widget.prototype.remember = function (q) {
    if (!this.inPage) return;
    var hint = document.querySelector('[data-tw-search-hint]');
    if (hint) hint.hidden = !!q;
    try {
      var u = new URL(location.href);
      if ((u.searchParams.get('q') || '') === q) return;
      if (q) u.searchParams.set('q', q);
      else u.searchParams.delete('q');
      history.replaceState(null, '', u.href);
    } catch (err) { /* file:// in some browsers: the address stays as it is */ }
  };

  Widget.prototype.search = function (now) {
    var self = this;
    var q = this.input.value;
    clearTimeout(this.timer);
    if (!q.trim()) {
      this.clear();
      return Promise.resolve();
    }
    if (q === this.last && !now) return Promise.resolve();
    var seq = ++this.seq;
    this.remember(q.trim());
    return getManifest(this.root).then(function () {
      var parsed = parse(q);
      if (!parsed.groups.length) {
        if (seq === self.seq) self.clear();
        return;
      }
      var tokens = [];
      parsed.groups.forEach(function (g) { tokens.push.apply(tokens, g); });
      return Promise.all(tokens.map(function (t) { return shardFor(self.root, t); })).then(function (shards) {
        if (seq !== self.seq) return;
        var shardOf = {};
        tokens.forEach(function (t, j) { shardOf[t] = shards[j]; });
        self.hits = rank(parsed.groups, shardOf);
        self.ns = needles(parsed.runs, shardOf);
        self.last = q;
        self.shown = 0;
        self.list.textContent = '';
        self.setActive(-1, false);
        return self.showMore(seq, true);
      });
    }).catch(function () {
      if (seq !== self.seq) return;
      self.list.textContent = '';
      self.more.hidden = true;
      self.setStatus(self.text('error'));
      self.open();
    });
  };

  Widget.prototype.showMore = function (seq, first) {
    var self = this;
    if (seq === undefined) seq = this.seq;
    var page = this.hits.slice(this.shown, this.shown + (this.inPage ? PAGE_FULL : PAGE));
    if (first && !this.hits.length) {
      this.setStatus(this.text('empty'));
      this.more.hidden = true;
      this.open();
      return Promise.resolve();
    }
    var chunk = manifest.chunk;
    var need = [];
    page.forEach(function (h) {
      var c = Math.floor(h.id / chunk);
      if (need.indexOf(c) < 0) need.push(c);
    });
    return Promise.all(need.map(function (c) {
      return metaFor(self.editionRoot, self.edition, c);
    })).then(function (chunks) {
      if (seq !== self.seq) return;
      var byChunk = {};
      need.forEach(function (c, j) { byChunk[c] = chunks[j]; });
      page.forEach(function (h) {
        var row = byChunk[Math.floor(h.id / chunk)][h.id % chunk];
        self.list.appendChild(self.item(row, self.list.children.length));
      });
      self.shown += page.length;
      self.setStatus(self.text('count', self.hits.length));
      self.more.hidden = self.shown >= self.hits.length;
      self.open();
    });
  };

  Widget.prototype.href = function (url) {
    var h = this.root + url;
    if (isFile && (h === '' || h.slice(-1) === '/')) h += 'index.html'; // no directory index on disk
    return h || './';
  };

  // row = [url, title, date, kind, text]
  Widget.prototype.item = function (row, i) {
    var li = document.createElement('li');
    if (!this.inPage) {
      li.setAttribute('role', 'option');
      li.setAttribute('aria-selected', 'false');
    }
    li.id = this.id + '-' + i;
    li.className = 'tw-search-item';
    var a = document.createElement('a');
    a.href = this.href(row[0]);
    if (!this.inPage) a.tabIndex = -1;
    var title = document.createElement('span');
    title.className = 'tw-search-title';
    appendMarked(title, row[1], matches(row[1], this.ns), 0, row[1].length);
    a.appendChild(title);
    var label = row[2] ? chineseDate(row[2]) : this.text('kind-' + row[3]);
    if (label) {
      var date = document.createElement(row[2] ? 'time' : 'span');
      date.className = 'tw-search-date';
      if (row[2]) date.setAttribute('datetime', row[2]);
      date.textContent = label;
      a.appendChild(date);
    }
    if (row[4]) {
      var snip = document.createElement('span');
      snip.className = 'tw-search-snippet';
      snippet(snip, row[4], this.ns);
      a.appendChild(snip);
    }
    li.appendChild(a);
    return li;
  };

  // 2025-02-11 → 2025年2月11日, as the pages write dates in both scripts
  function chineseDate(iso) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
    return m ? m[1] + '年' + (+m[2]) + '月' + (+m[3]) + '日' : iso;
  }

  function init() {
    var forms = document.querySelectorAll('form[data-tw-search]');
    var results = document.querySelector('[data-tw-search-results]'); // only on the search page
    var widgets = [];
    var pageWidget = null;
    for (var j = 0; j < forms.length; j++) {
      var w = new Widget(forms[j], !pageWidget && results && forms[j].closest('.search-page') ? results : null);
      if (w.inPage) pageWidget = w;
      widgets.push(w);
    }
    // the query in the address: the search page lists its results (a form submitted before this
    // script ran, or a shared link); on any other page the first widget shows them
    var q = new URLSearchParams(location.search).get('q');
    var target = pageWidget || widgets[0];
    if (q && target) {
      target.input.value = q;
      target.search(true);
    }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
