"""The SPARQL 1.1 Service Description of ``/sparql`` (https://www.w3.org/TR/sparql11-service-description/)."""

from __future__ import annotations

import pyoxigraph as ox
from fastapi import Request
from starlette.responses import Response

from ..namespaces import FORMATS, RDF, SD
from . import results as res
from .conneg import negotiate
from .pages import html_page, page_lang, site_links, switch_href
from .runner import run_limited
from .settings import public_base_url
from .query_page import render_query_page

_RESULT_FORMATS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                   "Turtle", "N-Triples", "RDF_XML", "JSON-LD")


def _iri(term) -> ox.NamedNode:
    return ox.NamedNode(str(term))


def service_triples(endpoint: str, graph_names: list[str]) -> list[ox.Triple]:
    """The description of the endpoint at ``endpoint``: languages, formats, default dataset."""
    service = ox.NamedNode(endpoint)
    dataset, default_graph = ox.BlankNode("dataset"), ox.BlankNode("default")
    a = _iri(RDF.type)
    triples = [
        ox.Triple(service, a, _iri(SD.Service)),
        ox.Triple(service, _iri(SD.endpoint), service),
        ox.Triple(service, _iri(SD.supportedLanguage), _iri(SD.SPARQL11Query)),
        ox.Triple(service, _iri(SD.feature), _iri(SD.UnionDefaultGraph)),
        ox.Triple(service, _iri(SD.defaultDataset), dataset),
        ox.Triple(dataset, a, _iri(SD.Dataset)),
        ox.Triple(dataset, _iri(SD.defaultGraph), default_graph),
        ox.Triple(default_graph, a, _iri(SD.Graph)),
    ]
    triples += [ox.Triple(service, _iri(SD.resultFormat), _iri(FORMATS[f])) for f in _RESULT_FORMATS]
    for i, name in enumerate(graph_names):
        node = ox.BlankNode(f"graph{i}")
        triples += [
            ox.Triple(dataset, _iri(SD.namedGraph), node),
            ox.Triple(node, a, _iri(SD.NamedGraph)),
            ox.Triple(node, _iri(SD.name), ox.NamedNode(name)),
        ]
    return triples


async def describe_service(request: Request) -> Response:
    """Turtle (or another RDF format) for programs; the HTML query page for a browser."""
    offered = ["text/turtle", "text/html", *[t for t in res.GRAPH_TYPES if t != "text/turtle"]]
    media = negotiate(request.headers.get("accept"), offered) or offered[0]
    if media == "text/html":
        asked = request.query_params.get("lang")
        lang = page_lang(request, asked if asked in ("fr", "en") else None)
        links, switch = site_links(request, lang), switch_href(request, "en" if lang == "fr" else "fr")
        store = request.app.state.store
        html = await run_limited(request, lambda deadline: render_query_page(store, lang, links, switch))
        return html_page(html, lang, headers={"Vary": "Accept, Accept-Language"})
    # The endpoint's address comes from the configured public URL, never from the Host header.
    endpoint = public_base_url(request) + "/sparql"
    store = request.app.state.store
    names = await run_limited(request, lambda deadline: store.graph_names())
    triples = service_triples(endpoint, names)
    return Response(res.serialize_triples(triples, res.GRAPH_TYPES[media]),
                    media_type=res.content_type(media), headers={"Vary": "Accept"})
