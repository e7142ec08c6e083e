"""SPARQL results in the formats of the protocol, read from Oxigraph with row and time limits.

Solutions are read one by one (the deadline and the row limit are checked as they come),
then written as SPARQL 1.1 Results JSON, XML, CSV or TSV; graphs as Turtle, N-Triples,
RDF/XML or JSON-LD by Oxigraph's own serializers.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from ..errors import QueryError, StoreError
from ..jsonld import serialize_compacted
from ..namespaces import PREFIXES, SPARQL_RESULTS, XSD
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
        raise StoreError(f"store read failed: {exc}") from exc
    except (RuntimeError, ValueError) as exc:
        raise QueryError(f"query failed: {exc}") from exc
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


def _term_xml(term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Triple):
        return (f"<triple><subject>{_term_xml(term.subject)}</subject><predicate>{_term_xml(term.predicate)}"
                f"</predicate><object>{_term_xml(term.object)}</object></triple>")
    if term.language:
        return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value)}</literal>"
    if term.datatype.value != _XSD_STRING:
        return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value)}</literal>"
    return f"<literal>{escape(term.value)}</literal>"


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


def serialize_triples(triples: list[ox.Triple], fmt: ox.RdfFormat) -> bytes:
    """A graph in ``fmt`` (each triple once), with the project's prefixes where the format has them;
    JSON-LD compacted with the project's ``@context`` (:mod:`cipt_graph.jsonld`)."""
    triples = list(dict.fromkeys(triples))
    if fmt == ox.RdfFormat.JSON_LD:
        # Compacted with the project's published @context (issue #17).
        return serialize_compacted(triples)
    prefixes = None
    if fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML):
        iris = {t.value for tr in triples for t in (tr.subject, tr.predicate, tr.object) if isinstance(t, ox.NamedNode)}
        iris |= {tr.object.datatype.value for tr in triples if isinstance(tr.object, ox.Literal)}
        prefixes = {k: str(v) for k, v in PREFIXES.items() if any(i.startswith(str(v)) for i in iris)}
    return ox.serialize(triples, format=fmt, prefixes=prefixes) or b""


def content_type(media: str) -> str:
    """The Content-Type header of a negotiated media type (text types say their charset)."""
    return media + "; charset=utf-8" if media.startswith("text/") else media
