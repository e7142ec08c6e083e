"""Moodle competency framework: the CSV that Moodle's importer ``tool_lpimportcsv`` reads.

Format followed: Moodle's ``admin/tool/lpimportcsv`` (``framework_importer`` and
``framework_exporter``): a header row, then one row per record with 14 columns read **by
position** — parent ID number, ID number, short name, description, description format, scale
values, scale configuration, rule type, rule outcome, rule config, cross-referenced ID numbers,
exported ID, is framework, taxonomy. The row whose *is framework* column is true (``1``) is the
framework and carries the scale; the others are competencies, attached to the competency whose
ID number is their parent ID number (top level when empty). The importer shortens ID numbers and
short names to 100 characters, skips a row without ID number or short name, and finds or creates
a site scale whose items (``compact_items``: comma-separated, lowest first) equal *scale values*.

What we write:

- the framework: ID number = the RNCP number (``RNCP38175``), short name = the certification's
  title, the coverage scale (``Sensibilisation,Approfondissement,Maîtrise``) with the top level
  as default and the only proficient value, taxonomy ``domain,competency``;
- the blocks (top level) and their competencies: ID number = the official RNCP code once a fiche
  is imported (``RNCP38175BC01``), else the fiche number and our code (``RNCP38175-BC01``,
  ``RNCP38175-BC01-C1``); short name = the French label (cut at a word under 100 characters);
  description = both labels in Moodle's multi-language spans (format HTML).
"""

from __future__ import annotations

import csv
import io
import json
from html import escape

from .referential import Item, Referential

HEADERS = ("Parent ID number", "ID number", "Short name", "Description", "Description format", "Scale values",
           "Scale configuration", "Rule type (optional)", "Rule outcome (optional)", "Rule config (optional)",
           "Cross-referenced competency ID numbers", "Exported ID (optional)", "Is framework", "Taxonomy")
MAX_TEXT = 100  # shorten_text(…, 100) in framework_importer
FORMAT_HTML = 1
TAXONOMY = "domain,competency"


def shorten(text: str, limit: int = MAX_TEXT) -> str:
    """``text`` cut at a word boundary so that it holds in ``limit`` characters (with "…")."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:.-")
    return cut + "…"


def multilang(fr: str, en: str) -> str:
    """Both languages in the spans of Moodle's multi-language content filter."""
    return (f'<span lang="fr" class="multilang">{escape(fr)}</span>'
            f'<span lang="en" class="multilang">{escape(en)}</span>')


def idnumber(ref: Referential, item: Item) -> str:
    """The Moodle ID number of a block or competency: its official code, else fiche + code."""
    return item.official_code or f"{ref.rncp_number}-{item.code}"


def scale_configuration(ref: Referential) -> str:
    """Moodle's scale configuration JSON: ``[{"scaleid": …}, {"id": n, "scaledefault": 0|1,
    "proficient": 0|1}, …]``, items numbered from 1 (lowest); the top level is default and
    proficient. The importer replaces ``scaleid`` with the scale it finds or creates."""
    top = max(lv.rank for lv in ref.levels)
    config: list[dict] = [{"scaleid": "0"}]
    for n, lv in enumerate(sorted(ref.levels, key=lambda lv: lv.rank), start=1):
        config.append({"id": n, "scaledefault": int(lv.rank == top), "proficient": int(lv.rank == top)})
    return json.dumps(config, separators=(",", ":"))


def build_csv(ref: Referential) -> str:
    """The framework CSV (UTF-8 text, comma-separated, ``\\r\\n`` line ends) of ``ref``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADERS)
    scale = ",".join(lv.label_fr for lv in sorted(ref.levels, key=lambda lv: lv.rank))
    writer.writerow(["", ref.rncp_number, shorten(ref.title_fr), multilang(ref.programme_fr, ref.programme_en),
                     FORMAT_HTML, scale, scale_configuration(ref), "", "", "", "", "", 1, TAXONOMY])
    ids = {item.iri: idnumber(ref, item) for item in ref.items}
    for item in ref.items:
        parent = "" if item.kind == "block" else ids[item.parent]
        writer.writerow([parent, ids[item.iri], shorten(item.label_fr), multilang(item.label_fr, item.label_en),
                         FORMAT_HTML, "", "", "", "", "", "", "", "", ""])
    return buffer.getvalue()
