"""HTML pages of the linked data: a resource with labelled links to its neighbours, the vocabulary."""

from __future__ import annotations

from collections import defaultdict
from html import escape

import pyoxigraph as ox

from ..namespaces import CID, CIPT, OWL, PREFIXES, RDF, RDFS, SKOS
from ..safelinks import id_path, safe_href

STRINGS = {
    "fr": {"properties": "Propriétés", "incoming": "Liens entrants", "formats": "Autres formats :",
           "type": "Type", "graph": "Graphe nommé du jeu de données", "triples": "triplets",
           "vocabulary": "Vocabulaire", "classes": "Classes", "object_properties": "Propriétés d'objet",
           "datatype_properties": "Propriétés de données", "other_terms": "Autres termes",
           "definition": "Définition", "docs": "Documentation de l'API", "programme": "Programme",
           "subclass": "Sous-classe de", "domain": "Domaine", "range": "Portée", "other_lang": "English"},
    "en": {"properties": "Properties", "incoming": "Incoming links", "formats": "Other formats:",
           "type": "Type", "graph": "Named graph of the dataset", "triples": "triples",
           "vocabulary": "Vocabulary", "classes": "Classes", "object_properties": "Object properties",
           "datatype_properties": "Datatype properties", "other_terms": "Other terms",
           "definition": "Definition", "docs": "API documentation", "programme": "Programme",
           "subclass": "Subclass of", "domain": "Domain", "range": "Range", "other_lang": "Français"},
}
_RDF_TYPE = str(RDF.type)
_FIRST = [str(RDF.type), str(SKOS.prefLabel), str(SKOS.notation)]


def page(title: str, body: str, lang: str, alternates: str = "") -> str:
    """The page frame shared by the resource and vocabulary pages."""
    t = STRINGS[lang]
    other = "en" if lang == "fr" else "fr"
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} — cipt-graph</title>
<link rel="stylesheet" href="/api/static/style.css">
{alternates}
</head>
<body>
<header class="site">
  <a class="brand" href="/">cipt-graph</a>
  <nav><a href="/sparql?lang={lang}">SPARQL</a> <a href="/docs">{t['docs']}</a>
  <a href="/ontology?lang={lang}">{t['vocabulary']}</a> <a href="/id/programme/m2-cipt?lang={lang}">{t['programme']}</a></nav>
  <span class="lang"><a href="?lang={other}" hreflang="{other}">{t['other_lang']}</a></span>
</header>
<main>
{body}
</main>
</body>
</html>
"""


def pick_label(labels: list[tuple[int, ox.Literal]] | None, lang: str) -> str | None:
    """The best label: by kind (preferred label first), then in ``lang``, then untagged, then any."""
    if not labels:
        return None
    def score(item: tuple[int, ox.Literal]) -> tuple[int, int]:
        kind, lit = item
        return (kind, 0 if lit.language == lang else 1 if not lit.language else 2)
    return min(labels, key=score)[1].value


def compact(iri: str) -> str:
    """A prefixed name (``skos:prefLabel``) for IRIs in a known namespace."""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(str(ns)) and len(iri) > len(str(ns)):
            return f"{prefix}:{iri[len(str(ns)):]}"
    return iri


def href(iri: str, lang: str) -> str | None:
    """Where a link to ``iri`` goes: this service for the project's IRIs, the IRI otherwise;
    None when the IRI may not become a link (``cipt_graph.safelinks``: only ``http(s)``)."""
    local = id_path(iri)
    if local:
        return f"{local}?lang={lang}"
    if iri.startswith(str(CIPT)):
        return f"/ontology?lang={lang}#{iri[len(str(CIPT)):]}"
    return safe_href(iri)


def _name(iri: str, labels, lang: str) -> str:
    label = pick_label(labels.get(iri), lang)
    if label:
        return label
    if iri.startswith(str(CID)):
        return iri[len(str(CID)):]
    return compact(iri)


def _value(term, labels, lang: str, nested: dict) -> str:
    if isinstance(term, ox.NamedNode):
        name = _name(term.value, labels, lang)
        target = href(term.value, lang)
        if target is None:
            return f'<span class="iri-text" title="{escape(term.value)}">{escape(name)}</span>'
        return f'<a href="{escape(target)}" title="{escape(term.value)}">{escape(name)}</a>'
    if isinstance(term, ox.BlankNode):
        by_property: dict[str, list] = defaultdict(list)
        for p, o in nested.get(term.value, []):
            by_property[p.value].append(o)
        inner = "".join(f"<tr><td class=\"prop\">{escape(_name(p, labels, lang))}</td>"
                        f"<td>{', '.join(_value(o, labels, lang, {}) for o in _in_language(objects, lang))}</td></tr>"
                        for p, objects in sorted(by_property.items()))
        return f"<table>{inner}</table>"
    if isinstance(term, ox.Literal):
        tag = f'<span class="lang-tag">@{escape(term.language)}</span>' if term.language else ""
        return escape(term.value) + tag
    return escape(str(term))


def _in_language(objects: list, lang: str) -> list:
    """Literals in ``lang`` (and untagged ones) when there are some; everything otherwise."""
    tagged = [o for o in objects if isinstance(o, ox.Literal) and o.language]
    if not tagged or not any(o.language == lang for o in tagged):
        return objects
    return [o for o in objects if not (isinstance(o, ox.Literal) and o.language and o.language != lang)]


def render_resource(iri: ox.NamedNode, triples: list[ox.Triple], labels: dict, lang: str, base: str,
                    *, is_graph: bool = False) -> str:
    """The page of a resource: title, types, properties (values in ``lang``), incoming links."""
    t = STRINGS[lang]
    out: dict[str, list] = defaultdict(list)
    incoming: dict[str, list] = defaultdict(list)
    nested: dict[str, list] = defaultdict(list)
    for tr in triples:
        if tr.subject == iri:
            out[tr.predicate.value].append(tr.object)
        elif tr.object == iri:
            incoming[tr.predicate.value].append(tr.subject)
        elif isinstance(tr.subject, ox.BlankNode):
            nested[tr.subject.value].append((tr.predicate, tr.object))
    title = _name(iri.value, labels, lang)
    types = ", ".join(_value(o, labels, lang, {}) for o in out.get(_RDF_TYPE, []))
    formats = " ".join(f'<a href="{escape(base)}{s}" type="{m}">{n}</a>' for s, m, n in
                       ((".ttl", "text/turtle", "Turtle"), (".jsonld", "application/ld+json", "JSON-LD"),
                        (".nt", "application/n-triples", "N-Triples"), (".rdf", "application/rdf+xml", "RDF/XML")))
    body = [f'<p class="muted">{types or (t["graph"] if is_graph else "")}</p>',
            f"<h1>{escape(title)}</h1>", f'<p class="iri">{escape(iri.value)}</p>',
            f'<p class="formats muted">{t["formats"]} {formats}</p>']
    if is_graph:
        body.append(f"<p>{len(triples)} {t['triples']}</p>")
    elif out:
        order = sorted(out, key=lambda p: (_FIRST.index(p) if p in _FIRST else len(_FIRST),
                                           _name(p, labels, lang).lower()))
        rows = []
        for p in order:
            values = sorted(_in_language(out[p], lang), key=lambda o: _name(o.value, labels, lang)
                            if isinstance(o, ox.NamedNode) else str(o))
            cells = "".join(f"<li>{_value(o, labels, lang, nested)}</li>" for o in values)
            rows.append(f'<tr><td class="prop" title="{escape(p)}">{escape(_name(p, labels, lang))}</td>'
                        f'<td><ul class="values">{cells}</ul></td></tr>')
        body.append(f"<h2>{t['properties']}</h2><table>{''.join(rows)}</table>")
    if incoming:
        rows = []
        for p in sorted(incoming, key=lambda p: _name(p, labels, lang).lower()):
            subjects = sorted(incoming[p], key=lambda s: _name(s.value, labels, lang) if isinstance(s, ox.NamedNode) else "")
            cells = "".join(f"<li>{_value(s, labels, lang, nested)}</li>" for s in subjects)
            rows.append(f'<tr><td class="prop" title="{escape(p)}">{escape(_name(p, labels, lang))}</td>'
                        f'<td><ul class="values">{cells}</ul></td></tr>')
        body.append(f"<h2>{t['incoming']}</h2><table>{''.join(rows)}</table>")
    alternates = "\n".join(f'<link rel="alternate" type="{m}" href="{escape(base)}{s}">'
                           for s, m in ((".ttl", "text/turtle"), (".jsonld", "application/ld+json")))
    return page(title, "\n".join(body), lang, alternates)


def render_ontology(triples: list[ox.Triple], labels: dict, lang: str, namespace: str) -> str:
    """The vocabulary page: one anchored entry per term, grouped by kind."""
    t = STRINGS[lang]
    by_subject: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for tr in triples:
        if isinstance(tr.subject, ox.NamedNode):
            by_subject[tr.subject.value][tr.predicate.value].append(tr.object)
    groups = {str(OWL.Class): t["classes"], str(OWL.ObjectProperty): t["object_properties"],
              str(OWL.DatatypeProperty): t["datatype_properties"]}
    sections: dict[str, list[str]] = defaultdict(list)
    ontology_iri = namespace.rstrip("#/")
    for iri in sorted(by_subject):
        if not iri.startswith(namespace):
            continue
        props = by_subject[iri]
        local = iri[len(namespace):]
        kinds = [o.value for o in props.get(_RDF_TYPE, [])]
        group = next((groups[k] for k in kinds if k in groups), t["other_terms"])
        definition = _in_language(props.get(str(SKOS.definition), []), lang)
        facts = []
        for key, pred in (("subclass", RDFS.subClassOf), ("domain", RDFS.domain), ("range", RDFS.range)):
            values = [o for o in props.get(str(pred), []) if isinstance(o, ox.NamedNode)]
            if values:
                facts.append(f"{t[key]} : " if lang == "fr" else f"{t[key]}: ")
                facts[-1] += ", ".join(_value(o, labels, lang, {}) for o in values)
        sections[group].append(
            f'<section id="{escape(local)}"><h3>{escape(_name(iri, labels, lang))} '
            f'<span class="iri">cipt:{escape(local)}</span></h3>'
            + "".join(f"<p>{escape(d.value)}</p>" for d in definition if isinstance(d, ox.Literal))
            + "".join(f'<p class="muted">{f}</p>' for f in facts) + "</section>")
    title = pick_label(labels.get(ontology_iri), lang) or t["vocabulary"]
    body = [f"<h1>{escape(title)}</h1>", f'<p class="iri">{escape(namespace)}</p>',
            f'<p class="formats muted">{t["formats"]} <a href="/ontology.ttl">Turtle</a> '
            f'<a href="/ontology.jsonld">JSON-LD</a></p>']
    for name in (t["classes"], t["object_properties"], t["datatype_properties"], t["other_terms"]):
        if sections.get(name):
            body.append(f"<h2>{escape(name)}</h2>" + "".join(sections[name]))
    return page(title, "\n".join(body), lang)
