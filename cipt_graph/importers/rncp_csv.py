"""Reader of France Compétences' CSV export: a zip of ten ``;``-separated files.

Quirks handled (``../shared/rncp-samples/README.md``): UTF-8 without BOM, ``;`` delimiter, every
non-empty field double-quoted, CRLF line ends; SIRET fields start with a TAB inside the quotes;
ROME labels double their apostrophes (``d''affaires``); zip entry names are UTF-8 without the
zip UTF-8 flag (``Blocs_De_Compétences``). The CSV export carries no competency lists or
evaluation modes (only the XML does): blocks come with their code and label only.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator
from pathlib import Path

from ..errors import InputError
from ..text import BOM, clean_code, csv_error_fr
from .limits import ByteCounter, ImportLimits, LimitError, check_zip, count_fr
from .fiche import Block, Certifier, Code, Fiche, parse_bool, parse_date, parse_level

#: File kinds of the export: a part of the entry name, and the columns read from it.
FILES = {
    "standard": ("_Standard_", ("Numero_Fiche", "Intitule", "Nomenclature_Europe_Niveau", "Actif",
                                "Type_Enregistrement", "Date_dernier_jo", "Date_Decision", "Date_Effet",
                                "Date_Fin_Enregistrement")),
    "blocks": ("_Blocs_De_Comp", ("Numero_Fiche", "Bloc_Competences_Code", "Bloc_Competences_Libelle")),
    "certifiers": ("_Certificateurs_", ("Numero_Fiche", "Siret_Certificateur", "Nom_Certificateur")),
    "rome": ("_Rome_", ("Numero_Fiche", "Codes_Rome_Code", "Codes_Rome_Libelle")),
    "nsf": ("_Nsf_", ("Numero_Fiche", "Nsf_Code", "Nsf_Intitule")),
    "lineage": ("_Ancienne_Nouvelle_Certification_", ("Numero_Fiche", "Ancienne_Certification")),
}
_UTF8_FLAG = 0x800

Progress = Callable[[int, int, int], None]


def member_name(info: zipfile.ZipInfo) -> str:
    """A zip entry's name, decoded as UTF-8 even when the zip's UTF-8 flag is missing."""
    if info.flag_bits & _UTF8_FLAG:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("utf-8")
    except UnicodeError:
        return info.filename


def is_csv_export(path: Path) -> bool:
    """Whether ``path`` is a zip holding a CSV export's ``*_Standard_*.csv``."""
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        return any(FILES["standard"][0] in member_name(i) and member_name(i).lower().endswith(".csv")
                   for i in archive.infolist())


def _rows(archive: zipfile.ZipFile, info: zipfile.ZipInfo, where: str, columns: tuple[str, ...],
          counter: ByteCounter, limits: ImportLimits) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, row) of one CSV entry, the header checked (a leading BOM is not data)."""
    with archive.open(info) as raw:
        text = io.TextIOWrapper(counter.wrap(raw, where), encoding="utf-8", newline="")
        reader = csv.reader(text, delimiter=";", quotechar='"', strict=True)
        try:
            first = text.readline(limits.max_field_chars)
            if first.startswith(BOM):
                first = first[1:]
            if not first.strip():
                raise InputError("empty file: expected a header line", where=f"{where}:1",
                                 fr="fichier vide : une ligne d'en-tête est attendue")
            if ";" not in first:
                found = next((d for d in (",", "\t", "|") if d in first), None)
                hint = f"wrong delimiter {found!r}, " if found else ""
                hint_fr = f"mauvais séparateur {found!r}, " if found else ""
                raise InputError(f"{hint}expected ';' between the columns of the header "
                                 f"({';'.join(columns)}…)", where=f"{where}:1",
                                 fr=f"{hint_fr}';' attendu entre les colonnes de l'en-tête ({';'.join(columns)}…)")
            header = next(csv.reader([first], delimiter=";", quotechar='"', strict=True))
            missing = [c for c in columns if c not in header]
            if missing:
                raise InputError(f"missing column(s) {', '.join(missing)}", where=f"{where}:1",
                                 fr=f"{'colonnes manquantes' if len(missing) > 1 else 'colonne manquante'} : "
                                    f"{', '.join(missing)}")
            for values in reader:
                line = reader.line_num + 1
                if not values:
                    continue
                if len(values) != len(header):
                    raise InputError(f"{len(values)} fields, the header has {len(header)} (expected ';' between fields)",
                                     where=f"{where}:{line}",
                                     fr=f"{len(values)} champs, l'en-tête en a {len(header)} (';' attendu entre "
                                        "les champs)")
                longest = max(values, key=len)
                if len(longest) > limits.max_field_chars:
                    column = header[values.index(longest)]
                    raise LimitError("max_field_chars", limits.max_field_chars,
                                     f"column {column} holds {len(longest)} characters", where=f"{where}:{line}",
                                     fr=f"la colonne {column} contient {count_fr(len(longest))} caractères")
                yield line, dict(zip(header, values))
        except UnicodeDecodeError as exc:
            raise InputError(f"not UTF-8 text: {exc.reason}", where=where,
                             fr=f"ce n'est pas du texte UTF-8 : octet {exc.object[exc.start]:#04x} invalide") from None
        except csv.Error as exc:
            raise InputError(f"malformed CSV: {exc}", where=f"{where}:{reader.line_num + 1}",
                             fr=f"CSV mal formé : {csv_error_fr(exc)}") from None



def _clean(value: str) -> str:
    """A field without the export's TAB prefix (SIRET) and surrounding spaces."""
    return value.replace("\t", "").strip()


def _code_label(value: str, code: str) -> str:
    """``"251 : Mécanique…"`` → ``"Mécanique…"`` (NSF and Formacode labels repeat the code)."""
    prefix = f"{code} : "
    return value[len(prefix):] if value.startswith(prefix) else value


def read_csv_export(path: Path, *, wanted: Collection[str] | None = None,
                    progress: Progress | None = None, limits: ImportLimits | None = None) -> Iterator[Fiche]:
    """The fiches of a CSV export zip, one per row of its ``*_Standard_*.csv``.

    The side files (blocks, certifiers, ROME, NSF, lineage) are read first and grouped by fiche
    number; the standard file is then streamed.

    Raises:
        InputError: a missing file or column, a wrong delimiter, a bad date or flag (file and line).
        LimitError: a limit of :class:`.limits.ImportLimits` passed (limit and place named).
    """
    limits = limits or ImportLimits.from_env()
    with zipfile.ZipFile(path) as archive:
        check_zip(archive, limits, str(path))
        counter = ByteCounter(limits.max_unzipped_bytes, str(path))
        entries: dict[str, zipfile.ZipInfo] = {}
        for info in archive.infolist():
            name = member_name(info)
            for kind, (part, _) in FILES.items():
                if part in name and name.lower().endswith(".csv"):
                    entries.setdefault(kind, info)
        if "standard" not in entries:
            raise InputError("not an RNCP CSV export: no *_Standard_*.csv in the zip", where=str(path),
                             fr="ce n'est pas un export CSV du RNCP : pas de *_Standard_*.csv dans le zip")
        side: dict[str, dict[str, list[dict[str, str]]]] = {}
        items: dict[str, int] = defaultdict(int)
        for kind in ("blocks", "certifiers", "rome", "nsf", "lineage"):
            side[kind] = defaultdict(list)
            if kind not in entries:
                continue
            where = f"{path}!{member_name(entries[kind])}"
            for line, row in _rows(archive, entries[kind], where, FILES[kind][1], counter, limits):
                number = clean_code(_clean(row["Numero_Fiche"]))
                if wanted is None or number in wanted:
                    side[kind][number].append(row)
                    items[number] += 1
                    if items[number] > limits.max_items_per_fiche:
                        raise LimitError("max_items_per_fiche", limits.max_items_per_fiche,
                                         f"more than {limits.max_items_per_fiche} entries for fiche {number}",
                                         fr=f"plus de {count_fr(limits.max_items_per_fiche)} entrées pour la fiche {number}",
                                         where=f"{where}:{line}")
        info = entries["standard"]
        where_file = f"{path}!{member_name(info)}"
        seen = 0
        for line, row in _rows(archive, info, where_file, FILES["standard"][1], counter, limits):
            seen += 1
            if seen > limits.max_fiches:
                raise LimitError("max_fiches", limits.max_fiches, f"more than {limits.max_fiches} fiches in the export",
                                 fr=f"plus de {count_fr(limits.max_fiches)} fiches dans l'export",
                                 where=f"{where_file}:{line}")
            number = clean_code(_clean(row["Numero_Fiche"]))
            if progress is not None and seen % 1000 == 0:
                progress(seen, 0, seen)
            if wanted is not None and number not in wanted:
                continue
            yield _fiche(number, row, side, where=f"{where_file}:{line} ({number})")
        if progress is not None:
            progress(seen, 0, seen)


def _fiche(number: str, row: dict[str, str], side: dict[str, dict[str, list[dict[str, str]]]], *, where: str) -> Fiche:
    fiche = Fiche(
        number=number,
        title=row["Intitule"].strip(),
        level=parse_level(row["Nomenclature_Europe_Niveau"], where=where, what="Nomenclature_Europe_Niveau"),
        active=parse_bool(row["Actif"], where=where, what="Actif"),
        registration_type=row["Type_Enregistrement"].strip(),
        publication_date=parse_date(row["Date_dernier_jo"], where=where, what="Date_dernier_jo"),
        decision_date=parse_date(row["Date_Decision"], where=where, what="Date_Decision"),
        effective_date=parse_date(row["Date_Effet"], where=where, what="Date_Effet"),
        registration_end_date=parse_date(row["Date_Fin_Enregistrement"], where=where, what="Date_Fin_Enregistrement"),
        where=where,
    )
    fiche.state = "Active" if fiche.active else ("Inactive" if fiche.active is False else "")
    for r in side["blocks"].get(number, []):
        fiche.blocks.append(Block(_clean(r["Bloc_Competences_Code"]), r["Bloc_Competences_Libelle"].strip()))
    fiche.blocks.sort(key=lambda b: b.code)
    for r in side["certifiers"].get(number, []):
        fiche.certifiers.append(Certifier(_clean(r["Siret_Certificateur"]), r["Nom_Certificateur"].strip()))
    for r in side["rome"].get(number, []):
        code = _clean(r["Codes_Rome_Code"])
        fiche.rome.append(Code(code, r["Codes_Rome_Libelle"].replace("''", "'").strip()))
    for r in side["nsf"].get(number, []):
        code = _clean(r["Nsf_Code"])
        fiche.nsf.append(Code(code, _code_label(r["Nsf_Intitule"].strip(), code)))
    fiche.replaces = [_clean(r["Ancienne_Certification"]) for r in side["lineage"].get(number, [])
                      if _clean(r["Ancienne_Certification"])]
    return fiche
