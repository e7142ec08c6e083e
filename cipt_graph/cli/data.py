"""`cipt init`, `build`, `load`, `validate`: create a workspace, write the dataset, fill a store, check it."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..errors import CiptError
from .. import i18n
from ..i18n import number
from .common import EXIT_FINDINGS, EXIT_OK, CommandAdder, Once, open_data, write_stdout
from .messages import tr

def cmd_init(args: argparse.Namespace) -> int:
    """Create a workspace holding a copy of the shipped programme data, to edit."""
    from ..paths import init_workspace

    workspace = init_workspace(args.dir, force=args.force)
    print(tr(args.ui_lang, "cli.init.done", root=workspace.root, dir=args.dir))
    return EXIT_OK


def cmd_build(args: argparse.Namespace) -> int:
    """Build the dataset and write it as Turtle, N-Quads, N-Triples, TriG or JSON-LD."""
    from ..export import serialize_store

    store = open_data(args)
    data = serialize_store(store, args.format)
    if args.out:
        out = Path(args.out)
        tmp = out.with_name(out.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(out)
        print(tr(args.ui_lang, "cli.build.wrote", len(store), out=out, format=args.format), file=sys.stderr)
    else:
        write_stdout(data)
    return EXIT_OK


def cmd_load(args: argparse.Namespace) -> int:
    """Fill a persistent store from the workspace, once: later commands and `cipt serve` use it as it is.

    --store PATH: an on-disk Oxigraph store, bulk-loaded into a new version that is switched in
    atomically (readers go on reading; a failed load leaves the store as it was).
    --store URL: a SPARQL 1.1 server; each of the workspace's graphs is replaced with the Graph
    Store Protocol (--gsp-url) or SPARQL Update (--update-url); its other graphs are kept.
    """
    import os

    from ..load import load_workspace
    from ..store import ENV_STORE, open_store

    spec = args.store or os.environ.get(ENV_STORE) or None
    if spec is None:
        raise CiptError(tr(args.ui_lang, "cli.load.needs_store"))
    report = load_workspace(open_store(spec, update_url=args.update_url, gsp_url=args.gsp_url), args.data)
    if args.format == "json":
        print(json.dumps({"store": report.store, "workspace": report.workspace, "quads": report.quads,
                          "graphs": report.graphs, "seconds": round(report.seconds, 3)}, indent=2))
    else:
        lang = args.ui_lang
        print(tr(lang, "cli.load.done", quads=tr(lang, "cli.quads", report.quads),
                 graphs=tr(lang, "cli.graphs", len(report.graphs)), workspace=report.workspace,
                 store=report.store, seconds=number(report.seconds, lang, 1)))
    return EXIT_OK


_NAMES = """PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX schema: <https://schema.org/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?s (SAMPLE(?code_) AS ?code) (SAMPLE(?label_) AS ?label) (SAMPLE(?any_) AS ?any) WHERE {
  VALUES ?s { %s }
  OPTIONAL { ?s skos:notation|dcterms:identifier ?code_ }
  OPTIONAL { ?s skos:prefLabel|schema:name|rdfs:label ?label_ FILTER(langMatches(lang(?label_), ?lang)) }
  OPTIONAL { ?s skos:prefLabel|schema:name|rdfs:label ?any_ }
} GROUP BY ?s"""


def _names(store, iris: set[str], lang: str) -> dict[str, str]:
    """People's names of ``iris``: ``code label`` in ``lang`` (else any label), from the data,
    printable characters only, at most 100 of them; an IRI the data does not name is left out."""
    import pyoxigraph as ox

    from ..store import iter_records, select

    iris = {i for i in iris if i.startswith(("http://", "https://")) and not any(c in i for c in "<>\" {}|^`")}
    if not iris:
        return {}
    text = _NAMES % " ".join(f"<{i}>" for i in sorted(iris))
    names = {}
    for row in iter_records(select(store, text, {"lang": ox.Literal(lang)})):
        label = row.get("label") or row.get("any")
        shown = " ".join(str(part) for part in (row.get("code"), label) if part)
        # data text on a terminal: no control characters (escape sequences), one line, bounded
        shown = " ".join("".join(c if c.isprintable() else " " for c in shown).split())
        shown = shown if len(shown) <= 100 else shown[:99] + "…"
        if shown:
            names[str(row["s"])] = shown
    return names


def _local_name(iri: str) -> str:
    return iri.rstrip("/#").replace("#", "/").rsplit("/", 1)[-1] or iri


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate the dataset against the SHACL shapes (structure and accreditation rules).

    With several programmes in the data, each finding names the programmes it is about;
    --programme validates that programme's part of the data only (``validate_store``).
    """
    from ..paths import resolve_workspace
    from ..queries import choose_programme
    from ..validate import text_findings, validate_store

    store = open_data(args)
    chosen = choose_programme(store, args.programme, needed=False)
    report = validate_store(store, programme=chosen.value if chosen is not None and args.programme else None)
    report.findings.extend(text_findings(resolve_workspace(args.data)))  # docs/text.md (issue #12)
    if args.format == "json":
        print(json.dumps({"conforms": report.conforms, "counts": report.counts(),
                          "findings": [f.as_dict() for f in report.findings]}, ensure_ascii=False, indent=2))
    else:
        from .messages import MESSAGES

        lang = args.lang
        # People read the focus node's code and label and the rule's short name; the IRI follows.
        names = _names(store, {f.focus for f in report.findings} | {p for f in report.findings for p in f.programmes}, lang)
        for f in report.findings:
            severity = tr(lang, f"cli.severity.{f.severity}") if f"cli.severity.{f.severity}" in MESSAGES[lang] else f.severity
            colon = i18n.colon(lang)
            focus = f"{names[f.focus]} <{f.focus}>" if f.focus in names else f.focus
            shape = f"{_local_name(f.shape)} <{f.shape}>" if f.shape.startswith(("http://", "https://")) else f.shape
            print(i18n.typeset(f"{severity}{colon}{f.message(lang)}\n    {tr(lang, 'cli.validate.focus')}{colon}{focus}\n"
                               f"    {tr(lang, 'cli.validate.shape')}{colon}{shape}"
                               + "".join(f"\n    {tr(lang, 'cli.validate.programme')}{colon}"
                                         + (f"{names[p]} <{p}>" if p in names else p) for p in f.programmes), lang))
        counts = report.counts()
        print(", ".join(tr(lang, f"cli.count.{s}", counts[s]) for s in ("Violation", "Warning", "Info")))
    failing = report.violations if args.fail_on == "violation" else report.findings
    return EXIT_FINDINGS if failing else EXIT_OK


BUILD_FORMATS = {
    "turtle": ("turtle", ".ttl"),
    "nquads": ("nquads", ".nq"),
    "ntriples": ("ntriples", ".nt"),
    "trig": ("trig", ".trig"),
    "jsonld": ("json-ld", ".jsonld"),
}


def register(commands: CommandAdder) -> None:
    """Add `init`, `build`, `load` and `validate` to the `cipt` parser."""
    p = commands.add("init", cmd_init, data=False)
    p.add_argument("dir", help="folder to create")
    p.add_argument("--force", action="store_true", help="overwrite files in an existing folder")

    p = commands.add("build", cmd_build)
    p.add_argument("--format", choices=sorted(BUILD_FORMATS), default="turtle")
    p.add_argument("--out", metavar="FILE", help="write to FILE (default: standard output)")

    p = commands.add("load", cmd_load)
    p.add_argument("--format", choices=("text", "json"), default="text")

    p = commands.add("validate", cmd_validate)
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--lang", choices=("fr", "en"), default=None,
                   help="language of the messages (default: the global --lang, else LC_ALL/LANG)")
    p.add_argument("--fail-on", choices=("warning", "violation"), default="warning",
                   help="exit 1 on any finding (warning, the default) or on violations only")
    p.add_argument("--programme", metavar="CODE|IRI", action=Once,
                   help="validate one programme's part of the data (its code, such as M2_CIPT, or its IRI); "
                        "default: every programme's, each finding naming its programmes")
