"""What an edited workbook says (links, metadata) and what is wrong with it (cell errors), in
French and English."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from ..errors import InputError
from ..mapping import MAX_RATIONALE_CHARS

#: Longest rationale (characters); the limits on the file itself are :class:`.limits.SheetLimits`.
MAX_TEXT = MAX_RATIONALE_CHARS
MAX_ERRORS_SHOWN = 200


@dataclass(frozen=True)
class CellError:
    """One problem in the workbook: sheet, cell reference (``F7``, ``B:B``, or empty) and what."""

    sheet: str
    cell: str
    message: str
    en: str = ""  # the message in English (the command line's and the site's English)

    def __str__(self) -> str:
        where = f"{self.sheet}!{self.cell}" if self.cell else self.sheet
        return f"{where}: {self.message}"

    def text(self, lang: str = "fr") -> str:
        """The message in ``lang`` (French unless ``en`` and an English text is known)."""
        return self.en if lang == "en" and self.en else self.message

    def show(self, lang: str = "fr") -> str:
        """``sheet!cell: message`` in ``lang`` (``sheet!cell : message`` in French, a no-break
        space before the colon)."""
        from ..i18n import colon

        where = f"{self.sheet}!{self.cell}" if self.cell else self.sheet
        return f"{where}{colon(lang)}{self.text(lang)}"

    def as_dict(self, lang: str = "fr") -> dict[str, str]:
        """``{"sheet", "cell", "message"}``, the message in ``lang``."""
        return {"sheet": self.sheet, "cell": self.cell, "message": self.text(lang)}


#: The heading of a workbook's error list and its "… and N more" line, by language (CLDR plurals).
_ERRORS_HEAD = {"fr": {"one": "{n} erreur, rien n'a été appliqué :", "other": "{n} erreurs, rien n'a été appliqué :"},
                "en": {"one": "{n} error, nothing was applied:", "other": "{n} errors, nothing was applied:"}}
_MORE = {"fr": {"one": "… et {n} autre", "other": "… et {n} autres"},
         "en": {"one": "… and {n} more", "other": "… and {n} more"}}


def errors_text(errors: list[CellError], lang: str) -> str:
    """A workbook's errors in ``lang``: a heading (``3 erreurs, rien n'a été appliqué :``), then
    one indented ``sheet!cell: message`` line each, at most :data:`MAX_ERRORS_SHOWN`."""
    from ..i18n import plural

    shown = [e.show(lang) for e in errors[:MAX_ERRORS_SHOWN]]
    if len(errors) > MAX_ERRORS_SHOWN:
        shown.append(plural(lang, len(errors) - MAX_ERRORS_SHOWN, _MORE[lang]))
    return plural(lang, len(errors), _ERRORS_HEAD[lang]) + "\n  " + "\n  ".join(shown)


class MatrixError(InputError):
    """The workbook is not a valid matrix: ``errors`` lists every problem found, each with its
    sheet and cell; the message (``fr``, ``en``) is the list in each language (:func:`errors_text`)."""

    def __init__(self, errors: list[CellError], *, where: str | None = None) -> None:
        self.errors = errors
        french = errors_text(errors, "fr")
        super().__init__(french, where=where, fr=french, en=errors_text(errors, "en"))


@dataclass
class EditedLink:
    """A link as the workbook states it."""

    level: str
    hours: Decimal | None = None
    status: str | None = None
    rationale: str | None = None
    cell: str = ""


@dataclass
class MatrixEdit:
    """The workbook's content once checked: links by (module, competency), and its metadata."""

    links: dict[tuple[str, str], EditedLink] = field(default_factory=dict)
    meta: dict[str, str] = field(default_factory=dict)
    modules_read: set[str] = field(default_factory=set)
    #: (module, competency) of the matrix cells refused (a formula, a level off the scale): already
    #: reported, so their Justifications row is not reported again as "a link without a level".
    cells_refused: set[tuple[str, str]] = field(default_factory=set)
    #: The activity and objective links of the sheets the workbook has (:func:`.links.read_link_sheets`).
    others: dict[str, dict] = field(default_factory=dict)

    @property
    def base_sha256(self) -> str | None:
        return self.meta.get("mapping_sha256")
