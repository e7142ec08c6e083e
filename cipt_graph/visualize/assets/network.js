// The coverage network page, part 4 of 4: the controls. Filters (each change, and "Show all",
// resets the selection and the panel), the node list, clicks on the canvas, the focus button,
// the zoom (buttons and keys) and the filters given in the address. Parts 1–3 come first.
(function (N) {
  "use strict";
  var UI = N.UI, nodes = N.nodes, edges = N.edges, network = N.network, container = N.container, S = N.state;
  var picker = N.picker, focusButton = N.focusButton, selects = N.selects, showPrepares = N.showPrepares;
  focusButton.addEventListener("click", function () { if (S.focused) N.leaveFocus(true); else N.enterFocus(); });

  network.on("click", function (params) {
    if (params.nodes.length) N.select(params.nodes[0]);
    else if (!params.edges.length) N.clearSelection();
  });
  network.on("doubleClick", function (params) {
    if (params.nodes.length) { N.select(params.nodes[0]); N.enterFocus(); }
  });
  picker.addEventListener("change", function () {
    // Read the choice first: resetting the filters clears the selection, and the list with it.
    var id = picker.value;
    if (!id) { N.clearSelection(); return; }
    if (!nodes.get(id)) return;
    if (S.focused && S.selected !== id) N.leaveFocus(false);
    var n = nodes.get(id);
    if (n.hidden) {
      // A node hidden by a filter: the filters go back to "All", visibly, and the node is chosen.
      resetFilters(false);
      announce(UI["filter.cleared"].replace("{node}", n.code));
    }
    N.select(id);
    if (!S.focused) N.reveal(id);
  });

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
    if (!keepSelection) { N.clearSelection(); N.show(visible); }
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
    else if (event.key === "Escape") { N.clearSelection(); }
  });

  // Filters may come from the address: graph.html?block=BC04, /graph?job=J1&lang=en.
  var params = new URLSearchParams(window.location.search);
  selects.forEach(function (s) {
    var v = params.get(s.getAttribute("data-filter"));
    if (v && s.querySelector('option[value="' + v.replace(/"/g, "") + '"]')) s.value = v;
  });
  N.whenDrawn(function () {
    applyFilters(false);
    container.setAttribute("data-ready", "1");
  });
  N.applyFilters = applyFilters;
  N.visibleIds = visibleIds;
})(window.CiptNetwork);
