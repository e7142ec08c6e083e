"""The HTML query page of ``/sparql``: an editor, the named queries as examples, results as a
table, downloads in every format; the site's header; no external asset.

The page's script and style are files under ``static/`` (``query.js``, ``style.css``; the editor
bundle ``sparql-editor.js`` when present); its data (examples, strings, prefixes) travel in a
``<script type="application/json">`` element, which runs nothing.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from ..namespaces import CID, CIPT, PREFIXES
from ..queries import load_queries
from ..store import Store
from ..visualize.i18n import UI, tr
from ..visualize.page import Links, json_for_script, render_page
from .named_queries import example_sparql

#: The SPARQL editor (CodeMirror 6, bundled by ``editor/build.sh``; see ``static/NOTICE``).
EDITOR_BUNDLE = Path(__file__).resolve().parent / "static" / "sparql-editor.js"

#: Download formats: media type → label (the labels are format names, the same in both languages).
FORMATS = {
    "application/sparql-results+json": "SPARQL JSON",
    "application/sparql-results+xml": "SPARQL XML",
    "text/csv": "CSV",
    "text/tab-separated-values": "TSV",
    "text/turtle": "Turtle (CONSTRUCT, DESCRIBE)",
    "application/ld+json": "JSON-LD (CONSTRUCT, DESCRIBE)",
    "application/n-triples": "N-Triples (CONSTRUCT, DESCRIBE)",
    "application/rdf+xml": "RDF/XML (CONSTRUCT, DESCRIBE)",
}
#: The formats of graphs (CONSTRUCT, DESCRIBE); the others hold solutions (SELECT, ASK).
GRAPH_FORMATS = frozenset({"text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml"})


#: The status concepts of the ontology (``cipt:MappingStatusScheme``, ``cipt:DataStatusScheme``) by
#: their code (``skos:notation``); their words are the catalogue's ``status.<code>``
#: (test_status_concepts_of_the_ontology_are_the_page_s checks both against the ontology).
STATUS_CONCEPTS = {"proposed": CIPT.Proposed, "validated": CIPT.Validated, "stated": CIPT.Stated,
                   "inferred": CIPT.Inferred, "judgement": CIPT.Judgement, "official": CIPT.Official,
                   "project-translation": CIPT.ProjectTranslation}


def status_words(lang: str) -> dict[str, str]:
    """The status codes (``validated``, ``proposed``, ``stated``, ``inferred``…) → their word in
    ``lang`` (« validé »…)."""
    return {code: tr(lang, f"status.{code}") for code in STATUS_CONCEPTS}


def _examples(store: Store, lang: str) -> list[dict]:
    examples = []
    for q in load_queries().values():
        params = dict(q.example)
        if any(p.name == "lang" for p in q.params):
            params["lang"] = lang
        header = getattr(q, "header", None) or {}
        title, rule = header.get("title"), header.get("rule")
        summary, summary_lang = q.summary, "en"
        if isinstance(title, dict) and title.get(lang):
            summary, summary_lang = title[lang], lang
        elif f"query.{q.name}" in UI[lang]:
            summary, summary_lang = tr(lang, f"query.{q.name}"), lang
        description = rule.get(lang) if isinstance(rule, dict) else (q.description if lang == "en" else "")
        examples.append({"name": q.name, "summary": summary, "summary_lang": summary_lang,
                         "description": description or "", "sparql": _editor_text(example_sparql(store, q, params),
                                                                                   summary, lang)})
    return examples


def _editor_text(sparql: str, title: str, lang: str = "en") -> str:
    """The query as the editor shows it: its ``#+`` front matter (the catalogue's metadata, in
    English) replaced by one comment line with its title in the page's language. The files'
    own comments are developer notes, in English: on a page in another language the lines that
    hold only a comment are left out (the query runs the same)."""
    lines = sparql.splitlines()
    body = [line for line in lines if not line.startswith("#+")
            and (lang == "en" or not line.lstrip().startswith("#"))]
    return "\n".join([f"# {' '.join(title.split())}", *body]) + ("\n" if sparql.endswith("\n") else "")


def render_query_page(store: Store, lang: str = "fr", links: Links | None = None,
                      switch_href: str | None = None) -> str:
    """The page, in French or English, with every named query as a runnable example."""
    links = links or Links(lang=lang)
    examples = _examples(store, lang)
    strings = {k.split(".", 1)[1]: v for k, v in UI[lang].items() if k.startswith("sparql.")}
    strings["rows"] = UI[lang]["count.rows"]
    statuses = status_words(lang)
    data = {"cid": str(CID), "lang": lang, "examples": examples, "initial": "coverage_matrix",
            "prefixes": {p: str(ns) for p, ns in PREFIXES.items()}, "strings": strings, "statuses": statuses,
            "status_iris": {str(iri): code for code, iri in STATUS_CONCEPTS.items()},
            "resource": links.resource(str(CID) + "__IRI__")}
    items = "".join(
        f'<li><button type="button" class="example" data-name="{escape(ex["name"])}"'
        + (f' lang="{ex["summary_lang"]}"' if ex["summary_lang"] != lang else "")
        + (f' title="{escape(ex["description"])}"' if ex["description"] else "")
        + f'>{escape(ex["summary"])}</button><code class="qname" translate="no">{escape(ex["name"])}</code></li>'
        for ex in examples)
    # Each format says which query forms it fits (query.js disables the others for the query in the editor).
    options = "".join(f'<option value="{escape(m)}" data-forms="{"graph" if m in GRAPH_FORMATS else "results"}">'
                      f'{escape(label)}</option>' for m, label in FORMATS.items())
    body = f"""<p class="lead">{escape(tr(lang, "sparql.intro"))}</p>
<div class="sparql-layout">
  <section aria-labelledby="examples-title" class="examples-box">
    <h2 id="examples-title">{escape(tr(lang, "sparql.examples"))}</h2>
    <ul class="examples" id="examples">{items}</ul>
  </section>
  <section aria-labelledby="editor-title" class="editor-box">
    <h2 id="editor-title">{escape(tr(lang, "sparql.query"))}</h2>
    <form id="query-form" method="post" action="/sparql">
      <div id="editor" class="editor" translate="no"></div>
      <textarea id="query" name="query" spellcheck="false" aria-label="{escape(tr(lang, "sparql.editor"))}"></textarea>
      <div class="controls">
        <button type="submit" class="run" id="run">{escape(tr(lang, "sparql.run"))}</button>
        <label>{escape(tr(lang, "sparql.format"))}
          <select id="accept">{options}</select></label>
        <button type="button" id="download">{escape(tr(lang, "sparql.download"))}</button>
        <label class="check"><input type="checkbox" id="full-iris"> {escape(tr(lang, "sparql.show_iri"))}</label>
        <span class="status" id="status" role="status" aria-live="polite"></span>
      </div>
    </form>
    <div class="results" id="results" translate="no" aria-label="{escape(tr(lang, "sparql.results"))}"></div>
  </section>
</div>"""
    head = '<link rel="stylesheet" href="/api/static/style.css">'
    editor = '<script src="/api/static/sparql-editor.js"></script>\n' if EDITOR_BUNDLE.exists() else ""
    scripts = (f'<script type="application/json" id="page-data">{json_for_script(data)}</script>\n'
               f'{editor}<script src="/api/static/query.js"></script>')
    return render_page(view="sparql", lang=lang, links=links, title=tr(lang, "sparql.title"), body=body,
                       head=head, scripts=scripts, switch_href=switch_href)
