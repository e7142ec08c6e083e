"""rdflib SPARQL queries parsed once per text (a speed fix for SHACL validation).

pyshacl runs each SPARQL-based constraint (``sh:sparql``) once per focus node, passing the same
query text with ``$this`` as an initial binding; rdflib parses the text every time (pyparsing:
~40 ms a query, which made ``cipt validate`` spend most of its time parsing the same few
queries). :func:`prepared_queries` makes rdflib's ``"sparql"`` processor reuse the parsed and
translated query for a text it has seen (rdflib's own prepared-query mechanism: a
:class:`rdflib.plugins.sparql.sparql.Query` evaluated with other initial bindings), then restores
rdflib's processor. Results are the same; only the parsing is shared.
"""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from collections.abc import Iterator

from rdflib import plugin
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.processor import SPARQLProcessor
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.query import Processor

#: How many parsed queries are kept (least recently used dropped first).
MAX_PREPARED = 256

_lock = threading.Lock()
_prepared: OrderedDict = OrderedDict()
_depth = 0


def _prepare(text: str, base, init_ns):
    key = (text, base, tuple(sorted((str(k), str(v)) for k, v in (init_ns or {}).items())))
    with _lock:
        query = _prepared.get(key)
        if query is not None:
            _prepared.move_to_end(key)
            return query
    query = translateQuery(parseQuery(text), base, init_ns or {})
    with _lock:
        _prepared[key] = query
        while len(_prepared) > MAX_PREPARED:
            _prepared.popitem(last=False)
    return query


class PreparedSPARQLProcessor(SPARQLProcessor):
    """rdflib's SPARQL processor, with each query text parsed and translated once."""

    def query(self, strOrQuery, initBindings=None, initNs=None, base=None, DEBUG=False):  # noqa: N803
        if isinstance(strOrQuery, str):
            strOrQuery = _prepare(strOrQuery, base, initNs)
        return super().query(strOrQuery, initBindings, initNs, base, DEBUG)


@contextlib.contextmanager
def prepared_queries() -> Iterator[None]:
    """Within the block, rdflib's ``"sparql"`` query processor parses each query text once."""
    global _depth
    with _lock:
        _depth += 1
        if _depth == 1:
            plugin.register("sparql", Processor, __name__, "PreparedSPARQLProcessor")
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                plugin.register("sparql", Processor, "rdflib.plugins.sparql.processor", "SPARQLProcessor")
