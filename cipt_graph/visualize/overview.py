"""The university overview (issue #16): every programme with its key figures, searchable, sortable
and paged, then the certifications several programmes share and which of them cover which block.

Drawn from the named queries ``programmes`` and ``certification_coverage``; served at
``/programmes`` (and at ``/`` when the dataset holds several programmes). Search, sort and
paging are query parameters, so every state of the table is a link and works without script.
"""

from __future__ import annotations

import unicodedata
from collections import OrderedDict
from dataclasses import dataclass, replace
from html import escape

from .. import i18n
from ..i18n import number
from ..store import Store
from .data import records
from .page import Links, render_page

#: Sortable columns: parameter value → (row key, label key).
COLUMNS: "OrderedDict[str, str]" = OrderedDict([
    ("code", "programme_code"), ("label", "programme_label"), ("rncp", "rncp_number"),
    ("declared", "declared"), ("listed", "listed"), ("modules", "modules"),
    ("coverage", "coverage_percent"), ("uncovered", "uncovered"), ("empty", "empty_modules"),
    ("validated", "validated_percent"),
])
PER_PAGE = 50

_TEXT = {
    "fr": {
        "title": "Vue d'ensemble de l'université", "lead": "Les formations et leurs chiffres clés ; "
        "un clic sur une formation ouvre son tableau de bord.", "search": "Rechercher", "go": "Filtrer",
        "code": "Code", "label": "Formation", "rncp": "Certification", "declared": "Heures déclarées",
        "listed": "Heures listées", "modules": "Modules", "coverage": "Couverture (%)",
        "uncovered": "Compétences non couvertes", "empty": "Modules sans compétence", "validated": "Liens validés (%)",
        "count": {"one": "{n} formation sur {total}", "other": "{n} formations sur {total}"}, "page": "Page {page} sur {pages}", "prev": "Précédente",
        "next": "Suivante", "shared": "Certifications partagées",
        "shared_lead": "Certifications que plusieurs formations délivrent : pour chaque bloc, les compétences "
        "que les modules de chaque formation couvrent.", "block": "Bloc", "none": "Aucune certification partagée.",
        "programmes_n": {"one": "{n} formation", "other": "{n} formations"},
    },
    "en": {
        "title": "University overview", "lead": "The programmes and their key figures; a click on a programme "
        "opens its dashboard.", "search": "Search", "go": "Filter",
        "code": "Code", "label": "Programme", "rncp": "Certification", "declared": "Hours declared",
        "listed": "Hours listed", "modules": "Modules", "coverage": "Coverage (%)",
        "uncovered": "Uncovered competencies", "empty": "Modules without competency", "validated": "Links validated (%)",
        "count": {"one": "{n} programme of {total}", "other": "{n} programmes of {total}"}, "page": "Page {page} of {pages}", "prev": "Previous",
        "next": "Next", "shared": "Shared certifications",
        "shared_lead": "Certifications several programmes award: for each block, the competencies each "
        "programme's modules cover.", "block": "Block", "none": "No shared certification.",
        "programmes_n": {"one": "{n} programme", "other": "{n} programmes"},
    },
}


def _t(lang: str, key: str, **values: object) -> str:
    text = i18n.typeset(_TEXT.get(lang, _TEXT["fr"])[key], lang)  # French signs kept on their line
    return text.format(**values) if values else text


def _counted(lang: str, key: str, n: int, **values: int) -> str:
    """A counted phrase with real plurals (CLDR, through Babel: « 1 formation », « 0 formation »,
    "0 programmes"), every number written as the locale does."""
    text = i18n.plural(lang, n, _TEXT.get(lang, _TEXT["fr"])[key])
    return text.format(**{k: i18n.number(v, lang) for k, v in values.items()}) if values else text


@dataclass
class OverviewPage:
    """One page of the programme table.

    Attributes:
        rows: the programmes shown (rows of the ``programmes`` query).
        total: programmes in the dataset; matching: those the search keeps.
        page, pages: this page's number (from 1) and how many there are.
    """

    rows: list[dict]
    total: int
    matching: int
    page: int
    pages: int
    query: str
    sort: str
    order: str


class PageOutOfRange(ValueError):
    """A page number past the last page of the table (``pages``: how many there are)."""

    def __init__(self, page: int, pages: int) -> None:
        super().__init__(f"page {page} of {pages}")
        self.page, self.pages = page, pages


def folded(text: str) -> str:
    """``text`` for a search that ignores case, accents and the apostrophe's form (``Géographie`` →
    ``geographie``; ``l’éducation`` → ``l'education``, as French text is typed either way) and
    runs of spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold()).translate(_APOSTROPHES)
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


#: The apostrophes French text is typed with (typographic, modifier letter, prime), as ``'``.
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u02bc": "'", "\u2032": "'", "\u2018": "'"})


def overview_page(store: Store, lang: str, *, query: str = "", sort: str = "code", order: str = "asc",
                  page: int = 1, per_page: int = PER_PAGE) -> OverviewPage:
    """The programmes matching ``query`` (in code, label or RNCP number, any case, accents or not),
    sorted by ``sort`` (a key of :data:`COLUMNS`) in ``order`` (``asc``/``desc``), page ``page``
    of ``per_page``.

    Raises:
        ValueError: ``sort`` or ``order`` is not one of the accepted values.
        PageOutOfRange: ``page`` is past the last page (the first page always exists).
    """
    if sort not in COLUMNS:
        raise ValueError(f"sort is one of {', '.join(COLUMNS)}, not {sort!r}")
    if order not in ("asc", "desc"):
        raise ValueError(f"order is asc or desc, not {order!r}")
    rows = records(store, "programmes", lang=lang)
    needle = folded(query.strip())
    kept = [r for r in rows if not needle or any(needle in folded(str(r.get(k) or ""))
                                                 for k in ("programme_code", "programme_label", "rncp_number"))]
    key = COLUMNS[sort]
    missing = [r for r in kept if r.get(key) is None]
    present = sorted((r for r in kept if r.get(key) is not None),
                     key=lambda r: (r[key].casefold() if isinstance(r[key], str) else r[key], r["programme_code"] or ""),
                     reverse=order == "desc")
    kept = present + missing  # programmes without the figure last, whatever the order
    pages = max(1, -(-len(kept) // per_page))
    if page > pages:
        raise PageOutOfRange(page, pages)
    page = max(1, page)
    return OverviewPage(kept[(page - 1) * per_page: page * per_page], len(rows), len(kept), page, pages,
                        query, sort, order)


def _figure(value: object, lang: str) -> str:
    return "—" if value is None else number(value, lang)


def render_overview(store: Store, lang: str, links: Links, *, query: str = "", sort: str = "code",
                    order: str = "asc", page: int = 1) -> str:
    """The overview page (HTML): the programme table, then the shared certifications. Its header
    and footer are the neutral ones (it is about every programme, not one)."""
    links = replace(links, identity=None)
    view = overview_page(store, lang, query=query, sort=sort, order=order, page=page)

    def here(in_lang: str = lang, **change: object) -> str:
        params = {"q": view.query or None, "sort": view.sort, "order": view.order, "page": str(view.page)}
        params.update({k: (str(v) if v is not None else None) for k, v in change.items()})
        return links.url("/programmes", in_lang, **params)

    heads = []
    for name in COLUMNS:
        flip = "desc" if view.sort == name and view.order == "asc" else "asc"
        sort_state = (' aria-sort="ascending"' if view.order == "asc" else ' aria-sort="descending"') \
            if view.sort == name else ""
        heads.append(f'<th scope="col"{sort_state}><a href="{escape(here(sort=name, order=flip, page=1))}">'
                     f'{escape(_t(lang, name))}</a></th>')
    body_rows = []
    for r in view.rows:
        dash = links.url("/", lang, programme=r["programme_code"] or r["programme"])
        cells = [f'<th scope="row"><a href="{escape(dash)}">{escape(r["programme_code"] or "")}</a></th>',
                 f'<td>{escape(r["programme_label"] or "")}</td>', f'<td>{escape(r["rncp_number"] or "")}</td>']
        cells += [f'<td class="num" data-key="{k}">{_figure(r[COLUMNS[k]], lang)}</td>'
                  for k in ("declared", "listed", "modules", "coverage", "uncovered", "empty", "validated")]
        body_rows.append(f'<tr data-programme="{escape(r["programme"])}">{"".join(cells)}</tr>')
    nav = [escape(_counted(lang, "count", view.matching, total=view.total)), " · ",
           escape(_t(lang, "page", page=view.page, pages=view.pages))]
    if view.page > 1:
        nav.append(f' · <a rel="prev" href="{escape(here(page=view.page - 1))}">{escape(_t(lang, "prev"))}</a>')
    if view.page < view.pages:
        nav.append(f' · <a rel="next" href="{escape(here(page=view.page + 1))}">{escape(_t(lang, "next"))}</a>')
    form = (f'<form class="search" method="get" action="/programmes" role="search">'
            f'<input type="hidden" name="lang" value="{lang}"><input type="hidden" name="sort" value="{escape(view.sort)}">'
            f'<input type="hidden" name="order" value="{escape(view.order)}">'
            f'<label>{escape(_t(lang, "search"))} <input type="search" name="q" value="{escape(view.query)}"></label> '
            f'<button type="submit">{escape(_t(lang, "go"))}</button></form>') if not links.standalone else ""
    table = (f'<table class="programmes"><thead><tr>{"".join(heads)}</tr></thead>'
             f'<tbody>{"".join(body_rows)}</tbody></table>')
    body = (f'<p class="lead">{escape(_t(lang, "lead"))}</p>{form}<p class="pager">{"".join(nav)}</p>{table}'
            f'{_shared(store, lang, links)}')
    return render_page(view=None, lang=lang, links=links, title=_t(lang, "title"), body=body,
                       styles=("overview.css",),  # a site file: the policy allows no inline style
                       switch_href=None if links.standalone else here("en" if lang == "fr" else "fr"))


def _shared(store: Store, lang: str, links: Links) -> str:
    """One table per shared certification: its blocks as rows, its programmes as columns."""
    certs: "OrderedDict[str, dict]" = OrderedDict()
    for r in records(store, "certification_coverage", lang=lang):
        if r["programme_count"] < 2:
            continue
        cert = certs.setdefault(r["certification"], {"row": r, "programmes": OrderedDict(), "blocks": OrderedDict()})
        cert["programmes"][r["programme"]] = r["programme_code"]
        block = cert["blocks"].setdefault(r["block"], {"row": r, "covered": {}})
        block["covered"][r["programme"]] = r["covered"]
    if not certs:
        return f'<h2>{escape(_t(lang, "shared"))}</h2><p>{escape(_t(lang, "none"))}</p>'
    parts = [f'<h2 id="shared">{escape(_t(lang, "shared"))}</h2><p class="lead">{escape(_t(lang, "shared_lead"))}</p>']
    for iri, cert in certs.items():
        head = cert["row"]
        cols = "".join(f'<th scope="col">{escape(code or "")}</th>' for code in cert["programmes"].values())
        rows = []
        for block in cert["blocks"].values():
            b = block["row"]
            cells = []
            for programme in cert["programmes"]:
                covered = block["covered"].get(programme, 0)
                full = " full" if covered == b["competencies"] else (" none" if covered == 0 else "")
                cells.append(f'<td class="num{full}" data-programme="{escape(programme)}">'
                             f'{number(covered, lang)} / {number(b["competencies"], lang)}</td>')
            rows.append(f'<tr data-block="{escape(b["block_code"])}"><th scope="row">{escape(b["block_code"])}'
                        f'<small>{escape(b["block_label"] or "")}</small></th>{"".join(cells)}</tr>')
        title = " — ".join(x for x in (head["rncp_number"], head["certification_label"]) if x)
        parts.append(f'<section class="cert" data-certification="{escape(iri)}"><h3>{escape(title)} '
                     f'<span class="note">({escape(_counted(lang, "programmes_n", int(head["programme_count"])))})</span></h3>'
                     f'<table class="shared"><thead><tr><th scope="col">{escape(_t(lang, "block"))}</th>{cols}</tr></thead>'
                     f'<tbody>{"".join(rows)}</tbody></table></section>')
    return "".join(parts)


OVERVIEW_CSS = """
form.search { margin: .4rem 0; }
form.search input[type=search] { padding: .3rem .5rem; min-width: 18rem; }
table.programmes, table.shared { border-collapse: collapse; width: 100%; margin: .4rem 0 1rem; font-size: .88rem; }
table.programmes th, table.programmes td, table.shared th, table.shared td { border: 1px solid #cbd2d9; padding: .25rem .45rem; text-align: left; }
table.programmes thead th, table.shared thead th { background: #eef2f7; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.full { background: #e3f2e8; }
td.none { background: #fde8e8; }
table.shared th small { display: block; font-weight: 400; color: #52606d; }
section.cert h3 { font-size: 1rem; margin: 1rem 0 .3rem; }
"""
