"""The limits on an uploaded workbook (issue #13) and the error naming the one crossed, in French
and English. Values and tests: SECURITY.md; each is a setting ``CIPT_XLSX_<NAME>``."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields

from ..errors import InputError
from ..text import quoted

MiB = 1024 * 1024


@dataclass(frozen=True)
class SheetLimits:
    """Limits on an uploaded workbook. Each is read from ``CIPT_XLSX_<FIELD>`` when set (an integer)."""

    max_bytes: int = 10 * MiB
    max_unzipped_bytes: int = 32 * MiB
    max_part_bytes: int = 4 * MiB  #: any part but worksheets and shared strings (styles, comments…)
    max_members: int = 1000
    max_sheets: int = 32
    max_rows: int = 5000  #: highest row number of a sheet
    max_columns: int = 500  #: highest column number of a sheet
    max_cells: int = 100_000  #: cells of the whole workbook
    max_merged_ranges: int = 1000
    max_merged_cells: int = 10_000  #: cells covered by merged ranges, whole workbook
    max_hyperlink_ranges: int = 1000
    max_hyperlink_cells: int = 10_000  #: cells covered by hyperlink ranges, whole workbook
    max_shared_strings: int = 100_000
    max_cell_chars: int = 32_767  #: characters of a cell's text (Excel's own limit)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "SheetLimits":
        """The defaults, overridden by ``CIPT_XLSX_MAX_ROWS=…`` and the like.

        Raises:
            InputError: a setting that is not a positive integer.
        """
        env = os.environ if environ is None else environ
        values = {}
        for f in fields(cls):
            name = setting_name(f.name)
            raw = env.get(name, "").strip()
            if raw:
                try:
                    values[f.name] = int(raw)
                    if values[f.name] < 1:
                        raise ValueError
                except ValueError:
                    raise InputError(f"{name} doit être un entier positif, pas {quoted(raw)}",
                                     en=f"{name} must be a positive integer, not {raw!r}") from None
        return cls(**values)


def setting_name(limit: str) -> str:
    """``max_rows`` → ``CIPT_XLSX_MAX_ROWS``."""
    return f"CIPT_XLSX_{limit.upper()}"


#: What each limit is about, in English, unless the place the limit is crossed says more
#: (``what_en``; the French ``what`` is always given there).
_LIMIT_EN = {
    "max_bytes": "file too large (bytes)", "max_members": "too many files in the archive",
    "max_unzipped_bytes": "archive too large once unzipped (bytes)", "max_part_bytes": "part of the workbook too large (bytes)",
    "max_sheets": "too many sheets", "max_columns": "too many columns", "max_rows": "too many rows",
    "max_shared_strings": "too many shared strings", "max_cell_chars": "cell text too long (characters)",
    "max_cells": "too many cells in the workbook", "max_merged_ranges": "too many ranges of merged cells",
    "max_merged_cells": "too many merged cells", "max_hyperlink_ranges": "too many ranges of hyperlinks",
    "max_hyperlink_cells": "too many cells with a hyperlink",
}


class LimitError(InputError):
    """A workbook past one of the :class:`SheetLimits`: ``limit`` (the field), ``value`` (the limit),
    ``found`` (what the file has, when known) and ``place`` (``Sheet!A5001``, a part, or empty)."""

    #: Limits that are about size: the HTTP import answers 413 for them, 400 for the others.
    SIZE_LIMITS = frozenset({"max_bytes", "max_unzipped_bytes", "max_part_bytes"})

    def __init__(self, limit: str, value: int, what: str, *, found: int | None = None, place: str = "",
                 where: str | None = None, what_en: str | None = None) -> None:
        self.limit, self.value, self.found, self.place = limit, value, found, place
        seen = f"{found} ; " if found is not None else ""
        at = f" en {place}" if place else ""
        en_what = what_en or _LIMIT_EN.get(limit, what)
        french = f"classeur refusé{at} : {what} ({seen}au plus {value}, réglage {setting_name(limit)})"
        super().__init__(french, where=where, fr=french,
                         en=f"workbook refused{f' at {place}' if place else ''}: {en_what} "
                            f"({f'{found}; ' if found is not None else ''}at most {value}, setting {setting_name(limit)})")

    def located(self, where: str) -> "LimitError":
        """The same error, naming the file ``where``."""
        error = LimitError(self.limit, self.value, "", found=self.found, place=self.place, where=where)
        error.message, error.fr, error.en = self.message, self.fr, self.en
        error.args = (f"{where}: {self.message}",)
        return error

    def as_dict(self) -> dict[str, object]:
        return {"limit": setting_name(self.limit), "value": self.value, "found": self.found, "place": self.place}
