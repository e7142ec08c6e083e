"""The coverage mapping: long-format CSV files → direct triples and qualified coverage nodes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from decimal import Decimal, InvalidOperation
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from .errors import InputError, os_reason
from .namespaces import ACCOUNT_ID, CID, CIPT, SCHEMA, account_agent
from .text import clean_code, clean_line, clean_text, csv_error_fr, decode_utf8, utf8_error_place

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

#: "unknown <target>" in French, by target column.
_TARGET_FR = {"competency": "compétence inconnue", "activity": "activité inconnue", "objective": "objectif inconnu"}

STATUSES = {"proposed": CIPT.Proposed, "proposé": CIPT.Proposed, "validated": CIPT.Validated,
            "validé": CIPT.Validated}


#: The optional column naming the account (its stable id, ``cipt_graph.accounts``) that proposed
#: or last changed a link; absent or empty for links recorded from the command line or before it.
ACCOUNT_COLUMN = "asserted_by_account"


#: The optional columns saying who validated a link, when (ISO 8601 UTC, ``2026-11-30T15:40:12Z``)
#: and with what comment; set when a link becomes ``validated`` (a review, a workbook), cleared
#: when it goes back to ``proposed``. In the graph: a ``cipt:Validation`` (a ``prov:Activity``).
VALIDATION_COLUMNS = ("validated_by", "validated_by_account", "validated_at", "validation_comment")


def columns_of(kind: LinkKind, rows: list[dict[str, str]] | None = None) -> list[str]:
    """The header of a mapping file of this kind, in order.

    With ``rows`` (what is about to be written): :data:`ACCOUNT_COLUMN` follows ``asserted_by``
    when one of them has an account, and :data:`VALIDATION_COLUMNS` end the header when one of
    them was validated with them, so that files without any stay as they were."""
    head = ["module", kind.target_column] + (["level", "hours"] if kind.has_level else [])
    account = [ACCOUNT_COLUMN] if rows and any((r.get(ACCOUNT_COLUMN) or "").strip() for r in rows) else []
    validation = list(VALIDATION_COLUMNS) if rows and any((r.get("validated_by") or "").strip() for r in rows) else []
    return head + ["status", "asserted_by", *account, "asserted_on", "rationale", *validation]


def with_validation(row: dict[str, str], *, by: str = "", account: str = "", comment: str = "",
                    at: dt.datetime | None = None) -> dict[str, str]:
    """``row`` with its :data:`VALIDATION_COLUMNS` for its status: a ``validated`` row gets
    ``by`` (a name), ``account`` (an account id, or ''), the time ``at`` (now by default, UTC to
    the second) and ``comment``; any other row has them cleared."""
    out = {k: v for k, v in row.items() if k not in VALIDATION_COLUMNS}
    if STATUSES.get(clean_code(row.get("status") or "").casefold()) == CIPT.Validated and clean_line(by):
        when = (at or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc).replace(microsecond=0)
        out.update(validated_by=clean_line(by), validated_by_account=clean_code(account),
                   validated_at=when.strftime("%Y-%m-%dT%H:%M:%SZ"), validation_comment=clean_text(comment))
    return out


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


class _TERMS:  # noqa: N801 - a namespace of constants
    type, module, level, hours, rationale = RDF.type, CIPT.module, CIPT.level, CIPT.coverageHours, CIPT.rationale
    status, attributed, agent, label = CIPT.mappingStatus, PROV.wasAttributedTo, PROV.Agent, RDFS.label
    generated, source, decimal, date = PROV.generatedAtTime, DCTERMS.source, XSD.decimal, XSD.date


@lru_cache(maxsize=4096)
def _literal(value, datatype=None) -> Literal:
    """``Literal(value, datatype=datatype)``, made once per value (names and dates repeat)."""
    return Literal(value, datatype=datatype)


@lru_cache(maxsize=4096)
def _agent(name: str) -> URIRef:
    import unicodedata

    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return CID[f"agent/{_slug(ascii_name)}"]


def mapping_triples(
    path: Path, kind: LinkKind, vocab: Vocabulary, *, data: bytes | None = None,
    modules: frozenset[str] | None = None,
) -> list[tuple[URIRef, URIRef, URIRef | Literal]]:
    """Read one mapping CSV into triples, checking every cell (as a list: fast for large files).

    ``data``: the file's bytes when they are not (yet) on disk (a staged import); ``path`` then
    only names the file in messages and provenance. ``modules``: only the rows of these module
    codes are read and checked (one programme's part of a university's file, issue #16).

    Text policy (``docs/text.md``): UTF-8, a leading byte-order mark dropped, CR LF and CR read
    as LF (also inside quoted fields); the file is cut into records by the csv module, so a
    quoted field keeps its line breaks and U+2028… Codes are :func:`~cipt_graph.text.clean_code`-d,
    ``asserted_by`` :func:`~cipt_graph.text.clean_line`-d, ``rationale``
    :func:`~cipt_graph.text.clean_text`-ed (NFC, line separators → LF, controls → U+FFFD).

    Raises:
        InputError: listing every bad cell as ``file, line N, column: what``.
    """
    triples: list[tuple[URIRef, URIRef, URIRef | Literal]] = []
    errors: list[tuple[str, str]] = []  # (English, French), each starting with the place
    source = CID[f"source/mapping/{path.name}"]
    try:
        raw = path.read_bytes() if data is None else data
        text = decode_utf8(raw)
    except UnicodeDecodeError as exc:
        place = utf8_error_place(raw, exc)
        raise InputError(f"line {place}: not UTF-8 text (byte {exc.start})", where=str(path),
                         fr=f"ligne {place} : ce n'est pas du texte UTF-8 (octet {exc.start})") from exc
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", where=str(path), en=f"cannot read: {os_reason(exc, 'en')}",
                         fr=f"lecture impossible : {os_reason(exc, 'fr')}") from exc
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    expected = columns_of(kind)
    try:
        header = [name.strip() for name in reader.fieldnames or []]
    except csv.Error as exc:
        raise InputError(f"line 1: {exc}", where=str(path), fr=f"ligne 1 : CSV mal formé ({csv_error_fr(exc)})") from exc
    reader.fieldnames = header
    missing = [c for c in expected if c not in header]
    extra = [c for c in header if c not in expected and c != ACCOUNT_COLUMN and c not in VALIDATION_COLUMNS]
    if missing or extra:
        raise InputError(
            f"line 1: header must be {','.join(expected)}"
            + (f"; missing {', '.join(missing)}" if missing else "")
            + (f"; unexpected {', '.join(repr(c) for c in extra)}" if extra else ""),
            where=str(path),
            fr=f"ligne 1 : l'en-tête doit être {','.join(expected)}"
            + (f" ; {'manquent' if len(missing) > 1 else 'manque'} {', '.join(missing)}" if missing else "")
            + (f" ; en trop : {', '.join(repr(c) for c in extra)}" if extra else ""),
        )
    seen: dict[tuple[str, str], int] = {}
    t = _TERMS  # the terms of every row, made once (a university's file has 30,000 rows)
    known_targets = vocab.targets[kind.target_class]
    target_fr = _TARGET_FR[kind.target_column]
    try:
        last = reader.line_num
        for row in reader:
            line, last = last + 1, reader.line_num  # the line the record starts on (a quoted field may span lines)

            def bad(column: str | None, en: str, fr: str) -> None:
                errors.append((f"line {line}" + (f", column {column}" if column else "") + f": {en}",
                               f"ligne {line}" + (f", colonne {column}" if column else "") + f" : {fr}"))

            if None in row or any(v is None for v in row.values()):
                bad(None, f"expected {len(expected)} fields", f"{len(expected)} champs attendus")
                continue
            module_code = clean_code(row["module"])
            if modules is not None and module_code not in modules:
                continue
            target_code = clean_code(row[kind.target_column])
            module = vocab.modules.get(module_code)
            target = known_targets.get(target_code)
            if module is None:
                bad("module", f"unknown module {module_code!r}", f"module inconnu {module_code!r}")
            if target is None:
                bad(kind.target_column, f"unknown {kind.target_column} {target_code!r}", f"{target_fr} {target_code!r}")
            key = (module_code, target_code)
            if key in seen:
                bad(None, f"duplicate link {module_code} → {target_code} (first on line {seen[key]})",
                    f"lien en double {module_code} → {target_code} (d'abord ligne {seen[key]})")
            seen[key] = line
            level = hours = None
            if kind.has_level:
                level = vocab.levels.get(clean_code(row["level"]).casefold())
                if level is None:
                    scale = ", ".join(sorted({k.upper() for k in vocab.levels if len(k) == 1}))
                    bad("level", f"{row['level']!r} is not a level of the scale ({scale})",
                        f"{row['level']!r} n'est pas un niveau de l'échelle ({scale})")
                if clean_code(row["hours"]):
                    try:
                        hours = Decimal(clean_code(row["hours"]).replace(",", "."))
                        if hours < 0 or not hours.is_finite():
                            raise InvalidOperation
                    except InvalidOperation:
                        bad("hours", f"{row['hours']!r} is not a number of hours ≥ 0",
                            f"{row['hours']!r} n'est pas un nombre d'heures ≥ 0")
                        hours = None
            status = STATUSES.get(clean_code(row["status"]).casefold())
            if status is None:
                bad("status", f"{row['status']!r} is not proposed or validated",
                    f"{row['status']!r} n'est ni proposed (proposé) ni validated (validé)")
            try:
                asserted_on = dt.date.fromisoformat(clean_code(row["asserted_on"]))
            except ValueError:
                bad("asserted_on", f"{row['asserted_on']!r} is not a date YYYY-MM-DD",
                    f"{row['asserted_on']!r} n'est pas une date AAAA-MM-JJ")
                asserted_on = None
            who = clean_line(row["asserted_by"])
            if not who:
                bad("asserted_by", "empty", "vide")
            elif len(who) > MAX_SHORT_FIELD_CHARS:
                bad("asserted_by", f"{len(who)} characters (at most {MAX_SHORT_FIELD_CHARS})",
                    f"{len(who)} caractères (au plus {MAX_SHORT_FIELD_CHARS})")
                who = ""
            account = clean_code(row.get(ACCOUNT_COLUMN) or "")
            if account and not ACCOUNT_ID.match(account):
                bad(ACCOUNT_COLUMN, f"{account[:80]!r} is not an account id",
                    f"{account[:80]!r} n'est pas un identifiant de compte")
                account = ""
            validation = _validation(row, bad) if status == CIPT.Validated else None
            rationale = clean_text(row["rationale"])
            if not rationale:
                bad("rationale", "empty", "vide")
            elif len(rationale) > MAX_RATIONALE_CHARS:
                bad("rationale", f"{len(rationale)} characters (at most {MAX_RATIONALE_CHARS})",
                    f"{len(rationale)} caractères (au plus {MAX_RATIONALE_CHARS})")
                rationale = ""
            if not rationale or module is None or target is None or status is None or asserted_on is None or not who:
                continue
            if kind.has_level and level is None:
                continue
            node = CID[f"coverage/{module_code}--{target_code}"]
            triples.append((module, kind.direct, target))
            triples.append((node, t.type, kind.node_class))
            triples.append((node, t.module, module))
            triples.append((node, kind.node_target, target))
            if level is not None:
                triples.append((node, t.level, level))
            if hours is not None:
                triples.append((node, t.hours, Literal(hours, datatype=t.decimal)))
            triples.append((node, t.rationale, Literal(rationale, lang="fr")))
            triples.append((node, t.status, status))
            agent = account_agent(account) if account else _agent(who)
            triples.append((node, t.attributed, agent))
            triples.append((agent, t.type, t.agent))
            triples.append((agent, t.label, _literal(who)))
            triples.append((node, t.generated, _literal(asserted_on, t.date)))
            triples.append((node, t.source, source))
            if validation is not None:
                triples += validation_triples(node, *validation)
    except csv.Error as exc:
        errors.append((f"line {reader.line_num}: {exc}", f"ligne {reader.line_num} : CSV mal formé ({csv_error_fr(exc)})"))
    if errors:
        more = len(errors) - 50
        shown = errors[:50] + ([(f"… and {more} more", f"… et {more} de plus")] if more > 0 else [])
        raise InputError(f"{len(errors)} error(s):\n  " + "\n  ".join(en for en, _ in shown), where=str(path),
                         en=f"{len(errors)} error{'s' if len(errors) > 1 else ''}:\n  " + "\n  ".join(en for en, _ in shown),
                         fr=f"{len(errors)} erreur{'s' if len(errors) > 1 else ''} :\n  " + "\n  ".join(fr for _, fr in shown))
    triples.append((source, RDF.type, PROV.Entity))
    triples.append((source, DCTERMS.title, Literal(f"mapping/{path.name}")))
    return triples


def _validation(row: dict[str, str | None], bad) -> tuple[str, str, dt.datetime, str] | None:
    """A validated row's (validator, account id, time, comment) from :data:`VALIDATION_COLUMNS`,
    or None when it has none (validated before they existed, or by hand); a bad cell is reported
    through ``bad(column, english, french)``."""
    who = clean_line(row.get("validated_by") or "")
    if not who:
        return None
    account = clean_code(row.get("validated_by_account") or "")
    text = clean_code(row.get("validated_at") or "")
    comment = clean_text(row.get("validation_comment") or "")
    try:
        at = dt.datetime.fromisoformat(text)
        if at.tzinfo is None:
            raise ValueError
    except ValueError:
        bad("validated_at", f"{text[:40]!r} is not a UTC date and time YYYY-MM-DDTHH:MM:SSZ",
            f"« {text[:40]} » n'est pas une date et heure UTC AAAA-MM-JJTHH:MM:SSZ")
        return None
    if len(who) > MAX_SHORT_FIELD_CHARS or (account and not ACCOUNT_ID.match(account)):
        bad("validated_by", "not a name or not an account id", "ni un nom ni un identifiant de compte")
        return None
    if len(comment) > MAX_RATIONALE_CHARS:
        bad("validation_comment", f"{len(comment)} characters (at most {MAX_RATIONALE_CHARS})",
            f"{len(comment)} caractères (au plus {MAX_RATIONALE_CHARS})")
        return None
    return who, account, at, comment


def validation_triples(node: URIRef, who: str, account: str, at: dt.datetime,
                       comment: str) -> list[tuple[URIRef | BNode, URIRef, URIRef | BNode | Literal]]:
    """The validation of the link ``node`` in PROV-O: ``node cipt:validation _:v`` (a
    sub-property of ``prov:wasInfluencedBy``), ``_:v a cipt:Validation`` (a ``prov:Activity``)
    that ``prov:used`` the link, with ``prov:wasAssociatedWith`` the validator (a ``prov:Agent``: their account's, else their
    name's), ``prov:endedAtTime`` (``xsd:dateTime``, UTC) and ``rdfs:comment`` (when given).
    The blank node's label is drawn from the link's IRI: the same data gives the same triples."""
    import hashlib

    activity = BNode("validation" + hashlib.sha256(str(node).encode()).hexdigest()[:24])
    agent = account_agent(account) if account else _agent(who)
    stamp = at.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    out = [(node, CIPT.validation, activity), (activity, RDF.type, CIPT.Validation), (activity, PROV.used, node),
           (activity, PROV.wasAssociatedWith, agent), (agent, RDF.type, PROV.Agent), (agent, RDFS.label, Literal(who)),
           (activity, PROV.endedAtTime, Literal(stamp, datatype=XSD.dateTime))]
    if comment:
        out.append((activity, RDFS.comment, Literal(comment)))
    return out


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

