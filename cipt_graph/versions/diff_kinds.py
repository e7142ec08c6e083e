"""The other kinds of change between two versions: activity and objective links, modules, the RNCP
reconciliation and the imported fiches.

Each kind is read from both stores with one named query (``module_links``, ``modules``,
``rncp_reconciliation``, ``rncp_fiches``), keyed, and compared field by field. Each kind gives a
:class:`KindChanges`: ``added`` and ``removed`` (rows only in ``b`` / only in ``a``) and
``changed`` (rows in both whose compared fields differ; each with ``fields``, the names of what
differs, and ``before`` / ``after``, their values).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from babel import Locale

from ..i18n import typeset
from ..queries import run_query
from ..store import Store, iter_records

Row = dict[str, object]


@dataclass
class KindChanges:
    """Rows added, removed and changed for one kind of data (see the module's docstring)."""

    added: list[Row] = field(default_factory=list)
    removed: list[Row] = field(default_factory=list)
    changed: list[Row] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def as_dict(self) -> dict[str, list[Row]]:
        return {"added": self.added, "removed": self.removed, "changed": self.changed}


@dataclass(frozen=True)
class Scope:
    """Which part of the data a diff is about.

    Attributes:
        several: the data holds several programmes.
        programme: the IRI of the one programme chosen (None: every programme).
        modules: the codes of that programme's modules (in either version).
        certifications: the RNCP numbers of the certification it awards (in either version).
    """

    several: bool = False
    programme: str | None = None
    modules: frozenset[str] = frozenset()
    certifications: frozenset[str] = frozenset()

    def keeps(self, row: Row) -> bool:
        """Whether a row of the other kinds belongs to the programme (always, without one)."""
        if self.programme is None:
            return True
        if "module_code" in row:
            return str(row["module_code"]) in self.modules
        if "certification" in row:
            return str(row["certification"]) in self.certifications
        if "number" in row:
            return str(row["number"]) in self.certifications
        return True


@dataclass(frozen=True)
class Kind:
    """How one kind is read and compared.

    Attributes:
        query: the named query giving the rows.
        key: the columns identifying a row (and kept in every entry of the diff).
        fields: compared columns, by the name they get in the diff → the query's column.
        labels: descriptive columns copied into every entry (from ``b`` when present).
        keep: which rows count (default: all).
    """

    query: str
    key: tuple[str, ...]
    fields: dict[str, str]
    labels: tuple[str, ...] = ()
    keep: Callable[[Row], bool] = lambda row: True


LINKS = Kind("module_links", ("module", "target"), {"status": "status", "rationale": "rationale"},
             ("module_label", "target_label"))
MODULES = Kind("modules", ("module",), {"label": "module_label", "hours": "module_hours", "period": "period_code"})
RECONCILIATION = Kind("rncp_reconciliation", ("certification", "block", "official_code"),
                      {"official_label": "official_label", "matched_competencies": "matched_competencies"},
                      ("block_label", "fiche_number"), keep=lambda row: row.get("official_block") is not None)
FICHES = Kind("rncp_fiches", ("number",),
              {name: name for name in ("title", "state", "active", "registration_date", "registration_end_date",
                                       "source_title", "blocks", "competencies")},
              keep=lambda row: row.get("fiche") is not None)

#: Query column renamed to the key used in the diff's entries.
RENAME = {"module_code": "module", "target_code": "target", "block_code": "block"}


def _rows(store: Store, kind: Kind, lang: str, only: Callable[[Row], bool] = lambda row: True) -> dict[tuple, Row]:
    params = {"lang": lang} if kind.query != "rncp_fiches" else {}
    out: dict[tuple, Row] = {}
    for raw in iter_records(run_query(store, kind.query, params)):
        if not (kind.keep(raw) and only(raw)):
            continue
        row = dict(raw)
        for source, target in RENAME.items():
            if source in row:
                row[target] = row.pop(source)
        entry = {k: row.get(k) for k in kind.key}
        entry.update({k: row.get(k) for k in kind.labels})
        entry.update({name: row.get(column) for name, column in kind.fields.items()})
        out[tuple(str(row.get(k)) for k in kind.key)] = entry
    return out


def compare_kind(before: dict[tuple, Row], after: dict[tuple, Row], kind: Kind) -> KindChanges:
    """Added, removed and changed rows between two keyed row sets of ``kind`` (sorted by key)."""
    out = KindChanges()
    out.added = [after[k] for k in sorted(after.keys() - before.keys())]
    out.removed = [before[k] for k in sorted(before.keys() - after.keys())]
    for k in sorted(before.keys() & after.keys()):
        old, new = before[k], after[k]
        fields = [name for name in kind.fields if old[name] != new[name]]
        if fields:
            entry = {name: new[name] for name in (*kind.key, *kind.labels)}
            entry.update(fields=fields, before={f: old[f] for f in fields}, after={f: new[f] for f in fields})
            out.changed.append(entry)
    return out


def compare_other_kinds(store_a: Store, store_b: Store, lang: str, scope: Scope | None = None) -> dict[str, KindChanges]:
    """Every kind but module → competency links: ``activity_links``, ``objective_links``,
    ``modules``, ``reconciliation``, ``fiches`` → their changes from ``store_a`` to ``store_b``
    (the rows of ``scope``'s programme only, when it names one)."""
    scope = scope or Scope()
    out: dict[str, KindChanges] = {}
    for name, link_kind in (("activity_links", "activity"), ("objective_links", "objective")):
        def only(row: Row, link_kind: str = link_kind) -> bool:
            return row.get("link_kind") == link_kind and scope.keeps(row)
        out[name] = compare_kind(_rows(store_a, LINKS, lang, only), _rows(store_b, LINKS, lang, only), LINKS)
    for name, kind in (("modules", MODULES), ("reconciliation", RECONCILIATION), ("fiches", FICHES)):
        out[name] = compare_kind(_rows(store_a, kind, lang, scope.keeps), _rows(store_b, kind, lang, scope.keeps), kind)
    return out


# --- text --------------------------------------------------------------------------------------

SECTIONS = {
    "fr": {
        "activity_links": "Liens module → activité", "objective_links": "Liens module → objectif",
        "modules": "Modules", "reconciliation": "Rapprochement avec la fiche RNCP (bloc ↔ bloc officiel)",
        "fiches": "Fiches RNCP importées",
        "added": ("ajout", "ajouts"), "removed": ("retrait", "retraits"),
        "changed": ("modification", "modifications"),
    },
    "en": {
        "activity_links": "Module → activity links", "objective_links": "Module → objective links",
        "modules": "Modules", "reconciliation": "Reconciliation with the RNCP fiche (block ↔ official block)",
        "fiches": "Imported RNCP fiches",
        "added": ("addition", "additions"), "removed": ("removal", "removals"), "changed": ("change", "changes"),
    },
}

FIELD_NAMES = {
    "fr": {"status": "statut", "rationale": "justification", "label": "intitulé", "hours": "heures",
           "period": "période", "official_label": "intitulé officiel", "matched_competencies": "compétences identiques",
           "title": "titre", "state": "état", "active": "active", "registration_date": "date d'enregistrement",
           "registration_end_date": "fin d'enregistrement", "source_title": "export", "blocks": "blocs",
           "competencies": "compétences", "validated_by": "validé par",
           "validation_comment": "commentaire de validation"},
    "en": {"status": "status", "rationale": "rationale", "label": "title", "hours": "hours", "period": "period",
           "official_label": "official title", "matched_competencies": "identical competencies", "title": "title",
           "state": "state", "active": "active", "registration_date": "registration date",
           "registration_end_date": "registration end", "source_title": "export", "blocks": "blocks",
           "competencies": "competencies", "validated_by": "validated by",
           "validation_comment": "validation comment"},
}


#: Mapping statuses as the users read them.
STATUS_WORDS = {"fr": {"proposed": "proposé", "validated": "validé"}, "en": {}}


def status_word(status: object, lang: str) -> str:
    """``proposed`` → ``proposé`` in French; unchanged in English; '' for none."""
    return "" if status is None else STATUS_WORDS["en" if lang == "en" else "fr"].get(str(status), str(status))


def headline(kind: str, row: Row) -> str:
    """The short name of an entry of ``kind``: ``M03 → A07``, ``M14``, ``BC01 ↔ RNCP38175BC01``, ``RNCP38175``."""
    if kind in ("activity_links", "objective_links"):
        return f"{row['module']} → {row['target']}"
    if kind == "modules":
        return str(row["module"])
    if kind == "reconciliation":
        return f"{row['block']} ↔ {row['official_code']}"
    return str(row["number"])


def detail(kind: str, row: Row, number: Callable[[object], str], lang: str = "fr") -> str:
    """What an added or removed entry is: its labels and main values."""
    if kind in ("activity_links", "objective_links"):
        return (f"{row.get('module_label') or ''} / {row.get('target_label') or ''}  "
                f"({status_word(row.get('status'), lang)})")
    if kind == "modules":
        return f"{row.get('label') or ''}  {number(row.get('hours'))} h"
    if kind == "reconciliation":
        return f"{row.get('block_label') or ''}  ({row.get('fiche_number') or ''})"
    return f"{row.get('title') or ''}  ({row.get('source_title') or ''})"


def plain(v: object, lang: str, number: Callable[[object], str], field: str = "") -> str:
    """A compared value as text: '' for none, oui/non (yes/no), numbers as the locale writes them,
    statuses in words (``field`` ``status``)."""
    if v is None:
        return ""
    if field == "status":
        return status_word(v, lang)
    if isinstance(v, bool):
        return ("yes" if v else "no") if lang == "en" else ("oui" if v else "non")
    return number(v) if isinstance(v, (int, float)) else str(v)


#: The longest text (a rationale, a title) a text diff shows of each side, in characters.
TEXT_SHOWN = 120


def shown_value(v: object, lang: str, number: Callable[[object], str], field: str = "") -> str:
    """One side of a change as the text diff shows it: ``—`` for none, hours with ``h``
    (``20 h``, ``12,5 h``), statuses in words, texts (a rationale…) quoted as the language does
    (« … » in French, “…” in English) and cut past :data:`TEXT_SHOWN` characters."""
    if v is None or v == "":
        return "—"
    if field == "hours" and isinstance(v, (int, float, Decimal)) and not isinstance(v, bool):
        return f"{number(v)}\u00a0h"
    text = plain(v, lang, number, field)
    if field in ("rationale", "label", "official_label", "title", "source_title", "validation_comment"):
        text = " ".join(text.split())
        text = text if len(text) <= TEXT_SHOWN else text[:TEXT_SHOWN - 1].rstrip() + "…"
        return typeset(f"« {text} »", "fr") if lang != "en" else f"“{text}”"
    return text


def change_text(row: Row, lang: str, number: Callable[[object], str]) -> str:
    """What changed in a ``changed`` entry (with ``fields``, ``before``, ``after``), field by field:
    ``niveau M → A ; heures 20 h → 30 h ; justification « … » → « … »`` (English: ``level M → A;
    hours 20 h → 30 h; …``)."""
    locale = "en" if lang == "en" else "fr"
    names = {**FIELD_NAMES[locale], "level": "level" if locale == "en" else "niveau"}
    sep = "; " if locale == "en" else " ; "  # (French typography: a narrow no-break space before « ; »)
    return typeset(sep.join(f"{names.get(f, f)} {shown_value(row['before'].get(f), locale, number, f)} → "
                            f"{shown_value(row['after'].get(f), locale, number, f)}" for f in row["fields"]), locale)


def render_kinds(kinds: Iterable[tuple[str, KindChanges]], lang: str, number: Callable[[object], str]) -> list[str]:
    """Text lines for each non-empty kind: ``+`` added, ``-`` removed, ``~`` changed (field before → after)."""
    locale = "en" if lang == "en" else "fr"
    words = SECTIONS[locale]
    plural = Locale.parse(locale).plural_form

    def count(key: str, n: int) -> str:
        return f"{number(n)} {words[key][0 if plural(n) == 'one' else 1]}"

    lines: list[str] = []
    for name, changes in kinds:
        if changes.empty:
            continue
        counts = ", ".join(count(k, len(getattr(changes, k))) for k in ("added", "removed", "changed")
                           if getattr(changes, k))
        lines.append(f"{words[name]} ({counts})")
        lines += [f"  + {headline(name, r)}  {detail(name, r, number, locale)}" for r in changes.added]
        lines += [f"  - {headline(name, r)}  {detail(name, r, number, locale)}" for r in changes.removed]
        lines += [f"  ~ {headline(name, r)}  {change_text(r, locale, number)}" for r in changes.changed]
        lines.append("")
    return lines
