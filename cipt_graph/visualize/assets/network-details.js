// The coverage network page, part 2 of 4: the details panel of the chosen node (what it covers,
// what covers it, its activities, jobs, objectives…), each neighbour a button that chooses it.
(function (N) {
  "use strict";
  var DATA = N.DATA, UI = N.UI, nodes = N.nodes, edges = N.edges, details = N.details, S = N.state, el = N.el;
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
      button.addEventListener("click", function () { N.select(it.node.id); if (!S.focused) N.reveal(it.node.id); });
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
      details.appendChild(el("p", {}, UI["details.hours"] + (DATA.lang === "fr" ? "\u00a0: " : ": ") +
                                      N.numberText(Number(n.hours)) + "\u202fh"));
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
    var href = N.safeHref(n.href);
    if (href) details.appendChild(el("a", { "class": "resource", href: href }, UI["details.open"] + " →"));
    else details.appendChild(el("p", { "class": "iri-text" }, id));
  }
  N.showDetails = showDetails;
  N.emptyDetails = emptyDetails;
})(window.CiptNetwork);
