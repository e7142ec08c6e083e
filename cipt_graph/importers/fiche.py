"""What an RNCP fiche holds once read from an export, and the export's value formats."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cached_property

from ..errors import InputError
from ..text import clean_code, clean_line, clean_text
from .competencies import split_competencies
from .limits import ImportLimits, LimitError, count_fr

_LEVEL = re.compile(r"^NIV([1-8])$")
_FICHE_NUMBER = re.compile(r"^RNCP[0-9]+$")


@dataclass
class Code:
    """An entry of a code list (ROME, NSF): its code and the label the fiche gives it."""

    code: str
    label: str = ""


@dataclass
class Certifier:
    """A certifier (certificateur): SIRET and name."""

    siret: str
    name: str = ""


@dataclass
class Block:
    """A competency block of a fiche, keyed by (fiche number, code).

    Attributes:
        code: the official code (``RNCP35625BC01``).
        label: ``LIBELLE``.
        competency_list: ``LISTE_COMPETENCES`` as given (raw text).
        evaluation: ``MODALITES_EVALUATION`` as given.
    """

    code: str
    label: str = ""
    competency_list: str = ""
    evaluation: str = ""

    @cached_property
    def competencies(self) -> list[str]:
        """The competency list split into items (see :mod:`.competencies`)."""
        return split_competencies(self.competency_list)


@dataclass
class Fiche:
    """One certification of the register (a ``<FICHE>`` of the XML export, or a CSV row set).

    Dates are ``datetime.date``; ``level`` is 1–8 or None (no European level given).
    """

    number: str
    title: str = ""
    level: int | None = None
    state: str = ""
    active: bool | None = None
    registration_type: str = ""
    publication_date: dt.date | None = None
    decision_date: dt.date | None = None
    effective_date: dt.date | None = None
    registration_end_date: dt.date | None = None
    delivery_end_date: dt.date | None = None
    certifiers: list[Certifier] = field(default_factory=list)
    rome: list[Code] = field(default_factory=list)
    nsf: list[Code] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    replaces: list[str] = field(default_factory=list)
    where: str = ""


def is_fiche_number(value: str) -> bool:
    """Whether ``value`` is an RNCP fiche number (``RNCP`` then digits); RS fiches are not."""
    return bool(_FICHE_NUMBER.match(value))


def parse_date(value: str | None, *, where: str, what: str) -> dt.date | None:
    """A ``DD/MM/YYYY`` date of the export (None when empty).

    Raises:
        InputError: the value is not a date in that format.
    """
    value = (value or "").strip()
    if not value:
        return None
    try:
        return dt.datetime.strptime(value, "%d/%m/%Y").date()
    except ValueError:
        raise InputError(f"{what}: {value!r} is not a date DD/MM/YYYY", where=where,
                         fr=f"{what} : {value!r} n'est pas une date JJ/MM/AAAA") from None


def parse_bool(value: str | None, *, where: str, what: str) -> bool | None:
    """An ``Oui``/``Non`` flag (None when empty); the CSV's ``ACTIVE``/``INACTIVE`` too.

    Raises:
        InputError: any other value.
    """
    value = (value or "").strip()
    if not value:
        return None
    folded = value.casefold()
    if folded in ("oui", "active"):
        return True
    if folded in ("non", "inactive"):
        return False
    raise InputError(f"{what}: {value!r} is neither Oui nor Non", where=where,
                     fr=f"{what} : {value!r} n'est ni Oui ni Non")


def parse_level(value: str | None, *, where: str, what: str) -> int | None:
    """The European level ``NIV3``…``NIV8`` as an integer.

    Old fiches carry no level or a placeholder (``REPRISE``, "Sans niveau"): None.

    Raises:
        InputError: a value that looks like a level but is out of range (``NIV9``).
    """
    value = (value or "").strip().upper()
    match = _LEVEL.match(value)
    if match:
        return int(match.group(1))
    if value.startswith("NIV"):
        raise InputError(f"{what}: {value!r} is not a level NIV1…NIV8", where=where,
                         fr=f"{what} : {value!r} n'est pas un niveau NIV1…NIV8")
    return None


def normalise_fiche(fiche: Fiche) -> Fiche:
    """The fiche with every text field put through the text policy (docs/text.md), in place.

    Codes and numbers: :func:`~cipt_graph.text.clean_code`; titles, labels, names:
    :func:`~cipt_graph.text.clean_line`; competency lists and evaluation modes, kept raw as
    given: :func:`~cipt_graph.text.clean_text` (line separators → ``\\n``, controls → U+FFFD, NFC).
    """
    fiche.number = clean_code(fiche.number)
    fiche.title, fiche.state = clean_line(fiche.title), clean_line(fiche.state)
    fiche.registration_type = clean_line(fiche.registration_type)
    for c in fiche.certifiers:
        c.siret, c.name = clean_code(c.siret), clean_line(c.name)
    for code in (*fiche.rome, *fiche.nsf):
        code.code, code.label = clean_code(code.code), clean_line(code.label)
    for b in fiche.blocks:
        b.code, b.label = clean_code(b.code), clean_line(b.label)
        b.competency_list, b.evaluation = clean_text(b.competency_list), clean_text(b.evaluation)
        b.__dict__.pop("competencies", None)  # the cached split, if any, is of the old text
    fiche.replaces = [clean_code(r) for r in fiche.replaces]
    return fiche


def check_fiche(fiche: Fiche, limits: ImportLimits) -> None:
    """Refuse a fiche past ``max_items_per_fiche`` (blocks, codes, certifiers, lineage and
    competency items together), ``max_field_chars`` (any one text) or ``max_fiche_chars`` (all).

    Raises:
        LimitError: the limit, the fiche and the field are named.
    """
    texts = [("INTITULE", fiche.title), ("TYPE_ENREGISTREMENT", fiche.registration_type)]
    texts += [(f"certifier {c.siret}", c.name) for c in fiche.certifiers]  # ("certifier": worded below)
    texts += [(f"code {c.code}", c.label) for c in (*fiche.rome, *fiche.nsf)]
    for b in fiche.blocks:
        texts += [(f"{b.code} LIBELLE", b.label), (f"{b.code} LISTE_COMPETENCES", b.competency_list),
                  (f"{b.code} MODALITES_EVALUATION", b.evaluation), (f"{b.code} CODE", b.code)]
    for what, value in texts:
        if len(value) > limits.max_field_chars:
            raise LimitError("max_field_chars", limits.max_field_chars,
                             f"{what} holds {len(value)} characters", where=fiche.where, status=413,
                             fr=f"{what.replace('certifier ', 'certificateur ')} contient {count_fr(len(value))} caractères")
    total = sum(len(value) for _, value in texts)
    if total > limits.max_fiche_chars:
        raise LimitError("max_fiche_chars", limits.max_fiche_chars,
                         f"fiche {fiche.number} holds {total} characters of text", where=fiche.where,
                         fr=f"la fiche {fiche.number} contient {count_fr(total)} caractères de texte")
    items = (len(fiche.blocks) + len(fiche.certifiers) + len(fiche.rome) + len(fiche.nsf) + len(fiche.replaces)
             + sum(len(b.competencies) for b in fiche.blocks))
    if items > limits.max_items_per_fiche:
        raise LimitError("max_items_per_fiche", limits.max_items_per_fiche,
                         f"fiche {fiche.number} has {items} entries", where=fiche.where,
                         fr=f"la fiche {fiche.number} a {count_fr(items)} entrées")
