// The SPARQL query page: loads an example, posts the query to /sparql, shows the results.
// Works offline: no external script, the examples are embedded in the page.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("page-data").textContent);
  const t = data.strings;
  const textarea = document.getElementById("query");
  const results = document.getElementById("results");
  const status = document.getElementById("status");
  const list = document.getElementById("examples");

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  data.examples.forEach((ex, i) => {
    const li = el("li");
    const button = el("button", { type: "button", "data-name": ex.name }, ex.summary);
    button.addEventListener("click", () => { textarea.value = ex.sparql; textarea.focus(); });
    li.appendChild(button);
    li.appendChild(el("div", { class: "desc" }, ex.description));
    list.appendChild(li);
    if (i === 0 && !textarea.value) textarea.value = ex.sparql;
  });
  const initial = data.examples.find((ex) => ex.name === data.initial);
  if (initial) textarea.value = initial.sparql;

  // The link rule of cipt_graph.safelinks: only http(s) IRIs and the site's own references
  // become links; any other scheme (javascript:, data:, vbscript:…) is shown as text.
  function safeHref(value) {
    if (typeof value !== "string") return null;
    const v = value.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, "").replace(/[\t\n\r]/g, "");
    if (!v || v.includes("\\")) return null;
    const m = /^([A-Za-z][A-Za-z0-9+.\-]*):/.exec(v);
    if (m) {
      const scheme = m[1].toLowerCase();
      return (scheme === "http" || scheme === "https") && /^[^:]+:\/\/[^\/?#]/.test(v) ? v : null;
    }
    if (v.startsWith("//") || /^[^\/?#]*:/.test(v)) return null;
    return v;
  }

  function cell(term) {
    const td = el("td");
    if (!term) return td;
    if (term.type === "uri") {
      const local = term.value.startsWith(data.cid) ? "/id/" + term.value.slice(data.cid.length).replace(/\?/g, "%3F").replace(/#/g, "%23") : null;
      const href = safeHref(local || term.value);
      td.appendChild(href ? el("a", { href: href, class: "iri" }, term.value) : el("span", { class: "iri-text" }, term.value));
    } else {
      td.textContent = term.value;
      if (term["xml:lang"]) td.appendChild(el("span", { class: "lang-tag" }, "@" + term["xml:lang"]));
    }
    return td;
  }

  function table(json) {
    if (typeof json.boolean === "boolean") return el("p", {}, t.ask + " " + json.boolean);
    const vars = json.head.vars;
    const tbl = el("table");
    const head = el("tr");
    vars.forEach((v) => head.appendChild(el("th", { scope: "col" }, v)));
    tbl.appendChild(el("thead")).appendChild(head);
    const body = tbl.appendChild(el("tbody"));
    json.results.bindings.forEach((row) => {
      const tr = el("tr");
      vars.forEach((v) => tr.appendChild(cell(row[v])));
      body.appendChild(tr);
    });
    return tbl;
  }

  document.getElementById("query-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const choice = document.getElementById("accept").value;
    const accept = choice === "table" ? "application/sparql-results+json, text/turtle;q=0.9" : choice;
    results.replaceChildren();
    status.textContent = t.running;
    const started = performance.now();
    try {
      const response = await fetch("/sparql", {
        method: "POST",
        headers: { "Content-Type": "application/sparql-query", "Accept": accept },
        body: textarea.value,
      });
      const type = response.headers.get("Content-Type") || "";
      const text = await response.text();
      const ms = Math.round(performance.now() - started);
      if (!response.ok) {
        status.textContent = response.status + " (" + ms + " ms)";
        results.appendChild(el("div", { class: "error" }, text));
        return;
      }
      if (choice === "table" && type.startsWith("application/sparql-results+json")) {
        const json = JSON.parse(text);
        const rows = json.results ? json.results.bindings.length : 1;
        status.textContent = rows + " " + t.rows + " (" + ms + " ms)";
        results.appendChild(table(json));
      } else {
        status.textContent = type + " (" + ms + " ms)";
        results.appendChild(el("pre", { class: "raw" }, text));
      }
    } catch (err) {
      status.textContent = "";
      results.appendChild(el("div", { class: "error" }, t.network + " " + err));
    }
  });
})();
