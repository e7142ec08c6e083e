// The coverage network page, part 3 of 4: choosing a node (full labels on it, the rest faded),
// the focus mode (the node and its neighbours laid out large) and bringing a node into view.
(function (N) {
  "use strict";
  var UI = N.UI, nodes = N.nodes, edges = N.edges, network = N.network, container = N.container, S = N.state;
  var picker = N.picker, focusButton = N.focusButton, showPrepares = N.showPrepares;
  var MIN_SCALE = N.MIN_SCALE, home = N.home, shortLabel = N.shortLabel, widths = N.widths, original = N.original;
  // A module's box already holds its whole label (and its hours), wrapped on several lines.
  function fullLabel(n) { return n.kind === "module" ? shortLabel[n.id] : n.code + " " + n.full; }
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
    // Full labels on the S.selected node (and, in focus mode, on its neighbours); others short.
    var keep = id == null ? null : neighbours(id);
    nodes.update(nodes.get().map(function (n) {
      var full = id != null && (n.id === id || (S.focused && keep[n.id]));
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
    if (S.focused && S.selected !== id) leaveFocus(false);
    S.selected = id;
    network.selectNodes([id]);
    paint(id);
    N.showDetails(id);
    picker.value = id;
    focusButton.disabled = false;
    container.setAttribute("data-S.selected", id);
  }
  function clearSelection() {
    if (S.focused) leaveFocus(false);
    S.selected = null;
    network.unselectAll();
    paint(null);
    N.emptyDetails();
    picker.value = "";
    focusButton.disabled = true;
    container.removeAttribute("data-S.selected");
  }

  // --- focus mode: the S.selected node and its neighbours, laid out large -------------------------
  // Boxes are placed from their measured sizes (after the full labels are set, wrapped at their
  // maximum width), so no two boxes overlap: the node in the middle, what links to it in columns
  // on the left, what it links to on the right, at most FOCUS_ROWS boxes a column.
  var FOCUS_ROWS = 8, FOCUS_GAP_X = 90, FOCUS_GAP_Y = 28;
  function enterFocus() {
    if (S.selected == null) return;
    S.focused = true;
    var keep = neighbours(S.selected);
    var left = [], right = [];
    edges.get().forEach(function (e) {
      if (e.from === S.selected && keep[e.to] && right.indexOf(e.to) < 0 && left.indexOf(e.to) < 0) right.push(e.to);
      if (e.to === S.selected && keep[e.from] && left.indexOf(e.from) < 0 && right.indexOf(e.from) < 0) left.push(e.from);
    });
    nodes.update(nodes.get().map(function (n) { return { id: n.id, hidden: !keep[n.id] }; }));
    paint(S.selected);
    network.redraw();   // sizes the boxes of the full labels
    function size(id) {
      var b = network.getBoundingBox(id);
      return { w: b.right - b.left, h: b.bottom - b.top };
    }
    var middle = size(S.selected);
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
    network.moveNode(S.selected, 0, 0);
    place(left, -1);
    place(right, 1);
    network.redraw();   // the boxes at their new places, for the view below
    var rect = container.getBoundingClientRect();
    if (rect.top < 0 || rect.top > window.innerHeight - 200) container.scrollIntoView({ block: "start" });
    N.show(Object.keys(keep));
    focusButton.setAttribute("aria-pressed", "true");
    focusButton.textContent = UI["focus.off"];
    container.setAttribute("data-focus", "1");
  }
  function leaveFocus(refit) {
    S.focused = false;
    Object.keys(home).forEach(function (id) { network.moveNode(id, home[id].x, home[id].y); });
    focusButton.setAttribute("aria-pressed", "false");
    focusButton.textContent = UI["focus.on"];
    container.removeAttribute("data-focus");
    N.applyFilters(true);
    if (S.selected != null) paint(S.selected);
    if (refit) N.show(N.visibleIds());
  }

  // --- a chosen node in view: it and its shown neighbours, in the part of the canvas on screen ----
  function reveal(id) {
    var box = N.boxOf(Object.keys(neighbours(id)).filter(function (n) { return !nodes.get(n).hidden; }));
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
  N.select = select;
  N.clearSelection = clearSelection;
  N.enterFocus = enterFocus;
  N.leaveFocus = leaveFocus;
  N.reveal = reveal;
  N.neighbours = neighbours;
})(window.CiptNetwork);
