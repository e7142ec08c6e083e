"""Coverage views for the pedagogical team: dashboard, network, matrix and job readiness.

Each view is one self-contained HTML page drawn from named queries, served by the HTTP service
(``/``, ``/graph``, ``/matrix``, ``/jobs``) or written as standalone files by ``cipt viz``.
No web framework here: the routes live in ``cipt_graph.api.views``.
"""

from __future__ import annotations

import os
from contextlib import nullcontext
from dataclasses import replace
from collections.abc import Callable
from pathlib import Path

from ..errors import CiptError, os_reason
from ..store import Store, select
from ..queries import resolve_programme
from .dashboard import render_dashboard
from .data import current_programme, programme_scope
from .i18n import DEFAULT_LANG, LANGS, check_lang
from .jobs import render_jobs
from .matrix import matrix_csv, matrix_xlsx, render_matrix
from .network import render_network
from .identity import site_identity
from .page import Links

_TWO_PROGRAMMES = "PREFIX cipt: <https://w3id.org/cipt-graph/ontology#> SELECT ?p WHERE { ?p a cipt:Programme } LIMIT 2"

#: View name → renderer ``(store, lang, links) -> HTML``.
RENDERERS: dict[str, Callable[[Store, str, Links], str]] = {
    "dashboard": render_dashboard,
    "graph": render_network,
    "matrix": render_matrix,
    "jobs": render_jobs,
}

#: The files ``write_views`` writes, by view name (and the matrix exports).
FILE_NAMES = {"dashboard": "index.html", "graph": "graph.html", "matrix": "matrix.html", "jobs": "jobs.html"}


def render_view(store: Store, view: str, lang: str = DEFAULT_LANG, links: Links | None = None,
                programme: str | None = None) -> str:
    """The HTML of one view (``dashboard``, ``graph``, ``matrix``, ``jobs``) in ``lang``, about
    ``programme`` (its code or IRI; None: the programme of an enclosing ``programme_scope``, else
    every programme of the dataset, which is its only one in the usual case).

    Raises:
        QueryError: ``programme`` names no programme.
    """
    links = links or Links()
    if programme is not None:
        programme = resolve_programme(store, programme).value  # an unknown one is an error, not an empty page
    with programme_scope(programme) if programme is not None else nullcontext():
        if links.identity is None:  # the header and footer name the programme (from its data)
            links = replace(links, identity=site_identity(store, check_lang(lang), current_programme()))
        return RENDERERS[view](store, check_lang(lang), links)


def write_views(store: Store, out: str | os.PathLike[str], lang: str = DEFAULT_LANG,
                programme: str | None = None) -> list[Path]:
    """Write every view as a standalone HTML file (plus ``matrix.csv`` and ``matrix.xlsx``) into ``out``.

    With ``programme`` (code or IRI), the views are about that programme; without it the data
    must hold only one.

    Every file is rendered before any is written, and each is written to a temporary name then
    renamed: a failure leaves no half-written file.

    Raises:
        CiptError: ``out`` exists and is not a folder, or cannot be written; several programmes
            and none given.
        QueryError: ``programme`` names no programme.
    """
    check_lang(lang)
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise CiptError("not a folder", where=str(folder), fr="ce n'est pas un dossier")
    links = Links(standalone=True)
    if programme is None and len(select(store, _TWO_PROGRAMMES)) > 1:
        raise CiptError("the data holds several programmes: give the one the views are about "
                        "(--programme, its code or IRI; `cipt query programmes` lists them)",
                        fr="les données contiennent plusieurs programmes : donnez celui des vues (--programme, son "
                           "code ou son IRI ; `cipt query programmes` les liste)")
    with programme_scope(programme):
        if programme is not None:
            resolve_programme(store, programme)
        links = replace(links, identity=site_identity(store, lang, programme))
        contents: dict[str, bytes] = {name: RENDERERS[view](store, lang, links).encode("utf-8")
                                      for view, name in FILE_NAMES.items()}
        contents["matrix.csv"] = matrix_csv(store, lang).encode("utf-8")
        contents["matrix.xlsx"] = matrix_xlsx(store, lang)
    written = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in contents.items():
            target = folder / name
            tmp = target.with_name(f".{name}.tmp")
            tmp.write_bytes(data)
            tmp.replace(target)
            written.append(target)
    except OSError as exc:
        raise CiptError(f"cannot write the views: {exc}", where=str(folder),
                        fr=f"impossible d'écrire les vues : {os_reason(exc, 'fr')}",
                        en=f"cannot write the views: {os_reason(exc, 'en')}") from exc
    return written


__all__ = ["LANGS", "Links", "RENDERERS", "FILE_NAMES", "render_view", "write_views", "matrix_csv", "matrix_xlsx"]
