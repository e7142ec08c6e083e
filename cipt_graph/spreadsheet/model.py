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
from ..queries import choose_programme, run_query
from ..store import iter_records, select
from ..text import clean_code, decode_utf8, quoted

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

#: The statuses' codes, as the mapping CSV keeps them.
STATUS_CHOICES = ("proposed", "validated")
#: The statuses as a workbook shows them to people, in its language; the import reads these and
#: the codes alike (``cipt_graph.mapping.STATUSES``, case ignored).
STATUS_LABELS = {"fr": {"proposed": "proposé", "validated": "validé"},
                 "en": {"proposed": "proposed", "validated": "validated"}}


def status_label(code: str, lang: str) -> str:
    """A status code (``validated``, or its French spelling ``validé``) as the workbook of
    ``lang`` writes it (``validé`` / ``validated``); other text as it is."""
    from ..mapping import STATUSES
    from ..namespaces import CIPT

    term = STATUSES.get(code.strip().casefold()) if code else None
    if term is None:
        return code
    return STATUS_LABELS[lang]["validated" if term == CIPT.Validated else "proposed"]


def status_error(status: str) -> tuple[str, str]:
    """The (French, English) message of a status cell that is no status."""
    return (f"statut {quoted(status)} inconnu : proposé ou validé (ou les codes proposed, validated)",
            f"unknown status {status!r}: proposed or validated")

TEXT = {
    "fr": {
        "blocks": "Bloc →",
        "matrix_headers": ("Période", "Code module", "Module", "Heures"),
        "labels_row": "Compétence →",
        "rationale_headers": ("Module", "Compétence", "Heures du lien", "Statut", "Auteur", "Date", "Justification"),
        "levels_headers": ("Code", "Niveau", "Rang", "Définition"),
        "level_prompt": "Niveau atteint : {levels} (vide = le module ne couvre pas la compétence)",
        "level_error": "Choisissez un niveau de l'échelle : {levels}, ou laissez vide.",
        "status_prompt": "proposé, ou validé par l'équipe pédagogique (les codes proposed et validated sont aussi acceptés)",
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
        "status_prompt": "proposed, or validated by the pedagogical team (the French proposé and validé are read too)",
        "hours_prompt": "Hours devoted to the competency in this module (empty when unknown)",
    },
}

INSTRUCTIONS_FR = """\
Matrice de couverture modules × compétences{name} (cipt-graph)

Ce classeur est un export de la correspondance entre les modules et les compétences du référentiel RNCP.
Modifiez-le, puis rapportez-le :
• sur le site de l'équipe : {upload} (connecté·e avec un compte « éditeur » ou « validateur » ;
  la page Matrice et la page Relecture y mènent, lien « Déposer un classeur modifié ») ;
  les erreurs y sont listées case par case, comme ci-dessous ;
• ou en ligne de commande : cipt import-matrix FICHIER --data DOSSIER [--author "Votre nom"]

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
• Statut : « proposé » ou « validé » (validé par l'équipe pédagogique), à choisir dans la liste. Les codes
  « proposed » et « validated » sont acceptés aussi. Vide : inchangé (ou « proposé » pour un nouveau lien).
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
• Un lien modifié (niveau, heures ou justification) repasse au statut « proposé », sauf si vous changez
  aussi son statut dans la feuille Justifications.
• Les liens non modifiés sont conservés tels quels. Réimporter ce fichier sans modification ne change rien.
• Chaque import accepté est enregistré comme une version : cipt versions, puis cipt diff v1 current.
• Si la correspondance a changé depuis cet export, l'import est refusé : téléchargez de nouveau le classeur
  (ou réexportez la matrice) et reportez-y vos modifications.

Feuille « Niveaux » : l'échelle de couverture (pour information).
"""

INSTRUCTIONS_EN = """\
Coverage matrix modules × competencies{name} (cipt-graph)

This workbook is an export of the mapping between the modules and the competencies of the RNCP framework.
Edit it, then bring it back:
• Bring it back on the team's site: {upload} (signed in as an editor; the Matrix
  and Review pages link to it: “Upload an edited workbook”); errors are listed there cell by cell;
• or on the command line: cipt import-matrix FILE --data DIR [--author "Your name"]

Sheet “Matrice” (matrix)
• One row per module (grouped by period), one column per competency (grouped by block).
• In each cell, choose the level reached from the list: {levels}.
• Empty cell: the module does not cover the competency. Empty a cell to remove a link.
• Do not move, insert, merge or delete rows or columns; do not change the headers, nor the modules'
  codes, titles, periods and hours (they come from the programme's data).

Sheet “Justifications” (rationales)
• One row per module → competency link: hours spent (optional), status, rationale.
• Every link of the matrix needs its row with a rationale (a sentence in French).
  For a new link, add a row (module code, competency code, rationale).
  For a link removed from the matrix, delete its row too.
• Status: proposed or validated (the French proposé and validé are read too), chosen from the list.
  Empty: unchanged (or “proposed” for a new link).
• The Author and Date columns are filled at import: every link added or changed gets the import's author
  and today's date.

Sheets “Activités” and “Objectifs” (activities, objectives)
• One row per module → activity (or module → objective) link: module code, activity (or objective) code,
  status, rationale. The title (column C) is there to read: it is not read back.
• To add a link, add a row; to remove a link, delete its row.

Import rules
• Every cell is checked: unknown module or competency, level off the scale, moved or merged headers,
  missing sheet. All errors are listed with their sheet and cell (for instance Matrice!F7) and nothing is
  applied until the whole file is valid.
• A changed link (level, hours or rationale) goes back to “proposed”, unless you also change its status
  in the Justifications sheet.
• Links left as they are stay as they are. Importing this file again unchanged changes nothing.
• Every accepted import is recorded as a version: cipt versions, then cipt diff v1 current.
• If the mapping changed since this export, the import is refused: download the workbook again.

Sheet “Niveaux” (levels): the coverage scale (for reference).
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
        rows: the rows of ``mapping/module_competency.csv`` as read, in file order (when the
            workspace holds several programmes: the rows of ``programme``'s modules only).
        mapping_bytes: that file's bytes (hashed to detect a change since the export).
        programme: the IRI of the programme the matrix is about when the workspace holds several
            (None with one programme: then the matrix is the whole mapping, as always).
        all_rows: every row of the file, in file order (``rows`` is a subset of it).
    """

    lang: str
    modules: list[Module]
    blocks: list[Block]
    levels: list[Level]
    level_aliases: dict[str, str]
    rows: list[dict[str, str]] = field(default_factory=list)
    mapping_bytes: bytes = b""
    links: "LinkData | None" = None  #: the module → activity and → objective links (:mod:`.links`)
    programme: str | None = None
    all_rows: list[dict[str, str]] = field(default_factory=list)
    #: The codes of the assessment sessions (``cipt:AssessmentSession``, such as the defence): they
    #: assess without teaching, so covering no competency is no gap for them.
    assessment_sessions: frozenset[str] = frozenset()
    #: The programme's short name (``skos:altLabel``, else its identifier, else its label: query
    #: ``programme_identity``), which the instructions' title names; empty when unknown.
    name: str = ""

    @property
    def competencies(self) -> list[Competency]:
        return [c for b in self.blocks for c in b.competencies]

    @property
    def level_codes(self) -> list[str]:
        return [level.code for level in self.levels]

    @property
    def mapping_sha256(self) -> str:
        """The hash the workbook keeps to detect a change since the export: of the whole file, or
        (several programmes) of the programme's rows only, so that another programme's import
        does not refuse this one's."""
        if self.programme is not None:
            return hashlib.sha256(self.programme.encode() + b"\n" + format_rows(self.rows)).hexdigest()
        return hashlib.sha256(self.mapping_bytes).hexdigest()

    def merged_file_rows(self, rows: list[dict[str, str]]) -> list[dict[str, str]]:
        """Every row of the file once ``rows`` (the programme's rows after an edit) replace the
        programme's: the other programmes' rows are kept as they are, in place; the programme's
        rows go where its first row was (at the end when it had none)."""
        if self.programme is None:
            return rows
        return merge_back(self.all_rows, self.rows, rows)

    def level_of(self, text: str) -> str | None:
        """The notation a cell or CSV value names (``r``, ``R``, ``Approfondissement``…), else None."""
        return self.level_aliases.get(text.strip().casefold())

    @classmethod
    def from_workspace(cls, workspace: Workspace, lang: str = "fr", programme: str | None = None,
                       *, option: str = "--programme") -> "MatrixModel":
        """Read the matrix of a workspace (or of the shipped data).

        ``programme`` (code, path or IRI) picks the programme when the workspace holds several
        (it is needed then); with one programme it may be omitted.

        Raises:
            InputError: a data file of the workspace is malformed.
            QueryError: ``programme`` names none, or is missing while the workspace holds several
                (the message names ``option``).
        """
        from ..programme_check import programme_modules

        # One programme of several: only its modules' mapping rows are read (issue #16; the
        # queries below, scoped to it, see the same); an unknown one fails before any build.
        store = build_store(workspace, modules=programme_modules(workspace, programme, option=option))
        chosen = choose_programme(store, programme, option=option)
        several = len(select(store, _TWO_PROGRAMMES)) > 1
        scope = {"lang": lang, **({"programme": chosen.value} if several and chosen is not None else {})}
        modules = [
            Module(str(r["module_code"]), str(r["module_label"]), int(r["module_hours"]),  # type: ignore[arg-type]
                   str(r["period_code"] or ""), str(r["period_label"] or ""))
            for r in iter_records(run_query(store, "modules", scope))
        ]
        block_labels = {str(r["block_code"]): str(r["block_label"])
                        for r in iter_records(run_query(store, "hours_per_block", scope))}
        by_block: dict[str, list[Competency]] = {code: [] for code in sorted(block_labels)}
        seen: set[str] = set()
        for r in iter_records(run_query(store, "hours_per_competency", scope)):
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
        all_rows = read_rows(data)
        from .links import LinkData

        links = LinkData.from_workspace(workspace, store, lang)
        sessions = frozenset(str(r["code"]) for r in iter_records(select(store, _ASSESSMENT_SESSIONS)))
        name = _short_name(store, chosen.value, lang) if chosen is not None else ""
        if several and chosen is not None:
            own = {m.code for m in modules}
            rows = [r for r in all_rows if row_key(r)[0] in own]
            return cls(lang, modules, blocks, levels, aliases, rows, data, links=links.scoped(own, chosen.value),
                       programme=chosen.value, all_rows=all_rows, assessment_sessions=sessions, name=name)
        return cls(lang, modules, blocks, levels, aliases, all_rows, data, links=links, all_rows=all_rows,
                   assessment_sessions=sessions, name=name)


def _short_name(store, programme: str, lang: str) -> str:
    """The programme's short name as the pages' footer gives it (``M2 CIPT``, ``U007``)."""
    for label_lang in dict.fromkeys((lang, "fr")):  # a programme labelled in French only keeps its name
        for row in iter_records(run_query(store, "programme_identity", {"lang": label_lang, "programme": programme})):
            return str(row.get("short_label") or row.get("identifier") or row.get("programme_label") or "")
    return ""


_ASSESSMENT_SESSIONS = ("PREFIX cipt: <https://w3id.org/cipt-graph/ontology#> PREFIX schema: <https://schema.org/> "
                        "SELECT ?code WHERE { ?m a cipt:AssessmentSession ; schema:courseCode ?code }")
_TWO_PROGRAMMES = "PREFIX cipt: <https://w3id.org/cipt-graph/ontology#> SELECT ?p WHERE { ?p a cipt:Programme } LIMIT 2"


def merge_back(all_rows: list[dict[str, str]], own: list[dict[str, str]],
               new: list[dict[str, str]]) -> list[dict[str, str]]:
    """``all_rows`` with ``own`` (some of its rows, the same objects) replaced by ``new``: the other
    rows are kept as they are, in place; ``new`` goes where the first of ``own`` was (at the end
    when there was none)."""
    mine = {id(r) for r in own}
    out: list[dict[str, str]] = []
    placed = False
    for row in all_rows:
        if id(row) in mine:
            if not placed:
                out.extend(new)
                placed = True
            continue
        out.append(row)
    if not placed:
        out.extend(new)
    return out


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
    writer = csv.DictWriter(buffer, fieldnames=columns_of(MAPPING_KIND, rows), lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")
