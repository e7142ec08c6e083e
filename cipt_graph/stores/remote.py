"""A remote SPARQL 1.1 server as the store: queries over the protocol, writes by Update or Graph Store.

Any server that speaks the W3C protocols works (Apache Jena Fuseki, GraphDB, Virtuoso, Oxigraph
server, a managed cluster). Results are parsed by pyoxigraph, so callers get the same terms as
from the embedded store.

Two things the embedded store does that a remote server does not, and how they are kept:

- **Union default graph.** Queries see the union of the named graphs, as in the embedded store:
  each query names the server's graphs as ``default-graph-uri`` and ``named-graph-uri`` (the
  list is cached a few seconds), so no server setting is needed. ``union_default_graph=True``
  skips this for a server whose default graph already is the union of the data's graphs
  (Oxigraph's ``--union-default-graph``, GraphDB, Fuseki's ``unionDefaultGraph``; not Virtuoso,
  whose default graph also holds its system graphs).
- **Parameters** are bound by inline ``VALUES`` blocks (see :mod:`cipt_graph.stores.binding`).

How a query is sent (``query_method``, or ``$CIPT_QUERY_METHOD``), after SPARQL 1.1 Protocol §2.1:
``auto`` (the default) uses ``GET`` while the whole URL stays under ``max_get_url`` characters
(``$CIPT_QUERY_MAX_GET_URL``, default 2,000: what every server and proxy accepts) and a form ``POST`` beyond; ``get``, ``post`` (form)
and ``direct`` (``application/sparql-query`` body) force one way. Direct POST is never the
default: Virtuoso 7 never answers it (openlink/virtuoso-opensource issue #842), while every
server tested answers GET and forms.

Each server's conventions: Virtuoso keeps system graphs next to the data, writes an
``xsd:duration`` as a number, a boolean as 1/0 and a blank node as ``nodeID://…``, and answers
an empty ``GRAPH ?g { }`` with one unbound row (the graphs are then listed by a scan); it is
recognised by the ``Server: Virtuoso/…`` header and read as SPARQL 1.1 says
(:mod:`cipt_graph.stores.virtuoso`).
"""

from __future__ import annotations

import http.client
import os
import threading
import time
import weakref
from collections.abc import Mapping
from urllib.parse import urlencode, urlsplit

import pyoxigraph as ox

from ..errors import QueryError, StoreError, os_reason
from ..sparqlscan import names_dataset, query_form
from . import virtuoso
from .binding import bind_values

_RESULT_FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
_GRAPH_FORMATS = {
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/n-quads": ox.RdfFormat.N_QUADS,
}
_ACCEPT = (
    "application/sparql-results+json, application/n-triples;q=0.95, "
    "application/sparql-results+xml;q=0.8, text/turtle;q=0.8"
)
_GRAPH_ACCEPT = "application/n-triples, text/turtle;q=0.9, application/rdf+xml;q=0.5"
ENV_QUERY_METHOD = "CIPT_QUERY_METHOD"
ENV_MAX_GET_URL = "CIPT_QUERY_MAX_GET_URL"
#: How queries may be sent: see the module's documentation.
QUERY_METHODS = ("auto", "get", "post", "direct")
_FORM = "application/x-www-form-urlencoded"
_GRAPHS_QUERY = "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }"
#: The same by a scan, grouped: Virtuoso 7.2 answers it in 10 ms, and ``SELECT DISTINCT ?g`` over
#: the same pattern in 1.5 to 2 s (measured on the shipped data), which every query paid when
#: the list of graphs was renewed.
_GRAPHS_QUERY_SCAN = "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"

class _Http:
    """A small HTTP/1.1 client on the standard library: one kept-alive connection per thread."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._local = threading.local()
        #: The ``Server`` header of the last answer ("" when none was sent).
        self.server = ""
        # A query process forked by the server (api/runner.py) opens its own connections.
        ref = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: (http := ref()) is not None and http._forget())

    def _forget(self) -> None:
        self._local = threading.local()

    #: A kept-alive connection idle longer than this (seconds) is not reused: servers end idle
    #: connections, and Oxigraph's server 0.5 writes an unsolicited "500 Resource temporarily
    #: unavailable (os error 11)" on one idle for 60 s, which the next request would read as its
    #: answer (measured; it failed a test of the remote store run).
    MAX_IDLE = 1.0

    def _connection(self, scheme: str, netloc: str, fresh: bool) -> http.client.HTTPConnection:
        pool = self._local.__dict__.setdefault("pool", {})
        used = self._local.__dict__.setdefault("used", {})
        key = (scheme, netloc)
        if key in pool and (fresh or time.monotonic() - used.get(key, 0.0) > self.MAX_IDLE):
            pool.pop(key).close()
        if key not in pool:
            cls = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
            pool[key] = cls(netloc, timeout=self.timeout)
        used[key] = time.monotonic()
        return pool[key]

    def request(self, method: str, url: str, body: bytes | None = None, headers: Mapping[str, str] | None = None):
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        for attempt in (0, 1):
            conn = self._connection(parts.scheme, parts.netloc, fresh=attempt > 0)
            try:
                conn.request(method, target, body=body, headers=dict(headers or {}))
                response = conn.getresponse()
                self.server = response.getheader("Server", "") or self.server
                answer = response.status, response.getheader("Content-Type", ""), response.read()
                self._local.__dict__.setdefault("used", {})[(parts.scheme, parts.netloc)] = time.monotonic()
                return answer
            except TimeoutError as exc:
                conn.close()
                raise StoreError(f"no answer within {self.timeout:g} s", where=url,
                                 fr=f"pas de réponse en {self.timeout:g} s") from exc
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                # A kept-alive connection the server closed: try once on a fresh one.
                if attempt == 0 and isinstance(exc, (http.client.RemoteDisconnected, BrokenPipeError,
                                                      ConnectionResetError)):
                    continue
                raise StoreError(f"cannot reach the SPARQL server: {exc}", where=url,
                                 fr=f"impossible de joindre le serveur SPARQL : {os_reason(exc, 'fr')}",
                                 en=f"cannot reach the SPARQL server: {os_reason(exc, 'en')}") from exc
        raise AssertionError("unreachable")


class RemoteStore:
    """A SPARQL 1.1 server used as the store.

    Args:
        query_url: the SPARQL query endpoint (``http://host/ds/sparql``, Oxigraph's ``…/query``).
        update_url: the SPARQL Update endpoint, for writes (Oxigraph's ``…/update``).
        gsp_url: the Graph Store Protocol endpoint, for bulk writes (Oxigraph's ``…/store``).
        timeout: seconds to wait for the answer to a query.
        write_timeout: seconds to wait for the answer to a write (a large load takes a while).
        union_default_graph: the server's default graph already is the union of its graphs.
        headers: extra HTTP headers on every request (an ``Authorization`` header, say).
        query_method: ``auto``, ``get``, ``post`` or ``direct`` (default ``$CIPT_QUERY_METHOD``,
            else ``auto``): how queries are sent, see the module's documentation.
        max_get_url: the longest URL (characters) ``auto`` sends by GET (default
            ``$CIPT_QUERY_MAX_GET_URL``, else 2,000).

    Raises:
        StoreError: a URL is not http(s), ``query_method`` is not one of :data:`QUERY_METHODS`,
            or ``$CIPT_QUERY_MAX_GET_URL`` is not a whole number from 100 to 1,000,000.
    """

    #: Seconds the list of the server's graphs is kept before asking again.
    GRAPHS_TTL = 5.0

    def __init__(
        self,
        query_url: str,
        *,
        update_url: str | None = None,
        gsp_url: str | None = None,
        timeout: float = 60.0,
        write_timeout: float = 600.0,
        union_default_graph: bool = False,
        headers: Mapping[str, str] | None = None,
        query_method: str | None = None,
        max_get_url: int | None = None,
    ) -> None:
        for url in (query_url, update_url, gsp_url):
            if url is not None and not url.startswith(("http://", "https://")):
                raise StoreError("a remote store URL starts with http:// or https://", where=url,
                                 fr="l'URL d'un entrepôt distant commence par http:// ou https://")
        method = (query_method or os.environ.get(ENV_QUERY_METHOD) or "auto").strip().lower()
        if method not in QUERY_METHODS:
            raise StoreError(f"the query method is one of {', '.join(QUERY_METHODS)}, not {method!r}",
                             where=f"${ENV_QUERY_METHOD}" if query_method is None else "query_method",
                             fr=f"la méthode de requête est l'une de {', '.join(QUERY_METHODS)}, pas {method!r}")
        self.query_method = method
        if max_get_url is None:
            raw = os.environ.get(ENV_MAX_GET_URL, "").strip() or "2000"
            if not raw.isdigit() or not 100 <= int(raw) <= 1_000_000:
                raise StoreError(f"the longest GET URL is a whole number of characters from 100 to 1000000, not {raw!r}",
                                 where=f"${ENV_MAX_GET_URL}",
                                 fr=f"l'URL GET la plus longue est un nombre entier de caractères de 100 à 1000000, "
                                    f"pas «\u00a0{raw}\u00a0»")
            max_get_url = int(raw)
        self.max_get_url = max_get_url
        self.query_url = query_url
        self.update_url = update_url
        self.gsp_url = gsp_url
        self.union_default_graph = union_default_graph
        self.headers = dict(headers or {})
        self._http = _Http(timeout)
        self._writer = _Http(max(timeout, write_timeout))
        self._graphs: tuple[float, list[str]] | None = None

    def __repr__(self) -> str:
        return f"RemoteStore({self.query_url!r})"

    # --- reading -----------------------------------------------------------------------------

    def _post(self, url: str, body: bytes, content_type: str, accept: str | None = None):
        headers = {**self.headers, "Content-Type": content_type}
        if accept:
            headers["Accept"] = accept
        status, ctype, data = self._http.request("POST", url, body, headers)
        self._check(status, data, url)
        return ctype, data

    @staticmethod
    def _check(status: int, data: bytes, url: str) -> None:
        if 200 <= status < 300:
            return
        message = data.decode("utf-8", "replace").strip()[:500] or f"HTTP {status}"
        if status == 400:
            raise QueryError(f"the SPARQL server refused the request: {message}",
                             fr=f"le serveur SPARQL a refusé la requête : {message}")
        if status in (401, 403):
            raise StoreError(f"the SPARQL server denied access (HTTP {status}): {message}", where=url,
                             fr=f"le serveur SPARQL a refusé l'accès (HTTP {status}) : {message}")
        if status == 404:
            raise StoreError("no SPARQL endpoint at this URL (HTTP 404)", where=url,
                             fr="pas de point d'accès SPARQL à cette URL (HTTP 404)")
        raise StoreError(f"the SPARQL server failed (HTTP {status}): {message}", where=url,
                         fr=f"le serveur SPARQL a échoué (HTTP {status}) : {message}")

    def _dataset_params(self, sparql: str, default_graph, named_graphs) -> list[tuple[str, str]]:
        if default_graph is None and named_graphs is None:
            if self.union_default_graph or names_dataset(sparql):
                return []
            graphs = self.graph_names(cached=True)
            default_graph = named_graphs = graphs
        params = [("default-graph-uri", g) for g in default_graph or ()]
        params += [("named-graph-uri", g) for g in named_graphs or ()]
        return params

    def raw_query(self, sparql, *, substitutions=None, default_graph=None, named_graphs=None):
        text = bind_values(sparql, substitutions) if substitutions else sparql
        params = self._dataset_params(sparql, default_graph, named_graphs)
        return self._parse(*self._send_query(text, params))

    def _with_params(self, params: list[tuple[str, str]]) -> str:
        if not params:
            return self.query_url
        return self.query_url + ("&" if "?" in self.query_url else "?") + urlencode(params)

    def _send_query(self, text: str, params: list[tuple[str, str]]) -> tuple[str, bytes]:
        """Send a query the configured way; the answer's media type and body."""
        accept = _GRAPH_ACCEPT if query_form(text) in ("CONSTRUCT", "DESCRIBE") else _ACCEPT
        if self.query_method == "direct":
            return self._post(self._with_params(params), text.encode("utf-8"),
                              "application/sparql-query; charset=utf-8", accept)
        form = [("query", text), *params]
        if self.query_method in ("auto", "get"):
            url = self._with_params(form)
            if self.query_method == "get" or len(url) <= self.max_get_url:
                status, ctype, data = self._http.request("GET", url, None, {**self.headers, "Accept": accept})
                self._check(status, data, self.query_url)
                return ctype, data
        return self._post(self.query_url, urlencode(form).encode("ascii"), _FORM, accept)

    def _parse(self, ctype: str, data: bytes):
        media = ctype.split(";")[0].strip().lower()
        if virtuoso.is_server(self._http.server):
            data = virtuoso.fix_answer(media, data)
        try:
            if media in _RESULT_FORMATS:
                return ox.parse_query_results(data, format=_RESULT_FORMATS[media])
            if media in _GRAPH_FORMATS:
                # The server's blank node labels are kept (Store.load would draw new ones): the
                # same data then dumps the same, and the audit's SHACL cache (its digest) holds.
                scratch = ox.Store()
                scratch.extend(ox.Quad(t.subject, t.predicate, t.object)
                               for t in ox.parse(data, format=_GRAPH_FORMATS[media]))
                return scratch.query("CONSTRUCT WHERE { ?s ?p ?o }")
        except SyntaxError as exc:
            raise StoreError(f"the SPARQL server sent unreadable {media}: {exc}", where=self.query_url,
                             fr=f"le serveur SPARQL a envoyé du {media} illisible : {exc}") from exc
        raise StoreError(f"the SPARQL server answered with an unexpected media type {media!r}", where=self.query_url,
                         fr=f"le serveur SPARQL a répondu avec un type de média inattendu {media!r}")

    def graph_names(self, *, cached: bool = False) -> list[str]:
        """The IRIs of the server's named graphs (from a cache a few seconds old when ``cached``)."""
        now = time.monotonic()
        if cached and self._graphs is not None and now - self._graphs[0] < self.GRAPHS_TTL:
            return self._graphs[1]
        names: list[str] = []
        for query in (_GRAPHS_QUERY, _GRAPHS_QUERY_SCAN):  # some servers do not match an empty GRAPH
            found = self._parse(*self._send_query(query, []))
            names = sorted(g.value for g in (s["g"] for s in found)
                           if isinstance(g, ox.NamedNode) and not self._system_graph(g.value))
            if names:
                break
        self._graphs = (now, names)
        return names

    def _system_graph(self, iri: str) -> bool:
        """True for a graph the server keeps for itself (Virtuoso's, see the module's documentation)."""
        return virtuoso.is_server(self._http.server) and virtuoso.is_system_graph(iri)

    def is_empty(self) -> bool:
        """True when the server holds no quad in a named graph."""
        return not self.graph_names()

    def __len__(self) -> int:
        graphs = self.graph_names()
        if not graphs:
            return 0
        query = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
        return int(next(iter(self.raw_query(query, default_graph=[], named_graphs=graphs)))["n"].value)

    def dump(self, fmt: ox.RdfFormat) -> bytes:
        """The named graphs (or their union, for triple formats) in ``fmt``."""
        scratch = ox.Store()
        for graph in self.graph_names():
            query = "CONSTRUCT WHERE { ?s ?p ?o }"
            triples = self.raw_query(query, default_graph=[graph], named_graphs=[])
            scratch.extend(ox.Quad(t.subject, t.predicate, t.object, ox.NamedNode(graph)) for t in triples)
        if fmt.supports_datasets:
            return scratch.dump(format=fmt)
        triples = {ox.Triple(q.subject, q.predicate, q.object) for q in scratch}
        return ox.serialize(sorted(triples, key=str), format=fmt) or b""

    # --- writing -----------------------------------------------------------------------------

    def _update(self, text: bytes) -> None:
        if not self.update_url:
            raise StoreError("writing to a remote store needs --update-url (SPARQL Update) or --gsp-url "
                             "(Graph Store Protocol)", where=self.query_url,
                             fr="écrire dans un entrepôt distant demande --update-url (SPARQL Update) ou --gsp-url "
                                "(Graph Store Protocol)")
        headers = {**self.headers, "Content-Type": "application/sparql-update; charset=utf-8"}
        status, _, data = self._writer.request("POST", self.update_url, text, headers)
        self._check(status, data, self.update_url)
        self._graphs = None

    def _send_graph(self, method: str, iri: str, ntriples: bytes) -> None:
        """Graph Store Protocol: ``PUT`` replaces the graph, ``POST`` adds to it."""
        assert self.gsp_url is not None
        url = self.gsp_url + ("&" if "?" in self.gsp_url else "?") + urlencode({"graph": iri})
        status, _, data = self._writer.request(
            method, url, ntriples, {**self.headers, "Content-Type": "application/n-triples"}
        )
        self._check(status, data, url)
        self._graphs = None

    def replace_graphs(self, graphs: Mapping[str, bytes]) -> None:
        """Replace the named graphs given (IRI → N-Triples).

        With an update URL this is one SPARQL Update request (one transaction on the servers
        named above); with only a Graph Store URL, one PUT per graph.
        """
        blanks = set()
        for iri, data in graphs.items():
            try:
                for t in ox.parse(data, format=ox.RdfFormat.N_TRIPLES):
                    if isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode):
                        blanks.add(iri)
            except SyntaxError as exc:
                raise StoreError(f"invalid N-Triples for graph <{iri}>: {exc}",
                                 fr=f"N-Triples invalides pour le graphe <{iri}> : {exc}") from exc
            ox.NamedNode(iri)
        if self.update_url:
            parts = []
            for iri, data in graphs.items():
                parts.append(f"DROP SILENT GRAPH <{iri}> ;\n".encode() + _insert(iri, data, iri in blanks))
                parts.append(b" ;\n")
            self._update(b"".join(parts).rstrip(b" ;\n"))
        elif self.gsp_url:
            for iri, data in graphs.items():
                self._send_graph("PUT", iri, data)
        else:
            self._update(b"")

    #: Triples per request when a large graph is sent in parts (each part is one transaction).
    CHUNK_TRIPLES = 100_000

    def load_dataset(self, dataset: ox.Store, *, keep_other_graphs: bool = True) -> None:
        """Put every named graph of ``dataset`` on the server (other graphs of the server are kept:
        a shared server may hold other applications' data).

        A graph is replaced by a first request (Graph Store ``PUT``, else SPARQL Update ``DROP``
        and ``INSERT DATA``) and, when it is large, completed in parts of ``CHUNK_TRIPLES``
        (``POST``, else ``INSERT DATA``): servers run one request as one transaction, which is slow
        and memory-hungry for millions of triples. Triples with blank nodes all go in the first
        part, since a server reads each request's blank node labels afresh.
        """
        for graph in dataset.named_graphs():
            if not isinstance(graph, ox.NamedNode):
                continue
            plain, with_blanks = [], []
            for q in dataset.quads_for_pattern(None, None, None, graph):
                triple = ox.Triple(q.subject, q.predicate, q.object)
                blank = isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode)
                (with_blanks if blank else plain).append(triple)
            first = with_blanks + plain[: max(0, self.CHUNK_TRIPLES - len(with_blanks))]
            rest = plain[len(first) - len(with_blanks):]
            parts = [first] + [rest[i:i + self.CHUNK_TRIPLES] for i in range(0, len(rest), self.CHUNK_TRIPLES)]
            for n, part in enumerate(parts):
                body = ox.serialize(part, format=ox.RdfFormat.N_TRIPLES) or b""
                if self.gsp_url:
                    self._send_graph("PUT" if n == 0 else "POST", graph.value, body)
                elif n == 0:
                    self.replace_graphs({graph.value: body})
                else:
                    self._update(_insert(graph.value, body, blanks=False))


def _insert(iri: str, ntriples: bytes, blanks: bool) -> bytes:
    """A SPARQL Update operation adding N-Triples to a graph.

    ``INSERT DATA`` when no triple holds a blank node; else ``INSERT { … } WHERE { }`` (the same
    triples, the labels read as one fresh node each): Virtuoso refuses blank nodes in
    ``INSERT DATA`` ("not allowed in a constant clause"), which SPARQL 1.1 Update §3.1.1 allows.
    """
    head = "INSERT DATA {{ GRAPH <{0}> {{\n" if not blanks else "INSERT {{ GRAPH <{0}> {{\n"
    tail = b"\n} }" if not blanks else b"\n} } WHERE { }"
    return head.format(iri).encode() + ntriples + tail
