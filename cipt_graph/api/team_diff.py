"""The diff of two versions in the browser (issue #15): ``GET /versions/diff?a=…&b=…`` — every
kind of change between two recorded versions (or the files as they are now), the versions in
between with who, when, what and their message, optionally for one programme (issue #16).

Errors: 400 (a version name missing or malformed), 404 (a version not recorded, an unknown
programme, or a service without a workspace), 503 (the workspace could not be read).
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from .. import i18n
from ..errors import CiptError
from .errors import ApiError, cipt_text
from .team import _lang, _render
from .team_text import TEXT, format_hours

router = APIRouter(tags=["Team (sign-in, review, editing)"], include_in_schema=False)


_VERSION_REF = re.compile(r"v?[0-9]{1,9}|current|latest")


def _diff_refusal(workspace, refs: tuple[str, str], lang: str) -> tuple[int, str] | None:
    """Why ``/versions/diff`` cannot compare ``refs`` (status, a sentence for people), or None:
    400 for a missing or malformed version name, 404 for a version not recorded."""
    from ..versions import list_versions

    t = TEXT[lang]
    if not all(refs):
        return 400, t["diff_missing"]
    for ref in refs:
        if not _VERSION_REF.fullmatch(ref):
            return 400, t["diff_bad"].format(v=ref[:40])
    ids = [v.id for v in list_versions(workspace)]
    for ref in refs:
        wanted = f"v{ref}" if ref.isdigit() else ref
        if wanted == "current" or (wanted == "latest" and ids) or wanted in ids:
            continue
        if not ids:
            return 404, t["diff_none"].format(v=ref)
        return 404, t["diff_unknown"].format(v=wanted, first=ids[0], last=ids[-1])
    return None


@router.get("/versions/diff", response_class=HTMLResponse)
async def diff_page(request: Request) -> Response:
    """Two versions compared (``a``, ``b``: ``v3``, ``3``, ``latest`` or ``current``); a missing
    or malformed name is refused (400), an unknown version is not found (404), in plain words."""
    from ..versions import diff_versions

    lang = _lang(request)
    t = TEXT[lang]
    workspace = getattr(request.app.state, "workspace", None)
    if workspace is None or workspace.read_only:
        return _render(request, "base.html.j2", lang, "versions", status=404, error=t["no_versions"])
    refs = (request.query_params.get("a", "").strip(), request.query_params.get("b", "").strip())
    programme = request.query_params.get("programme")
    if programme is not None:  # one programme's changes (issue #16); 404 naming the parameter
        from .versions_page import check_programme

        try:
            programme = await run_in_threadpool(check_programme, request, programme)
        except ApiError as exc:
            return _render(request, "base.html.j2", lang, "versions", status=exc.status, error=exc.text(lang)[0])
    refusal = await run_in_threadpool(_diff_refusal, workspace, refs, lang)
    if refusal is not None:
        return _render(request, "base.html.j2", lang, "versions", status=refusal[0], error=refusal[1],
                       title=t["diff"].capitalize())
    try:
        diff = await run_in_threadpool(diff_versions, workspace, *refs, lang=lang, programme=programme)
    except CiptError as exc:
        return _render(request, "base.html.j2", lang, "versions", status=503, error=cipt_text(exc, lang)[0])
    from babel.numbers import format_decimal

    from ..versions.diff_kinds import detail, headline, plain

    def number(v: object) -> str:
        return "" if v is None else format_decimal(v, locale=lang, format="#,##0.##")

    def value(field: str, v: object) -> str:
        return format_hours(v, lang) if field == "hours" and v is not None else plain(v, lang, number, field)

    from ..versions.diff_kinds import status_word

    between = await run_in_threadpool(_versions_between, workspace, diff.a, diff.b, lang)
    return _render(request, "diff.html.j2", lang, "diff", diff=diff, kinds=list(diff.others), between=between,
                   status_word=lambda s: status_word(s, lang),
                   headline=headline, detail=lambda name, row: detail(name, row, number, lang),
                   value=value, title=t["diff_title"].format(a=_version_name(diff.a, lang), b=_version_name(diff.b, lang)))


def _versions_between(workspace, a: str, b: str, lang: str) -> list[dict[str, str]]:
    """The versions recorded after the earlier of ``a``, ``b`` up to the later (``current``: up
    to the last), with who, when, what and the message in ``lang``: who validated or rejected
    what, and why, which the content diff alone cannot say (a rejected link is only gone)."""
    from ..versions import list_versions
    from ..versions.messages import shown_message

    versions = list_versions(workspace)
    ids = [v.id for v in versions]

    def at(label: str) -> int:
        return len(ids) - 1 if label == "current" else ids.index(label) if label in ids else -1

    low, high = sorted((at(a), at(b)))
    return [{"id": v.id, "created": v.created, "agent": v.agent, "kind": v.kind,
             "message": i18n.typeset(shown_message(v, lang), lang)} for v in versions[low + 1:high + 1]]


def _version_name(label: str, lang: str) -> str:
    """A version as the page names it: ``v3``, or « les fichiers actuels » for ``current``."""
    return TEXT[lang]["current_files"] if label == "current" else label
