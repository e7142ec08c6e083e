"""The coverage mapping: long-format CSV files → direct triples and qualified coverage nodes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from .errors import InputError
from .namespaces import ACCOUNT_ID, CID, CIPT, SCHEMA, account_agent
from .text import clean_code, clean_line, clean_text, decode_utf8, utf8_error_place

#: Longest rationale (characters, after normalisation) a mapping row or a workbook cell may hold.
MAX_RATIONALE_CHARS = 5000
#: Longest author name or code (characters).
MAX_SHORT_FIELD_CHARS = 200


@dataclass(frozen=True)
class LinkKind:
    """One kind of mapping file: which column names the target, and how it becomes triples."""

    file_name: str
    target_column: str
    target_class: URIRef
    direct: URIRef
    node_class: URIRef
    node_target: URIRef
    has_level: bool


LINK_KINDS = (
    LinkKind("module_competency.csv", "competency", CIPT.Competency, CIPT.coversCompetency,
             CIPT.CompetencyCoverage, CIPT.competency, True),
    LinkKind("module_activity.csv", "activity", CIPT.Activity, CIPT.preparesForActivity,
             CIPT.ActivityCoverage, CIPT.activity, False),
    LinkKind("module_objective.csv", "objective", CIPT.LearningObjective, CIPT.servesObjective,
             CIPT.ObjectiveCoverage, CIPT.objective, False),
)

STATUSES = {"proposed": CIPT.Proposed, "proposé": CIPT.Proposed, "validated": CIPT.Validated,
            "validé": CIPT.Validated}


#: The optional column naming the account (its stable id, ``cipt_graph.accounts``) that proposed
#: or last changed a link; absent or empty for links recorded from the command line or before it.
ACCOUNT_COLUMN = "asserted_by_account"


def columns_of(kind: LinkKind, rows: list[dict[str, str]] | None = None) -> list[str]:
    """The header of a mapping file of this kind, in order.

    With ``rows`` (what is about to be written): :data:`ACCOUNT_COLUMN` follows ``asserted_by``
    when one of them has an account, so that files without any stay as they were."""
    head = ["module", kind.target_column] + (["level", "hours"] if kind.has_level else [])
    account = [ACCOUNT_COLUMN] if rows and any((r.get(ACCOUNT_COLUMN) or "").strip() for r in rows) else []
    return head + ["status", "asserted_by", *account, "asserted_on", "rationale"]


@dataclass
class Vocabulary:
    """What mapping rows may refer to, read from the programme data and the level scheme."""

    modules: dict[str, URIRef]
    targets: dict[URIRef, dict[str, URIRef]]
    levels: dict[str, URIRef]

    @classmethod
    def from_graph(cls, graph: Graph) -> "Vocabulary":
        modules = {str(code): s for s, code in graph.subject_objects(SCHEMA.courseCode)
                   if (s, RDF.type, CIPT.Module) in graph}
        targets: dict[URIRef, dict[str, URIRef]] = {}
        for kind in LINK_KINDS:
            targets[kind.target_class] = {
                str(n): s for s, n in graph.subject_objects(SKOS.notation)
                if (s, RDF.type, kind.target_class) in graph
            }
        levels: dict[str, URIRef] = {}
        for level in graph.subjects(SKOS.inScheme, CID["scheme/coverage-levels"]):
            for name in [*graph.objects(level, SKOS.notation), *graph.objects(level, SKOS.prefLabel)]:
                levels[str(name).casefold()] = level
        return cls(modules, targets, levels)


def _slug(text: str) -> str:
    text = re.sub(r"[^0-9A-Za-z]+", "-", text.strip().lower()).strip("-")
    return text or "unknown"


def _agent(name: str) -> URIRef:
    import unicodedata

    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return CID[f"agent/{_slug(ascii_name)}"]


def mapping_triples(
    path: Path, kind: LinkKind, vocab: Vocabulary, *, data: bytes | None = None,
) -> list[tuple[URIRef, URIRef, URIRef | Literal]]:
    """Read one mapping CSV into triples, checking every cell (as a list: fast for large files).

    ``data``: the file's bytes when they are not (yet) on disk (a staged import); ``path`` then
    only names the file in messages and provenance.

    Text policy (``docs/text.md``): UTF-8, a leading byte-order mark dropped, CR LF and CR read
    as LF (also inside quoted fields); the file is cut into records by the csv module, so a
    quoted field keeps its line breaks and U+2028… Codes are :func:`~cipt_graph.text.clean_code`-d,
    ``asserted_by`` :func:`~cipt_graph.text.clean_line`-d, ``rationale``
    :func:`~cipt_graph.text.clean_text`-ed (NFC, line separators → LF, controls → U+FFFD).

    Raises:
        InputError: listing every bad cell as ``file, line N, column: what``.
    """
    triples: list[tuple[URIRef, URIRef, URIRef | Literal]] = []
    errors: list[str] = []
    source = CID[f"source/mapping/{path.name}"]
    try:
        raw = path.read_bytes() if data is None else data
        text = decode_utf8(raw)
    except UnicodeDecodeError as exc:
        raise InputError(f"line {utf8_error_place(raw, exc)}: not UTF-8 text (byte {exc.start})",
                         where=str(path)) from exc
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", where=str(path)) from exc
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    expected = columns_of(kind)
    try:
        header = [name.strip() for name in reader.fieldnames or []]
    except csv.Error as exc:
        raise InputError(f"line 1: {exc}", where=str(path)) from exc
    reader.fieldnames = header
    missing = [c for c in expected if c not in header]
    extra = [c for c in header if c not in expected and c != ACCOUNT_COLUMN]
    if missing or extra:
        raise InputError(
            f"line 1: header must be {','.join(expected)}"
            + (f"; missing {', '.join(missing)}" if missing else "")
            + (f"; unexpected {', '.join(repr(c) for c in extra)}" if extra else ""),
            where=str(path),
        )
    seen: dict[tuple[str, str], int] = {}
    known_targets = vocab.targets[kind.target_class]
    try:
        last = reader.line_num
        for row in reader:
            line, last = last + 1, reader.line_num  # the line the record starts on (a quoted field may span lines)
            where = f"line {line}"
            if None in row or any(v is None for v in row.values()):
                errors.append(f"{where}: expected {len(expected)} fields")
                continue
            module_code = clean_code(row["module"])
            target_code = clean_code(row[kind.target_column])
            module = vocab.modules.get(module_code)
            target = known_targets.get(target_code)
            if module is None:
                errors.append(f"{where}, column module: unknown module {module_code!r}")
            if target is None:
                errors.append(f"{where}, column {kind.target_column}: unknown {kind.target_column} {target_code!r}")
            key = (module_code, target_code)
            if key in seen:
                errors.append(f"{where}: duplicate link {module_code} → {target_code} (first on line {seen[key]})")
            seen[key] = line
            level = hours = None
            if kind.has_level:
                level = vocab.levels.get(clean_code(row["level"]).casefold())
                if level is None:
                    errors.append(
                        f"{where}, column level: {row['level']!r} is not a level of the scale "
                        f"({', '.join(sorted({k.upper() for k in vocab.levels if len(k) == 1}))})"
                    )
                if clean_code(row["hours"]):
                    try:
                        hours = Decimal(clean_code(row["hours"]).replace(",", "."))
                        if hours < 0 or not hours.is_finite():
                            raise InvalidOperation
                    except InvalidOperation:
                        errors.append(f"{where}, column hours: {row['hours']!r} is not a number of hours ≥ 0")
                        hours = None
            status = STATUSES.get(clean_code(row["status"]).casefold())
            if status is None:
                errors.append(f"{where}, column status: {row['status']!r} is not proposed or validated")
            try:
                asserted_on = dt.date.fromisoformat(clean_code(row["asserted_on"]))
            except ValueError:
                errors.append(f"{where}, column asserted_on: {row['asserted_on']!r} is not a date YYYY-MM-DD")
                asserted_on = None
            who = clean_line(row["asserted_by"])
            if not who:
                errors.append(f"{where}, column asserted_by: empty")
            elif len(who) > MAX_SHORT_FIELD_CHARS:
                errors.append(f"{where}, column asserted_by: {len(who)} characters (at most {MAX_SHORT_FIELD_CHARS})")
                who = ""
            account = clean_code(row.get(ACCOUNT_COLUMN) or "")
            if account and not ACCOUNT_ID.match(account):
                errors.append(f"{where}, column {ACCOUNT_COLUMN}: {account[:80]!r} is not an account id")
                account = ""
            rationale = clean_text(row["rationale"])
            if not rationale:
                errors.append(f"{where}, column rationale: empty")
            elif len(rationale) > MAX_RATIONALE_CHARS:
                errors.append(f"{where}, column rationale: {len(rationale)} characters "
                              f"(at most {MAX_RATIONALE_CHARS})")
                rationale = ""
            if not rationale or module is None or target is None or status is None or asserted_on is None or not who:
                continue
            if kind.has_level and level is None:
                continue
            node = CID[f"coverage/{module_code}--{target_code}"]
            triples.append((module, kind.direct, target))
            triples.append((node, RDF.type, kind.node_class))
            triples.append((node, CIPT.module, module))
            triples.append((node, kind.node_target, target))
            if level is not None:
                triples.append((node, CIPT.level, level))
            if hours is not None:
                triples.append((node, CIPT.coverageHours, Literal(hours, datatype=XSD.decimal)))
            triples.append((node, CIPT.rationale, Literal(rationale, lang="fr")))
            triples.append((node, CIPT.mappingStatus, status))
            agent = account_agent(account) if account else _agent(who)
            triples.append((node, PROV.wasAttributedTo, agent))
            triples.append((agent, RDF.type, PROV.Agent))
            triples.append((agent, RDFS.label, Literal(who)))
            triples.append((node, PROV.generatedAtTime, Literal(asserted_on, datatype=XSD.date)))
            triples.append((node, DCTERMS.source, source))
    except csv.Error as exc:
        errors.append(f"line {reader.line_num}: {exc}")
    if errors:
        shown = errors[:50] + ([f"… and {len(errors) - 50} more"] if len(errors) > 50 else [])
        raise InputError(f"{len(errors)} error(s):\n  " + "\n  ".join(shown), where=str(path))
    triples.append((source, RDF.type, PROV.Entity))
    triples.append((source, DCTERMS.title, Literal(f"mapping/{path.name}")))
    return triples


def read_mapping_file(path: Path, kind: LinkKind, vocab: Vocabulary, *, data: bytes | None = None) -> Graph:
    """Read one mapping CSV (or its staged ``data``) into a graph, checking every cell.

    Raises:
        InputError: listing every bad cell as ``file, line N, column: what``.
    """
    graph = Graph()
    for triple in mapping_triples(path, kind, vocab, data=data):
        graph.add(triple)
    return graph


def read_mapping(mapping_dir: Path, vocab: Vocabulary) -> Graph:
    """Read every mapping file of a workspace into one graph (absent files count as empty)."""
    graph = Graph()
    for kind in LINK_KINDS:
        path = mapping_dir / kind.file_name
        if path.exists():
            graph += read_mapping_file(path, kind, vocab)
    return graph

