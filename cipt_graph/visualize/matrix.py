"""The course × competency matrix: a plain HTML table (no script needed), CSV and XLSX exports.

Rows are modules grouped by period, columns competencies grouped by block; a cell shows the level
reached by its colour and its letter (readable in black and white) and, on hover, the rationale.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from html import escape

from ..cells import append_row, set_text
from ..output import to_csv
from ..queries import run_query
from ..i18n import colon
from ..store import Store
from ..i18n import hours as fmt_hours
from ..i18n import local_datetime
from .data import current_programme, hours_text, records, shorten
from .i18n import tr
from .page import Links, render_page

#: Fill colours of the levels in the workbook, by rank (the HTML uses the .lvl-N classes).
XLSX_FILLS = {1: "DBE9F6", 2: "7FB0DC", 3: "1D4E89"}


@dataclass
class Matrix:
    """What the matrix shows, from the named queries.

    Attributes:
        periods: ``(code, label, modules)`` in order; each module a ``modules`` query row.
        blocks: ``(block row, competency rows)`` in code order (``hours_per_block``,
            ``hours_per_competency``).
        cells: ``(module IRI, competency IRI)`` → ``coverage_matrix`` row.
        levels: the ``coverage_levels`` rows, lowest first.
        uncovered: IRIs of the competencies no module covers (``uncovered_competencies``).
        empty_modules: IRIs of the modules covering nothing (``modules_without_competency``).
    """

    periods: list[tuple[str, str, list[dict]]] = field(default_factory=list)
    blocks: list[tuple[dict, list[dict]]] = field(default_factory=list)
    cells: dict[tuple[str, str], dict] = field(default_factory=dict)
    levels: list[dict] = field(default_factory=list)
    uncovered: set[str] = field(default_factory=set)
    empty_modules: set[str] = field(default_factory=set)

    @property
    def competencies(self) -> list[dict]:
        return [c for _, comps in self.blocks for c in comps]

    @property
    def modules(self) -> list[dict]:
        return [m for _, _, mods in self.periods for m in mods]


def build_matrix(store: Store, lang: str = "fr") -> Matrix:
    """The matrix of the graph in ``store``, labels in ``lang``."""
    matrix = Matrix()
    for m in records(store, "modules", lang=lang):
        code = m["period_code"] or ""
        if not matrix.periods or matrix.periods[-1][0] != code:
            matrix.periods.append((code, m["period_label"] or tr(lang, "matrix.no_period"), []))
        matrix.periods[-1][2].append(m)
    comps = records(store, "hours_per_competency", lang=lang)
    for b in records(store, "hours_per_block", lang=lang):
        matrix.blocks.append((b, [c for c in comps if c["block_code"] == b["block_code"]]))
    for r in records(store, "coverage_matrix", lang=lang):
        matrix.cells[(r["module"], r["competency"])] = r
    matrix.levels = records(store, "coverage_levels", lang=lang)
    matrix.uncovered = {r["competency"] for r in records(store, "uncovered_competencies", lang=lang)}
    matrix.empty_modules = {r["module"] for r in records(store, "modules_without_competency", lang=lang)}
    return matrix


def _first_of_block(matrix: Matrix, comp: dict) -> dict | None:
    """The first competency of ``comp``'s block (a thicker rule starts each block)."""
    for _, comps in matrix.blocks:
        if comps and comp in comps:
            return comps[0]
    return None


def _short_code(code: str, block: str) -> str:
    """``BC04-C1`` under the ``BC04`` header reads ``C1``."""
    return code[len(block) + 1:] if code.startswith(block + "-") else code


def _cell(matrix: Matrix, module: dict, comp: dict, lang: str, links: Links) -> str:
    """One cell: the level (colour and letter), hatched while the link is only proposed; for an
    editor, a link to the cell's editor (``Links.edit_cell``)."""
    m_code, c_code = module["module_code"], comp["competency_code"]
    attrs = f'data-module="{escape(m_code)}" data-competency="{escape(c_code)}"'
    classes = ["c"]
    if comp is _first_of_block(matrix, comp):
        classes.append("bstart")
    if comp["competency"] in matrix.uncovered:
        classes.append("uncovered-col")
    row = matrix.cells.get((module["module"], comp["competency"]))
    edit = links.edit_cell(m_code, c_code, lang)
    if edit:
        attrs = f'id="cell-{escape(m_code)}-{escape(c_code)}" ' + attrs
    if row is None:
        if edit:
            label = tr(lang, "matrix.edit_add", module=m_code, competency=c_code)
            return (f'<td class="{" ".join(classes)}" {attrs}><a class="cell-edit" href="{escape(edit)}" '
                    f'aria-label="{escape(label)}" title="{escape(label)}"></a></td>')
        return f'<td class="{" ".join(classes)}" {attrs}></td>'
    status = "validated" if row.get("status") == "validated" else "proposed"
    title = (f'{m_code} × {c_code} — {row["level_label"]} ({row["level_code"]}) · '
             f'{tr(lang, "status." + status)}')
    if row.get("coverage_hours") is not None:
        title += f' · {fmt_hours(row["coverage_hours"], lang)}'
    if row.get("rationale"):
        title += f'\n{row["rationale"]}'
    if row.get("validated_by") and status == "validated":  # who validated it, when, why (issue #15)
        title += "\n" + tr(lang, "matrix.validated_by", who=row["validated_by"],
                           when=local_datetime(row["validated_at"], lang, zone=False))
        title += f' — {tr(lang, "matrix.quoted", text=row["validation_comment"])}' if row.get("validation_comment") else ""
    classes.append(f'lvl lvl-{row["level_rank"]} {status}')
    content = escape(row["level_code"])
    if edit:
        label = tr(lang, "matrix.edit_cell", module=m_code, competency=c_code)
        content = f'<a class="cell-edit" href="{escape(edit)}" aria-label="{escape(label)}">{content}</a>'
    return (f'<td class="{" ".join(classes)}" {attrs} data-level="{escape(row["level_code"])}" '
            f'title="{escape(title)}" data-status="{status}">{content}</td>')


def _table(matrix: Matrix, lang: str, links: Links) -> str:
    ncomp = len(matrix.competencies)
    head1 = [f'<th rowspan="2" class="mod-code">{escape(tr(lang, "matrix.module"))}</th>',
             f'<th rowspan="2" class="mod-label"></th>',
             f'<th rowspan="2" class="num">{escape(tr(lang, "matrix.hours"))}</th>']
    head2 = []
    for i, (block, comps) in enumerate(matrix.blocks):
        head1.append(f'<th colspan="{len(comps)}" class="block b{i % 2}" title="{escape(block["block_label"])}">'
                     f'{links.resource_link(block["block"], block["block_code"])}'
                     f'<span class="block-label">{escape(shorten(block["block_label"], 14 * len(comps)))}</span></th>')
        for c in comps:
            gap = c["competency"] in matrix.uncovered
            mark = f' <span class="flag" title="{escape(tr(lang, "matrix.uncovered"))}">!</span>' if gap else ""
            first = " bstart" if c is comps[0] else ""
            head2.append(f'<th class="comp b{i % 2}{first}{" uncovered" if gap else ""}" data-competency="{escape(c["competency_code"])}" '
                         f'title="{escape(c["competency_code"] + " — " + c["competency_label"])}">'
                         f'{escape(_short_code(c["competency_code"], block["block_code"]))}{mark}</th>')
    head1.append(f'<th rowspan="2" class="num" title="{escape(tr(lang, "matrix.total.title"))}">{escape(tr(lang, "matrix.total"))}</th>')
    body = []
    for code, label, modules in matrix.periods:
        hours = sum(float(m["module_hours"]) for m in modules)
        body.append(f'<tbody data-period="{escape(code)}"><tr class="period"><th colspan="{ncomp + 4}" scope="rowgroup">'
                    f'{escape(label)} · {escape(tr(lang, "count.modules", len(modules)))} · {fmt_hours(hours, lang)}</th></tr>')
        for m in modules:
            empty = m["module"] in matrix.empty_modules
            cells = "".join(_cell(matrix, m, c, lang, links) for c in matrix.competencies)
            note = f' <span class="flag">! {escape(tr(lang, "matrix.empty_module"))}</span>' if empty else ""
            row_class = ' class="empty"' if empty else ""
            body.append(f'<tr data-module="{escape(m["module_code"])}"{row_class}>'
                        f'<th scope="row" class="mod-code">{links.resource_link(m["module"], m["module_code"])}</th>'
                        f'<td class="mod-label">{escape(m["module_label"])}{note}</td>'
                        f'<td class="num">{hours_text(m["module_hours"], lang)}</td>{cells}'
                        f'<td class="num total">{m["competencies"]}</td></tr>')
        body.append("</tbody>")
    counts = {c["competency"]: 0 for c in matrix.competencies}
    for (_, comp) in matrix.cells:
        if comp in counts:
            counts[comp] += 1
    foot = [f'<tr class="totals"><th colspan="3">{escape(tr(lang, "matrix.col_total"))}</th>'
            + "".join(f'<td class="num{" uncovered" if not counts[c["competency"]] else ""}" '
                      f'data-competency="{escape(c["competency_code"])}">{counts[c["competency"]]}</td>'
                      for c in matrix.competencies)
            + f'<td class="num">{len(matrix.cells)}</td></tr>',
            f'<tr class="totals"><th colspan="3">{escape(tr(lang, "matrix.comp_hours"))}</th>'
            + "".join(f'<td class="num small">{hours_text(c["hours"], lang)}</td>' for c in matrix.competencies) + "<td></td></tr>",
            f'<tr class="totals"><th colspan="3">{escape(tr(lang, "matrix.block_hours"))}</th>'
            + "".join(f'<td colspan="{len(comps)}" class="num block-hours b{i % 2}" data-block="{escape(b["block_code"])}">'
                      f'{fmt_hours(b["hours"], lang)}</td>' for i, (b, comps) in enumerate(matrix.blocks))
            + "<td></td></tr>"]
    return (f'<table class="matrix"><thead><tr>{"".join(head1)}</tr><tr>{"".join(head2)}</tr></thead>'
            f'{"".join(body)}<tfoot>{"".join(foot)}</tfoot></table>')


def _gaps(matrix: Matrix, lang: str) -> str:
    items = [f'<li class="warn">{escape(c["competency_code"])} — {escape(c["competency_label"])} : '
             f'{escape(tr(lang, "matrix.uncovered"))}</li>' for c in matrix.competencies if c["competency"] in matrix.uncovered]
    items += [f'<li class="warn">{escape(m["module_code"])} — {escape(m["module_label"])} : '
              f'{escape(tr(lang, "matrix.empty_module"))}</li>' for m in matrix.modules if m["module"] in matrix.empty_modules]
    if not items:
        return f'<p class="ok" id="gaps">✓ {escape(tr(lang, "matrix.no_gaps"))}</p>'
    return f'<h2>{escape(tr(lang, "matrix.gaps"))}</h2><ul id="gaps">{"".join(items)}</ul>'


def render_matrix(store: Store, lang: str, links: Links) -> str:
    """The matrix page: the table, what stands out, the legend, the key to the competencies."""
    matrix = build_matrix(store, lang)
    legend = "".join(f'<li><span class="badge lvl-{l["level_rank"]}">{escape(l["level_code"])}</span> '
                     f'<b>{escape(l["level_label"])}</b> — {escape(l["level_definition"] or "")}</li>' for l in matrix.levels)
    top = matrix.levels[-1]["level_rank"] if matrix.levels else 1
    legend += "".join(f'<li class="status-key" data-status="{s}"><span class="badge lvl-{top} {s}">&nbsp;</span> '
                      f'<b>{escape(tr(lang, "status." + s))}</b> — {escape(tr(lang, "matrix.status." + s))}</li>'
                      for s in ("proposed", "validated"))
    key = "".join(
        f'<dt>{escape(b["block_code"])} — {escape(b["block_label"])}</dt>'
        + "".join(f'<dd><b>{escape(c["competency_code"])}</b> {escape(c["competency_label"])}</dd>' for c in comps)
        for b, comps in matrix.blocks)
    downloads = (f'<p class="downloads no-print">{escape(tr(lang, "matrix.download"))}{colon(lang)}'
                 f'<a href="{escape(links.download("matrix.csv", lang))}" download>{escape(tr(lang, "matrix.csv"))}</a> · '
                 f'<a href="{escape(links.download("matrix.xlsx", lang))}" download>{escape(tr(lang, "matrix.xlsx"))}</a></p>')
    if links.editable:
        downloads += (f'<p class="edit-hint no-print">{escape(tr(lang, "matrix.edit_hint"))} '
                      f'<a href="{escape(links.url("/edit/workbook.xlsx", lang))}" download>'
                      f'{escape(tr(lang, "matrix.download_workbook"))}</a> · '
                      f'<a href="{escape(links.url("/edit/upload", lang))}">{escape(tr(lang, "matrix.upload_workbook"))}</a></p>')
    body = (f'<p class="lead">{escape(tr(lang, "matrix.lead"))}</p>{downloads}'
            f'<div class="matrix-wrap">{_table(matrix, lang, links)}</div>{_gaps(matrix, lang)}'
            f'<div class="keys"><section><h2>{escape(tr(lang, "matrix.legend"))}</h2><ul class="levels">{legend}</ul></section>'
            f'<section><h2>{escape(tr(lang, "matrix.key"))}</h2><dl class="key">{key}</dl></section></div>')
    return render_page(view="matrix", lang=lang, links=links, title=tr(lang, "matrix.title"), body=body,
                       styles=("matrix.css",))


def matrix_csv(store: Store, lang: str = "fr") -> str:
    """The ``coverage_matrix`` query as CSV: one row per module → competency link."""
    return to_csv(run_query(store, "coverage_matrix", _params(lang)))


def _fills():
    """Fills of what stands out in the workbook: a gap (hatched red, readable in black and white
    too), a total."""
    from openpyxl.styles import PatternFill

    return PatternFill("lightUp", fgColor="B42318", bgColor="FDE8E8"), PatternFill("solid", fgColor="F5F7FA")


def __getattr__(name: str):  # XLSX_GAP, XLSX_TOTAL: made when asked for (openpyxl is imported late)
    if name in ("XLSX_GAP", "XLSX_TOTAL"):
        return _fills()[name == "XLSX_TOTAL"]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def matrix_xlsx(store: Store, lang: str = "fr") -> bytes:
    """A workbook of the matrix as the page shows it: levels coloured, totals (competencies per
    module, modules and hours per competency, hours per block, total hours), gaps highlighted
    (uncovered competencies and modules covering nothing, hatched red); and the
    ``coverage_matrix`` rows. Hours follow the rule of the ``hours_per_competency`` and
    ``hours_per_block`` queries."""
    # openpyxl is imported here, when a workbook is written: `cipt serve` starts without it.
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    XLSX_GAP, XLSX_TOTAL = _fills()
    matrix = build_matrix(store, lang)
    wb = Workbook()
    ws = wb.active
    ws.title = tr(lang, "nav.matrix")
    bold = Font(bold=True)
    comps = matrix.competencies
    first_comp, total_col = 5, 5 + len(comps)
    heads = [tr(lang, "matrix.period"), tr(lang, "matrix.module"), tr(lang, "matrix.label"), tr(lang, "matrix.hours")]
    append_row(ws, heads + [c["competency_code"] for c in comps] + [tr(lang, "matrix.total")])
    for cell in ws[1]:
        cell.font, cell.alignment = bold, Alignment(horizontal="center", wrap_text=True)
    gap_cols = {col for col, c in enumerate(comps, start=first_comp) if c["competency"] in matrix.uncovered}
    for col in gap_cols:
        ws.cell(1, col).fill = XLSX_GAP
        ws.cell(1, col).font = Font(bold=True, color="B42318")
    for code, _, modules in matrix.periods:
        for m in modules:
            row = [code, m["module_code"], m["module_label"], m["module_hours"]]
            row += [(matrix.cells.get((m["module"], c["competency"])) or {}).get("level_code") for c in comps]
            r = append_row(ws, row + [m["competencies"]])
            for col, comp in enumerate(comps, start=first_comp):
                link = matrix.cells.get((m["module"], comp["competency"]))
                cell = ws.cell(r, col)
                if link:
                    cell.fill = PatternFill("solid", fgColor=XLSX_FILLS.get(int(link["level_rank"]), "FFFFFF"))
                    cell.font = Font(bold=True, color="FFFFFF" if int(link["level_rank"]) >= 3 else "000000")
                    cell.alignment = Alignment(horizontal="center")
                elif col in gap_cols:
                    cell.fill = XLSX_GAP
            if m["module"] in matrix.empty_modules:
                for col in range(1, total_col + 1):
                    if not ws.cell(r, col).value or col in (2, 3, total_col):
                        ws.cell(r, col).fill = XLSX_GAP
                set_text(ws.cell(r, 3), f'{m["module_label"]} — {tr(lang, "matrix.empty_module")}')
    last_module_row = ws.max_row
    counts = {c["competency"]: 0 for c in comps}
    for (_, comp) in matrix.cells:
        if comp in counts:
            counts[comp] += 1
    totals = [
        [None, None, tr(lang, "matrix.col_total"), None] + [counts[c["competency"]] for c in comps] + [len(matrix.cells)],
        [None, None, tr(lang, "matrix.comp_hours"), None] + [float(c["hours"]) for c in comps] + [None],
        [None, None, tr(lang, "matrix.block_hours"), None] + [None] * len(comps) + [None],
        [None, None, tr(lang, "matrix.total_hours"), sum(float(m["module_hours"]) for m in matrix.modules)]
        + [None] * len(comps) + [None],
    ]
    first_total = last_module_row + 2  # after one empty row
    for offset, row in enumerate(totals):
        for col, value in enumerate(row, start=1):
            if isinstance(value, str):
                set_text(ws.cell(first_total + offset, col), value)
            elif value is not None:
                ws.cell(first_total + offset, col, value)
    col = first_comp
    block_row = first_total + 2
    for b, block_comps in matrix.blocks:
        if block_comps:
            cell = ws.cell(block_row, col, float(b["hours"]))
            cell.alignment = Alignment(horizontal="center")
            if len(block_comps) > 1:
                ws.merge_cells(start_row=block_row, start_column=col, end_row=block_row,
                               end_column=col + len(block_comps) - 1)
            col += len(block_comps)
    for r in range(first_total, first_total + len(totals)):
        for c in range(1, total_col + 1):
            ws.cell(r, c).fill = XLSX_TOTAL
        ws.cell(r, 3).font = bold
    for c_index, comp in enumerate(comps, start=first_comp):
        ws.cell(first_total + 1, c_index).number_format = "0.##"
        if comp["competency"] in matrix.uncovered:
            ws.cell(first_total, c_index).fill = XLSX_GAP
    ws.cell(first_total + 3, 4).font = bold
    for letter, width in (("A", 8), ("B", 8), ("C", 46), ("D", 8)):
        ws.column_dimensions[letter].width = width
    for c in range(first_comp, total_col + 1):
        ws.column_dimensions[get_column_letter(c)].width = 9
    ws.freeze_panes = "E2"
    ws.auto_filter.ref = f"A1:{get_column_letter(total_col)}{last_module_row}"
    result = run_query(store, "coverage_matrix", _params(lang))
    links = wb.create_sheet("coverage_matrix")
    append_row(links, result.variables)
    for record in records(store, "coverage_matrix", lang=lang):
        append_row(links, [record[v] for v in result.variables])
    for cell in links[1]:
        cell.font = bold
    readme = wb.create_sheet(tr(lang, "matrix.readme_sheet"))  # a view, not the editable workbook: say where that is
    for r, key in enumerate(("matrix.readme_view", "matrix.readme_edit", "matrix.readme_cli"), start=1):
        set_text(readme.cell(r, 1), tr(lang, key))
    readme.column_dimensions["A"].width = 130
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _params(lang: str) -> dict[str, str]:
    """The exports' query parameters: the language and the programme being drawn (if any)."""
    programme = current_programme()
    return {"lang": lang, **({"programme": programme} if programme is not None else {})}
