"""The HTML query page of ``/sparql``: an editor, the named queries as examples, no external asset."""

from __future__ import annotations

import json
from functools import lru_cache
from html import escape
from pathlib import Path
from string import Template

from ..namespaces import CID
from ..queries import load_queries
from ..store import Store
from .named_queries import example_sparql

STATIC_DIR = Path(__file__).resolve().parent / "static"

STRINGS = {
    "fr": {
        "title": "Point d'accès SPARQL de cipt-graph",
        "intro": "Interrogez le graphe de compétences du M2 CIPT (Université Paris 1, RNCP 38175) en SPARQL 1.1. "
                 "Les requêtes nommées ci-contre sont des exemples prêts à l'emploi ; le point d'accès est en "
                 "lecture seule.",
        "docs": "Documentation de l'API", "vocabulary": "Vocabulaire", "programme": "Programme",
        "examples_title": "Requêtes nommées", "query_title": "Requête", "run": "Exécuter",
        "format_label": "Format :", "table": "Tableau", "other_lang_label": "English",
        "rows": "ligne(s)", "running": "Exécution…", "ask": "Réponse :", "network": "Erreur réseau :",
    },
    "en": {
        "title": "cipt-graph SPARQL endpoint",
        "intro": "Query the competency graph of the M2 CIPT (Université Paris 1, RNCP 38175) in SPARQL 1.1. "
                 "The named queries listed here are ready-made examples; the endpoint is read-only.",
        "docs": "API documentation", "vocabulary": "Vocabulary", "programme": "Programme",
        "examples_title": "Named queries", "query_title": "Query", "run": "Run",
        "format_label": "Format:", "table": "Table", "other_lang_label": "Français",
        "rows": "row(s)", "running": "Running…", "ask": "Answer:", "network": "Network error:",
    },
}


@lru_cache(maxsize=1)
def _template() -> Template:
    return Template((STATIC_DIR / "query.html").read_text(encoding="utf-8"))


def render_query_page(store: Store, lang: str = "fr") -> str:
    """The page, in French or English, with every named query as a runnable example."""
    strings = STRINGS[lang]
    params_lang = {"lang": lang}
    examples = []
    for q in load_queries().values():
        params = dict(q.example)
        if any(p.name == "lang" for p in q.params):
            params.update(params_lang)
        title = (getattr(q, "header", None) or {}).get("title")
        summary = title.get(lang, q.summary) if isinstance(title, dict) else q.summary
        examples.append({"name": q.name, "summary": summary, "description": q.description,
                         "sparql": example_sparql(store, q, params)})
    data = {"cid": str(CID), "examples": examples, "initial": "coverage_matrix",
            "strings": {k: strings[k] for k in ("rows", "running", "ask", "network")}}
    other = "en" if lang == "fr" else "fr"
    values = {k: escape(v) for k, v in strings.items()}
    values.update(lang=lang, other_lang=other,
                  data=json.dumps(data, ensure_ascii=False).replace("</", "<\\/"))
    return _template().substitute(values)
