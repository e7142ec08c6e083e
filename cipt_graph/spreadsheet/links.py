"""Module → activity and module → objective links in the editable workbook (issue #15).

The workbook (``cipt export-matrix``, ``/edit/workbook.xlsx``) has one sheet per kind, in long
format like ``Justifications``: one row per link, columns Module, target code, target label
(for reading only: ignored on import), Status, Author, Date, Rationale. On import:

- a sheet absent (a workbook exported before these sheets existed) leaves those links as they are;
- a sheet present is the whole set of links of its kind: a new row adds a link, a deleted row
  removes it, a changed rationale or status changes it (same rules as the competency links:
  a changed rationale makes the link ``proposed`` again unless the status is changed too; new
  and changed links get the import's author and today's date; untouched rows are kept byte for
  byte);
- every cell is checked (unknown module or target, unknown status, empty or formula rationale,
  duplicate link), each error naming ``sheet!cell``; nothing is applied unless all is valid.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ..cells import put
from ..mapping import ACCOUNT_COLUMN, LINK_KINDS, MAX_RATIONALE_CHARS, STATUSES, LinkKind, with_validation
from ..paths import Workspace
from ..text import clean_code, clean_line, clean_text, quoted

#: The kinds of link without a level, by their target column (``activity``, ``objective``).
KINDS: dict[str, LinkKind] = {k.target_column: k for k in LINK_KINDS if not k.has_level}
#: The sheet of each kind (the same name in both languages, as the other sheets).
SHEETS = {"activity": "Activités", "objective": "Objectifs"}
HEADERS = {
    "fr": {"activity": ("Module", "Activité", "Intitulé de l'activité (non lu)", "Statut", "Auteur", "Date",
                        "Justification"),
           "objective": ("Module", "Objectif", "Intitulé de l'objectif (non lu)", "Statut", "Auteur", "Date",
                         "Justification")},
    "en": {"activity": ("Module", "Activity", "Activity title (not read)", "Status", "Author", "Date", "Rationale"),
           "objective": ("Module", "Objective", "Objective title (not read)", "Status", "Author", "Date", "Rationale")},
}
_BOLD = Font(bold=True)
_GREY = Font(color="666666")
_HEAD_FILL = PatternFill("solid", fgColor="DDE4EE")
_WRAP = Alignment(wrap_text=True, vertical="top")


@dataclass
class LinkData:
    """A workspace's activity and objective links: the CSV rows and bytes, and the targets' labels."""

    rows: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    data: dict[str, bytes] = field(default_factory=dict)
    targets: dict[str, dict[str, str]] = field(default_factory=dict)

    #: With several programmes in the workspace: the programme (IRI) ``rows`` are limited to, and
    #: every row of each file (``rows`` are some of them, the same objects).
    programme: str | None = None
    all_rows: dict[str, list[dict[str, str]]] = field(default_factory=dict)

    def sha256(self, kind: str) -> str:
        """The hash the workbook keeps to detect a change since the export: of the whole file, or
        (several programmes) of the programme's rows only."""
        if self.programme is not None:
            text = "\n".join(repr(sorted(r.items())) for r in self.rows.get(kind, []))
            return hashlib.sha256(f"{self.programme}\n{text}".encode()).hexdigest()
        return hashlib.sha256(self.data.get(kind, b"")).hexdigest()

    def scoped(self, modules: set[str], programme: str) -> "LinkData":
        """The links of ``modules`` (one programme's, ``programme``) only."""
        return LinkData(rows={k: [r for r in rows if clean_code(r.get("module")) in modules]
                              for k, rows in self.rows.items()},
                        data=self.data, targets=self.targets, programme=programme, all_rows=dict(self.rows))

    def file_rows(self, kind: str, rows: list[dict[str, str]]) -> list[dict[str, str]]:
        """Every row of ``kind``'s file once ``rows`` replace the (programme's) rows read."""
        if self.programme is None:
            return rows
        from .model import merge_back

        return merge_back(self.all_rows.get(kind, []), self.rows.get(kind, []), rows)

    @classmethod
    def from_workspace(cls, workspace: Workspace, store, lang: str) -> "LinkData":
        """Read the ``module_activity.csv`` and ``module_objective.csv`` files, and the targets of
        the workspace's graph (``store``) with their ``skos:prefLabel`` in ``lang`` (else French)."""
        from ..store import iter_records, select
        from .model import read_rows

        out = cls()
        for name, kind in KINDS.items():
            path = workspace.mapping_dir / kind.file_name
            out.data[name] = path.read_bytes() if path.exists() else b""
            out.rows[name] = read_rows(out.data[name])
            query = _TARGETS.replace("%CLASS%", f"<{kind.target_class}>").replace("%LANG%", '"en"' if lang == "en" else '"fr"')
            targets = {str(r["code"]): str(r["label"] or "") for r in iter_records(select(store, query))}
            out.targets[name] = dict(sorted(targets.items()))
        return out


#: The codes and labels of one class of target (an activity, an objective).
_TARGETS = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?code (SAMPLE(?l) AS ?label) WHERE {
  ?t a %CLASS% ; skos:notation ?code .
  OPTIONAL { ?t skos:prefLabel ?l . FILTER(LANG(?l) = %LANG%) }
} GROUP BY ?code"""


def key_of(row: dict[str, str], kind: str) -> tuple[str, str]:
    return clean_code(row.get("module")), clean_code(row.get(kind))


def write_link_sheets(wb, links: LinkData, lang: str) -> None:
    """Add the ``Activités`` and ``Objectifs`` sheets (after ``Justifications``)."""
    from .model import STATUS_LABELS, TEXT, status_label

    for kind, sheet in SHEETS.items():
        ws = wb.create_sheet(sheet)
        for col, title in enumerate(HEADERS[lang][kind], start=1):
            cell = put(ws, 1, col, title)
            cell.font, cell.fill = _BOLD, _HEAD_FILL
        labels = links.targets.get(kind, {})
        for r, row in enumerate(links.rows.get(kind, []), start=2):
            module, target = key_of(row, kind)
            values = (module, target, labels.get(target, ""), status_label(clean_code(row.get("status")), lang),
                      clean_line(row.get("asserted_by")), clean_code(row.get("asserted_on")),
                      clean_text(row.get("rationale")))
            for col, value in enumerate(values, start=1):
                cell = put(ws, r, col, value or None)
                if col in (3, 5, 6):
                    cell.font = _GREY
            ws.cell(r, 7).alignment = _WRAP
        last = len(links.rows.get(kind, [])) + 1 + 200  # room for new links
        codes = DataValidation(type="list", formula1='"' + ",".join(labels)[:250] + '"', allow_blank=True)
        status = DataValidation(type="list", formula1='"' + ",".join(STATUS_LABELS[lang].values()) + '"', allow_blank=True,
                                showInputMessage=True, prompt=TEXT[lang]["status_prompt"])
        ws.add_data_validation(status)
        status.add(f"D2:D{last}")
        if len(",".join(labels)) <= 250:
            ws.add_data_validation(codes)
            codes.add(f"B2:B{last}")
        for letter, width in (("A", 10), ("B", 10), ("C", 50), ("D", 12), ("E", 20), ("F", 12), ("G", 90)):
            ws.column_dimensions[letter].width = width
        ws.freeze_panes = "C2"


@dataclass
class SheetLink:
    """A link as a sheet states it (``status`` None: unchanged / ``proposed`` when new)."""

    status: str | None
    rationale: str
    cell: str


def read_link_sheets(wb, links: LinkData, modules: set[str], lang: str, errors: list) -> dict[str, dict]:
    """The links of each kind whose sheet the workbook has: ``{kind: {(module, target): SheetLink}}``.

    Appends a :class:`~.reader.CellError` to ``errors`` for each bad cell.
    """
    from .model import status_error
    from .reader import CellError, _code, _formula_text, _is_formula, _text, exported_rationale

    out: dict[str, dict] = {}
    for kind, sheet in SHEETS.items():
        if sheet not in wb.sheetnames:
            continue
        ws = wb[sheet]
        found: dict[tuple[str, str], SheetLink] = {}
        out[kind] = found
        headers = HEADERS.get(lang, HEADERS["fr"])[kind]
        for col, title in enumerate(headers, start=1):
            value = _text(ws.cell(1, col).value)
            if value != title:
                errors.append(CellError(sheet, f"{get_column_letter(col)}1",
                                        f"en-tête déplacé ou modifié : attendu {quoted(title)}, trouvé {quoted(value)}",
                                        f"header moved or changed: expected {title!r}, found {value!r}"))
        if ws.max_column > len(headers) + 20 or ws.max_row > 20_000:
            errors.append(CellError(sheet, "", f"feuille trop grande ({ws.max_row} lignes × {ws.max_column} colonnes)",
                                    f"sheet too large ({ws.max_row} rows × {ws.max_column} columns)"))
            continue
        for col in range(len(headers) + 1, ws.max_column + 1):
            if any(_text(ws.cell(r, col).value) for r in range(1, ws.max_row + 1)):
                letter = get_column_letter(col)
                errors.append(CellError(sheet, f"{letter}:{letter}", "colonne inattendue : retirez ce contenu",
                                        "unexpected column: remove this content"))
        before = {key_of(r, kind): exported_rationale(r.get("rationale")) for r in links.rows.get(kind, [])}
        targets = links.targets.get(kind, {})
        seen: dict[tuple[str, str], int] = {}
        for row in range(2, ws.max_row + 1):
            cells = [ws.cell(row, c) for c in range(1, len(headers) + 1)]
            if not any(_text(c.value) for c in cells):
                continue
            bad = False
            for col, cell in enumerate(cells, start=1):
                if col != 3 and _is_formula(cell):
                    errors.append(CellError(sheet, f"{get_column_letter(col)}{row}",
                                            "formule non acceptée : saisissez du texte", "formula not accepted: type text"))
                    bad = True
            module, target = _code(cells[0].value), _code(cells[1].value)
            if module not in modules:
                errors.append(CellError(sheet, f"A{row}", f"module inconnu {quoted(module)}", f"unknown module {module!r}"))
                bad = True
            if target not in targets:
                word = "activité inconnue" if kind == "activity" else "objectif inconnu"
                errors.append(CellError(sheet, f"B{row}", f"{word} {quoted(target)}", f"unknown {kind} {target!r}"))
                bad = True
            status = _code(cells[3].value)
            if status and status.casefold() not in STATUSES:
                errors.append(CellError(sheet, f"D{row}", *status_error(status)))
                bad = True
            key = (module, target)
            rationale = _text(cells[6].value)
            if not bad and _formula_text(cells[6], rationale, before.get(key)):
                errors.append(CellError(sheet, f"G{row}", "justification qui commence par « = » : un tableur la "
                                        "prendrait pour une formule ; reformulez-la",
                                        "rationale starting with '=': a spreadsheet would take it for a formula; reword it"))
                bad = True
            elif not rationale:
                errors.append(CellError(sheet, f"G{row}", f"justification vide pour le lien {module} → {target}",
                                        f"empty rationale for the link {module} → {target}"))
                bad = True
            elif len(rationale) > MAX_RATIONALE_CHARS:
                errors.append(CellError(sheet, f"G{row}", f"justification trop longue ({len(rationale)} caractères)",
                                        f"rationale too long ({len(rationale)} characters)"))
                bad = True
            if key in seen:
                errors.append(CellError(sheet, f"A{row}", f"lien {module} → {target} en double (déjà ligne {seen[key]})",
                                        f"link {module} → {target} twice (already row {seen[key]})"))
                continue
            if bad:
                continue
            seen[key] = row
            found[key] = SheetLink(status.casefold() or None, rationale, f"A{row}")
    return out


def _status(text: str | None) -> str | None:
    text = clean_code(text).casefold()
    return {"validé": "validated", "proposé": "proposed"}.get(text, text) or None


def merge_link_rows(kind: str, rows: list[dict[str, str]], edited: dict, *, author: str, today: str,
                    account: str = "", comment: str = ""):
    """The kind's CSV rows after the sheet's edit, and ``(added, removed, changed)`` lists.

    Untouched rows are the same dict objects (written back byte for byte); new rows come after
    the existing ones, in the sheet's order.
    """
    from .reader import exported_rationale

    out, added, removed, changed = [], [], [], []
    kept = set()
    for row in rows:
        key = key_of(row, kind)
        link = edited.get(key)
        if link is None:
            removed.append({"kind": kind, "module": key[0], kind: key[1]})
            continue
        kept.add(key)
        same_rationale = exported_rationale(row.get("rationale")) == link.rationale
        old, new_status = _status(row.get("status")), _status(link.status)
        status_changed = new_status is not None and new_status != old
        if same_rationale and not status_changed:
            out.append(row)
            continue
        status = new_status if status_changed else "proposed"
        new = with_validation({**row, "status": status, "asserted_by": author, ACCOUNT_COLUMN: account,
                               "asserted_on": today,
                               "rationale": row.get("rationale", "") if same_rationale else link.rationale},
                              by=author if status_changed else "", account=account, comment=comment)
        fields = [f for f in ("status", "rationale") if new[f] != row.get(f)]
        changed.append({"kind": kind, "module": key[0], kind: key[1], "fields": fields,
                        "before": {f: row.get(f, "") for f in fields}, "after": {f: new[f] for f in fields}})
        out.append(new)
    for key, link in edited.items():
        if key in kept:
            continue
        new = with_validation({"module": key[0], kind: key[1], "status": _status(link.status) or "proposed",
                               "asserted_by": author, ACCOUNT_COLUMN: account, "asserted_on": today,
                               "rationale": link.rationale}, by=author, account=account, comment=comment)
        out.append(new)
        added.append({"kind": kind, "module": key[0], kind: key[1]})
    return out, added, removed, changed
