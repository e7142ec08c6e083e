"""``/versions``: the recorded versions of the workspace as a page for the team — who changed
the mapping, when (in the page's locale), from what, with the message given. Reading only; the
JSON is ``/api/versions``."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse

from .. import i18n
from ..paths import resolve_workspace
from ..versions import list_versions
from ..visualize.i18n import tr
from ..visualize.page import render_page
from .pages import LANG, Lang, html_page, page_lang, site_links, switch_href

router = APIRouter(include_in_schema=False)

def _message(version, lang: str) -> str:
    """The version's message; a baseline's generated one in the page's language."""
    from ..versions.record import BASELINE_MESSAGE, BASELINE_MESSAGES

    if version.kind == "baseline" and version.message == BASELINE_MESSAGE:
        return BASELINE_MESSAGES.get(lang, BASELINE_MESSAGE)
    return version.message or ""


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


def diff_href(a: str, b: str, lang: str | None = None) -> str:
    """The page comparing version ``a`` with ``b``."""
    return f"/versions/diff?a={a}&b={b}" + (f"&lang={lang}" if lang == "en" else "")


def compare_form(versions: list, lang: str) -> str:
    """A form choosing two versions (or the current files) to compare at ``/versions/diff``."""
    ids = [v.id for v in versions] + ["current"]

    def select(name: str, chosen: str) -> str:
        options = "".join(f'<option value="{escape(i)}"{" selected" if i == chosen else ""}>'
                          f'{escape(tr(lang, "versions.current") if i == "current" else i)}</option>' for i in ids)
        return f'<label>{escape(tr(lang, "versions." + name))} <select name="{name}">{options}</select></label> '

    older = versions[1].id if len(versions) > 1 else versions[0].id
    return (f'<form method="get" action="/versions/diff" class="compare"><input type="hidden" name="lang" value="{lang}">'
            + select("a", older) + select("b", versions[0].id)
            + f'<button type="submit">{escape(tr(lang, "versions.compare"))}</button></form>')


@router.get("/versions")
def versions_page(request: Request, lang: Lang | None = LANG) -> HTMLResponse:
    """The versions, newest first."""
    lang = page_lang(request, lang)
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
                    f'<td>{escape(_source(v, lang, origin))}</td>'
                    f'<td class="message">{escape(_message(v, lang))}</td><td class="num">{escape(i18n.number(links, lang))}'
                    + (f' · <a href="{escape(diff_href(v.parent, v.id, lang))}">{escape(tr(lang, "versions.diff"))}</a>'
                       if v.parent else "") + '</td></tr>')
            body = (f'<p class="lead">{escape(tr(lang, "versions.lead"))}</p>' + compare_form(versions, lang)
                    + f'<table class="listing versions"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>')
    html = render_page(view="versions", lang=lang, links=site_links(request, lang), title=tr(lang, "versions.title"),
                       body=body, head='<link rel="stylesheet" href="/api/static/style.css">',
                       switch_href=switch_href(request, "en" if lang == "fr" else "fr"))
    return html_page(html, lang)
