"""``/id/…`` and ``/ontology``: every IRI the project mints, as a page for people or RDF for machines.

``https://w3id.org/cipt-graph/id/PATH`` resolves at ``/id/PATH`` (the vocabulary, a hash
namespace, at ``/ontology``), with content negotiation: HTML (French by default, ``?lang=en``),
Turtle, JSON-LD, N-Triples, RDF/XML; a suffix (``.ttl``, ``.jsonld``…) picks one directly.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

import pyoxigraph as ox
from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from ..namespaces import CID, CIPT, DCTERMS, GRAPH_ONTOLOGY, RDFS, SCHEMA, SKOS
from ..safelinks import id_path
from . import results as res
from .conneg import negotiate
from .errors import ApiError
from .ld_html import PART_PROPERTIES, pick_label, render_ontology, render_resource
from .pages import html_page, page_lang, site_links, switch_href

router = APIRouter(tags=["Linked data"])

#: Representations, the first the default for ``*/*``: media type → suffix.
REPRESENTATIONS = {
    "text/html": ".html",
    "text/turtle": ".ttl",
    "application/ld+json": ".jsonld",
    "application/n-triples": ".nt",
    "application/rdf+xml": ".rdf",
}
_BY_SUFFIX = {suffix: media for media, suffix in REPRESENTATIONS.items()}
_LINK_TYPES = ("text/html", "text/turtle", "application/ld+json")

#: The resource's own triples and the triples pointing at it, blank nodes on either side
#: expanded one level (a validation, a blank node, says who validated which link).
DESCRIBE = """
CONSTRUCT { ?resource ?p ?o . ?o ?bp ?bo . ?s ?ip ?resource . ?s ?sp ?so . }
WHERE {
  { ?resource ?p ?o . OPTIONAL { ?o ?bp ?bo . FILTER(isBlank(?o)) } }
  UNION
  { ?s ?ip ?resource . OPTIONAL { ?s ?sp ?so . FILTER(isBlank(?s)) } }
}
"""
GRAPH_CONTENT = "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?graph { ?s ?p ?o } }"
LABELS = f"""
PREFIX skos: <{SKOS}>
PREFIX rdfs: <{RDFS}>
PREFIX schema: <{SCHEMA}>
PREFIX dcterms: <{DCTERMS}>
SELECT ?term ?label ?kind WHERE {{
  VALUES ?term {{ $terms }}
  {{ ?term skos:prefLabel ?label . BIND(1 AS ?kind) }}
  UNION {{ ?term rdfs:label ?label . BIND(2 AS ?kind) }}
  UNION {{ ?term schema:name ?label . BIND(3 AS ?kind) }}
  UNION {{ ?term dcterms:title ?label . BIND(4 AS ?kind) }}
  UNION {{ ?term skos:notation ?label . BIND(5 AS ?kind) }}
}}
"""


#: ``Accept: application/json`` gets JSON-LD (it is JSON), after the representations proper.
_OFFERS = [*REPRESENTATIONS, "application/json"]
_PERCENT_IRI = re.compile(r"(?:%[89A-Fa-f][0-9A-Fa-f])+|%3[Ff]|%23")


def _negotiate(request: Request) -> str:
    media = negotiate(request.headers.get("accept"), _OFFERS) or "text/html"
    return "application/ld+json" if media == "application/json" else media


def _local_candidates(request: Request, path: str) -> list[str]:
    """The local parts of ``/id/…`` an IRI may have, most literal first.

    The raw request path as sent (``block/RNCP1%20BC01`` is the IRI ``…/block/RNCP1%20BC01``:
    decoding it would give a space, which no IRI holds); then the same with the percent-encoded
    UTF-8 of non-ASCII characters, ``?`` and ``#`` decoded (a browser encodes the ``é`` of an IRI;
    ``cipt_graph.safelinks.id_path`` encodes ``?`` and ``#``); then the decoded path.
    """
    out = []
    raw = request.scope.get("raw_path")
    if isinstance(raw, bytes):
        text = raw.decode("latin-1")
        if text.startswith("/id/"):
            local = text[len("/id/"):]
            out.append(local)
            out.append(_PERCENT_IRI.sub(lambda m: unquote(m.group(0), errors="strict")
                                        if _decodes(m.group(0)) else m.group(0), local))
    out.append(path)
    return list(dict.fromkeys(out))


def _decodes(percent: str) -> bool:
    try:
        unquote(percent, errors="strict")
    except UnicodeDecodeError:
        return False
    return True


def _strip_suffix(path: str) -> tuple[str, str | None]:
    """The path without a representation suffix, and the media type the suffix names."""
    for suffix, media in _BY_SUFFIX.items():
        if path.endswith(suffix):
            return path[: -len(suffix)], media
    return path, None


def _links(base: str) -> str:
    return ", ".join(f'<{base}{REPRESENTATIONS[t]}>; rel="alternate"; type="{t}"' for t in _LINK_TYPES)


def _triples(store, sparql: str, **subs) -> list[ox.Triple]:
    # A CONSTRUCT result is a set; Oxigraph streams a triple once per solution that makes it.
    return list(dict.fromkeys(store.raw_query(sparql, substitutions=subs)))


def labels_of(store, terms: set) -> dict[str, list[tuple[int, ox.Literal]]]:
    """The labels of the given IRIs (preferred label, label, name, title, notation)."""
    iris = sorted({t.value for t in terms if isinstance(t, ox.NamedNode)})
    if not iris:
        return {}
    text = LABELS.replace("$terms", " ".join(str(ox.NamedNode(i)) for i in iris))
    out: dict[str, list[tuple[int, ox.Literal]]] = {}
    for sol in store.raw_query(text):
        out.setdefault(sol["term"].value, []).append((int(sol["kind"].value), sol["label"]))
    return out


PARTS = """
SELECT ?node ?p ?o WHERE {
  VALUES ?node { $nodes }
  VALUES ?p { $props }
  ?node ?p ?o .
}
"""


def parts_of(store, nodes: set[str]) -> dict[str, dict[str, list]]:
    """The :data:`~.ld_html.PART_PROPERTIES` of ``nodes`` (IRIs): what names a node without a
    label of its own (a link's module and target, a statement's subject, property, value…)."""
    if not nodes:
        return {}
    text = (PARTS.replace("$nodes", " ".join(str(ox.NamedNode(n)) for n in sorted(nodes)))
            .replace("$props", " ".join(str(ox.NamedNode(p)) for p in PART_PROPERTIES)))
    out: dict[str, dict[str, list]] = {}
    for sol in store.raw_query(text):
        out.setdefault(sol["node"].value, {}).setdefault(sol["p"].value, []).append(sol["o"])
    return out


def page_terms(store, iri: ox.NamedNode, triples: list[ox.Triple], lang: str) -> tuple[dict, dict]:
    """The labels of every term of a resource page, and the parts of its neighbours that have no
    label (with the labels of those parts), so that each is named by words."""
    terms = {t.subject for t in triples} | {t.predicate for t in triples} | {t.object for t in triples}
    labels = labels_of(store, terms)
    bare = {t.value for t in terms if isinstance(t, ox.NamedNode) and t != iri
            and t.value.startswith(str(CID)) and not pick_label(labels.get(t.value), lang)}
    parts = parts_of(store, bare)
    more = {o for props in parts.values() for objects in props.values() for o in objects}
    labels.update(labels_of(store, {o for o in more if isinstance(o, ox.NamedNode) and o.value not in labels}))
    return labels, parts


def _other(lang: str) -> str:
    return "en" if lang == "fr" else "fr"


def _answer(request: Request, triples: list[ox.Triple], media: str, base: str, html, lang: str = "fr") -> Response:
    headers = {"Link": _links(base), "Vary": "Accept, Accept-Language"}
    if media == "text/html":
        return html_page(html(), lang, headers=headers)
    try:
        body = res.serialize_triples(triples, res.GRAPH_TYPES[media])
    except res.Unrepresentable as exc:
        raise ApiError(406, str(exc)) from None
    return Response(body, media_type=res.content_type(media), headers=headers)


@router.get("/id/{path:path}", responses={
    200: {"description": "The resource: HTML, Turtle, JSON-LD, N-Triples or RDF/XML",
          "content": {t: {} for t in REPRESENTATIONS}},
    404: {"description": "The graph holds nothing about this IRI"}})
async def resource(path: str, request: Request,
                   lang: str | None = Query(None, pattern="^(fr|en)$", description="Language of the HTML page "
                                            "(default: the one Accept-Language prefers, else fr)")) -> Response:
    """The resource `https://w3id.org/cipt-graph/id/{path}`: its properties and the links to it.

    Content negotiation by `Accept` (HTML for browsers, Turtle, JSON-LD…) or a suffix
    (`.html`, `.ttl`, `.jsonld`, `.nt`, `.rdf`); `Link` headers name the alternates.
    """
    state = request.app.state
    store = state.store

    def lookup(candidate: str):
        try:
            iri = ox.NamedNode(str(CID[candidate]))
        except ValueError:
            return None
        triples = _triples(store, DESCRIBE, resource=iri)
        if triples:
            return iri, triples, False
        if iri.value in store.graph_names():
            return iri, _triples(store, GRAPH_CONTENT, graph=iri), True
        return None

    def work(deadline):
        candidates = _local_candidates(request, path)
        # An IRI that itself ends like a suffix (a file name) wins over the suffix.
        found, media = None, None
        for candidate in candidates:
            found = lookup(candidate)
            if found is not None:
                break
        if found is None:
            for candidate in candidates:
                stripped, media = _strip_suffix(candidate)
                found = lookup(stripped) if media else None
                if found is not None:
                    break
        if found is None:
            raise ApiError(404, f"the graph holds nothing about {CID[path]}",
                           fr=f"le graphe ne contient rien sur {CID[path]}")
        iri, triples, is_graph = found
        media = media or _negotiate(request)
        base = id_path(iri.value) or f"/id/{path}"

        def html() -> str:
            labels, parts = page_terms(store, iri, [] if is_graph else triples, lang)
            return render_resource(iri, triples, labels, lang, base, is_graph=is_graph, parts=parts,
                                   links=site_links(request, lang), switch_href=switch_href(request, _other(lang)))

        return _answer(request, triples, media, base, html, lang)

    lang = page_lang(request, lang)
    return await state.runner.run(work)


def _ontology(request: Request, lang: str, media: str) -> Response:
    store = request.app.state.store
    triples = _triples(store, GRAPH_CONTENT, graph=ox.NamedNode(str(GRAPH_ONTOLOGY)))
    if not triples:
        raise ApiError(404, "the store holds no vocabulary graph",
                       fr="l'entrepôt ne contient pas le graphe du vocabulaire")

    def html() -> str:
        terms = {t.object for t in triples} | {t.subject for t in triples}
        return render_ontology(triples, labels_of(store, terms), lang, str(CIPT), links=site_links(request, lang),
                               switch_href=switch_href(request, _other(lang)))

    return _answer(request, triples, media, "/ontology", html, lang)


@router.get("/ontology", responses={200: {"content": {t: {} for t in REPRESENTATIONS}}})
async def ontology(request: Request,
                   lang: str | None = Query(None, pattern="^(fr|en)$", description="Language of the HTML page "
                                            "(default: the one Accept-Language prefers, else fr)")) -> Response:
    """The vocabulary (`https://w3id.org/cipt-graph/ontology#`): classes and properties with
    labels and definitions, as HTML, Turtle, JSON-LD…; terms are anchors (`/ontology#Module`).
    A suffix (`/ontology.ttl`…) picks a representation directly."""
    media = _negotiate(request)
    lang = page_lang(request, lang)
    return await request.app.state.runner.run(lambda deadline: _ontology(request, lang, media))


def _suffixed_ontology(media: str):
    async def route(request: Request, lang: str | None = Query(None, pattern="^(fr|en)$")) -> Response:
        lang = page_lang(request, lang)
        return await request.app.state.runner.run(lambda deadline: _ontology(request, lang, media))
    return route


for _media, _suffix in REPRESENTATIONS.items():
    router.add_api_route(f"/ontology{_suffix}", _suffixed_ontology(_media), methods=["GET"], include_in_schema=False)
