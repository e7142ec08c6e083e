"""`cipt export-case`, `cipt export-moodle`, `cipt export-elm`: the referential for other systems."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .common import EXIT_OK, CommandAdder, Once, open_data, write_stdout
from .messages import tr


def _emit(args: argparse.Namespace, data: bytes, what: str) -> int:
    if args.out:
        from ..versions import write_atomic

        write_atomic(Path(args.out), data)
        print(tr(args.ui_lang, "cli.wrote", what=what, out=args.out), file=sys.stderr)
    else:
        write_stdout(data)
        sys.stdout.flush()
    return EXIT_OK


def _referential(args: argparse.Namespace):
    """The referential of ``--programme`` (the dataset's only programme when absent; exit 2
    naming ``--programme`` when it names none, or when the dataset holds several)."""
    from ..interchange import load_referential
    from ..queries import choose_programme

    store = open_data(args)
    chosen = choose_programme(store, args.programme)
    return load_referential(store, chosen.value if chosen is not None else None)


def cmd_export_case(args: argparse.Namespace) -> int:
    """Write the certification's referential as a 1EdTech CASE 1.0 package (JSON).

    A CFPackage: the CFDocument (the RNCP certification), a CFItem per block and competency
    (code, French text, English text as alternativeLabel — the other way round with --lang en),
    CFAssociations isChildOf (hierarchy), exactMatchOf (official RNCP blocks, once a fiche is
    imported) and isRelatedTo (competency → module, grouped by coverage level). Identifiers are
    UUIDs derived from the IRIs: the same in every export. OpenSALT, CASE Network and LMSs that
    read CASE import it; `cipt serve` also answers the CASE REST API at /ims/case/v1p0/.
    """
    from ..interchange.case import build_package

    ref = _referential(args)
    package = build_package(ref, args.lang or "fr")
    data = (json.dumps(package, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    lang = args.ui_lang
    return _emit(args, data, tr(lang, "cli.case.what", items=tr(lang, "cli.items", len(package["CFItems"])),
                                associations=tr(lang, "cli.associations", len(package["CFAssociations"]))))


def cmd_export_moodle(args: argparse.Namespace) -> int:
    """Write the referential as a Moodle competency framework CSV (tool_lpimportcsv).

    One framework (ID number = the RNCP number, the coverage scale Sensibilisation,
    Approfondissement, Maîtrise with Maîtrise as default and proficient value), the blocks at the
    top level and their competencies under them (ID numbers = official codes once a fiche is
    imported, else RNCP38175-BC01, RNCP38175-BC01-C1); descriptions in French and English
    (Moodle's multi-language spans). Import it in Moodle: Site administration › Competencies ›
    Import competency framework.
    """
    from ..interchange.moodle import build_csv

    ref = _referential(args)
    return _emit(args, build_csv(ref).encode("utf-8"), tr(args.ui_lang, "cli.moodle.what", competencies=tr(args.ui_lang, "cli.competencies", len(ref.items))))


def cmd_export_elm(args: argparse.Namespace) -> int:
    """Write the qualification as Europass / European Learning Model (ELM 3) JSON-LD.

    The diploma (RNCP certification, EQF level 7, French national level 7, ISCED-F 0312) with
    its competencies as learning outcomes, its blocks as partial qualifications and its declared
    volume of learning (PT487H).
    """
    from ..interchange.elm import build_qualification

    ref = _referential(args)
    data = (json.dumps(build_qualification(ref), ensure_ascii=False, indent=1) + "\n").encode("utf-8")
    return _emit(args, data, tr(args.ui_lang, "cli.elm.what"))


def register(commands: CommandAdder) -> None:
    """Add `export-case`, `export-moodle` and `export-elm` to the `cipt` parser."""
    p = commands.add("export-case", cmd_export_case)
    p.add_argument("--out", metavar="FILE", help="write to FILE (default: standard output)")
    p.add_argument("--lang", choices=("fr", "en"), default=None,
                   help="main language of the texts (default: the global --lang, else LC_ALL/LANG, else fr)")
    _programme_option(p)
    p = commands.add("export-moodle", cmd_export_moodle)
    p.add_argument("--out", metavar="FILE", help="write to FILE (default: standard output)")
    _programme_option(p)
    p = commands.add("export-elm", cmd_export_elm)
    p.add_argument("--out", metavar="FILE", help="write to FILE (default: standard output)")
    _programme_option(p)


def _programme_option(parser) -> None:
    parser.add_argument("--programme", metavar="CODE|IRI", action=Once,
                        help="the programme whose certification is exported (its code, such as M2_CIPT, or its "
                             "IRI); needed when the data holds several")
