"""Streaming reader of France Compétences' XML export V4.1 (``.xml``, or the ``.zip`` it ships in).

The file (``<FICHES>``, ``<VERSION_FLUX>``, then one ``<FICHE>`` per certification) is read with
a SAX parser guarded by defusedxml: a DTD, an entity declaration or an external reference is
refused, so no entity is ever expanded. No tree is built: the handler keeps the path of open
elements and the text of the few leaf elements it wants, selected by their full path under
``FICHES/FICHE`` — so child order does not matter and same-named elements elsewhere (a
``BLOC_COMPETENCES`` or ``NUMERO_FICHE`` inside ``CORRESPONDANCES``) are ignored. Memory stays
bounded by one fiche.
"""

from __future__ import annotations

import re

import zipfile
from collections.abc import Callable, Collection, Iterator
from pathlib import Path
from typing import BinaryIO
from xml.sax import SAXParseException
from xml.sax.expatreader import ExpatLocator
from xml.sax.handler import ContentHandler

from defusedxml import DefusedXmlException, DTDForbidden
from defusedxml.expatreader import create_parser

from ..errors import InputError
from .fiche import Block, Certifier, Code, Fiche, parse_bool, parse_date, parse_level
from ..text import clean_code
from .limits import ByteCounter, ImportLimits, LimitError, check_zip, count_fr
from .rncp_csv import member_name

ROOT, FICHE = "FICHES", "FICHE"
CHUNK = 1 << 20

#: Leaf elements read under FICHES/FICHE, by path relative to FICHE.
FICHE_FIELDS = (
    "NUMERO_FICHE", "INTITULE", "ETAT_FICHE", "ACTIF", "NOMENCLATURE_EUROPE/NIVEAU",
    "TYPE_ENREGISTREMENT", "DATE_DE_PUBLICATION", "DATE_DECISION", "DATE_EFFET",
    "DATE_FIN_ENREGISTREMENT", "DATE_LIMITE_DELIVRANCE",
)
#: Repeated elements under FICHE (by path) and the leaf children read in each.
GROUPS = {
    "CERTIFICATEURS/CERTIFICATEUR": ("SIRET_CERTIFICATEUR", "NOM_CERTIFICATEUR"),
    "CODES_ROME/ROME": ("CODE", "LIBELLE"),
    "CODES_NSF/NSF": ("CODE", "LIBELLE"),
    "BLOCS_COMPETENCES/BLOC_COMPETENCES": ("CODE", "LIBELLE", "LISTE_COMPETENCES", "MODALITES_EVALUATION"),
    "ANCIENNES_CERTIFICATIONS/ANCIENNE_CERTIFICATION": ("ID_FICHE_ANCIENNE_CERTIFICATION",),
}
_LEAVES = frozenset(FICHE_FIELDS) | {f"{g}/{c}" for g, cs in GROUPS.items() for c in cs}

Progress = Callable[[int, int, int], None]


def _prefixes() -> frozenset[str]:
    """Every path under FICHE that leads to a wanted leaf or group (so deeper paths are not built)."""
    out = set()
    for path in _LEAVES | set(GROUPS):
        parts = path.split("/")
        out.update("/".join(parts[:i]) for i in range(1, len(parts) + 1))
    return frozenset(out)


_PREFIXES = _prefixes()

#: Expat's commonest complaints (``xml.parsers.expat.ErrorString``) in French; others stay as expat words them.
_EXPAT_FR = {
    "syntax error": "erreur de syntaxe", "no element found": "aucun élément trouvé",
    "not well-formed (invalid token)": "document mal formé (symbole invalide)", "unclosed token": "symbole non fermé",
    "partial character": "caractère incomplet", "mismatched tag": "balise fermante qui ne correspond pas",
    "duplicate attribute": "attribut en double", "junk after document element": "contenu après l'élément racine",
    "undefined entity": "entité non définie", "reference to invalid character number": "référence à un caractère invalide",
    "XML or text declaration not at start of entity": "déclaration XML ailleurs qu'au début du fichier",
    "unknown encoding": "encodage inconnu", "unclosed CDATA section": "section CDATA non fermée",
    "encoding specified in XML declaration is incorrect": "l'encodage déclaré dans la déclaration XML est faux",
    "unbound prefix": "préfixe d'espace de noms non déclaré", "XML declaration not well-formed": "déclaration XML mal formée",
}


class _Handler(ContentHandler):
    """Collects one fiche at a time into plain dicts; ``ready`` holds the fiches completed.

    Each element costs O(1): the depth is a counter checked against ``max_xml_depth`` first, and
    the path relative to FICHE is built only while it can still lead to a wanted element.
    """

    def __init__(self, name: str, wanted: Collection[str] | None, limits: ImportLimits) -> None:
        super().__init__()
        self.name = name
        self.wanted = wanted
        self.limits = limits
        self.locator = None
        self.depth = 0
        self.rels: list[str | None] = []  # path relative to FICHE, None when not wanted
        self.in_fiche = False
        self.ready: list[Fiche] = []
        self.version: str | None = None
        self.seen = 0
        self._fields: dict[str, str] = {}
        self._groups: dict[str, list[dict[str, str]]] = {}
        self._group: tuple[str, dict[str, str]] | None = None
        self._text: list[str] | None = None
        self._text_len = 0
        self._items = 0
        self._fiche_chars = 0
        self._fiche_line = 0

    def setDocumentLocator(self, locator) -> None:  # noqa: N802 (SAX API)
        self.locator = locator

    @property
    def line(self) -> int:
        return self.locator.getLineNumber() if self.locator is not None else 0

    def _start_text(self) -> None:
        self._text, self._text_len = [], 0

    def startElement(self, name, attrs) -> None:  # noqa: N802
        self.depth += 1
        depth = self.depth
        if depth > self.limits.max_xml_depth:
            raise LimitError("max_xml_depth", self.limits.max_xml_depth,
                             f"elements nested more than {self.limits.max_xml_depth} deep (<{name}>)",
                             fr=f"éléments imbriqués sur plus de {count_fr(self.limits.max_xml_depth)} niveaux (<{name}>)",
                             where=f"{self.name}:{self.line}", status=400)
        parent = self.rels[-1] if self.rels else None
        rel = None
        if depth == 1:
            if name != ROOT:
                raise InputError(f"not an RNCP XML export: the root element is <{name}>, expected <{ROOT}>",
                                 where=f"{self.name}:{self.line}",
                                 fr=f"ce n'est pas un export XML du RNCP : l'élément racine est <{name}>, "
                                    f"<{ROOT}> attendu")
        elif depth == 2:
            self.in_fiche = name == FICHE
            if name == FICHE:
                self.seen += 1
                if self.seen > self.limits.max_fiches:
                    raise LimitError("max_fiches", self.limits.max_fiches,
                                     f"more than {self.limits.max_fiches} fiches in the export",
                                     fr=f"plus de {count_fr(self.limits.max_fiches)} fiches dans l'export",
                                     where=f"{self.name}:{self.line}")
                self._fields, self._groups, self._group, self._items = {}, {}, None, 0
                self._fiche_chars = 0
                self._fiche_line = self.line
                rel = ""
            elif name == "VERSION_FLUX":
                self._start_text()
        elif self.in_fiche and parent is not None:
            candidate = f"{parent}/{name}" if parent else name
            if candidate in _PREFIXES:
                rel = candidate
                if rel in GROUPS:
                    self._group = (rel, {})
                elif rel in _LEAVES:
                    self._start_text()
        self.rels.append(rel)

    def characters(self, content) -> None:
        if self._text is not None:
            self._text_len += len(content)
            if self._text_len > self.limits.max_field_chars:
                element = self.rels[-1] or "VERSION_FLUX"
                raise LimitError("max_field_chars", self.limits.max_field_chars,
                                 f"<{element.rsplit('/', 1)[-1]}> ({element}) holds more than "
                                 f"{self.limits.max_field_chars} characters",
                                 fr=f"<{element.rsplit('/', 1)[-1]}> ({element}) contient plus de "
                                    f"{count_fr(self.limits.max_field_chars)} caractères",
                                 where=f"{self.name}:{self.line} ({self._fields.get('NUMERO_FICHE', '?')})")
            self._fiche_chars += len(content)
            if self._fiche_chars > self.limits.max_fiche_chars:
                raise LimitError("max_fiche_chars", self.limits.max_fiche_chars,
                                 f"the fiche holds more than {self.limits.max_fiche_chars} characters of text",
                                 fr=f"la fiche contient plus de {count_fr(self.limits.max_fiche_chars)} caractères de texte",
                                 where=f"{self.name}:{self.line} ({self._fields.get('NUMERO_FICHE', '?')})")
            self._text.append(content)

    def endElement(self, name) -> None:  # noqa: N802
        depth = self.depth
        rel = self.rels.pop()
        self.depth -= 1
        if depth == 2 and name == "VERSION_FLUX" and self._text is not None:
            self.version = "".join(self._text).strip()
        elif depth == 2 and name == FICHE:
            self.in_fiche = False
            self._finish_fiche()
        elif rel:
            if self._text is not None and rel in _LEAVES:
                text = "".join(self._text).strip()
                if self._group is not None and rel.startswith(self._group[0] + "/"):
                    self._group[1].setdefault(rel[len(self._group[0]) + 1:], text)
                elif rel in FICHE_FIELDS:
                    self._fields.setdefault(rel, text)
            elif self._group is not None and rel == self._group[0]:
                self._groups.setdefault(rel, []).append(self._group[1])
                self._group = None
                self._items += 1
                if self._items > self.limits.max_items_per_fiche:
                    raise LimitError("max_items_per_fiche", self.limits.max_items_per_fiche,
                                     f"more than {self.limits.max_items_per_fiche} entries in one fiche",
                                     fr=f"plus de {count_fr(self.limits.max_items_per_fiche)} entrées dans une fiche",
                                     where=f"{self.name}:{self.line} ({self._fields.get('NUMERO_FICHE', '?')})")
        self._text = None

    def _finish_fiche(self) -> None:
        where = f"{self.name}:{self._fiche_line}"
        number = clean_code(self._fields.get("NUMERO_FICHE", ""))
        if not number:
            raise InputError("<FICHE> without a NUMERO_FICHE", where=where, fr="<FICHE> sans NUMERO_FICHE")
        if self.wanted is not None and number not in self.wanted:
            return
        self.ready.append(fiche_from_fields(number, self._fields, self._groups, where=f"{where} ({number})"))


def fiche_from_fields(number: str, fields: dict[str, str], groups: dict[str, list[dict[str, str]]],
                      *, where: str) -> Fiche:
    """A :class:`Fiche` from the texts read under one ``<FICHE>``.

    Raises:
        InputError: a date, flag or level in the wrong format (the message names the element).
    """
    f = fields.get
    fiche = Fiche(
        number=number,
        title=f("INTITULE", ""),
        level=parse_level(f("NOMENCLATURE_EUROPE/NIVEAU"), where=where, what="NOMENCLATURE_EUROPE/NIVEAU"),
        state=f("ETAT_FICHE", ""),
        active=parse_bool(f("ACTIF"), where=where, what="ACTIF"),
        registration_type=f("TYPE_ENREGISTREMENT", ""),
        where=where,
    )
    for attr, element in (("publication_date", "DATE_DE_PUBLICATION"), ("decision_date", "DATE_DECISION"),
                          ("effective_date", "DATE_EFFET"), ("registration_end_date", "DATE_FIN_ENREGISTREMENT"),
                          ("delivery_end_date", "DATE_LIMITE_DELIVRANCE")):
        setattr(fiche, attr, parse_date(f(element), where=where, what=element))
    for g in groups.get("CERTIFICATEURS/CERTIFICATEUR", []):
        if g.get("SIRET_CERTIFICATEUR") or g.get("NOM_CERTIFICATEUR"):
            fiche.certifiers.append(Certifier(g.get("SIRET_CERTIFICATEUR", "").strip(), g.get("NOM_CERTIFICATEUR", "")))
    for attr, path in (("rome", "CODES_ROME/ROME"), ("nsf", "CODES_NSF/NSF")):
        for g in groups.get(path, []):
            if g.get("CODE"):
                getattr(fiche, attr).append(Code(g["CODE"], g.get("LIBELLE", "")))
    seen_codes: set[str] = set()
    for g in groups.get("BLOCS_COMPETENCES/BLOC_COMPETENCES", []):
        code = g.get("CODE", "")
        if not code:
            raise InputError("BLOCS_COMPETENCES/BLOC_COMPETENCES without a CODE", where=where,
                             fr="BLOCS_COMPETENCES/BLOC_COMPETENCES sans CODE")
        if code in seen_codes:
            raise InputError(f"block {code} appears twice in the fiche", where=where,
                             fr=f"le bloc {code} figure deux fois dans la fiche")
        seen_codes.add(code)
        fiche.blocks.append(Block(code, g.get("LIBELLE", ""), g.get("LISTE_COMPETENCES", ""),
                                  g.get("MODALITES_EVALUATION", "")))
    fiche.replaces = [g["ID_FICHE_ANCIENNE_CERTIFICATION"]
                      for g in groups.get("ANCIENNES_CERTIFICATIONS/ANCIENNE_CERTIFICATION", [])
                      if g.get("ID_FICHE_ANCIENNE_CERTIFICATION")]
    return fiche


def _not_utf8(chunk: bytes, first: bytes, exc: SAXParseException) -> int | None:
    """The first byte of ``chunk`` (the input expat stopped in) that is not UTF-8, when expat's
    error is an invalid token and the document (its ``first`` bytes) declares no encoding; else ``None``."""
    if exc.getMessage() != "not well-formed (invalid token)" or re.match(rb"\s*<\?xml[^>]*encoding", first):
        return None
    start = 0  # the rest of a character the previous chunk cut is not an error either
    while start < min(3, len(chunk)) and 0x80 <= chunk[start] < 0xC0:
        start += 1
    try:
        chunk[start:].decode("utf-8")
    except UnicodeDecodeError as error:
        if error.reason != "unexpected end of data":  # a character cut at the chunk's end is not an error
            return chunk[start + error.start]
    return None


def _parse_stream(stream: BinaryIO, name: str, total: int, wanted: Collection[str] | None,
                  progress: Progress | None, limits: ImportLimits) -> Iterator[Fiche]:
    handler = _Handler(name, wanted, limits)
    parser = create_parser(forbid_dtd=True, forbid_entities=True, forbid_external=True)
    parser.setContentHandler(handler)
    handler.setDocumentLocator(ExpatLocator(parser))  # feed() does not set it, unlike parse()
    done = 0
    chunk = first = b""
    try:
        while chunk := stream.read(CHUNK):
            first = first or chunk[:200]
            parser.feed(chunk)
            done += len(chunk)
            yield from handler.ready
            handler.ready.clear()
            if progress is not None:
                progress(done, total, handler.seen)
        parser.close()
    except SAXParseException as exc:
        bad = _not_utf8(chunk, first, exc) if chunk else None
        if bad is not None:
            raise InputError(f"the file is not UTF-8 (byte 0x{bad:02X}) and does not declare its encoding; an "
                             "RNCP export is UTF-8: save the file as UTF-8, or declare its encoding in its first "
                             "line (<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>)",
                             where=f"{name}:{exc.getLineNumber()}:{exc.getColumnNumber()}",
                             fr=f"le fichier n'est pas en UTF-8 (octet 0x{bad:02X}) et ne déclare pas son encodage ; "
                                "un export du RNCP est en UTF-8 : enregistrez le fichier en UTF-8, ou déclarez son "
                                "encodage en première ligne (<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>)") from None
        raise InputError(f"malformed XML: {exc.getMessage()}",
                         where=f"{name}:{exc.getLineNumber()}:{exc.getColumnNumber()}",
                         fr=f"XML mal formé : {_EXPAT_FR.get(exc.getMessage(), exc.getMessage())}") from None
    except DTDForbidden:
        raise InputError("refused: the file declares a DTD (<!DOCTYPE …>); an RNCP export has none, and DTDs "
                         "can expand entities without bound (billion laughs)", where=f"{name}:{handler.line}",
                         fr="refusé : le fichier déclare une DTD (<!DOCTYPE …>) ; un export du RNCP n'en a pas, "
                            "et une DTD peut développer des entités sans limite (« billion laughs »)") from None
    except DefusedXmlException as exc:
        raise InputError(f"refused: entity declarations and external references are not allowed ({type(exc).__name__})",
                         where=f"{name}:{handler.line}",
                         fr="refusé : les déclarations d'entités et les références externes ne sont pas "
                            f"admises ({type(exc).__name__})") from None
    yield from handler.ready
    if handler.version is None:
        raise InputError("not an RNCP XML export: no <VERSION_FLUX> under <FICHES>", where=name,
                         fr="ce n'est pas un export XML du RNCP : pas de <VERSION_FLUX> sous <FICHES>")
    if progress is not None:
        progress(done, total, handler.seen)


def read_xml_export(path: Path, *, wanted: Collection[str] | None = None,
                    progress: Progress | None = None, limits: ImportLimits | None = None) -> Iterator[Fiche]:
    """The fiches of an XML export, one at a time, as the file is read.

    Args:
        path: an ``.xml`` file, or a ``.zip`` holding one.
        wanted: fiche numbers to keep (all when None); the whole file is still checked.
        progress: called after each chunk with (bytes read, total bytes, fiches seen).
        limits: the import limits (:class:`.limits.ImportLimits`; default from the environment).

    Raises:
        InputError: malformed XML (file, line, column and what), a DTD or entity declaration,
            a value in the wrong format, or a zip without an XML file.
        LimitError: a limit passed (the limit and the place are named).
    """
    limits = limits or ImportLimits.from_env()
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            check_zip(archive, limits, str(path))
            members = [i for i in archive.infolist() if member_name(i).lower().endswith(".xml")]
            if not members:
                raise InputError("the zip holds no .xml file (is it the CSV export?)", where=str(path),
                                 fr="le zip ne contient aucun fichier .xml (est-ce l'export CSV ?)")
            counter = ByteCounter(limits.max_unzipped_bytes, str(path))
            for info in members:
                where = f"{path}!{member_name(info)}"
                with archive.open(info) as stream:
                    yield from _parse_stream(counter.wrap(stream, where), where, info.file_size, wanted, progress,
                                             limits)
        return
    with path.open("rb") as stream:
        yield from _parse_stream(stream, str(path), path.stat().st_size, wanted, progress, limits)
