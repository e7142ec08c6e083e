// The SPARQL query page: loads an example into the editor, posts the query to /sparql, shows the
// results as a table (IRIs as short forms, statuses as words, full IRI on hover and one click away), downloads the
// results in any format. Works offline: no external script; the data is embedded in the page.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("page-data").textContent);
  var t = data.strings;
  var textarea = document.getElementById("query");
  var results = document.getElementById("results");
  var status = document.getElementById("status");
  var fullIris = document.getElementById("full-iris");
  var plural = new Intl.PluralRules(data.lang);
  var numberFormat = new Intl.NumberFormat(data.lang);
  var lastJson = null;

  // CodeMirror's own words (its search panel, go to line, folding…) in French; English is its own.
  var PHRASES = { fr: {
    "Find": "Rechercher", "Replace": "Remplacer", "next": "suivant", "previous": "précédent", "all": "tout",
    "match case": "respecter la casse", "regexp": "expression régulière", "by word": "mot entier",
    "replace": "remplacer", "replace all": "tout remplacer", "close": "fermer", "current match": "occurrence actuelle",
    "replaced $ matches": "$ occurrences remplacées", "replaced match on line $": "occurrence remplacée à la ligne $",
    "on line": "à la ligne", "Go to line": "Aller à la ligne", "go": "aller", "Folded lines": "Lignes repliées",
    "Unfolded lines": "Lignes dépliées", "to": "à", "folded code": "code replié", "unfold": "déplier",
    "Fold line": "Replier la ligne", "Unfold line": "Déplier la ligne", "Control character": "Caractère de contrôle",
    "Selection deleted": "Sélection supprimée", "Completions": "Complétions", "Diagnostics": "Diagnostics",
    "No diagnostics": "Aucun diagnostic"
  } };

  // The editor: CodeMirror (sparql-editor.js) when shipped, else the plain textarea.
  var editor = null;
  if (window.CiptSparqlEditor) {
    editor = window.CiptSparqlEditor.create(document.getElementById("editor"), textarea, {
      label: t.editor, run: function () { run(); }, phrases: PHRASES[data.lang] || {}
    });
  }
  function getQuery() { return editor ? editor.get() : textarea.value; }
  function setQuery(text) { if (editor) editor.set(text); else textarea.value = text; }
  function focusEditor() { if (editor) editor.focus(); else textarea.focus(); }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  // A number as given, in the page's locale: its digits grouped, the locale's decimal sign, every
  // decimal kept (never rounded); a form with an exponent, or anything else, stays as written.
  var decimalSign = (numberFormat.formatToParts(1.5).find(function (p) { return p.type === "decimal"; }) || {}).value || ".";
  function localDigits(text) {
    var m = /^([+-]?)(\d+)(?:\.(\d*))?$/.exec(text.trim());
    if (!m) return text;
    var whole = numberFormat.format(BigInt(m[2]));
    return (m[1] === "-" ? "-" : "") + whole + (m[3] ? decimalSign + m[3] : "");
  }
  function rows(n) {
    var form = t.rows[plural.select(n)] || t.rows.other;
    return form.replace("{n}", numberFormat.format(n));
  }

  var byName = {};
  data.examples.forEach(function (ex) { byName[ex.name] = ex; });
  Array.prototype.forEach.call(document.querySelectorAll("#examples button.example"), function (button) {
    button.addEventListener("click", function () {
      var ex = byName[button.getAttribute("data-name")];
      if (ex) { setQuery(ex.sparql); focusEditor(); }
    });
  });
  // A link may carry a query for the editor in its fragment (#query=…, percent-encoded: the audit
  // report's "open in the SPARQL editor"); it is shown, not run.
  var asked = null;
  if (location.hash.indexOf("#query=") === 0) {
    try { asked = decodeURIComponent(location.hash.slice(7)); } catch (e) { asked = null; }
  }
  if (asked) setQuery(asked);
  else if (byName[data.initial]) setQuery(byName[data.initial].sparql);

  // An IRI as people read it: the project's IRIs by their path (module/M01), known vocabularies
  // by a prefixed name (skos:prefLabel), others by their last segment.
  function shortForm(iri) {
    if (iri.indexOf(data.cid) === 0) return iri.slice(data.cid.length);
    var best = null;
    Object.keys(data.prefixes).forEach(function (p) {
      var ns = data.prefixes[p];
      if (iri.indexOf(ns) === 0 && iri.length > ns.length && (!best || ns.length > data.prefixes[best].length)) best = p;
    });
    if (best) return best + ":" + iri.slice(data.prefixes[best].length);
    var m = iri.match(/[^\/#]+[\/#]?$/);
    return m ? m[0] : iri;
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
  function href(iri) {
    if (iri.indexOf(data.cid) === 0 && iri.length > data.cid.length) {
      // The IRI's path as written (percent-encodings kept), "?" and "#" encoded (safelinks.id_path).
      var local = iri.slice(data.cid.length).replace(/\?/g, "%3F").replace(/#/g, "%23");
      return safeHref(data.resource.replace("__IRI__", function () { return local; }));
    }
    return safeHref(iri);
  }

  // A status (validated, proposed, inferred…) is known by its value, whatever the column's name:
  // the status concept's IRI (cipt:Validated) or its code as a plain literal ("validated", as the
  // named queries give it). Its code, or null. Downloads stay raw.
  function has(map, key) { return Object.prototype.hasOwnProperty.call(map, key); }
  function statusCode(term) {
    if (term.type === "uri") return has(data.status_iris, term.value) ? data.status_iris[term.value] : null;
    if (term.type !== "literal" && term.type !== "typed-literal") return null;
    if (term["xml:lang"] || (term.datatype && !/#string$/.test(term.datatype))) return null;
    return has(data.statuses, term.value) ? term.value : null;
  }

  function cell(term) {
    var td = el("td");
    if (!term) return td;
    var code = statusCode(term);
    if (term.type === "uri") {
      // A status concept reads as its word (« validé »), its IRI on hover and one click away.
      var link = href(term.value);
      var text = fullIris.checked ? term.value : code !== null ? data.statuses[code] : shortForm(term.value);
      var attrs = { "class": code !== null && !fullIris.checked ? "status-word" : "iri", title: term.value };
      if (code !== null) attrs["data-status"] = code;
      if (link) attrs.href = link;
      td.appendChild(el(link ? "a" : "span", attrs, text));
    } else if (term.type === "bnode") {
      td.appendChild(el("span", { "class": "bnode" }, "_:" + term.value));
    } else {
      var dt = term.datatype || "";
      var value = term.value;
      if (code !== null) {
        td.appendChild(el("span", { "class": "status-word", "data-status": code, title: code }, data.statuses[code]));
        return td;
      }
      if (/#(decimal|double|float|integer|int|long)$/.test(dt) && value !== "" && !isNaN(Number(value))) {
        value = localDigits(value);
        td.className = "num";
      } else if (/#boolean$/.test(dt)) {
        value = value === "true" ? t.yes : t.no;
      }
      var tag = term["xml:lang"] || "";
      // A literal reads as text; one in another language than the page's says which, discreetly.
      var other = tag && tag.toLowerCase().split("-")[0] !== data.lang;
      var attrs = {};
      if (tag) attrs.lang = tag;
      if (value.length > 90) {
        // Long text (a rationale, a definition): three lines, the whole on hover.
        attrs["class"] = "clamp";
        attrs.title = value;
      }
      td.appendChild(el("span", attrs, value));
      if (other) {
        td.appendChild(document.createTextNode(" "));  // "Public communication en", copied or read aloud
        td.appendChild(el("span", { "class": "lang-tag", title: t.language + " " + tag }, tag));
      }
    }
    return td;
  }

  function table(json) {
    if (typeof json.boolean === "boolean") return el("p", {}, t.ask + " " + (json.boolean ? t.yes : t.no));
    var vars = json.head.vars;
    var tbl = el("table", { "class": "sparql-results" });
    var head = el("tr");
    vars.forEach(function (v) { head.appendChild(el("th", { scope: "col" }, v)); });
    tbl.appendChild(el("thead")).appendChild(head);
    var body = tbl.appendChild(el("tbody"));
    json.results.bindings.forEach(function (row) {
      var tr = el("tr");
      vars.forEach(function (v) { tr.appendChild(cell(row[v])); });
      body.appendChild(tr);
    });
    return tbl;
  }
  function show() {
    results.replaceChildren();
    if (lastJson) results.appendChild(table(lastJson));
  }
  fullIris.addEventListener("change", show);

  function post(accept) {
    return fetch("/sparql", {
      method: "POST",
      // The endpoint's errors (a syntax error, a limit) in the page's language.
      headers: { "Content-Type": "application/sparql-query", "Accept": accept, "Accept-Language": data.lang },
      body: getQuery()
    });
  }

  // The endpoint's refusal is plain text, "413 Content Too Large: <message>": the message is in the
  // page's language (Accept-Language), the HTTP reason phrase is not; the page shows the message.
  function errorText(text) {
    var m = /^\d{3} [^:\n]*: ([\s\S]*)$/.exec(text.trim());
    return m ? m[1] : text;
  }

  function run() {
    results.replaceChildren();
    lastJson = null;
    status.textContent = t.running;
    var started = performance.now();
    post("application/sparql-results+json, text/turtle;q=0.9").then(function (response) {
      return response.text().then(function (text) {
        var type = response.headers.get("Content-Type") || "";
        var ms = numberFormat.format(Math.round(performance.now() - started));
        if (!response.ok) {
          status.textContent = t.error + " " + response.status + " (" + ms + " ms)";
          results.appendChild(el("div", { "class": "error" }, errorText(text)));
          return;
        }
        if (type.indexOf("application/sparql-results+json") === 0) {
          lastJson = JSON.parse(text);
          var n = lastJson.results ? lastJson.results.bindings.length : 1;
          status.textContent = rows(n) + " (" + ms + " ms)";
          show();
        } else {
          status.textContent = type.split(";")[0] + " (" + ms + " ms)";
          results.appendChild(el("pre", { "class": "raw" }, text));
        }
      });
    }).catch(function (err) {
      status.textContent = "";
      results.appendChild(el("div", { "class": "error" }, t.network + " " + err));
    });
  }

  document.getElementById("query-form").addEventListener("submit", function (event) {
    event.preventDefault();
    run();
  });

  var EXT = { "application/sparql-results+json": "srj", "application/sparql-results+xml": "srx", "text/csv": "csv",
              "text/tab-separated-values": "tsv", "text/turtle": "ttl", "application/ld+json": "jsonld",
              "application/n-triples": "nt", "application/rdf+xml": "rdf" };
  var select = document.getElementById("accept");

  // The query's form: "graph" (CONSTRUCT, DESCRIBE), "results" (SELECT, ASK), or null (unknown),
  // read past strings, IRIs and comments (a '#' inside an IRI is not a comment).
  function queryForm(text) {
    var bare = text.replace(/"""[\s\S]*?"""|'''[\s\S]*?'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|<[^<>\s"{}|^`\\]*>/g, " ")
      .replace(/#[^\n]*/g, " ");
    var m = /\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b/i.exec(bare);
    if (!m) return null;
    return /^(CONSTRUCT|DESCRIBE)$/i.test(m[1]) ? "graph" : "results";
  }
  // Only the formats that fit the query in the editor can be chosen; a chosen one that no longer
  // fits gives way to the first that does.
  var checkedText = null;
  function fitFormats() {
    var text = getQuery();
    if (text === checkedText) return;
    checkedText = text;
    var form = queryForm(text);
    Array.prototype.forEach.call(select.options, function (o) {
      o.disabled = form !== null && o.getAttribute("data-forms") !== form;
    });
    if (select.selectedOptions.length && select.selectedOptions[0].disabled) {
      var first = Array.prototype.find.call(select.options, function (o) { return !o.disabled; });
      if (first) select.value = first.value;
    }
  }
  // After the editor has taken the keystroke or the example (it updates the textarea on its change).
  ["input", "keyup", "click"].forEach(function (name) {
    document.addEventListener(name, function () { setTimeout(fitFormats, 0); }, true);
  });
  select.addEventListener("focus", fitFormats);
  setInterval(fitFormats, 300);
  fitFormats();

  document.getElementById("download").addEventListener("click", function () {
    fitFormats();
    var accept = select.value;
    status.textContent = t.running;
    post(accept).then(function (response) {
      return response.blob().then(function (blob) {
        if (!response.ok) {
          return blob.text().then(function (text) {
            status.textContent = t.error + " " + response.status;
            results.replaceChildren(el("div", { "class": "error" }, errorText(text)));
          });
        }
        // Named after what came (the Content-Type), not what was asked for.
        var type = (response.headers.get("Content-Type") || "").split(";")[0].trim().toLowerCase();
        var a = el("a", { href: URL.createObjectURL(blob), download: "results." + (EXT[type] || "txt") });
        a.id = "download-link";
        document.body.appendChild(a);
        a.click();
        setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
        status.textContent = "";
      });
    });
  });
})();
