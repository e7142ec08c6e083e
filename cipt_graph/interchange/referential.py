"""The referential and its mapping as plain values, read from a store through named queries.

``load_referential(store)`` runs ``programme_identity`` (fr and en), ``referential_items``,
``coverage_matrix`` and ``coverage_levels`` (fr and en) and returns a :class:`Referential`; the
exporters (CASE, Moodle, ELM) only format it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import QueryError
from ..queries import run_query
from ..store import Store, iter_records


@dataclass(frozen=True)
class Item:
    """A block or a competency.

    Attributes:
        iri: its IRI; kind: ``block`` or ``competency``; code: its notation (``BC01``, ``BC01-C1``);
        official_code: the RNCP code once a fiche is imported (``RNCP38175BC01``) or None;
        label_fr, label_en: its labels; parent: the certification (block) or block (competency) IRI;
        exact_matches: official blocks it matches (skos:exactMatch), as (IRI, official code or None).
    """

    iri: str
    kind: str
    code: str
    official_code: str | None
    label_fr: str
    label_en: str
    parent: str
    exact_matches: tuple[tuple[str, str | None], ...] = ()


@dataclass(frozen=True)
class ModuleLink:
    """A module → competency coverage link with its level (``coverage_matrix`` row)."""

    module: str
    module_code: str
    module_label: str
    competency: str
    level_code: str


@dataclass(frozen=True)
class Level:
    """A level of the coverage scale, lowest rank first."""

    iri: str
    code: str
    rank: int
    label_fr: str
    label_en: str


@dataclass
class Referential:
    """The certification's referential, its module links and the coverage scale.

    ``declared_hours`` is the programme's volume in hours (an int); dates are ``YYYY-MM-DD``.
    """

    certification: str
    rncp_number: str
    title_fr: str
    title_en: str
    programme: str
    programme_fr: str
    programme_en: str
    provider: str
    certifier: str
    qualification_level: int | None
    declared_hours: int | None
    registration_date: str | None
    items: list[Item] = field(default_factory=list)
    links: list[ModuleLink] = field(default_factory=list)
    levels: list[Level] = field(default_factory=list)

    @property
    def blocks(self) -> list[Item]:
        return [i for i in self.items if i.kind == "block"]

    def competencies_of(self, block: str) -> list[Item]:
        return [i for i in self.items if i.kind == "competency" and i.parent == block]


def _rows(store: Store, name: str, **params) -> list[dict]:
    return list(iter_records(run_query(store, name, params)))


def load_referential(store: Store, programme: str | None = None) -> Referential:
    """The certification referential of ``programme`` (its IRI), else of the dataset's first
    programme with a certification (the only one, but for a university: callers that serve
    several programmes resolve one first, issue #16).

    Raises:
        QueryError: the store holds no programme with a certification, or ``programme`` has none.
    """
    scope = {"programme": programme} if programme else {}
    rows = _rows(store, "programme_identity", lang="fr", **scope)
    fr = [r for r in rows if r["certification"]]
    if not fr and programme:
        code = next((r["identifier"] for r in rows if r["identifier"]), programme.rsplit("/", 1)[-1])
        raise QueryError(f"programme {code!r} has no certification to export",
                         fr=f"le programme « {code} » n'est rattaché à aucune certification à exporter")
    if not fr:
        raise QueryError("the store holds no programme with a certification to export",
                         fr="l'entrepôt ne contient aucun programme rattaché à une certification à exporter")
    ident = fr[0]
    en = next((r for r in _rows(store, "programme_identity", lang="en", programme=ident["programme"])
               if r["programme"] == ident["programme"]), {})
    cert = ident["certification"]
    items: dict[str, Item] = {}
    for r in _rows(store, "referential_items", certification=cert):
        match = ((r["exact_match"], r["exact_match_code"]),) if r["exact_match"] else ()
        known = items.get(r["item"])
        if known:
            if match and match[0] not in known.exact_matches:
                items[r["item"]] = Item(**{**known.__dict__, "exact_matches": known.exact_matches + match})
            continue
        items[r["item"]] = Item(r["item"], r["kind"], r["code"], r["official_code"], r["label_fr"] or "",
                                r["label_en"] or r["label_fr"] or "", r["parent"], match)
    in_ref = {i.iri for i in items.values() if i.kind == "competency"}
    links = sorted({ModuleLink(r["module"], r["module_code"], r["module_label"], r["competency"], r["level_code"])
                    for r in _rows(store, "coverage_matrix", lang="fr", programme=ident["programme"])
                    if r["competency"] in in_ref and r["programme"] == ident["programme"]},
                   key=lambda l: (l.competency, l.module_code))
    en_levels = {r["level"]: r["level_label"] for r in _rows(store, "coverage_levels", lang="en")}
    levels = [Level(r["level"], r["level_code"], int(r["level_rank"]), r["level_label"], en_levels.get(r["level"], r["level_label"]))
              for r in _rows(store, "coverage_levels", lang="fr")]
    return Referential(
        certification=cert, rncp_number=ident["rncp_number"] or "",
        title_fr=ident["certification_label"] or "", title_en=en.get("certification_label") or ident["certification_label"] or "",
        programme=ident["programme"], programme_fr=ident["programme_label"],
        programme_en=en.get("programme_label") or ident["programme_label"],
        provider=ident["provider_label"] or "", certifier=ident["certifier_label"] or "",
        qualification_level=ident["qualification_level"], declared_hours=ident["declared_hours"],
        registration_date=ident["registration_date"], items=list(items.values()), links=links, levels=levels,
    )
