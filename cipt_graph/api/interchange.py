"""Interchange over HTTP (issue #17): the CASE 1.0 REST endpoints, the exports, the JSON-LD context.

- ``/ims/case/v1p0/…`` — read-only CASE 1.0 REST binding: ``CFDocuments`` (list with ``limit``,
  ``offset``, ``sort``, ``orderBy``, ``filter``, ``fields``; ``X-Total-Count``),
  ``CFDocuments/{id}``, ``CFPackages/{id}``, ``CFItems/{id}``, ``CFAssociations/{id}``,
  ``CFItemAssociations/{id}``, ``CFItemTypes/{id}``, ``CFAssociationGroupings/{id}``; errors as
  ``imsx_StatusInfo`` (404 ``unknownobject`` / ``invaliduuid``, 400 ``invalid_sort_field`` /
  ``invalid_selection_field``, 405 for other methods);
- ``/interchange`` — the page listing every export; ``/interchange/case.json``,
  ``/interchange/moodle.csv``, ``/interchange/elm.jsonld`` — the files;
- ``/context.jsonld`` — the project's published JSON-LD context;
- ``Link: <…/id/…>; rel="describedby"`` on the JSON API's single-resource documents.
"""

from __future__ import annotations

import json
import re
import shlex
from html import escape
from urllib.parse import urlencode
from typing import Literal

from fastapi import APIRouter, FastAPI, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from ..errors import QueryError
from ..interchange import load_referential
from ..resolve import resolve_programme
from ..interchange.case import alone, build_package
from ..interchange.elm import build_qualification
from ..jsonld import CONTEXT_PATH, context_document
from ..interchange.moodle import build_csv
from ..namespaces import CID
from ..visualize.page import Links, render_page
from .errors import need_programme, programme_error, several_programmes
from .imsx import CaseError, imsx_response
from .pages import LANG, html_page, page_lang, site_links, switch_href

router = APIRouter(tags=["Interchange"])
case = APIRouter(prefix="/ims/case/v1p0", tags=["CASE 1.0"])
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
IMSX = {"description": "imsx_StatusInfo", "content": {"application/json": {}}}
ERRORS = {400: IMSX, 404: IMSX, 503: IMSX}
Lang = Literal["fr", "en"]


async def _package(request: Request, programme: str | None = None, lang: str = "fr") -> dict:
    """The CASE package of ``programme``'s certification (code or IRI; needed when the dataset
    holds several programmes: else 400, as the downloads, issue #16)."""
    ref = await _ref(request, programme)
    return build_package(ref, lang)


#: ``?programme=`` of the downloads and the CASE API: whose certification (issue #16).
PROGRAMME = Query(None, description="The programme whose certification is exported (its code, such as M2_CIPT, "
                                    "or its IRI); needed when the dataset holds several programmes (400)")


def _check_uuid(sourced_id: str) -> None:
    if not UUID.match(sourced_id):
        raise CaseError(404, "invaliduuid", f"Invalid UUID: {sourced_id!r} is not a lower-case UUID")


def _unknown(kind: str, sourced_id: str) -> CaseError:
    return CaseError(404, "unknownobject", f"Unknown Object: no {kind} with identifier {sourced_id}")


# --- CASE 1.0 ---------------------------------------------------------------------------------

_FILTER = re.compile(r"^\s*([A-Za-z]+)\s*(=|!=|~)\s*'([^']*)'\s*$")


def _filtered(docs: list[dict], expression: str) -> list[dict]:
    """The binding's ``filter`` (``field op 'value'`` joined by `` AND ``; ops ``=``, ``!=``, ``~``)."""
    for part in re.split(r"\s+AND\s+", expression):
        m = _FILTER.match(part)
        if not m:
            raise CaseError(400, "invalid_selection_field", f"cannot read the filter {part!r}", "filter")
        field, op, value = m.groups()
        if docs and all(field not in d for d in docs):
            raise CaseError(400, "invalid_selection_field", f"unknown field {field!r} in filter", "filter")
        test = {"=": lambda v: str(v) == value, "!=": lambda v: str(v) != value,
                "~": lambda v: value.lower() in str(v).lower()}[op]
        docs = [d for d in docs if field in d and test(d[field])]
    return docs


@case.get("/CFDocuments", responses=ERRORS, summary="getAllCFDocuments")
async def cf_documents(request: Request, limit: int = Query(100, description="at most this many documents"),
                       offset: int = Query(0, description="skip this many"),
                       sort: str | None = Query(None, description="a CFDocument field to sort on"),
                       orderBy: str | None = Query(None, description="asc or desc"),  # noqa: N803 (binding's name)
                       filter: str | None = Query(None, description="field op 'value' [AND …]; op = != ~"),  # noqa: A002
                       fields: str | None = Query(None, description="comma-separated fields to return"),
                       programme: str | None = PROGRAMME) -> Response:
    """Every CFDocument (here: the programme's certification), as `{"CFDocuments": [...]}`.
    With several programmes in the dataset, `?programme=` chooses whose (400 without it)."""
    try:
        if limit < 1:
            raise CaseError(400, "invalid_selection_field", "limit must be 1 or more", "limit")
        if offset < 0:
            raise CaseError(400, "invalid_selection_field", "offset must be 0 or more", "offset")
        if orderBy not in (None, "asc", "desc"):
            raise CaseError(400, "invalid_selection_field", "orderBy must be asc or desc", "orderBy")
        package = await _package(request, programme)
        docs = [alone(package, "CFDocument", package["CFDocument"])]
        if sort is not None:
            if sort not in docs[0]:
                raise CaseError(400, "invalid_sort_field", f"cannot sort on {sort!r}", "sort")
            docs.sort(key=lambda d: str(d.get(sort, "")), reverse=orderBy == "desc")
        if filter:
            docs = _filtered(docs, filter)
        total = len(docs)
        docs = docs[offset:offset + limit]
        if fields:
            wanted = [f.strip() for f in fields.split(",") if f.strip()]
            unknown = [f for f in wanted if f not in docs[0]] if docs else []
            if unknown:
                raise CaseError(400, "invalid_selection_field", f"unknown field(s): {', '.join(unknown)}", "fields")
            docs = [{k: d[k] for k in wanted if k in d} for d in docs]
    except CaseError as exc:
        return imsx_response(exc.status, exc.description, minor=exc.minor, field=exc.field)
    return JSONResponse({"CFDocuments": docs}, headers={"X-Total-Count": str(total)})


def _lookup(kind: str, find):
    async def route(request: Request, sourcedId: str,  # noqa: N803 (binding's name)
                    programme: str | None = PROGRAMME) -> Response:
        try:
            _check_uuid(sourcedId)
            found = find(await _package(request, programme), sourcedId)
            if found is None:
                raise _unknown(kind, sourcedId)
        except CaseError as exc:
            return imsx_response(exc.status, exc.description, minor=exc.minor, field=exc.field)
        return JSONResponse(found)
    return route


def _in(objs, sourced_id):
    return next((o for o in objs if o["identifier"] == sourced_id), None)


def _document(p, i):
    return alone(p, "CFDocument", p["CFDocument"]) if p["CFDocument"]["identifier"] == i else None


def _item(p, i):
    item = _in(p["CFItems"], i)
    return alone(p, "CFItem", item) if item else None


def _association(p, i):
    a = _in(p["CFAssociations"], i)
    return alone(p, "CFAssociation", a) if a else None


def _item_associations(p, i):
    item = _in(p["CFItems"], i)
    if item is None:
        return None
    links = [alone(p, "CFAssociation", a) for a in p["CFAssociations"]
             if i in (a["originNodeURI"]["identifier"], a["destinationNodeURI"]["identifier"])]
    return {"CFItem": alone(p, "CFItem", item), "CFAssociations": links}


def _item_type(p, i):
    t = _in(p["CFDefinitions"]["CFItemTypes"], i)
    return {"CFItemTypes": [t]} if t else None


for _path, _kind, _find, _summary in (
        ("/CFDocuments/{sourcedId}", "CFDocument", _document, "getCFDocument"),
        ("/CFPackages/{sourcedId}", "CFPackage", lambda p, i: p if p["CFDocument"]["identifier"] == i else None, "getCFPackage"),
        ("/CFItems/{sourcedId}", "CFItem", _item, "getCFItem"),
        ("/CFAssociations/{sourcedId}", "CFAssociation", _association, "getCFAssociation"),
        ("/CFItemAssociations/{sourcedId}", "CFItem", _item_associations, "getCFItemAssociations"),
        ("/CFItemTypes/{sourcedId}", "CFItemType", _item_type, "getCFItemType"),
        ("/CFAssociationGroupings/{sourcedId}", "CFAssociationGrouping",
         lambda p, i: _in(p["CFDefinitions"]["CFAssociationGroupings"], i), "getCFAssociationGrouping")):
    case.add_api_route(_path, _lookup(_kind, _find), methods=["GET"], responses=ERRORS, summary=_summary,
                       description=f"The {_kind} whose identifier is `sourcedId` (CASE 1.0 REST binding); with several "
                                   "programmes in the dataset, `?programme=` chooses whose certification.")


# --- exports and the context ------------------------------------------------------------------

EXPORTS = ("case", "moodle", "elm", "context")




async def _ref(request: Request, programme: str | None = None):
    """The referential of ``programme`` (code or IRI): 404 naming the parameter when it names no
    programme, 400 when the dataset holds several and none is given, or when it has no certification."""
    store = request.app.state.store

    def work(deadline):
        need_programme(store, programme)
        iri = None
        if programme is not None:
            try:
                iri = resolve_programme(store, programme).value
            except QueryError as exc:
                raise programme_error(store, programme, exc) from exc
        return load_referential(store, iri)
    return await request.app.state.runner.run(work)


def _attachment(name: str) -> dict:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


@router.get(CONTEXT_PATH, summary="The JSON-LD context", responses={200: {"content": {"application/ld+json": {}}}})
async def context() -> Response:
    """The project's JSON-LD `@context` (stable IRI https://w3id.org/cipt-graph/context.jsonld):
    prefixes and terms every JSON-LD answer of the service is compacted with."""
    return JSONResponse(context_document(), media_type="application/ld+json",
                        headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=3600"})


@router.get("/interchange/case.json", summary="CASE 1.0 package", responses={200: {"content": {"application/json": {}}}})
async def case_file(request: Request, lang: Lang = Query("fr", description="main language of the texts"), programme: str | None = PROGRAMME) -> Response:
    """The referential as a CASE 1.0 CFPackage (what `cipt export-case` writes)."""
    ref = await _ref(request, programme)
    body = json.dumps(build_package(ref, lang), ensure_ascii=False, indent=1)
    return Response(body, media_type="application/json", headers=_attachment(f"{ref.rncp_number}-case-{lang}.json"))


@router.get("/interchange/moodle.csv", summary="Moodle competency framework", responses={200: {"content": {"text/csv": {}}}})
async def moodle_file(request: Request, programme: str | None = PROGRAMME) -> Response:
    """The framework CSV for Moodle's importer (what `cipt export-moodle` writes)."""
    ref = await _ref(request, programme)
    return Response(build_csv(ref), media_type="text/csv; charset=utf-8",
                    headers=_attachment(f"{ref.rncp_number}-moodle.csv"))


@router.get("/interchange/elm.jsonld", summary="Europass ELM qualification", responses={200: {"content": {"application/ld+json": {}}}})
async def elm_file(request: Request, programme: str | None = PROGRAMME) -> Response:
    """The qualification as ELM 3 JSON-LD (what `cipt export-elm` writes)."""
    ref = await _ref(request, programme)
    body = json.dumps(build_qualification(ref), ensure_ascii=False, indent=1)
    return Response(body, media_type="application/ld+json", headers=_attachment(f"{ref.rncp_number}-elm.jsonld"))


_TEXT = {
    "fr": {
        "title": "Échanges avec d'autres systèmes",
        "lead": "Le référentiel de la certification et sa mise en correspondance avec les modules, dans les formats que lisent les systèmes des universités. Chaque fichier se télécharge ici ou s'écrit en ligne de commande.",
        "who": "Qui le lit", "download": "Télécharger", "command": "Commande",
        "case": ("1EdTech CASE 1.0", "Le référentiel (blocs, compétences, codes, textes en français et en anglais) et les liens aux modules avec leur niveau, en paquet CASE ; aussi servi par l'API CASE /ims/case/v1p0/.", "OpenSALT, CASE Network, les LMS et plateformes qui importent des référentiels CASE."),
        "moodle": ("Moodle : référentiel de compétences", "Le CSV de l'import de référentiels de Moodle (tool_lpimportcsv) : blocs et compétences en arbre, numéros d'identification = codes, échelle Sensibilisation / Approfondissement / Maîtrise.", "Moodle (Administration du site › Compétences › Importer un référentiel), pour rattacher les compétences aux cours et aux activités."),
        "elm": ("Europass / ELM 3", "La qualification (le diplôme, avec son niveau du CEC et son numéro RNCP) avec ses acquis d'apprentissage (les compétences), ses blocs et son volume horaire, en JSON-LD ELM.", "Europass, les outils de diplômes numériques européens (EDC) et les catalogues de qualifications."),
        "context": ("Contexte JSON-LD", "Le @context publié du projet (IRI stable https://w3id.org/cipt-graph/context.jsonld) avec lequel chaque réponse JSON-LD du service est compactée.", "Tout processeur JSON-LD, les outils du web de données."),
    },
    "en": {
        "title": "Interchange with other systems",
        "lead": "The certification's referential and its mapping to the modules, in the formats university systems read. Download each file here or write it from the command line.",
        "who": "Who reads it", "download": "Download", "command": "Command",
        "case": ("1EdTech CASE 1.0", "The referential (blocks, competencies, codes, French and English text) and the links to modules with their level, as a CASE package; also served by the CASE API /ims/case/v1p0/.", "OpenSALT, CASE Network, LMSs and platforms that import CASE frameworks."),
        "moodle": ("Moodle competency framework", "The CSV of Moodle's framework importer (tool_lpimportcsv): blocks and competencies as a tree, ID numbers = codes, the Introduced / Reinforced / Mastered scale.", "Moodle (Site administration › Competencies › Import competency framework), to attach competencies to courses and activities."),
        "elm": ("Europass / ELM 3", "The qualification (the diploma, with its EQF level and RNCP number) with its learning outcomes (the competencies), its blocks and its volume of learning, as ELM JSON-LD.", "Europass, European Digital Credentials tools and qualification catalogues."),
        "context": ("JSON-LD context", "The project's published @context (stable IRI https://w3id.org/cipt-graph/context.jsonld) every JSON-LD answer of the service is compacted with.", "Any JSON-LD processor, linked-data tools."),
    },
}
_FILES = {"case": ("/interchange/case.json", "cipt export-case --out case.json"),
          "moodle": ("/interchange/moodle.csv", "cipt export-moodle --out moodle.csv"),
          "elm": ("/interchange/elm.jsonld", "cipt export-elm --out elm.jsonld"),
          "context": (CONTEXT_PATH, "—")}


def render_interchange(lang: str, links: Links, switch: str | None = None) -> str:
    """The interchange page: one section per export with its purpose, readers, download, command."""
    t = _TEXT[lang]
    parts = [f'<p class="lead">{escape(t["lead"])}</p>']
    for key in EXPORTS:
        name, what, who = t[key]
        href, command = _FILES[key]
        query = [("lang", "en")] if key == "case" and lang == "en" else []
        if key != "context":  # the programme's certification (issue #16)
            query += [(name, value) for name, value in links.keep if name == "programme"]
        if query:
            href += "?" + urlencode(query)
        chosen = [value for name, value in links.keep if name == "programme"]
        if chosen and command != "—":  # the command writes the same programme's file
            command = command.replace(" --out ", f" --programme {shlex.quote(chosen[0])} --out ", 1)
        parts.append(
            f'<section class="export" id="{key}"><h2>{escape(name)}</h2><p>{escape(what)}</p>'
            f'<p><strong>{escape(t["who"])}{" :" if lang == "fr" else ":"}</strong> {escape(who)}</p>'
            f'<p><a class="download" href="{escape(href)}" download>{escape(t["download"])}</a>'
            + (f' · {escape(t["command"])} <code>{escape(command)}</code>' if command != "—" else "")
            + "</p></section>")
    return render_page(view="interchange", lang=lang, links=links, title=t["title"], body="\n".join(parts),
                       switch_href=switch)


@router.get("/interchange", response_class=HTMLResponse, summary="Interchange page")
async def interchange_page(request: Request, lang: Lang | None = LANG) -> HTMLResponse:
    """The exports for other systems (CASE, Moodle, ELM, JSON-LD context), each with what it is
    for, who reads it, a download link and the command that writes it."""
    lang = page_lang(request, lang)
    other = "en" if lang == "fr" else "fr"
    links = site_links(request, lang)
    if not request.query_params.get("programme") and await run_in_threadpool(several_programmes, request.app.state.store):
        # each file is one programme's certification: pick the programme first, as the views do (issue #16)
        return RedirectResponse(links.url("/programmes", lang), status_code=303)
    return html_page(render_interchange(lang, links, switch_href(request, other)), lang)


# --- JSON API documents linked to their RDF ---------------------------------------------------

_API_DOC = re.compile(r"^/api/(modules|competencies|blocks|jobs)/[^/]+$")
_MAX_BUFFER = 1 << 20


class DescribedBy:
    """ASGI middleware: a JSON API single-resource document (``/api/modules/M01``…) gets
    ``Link: </id/…>; rel="describedby"`` headers (Turtle and JSON-LD) naming its RDF, read from
    the document's ``iri``."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD") or not _API_DOC.match(scope["path"]):
            await self.app(scope, receive, send)
            return
        start: dict | None = None
        chunks: list[bytes] = []

        async def capture(message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            headers = list(start["headers"])
            link = _link_for(body) if start["status"] == 200 and len(body) <= _MAX_BUFFER else None
            if link:
                headers.append((b"link", link.encode("latin-1", "replace")))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, capture)


def _link_for(body: bytes) -> str | None:
    try:
        doc = json.loads(body)
    except ValueError:
        return None
    iri = doc.get("iri") if isinstance(doc, dict) else None
    if not isinstance(iri, str) or not iri.startswith(str(CID)):
        return None
    path = "/id/" + iri[len(str(CID)):]
    return (f'<{path}>; rel="describedby", <{path}.ttl>; rel="describedby"; type="text/turtle", '
            f'<{path}.jsonld>; rel="describedby"; type="application/ld+json"')


def install(app: FastAPI) -> None:
    """Add the interchange routes and the ``describedby`` links to ``app``."""
    app.include_router(case)
    app.include_router(router)
    app.add_middleware(DescribedBy)
