"""Whom a page is about: the header's subtitle and the footer, from the programme's data.

Every page names the programme it is about (issue #16), as the named query
``programme_identity`` gives it: its label in the header; its short name (``skos:altLabel``,
else its identifier), its institution and its certification (RNCP number) in the footer. A page
about no one programme (the university overview, a dataset of several programmes and none
chosen) gets the neutral ``programme`` / ``footer`` strings of the catalog.
"""

from __future__ import annotations

import re

from ..errors import CiptError
from ..queries import resolve_programme, run_query
from ..store import Store, iter_records, select
from .i18n import check_lang, tr

_TWO_PROGRAMMES = "PREFIX cipt: <https://w3id.org/cipt-graph/ontology#> SELECT ?p WHERE { ?p a cipt:Programme } LIMIT 2"


def neutral_identity(lang: str) -> tuple[str, str]:
    """The ``(header subtitle, footer)`` of a page about no one programme."""
    return tr(lang, "programme"), tr(lang, "footer")


def site_identity(store: Store, lang: str, programme: str | None = None) -> tuple[str, str]:
    """``(header subtitle, footer)`` for pages about ``programme`` (its code or IRI; None: the
    dataset's only programme, and the neutral pair when it holds several or none).

    The subtitle is the programme's label in ``lang`` (in French when it has none in ``lang``); the footer reads "Graphe de compétences du
    SHORT · INSTITUTION · RNCP 38175" with the parts the data has. A ``programme`` that names no
    programme gives the neutral pair (the page itself reports the error).
    """
    lang = check_lang(lang)
    try:
        if programme is None:
            found = select(store, _TWO_PROGRAMMES).column("p")
            if len(found) != 1:
                return neutral_identity(lang)
            iri = found[0]
        else:
            iri = resolve_programme(store, programme)
        rows = []
        for label_lang in dict.fromkeys((lang, "fr")):  # a programme labelled in French only keeps its name
            rows = list(iter_records(run_query(store, "programme_identity", {"lang": label_lang, "programme": iri.value})))
            if rows:
                break
    except CiptError:
        return neutral_identity(lang)
    if not rows:
        return neutral_identity(lang)
    row = rows[0]
    label = str(row.get("programme_label") or row.get("identifier") or "")
    name = str(row.get("short_label") or row.get("identifier") or label)
    parts = [tr(lang, "footer.programme", name=name)]
    if row.get("provider_label"):
        parts.append(str(row["provider_label"]))
    if row.get("rncp_number"):
        parts.append(re.sub(r"^RNCP\s*(\d)", r"RNCP \1", str(row["rncp_number"])))
    return label or tr(lang, "programme"), " · ".join(parts)


__all__ = ["neutral_identity", "site_identity"]
