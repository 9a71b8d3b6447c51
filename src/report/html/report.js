// kmidiff HTML report: search, filters, change trees built on demand.
// The page is complete without this script; the script only hides, shows
// and copies what the page already holds, so it stays fast on reports of
// ten thousand entries and needs no data of its own.
(function () {
  'use strict';
  var $ = function (s) { return document.querySelector(s); };
  var all = function (s, r) { return Array.prototype.slice.call((r || document).querySelectorAll(s)); };
  var controls = $('#controls');
  if (!controls) return;

  var types = all('#types > article.e');
  var syms = all('article.e.s');
  var entries = types.concat(syms);
  var q = $('#q'), kindSel = $('#kind'), modSel = $('#module'), brk = $('#breaking');
  var count = $('#count');

  function words(el, attr) {
    var v = el.getAttribute(attr);
    return v ? v.split(' ') : [];
  }
  function refs(el) { return words(el, 'data-t').map(Number); }
  var tRefs = types.map(refs);
  var sRefs = syms.map(refs);
  // An entry's name is its heading's link, its first element's first
  // element (a selector query per entry costs seconds on a large page).
  function name(e) { return e.firstElementChild.firstElementChild.textContent; }
  var tNames = types.map(function (t) { return name(t).toLowerCase(); });
  var sNames = syms.map(function (s) { return name(s).toLowerCase(); });
  var tKinds = types.map(function (t) { return words(t, 'data-k'); });
  var sKinds = syms.map(function (s) { return words(s, 'data-k'); });
  var scope = {};
  all('option', kindSel).forEach(function (o) { scope[o.value] = o.getAttribute('data-scope'); });

  // Types that reference each type (leaf types reach other leaf types).
  var rev = null;
  function reverse() {
    if (rev) return rev;
    rev = types.map(function () { return []; });
    tRefs.forEach(function (rs, i) { rs.forEach(function (r) { if (rev[r]) rev[r].push(i); }); });
    return rev;
  }
  // Marks every type from which one of `marked` can be reached.
  function reaching(marked) {
    var r = reverse(), stack = [], i;
    for (i = 0; i < marked.length; i++) if (marked[i]) stack.push(i);
    while (stack.length) {
      r[stack.pop()].forEach(function (p) { if (!marked[p]) { marked[p] = true; stack.push(p); } });
    }
    return marked;
  }
  // Marks every type reached from the interfaces kept.
  function reachedFrom(keep) {
    var marked = types.map(function () { return false; }), stack = [];
    sRefs.forEach(function (rs, i) {
      if (keep[i]) rs.forEach(function (r) { if (!marked[r]) { marked[r] = true; stack.push(r); } });
    });
    while (stack.length) {
      tRefs[stack.pop()].forEach(function (c) { if (!marked[c]) { marked[c] = true; stack.push(c); } });
    }
    return marked;
  }
  function touches(i, marked) {
    return sRefs[i].some(function (r) { return marked[r]; });
  }

  function apply() {
    var text = q.value.trim().toLowerCase();
    var k = kindSel.value, m = modSel.value, b = brk.checked;
    // A kind of types, of symbols, or of both (a size): types match by
    // their own kinds, interfaces by theirs or through the types they reach.
    var kType = k && (scope[k] === 'type' || scope[k] === 'both');
    var kSym = k && scope[k] === 'symbol';
    var named = types.map(function (t, i) { return !text || tNames[i].indexOf(text) >= 0; });
    var kinded = types.map(function (t, i) { return !kType || tKinds[i].indexOf(k) >= 0; });
    var viaName = text ? reaching(named.slice()) : null;
    var viaKind = kType ? reaching(kinded.slice()) : null;
    var keep = syms.map(function (s, i) {
      if (m && s.getAttribute('data-m') !== m) return false;
      if (b && s.getAttribute('data-b') !== '1') return false;
      if (kSym && sKinds[i].indexOf(k) < 0) return false;
      if (kType && sKinds[i].indexOf(k) < 0 && !touches(i, viaKind)) return false;
      if (k && !kSym && !kType && sKinds[i].indexOf(k) < 0) return false;
      if (text && sNames[i].indexOf(text) < 0 && !touches(i, viaName)) return false;
      return true;
    });
    var byInterface = (m || b || kSym) ? reachedFrom(keep) : null;
    var shown = 0;
    types.forEach(function (t, i) {
      var ok = named[i] && kinded[i] && (!byInterface || byInterface[i]);
      t.hidden = !ok;
      if (ok) shown++;
    });
    syms.forEach(function (s, i) { s.hidden = !keep[i]; if (keep[i]) shown++; });
    all('section.list').forEach(function (sec) {
      var n = all('article.e', sec).filter(function (e) { return !e.hidden; }).length;
      var total = sec.getAttribute('data-total');
      var c = sec.querySelector('.shown');
      if (c) c.textContent = String(n) === total ? '' : n + ' of ' + total + ' shown';
      var none = sec.querySelector('.none');
      if (none) none.hidden = n > 0 || total === '0';
    });
    count.textContent = 'Showing ' + shown + ' of ' + entries.length + ' entries';
  }

  var timer = 0;
  q.addEventListener('input', function () { clearTimeout(timer); timer = setTimeout(apply, 120); });
  q.addEventListener('keydown', function (e) {
    if (e.key === 'Enter') { clearTimeout(timer); apply(); }
    if (e.key === 'Escape') { q.value = ''; apply(); }
  });
  [kindSel, modSel, brk].forEach(function (el) { el.addEventListener('change', apply); });
  $('#clear').addEventListener('click', function () { clear(); apply(); });
  function clear() { q.value = ''; kindSel.value = ''; modSel.value = ''; brk.checked = false; }

  // Change trees: a leaf type's own changes are copied under each reference
  // to it when the tree is opened, each type once per tree.
  var LIMIT = 5000;
  function build(details) {
    var root = details.querySelector('ul.ch');
    if (!root) return;
    var seen = {}, budget = LIMIT, stack = [root];
    while (stack.length) {
      var ul = stack.pop();
      var items = all(':scope > li.tc', ul);
      for (var j = 0; j < items.length; j++) {
        var li = items[j], t = Number(li.getAttribute('data-t'));
        if (!types[t]) continue;
        if (seen[t]) {
          var again = document.createElement('span');
          again.className = 'cut';
          again.textContent = ' (its changes are shown above)';
          li.appendChild(again);
          continue;
        }
        seen[t] = true;
        var src = types[t].querySelector('ul.ch');
        if (!src) continue;
        if (budget <= 0) {
          var cut = document.createElement('div');
          cut.className = 'cut';
          cut.textContent = 'Tree cut at ' + LIMIT + ' lines: follow the link to the type for the rest.';
          li.appendChild(cut);
          continue;
        }
        var copy = src.cloneNode(true);
        budget -= copy.children.length;
        li.appendChild(copy);
        stack.push(copy);
      }
    }
    details.setAttribute('data-built', '1');
  }
  document.addEventListener('toggle', function (e) {
    var d = e.target;
    if (d.matches && d.matches('details.tree') && d.open && !d.hasAttribute('data-built')) build(d);
  }, true);

  // Every interface a type impacts, from the references in the page.
  document.addEventListener('click', function (e) {
    var btn = e.target.closest && e.target.closest('button.all');
    if (!btn) return;
    var art = btn.closest('article.e');
    var t = types.indexOf(art);
    if (t < 0) return;
    var marked = types.map(function () { return false; });
    marked[t] = true;
    reaching(marked);
    var p = btn.closest('.imp');
    var list = document.createElement('span');
    var first = true;
    syms.forEach(function (s, i) {
      if (!touches(i, marked)) return;
      if (!first) list.appendChild(document.createTextNode(', '));
      first = false;
      var a = document.createElement('a');
      a.href = '#' + s.id;
      a.textContent = name(s);
      list.appendChild(a);
    });
    var old = p.querySelector('.list');
    if (old) old.replaceWith(list);
    list.className = 'list';
    all('.more, button.all', p).forEach(function (x) { x.remove(); });
  });

  // Entries take the focus when reached by a link or a key, not by Tab;
  // a control named by a link keeps its place in the tab order.
  function focus(el) {
    if (el.matches('article.e, section, main') && !el.hasAttribute('tabindex')) {
      el.setAttribute('tabindex', '-1');
    }
    el.focus({ preventScroll: true });
  }

  // Links: to an entry the filters hide (the filters are cleared), and to a
  // module from the chart (the module filter is set).
  function follow() {
    var h;
    try { h = decodeURIComponent(location.hash.slice(1)); } catch (err) { return; }
    if (!h) return;
    if (h.indexOf('module=') === 0) {
      var m = h.slice(7);
      if (all('option', modSel).some(function (o) { return o.value === m; })) {
        clear();
        modSel.value = m;
        apply();
        $('#results').scrollIntoView();
      }
      return;
    }
    var el = document.getElementById(h);
    if (!el) return;
    if (el.hidden) { clear(); apply(); }
    el.scrollIntoView();
    focus(el);
  }
  window.addEventListener('hashchange', follow);

  // Keys: / searches, j and k step through the entries shown.
  document.addEventListener('keydown', function (e) {
    var tag = e.target.tagName;
    if (tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA' || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === '/') { e.preventDefault(); q.focus(); return; }
    if (e.key !== 'j' && e.key !== 'k') return;
    // `all` is in document order: types, then removed, added, changed.
    var shown = all('article.e').filter(function (x) { return !x.hidden; });
    var cur = document.activeElement && document.activeElement.closest
      ? document.activeElement.closest('article.e') : null;
    var i = shown.indexOf(cur);
    var next = e.key === 'j' ? shown[i + 1] : shown[i < 0 ? 0 : i - 1];
    if (next) { e.preventDefault(); focus(next); next.scrollIntoView({ block: 'start' }); }
  });

  // Printed, every change tree is open and built (`toggle` comes too late).
  window.addEventListener('beforeprint', function () {
    all('details.tree').forEach(function (d) {
      if (!d.hasAttribute('data-built')) build(d);
      d.open = true;
    });
  });

  controls.hidden = false;
  all('.keys').forEach(function (k) { k.hidden = false; });
  apply();
  follow();
  document.documentElement.setAttribute('data-ready', '1');
})();
