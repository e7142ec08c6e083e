// The coverage network page: draws the nodes and edges computed by cipt_graph.visualize.network
// at their fixed positions (no physics: the same layout at every load), at a scale where labels
// are at least 12 px; filters, a node list, a details panel and a focus mode (the selected node
// and its neighbours laid out large). Needs only vis-network, shipped with the page.
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
      if (!focused) ctx.fillText(h.text, h.x, h.y);
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
    box.top -= focused ? 20 : 115;   // room for the column headings
    box.left -= 12; box.right += 12; box.bottom += 20;
    var cw = container.clientWidth, ch = container.clientHeight;
    // The part of the canvas on screen: the canvas may be taller than the window.
    var rect = container.getBoundingClientRect();
    var visTop = Math.max(rect.top, 0), visBottom = Math.min(rect.bottom, window.innerHeight);
    var vh = focused && visBottom - visTop > 150 ? visBottom - visTop : ch;
    var offset = focused && vh !== ch ? visTop - rect.top : 0;
    var w = box.right - box.left, h = box.bottom - box.top;
    var scale = Math.min(cw / w, vh / h, focused ? 1.0 : 1.2);
    if (scale < MIN_SCALE) scale = MIN_SCALE;
    // Centred when it fits; else from the left / from the top.
    var x = w * scale <= cw ? (box.left + box.right) / 2 : box.left + cw / scale / 2;
    var y = h * scale <= vh ? (box.top + box.bottom) / 2 : box.top + vh / scale / 2;
    y -= (offset + vh / 2 - ch / 2) / scale;
    network.moveTo({ position: { x: x, y: y }, scale: scale, animation: false });
  }

  // --- selection, details panel ------------------------------------------------------------------
  function linked(id, kind, outgoing) {
    return edges.get({ filter: function (e) { return e.kind === kind && (outgoing ? e.from === id : e.to === id); } });
  }
  function byOrder(a, b) {
    var pa = (a.node.period || "~") + String(1000 + (a.node.order || 0)) + a.node.code;
    var pb = (b.node.period || "~") + String(1000 + (b.node.order || 0)) + b.node.code;
    return pa < pb ? -1 : pa > pb ? 1 : 0;
  }
  function section(box, title, list, outgoing) {
    box.appendChild(el("h3", {}, title));
    var ul = el("ul", { "data-section": title });
    var items = list.map(function (e) { return { edge: e, node: nodes.get(outgoing ? e.to : e.from) }; });
    items.sort(byOrder);
    if (!items.length) ul.appendChild(el("li", { "class": "note" }, UI["details.none"]));
    items.forEach(function (it) {
      var li = el("li", { "data-kind": it.node.kind, "data-iri": it.node.id, "data-code": it.node.code });
      var button = el("button", { type: "button" });
      if (it.edge.level) {
        button.appendChild(el("span", { "class": "badge lvl-" + it.edge.rank + " " + (it.edge.status || ""),
                                        "data-status": it.edge.status || "", title: it.edge.title }, it.edge.level));
      }
      button.appendChild(document.createTextNode(it.node.code + " " + it.node.full));
      if (!it.edge.level && it.edge.status === "proposed") {
        button.appendChild(el("span", { "class": "status-note", "data-status": "proposed", title: it.edge.title },
                              " (" + UI["status.proposed"] + ")"));
      }
      button.addEventListener("click", function () { select(it.node.id); if (!focused) reveal(it.node.id); });
      li.appendChild(button);
      ul.appendChild(li);
    });
    box.appendChild(ul);
  }
  function emptyDetails() {
    details.replaceChildren(el("p", { "class": "note" }, UI["details.empty"]));
    details.removeAttribute("data-node");
  }
  function showDetails(id) {
    var n = nodes.get(id);
    details.replaceChildren();
    details.setAttribute("data-node", id);
    details.appendChild(el("p", { "class": "kind" }, UI["kind." + n.kind]));
    details.appendChild(el("h2", {}, n.code + " — " + n.full));
    if (n.hours != null && n.kind !== "block") {
      details.appendChild(el("p", {}, UI["details.hours"] + (DATA.lang === "fr" ? " : " : ": ") +
                                      numberText(Number(n.hours)) + "\u202fh"));
    }
    if (n.kind === "module") {
      section(details, UI["details.covers"], linked(id, "covers", true), true);
      section(details, UI["details.objectives"], linked(id, "serves", true), true);
      section(details, UI["details.prepares"], linked(id, "prepares", true), true);
    } else if (n.kind === "competency") {
      section(details, UI["details.covered_by"], linked(id, "covers", false), false);
      section(details, UI["details.required_by"], linked(id, "requires", false), false);
    } else if (n.kind === "block") {
      section(details, UI["details.competencies"], linked(id, "broader", false), false);
    } else if (n.kind === "activity") {
      section(details, UI["details.prepared_by"], linked(id, "prepares", false), false);
      section(details, UI["details.needs"], linked(id, "requires", true), true);
      section(details, UI["details.jobs"], linked(id, "involves", false), false);
    } else if (n.kind === "job") {
      section(details, UI["details.activities"], linked(id, "involves", true), true);
    } else if (n.kind === "objective") {
      section(details, UI["details.modules"], linked(id, "serves", false), false);
    }
    var href = safeHref(n.href);
    if (href) details.appendChild(el("a", { "class": "resource", href: href }, UI["details.open"] + " →"));
    else details.appendChild(el("p", { "class": "iri-text" }, id));
  }
  // A module's box already holds its whole label (and its hours), wrapped on several lines.
  function fullLabel(n) { return n.kind === "module" ? shortLabel[n.id] : n.code + " " + n.full; }
  var selected = null, focused = false;
  function neighbours(id) {
    // Linked by an edge that is drawn: not by a module → activity link while they are switched off.
    var keep = {}, prepares = !showPrepares || showPrepares.checked;
    keep[id] = true;
    network.getConnectedEdges(id).forEach(function (eid) {
      var e = edges.get(eid);
      if (e && (prepares || e.kind !== "prepares")) { keep[e.from] = true; keep[e.to] = true; }
    });
    return keep;
  }
  function paint(id) {
    // Full labels on the selected node (and, in focus mode, on its neighbours); others short.
    var keep = id == null ? null : neighbours(id);
    nodes.update(nodes.get().map(function (n) {
      var full = id != null && (n.id === id || (focused && keep[n.id]));
      return { id: n.id, opacity: keep == null || keep[n.id] ? 1 : 0.3,
               label: full ? fullLabel(n) : shortLabel[n.id],
               widthConstraint: full ? { minimum: widths[n.id].minimum, maximum: Math.max(widths[n.id].maximum, 420) } : widths[n.id] };
    }));
    edges.update(edges.get().map(function (e) {
      var on = id == null || e.from === id || e.to === id;
      var c = Object.assign({}, original[e.id]);
      c.opacity = on ? (id == null ? c.opacity : 0.95) : 0.1;
      return { id: e.id, color: c };
    }));
  }
  function select(id) {
    if (focused && selected !== id) leaveFocus(false);
    selected = id;
    network.selectNodes([id]);
    paint(id);
    showDetails(id);
    picker.value = id;
    focusButton.disabled = false;
    container.setAttribute("data-selected", id);
  }
  function clearSelection() {
    if (focused) leaveFocus(false);
    selected = null;
    network.unselectAll();
    paint(null);
    emptyDetails();
    picker.value = "";
    focusButton.disabled = true;
    container.removeAttribute("data-selected");
  }

  // --- focus mode: the selected node and its neighbours, laid out large -------------------------
  // Boxes are placed from their measured sizes (after the full labels are set, wrapped at their
  // maximum width), so no two boxes overlap: the node in the middle, what links to it in columns
  // on the left, what it links to on the right, at most FOCUS_ROWS boxes a column.
  var FOCUS_ROWS = 8, FOCUS_GAP_X = 90, FOCUS_GAP_Y = 28;
  function enterFocus() {
    if (selected == null) return;
    focused = true;
    var keep = neighbours(selected);
    var left = [], right = [];
    edges.get().forEach(function (e) {
      if (e.from === selected && keep[e.to] && right.indexOf(e.to) < 0 && left.indexOf(e.to) < 0) right.push(e.to);
      if (e.to === selected && keep[e.from] && left.indexOf(e.from) < 0 && right.indexOf(e.from) < 0) left.push(e.from);
    });
    nodes.update(nodes.get().map(function (n) { return { id: n.id, hidden: !keep[n.id] }; }));
    paint(selected);
    network.redraw();   // sizes the boxes of the full labels
    function size(id) {
      var b = network.getBoundingBox(id);
      return { w: b.right - b.left, h: b.bottom - b.top };
    }
    var middle = size(selected);
    function place(list, side) {
      list.sort(function (a, b) { return home[a].y - home[b].y || (home[a].x - home[b].x); });
      var x = side * (middle.w / 2 + FOCUS_GAP_X);
      for (var start = 0; start < list.length; start += FOCUS_ROWS) {
        var column = list.slice(start, start + FOCUS_ROWS).map(function (id) { return { id: id, s: size(id) }; });
        var width = Math.max.apply(null, column.map(function (c) { return c.s.w; }));
        var height = column.reduce(function (t, c) { return t + c.s.h; }, 0) + FOCUS_GAP_Y * (column.length - 1);
        var y = -height / 2;
        column.forEach(function (c) {
          network.moveNode(c.id, x + side * width / 2, y + c.s.h / 2);
          y += c.s.h + FOCUS_GAP_Y;
        });
        x += side * (width + FOCUS_GAP_X);
      }
    }
    network.moveNode(selected, 0, 0);
    place(left, -1);
    place(right, 1);
    network.redraw();   // the boxes at their new places, for the view below
    var rect = container.getBoundingClientRect();
    if (rect.top < 0 || rect.top > window.innerHeight - 200) container.scrollIntoView({ block: "start" });
    show(Object.keys(keep));
    focusButton.setAttribute("aria-pressed", "true");
    focusButton.textContent = UI["focus.off"];
    container.setAttribute("data-focus", "1");
  }
  function leaveFocus(refit) {
    focused = false;
    Object.keys(home).forEach(function (id) { network.moveNode(id, home[id].x, home[id].y); });
    focusButton.setAttribute("aria-pressed", "false");
    focusButton.textContent = UI["focus.on"];
    container.removeAttribute("data-focus");
    applyFilters(true);
    if (selected != null) paint(selected);
    if (refit) show(visibleIds());
  }
  focusButton.addEventListener("click", function () { if (focused) leaveFocus(true); else enterFocus(); });

  network.on("click", function (params) {
    if (params.nodes.length) select(params.nodes[0]);
    else if (!params.edges.length) clearSelection();
  });
  network.on("doubleClick", function (params) {
    if (params.nodes.length) { select(params.nodes[0]); enterFocus(); }
  });
  picker.addEventListener("change", function () {
    // Read the choice first: resetting the filters clears the selection, and the list with it.
    var id = picker.value;
    if (!id) { clearSelection(); return; }
    if (!nodes.get(id)) return;
    if (focused && selected !== id) leaveFocus(false);
    var n = nodes.get(id);
    if (n.hidden) {
      // A node hidden by a filter: the filters go back to "All", visibly, and the node is chosen.
      resetFilters(false);
      announce(UI["filter.cleared"].replace("{node}", n.code));
    }
    select(id);
    if (!focused) reveal(id);
  });

  // --- a chosen node in view: it and its shown neighbours, in the part of the canvas on screen ----
  function reveal(id) {
    var box = boxOf(Object.keys(neighbours(id)).filter(function (n) { return !nodes.get(n).hidden; }));
    var own = network.getBoundingBox(id);
    // The canvas may be taller than the window: bring it on screen when little of it shows.
    var rect = container.getBoundingClientRect();
    var shown = Math.min(rect.bottom, window.innerHeight) - Math.max(rect.top, 0);
    if (shown < Math.min(320, container.clientHeight)) {
      container.scrollIntoView({ block: "start" });
      rect = container.getBoundingClientRect();
    }
    var visTop = Math.max(rect.top, 0), visBottom = Math.min(rect.bottom, window.innerHeight);
    var cw = container.clientWidth, ch = container.clientHeight, vh = Math.max(visBottom - visTop, 1);
    var offset = visTop - rect.top, margin = 16;
    var w = box.right - box.left, h = box.bottom - box.top;
    var scale = Math.min((cw - 2 * margin) / w, (vh - 2 * margin) / h, 1.0);
    if (scale < MIN_SCALE) scale = MIN_SCALE;
    // The middle of the neighbourhood, moved (when it does not fit) so that the node stays in view.
    function centre(lo, hi, ownLo, ownHi, room) {
      var c = (lo + hi) / 2, half = room / scale / 2 - margin / scale;
      if (hi - lo <= 2 * half) return c;
      return Math.min(Math.max(c, ownHi - half), ownLo + half);
    }
    var x = centre(box.left, box.right, own.left, own.right, cw);
    var y = centre(box.top, box.bottom, own.top, own.bottom, vh);
    y -= (offset + vh / 2 - ch / 2) / scale;
    network.moveTo({ position: { x: x, y: y }, scale: scale, animation: false });
    container.setAttribute("data-revealed", id);
  }
  var statusBox = document.getElementById("network-status");
  function announce(text) { if (statusBox) statusBox.textContent = text; }

  // --- filters: each change, and "Show all", resets the selection and the panel ------------------
  function visibleIds() { return nodes.getIds({ filter: function (n) { return !n.hidden; } }); }
  function applyFilters(keepSelection) {
    var f = {};
    selects.forEach(function (s) { f[s.getAttribute("data-filter")] = s.value; });
    var shown = {};
    var visible = [];
    nodes.update(nodes.get().map(function (n) {
      var ok = (!f.block || n.f_blocks.indexOf(f.block) >= 0) && (!f.job || n.f_jobs.indexOf(f.job) >= 0) &&
               (!f.period || n.f_periods.indexOf(f.period) >= 0) &&
               (!f.activity || n.f_activities.indexOf(f.activity) >= 0);
      if (ok) { shown[n.id] = true; visible.push(n.id); }
      return { id: n.id, hidden: !ok };
    }));
    var prepares = !showPrepares || showPrepares.checked;
    edges.update(edges.get().map(function (e) {
      return { id: e.id, hidden: !(shown[e.from] && shown[e.to]) || (e.kind === "prepares" && !prepares) };
    }));
    container.setAttribute("data-visible", String(visible.length));
    announce("");
    if (!keepSelection) { clearSelection(); show(visible); }
  }
  function resetFilters(refit) {
    selects.forEach(function (s) { s.value = ""; });
    applyFilters(false);
    if (refit === false) return;
  }
  selects.forEach(function (s) { s.addEventListener("change", function () { applyFilters(false); }); });
  // Module → activity links shown or not: a change of what is drawn, like a filter.
  if (showPrepares) showPrepares.addEventListener("change", function () { applyFilters(false); });
  document.getElementById("filter-reset").addEventListener("click", function () { resetFilters(true); });

  // --- zoom: buttons and keys (+, -, 0) ----------------------------------------------------------
  function zoom(factor) {
    network.moveTo({ scale: Math.min(Math.max(network.getScale() * factor, 0.15), 2.5), animation: false });
  }
  document.getElementById("zoom-in").addEventListener("click", function () { zoom(1.25); });
  document.getElementById("zoom-out").addEventListener("click", function () { zoom(0.8); });
  document.getElementById("zoom-fit").addEventListener("click", function () {
    network.fit({ nodes: visibleIds(), animation: false });
  });
  container.addEventListener("keydown", function (event) {
    if (event.key === "+" || event.key === "=") { zoom(1.25); event.preventDefault(); }
    else if (event.key === "-") { zoom(0.8); event.preventDefault(); }
    else if (event.key === "Escape") { clearSelection(); }
  });

  // Filters may come from the address: graph.html?block=BC04, /graph?job=J1&lang=en.
  var params = new URLSearchParams(window.location.search);
  selects.forEach(function (s) {
    var v = params.get(s.getAttribute("data-filter"));
    if (v && s.querySelector('option[value="' + v.replace(/"/g, "") + '"]')) s.value = v;
  });
  network.once("afterDrawing", function () {
    applyFilters(false);
    container.setAttribute("data-ready", "1");
  });
})();
