// The coverage network page, part 1 of 4: draws the nodes and edges computed by
// cipt_graph.visualize.network at their fixed positions (no physics: the same layout at every
// load), at a scale where labels are at least 12 px; the helpers and the view the other parts use
// (network-details.js: the details panel; network-focus.js: selection and focus mode; network.js:
// the controls). They share window.CiptNetwork. Needs only vis-network, shipped with the page.
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("network-data").textContent);
  var UI = DATA.ui;
  var MIN_SCALE = DATA.scale;               // labels of DATA.font units are >= 12 px at this scale
  var nodes = new vis.DataSet(DATA.nodes);
  var edges = new vis.DataSet(DATA.edges);
  var container = document.getElementById("network");
  var details = document.getElementById("details");
  var picker = document.getElementById("node-picker");
  var focusButton = document.getElementById("focus-toggle");
  var selects = Array.prototype.slice.call(document.querySelectorAll("select[data-filter]"));
  var showPrepares = document.getElementById("show-prepares");
  var original = {}, home = {}, shortLabel = {}, widths = {};
  DATA.nodes.forEach(function (n) {
    home[n.id] = { x: n.x, y: n.y };
    shortLabel[n.id] = n.label;
    widths[n.id] = n.widthConstraint;
  });
  DATA.edges.forEach(function (e) { original[e.id] = e.color; });

  // The canvas is as tall as the network at the smallest readable scale: the page scrolls.
  var ys = DATA.nodes.map(function (n) { return n.y; });
  var spanY = Math.max.apply(null, ys) - Math.min.apply(null, ys) + 220;
  container.style.height = Math.max(420, Math.round(spanY * MIN_SCALE)) + "px";

  var network = new vis.Network(container, { nodes: nodes, edges: edges }, DATA.options);
  window.network = network;
  var S = { selected: null, focused: false };
  // vis-network's own focusable area (it takes the keyboard): named in the page's language.
  Array.prototype.forEach.call(container.querySelectorAll("div.vis-network"), function (inner) {
    inner.setAttribute("role", "application");
    inner.setAttribute("aria-label", UI["graph.canvas"]);
    // vis-network focuses this area on a click (for its keys): without scrolling the page, so a
    // canvas taller than the window does not jump between the press and the release.
    inner.focus = function () { HTMLElement.prototype.focus.call(inner, { preventScroll: true }); };
  });

  network.on("beforeDrawing", function (ctx) {
    ctx.save();
    DATA.headings.forEach(function (h) {
      ctx.textAlign = h.align || "center";
      ctx.font = h.small ? "italic 26px DejaVu Sans, Arial, sans-serif" : "bold 30px DejaVu Sans, Arial, sans-serif";
      ctx.fillStyle = h.small ? "#52606d" : "#1f2933";
      if (!S.focused) ctx.fillText(h.text, h.x, h.y);
    });
    ctx.restore();
  });

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { if (attrs[k] != null) node.setAttribute(k, attrs[k]); });
    if (text != null) node.textContent = text;
    return node;
  }
  // The link rule of cipt_graph.safelinks: only http(s) IRIs and the site's own references
  // become links; any other scheme (javascript:, data:, vbscript:…) is shown as text.
  function safeHref(value) {
    if (typeof value !== "string") return null;
    var v = value.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, "").replace(/[\t\n\r]/g, "");
    if (!v || v.indexOf("\\") >= 0) return null;
    var m = /^([A-Za-z][A-Za-z0-9+.\-]*):/.exec(v);
    if (m) {
      var scheme = m[1].toLowerCase();
      return (scheme === "http" || scheme === "https") && /^[^:]+:\/\/[^\/?#]/.test(v) ? v : null;
    }
    if (v.slice(0, 2) === "//" || /^[^\/?#]*:/.test(v)) return null;
    return v;
  }
  function numberText(v) { return new Intl.NumberFormat(DATA.lang, { maximumFractionDigits: 2 }).format(v); }

  // --- view: the whole (visible) network at a readable scale ------------------------------------
  function boxOf(ids) {
    // The bounding box of the boxes of ids (canvas units).
    var box = { left: Infinity, right: -Infinity, top: Infinity, bottom: -Infinity };
    ids.forEach(function (id) {
      var b = network.getBoundingBox(id);
      if (!b) return;
      box.left = Math.min(box.left, b.left); box.right = Math.max(box.right, b.right);
      box.top = Math.min(box.top, b.top); box.bottom = Math.max(box.bottom, b.bottom);
    });
    return box;
  }
  function show(ids) {
    // The bounding box of the shown nodes (their boxes, not only their centres) and the headings.
    var box = boxOf(ids && ids.length ? ids : nodes.getIds());
    if (!isFinite(box.left)) return;
    box.top -= S.focused ? 20 : 115;   // room for the column headings
    box.left -= 12; box.right += 12; box.bottom += 20;
    var cw = container.clientWidth, ch = container.clientHeight;
    // The part of the canvas on screen: the canvas may be taller than the window.
    var rect = container.getBoundingClientRect();
    var visTop = Math.max(rect.top, 0), visBottom = Math.min(rect.bottom, window.innerHeight);
    var vh = S.focused && visBottom - visTop > 150 ? visBottom - visTop : ch;
    var offset = S.focused && vh !== ch ? visTop - rect.top : 0;
    var w = box.right - box.left, h = box.bottom - box.top;
    var scale = Math.min(cw / w, vh / h, S.focused ? 1.0 : 1.2);
    if (scale < MIN_SCALE) scale = MIN_SCALE;
    // Centred when it fits; else from the left / from the top.
    var x = w * scale <= cw ? (box.left + box.right) / 2 : box.left + cw / scale / 2;
    var y = h * scale <= vh ? (box.top + box.bottom) / 2 : box.top + vh / scale / 2;
    y -= (offset + vh / 2 - ch / 2) / scale;
    network.moveTo({ position: { x: x, y: y }, scale: scale, animation: false });
  }


  // The first drawing may come before the last part is loaded (the browser draws between
  // scripts): whenDrawn runs its function after it, at once if it is done.
  var drawn = false, onDrawn = [];
  network.once("afterDrawing", function () { drawn = true; onDrawn.forEach(function (fn) { fn(); }); });
  function whenDrawn(fn) { if (drawn) fn(); else onDrawn.push(fn); }

  window.CiptNetwork = {
    DATA: DATA, UI: UI, MIN_SCALE: MIN_SCALE, nodes: nodes, edges: edges, network: network, container: container,
    details: details, picker: picker, focusButton: focusButton, selects: selects, showPrepares: showPrepares,
    original: original, home: home, shortLabel: shortLabel, widths: widths, state: S,
    el: el, safeHref: safeHref, numberText: numberText, boxOf: boxOf, show: show, whenDrawn: whenDrawn
  };
})();
