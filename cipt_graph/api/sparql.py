"""``/sparql``: a read-only SPARQL 1.1 Protocol endpoint over the store.

Follows https://www.w3.org/TR/sparql11-protocol/ for queries: GET, URL-encoded POST and direct
POST; ``default-graph-uri`` and ``named-graph-uri`` pick graphs of the dataset (nothing is ever
fetched); SPARQL Update and federated ``SERVICE`` calls are refused.
"""

from __future__ import annotations

import json
from urllib.parse import unquote_to_bytes

import pyoxigraph as ox
from fastapi import APIRouter, Request
from starlette.responses import Response

from ..errors import QueryError, StoreError
from ..i18n import number
from ..sparqlscan import nesting_depth, update_operation, uses_service
from ..text import strip_bom
from . import results as res
from .conneg import acceptable
from .errors import ApiError
from .runner import SPARQL, Deadline
from .service_description import describe_service

router = APIRouter(tags=["SPARQL"])

#: The query-string parameters this endpoint reads (SPARQL 1.1 Protocol §2.1 and §2.2, whose
#: update ones it refuses; the HTML page's language and programme). The others are dropped before
#: the route and the response cache see them: ``?query=…&junk=1`` is the entry of ``?query=…``.
CACHE_KEY_PARAMETERS = ("query", "default-graph-uri", "named-graph-uri", "update", "using-graph-uri",
                        "using-named-graph-uri", "lang", "programme")

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"
# Nothing acceptable: the default format rather than 406 (RFC 9110 §12.5.1 allows either), as
# common SPARQL servers do; clients such as rdflib's SPARQLStore ask for results formats only
# even for CONSTRUCT, and pick their parser by the Content-Type they get.
DEFAULT_SOLUTION_TYPE = "application/sparql-results+json"
DEFAULT_GRAPH_TYPE = "text/turtle"
#: Deepest nesting of {…}, (…) and […] accepted (issue #8): far beyond any real query, far below
#: what would exhaust a parser's stack.
MAX_NESTING = 100
#: The solutions format Oxigraph writes itself (see :func:`_native`), and the largest answer it
#: writes so: a larger one is written again row by row, within the row limit.
NATIVE_TYPE = "application/sparql-results+json"
NATIVE_BUDGET = 1 << 20
_READ_ONLY = "this endpoint is read-only: SPARQL Update is not accepted"
_READ_ONLY_FR = "ce point d'accès est en lecture seule : les mises à jour SPARQL (SPARQL Update) ne sont pas acceptées"
_WHERE_FR = {"query string": "la chaîne de requête de l'adresse", "request body": "le corps de la requête",
             "URL": "l'adresse", "form body": "le corps du formulaire"}
_PROTOCOL = {"responses": {
    200: {"description": "Query results (SPARQL Results JSON/XML/CSV/TSV, or an RDF graph)"},
    400: {"description": "Bad query: syntax error, two queries, non-UTF-8 text, SERVICE call"},
    403: {"description": "SPARQL Update refused"},
    413: {"description": "Body, query or result too large"}, 415: {"description": "Wrong media type"},
    503: {"description": "Time limit passed, or too many queries running"},
}}


def _decode_pairs(raw: bytes, where: str) -> list[tuple[str, str]]:
    """Parameters of a query string or form body, decoded as strict UTF-8."""
    pairs = []
    try:
        for part in raw.split(b"&"):
            if not part:
                continue
            key, _, value = part.partition(b"=")
            pairs.append((unquote_to_bytes(key.replace(b"+", b" ")).decode("utf-8"),
                          unquote_to_bytes(value.replace(b"+", b" ")).decode("utf-8")))
        return pairs
    except UnicodeDecodeError as exc:
        raise ApiError(400, f"the {where} is not valid UTF-8 (byte {exc.start}); encode the query as UTF-8",
                       fr=f"{_WHERE_FR.get(where, where)} n'est pas de l'UTF-8 valide (octet {exc.start}) : encodez la requête "
                          "en UTF-8") from None


def _values(pairs: list[tuple[str, str]], name: str) -> list[str]:
    return [v for k, v in pairs if k == name]


def _one_query(pairs: list[tuple[str, str]], where: str) -> str | None:
    queries = _values(pairs, "query")
    if len(queries) > 1:
        raise ApiError(400, f"{len(queries)} 'query' parameters in the {where}; send exactly one",
                       fr=f"{len(queries)} paramètres « query » dans {_WHERE_FR.get(where, where)} : envoyez-en un seul")
    return queries[0] if queries else None


def _graphs(pairs: list[tuple[str, str]]) -> tuple[list[str] | None, list[str] | None]:
    default, named = _values(pairs, "default-graph-uri"), _values(pairs, "named-graph-uri")
    for name, iris in (("default-graph-uri", default), ("named-graph-uri", named)):
        for iri in iris:
            try:
                ox.NamedNode(iri)
            except ValueError:
                raise ApiError(400, f"{name}: {iri!r} is not an absolute IRI",
                               fr=f"paramètre « {name} » : « {iri} » n'est pas une IRI absolue") from None
    if not default and not named:
        return None, None
    # A dataset named by the protocol replaces the service's default one (and the query's FROM).
    return default, named


def _refuse_update(pairs: list[tuple[str, str]]) -> None:
    if _values(pairs, "update"):
        raise ApiError(403, _READ_ONLY, fr=_READ_ONLY_FR)


async def _answer(request: Request, query: str, pairs: list[tuple[str, str]], in_url: bool) -> Response:
    app = request.app.state
    settings = app.settings
    # A byte-order mark is not part of the query (editors save one): dropped, wherever it came in.
    query = strip_bom(query)
    if len(query) > settings.max_query_length:
        raise ApiError(414 if in_url else 413, f"the query is {len(query)} characters long; this endpoint "
                                               f"accepts at most {settings.max_query_length}",
                       fr=f"la requête compte {number(len(query), 'fr')} caractères ; ce point d'accès en accepte "
                          f"au plus {number(settings.max_query_length, 'fr')}")
    if not query.strip():
        raise ApiError(400, "the query is empty", fr="la requête est vide")
    operation = update_operation(query)
    if operation:
        # An update sent as a query (typed in the query page): not a query, so 400 as the protocol
        # says of a malformed one (SPARQL 1.1 Protocol §2.1.4), saying why (`update=` gets 403).
        raise ApiError(400, f"{_READ_ONLY} ({operation})", fr=f"{_READ_ONLY_FR} ({operation})")
    default, named = _graphs(pairs)
    client = request.client.host if request.client else None
    body, content_type, headers = await app.runner.call(
        answer, query, default, named, request.headers.get("accept"), settings, lane=SPARQL, client=client)
    return Response(body, media_type=content_type, headers=headers)


def answer(store, deadline: Deadline, query: str, default: list[str] | None, named: list[str] | None,
           accept: str | None, settings) -> tuple[bytes, str, dict[str, str]]:
    """The answer to ``query`` over ``store`` (in a query worker): body, ``Content-Type``, headers.

    The formats the client accepts (``accept``), best first: a later one answers when an earlier
    one cannot hold the result (RDF/XML, XML 1.0 characters); none can: 406.

    Raises:
        ApiError: 406 (no acceptable format can hold the result), 413 (too many rows).
        QueryError, StoreError: from the store (400, 503).
    """
    # Checked here, in the worker, not in the server: scanning the text costs about a millisecond,
    # which the one server process would pay for every request.
    # The depth is at most the number of opening characters: the lexer runs only past that.
    openers = query.count("{") + query.count("(") + query.count("[")
    if openers > MAX_NESTING and (depth := nesting_depth(query)) > MAX_NESTING:
        raise ApiError(400, f"the query nests groups, parentheses or brackets {depth} deep; this endpoint "
                            f"accepts at most {MAX_NESTING} levels",
                       fr=f"la requête imbrique groupes, parenthèses ou crochets sur {depth} niveaux ; ce point "
                          f"d'accès en accepte au plus {MAX_NESTING}")
    if uses_service(query):
        raise ApiError(400, "federated queries (SERVICE) are refused: this endpoint never fetches other URLs",
                       fr="les requêtes fédérées (SERVICE) sont refusées : ce point d'accès ne va jamais chercher "
                          "d'autres adresses")
    results = store.raw_query(query, default_graph=default, named_graphs=named)
    headers = {"Vary": "Accept"}
    if isinstance(results, ox.QuerySolutions) and (acceptable(accept, list(res.SOLUTION_TYPES))
                                                   or [DEFAULT_SOLUTION_TYPE])[0] == NATIVE_TYPE:
        body = _native(results, settings)
        deadline.check()
        if body is not None:
            return body, res.content_type(NATIVE_TYPE), headers
        results = store.raw_query(query, default_graph=default, named_graphs=named)  # the long way
    try:
        if isinstance(results, ox.QueryTriples):
            medias = acceptable(accept, list(res.GRAPH_TYPES)) or [DEFAULT_GRAPH_TYPE]
            triples, truncated = _read(res.read_triples, results, deadline, settings)
            media, body = res.first_representable(
                medias, lambda m: res.serialize_triples(triples, res.GRAPH_TYPES[m]))
        else:
            medias = acceptable(accept, list(res.SOLUTION_TYPES)) or [DEFAULT_SOLUTION_TYPE]
            if isinstance(results, ox.QueryBoolean):
                media = medias[0]
                body, truncated = res.serialize_boolean(bool(results), res.SOLUTION_TYPES[media]), False
            else:
                solutions = _read(res.read_solutions, results, deadline, settings)
                media, body = res.first_representable(
                    medias, lambda m: res.serialize_solutions(solutions, res.SOLUTION_TYPES[m]))
                truncated = solutions.truncated
    except res.Unrepresentable as exc:
        raise ApiError(406, str(exc)) from None
    if truncated:
        headers["X-Cipt-Truncated"] = f"max-rows={settings.max_rows}"
    return body, res.content_type(media), headers


class _OverBudget(Exception):
    pass


class _Budget:
    """A binary output that refuses to grow past ``NATIVE_BUDGET`` bytes."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0

    def write(self, data) -> int:
        self.size += len(data)
        if self.size > NATIVE_BUDGET:
            raise _OverBudget
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass


def _native(results: ox.QuerySolutions, settings) -> bytes | None:
    """SPARQL Results JSON written by Oxigraph itself (the same document as
    :func:`~cipt_graph.api.results.serialize_solutions`, without a Python object per term), or
    ``None`` when the answer is over ``NATIVE_BUDGET`` bytes or ``max_rows`` rows: the query is
    then answered the long way, which truncates or refuses (413) as the settings say."""
    out = _Budget()
    try:
        results.serialize(out, format=ox.QueryResultsFormat.JSON)
    except _OverBudget:
        return None
    except OSError as exc:
        raise StoreError(f"store read failed: {exc}", fr=f"échec de la lecture de l'entrepôt : {exc}") from exc
    except (RuntimeError, ValueError) as exc:
        raise QueryError(f"query failed: {exc}", fr=f"échec de la requête : {exc}") from exc
    body = b"".join(out.parts)
    # Oxigraph writes the solutions as one compact array of objects: two rows are always joined
    # by "},{", so their count + 1 bounds the rows from above (a literal holding "},{" only adds
    # to it). Parsed (3 ms for 75 kB) only when the bound passes the limit.
    if body.count(b"},{") >= settings.max_rows and len(json.loads(body)["results"]["bindings"]) > settings.max_rows:
        return None
    return body


def _read(reader, results, deadline: Deadline, settings):
    try:
        return reader(results, deadline, settings.max_rows, settings.truncate_results)
    except res.TooManyRows:
        raise ApiError(413, f"the result has more than {settings.max_rows} rows (solutions or triples), "
                            "this endpoint's limit; page through it with LIMIT and OFFSET",
                       fr=f"le résultat dépasse {number(settings.max_rows, 'fr')} lignes (solutions ou triplets), "
                          "la limite de ce point d'accès : parcourez-le par pages avec LIMIT et OFFSET") from None


@router.get("/sparql", openapi_extra=_PROTOCOL)
async def sparql_get(request: Request) -> Response:
    """SPARQL 1.1 query by GET (`?query=…`, optional `default-graph-uri`, `named-graph-uri`).

    Without a query: the SPARQL 1.1 Service Description (Turtle), or for a browser an HTML
    query page with the named queries as examples. Results are negotiated by `Accept`:
    SPARQL Results JSON (default), XML, CSV, TSV; graphs as Turtle (default), N-Triples,
    RDF/XML, JSON-LD.
    """
    pairs = _decode_pairs(request.scope.get("query_string", b""), "query string")
    _refuse_update(pairs)
    query = _one_query(pairs, "URL")
    if query is None:
        if pairs and any(k in ("default-graph-uri", "named-graph-uri") for k, _ in pairs):
            raise ApiError(400, "missing 'query' parameter", fr="paramètre « query » absent")
        return await describe_service(request)
    return await _answer(request, query, pairs, in_url=True)


@router.post("/sparql", openapi_extra={**_PROTOCOL, "requestBody": {"content": {
    FORM: {"schema": {"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]}},
    DIRECT: {"schema": {"type": "string"}},
}}})
async def sparql_post(request: Request) -> Response:
    """SPARQL 1.1 query by POST: URL-encoded form (`query=…`) or direct (`application/sparql-query`).

    SPARQL Update (`update=…` or `application/sparql-update`) is refused with 403.
    """
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    url_pairs = _decode_pairs(request.scope.get("query_string", b""), "query string")
    if media == UPDATE:
        raise ApiError(403, _READ_ONLY, fr=_READ_ONLY_FR)
    _refuse_update(url_pairs)
    body = await request.body()
    if media == FORM:
        pairs = _decode_pairs(body, "request body")
        _refuse_update(pairs)
        if _values(url_pairs, "query"):
            raise ApiError(400, "a query in both the URL and the body; send exactly one",
                           fr="une requête dans l'adresse et une dans le corps : envoyez-en une seule")
        query = _one_query(pairs, "request body")
        if query is None:
            raise ApiError(400, "missing 'query' parameter in the form body",
                           fr="paramètre « query » absent du corps du formulaire")
        return await _answer(request, query, pairs + [p for p in url_pairs if p[0] != "query"], in_url=False)
    if media == DIRECT:
        if _values(url_pairs, "query"):
            raise ApiError(400, "a 'query' parameter in the URL of a direct POST; send the query only in the body",
                           fr="un paramètre « query » dans l'adresse d'un POST direct : envoyez la requête "
                              "dans le corps seulement")
        try:
            query = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ApiError(400, f"the request body is not valid UTF-8 (byte {exc.start})",
                           fr=f"le corps de la requête n'est pas de l'UTF-8 valide (octet {exc.start})") from None
        return await _answer(request, query, url_pairs, in_url=False)
    raise ApiError(415, f"unsupported media type {media or '(none)'!r}: send {FORM} or {DIRECT}",
                   fr=f"type de contenu non pris en charge « {media or '(aucun)'} » : envoyez {FORM} ou {DIRECT}")


@router.api_route("/sparql", methods=["PUT", "DELETE", "PATCH"], include_in_schema=False)
async def sparql_other(request: Request) -> Response:
    """Other methods: 405."""
    raise ApiError(405, f"method {request.method} is not allowed on /sparql: use GET or POST",
                   {"Allow": "GET, HEAD, POST"},
                   fr=f"la méthode {request.method} n'est pas acceptée sur /sparql : utilisez GET ou POST")
