r"""SPARQL results in the formats of the protocol, read from Oxigraph with row and time limits.

Solutions are read one by one (the deadline and the row limit are checked as they come),
then written as SPARQL 1.1 Results JSON, XML, CSV or TSV; graphs as Turtle, N-Triples,
RDF/XML or JSON-LD by Oxigraph's own serializers.

Every answer is well formed in its format, or not given (``Unrepresentable``, which the routes
turn into another acceptable format or a 406):

- XML (SPARQL Results XML, RDF/XML) cannot hold the characters XML 1.0 forbids (C0 controls
  other than tab, LF and CR — U+000B, U+000C… —, U+FFFE, U+FFFF, lone surrogates), not even as
  character references (XML 1.0 §2.2, production [2] Char); RDF/XML cannot write a predicate
  whose IRI has no XML name at its end (``…/id/2025``: RDF/XML 1.1 §2.2). Such a value is never
  written raw, nor changed: the answer is refused with the row/variable or predicate named.
- Turtle uses a prefix only when every IRI of its namespace in the answer has a plain local name
  (ASCII letters, digits, ``_``, ``-``; not starting with a digit or ``-``): other IRIs are written
  in full, so no local name needs a backslash escape (``cid:module\/M01`` is valid Turtle 1.1,
  but rdflib.js refuses it).
- SPARQL CSV and TSV are raw data by their standard (SPARQL 1.1 Query Results CSV and TSV
  Formats): no spreadsheet formula neutralisation there.
"""

from __future__ import annotations

import csv
import io
import json
import re
from xml.parsers import expat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from ..errors import QueryError, StoreError
from ..export import safe_prefixes
from ..jsonld import serialize_compacted
from ..namespaces import PREFIXES, SPARQL_RESULTS, XSD
from ..text import describe_char
from .runner import Deadline

JSON, XML, CSV, TSV = "json", "xml", "csv", "tsv"

#: Media types offered for SELECT and ASK, the first one the default: type → format.
SOLUTION_TYPES: dict[str, str] = {
    "application/sparql-results+json": JSON,
    "application/sparql-results+xml": XML,
    "text/csv": CSV,
    "text/tab-separated-values": TSV,
    "application/json": JSON,
    "application/xml": XML,
    "text/xml": XML,
}

#: Media types offered for CONSTRUCT and DESCRIBE, the first one the default.
GRAPH_TYPES: dict[str, ox.RdfFormat] = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "text/plain": ox.RdfFormat.N_TRIPLES,
}

_XSD_STRING = str(XSD.string)
_CHECK_EVERY = 256


class TooManyRows(Exception):
    """More rows than the limit allows."""


class Unrepresentable(Exception):
    """The answer cannot be written in the format asked for (the message says why and where)."""


#: Characters XML 1.0 cannot hold at all (§2.2 Char), not even as character references.
XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
#: An XML name at the end of an IRI, for an RDF/XML predicate element (ASCII subset of NCName).
_NCNAME_TAIL = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*$")
_OTHER_SOLUTION_FORMATS = "application/sparql-results+json, text/csv or text/tab-separated-values"
_OTHER_GRAPH_FORMATS = "text/turtle, application/n-triples or application/ld+json"


def _xml_check(text: str, where: str, others: str) -> None:
    match = XML_FORBIDDEN.search(text)
    if match:
        raise Unrepresentable(f"{where} holds {describe_char(match.group(0))}, a character XML 1.0 cannot "
                              f"hold (not even escaped); ask for {others}")


def _term_strings(term) -> Iterator[str]:
    if term is None:
        return
    if isinstance(term, ox.Triple):
        for part in (term.subject, term.predicate, term.object):
            yield from _term_strings(part)
        return
    yield term.value
    if isinstance(term, ox.Literal):
        yield term.datatype.value
        if term.language:
            yield term.language


@dataclass
class Solutions:
    """The rows of a SELECT query, read within the limits."""

    variables: list[str]
    rows: list[tuple[ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None, ...]]
    truncated: bool = False


def _limited(items: Iterator, deadline: Deadline, max_rows: int, truncate: bool) -> tuple[list, bool]:
    out = []
    try:
        for item in items:
            if len(out) == max_rows:
                if truncate:
                    return out, True
                raise TooManyRows
            out.append(item)
            if len(out) % _CHECK_EVERY == 0:
                deadline.check()
    except OSError as exc:
        raise StoreError(f"store read failed: {exc}", fr=f"échec de la lecture de l'entrepôt : {exc}") from exc
    except (RuntimeError, ValueError) as exc:
        raise QueryError(f"query failed: {exc}", fr=f"échec de la requête : {exc}") from exc
    deadline.check()
    return out, False


def read_solutions(results: ox.QuerySolutions, deadline: Deadline, max_rows: int, truncate: bool) -> Solutions:
    """Read the solutions of a SELECT query.

    Raises:
        TooManyRows: more than ``max_rows`` solutions and ``truncate`` is False.
        QueryTimeout: the deadline passed while reading.
    """
    variables = [v.value for v in results.variables]
    rows, truncated = _limited(
        (tuple(sol[v] for v in variables) for sol in results), deadline, max_rows, truncate
    )
    return Solutions(variables, rows, truncated)


def read_triples(results: ox.QueryTriples, deadline: Deadline, max_rows: int, truncate: bool) -> tuple[list[ox.Triple], bool]:
    """Read the triples of a CONSTRUCT or DESCRIBE query (same limits as ``read_solutions``)."""
    return _limited(iter(results), deadline, max_rows, truncate)


def _term_json(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        return {"type": "triple", "value": {"subject": _term_json(term.subject),
                                            "predicate": _term_json(term.predicate),
                                            "object": _term_json(term.object)}}
    out = {"type": "literal", "value": term.value}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype.value != _XSD_STRING:
        out["datatype"] = term.datatype.value
    return out


def _xml_text(text: str) -> str:
    """Text for XML element content or a quoted attribute, read back exactly: a raw CR would be
    read as LF (XML 1.0 §2.11), so it is written as a character reference."""
    return escape(text).replace("\r", "&#13;")


def _term_xml(term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Triple):
        return (f"<triple><subject>{_term_xml(term.subject)}</subject><predicate>{_term_xml(term.predicate)}"
                f"</predicate><object>{_term_xml(term.object)}</object></triple>")
    if term.language:
        return f"<literal xml:lang={quoteattr(term.language)}>{_xml_text(term.value)}</literal>"
    if term.datatype.value != _XSD_STRING:
        return f"<literal datatype={quoteattr(term.datatype.value)}>{_xml_text(term.value)}</literal>"
    return f"<literal>{_xml_text(term.value)}</literal>"


def _term_csv(term) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Triple):
        return str(term)
    return term.value


def serialize_solutions(solutions: Solutions, fmt: str) -> bytes:
    """SPARQL 1.1 Query Results in JSON, XML, CSV or TSV."""
    variables, rows = solutions.variables, solutions.rows
    if fmt == JSON:
        bindings = [{v: _term_json(t) for v, t in zip(variables, row) if t is not None} for row in rows]
        return json.dumps({"head": {"vars": variables}, "results": {"bindings": bindings}},
                          ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if fmt == XML:
        for i, row in enumerate(rows, 1):
            for v, t in zip(variables, row):
                for text in _term_strings(t):
                    _xml_check(text, f"row {i}, ?{v}", _OTHER_SOLUTION_FORMATS)
        return "".join(_xml_lines(variables, rows)).encode("utf-8")
    if fmt == CSV:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(variables)
        writer.writerows([_term_csv(t) for t in row] for row in rows)
        return buffer.getvalue().encode("utf-8")
    if fmt == TSV:
        lines = ["\t".join("?" + v for v in variables)]
        lines += ["\t".join("" if t is None else str(t) for t in row) for row in rows]
        return ("\n".join(lines) + "\n").encode("utf-8")
    raise ValueError(f"unknown results format {fmt!r}")


def _xml_lines(variables: list[str], rows: Iterable[tuple]) -> Iterator[str]:
    yield f'<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns={quoteattr(str(SPARQL_RESULTS))}>\n<head>'
    yield "".join(f"<variable name={quoteattr(v)}/>" for v in variables)
    yield "</head>\n<results>\n"
    for row in rows:
        cells = "".join(f"<binding name={quoteattr(v)}>{_term_xml(t)}</binding>"
                        for v, t in zip(variables, row) if t is not None)
        yield f"<result>{cells}</result>\n"
    yield "</results>\n</sparql>\n"


def serialize_boolean(value: bool, fmt: str) -> bytes:
    """An ASK answer (CSV and TSV: a header and the value, as common servers do)."""
    if fmt == JSON:
        return json.dumps({"head": {}, "boolean": value}).encode("utf-8")
    if fmt == XML:
        return (f'<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns={quoteattr(str(SPARQL_RESULTS))}>'
                f"<head/><boolean>{'true' if value else 'false'}</boolean></sparql>\n").encode("utf-8")
    text = "true" if value else "false"
    return f"{'_askResult' if fmt == CSV else '?_askResult'}\r\n{text}\r\n".encode("utf-8")


def check_rdf_xml(triples: list[ox.Triple]) -> None:
    """Raise ``Unrepresentable`` when RDF/XML cannot hold the graph: a predicate without an XML
    name at its end, or a character XML 1.0 forbids in a term."""
    for tr in triples:
        if not _NCNAME_TAIL.search(tr.predicate.value):
            raise Unrepresentable(f"RDF/XML cannot write the predicate <{tr.predicate.value}>: its IRI does not end "
                                  f"with an XML name; ask for {_OTHER_GRAPH_FORMATS}")
        for term in (tr.subject, tr.predicate, tr.object):
            for text in _term_strings(term):
                _xml_check(text, f"the triple <{tr.subject}> <{tr.predicate.value}>", _OTHER_GRAPH_FORMATS)


def serialize_triples(triples: list[ox.Triple], fmt: ox.RdfFormat) -> bytes:
    """A graph in ``fmt`` (each triple once), with the project's prefixes where the format has them
    and they are safe (``safe_prefixes``); JSON-LD compacted with the project's ``@context``
    (:mod:`cipt_graph.jsonld`).

    Raises:
        Unrepresentable: RDF/XML asked for a graph it cannot hold (``check_rdf_xml``), or the
            RDF/XML written does not parse (checked with expat, as any client would read it).
    """
    triples = list(dict.fromkeys(triples))
    if fmt == ox.RdfFormat.JSON_LD:
        # Compacted with the project's published @context (issue #17).
        return serialize_compacted(triples)
    prefixes = None
    if fmt == ox.RdfFormat.RDF_XML:
        check_rdf_xml(triples)
    if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML):
        iris = {t.value for tr in triples for t in (tr.subject, tr.predicate, tr.object) if isinstance(t, ox.NamedNode)}
        iris |= {tr.object.datatype.value for tr in triples if isinstance(tr.object, ox.Literal)}
        prefixes = safe_prefixes(iris) if fmt == ox.RdfFormat.TURTLE else \
            {k: str(v) for k, v in PREFIXES.items() if any(i.startswith(str(v)) for i in iris)}
    body = ox.serialize(triples, format=fmt, prefixes=prefixes) or b""
    if fmt == ox.RdfFormat.RDF_XML:
        # Oxigraph writes a CR of a literal raw, which XML parsers read as LF (XML 1.0 §2.11);
        # its markup holds none, so every CR is a literal's: as a character reference it stays CR.
        body = body.replace(b"\r", b"&#13;")
        try:
            expat.ParserCreate(namespace_separator=" ").Parse(body, True)
        except expat.ExpatError as exc:
            raise Unrepresentable(f"this graph cannot be written as RDF/XML ({exc}); ask for "
                                  f"{_OTHER_GRAPH_FORMATS}") from None
    return body


def first_representable(medias: list[str], write) -> tuple[str, bytes]:
    """``(media, write(media))`` for the first of ``medias`` that can hold the answer.

    Raises:
        Unrepresentable: none can (the message of the first refusal).
    """
    refusals = []
    for media in medias:
        try:
            return media, write(media)
        except Unrepresentable as exc:
            refusals.append(exc)
    raise refusals[0]


def content_type(media: str) -> str:
    """The Content-Type header of a negotiated media type (text types say their charset)."""
    return media + "; charset=utf-8" if media.startswith("text/") else media
