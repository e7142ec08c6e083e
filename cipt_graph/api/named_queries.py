"""``/api/queries``: the named queries of ``queries/*.rq`` over HTTP, the same files as the CLI."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from starlette.responses import JSONResponse, Response

from ..output import to_csv, to_json
from ..errors import QueryError
from ..queries import NamedQuery, bind_parameters, get_query, load_queries, resolve_programme, run_query
from ..sparqlscan import substitute
from ..store import QueryResult, Store
from . import results as res
from .conneg import negotiate
from .errors import ApiError, need_programme, programme_error, request_lang

router = APIRouter(prefix="/api/queries", tags=["Named queries"])


def _run(store: Store, deadline, name: str, params: dict[str, str]) -> QueryResult:
    """The rows of a named query (in a query worker: a request described by data). A query whose
    header says ``needs_programme: true`` (slow over every programme at university scale, issue
    #16) answers 400 naming ``programme`` when it is not given and the dataset holds several."""
    if get_query(name).header.get("needs_programme") is True and not params.get("programme"):
        need_programme(store, None)
    if params.get("programme") and any(p.name == "programme" for p in get_query(name).params):
        try:  # the 404 of every route taking `programme`, in its words; then its IRI, looked up once
            params = {**params, "programme": resolve_programme(store, params["programme"]).value}
        except QueryError as exc:
            raise programme_error(store, params["programme"], exc) from exc
    return run_query(store, name, params)

#: Media types a named query answers in, the first the default: type → format.
ROW_TYPES = {
    "application/json": "rows",
    "text/csv": "csv",
    "application/sparql-results+json": res.JSON,
    "application/sparql-results+xml": res.XML,
    "text/tab-separated-values": res.TSV,
}
SUFFIXES = {".json": "application/json", ".csv": "text/csv"}


class QueryParameter(BaseModel):
    """A parameter of a named query."""

    name: str = Field(description="Parameter name, also the SPARQL variable it binds")
    type: str = Field(description="`iri` (an IRI or a code such as M01, BC05-C1, J1) or `literal`")
    required: bool
    default: str | None = None
    description: str = Field(description="What to pass, in the answer's language (`lang`)")
    descriptions: dict[str, str] = Field(description="The description in each language: `fr`, `en`")


class QueryInfo(BaseModel):
    """A named query as listed by `/api/queries`."""

    name: str = Field(description="Name: the file name, CLI name and URL slug")
    title: str = Field(description="One-line title, in the answer's language (the `summary` or `summary_fr` "
                                   "of the file header)")
    summary: str = Field(description="The same one-line summary, in the answer's language")
    summaries: dict[str, str] = Field(description="The summary in each language: `fr`, `en`")
    lang: str = Field(description="The language of `title`, `summary` and the parameters' `description`: "
                                  "`?lang=`, else the one `Accept-Language` prefers, else fr")
    description: str = Field(description="What the query answers (the file header's `description`, in English)")
    tags: list[str]
    params: list[QueryParameter]
    example: dict[str, str] = Field(description="Example parameters")
    url: str = Field(description="Path that runs the query with its example parameters")
    sparql: str = Field(description="The query file, header included")


def example_sparql(store: Store, query: NamedQuery, params: dict[str, str] | None = None) -> str:
    """The query's text made runnable anywhere: its parameters written in as constants.

    The same substitution Oxigraph applies in ``run_query``, done on the text (see
    ``sparqlscan.substitute``), so any SPARQL tool gives the same rows.
    """
    bound = bind_parameters(store, query, query.example if params is None else params)
    return substitute(query.text, {name: str(term) for name, term in bound.items()})


def _info(query: NamedQuery, lang: str) -> QueryInfo:
    example = "&".join(f"{k}={v}" for k, v in query.example.items())
    return QueryInfo(
        name=query.name, title=query.summary_in(lang), summary=query.summary_in(lang),
        summaries={"fr": query.summary_in("fr"), "en": query.summary}, lang=lang, description=query.description,
        tags=list(query.tags), example=dict(query.example), sparql=query.text,
        url=f"/api/queries/{query.name}" + (f"?{example}" if example else ""),
        params=[QueryParameter(name=p.name, type=p.kind, required=p.required, default=p.default,
                               description=p.description_in(lang),
                               descriptions={"fr": p.description_in("fr"), "en": p.description})
                for p in query.params],
    )


@router.get("", response_model=list[QueryInfo])
def list_queries(request: Request, lang: Literal["fr", "en"] | None = Query(
        None, description="Language of the titles, summaries and parameter descriptions: fr or en "
                          "(default: the one Accept-Language prefers, else fr); both are always in "
                          "`summaries` and `descriptions`")) -> Response:
    """Every named query: name, title, description, parameters, example and SPARQL text."""
    lang = lang or request_lang(request)
    body = [_info(q, lang).model_dump() for q in load_queries().values()]
    return JSONResponse(body, headers={"Content-Language": lang, "Vary": "Accept-Language"})


def render_rows(result: QueryResult, media: str) -> bytes:
    """A named query's rows in a negotiated media type (see ``ROW_TYPES``)."""
    fmt = ROW_TYPES[media]
    if fmt == "rows":
        return to_json(result).encode("utf-8")
    if fmt == "csv":
        return to_csv(result).encode("utf-8")
    return res.serialize_solutions(res.Solutions(result.variables, result.rows), fmt)


@router.get("/{name}", response_model=list[dict[str, Any]], responses={
    200: {"description": "Rows: a JSON array of objects keyed by the query's variables (or CSV, SPARQL results)",
          "content": {t: {} for t in ROW_TYPES if t != "application/json"}},
    400: {"description": "Unknown or missing parameter, or a code that names nothing"},
    404: {"description": "No query of that name"},
})
async def run_named_query(name: str, request: Request) -> Response:
    """Run a named query with its parameters given in the query string (`?module=M01&lang=en`).

    A query with a ``lang`` parameter not given gets the request's language (``Accept-Language``,
    else French). Every query accepts ``lang`` (``fr``, ``en``): for one without labels it is the
    language of the error messages alone.

    JSON array of row objects by default; CSV, SPARQL Results JSON/XML or TSV by `Accept`,
    or a `.csv` / `.json` suffix on the name.
    """
    media: str | None = None
    for suffix, suffix_media in SUFFIXES.items():
        if name.endswith(suffix):
            name, media = name[: -len(suffix)], suffix_media
    if media is None:
        media = negotiate(request.headers.get("accept"), list(ROW_TYPES)) or "application/json"
    queries = load_queries()
    if name not in queries:
        known = ", ".join(sorted(queries))
        raise ApiError(404, f"no named query {name!r}; known queries: {known}",
                       fr=f"aucune requête nommée {name!r} ; requêtes connues : {known}")
    query = get_query(name)
    params: dict[str, str] = {}
    for key, value in request.query_params.multi_items():
        if key in params:
            raise ApiError(400, f"parameter {key!r} given twice", fr=f"paramètre {key!r} donné deux fois")
        params[key] = value
        if key == "lang" and not any(p.name == "lang" for p in query.params):
            continue  # a query without labels: ?lang= is the answer's language (its error messages)
        query.param(key)  # an unknown parameter: 400 naming it, before any work
    if "lang" in params and not any(p.name == "lang" for p in query.params):
        del params["lang"]
    if "lang" not in params and any(p.name == "lang" for p in query.params):
        # Labels in the request's language (Accept-Language, else French) unless ?lang= says; the
        # response cache keys on Accept-Language, so each language is its own entry.
        params["lang"] = request_lang(request)
    state = request.app.state
    result = await state.runner.call(_run, name, params)
    headers = {"Vary": "Accept, Accept-Language"}
    if len(result) > state.settings.max_rows:
        if not state.settings.truncate_results:
            raise ApiError(413, f"the result has more than {state.settings.max_rows} rows, this service's limit",
                           fr=f"le résultat a plus de {state.settings.max_rows} lignes, la limite de ce service")
        result = QueryResult(result.variables, result.rows[: state.settings.max_rows])
        headers["X-Cipt-Truncated"] = f"max-rows={state.settings.max_rows}"
    return Response(render_rows(result, media), media_type=res.content_type(media), headers=headers)
