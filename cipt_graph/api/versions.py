"""``/api/versions``: the recorded versions of the workspace and the diff between two of them."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from ..errors import InputError, QueryError
from ..paths import Workspace, resolve_workspace
from ..versions import diff_versions, get_version, list_versions
from .errors import ApiError
from .runner import run_limited

router = APIRouter(prefix="/api/versions", tags=["Versions"])


class VersionInfo(BaseModel):
    """A recorded version of the workspace (an accepted import or mapping change)."""

    id: str = Field(description="`v1`, `v2`… in recording order")
    created: str = Field(description="When it was recorded (ISO 8601, UTC)")
    agent: str = Field(description="Who made the change")
    kind: str = Field(description="What made it: `baseline`, `matrix-import`, `rncp-import`…")
    source: str = Field(description="The file the change came from (its name), or a description")
    source_sha256: str | None = Field(description="SHA-256 of that file, when it was a file")
    message: str
    parent: str | None = Field(description="The previous version")
    counts: dict[str, int] = Field(description="Coverage links per kind and triples")
    graphs: dict[str, str] = Field(description="Source graph IRI → SHA-256 of its snapshot")
    agent_account: str | None = Field(None, description="The stable id of the signed-in account that made "
                                      "the change (PROV agent `cid:agent/account/<id>`), else null")


def _workspace(request: Request) -> Workspace:
    """The workspace the service was started on (``app.state.workspace``, else ``$CIPT_DATA``)."""
    workspace = getattr(request.app.state, "workspace", None)
    if workspace is None:
        workspace = resolve_workspace(None)
    if workspace.read_only:
        raise ApiError(404, "no workspace: versions are kept in a workspace (start the service with "
                            "--data DIR or CIPT_DATA=DIR, a folder created by `cipt init DIR`)",
                       fr="aucun espace de travail : les versions sont tenues dans un espace de travail (lancez le "
                          "service avec --data DOSSIER ou CIPT_DATA=DOSSIER, un dossier créé par « cipt init DOSSIER »)")
    return workspace


@router.get("", response_model=list[VersionInfo], summary="List the versions")
def versions(request: Request) -> list[dict]:
    """Every recorded version of the workspace, oldest first: id, date, who, kind, source file
    and link counts. Empty before the first accepted import."""
    return [v.as_dict() for v in list_versions(_workspace(request))]


@router.get("/diff", summary="Compare two versions")
async def diff(
    request: Request,
    a: str = Query(description="A version id (`v1`…), `latest` or `current` (the workspace's files now)",
                   max_length=40),
    b: str = Query("current", description="A version id, `latest` or `current`", max_length=40),
    lang: Literal["fr", "en"] = Query("fr", description="Language of the labels"),
    programme: str | None = Query(None, description="Only this programme's changes (its code, such as "
                                  "M2_CIPT, or its IRI; 404 naming the parameter when it names none); "
                                  "every programme's when absent, each link and block naming its programme"),
) -> dict:
    """Links added, removed and changed (level, hours, status or rationale) from ``a`` to ``b``,
    and per block the competencies covered, hours (rule of the `hours_per_block` query) and
    modules before and after. The other kinds of change, each with `added`, `removed` and
    `changed` (`fields`, `before`, `after`): `activity_links`, `objective_links` (status,
    rationale), `modules` (title, hours, period), `reconciliation` (brochure block ↔ official
    RNCP block matches) and `fiches` (imported RNCP fiches). Same JSON as
    `cipt diff A B --format json --programme X`. Versions are the workspace's: every programme's
    changes together; ``programme`` limits the comparison to one."""
    workspace = _workspace(request)
    from starlette.concurrency import run_in_threadpool

    from .versions_page import check_programme

    iri = await run_in_threadpool(check_programme, request, programme)

    def work(deadline) -> dict:  # in a query process: killed past the reports' time limit
        try:
            return diff_versions(workspace, a, b, lang=lang, programme=iri).as_dict()
        except InputError as exc:
            raise ApiError(404, exc.text("en"), fr=exc.text("fr")) from exc
        except QueryError as exc:  # the programme is not in one of the two versions
            raise ApiError(404, f"parameter 'programme': {exc.text('en')}",
                           fr=f"paramètre « programme » : {exc.text('fr')}") from exc

    return await run_limited(request, work, report=True)


@router.get("/{version_id}", response_model=VersionInfo, summary="One version")
def version(request: Request, version_id: str) -> dict:
    """One recorded version (``latest`` for the last one)."""
    try:
        return get_version(_workspace(request), version_id).as_dict()
    except InputError as exc:
        raise ApiError(404, exc.text("en"), fr=exc.text("fr")) from exc
