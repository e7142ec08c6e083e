"""What a Virtuoso 7 server does its own way, and how the remote store reads it as SPARQL 1.1 says.

Recognised by the ``Server: Virtuoso/…`` header of its answers (:class:`~.remote.RemoteStore`).
Measured on Debian's ``virtuoso-opensource`` 7.2:

- **System graphs.** Virtuoso keeps graphs for itself (its RDF views
  ``http://www.openlinksw.com/schemas/virtrdf#``, LDP, the URIQA host's ``…/sparql`` and
  ``…/DAV/``) next to the data and in its default graph: :func:`is_system_graph` names them so
  the store's union of graphs leaves them out.
- **Durations.** An ``xsd:duration`` is stored as a number, and the SPARQL results (JSON, XML) and
  N-Triples answers write that number as the literal's lexical form: ``"PT20H"`` reads back
  ``"72000.0"`` (seconds, a double) and ``"P1Y"`` reads back ``"12"`` (months, an integer), which
  is no ``xsd:duration`` (XSD 1.1 §3.3.6; SPARQL 1.1 Query §17.1 requires the term stored).
  Only its Turtle writer gives ``"PT20H"``. :func:`fix_durations` writes such a number back as
  the duration's canonical form (XSD 1.1 §3.3.6.2, as the embedded Oxigraph store returns it).
  A duration mixing months and seconds (``P1Y2M3DT4H``) and one with a fractional second only
  (``PT0.5S``) are kept by Virtuoso as written, and left alone here.
- **Booleans.** Every boolean expression (``true``, ``EXISTS``, a comparison) comes back as
  ``xsd:integer`` 1 or 0 (SPARQL 1.1 Query §17.4 says ``xsd:boolean``): the named queries cast
  the booleans they return with ``xsd:boolean(…)``, which Virtuoso answers as ``"1"`` or ``"0"``
  typed ``xsd:boolean``, a valid but not canonical form, which :func:`fix_literals` writes
  ``"true"`` or ``"false"`` (XSD 1.1 §3.3.2.2), as the embedded store returns it.
- **Blank nodes** in SPARQL results (JSON, XML) are written ``nodeID://b10000``, no blank node
  label (SPARQL 1.1 Query Results JSON §3.2.2 and Turtle's BLANK_NODE_LABEL): read as
  ``b10000``, the label its N-Triples answers give the same node.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

#: Graphs a Virtuoso server keeps for itself (IRI prefixes), and the paths of its host graphs.
SYSTEM_GRAPHS = ("http://www.openlinksw.com/", "http://www.w3.org/ns/ldp", "http://www.w3.org/2002/07/owl",
                 "urn:activitystreams-owl:", "urn:core:services:", "http://localuriqaserver/")
HOST_GRAPH_PATHS = ("/sparql", "/DAV/")

XSD_DURATION = "http://www.w3.org/2001/XMLSchema#duration"
XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
_NUMBER = r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_TYPES = rf"({re.escape(XSD_DURATION)}|{re.escape(XSD_BOOLEAN)})"
_IN_XML = re.compile(rf'(<literal datatype="{_TYPES}">)({_NUMBER})(</literal>)'.encode())
_NODE_ID = b"nodeID://"
_IN_TRIPLES = re.compile(rf'"({_NUMBER})"\^\^(<{_TYPES}>|xsd:(duration|boolean))'.encode())


def is_server(server_header: str) -> bool:
    """True when an HTTP ``Server`` header names Virtuoso."""
    return server_header.startswith("Virtuoso")


def is_system_graph(iri: str) -> bool:
    """True for a graph Virtuoso keeps for itself (see the module's documentation)."""
    path = urlsplit(iri).path
    return iri.startswith(SYSTEM_GRAPHS) or path in HOST_GRAPH_PATHS or path.startswith("/DAV/")


def duration_from_number(number: str) -> str | None:
    """The canonical ``xsd:duration`` Virtuoso means by ``number``; None when it is no number.

    A number with a decimal point or an exponent (how Virtuoso writes a double) is seconds
    (``"72000.0"`` → ``"PT20H"``, ``"131400.0"`` → ``"P1DT12H30M"``); an integer is months
    (``"12"`` → ``"P1Y"``, ``"14"`` → ``"P1Y2M"``). Zero is ``"PT0S"``.
    """
    try:
        value = Decimal(number)
    except InvalidOperation:
        return None
    if not value.is_finite():
        return None
    sign, value = ("-" if value < 0 else ""), abs(value)
    if value == 0:
        return "PT0S"
    if not any(c in number for c in ".eE"):
        years, months = divmod(int(value), 12)
        return sign + "P" + (f"{years}Y" if years else "") + (f"{months}M" if months else "")
    days, rest = divmod(value, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    time = (f"{int(hours)}H" if hours else "") + (f"{int(minutes)}M" if minutes else "")
    if seconds:
        text = format(seconds.normalize(), "f")
        time += f"{text}S"
    return sign + "P" + (f"{int(days)}D" if days else "") + (f"T{time}" if time else "")


def _canonical(datatype: str, value: str) -> str:
    if datatype.endswith("boolean"):
        return {"1": "true", "0": "false"}.get(value, value)
    return duration_from_number(value) or value


def fix_answer(media: str, data: bytes) -> bytes:
    """A Virtuoso answer (``media``: its media type) with each number-written duration and each
    1/0 boolean in canonical form, and its blank nodes' labels (see the module's documentation).

    SPARQL results in JSON and XML, N-Triples and Turtle; other media types are returned as is.
    """
    markers = (b"#duration", b"xsd:duration", b"#boolean", b"xsd:boolean", _NODE_ID)
    if not any(marker in data for marker in markers):
        return data
    if media in ("application/sparql-results+json", "application/json"):
        answer = json.loads(data)
        for row in answer.get("results", {}).get("bindings", ()):
            for term in row.values():
                if term.get("datatype") in (XSD_DURATION, XSD_BOOLEAN):
                    term["value"] = _canonical(term["datatype"], term["value"])
                elif term.get("type") == "bnode" and term.get("value", "").startswith("nodeID://"):
                    term["value"] = term["value"][len("nodeID://"):]
        return json.dumps(answer).encode()
    if media == "application/sparql-results+xml":
        data = data.replace(b"<bnode>" + _NODE_ID, b"<bnode>")
        return _IN_XML.sub(lambda m: m[1] + _canonical(m[2].decode(), m[3].decode()).encode() + m[4], data)
    if media in ("application/n-triples", "text/turtle", "application/n-quads"):
        return _IN_TRIPLES.sub(
            lambda m: b'"' + _canonical((m[3] or m[4]).decode(), m[1].decode()).encode() + b'"^^' + m[2], data)
    return data
