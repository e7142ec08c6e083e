"""Error pages for people: the site's header and navigation, the status said in the page's
language, the technical message kept below it (it names the parameter or path at fault)."""

from __future__ import annotations

import dataclasses
import re
from html import escape

from fastapi import Request
from starlette.responses import Response

from ..visualize.i18n import UI, tr
from ..visualize.page import render_page
from .pages import html_page, page_lang, site_links, switch_href


def render_error_page(request: Request, status: int, message: str,
                      headers: dict[str, str] | None = None, *, message_lang: str = "en",
                      title: str | None = None) -> Response:
    """The HTML answer for an error ``status`` with the ``message`` (in ``message_lang``);
    ``title``: the catalogue key of a title more precise than the status's (its lead is then the
    message alone)."""
    asked = request.query_params.get("lang")
    lang = page_lang(request, asked if asked in ("fr", "en") else None)
    links = site_links(request, lang)
    if _blames_programme(status, message, title):  # its links would give the same error again
        links = dataclasses.replace(links, keep=tuple(p for p in links.keep if p[0] != "programme"))
    key = title if title in UI[lang] else f"error.{status}"
    title = tr(lang, key) if key in UI[lang] else tr(lang, "error.other")
    if key != f"error.{status}":
        lead = f"{title}."
    elif status == 404:
        lead = tr(lang, "error.not_found", path=request.url.path)
    else:
        lead = f"{tr(lang, 'error.title', status=status)}."
    body = (f'<div class="error-page"><p class="lead">{escape(lead)}</p>'
            f'<p class="detail"><span>{escape(tr(lang, "error.detail"))}</span> <span lang="{message_lang}">{escape(message)}</span></p>'
            f'<p><a href="{escape(links.view("dashboard", lang))}">{escape(tr(lang, "error.home"))}</a></p></div>')
    html = render_page(view=None, lang=lang, links=links, title=f"{status} · {title}", body=body,
                       head='<link rel="stylesheet" href="/api/static/style.css">',
                       switch_href=switch_href(request, "en" if lang == "fr" else "fr"))
    return html_page(html, lang, status_code=status, headers=headers)


#: A message refusing the ``programme`` parameter itself (as :func:`.errors.programme_error` and
#: :mod:`.blank_params` word it, in French or English).
_PROGRAMME_REFUSED = re.compile(r"^(?:paramètre\s«\s*programme\s*»|parameter 'programme'|programme:)")


def _blames_programme(status: int, message: str, title: str | None) -> bool:
    """Whether the error is the request's ``programme`` itself (unknown, malformed, given twice):
    the page's links then leave it out, since each would answer the same error."""
    return status in (400, 404) and (title == "error.unknown_programme" or bool(_PROGRAMME_REFUSED.match(message)))
