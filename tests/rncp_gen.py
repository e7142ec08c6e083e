"""Generators of RNCP exports for the tests of real-world text and hostile files (issues #12, #13).

Built in the test, never stored: bombs stay a few lines of code. Values are XML-escaped with the
standard library, so what a test puts in a field is exactly what the importer reads.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n<FICHES>\n<VERSION_FLUX>4.1</VERSION_FLUX>\n'


def fiche_xml(number: str, title: str = "Brevet de test", blocks=(), *, raw_blocks: str = "") -> str:
    """One ``<FICHE>``: ``blocks`` are (code, label, competency list, evaluation) tuples, escaped."""
    parts = [f"<FICHE><NUMERO_FICHE>{escape(number)}</NUMERO_FICHE><INTITULE>{escape(title)}</INTITULE>"
             "<ACTIF>Oui</ACTIF><NOMENCLATURE_EUROPE><NIVEAU>NIV5</NIVEAU></NOMENCLATURE_EUROPE><BLOCS_COMPETENCES>"]
    for code, label, items, evaluation in blocks:
        parts.append(f"<BLOC_COMPETENCES><CODE>{escape(code)}</CODE><LIBELLE>{escape(label)}</LIBELLE>"
                     f"<LISTE_COMPETENCES>{escape(items)}</LISTE_COMPETENCES>"
                     f"<MODALITES_EVALUATION>{escape(evaluation)}</MODALITES_EVALUATION></BLOC_COMPETENCES>")
    parts.append(raw_blocks + "</BLOCS_COMPETENCES></FICHE>\n")
    return "".join(parts)


def xml_export(fiches: list[str]) -> bytes:
    return (HEADER + "".join(fiches) + "</FICHES>\n").encode("utf-8")


def write_zip(target: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return target


def literal_bomb(target: Path, chars: int = 17 * (1 << 20)) -> Path:
    """A zip (~17 KB) whose one competency list holds ``chars`` characters (past the Turtle
    parser's 16 MiB literal limit by default)."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("export_fiches_RNCP_V4_1_2025-01-31.xml", "w") as out:
            out.write(HEADER.encode() + b"<FICHE><NUMERO_FICHE>RNCP1</NUMERO_FICHE><INTITULE>Big</INTITULE>"
                      b"<BLOCS_COMPETENCES><BLOC_COMPETENCES><CODE>RNCP1BC01</CODE><LIBELLE>B</LIBELLE><LISTE_COMPETENCES>")
            chunk = b"a" * (1 << 20)
            for _ in range(chars // len(chunk)):
                out.write(chunk)
            out.write(b"</LISTE_COMPETENCES></BLOC_COMPETENCES></BLOCS_COMPETENCES></FICHE></FICHES>\n")
    return target


def deep_bomb(target: Path, depth: int = 100_000) -> Path:
    """A zip (~1 KB) with ``depth`` nested elements inside one fiche."""
    body = (HEADER + "<FICHE><NUMERO_FICHE>RNCP1</NUMERO_FICHE>" + "<X>" * depth + "</X>" * depth
            + "</FICHE></FICHES>\n").encode()
    return write_zip(target, {"export.xml": body})


def many_fiches(target: Path, count: int = 20_000) -> Path:
    """A zip (~120 KB) of ``count`` small fiches."""
    fiches = [fiche_xml(f"RNCP{900000 + i}", "T", [(f"RNCP{900000 + i}BC01", "Bloc", "- a    - b", "")])
              for i in range(1, count + 1)]
    return write_zip(target, {"export.xml": xml_export(fiches)})


CSV_HEADERS = {
    "Standard": ["Id_Fiche", "Numero_Fiche", "Intitule", "Abrege_Libelle", "Abrege_Intitule", "Nomenclature_Europe_Niveau",
                 "Nomenclature_Europe_Intitule", "Accessible_Nouvelle_Caledonie", "Accessible_Polynesie_Francaise",
                 "Date_dernier_jo", "Date_Decision", "Date_Fin_Enregistrement", "Date_Effet", "Type_Enregistrement",
                 "Validation_Partielle", "Actif"],
    "Blocs_De_Compétences": ["Numero_Fiche", "Bloc_Competences_Code", "Bloc_Competences_Libelle"],
}


def csv_export(target: Path, fiches: list[tuple[str, str, list[tuple[str, str]]]]) -> Path:
    """A CSV export zip: (number, title, [(block code, block label)]) per fiche, quoted as France
    Compétences writes it (``;``, every field quoted, CRLF)."""
    def table(kind: str, rows: list[list[str]]) -> bytes:
        out = io.StringIO(newline="")
        writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writerow(CSV_HEADERS[kind])
        writer.writerows(rows)
        return out.getvalue().encode("utf-8")

    standard = [[str(i), n, t, "", "", "NIV5", "", "", "", "01/01/2024", "01/01/2024", "01/01/2029", "01/01/2024",
                 "Enregistrement de droit", "", "ACTIVE"] for i, (n, t, _) in enumerate(fiches, 1)]
    blocks = [[n, code, label] for n, _, bl in fiches for code, label in bl]
    return write_zip(target, {"export_fiches_CSV_Standard_2024_02_22.csv": table("Standard", standard),
                              "export_fiches_CSV_Blocs_De_Compétences_2024_02_22.csv":
                                  table("Blocs_De_Compétences", blocks)})


def tree_digest(root: Path) -> dict[str, str]:
    """Every entry under ``root`` (hidden ones, links, folders) → a digest of what it is: the
    byte-identical check of a workspace."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if path.is_symlink():
            out[rel] = "link:" + str(path.readlink())
        elif path.is_dir():
            out[rel] = "dir"
        else:
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out
