// The coverage network page: draws the nodes and edges computed by cipt_graph.visualize.network
// at their fixed positions (no physics: the same layout at every load), with filters and a
// details panel. Needs only vis-network (inlined in a file, the site's own script when served).
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("network-data").textContent);
  var UI = DATA.ui;
  var nodes = new vis.DataSet(DATA.nodes);
  var edges = new vis.DataSet(DATA.edges);
  var container = document.getElementById("network");
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, DATA.options);
  window.network = network;
  var original = {};
  edges.forEach(function (e) { original[e.id] = e.color; });

  network.on("beforeDrawing", function (ctx) {
    ctx.save();
    ctx.textAlign = "center";
    DATA.headings.forEach(function (h) {
      ctx.font = h.small ? "italic 15px DejaVu Sans, Arial, sans-serif" : "bold 19px DejaVu Sans, Arial, sans-serif";
      ctx.fillStyle = h.small ? "#52606d" : "#1f2933";
      ctx.fillText(h.text, h.x, h.y);
    });
    ctx.restore();
  });
  network.once("afterDrawing", function () { container.setAttribute("data-ready", "1"); });

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
      if (it.edge.level) {
        li.appendChild(el("span", { "class": "badge lvl-" + it.edge.rank, title: it.edge.title }, it.edge.level));
      }
      li.appendChild(document.createTextNode(it.node.code + " " + it.node.full));
      li.addEventListener("click", function () { select(it.node.id); });
      ul.appendChild(li);
    });
    box.appendChild(ul);
  }
  function showDetails(id) {
    var n = nodes.get(id);
    var box = document.getElementById("details");
    box.replaceChildren();
    box.setAttribute("data-node", id);
    box.appendChild(el("p", { "class": "kind" }, UI["kind." + n.kind]));
    box.appendChild(el("h2", {}, n.code + " — " + n.full));
    if (n.hours != null) box.appendChild(el("p", {}, n.hours + " " + UI["hours"]));
    if (n.kind === "module") {
      section(box, UI["details.covers"], linked(id, "covers", true), true);
    } else if (n.kind === "competency") {
      section(box, UI["details.covered_by"], linked(id, "covers", false), false);
      section(box, UI["details.required_by"], linked(id, "requires", false), false);
    } else if (n.kind === "block") {
      section(box, UI["details.competencies"], linked(id, "broader", false), false);
    } else if (n.kind === "activity") {
      section(box, UI["details.needs"], linked(id, "requires", true), true);
      section(box, UI["details.jobs"], linked(id, "involves", false), false);
    } else if (n.kind === "job") {
      section(box, UI["details.activities"], linked(id, "involves", true), true);
    }
    var href = safeHref(n.href);
    if (href) box.appendChild(el("a", { "class": "resource", href: href }, UI["details.open"] + " →"));
    else box.appendChild(el("p", { "class": "iri-text" }, id));
  }
  function highlight(id) {
    var keep = {};
    if (id != null) {
      keep[id] = true;
      network.getConnectedNodes(id).forEach(function (n) { keep[n] = true; });
    }
    nodes.update(nodes.get().map(function (n) { return { id: n.id, opacity: id == null || keep[n.id] ? 1 : 0.35 }; }));
    edges.update(edges.get().map(function (e) {
      var on = id == null || e.from === id || e.to === id;
      var c = Object.assign({}, original[e.id]);
      c.opacity = on ? (id == null ? c.opacity : 0.95) : 0.12;
      return { id: e.id, color: c };
    }));
  }
  function select(id) {
    network.selectNodes([id]);
    highlight(id);
    showDetails(id);
  }
  network.on("click", function (params) {
    if (params.nodes.length) { select(params.nodes[0]); }
    else if (!params.edges.length) {
      highlight(null);
      document.getElementById("details").replaceChildren(el("p", { "class": "note" }, UI["details.empty"]));
    }
  });

  var selects = Array.prototype.slice.call(document.querySelectorAll("select[data-filter]"));
  function applyFilters() {
    var f = {};
    selects.forEach(function (s) { f[s.getAttribute("data-filter")] = s.value; });
    var shown = {};
    var visible = [];
    nodes.update(nodes.get().map(function (n) {
      var ok = (!f.block || n.f_blocks.indexOf(f.block) >= 0) && (!f.job || n.f_jobs.indexOf(f.job) >= 0) &&
               (!f.period || n.f_periods.indexOf(f.period) >= 0);
      if (ok) { shown[n.id] = true; visible.push(n.id); }
      return { id: n.id, hidden: !ok };
    }));
    edges.update(edges.get().map(function (e) { return { id: e.id, hidden: !(shown[e.from] && shown[e.to]) }; }));
    network.fit({ nodes: visible, animation: false });
    network.moveTo({ scale: network.getScale() * 0.96, animation: false });
    container.setAttribute("data-visible", String(visible.length));
  }
  selects.forEach(function (s) { s.addEventListener("change", applyFilters); });
  document.getElementById("filter-reset").addEventListener("click", function () {
    selects.forEach(function (s) { s.value = ""; });
    applyFilters();
  });
  // Filters may come from the address: graph.html?block=BC04, /graph?job=J1&lang=en.
  var params = new URLSearchParams(window.location.search);
  var preset = false;
  selects.forEach(function (s) {
    var v = params.get(s.getAttribute("data-filter"));
    if (v && s.querySelector('option[value="' + v.replace(/"/g, "") + '"]')) { s.value = v; preset = true; }
  });
  if (preset) { applyFilters(); } else { network.fit({ animation: false }); }
  // Leave room around the nodes for the column headings drawn above them.
  network.moveTo({ scale: network.getScale() * 0.96, animation: false });
})();
