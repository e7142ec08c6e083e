"""What the coverage matrix shows: modules, blocks, competencies, levels and the mapping rows of a workspace.

Also the fixed layout of the workbook (sheet names, header cells) and its texts in French and English,
shared by the writer and the reader so that what one writes the other checks.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field

from ..build import build_store
from ..mapping import LINK_KINDS, columns_of
from ..paths import Workspace
from ..queries import run_query
from ..store import iter_records
from ..text import clean_code, decode_utf8

#: The workbook format this package writes and reads (kept in the hidden meta sheet).
FORMAT = "cipt-matrix/1"

SHEET_MATRIX = "Matrice"
SHEET_RATIONALE = "Justifications"
SHEET_LEVELS = "Niveaux"
SHEET_INSTRUCTIONS = "Instructions"
SHEET_META = "_cipt"

#: Rows of the matrix sheet: block headers, competency codes (what the reader checks), labels.
ROW_BLOCKS, ROW_CODES, ROW_LABELS, FIRST_DATA_ROW = 1, 2, 3, 4
#: Columns of the matrix sheet before the competencies: period, module code, label, hours.
COL_PERIOD, COL_MODULE, COL_LABEL, COL_HOURS, FIRST_COMPETENCY_COL = 1, 2, 3, 4, 5

MAPPING_KIND = next(k for k in LINK_KINDS if k.file_name == "module_competency.csv")
MAPPING_COLUMNS = columns_of(MAPPING_KIND)

#: Canonical statuses offered in the drop-down (the CSV also accepts proposé / validé).
STATUS_CHOICES = ("proposed", "validated")

TEXT = {
    "fr": {
        "blocks": "Bloc →",
        "matrix_headers": ("Période", "Code module", "Module", "Heures"),
        "labels_row": "Compétence →",
        "rationale_headers": ("Module", "Compétence", "Heures du lien", "Statut", "Auteur", "Date", "Justification"),
        "levels_headers": ("Code", "Niveau", "Rang", "Définition"),
        "level_prompt": "Niveau atteint : {levels} (vide = le module ne couvre pas la compétence)",
        "level_error": "Choisissez un niveau de l'échelle : {levels}, ou laissez vide.",
        "status_prompt": "proposed = proposé, validated = validé par l'équipe pédagogique",
        "hours_prompt": "Heures consacrées à la compétence dans ce module (vide si inconnu)",
    },
    "en": {
        "blocks": "Block →",
        "matrix_headers": ("Period", "Module code", "Module", "Hours"),
        "labels_row": "Competency →",
        "rationale_headers": ("Module", "Competency", "Link hours", "Status", "Author", "Date", "Rationale"),
        "levels_headers": ("Code", "Level", "Rank", "Definition"),
        "level_prompt": "Level reached: {levels} (empty = the module does not cover the competency)",
        "level_error": "Choose a level of the scale: {levels}, or leave empty.",
        "status_prompt": "proposed, or validated by the pedagogical team",
        "hours_prompt": "Hours devoted to the competency in this module (empty when unknown)",
    },
}

INSTRUCTIONS_FR = """\
Matrice de couverture modules × compétences — M2 CIPT (cipt-graph)

Ce classeur est un export de la correspondance entre les modules et les compétences du référentiel RNCP.
Modifiez-le, puis réimportez-le avec : cipt import-matrix FICHIER --data DOSSIER [--author "Votre nom"]

Feuille « Matrice »
• Une ligne par module (regroupés par période), une colonne par compétence (regroupées par bloc).
• Dans chaque case, choisissez le niveau atteint dans la liste : {levels}.
• Case vide : le module ne couvre pas la compétence. Videz une case pour supprimer un lien.
• Ne déplacez, n'insérez, ne fusionnez et ne supprimez ni lignes ni colonnes ; ne modifiez pas les en-têtes,
  les codes, intitulés, périodes et heures des modules (ils viennent des données du programme).

Feuille « Justifications »
• Une ligne par lien module → compétence : heures consacrées (facultatif), statut, justification.
• Tout lien de la matrice doit avoir sa ligne avec une justification (une phrase en français).
  Pour un nouveau lien, ajoutez une ligne (code module, code compétence, justification).
  Pour un lien supprimé de la matrice, supprimez aussi sa ligne.
• Statut : « proposed » (proposé) ou « validated » (validé par l'équipe pédagogique). Vide : inchangé
  (ou « proposed » pour un nouveau lien).
• Les colonnes Auteur et Date sont remplies à l'import : tout lien ajouté ou modifié reçoit l'auteur de l'import
  et la date du jour.

Feuilles « Activités » et « Objectifs »
• Une ligne par lien module → activité (ou module → objectif) : code module, code de l'activité (ou de
  l'objectif), statut, justification. L'intitulé (colonne C) est là pour la lecture : il n'est pas relu.
• Pour un nouveau lien, ajoutez une ligne ; pour supprimer un lien, supprimez sa ligne.

Règles de l'import
• Toutes les cases sont vérifiées : module ou compétence inconnus, niveau hors échelle, en-têtes déplacés
  ou fusionnés, feuille manquante. Toutes les erreurs sont listées avec leur feuille et leur case
  (par exemple Matrice!F7) et rien n'est appliqué tant que le fichier n'est pas entièrement valide.
• Un lien modifié (niveau, heures ou justification) repasse au statut « proposed », sauf si vous changez
  aussi son statut dans la feuille Justifications.
• Les liens non modifiés sont conservés tels quels. Réimporter ce fichier sans modification ne change rien.
• Chaque import accepté est enregistré comme une version : cipt versions, puis cipt diff v1 current.
• Si la correspondance a changé depuis cet export, l'import est refusé : réexportez la matrice.

Feuille « Niveaux » : l'échelle de couverture (pour information).
"""

INSTRUCTIONS_EN = """\
Coverage matrix modules × competencies — M2 CIPT (cipt-graph)

Edit the levels in « Matrice » ({levels}; empty = no link) and the hours, status and rationale of each link
in « Justifications » (every link needs a rationale; add a row for a new link, delete the row of a removed
link). Do not move, insert, merge or delete rows or columns. Import with: cipt import-matrix FILE --data DIR.
Changed links go back to « proposed » unless you also change their status. Nothing is applied unless the
whole file is valid. The « Activités » and « Objectifs » sheets hold the module → activity and module →
objective links, one row per link (add a row to add a link, delete it to remove the link; column C is not read).
"""


@dataclass(frozen=True)
class Module:
    code: str
    label: str
    hours: int
    period: str
    period_label: str


@dataclass(frozen=True)
class Competency:
    code: str
    label: str
    block: str


@dataclass(frozen=True)
class Block:
    code: str
    label: str
    competencies: tuple[Competency, ...]


@dataclass(frozen=True)
class Level:
    code: str
    label: str
    rank: int
    definition: str


@dataclass
class MatrixModel:
    """A workspace's matrix: the axes (from the named queries) and the mapping rows (from the CSV).

    Attributes:
        lang: language of the labels.
        modules: in matrix order (period, then brochure order).
        blocks: in code order, each with its competencies in code order.
        levels: lowest first.
        level_aliases: casefolded notation or label (any language) → notation.
        rows: the rows of ``mapping/module_competency.csv`` as read, in file order.
        mapping_bytes: that file's bytes (hashed to detect a change since the export).
    """

    lang: str
    modules: list[Module]
    blocks: list[Block]
    levels: list[Level]
    level_aliases: dict[str, str]
    rows: list[dict[str, str]] = field(default_factory=list)
    mapping_bytes: bytes = b""
    links: "LinkData | None" = None  #: the module → activity and → objective links (:mod:`.links`)

    @property
    def competencies(self) -> list[Competency]:
        return [c for b in self.blocks for c in b.competencies]

    @property
    def level_codes(self) -> list[str]:
        return [level.code for level in self.levels]

    @property
    def mapping_sha256(self) -> str:
        return hashlib.sha256(self.mapping_bytes).hexdigest()

    def level_of(self, text: str) -> str | None:
        """The notation a cell or CSV value names (``r``, ``R``, ``Approfondissement``…), else None."""
        return self.level_aliases.get(text.strip().casefold())

    @classmethod
    def from_workspace(cls, workspace: Workspace, lang: str = "fr") -> "MatrixModel":
        """Read the matrix of a workspace (or of the shipped data).

        Raises:
            InputError: a data file of the workspace is malformed.
        """
        store = build_store(workspace)
        modules = [
            Module(str(r["module_code"]), str(r["module_label"]), int(r["module_hours"]),  # type: ignore[arg-type]
                   str(r["period_code"] or ""), str(r["period_label"] or ""))
            for r in iter_records(run_query(store, "modules", {"lang": lang}))
        ]
        block_labels = {str(r["block_code"]): str(r["block_label"])
                        for r in iter_records(run_query(store, "hours_per_block", {"lang": lang}))}
        by_block: dict[str, list[Competency]] = {code: [] for code in sorted(block_labels)}
        seen: set[str] = set()
        for r in iter_records(run_query(store, "hours_per_competency", {"lang": lang})):
            comp = Competency(str(r["competency_code"]), str(r["competency_label"]), str(r["block_code"]))
            if comp.code not in seen:  # one row per programme when the workspace holds several
                seen.add(comp.code)
                by_block.setdefault(comp.block, []).append(comp)
        blocks = [Block(code, block_labels.get(code, code), tuple(sorted(comps, key=lambda c: c.code)))
                  for code, comps in sorted(by_block.items()) if comps]
        levels = [Level(str(r["level_code"]), str(r["level_label"]), int(r["level_rank"]),  # type: ignore[arg-type]
                        str(r["level_definition"] or ""))
                  for r in iter_records(run_query(store, "coverage_levels", {"lang": lang}))]
        aliases: dict[str, str] = {}
        for other in ("fr", "en"):
            for r in iter_records(run_query(store, "coverage_levels", {"lang": other})):
                aliases[str(r["level_label"]).casefold()] = str(r["level_code"])
        for level in levels:
            aliases[level.code.casefold()] = level.code
        path = workspace.mapping_dir / MAPPING_KIND.file_name
        data = path.read_bytes() if path.exists() else b""
        rows = read_rows(data)
        from .links import LinkData

        return cls(lang, modules, blocks, levels, aliases, rows, data, LinkData.from_workspace(workspace, store, lang))


def read_rows(data: bytes) -> list[dict[str, str]]:
    """The rows of a mapping CSV as the csv module reads them (a leading BOM dropped, CR LF → LF,
    header names trimmed); the values are kept as they are (see :func:`row_key`). Bad UTF-8 gives
    no rows: the mapping reader names the place when the workspace is built."""
    if not data:
        return []
    try:
        text = decode_utf8(data)
    except UnicodeDecodeError:
        return []
    reader = csv.DictReader(io.StringIO(text, newline=""))
    reader.fieldnames = [name.strip() for name in reader.fieldnames or []]
    return [{k: (v if isinstance(v, str) else "") for k, v in row.items() if k is not None} for row in reader]


def row_key(row: dict[str, str]) -> tuple[str, str]:
    """(module, competency) codes of a mapping row, normalised as the mapping reader does."""
    return clean_code(row.get("module")), clean_code(row.get("competency"))


def format_rows(rows: list[dict[str, str]]) -> bytes:
    """Mapping rows as the CSV file holds them: header, comma, minimal quoting, ``\\n`` line ends."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=MAPPING_COLUMNS, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")
