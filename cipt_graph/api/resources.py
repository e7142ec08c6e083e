"""The JSON API of the main resources, for consumers who don't speak SPARQL.

Every answer is assembled from named queries (``queries/*.rq``); the field names are the
contract, documented by the response models.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from urllib.parse import urlencode
from typing import Literal

from fastapi import APIRouter, Query, Request

from ..errors import QueryError
from ..queries import get_query, resolve_programme, run_query
from ..store import iter_records
from . import models as m
from .errors import ApiError, need_programme, programme_error, several_programmes

router = APIRouter(prefix="/api", tags=["Resources"])

Lang = Literal["fr", "en"]
LANG = Query("fr", description="Language of the labels: fr (default) or en")
NOT_FOUND = {404: {"description": "No such resource"}}


#: ``?programme=``: a programme's code or IRI (issue #16).
PROGRAMME = Query(None, description="Only this programme's (its code, such as M2_CIPT, or its IRI); "
                                    "every programme when absent, each row naming its programme — except on "
                                    "/api/modules, /api/blocks, /api/competencies (and their details), "
                                    "/api/coverage-matrix and /api/gaps, which need it when the dataset holds "
                                    "several programmes (400)")


_PROGRAMME: ContextVar[str | None] = ContextVar("cipt_api_programme", default=None)
#: What the ``url`` of a row adds to stay in the request's programme: ``?programme=…`` when the
#: dataset holds several programmes (there the detail routes need it), else nothing.
_LINK_QUERY: ContextVar[str] = ContextVar("cipt_api_link_query", default="")


def _records(store, name: str, **params: str | None) -> list[dict]:
    """A named query's rows; the request's programme goes to the queries that take one."""
    query = get_query(name)
    params.setdefault("programme", _PROGRAMME.get())
    if params.get("programme") is not None and not any(p.name == "programme" for p in query.params):
        params.pop("programme")
    return list(iter_records(run_query(store, query, {k: v for k, v in params.items() if v is not None})))


def _scope(store, programme: str | None) -> str | None:
    """The programme's IRI (404 when it names none), or None."""
    if programme is None:
        return None
    try:
        return resolve_programme(store, programme).value
    except QueryError as exc:  # 404 naming the parameter, 400 for a malformed value (as the views)
        raise programme_error(store, programme, exc) from exc


async def _run(request: Request, work: Callable[[object], object], programme: str | None = None, *,
               needed: bool = False):
    """``work(store)`` through the service's runner, its queries scoped to ``programme`` (code or IRI).
    ``needed``: the answer over every programme is slow at university scale, so with several
    programmes in the dataset and none given the route answers 400 naming ``programme`` at once."""
    store = request.app.state.store

    def scoped(deadline):
        if needed:
            need_programme(store, programme)
        scope = _scope(store, programme)
        token = _PROGRAMME.set(scope)
        link = _LINK_QUERY.set("?" + urlencode({"programme": programme.strip()})
                               if scope is not None and several_programmes(store) else "")
        try:
            return work(store)
        finally:
            _LINK_QUERY.reset(link)
            _PROGRAMME.reset(token)
    return await request.app.state.runner.run(scoped)


_KINDS_FR = {"module": "aucun module", "competency": "aucune compétence", "block": "aucun bloc",
             "job": "aucun métier"}


def _missing(kind: str, code: str, programme: str | None = None) -> ApiError:
    """The 404 of a resource code the data (or the programme asked for) does not hold."""
    if programme is None:
        return ApiError(404, f"no {kind} with code {code!r}", fr=f"{_KINDS_FR[kind]} de code « {code} »")
    return ApiError(404, f"no {kind} with code {code!r} in programme {programme!r}",
                    fr=f"{_KINDS_FR[kind]} de code « {code} » dans le programme « {programme} »")


def _module(r: dict) -> m.ModuleSummary:
    return m.ModuleSummary(iri=r["module"], code=r["module_code"], label=r["module_label"], sequence=r["sequence"],
                           period_code=r["period_code"], period_label=r["period_label"], hours=r["module_hours"],
                           competency_count=r["competencies"], url=f"/api/modules/{r['module_code']}{_LINK_QUERY.get()}",
                           programme=r.get("programme"))


def _competency(r: dict) -> m.CompetencySummary:
    return m.CompetencySummary(iri=r["competency"], code=r["competency_code"], label=r["competency_label"],
                               block_iri=r["block"], block_code=r["block_code"], block_label=r["block_label"],
                               module_count=r["modules"], max_level_rank=r["max_rank"],
                               url=f"/api/competencies/{r['competency_code']}{_LINK_QUERY.get()}", programme=r.get("programme"))


def _block(r: dict) -> m.Block:
    return m.Block(iri=r["block"], code=r["block_code"], label=r["block_label"], hours=r["hours"],
                   competency_count=r["competencies"], covered_competency_count=r["covered_competencies"],
                   module_count=r["modules"], url=f"/api/blocks/{r['block_code']}{_LINK_QUERY.get()}", programme=r.get("programme"))


def _job(r: dict) -> m.JobSummary:
    return m.JobSummary(iri=r["job"], code=r["job_code"], label=r["job_label"], rome_code=r["rome_code"],
                        rome_label=r["rome_label"], activity_count=r["activities"], url=f"/api/jobs/{r['job_code']}",
                        programme=r.get("programme"))


@router.get("/programme", response_model=list[m.Programme])
async def programme(request: Request, lang: Lang = LANG, programme: str | None = PROGRAMME) -> list[m.Programme]:
    """The programme: label, university, declared and listed hours, certification (queries
    `programme_identity` and `hours_declared_vs_listed`)."""
    def work(store):
        hours = {r["programme"]: r for r in _records(store, "hours_declared_vs_listed")}
        out = []
        for r in _records(store, "programme_identity", lang=lang):
            h = hours.get(r["programme"], {})
            out.append(m.Programme(
                iri=r["programme"], code=r["identifier"], label=r["programme_label"],
                provider_label=r["provider_label"], component_label=r["component_label"],
                declared_hours=r["declared_hours"], listed_hours=h.get("listed") or 0,
                hours_difference=h.get("difference"), module_count=h.get("modules") or 0,
                certification_iri=r["certification"], rncp_number=r["rncp_number"],
                certification_label=r["certification_label"], qualification_level=r["qualification_level"],
                lang=lang))
        return out
    return await _run(request, work, programme)


@router.get("/modules", response_model=list[m.ModuleSummary])
async def modules(request: Request, lang: Lang = LANG, programme: str | None = PROGRAMME) -> list[m.ModuleSummary]:
    """Every module in the brochure's order (query `modules`)."""
    return await _run(request, lambda store: [_module(r) for r in _records(store, "modules", lang=lang)], programme, needed=True)


@router.get("/modules/{code}", response_model=m.ModuleDetail, responses=NOT_FOUND)
async def module(code: str, request: Request, lang: Lang = LANG, programme: str | None = PROGRAMME) -> m.ModuleDetail:
    """A module with the competencies it covers and the level reached (queries `modules` and
    `competencies_for_module`)."""
    def work(store):
        found = [r for r in _records(store, "modules", lang=lang) if r["module_code"] == code]
        if not found:
            raise _missing("module", code, programme)
        coverage = [m.ModuleCoverage(
            competency_iri=r["competency"], competency_code=r["competency_code"], competency_label=r["competency_label"],
            block_code=r["block_code"], block_label=r["block_label"], level_code=r["level_code"],
            level_rank=r["level_rank"], coverage_hours=r["coverage_hours"], rationale=r["rationale"],
        ) for r in _records(store, "competencies_for_module", module=found[0]["module"], lang=lang)]
        return m.ModuleDetail(**_module(found[0]).model_dump(), coverage=coverage)
    return await _run(request, work, programme, needed=True)


@router.get("/competencies", response_model=list[m.CompetencySummary])
async def competencies(request: Request, lang: Lang = LANG, programme: str | None = PROGRAMME,
                       block: str | None = Query(None, description="Only this block's (its code, BC05)")) -> list[m.CompetencySummary]:
    """Every competency with its block and coverage (query `competencies`)."""
    return await _run(request, lambda store: [_competency(r) for r in _records(store, "competencies", block=block, lang=lang)], programme, needed=True)


@router.get("/competencies/{code}", response_model=m.CompetencyDetail, responses=NOT_FOUND)
async def competency(code: str, request: Request, lang: Lang = LANG, programme: str | None = PROGRAMME) -> m.CompetencyDetail:
    """A competency with the modules covering it (queries `competencies` and `modules_for_competency`)."""
    def work(store):
        found = [r for r in _records(store, "competencies", lang=lang) if r["competency_code"] == code]
        if not found:
            raise _missing("competency", code, programme)
        covering = [m.CompetencyModule(
            module_iri=r["module"], module_code=r["module_code"], module_label=r["module_label"],
            period_code=r["period_code"], module_hours=r["module_hours"], level_code=r["level_code"],
            level_rank=r["level_rank"], coverage_hours=r["coverage_hours"], rationale=r["rationale"],
        ) for r in _records(store, "modules_for_competency", competency=found[0]["competency"], lang=lang)]
        return m.CompetencyDetail(**_competency(found[0]).model_dump(), modules=covering)
    return await _run(request, work, programme, needed=True)


@router.get("/blocks", response_model=list[m.Block])
async def blocks(request: Request, lang: Lang = LANG, programme: str | None = PROGRAMME) -> list[m.Block]:
    """Every competency block with its hours and coverage (query `hours_per_block`)."""
    return await _run(request, lambda store: [_block(r) for r in _records(store, "hours_per_block", lang=lang)], programme, needed=True)


@router.get("/blocks/{code}", response_model=m.BlockDetail, responses=NOT_FOUND)
async def block(code: str, request: Request, lang: Lang = LANG, programme: str | None = PROGRAMME) -> m.BlockDetail:
    """A block with its competencies (queries `hours_per_block` and `competencies`)."""
    def work(store):
        found = [r for r in _records(store, "hours_per_block", lang=lang) if r["block_code"] == code]
        if not found:
            raise _missing("block", code, programme)
        comps = [_competency(r) for r in _records(store, "competencies", block=found[0]["block"], lang=lang)]
        return m.BlockDetail(**_block(found[0]).model_dump(), competencies=comps)
    return await _run(request, work, programme, needed=True)


@router.get("/jobs", response_model=list[m.JobSummary])
async def jobs(request: Request, lang: Lang = LANG, programme: str | None = PROGRAMME) -> list[m.JobSummary]:
    """Every target job with its ROME category (query `jobs`)."""
    return await _run(request, lambda store: [_job(r) for r in _records(store, "jobs", lang=lang)], programme)


@router.get("/jobs/{code}", response_model=m.JobDetail, responses=NOT_FOUND)
async def job(code: str, request: Request, lang: Lang = LANG, programme: str | None = PROGRAMME) -> m.JobDetail:
    """A job with its activities, the competencies they rest on and the modules building them
    (queries `jobs` and `job_paths`)."""
    def work(store):
        found = [r for r in _records(store, "jobs", lang=lang) if r["job_code"] == code]
        if not found:
            raise _missing("job", code, programme)
        activities: dict[str, m.JobActivity] = {}
        comps: dict[tuple[str, str], m.JobCompetency] = {}
        needed: dict[str, float] = {}
        rome_status = None
        for r in _records(store, "job_paths", job=found[0]["job"], lang=lang):
            rome_status = r["rome_status"]
            act = activities.setdefault(r["activity"], m.JobActivity(
                iri=r["activity"], code=r["activity_code"], label=r["activity_label"],
                link_status=r["activity_status"], competencies=[]))
            key = (r["activity"], r["competency"])
            if key not in comps:
                comps[key] = m.JobCompetency(iri=r["competency"], code=r["competency_code"],
                                             label=r["competency_label"], estimated_hours=r["competency_hours"],
                                             link_status=r["competency_status"], modules=[])
                act.competencies.append(comps[key])
                needed[r["competency"]] = float(r["competency_hours"] or 0)
            if r["module"]:
                comps[key].modules.append(m.JobModule(iri=r["module"], code=r["module_code"], label=r["module_label"],
                                                      level_code=r["level_code"], level_rank=r["level_rank"],
                                                      hours=r["module_hours"]))
        return m.JobDetail(**_job(found[0]).model_dump(), activities=list(activities.values()),
                           rome_status=rome_status, estimated_hours=round(sum(needed.values()), 2))
    return await _run(request, work, programme)


@router.get("/coverage-matrix", response_model=m.CoverageMatrix)
async def coverage_matrix(request: Request, lang: Lang = LANG, programme: str | None = PROGRAMME) -> m.CoverageMatrix:
    """The course × competency matrix: modules (rows), competencies (columns), links (cells)
    (queries `modules`, `competencies` and `coverage_matrix`)."""
    def work(store):
        rows = [m.MatrixModule(code=r["module_code"], label=r["module_label"], period_code=r["period_code"],
                               hours=r["module_hours"], programme=r.get("programme"))
                for r in _records(store, "modules", lang=lang)]
        columns = [m.MatrixCompetency(code=r["competency_code"], label=r["competency_label"], block_code=r["block_code"])
                   for r in _records(store, "competencies", lang=lang)]
        links = [m.MatrixLink(
            module_code=r["module_code"], competency_code=r["competency_code"], level_code=r["level_code"],
            level_rank=r["level_rank"], level_label=r["level_label"], coverage_hours=r["coverage_hours"],
            status=r["status"], rationale=r["rationale"], programme=r.get("programme"),
        ) for r in _records(store, "coverage_matrix", lang=lang)]
        return m.CoverageMatrix(lang=lang, modules=rows, competencies=columns, links=links)
    return await _run(request, work, programme, needed=True)


@router.get("/gaps", response_model=m.Gaps)
async def gaps(request: Request, lang: Lang = LANG, programme: str | None = PROGRAMME) -> m.Gaps:
    """What is missing: uncovered competencies and blocks, modules covering nothing, and the
    declared-versus-listed hours (queries `uncovered_competencies`, `uncovered_blocks`,
    `modules_without_competency`, `hours_declared_vs_listed`)."""
    def work(store):
        comps = [m.GapCompetency(iri=r["competency"], code=r["competency_code"], label=r["competency_label"],
                                 block_code=r["block_code"], programme=r.get("programme"))
                 for r in _records(store, "uncovered_competencies", lang=lang)]
        blks = [m.GapBlock(iri=r["block"], code=r["block_code"], label=r["block_label"], competency_count=r["competencies"],
                         programme=r.get("programme")) for r in _records(store, "uncovered_blocks", lang=lang)]
        mods = [m.GapModule(iri=r["module"], code=r["module_code"], label=r["module_label"],
                            period_code=r["period_code"], hours=r["module_hours"], programme=r.get("programme"))
                for r in _records(store, "modules_without_competency", lang=lang)]
        hours = [m.HoursBalance(declared=r["declared"], listed=r["listed"], difference=r["difference"],
                                module_count=r["modules"], programme=r.get("programme"))
                 for r in _records(store, "hours_declared_vs_listed")]
        return m.Gaps(uncovered_competencies=comps, uncovered_blocks=blks, modules_without_competency=mods,
                      hours=hours, complete=not (comps or blks or mods))
    return await _run(request, work, programme, needed=True)
