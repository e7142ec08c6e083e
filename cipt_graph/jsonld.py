"""The project's JSON-LD ``@context`` and the compaction of a graph with it.

The context (``context.jsonld``, shipped in the package) is published at the stable IRI
``https://w3id.org/cipt-graph/context.jsonld`` and served by ``cipt serve`` at
``/context.jsonld``. It binds the prefixes of the project (``cipt:``, ``cid:``, ``schema:``,
``skos:``…) and short terms for the common properties: language maps for labels
(``"prefLabel": {"fr": …, "en": …}``), IRIs as strings for links (``"broader": "cid:block/…"``),
typed numbers (``"hours": 20``).

:func:`compact_triples` writes a graph as a compacted JSON-LD document (JSON-LD 1.1): one node
object per subject in ``@graph``, each property under its term when the term's type or container
fits the value, else under the prefixed name with a value object. It is the compaction of the
flattened graph (node objects are not embedded), which any JSON-LD 1.1 processor expands back to
exactly the same triples.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

import pyoxigraph as ox

CONTEXT_IRI = "https://w3id.org/cipt-graph/context.jsonld"
CONTEXT_PATH = "/context.jsonld"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_NUMERIC = {"http://www.w3.org/2001/XMLSchema#integer": int}


@lru_cache(maxsize=1)
def context_document() -> dict:
    """The published context document ``{"@context": {…}}`` (read from the package)."""
    text = resources.files("cipt_graph").joinpath("context.jsonld").read_text(encoding="utf-8")
    return json.loads(text)


@lru_cache(maxsize=1)
def _tables() -> tuple[list[tuple[str, str]], dict[str, tuple[str, str | None, str | None]]]:
    ctx = context_document()["@context"]
    prefixes = sorted(((v, k) for k, v in ctx.items() if isinstance(v, str) and not k.startswith("@")
                       and v.endswith(("/", "#"))), key=lambda p: -len(p[0]))

    def expand(value: str) -> str:
        head, sep, rest = value.partition(":")
        return ctx[head] + rest if sep and isinstance(ctx.get(head), str) else value

    terms = {}
    for term, definition in ctx.items():
        if isinstance(definition, dict) and "@id" in definition:
            kind = definition.get("@type")
            terms[expand(definition["@id"])] = (term, expand(kind) if kind and kind != "@id" else kind,
                                                definition.get("@container"))
    return prefixes, terms


def compact_iri(iri: str) -> str:
    """``iri`` as a prefixed name of the context (``cid:module/M01``) when a prefix fits."""
    for namespace, prefix in _tables()[0]:
        if iri.startswith(namespace) and not iri[len(namespace):].startswith("//"):
            return f"{prefix}:{iri[len(namespace):]}"
    return iri


def _node_id(term) -> str:
    return f"_:{term.value}" if isinstance(term, ox.BlankNode) else compact_iri(term.value)


def _value_object(term) -> dict:
    if isinstance(term, (ox.NamedNode, ox.BlankNode)):
        return {"@id": _node_id(term)}
    if term.language:
        return {"@value": term.value, "@language": term.language}
    if term.datatype.value == _XSD_STRING:
        return {"@value": term.value}
    return {"@value": term.value, "@type": compact_iri(term.datatype.value)}


def _add(node: dict, key: str, value) -> None:
    if key not in node:
        node[key] = value
    elif isinstance(node[key], list):
        node[key].append(value)
    else:
        node[key] = [node[key], value]


def _put(node: dict, predicate: str, obj, terms) -> None:
    term = terms.get(predicate)
    if term:
        name, kind, container = term
        if container == "@language" and isinstance(obj, ox.Literal) and obj.language:
            _add(node.setdefault(name, {}), obj.language, obj.value)
            return
        if container is None and kind == "@id" and isinstance(obj, (ox.NamedNode, ox.BlankNode)):
            _add(node, name, _node_id(obj))
            return
        if container is None and isinstance(obj, ox.Literal) and not obj.language:
            datatype = obj.datatype.value
            if kind is None and datatype == _XSD_STRING:
                _add(node, name, obj.value)
                return
            if kind == datatype:
                _add(node, name, obj.value)
                return
    _add(node, compact_iri(predicate), _value_object(obj))


def _nodes(triples, terms) -> list[dict]:
    nodes: dict[object, dict] = {}
    for t in dict.fromkeys(triples):
        node = nodes.setdefault(t.subject, {"id": _node_id(t.subject)})
        if t.predicate.value == _RDF_TYPE and isinstance(t.object, ox.NamedNode):
            _add(node, "type", compact_iri(t.object.value))
        else:
            _put(node, t.predicate.value, t.object, terms)
    return list(nodes.values())


def compact_quads(quads, context: object = None) -> dict:
    """A compacted JSON-LD document of a dataset: the default graph's nodes, then one object per
    named graph (``{"id": graph, "@graph": [...]}``) in ``@graph``. ``context`` as in
    :func:`compact_triples`."""
    _, terms = _tables()
    graphs: dict[object, list] = {}
    for q in quads:
        graphs.setdefault(q.graph_name, []).append(ox.Triple(q.subject, q.predicate, q.object))
    out = _nodes(graphs.pop(ox.DefaultGraph(), []), terms)
    out += [{"id": _node_id(name), "@graph": _nodes(triples, terms)} for name, triples in graphs.items()]
    return {"@context": context if context is not None else context_document()["@context"], "@graph": out}


def compact_triples(triples, context: object = None) -> dict:
    """A compacted JSON-LD document of ``triples`` (pyoxigraph triples).

    Args:
        triples: the graph; duplicates are written once; subjects in first-seen order.
        context: the value written as ``@context``: by default the context object itself
            (so the document expands without fetching anything); pass ``CONTEXT_IRI`` to refer
            to the published context instead.

    Returns:
        ``{"@context": …, "@graph": [node, …]}`` ready for ``json.dumps``.
    """
    return {"@context": context if context is not None else context_document()["@context"],
            "@graph": _nodes(triples, _tables()[1])}


def serialize_compacted(triples) -> bytes:
    """:func:`compact_triples` as UTF-8 JSON (the body of an ``application/ld+json`` answer)."""
    return json.dumps(compact_triples(triples), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
