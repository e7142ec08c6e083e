"""``/versions``: the recorded versions of the workspace as a page for the team — who changed
the mapping, when (in the page's locale), from what, with the message given. Reading only; the
JSON is ``/api/versions``."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Query, Request
from starlette.responses import HTMLResponse

from .. import i18n
from ..paths import resolve_workspace
from ..versions import list_versions
from ..visualize.i18n import tr
from ..visualize.page import render_page
from .pages import LANG, Lang, html_page, page_lang, site_links, switch_href

router = APIRouter(include_in_schema=False)

def _message(version, lang: str) -> str:
    """The version's message; a baseline's and a review's generated words in the page's language."""
    from ..versions.messages import shown_message

    return i18n.typeset(shown_message(version, lang), lang)


def _kind(kind: str, lang: str) -> str:
    """What made a version, in words of the page's language (``edit`` → ``modification``)."""
    from .team_text import TEXT

    return TEXT[lang].get(f"vkind_{kind}", kind)


def _source(version, lang: str, origin: dict | None) -> str:
    """Where the version came from; a baseline's origin (``cipt init`` and when, from the
    workspace's origin file, or the ``workspace`` as found) in the page's language."""
    from ..versions.record import INIT_SOURCE
    from .team_text import TEXT

    if version.kind == "baseline" and version.source == INIT_SOURCE:
        created = (origin or {}).get("created")
        when = i18n.local_datetime(created, lang, zone=False) if created else ""
        return TEXT[lang]["vsource_init"] + (f", {when}" if when else "")
    if version.kind == "baseline" and version.source == "workspace":
        return TEXT[lang]["vsource_workspace"]
    return version.source


def _agent(version, lang: str) -> str:
    """Who made the version; a baseline is nobody's change (whatever an older record says)."""
    from .team_text import TEXT

    return TEXT[lang]["vagent_baseline"] if version.kind == "baseline" else version.agent


_COLUMNS = ("id", "created", "agent", "kind", "source", "message", "links")


def diff_href(a: str, b: str, lang: str | None = None, programme: str | None = None) -> str:
    """The page comparing version ``a`` with ``b`` (of ``programme`` only, when given)."""
    from urllib.parse import quote

    return (f"/versions/diff?a={a}&b={b}" + (f"&lang={lang}" if lang == "en" else "")
            + (f"&programme={quote(programme, safe='')}" if programme else ""))


def compare_form(versions: list, lang: str, programme: str | None = None) -> str:
    """A form choosing two versions (or the current files) to compare at ``/versions/diff``."""
    ids = [v.id for v in versions] + ["current"]

    def select(name: str, chosen: str) -> str:
        options = "".join(f'<option value="{escape(i)}"{" selected" if i == chosen else ""}>'
                          f'{escape(tr(lang, "versions.current") if i == "current" else i)}</option>' for i in ids)
        return f'<label>{escape(tr(lang, "versions." + name))} <select name="{name}">{options}</select></label> '

    older = versions[1].id if len(versions) > 1 else versions[0].id
    return (f'<form method="get" action="/versions/diff" class="compare"><input type="hidden" name="lang" value="{lang}">'
            + (f'<input type="hidden" name="programme" value="{escape(programme)}">' if programme else "")
            + select("a", older) + select("b", versions[0].id)
            + f'<button type="submit">{escape(tr(lang, "versions.compare"))}</button></form>')


def check_programme(request: Request, programme: str | None) -> str | None:
    """The IRI of ``programme`` in the served store (404 naming the ``programme`` parameter when
    it names none, as on the other views), or None when not given."""
    if programme is None:
        return None
    from ..errors import QueryError
    from ..queries import resolve_programme
    from .errors import programme_error

    store = request.app.state.store
    try:
        return resolve_programme(store, programme).value
    except QueryError as exc:
        raise programme_error(store, programme, exc) from exc


@router.get("/versions")
def versions_page(request: Request, lang: Lang | None = LANG, programme: str | None = Query(
        None, description="A programme (its code or IRI): the diff links compare its changes only")) -> HTMLResponse:
    """The versions, newest first. Versions are the workspace's (every programme's changes
    together); with ``programme`` the page says so and its diff links are that programme's."""
    lang = page_lang(request, lang)
    check_programme(request, programme)
    workspace = getattr(request.app.state, "workspace", None) or resolve_workspace(None)
    if workspace.read_only:
        body = f'<p class="lead">{escape(tr(lang, "versions.no_workspace"))}</p>'
    else:
        from ..paths import read_origin

        versions = list(reversed(list_versions(workspace)))
        origin = read_origin(workspace)
        if not versions:
            body = f'<p class="lead">{escape(tr(lang, "versions.none"))}</p>'
        else:
            head = "".join(f'<th scope="col">{escape(tr(lang, "versions." + c))}</th>' for c in _COLUMNS)
            rows = []
            for v in versions:
                links = sum(n for k, n in v.counts.items() if k != "triples")
                rows.append(
                    f'<tr data-version="{escape(v.id)}"><th scope="row">{escape(v.id)}</th>'
                    f'<td><time datetime="{escape(v.created)}">{escape(i18n.local_datetime(v.created, lang, zone=False))}</time></td>'
                    f'<td class="agent" data-kind="{escape(v.kind)}">{escape(_agent(v, lang))}</td><td class="kind" data-kind="{escape(v.kind)}">{escape(_kind(v.kind, lang))}</td>'
                    f'<td class="source">{escape(_source(v, lang, origin))}</td>'
                    f'<td class="message">{escape(_message(v, lang))}</td><td class="num">{escape(i18n.number(links, lang))}'
                    + (f' · <a href="{escape(diff_href(v.parent, v.id, lang, programme))}">{escape(tr(lang, "versions.diff"))}</a>'
                       if v.parent else "") + '</td></tr>')
            wide = (f'<p class="note" data-scope="workspace">'
                    f'{escape(tr(lang, "versions.workspace_wide", programme=programme))}</p>' if programme else "")
            body = (f'<p class="lead">{escape(tr(lang, "versions.lead"))}</p>' + wide
                    + compare_form(versions, lang, programme)
                    + f'<table class="listing versions"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>')
    html = render_page(view="versions", lang=lang, links=site_links(request, lang), title=tr(lang, "versions.title"),
                       body=body, head='<link rel="stylesheet" href="/api/static/style.css">',
                       switch_href=switch_href(request, "en" if lang == "fr" else "fr"))
    return html_page(html, lang)
