"""The ``cipt`` command line: thin wrappers over the package's functions.

Exit status: 0 fine, 1 findings (validation), 2 error (bad input, unknown query…).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .errors import CiptError, QueryError

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

BUILD_FORMATS = {
    "turtle": ("turtle", ".ttl"),
    "nquads": ("nquads", ".nq"),
    "ntriples": ("ntriples", ".nt"),
    "trig": ("trig", ".trig"),
    "jsonld": ("json-ld", ".jsonld"),
}


def _open(args: argparse.Namespace):
    """The store the command works on, with the workspace's dataset in it.

    Without ``--store`` (nor ``$CIPT_STORE``): a new in-memory store, built from the workspace
    (``--data``, ``$CIPT_DATA``, else the shipped data) on every run. With a persistent store
    (``--store PATH|URL``): that store as it is, without rebuilding; it is filled from the
    workspace first only when it is empty, or when ``--data DIR`` is given on the command line
    (then it is reloaded from that workspace, as ``cipt load`` does).
    """
    import os

    from .errors import StoreError
    from .load import load_workspace
    from .store import ENV_STORE, RemoteStore, is_empty, open_store

    spec = getattr(args, "store", None) or os.environ.get(ENV_STORE) or None
    store = open_store(spec, update_url=getattr(args, "update_url", None), gsp_url=getattr(args, "gsp_url", None))
    data = getattr(args, "data", None)
    if spec is None:
        load_workspace(store, data)
    elif data is not None or is_empty(store):
        if isinstance(store, RemoteStore) and not (store.update_url or store.gsp_url):
            raise StoreError("the remote store is empty (or --data asks to reload it): fill it with "
                             "`cipt load --store URL --gsp-url URL` or give --update-url/--gsp-url", where=spec)
        load_workspace(store, data)
    return store


def _parse_params(pairs: Sequence[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise QueryError(f"--param takes key=value, got {pair!r}")
        params[key.strip()] = value
    return params


def cmd_init(args: argparse.Namespace) -> int:
    """Create a workspace holding a copy of the shipped programme data, to edit."""
    from .paths import init_workspace

    workspace = init_workspace(args.dir, force=args.force)
    print(f"workspace created in {workspace.root}; use it with --data {args.dir} or CIPT_DATA={args.dir}")
    return EXIT_OK


def cmd_build(args: argparse.Namespace) -> int:
    """Build the dataset and write it as Turtle, N-Quads, N-Triples, TriG or JSON-LD."""
    from .export import serialize_store

    store = _open(args)
    data = serialize_store(store, args.format)
    if args.out:
        out = Path(args.out)
        tmp = out.with_name(out.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(out)
        print(f"wrote {len(store)} quads to {out} ({args.format})", file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
    return EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate the dataset against the SHACL shapes (structure and accreditation rules)."""
    from .validate import validate_store

    report = validate_store(_open(args))
    if args.format == "json":
        print(json.dumps({"conforms": report.conforms, "counts": report.counts(),
                          "findings": [f.as_dict() for f in report.findings]}, ensure_ascii=False, indent=2))
    else:
        for f in report.findings:
            print(f"{f.severity}: {f.message(args.lang)}\n    focus: {f.focus}\n    shape: {f.shape}")
        counts = report.counts()
        print(f"{counts['Violation']} violation(s), {counts['Warning']} warning(s), {counts['Info']} info")
    failing = report.violations if args.fail_on == "violation" else report.findings
    return EXIT_FINDINGS if failing else EXIT_OK


def cmd_query(args: argparse.Namespace) -> int:
    """Run a named query (see `cipt queries`) with its parameters."""
    from .output import format_result
    from .queries import run_query

    params = _parse_params(args.param)
    store = _open(args)
    result = run_query(store, args.name, params)
    text = format_result(result, args.format)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return EXIT_OK


def cmd_queries(args: argparse.Namespace) -> int:
    """List the named queries with their summaries and parameters."""
    from .queries import load_queries

    queries = load_queries()
    if args.format == "json":
        print(json.dumps([
            {"name": q.name, "summary": q.summary, "description": q.description, "tags": list(q.tags),
             "params": [{"name": p.name, "type": p.kind, "required": p.required, "default": p.default,
                         "description": p.description} for p in q.params]}
            for q in queries.values()
        ], ensure_ascii=False, indent=2))
        return EXIT_OK
    width = max(len(n) for n in queries)
    for q in queries.values():
        params = " ".join(f"{p.name}={'…' if p.required else '[' + (p.default or '') + ']'}" for p in q.params)
        print(f"{q.name.ljust(width)}  {q.summary}" + (f"  ({params})" if params else ""))
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    """Key figures of the graph (from the `stats` named query)."""
    from .queries import run_query
    from .store import iter_records

    record = next(iter(iter_records(run_query(_open(args), "stats"))))
    if args.format == "json":
        print(json.dumps(record, ensure_ascii=False, indent=2))
    else:
        for key, value in record.items():
            print(f"{key:16} {value}")
    return EXIT_OK


def cmd_audit(args: argparse.Namespace) -> int:
    """Accreditation audit report (HTML, Markdown or JSON): every figure cites its named query.

    Runs every named query tagged `check` and every SHACL shape. Exit status: 0 when no
    violation (warnings allowed), 1 when there are violations, 2 on error.
    """
    from .audit import build_audit_report
    from .audit.render_html import render_html
    from .audit.render_json import render_json
    from .audit.render_md import render_md

    if args.base_url and not args.base_url.startswith(("http://", "https://")):
        raise CiptError(f"--base-url must be an http:// or https:// URL, got {args.base_url!r}")
    if args.out and not Path(args.out).resolve().parent.is_dir():
        raise CiptError("the folder to write the report in does not exist", where=args.out)
    report = build_audit_report(_open(args), lang=args.lang, base_url=args.base_url)
    render = {"html": render_html, "md": render_md, "json": render_json}[args.format]
    text = render(report)
    if args.out:
        out = Path(args.out)
        tmp = out.with_name(out.name + ".tmp")
        try:
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(out)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise CiptError(f"cannot write the report: {exc.strerror}", where=str(out)) from exc
        counts = report.counts()
        print(f"wrote the audit to {out} ({args.format}): {counts['violation']} violation(s), "
              f"{counts['warning']} warning(s)", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return EXIT_FINDINGS if report.exit_code else EXIT_OK


def _writable_workspace(args: argparse.Namespace, what: str):
    """The workspace named by --data / $CIPT_DATA; refuses the read-only shipped data."""
    from .paths import resolve_workspace

    workspace = resolve_workspace(args.data)
    if workspace.read_only:
        raise CiptError(f"{what} needs a workspace: create one with `cipt init DIR`, then pass --data DIR "
                        "(or set CIPT_DATA=DIR); the shipped data is read-only")
    return workspace


def cmd_export_matrix(args: argparse.Namespace) -> int:
    """Export the coverage mapping as a course × competency matrix (XLSX for editing, or CSV).

    The XLSX workbook has the matrix (blocks over their competencies, modules by period, a level
    drop-down in each cell), a Justifications sheet (hours, status, author, date and rationale of
    each link), the level scale and instructions in French. Edit it, then `cipt import-matrix`.
    """
    from .paths import resolve_workspace
    from .spreadsheet import MatrixModel, write_matrix_csv, write_matrix_xlsx

    model = MatrixModel.from_workspace(resolve_workspace(args.data), lang=args.lang)
    data = write_matrix_xlsx(model) if args.format == "xlsx" else write_matrix_csv(model)
    if args.out:
        from .versions import write_atomic

        write_atomic(Path(args.out), data)
        print(f"wrote the matrix ({len(model.modules)} modules × {len(model.competencies)} competencies, "
              f"{len(model.rows)} links) to {args.out}", file=sys.stderr)
    elif args.format == "xlsx" and sys.stdout.isatty():
        raise CiptError("an XLSX workbook is binary: give --out FILE (or redirect the output to a file)")
    else:
        sys.stdout.buffer.write(data)
    return EXIT_OK


def cmd_import_matrix(args: argparse.Namespace) -> int:
    """Check an edited matrix workbook (XLSX) and apply it to the workspace's mapping.

    Every cell is checked (unknown module or competency, level off the scale, merged or moved
    headers, missing sheet, missing rationale); all errors are listed with their sheet and cell
    and nothing is applied unless the whole file is valid (exit 2). Unchanged links are kept as
    they are; new and changed links get --author (else $USER) and today's date. Each accepted
    import is recorded as a version (see `cipt versions`).
    """
    from .spreadsheet import MatrixError, import_matrix

    workspace = _writable_workspace(args, "import-matrix")
    try:
        result = import_matrix(workspace, args.file, author=args.author, message=args.message,
                               dry_run=args.dry_run, force=args.force)
    except MatrixError as exc:
        if args.format == "json":
            print(json.dumps({"valid": False, "applied": False, "file": args.file,
                              "errors": [e.as_dict() for e in exc.errors]}, ensure_ascii=False, indent=2))
        raise
    if args.format == "json":
        print(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        return EXIT_OK
    if result.empty:
        print("matrice valide : aucun changement (rien n'a été écrit)")
        return EXIT_OK
    for row in result.added:
        print(f"+ {row['module']} → {row['competency']}  niveau {row['level']}")
    for row in result.removed:
        print(f"- {row['module']} → {row['competency']}  niveau {row['level']}")
    for change in result.changed:
        names = {"level": "niveau", "hours": "heures", "status": "statut", "rationale": "justification"}
        what = ", ".join(f"{names[f]} {change['before'][f]!r} → {change['after'][f]!r}" if f != "rationale"
                         else names[f] for f in change["fields"])
        print(f"~ {change['module']} → {change['competency']}  {what}")
    summary = (f"{len(result.added)} ajouté(s), {len(result.removed)} supprimé(s), "
               f"{len(result.changed)} modifié(s)")
    if result.applied and result.version is not None:
        print(f"matrice appliquée : {summary} ; version {result.version.id} enregistrée "
              f"(cipt diff {result.version.parent or result.version.id} {result.version.id})")
    else:
        print(f"matrice valide (essai, rien n'a été écrit) : {summary}")
    return EXIT_OK


def cmd_versions(args: argparse.Namespace) -> int:
    """List the recorded versions of the workspace: id, date, who, kind, source and link counts."""
    from .versions import list_versions, matching_version

    workspace = _writable_workspace(args, "versions")
    versions = list_versions(workspace)
    if args.format == "json":
        print(json.dumps([v.as_dict() for v in versions], ensure_ascii=False, indent=2))
        return EXIT_OK
    if not versions:
        print("aucune version enregistrée (la première l'est au premier import)")
        return EXIT_OK
    head = ("id", "date", "who", "kind", "source", "competency", "activity", "objective")
    rows = [(v.id, v.created, v.agent, v.kind, v.source, str(v.counts.get("competency_links", "")),
             str(v.counts.get("activity_links", "")), str(v.counts.get("objective_links", ""))) for v in versions]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    for row in [head, *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
    if matching_version(workspace) is None:
        print(f"note: the workspace's files differ from {versions[-1].id} (see `cipt diff {versions[-1].id} current`)")
    return EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    """Compare two versions (ids such as v2, `latest`, or `current` for the files now).

    Shows the links added, removed and changed (in level, hours, status or rationale), and the
    effect on coverage per block: competencies covered, hours (rule of the `hours_per_block`
    query) and modules, before and after.
    """
    from .versions import diff_versions, render_diff

    diff = diff_versions(_writable_workspace(args, "diff"), args.a, args.b, lang=args.lang)
    if args.format == "json":
        print(json.dumps(diff.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(render_diff(diff, args.lang))
    return EXIT_OK


def cmd_load(args: argparse.Namespace) -> int:
    """Fill a persistent store from the workspace, once: later commands and `cipt serve` use it as it is.

    --store PATH: an on-disk Oxigraph store, bulk-loaded into a new version that is switched in
    atomically (readers go on reading; a failed load leaves the store as it was).
    --store URL: a SPARQL 1.1 server; each of the workspace's graphs is replaced with the Graph
    Store Protocol (--gsp-url) or SPARQL Update (--update-url); its other graphs are kept.
    """
    import os

    from .load import load_workspace
    from .store import ENV_STORE, open_store

    spec = args.store or os.environ.get(ENV_STORE) or None
    if spec is None:
        raise CiptError("cipt load needs a persistent store: --store PATH|URL (or $CIPT_STORE)")
    report = load_workspace(open_store(spec, update_url=args.update_url, gsp_url=args.gsp_url), args.data)
    if args.format == "json":
        print(json.dumps({"store": report.store, "workspace": report.workspace, "quads": report.quads,
                          "graphs": report.graphs, "seconds": round(report.seconds, 3)}, indent=2))
    else:
        print(f"loaded {report.quads} quads in {len(report.graphs)} graphs from {report.workspace} "
              f"into {report.store} in {report.seconds:.1f} s")
    return EXIT_OK


def cmd_viz(args: argparse.Namespace) -> int:
    """Write the coverage views as standalone HTML files that open from disk, with no server and no network.

    DIR receives index.html (dashboard), graph.html (network), matrix.html (matrix), jobs.html
    (job readiness), matrix.csv and matrix.xlsx; links between them are relative, links to
    resources point to their IRIs. Files are written whole or not at all.
    """
    from .visualize import write_views

    written = write_views(_open(args), args.out, args.lang)
    print(f"wrote {len(written)} files to {args.out}: " + ", ".join(p.name for p in written))
    return EXIT_OK


def _progress_printer():
    """A progress line on stderr while an export is read (only on a terminal)."""
    import time

    if not sys.stderr.isatty():
        return None
    last = [0.0]

    def show(done: int, total: int, fiches: int) -> None:
        now = time.monotonic()
        if now - last[0] < 0.2 and (not total or done < total):
            return
        last[0] = now
        share = f"{100 * done // total:3d} % ({done / 1e6:.0f} Mo sur {total / 1e6:.0f} Mo), " if total else ""
        print(f"\rimport-rncp : {share}{fiches} fiche(s) lue(s)", end="", file=sys.stderr, flush=True)

    return show


def cmd_import_rncp(args: argparse.Namespace) -> int:
    """Import France Compétences' RNCP export (XML V4.1 .xml/.zip, or CSV zip) into the workspace.

    Each fiche (certification: number, title, level, status, dates, certifiers; blocks with their
    official code, label, raw and split competency list and evaluation modes; ROME and NSF codes)
    is written to rncp/<number>.ttl in the workspace; a newer export updates it in place. The
    whole file is checked first: a malformed file (file, line and what) writes nothing (exit 2).
    When the programme's certification (RNCP38175) is imported, its blocks are matched to the
    brochure's by label (rncp/reconciliation.ttl) and the report lists what matched, what did
    not and the competencies worded differently. Each import is recorded as a version.
    """
    from .importers import import_rncp

    workspace = _writable_workspace(args, "import-rncp")
    printer = _progress_printer()
    try:
        report = import_rncp(args.file, workspace, fiches=args.fiche, progress=printer, agent=args.author)
    finally:
        if printer is not None:
            print(file=sys.stderr)
    if args.format == "json":
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return EXIT_OK
    shown = ", ".join(report.fiches[:10]) + (" …" if len(report.fiches) > 10 else "")
    print(f"{len(report.fiches)} fiche(s) importée(s) de {report.source} ({report.format}) : {shown}")
    print(f"  {report.blocks} bloc(s), {report.competencies} compétence(s) ; "
          f"{len(report.replaced)} fiche(s) mise(s) à jour ; écrit dans {workspace.root / 'rncp'}")
    if report.skipped_not_rncp:
        skipped = report.skipped_not_rncp
        print(f"  {len(skipped)} fiche(s) du répertoire spécifique ignorée(s) "
              f"({', '.join(skipped[:5])}{' …' if len(skipped) > 5 else ''})")
    rec = report.reconciliation
    if rec is not None:
        print(f"rapprochement avec les blocs du programme ({rec.certification}) :")
        for m in rec.matched:
            print(f"  = {m['block']} ↔ {m['official_code']}  {m['label']}")
        for m in rec.unmatched_brochure:
            print(f"  ? {m['block']} sans bloc officiel de même intitulé (code toujours déduit) : {m['label']}")
        for m in rec.unmatched_official:
            print(f"  + {m['official_code']} absent de la brochure : {m['label']}")
        for d in rec.competencies_differing:
            print(f"  ~ {d['competency']} formulée autrement :\n      brochure : {d['brochure']}\n"
                  f"      officiel : {d['official']}")
        for d in rec.competencies_only_brochure:
            print(f"  - {d['competency']} absente de la fiche officielle : {d['label']}")
        for d in rec.competencies_only_official:
            print(f"  + compétence du bloc {d['official_code']} absente de la brochure : {d['label']}")
    if report.version:
        print(f"version {report.version} enregistrée (voir `cipt versions`)")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the graph over HTTP: SPARQL 1.1 endpoint (/sparql), named queries and JSON API
    (/api/...), resource pages (/id/...), OpenAPI docs (/docs). Listens on 127.0.0.1 by default.

    Limits come from the options, else from CIPT_QUERY_TIMEOUT, CIPT_MAX_ROWS,
    CIPT_TRUNCATE_RESULTS, CIPT_MAX_BODY_BYTES, CIPT_MAX_QUERY_LENGTH, CIPT_MAX_RUNNING_QUERIES
    and CIPT_CORS_ORIGINS (comma-separated), else from the defaults.

    Read-only by default. --allow-writes (or CIPT_ALLOW_WRITES=1) turns on the uploads that change
    data (POST /api/imports/matrix, /api/imports/rncp) on a workspace (--data DIR); they then
    need `Authorization: Bearer $CIPT_WRITE_TOKEN` (the token is only read from the environment).

    The data is read and checked before the server starts: a malformed or half-written file
    stops it with exit status 2 and a message naming the file and line.
    """
    import json
    import os

    import uvicorn

    from .api import Settings
    from .serving import ENV_SERVE_CONFIG, FACTORY, build_service, settings_to_config

    settings = Settings.from_env(
        query_timeout=args.timeout, max_rows=args.max_rows, truncate_results=args.truncate_results,
        max_body_bytes=args.max_body_bytes, max_query_length=args.max_query_length,
        max_running_queries=args.max_running, cors_origins=args.cors_origin or None,
        allow_writes=args.allow_writes, max_upload_bytes=args.max_upload_bytes,
    )
    if args.workers < 1:
        raise CiptError(f"--workers must be at least 1, got {args.workers}")
    spec = args.store or os.environ.get("CIPT_STORE") or None
    if settings.allow_writes:
        _writable_workspace(args, "--allow-writes")
        if args.workers > 1 and spec is None:
            raise CiptError("--allow-writes with several --workers needs a shared store (--store DIR): each "
                            "worker would otherwise keep its own in-memory copy, and only one would see a write")
    store = _open(args)  # reads and checks every data file now: exit 2 before the server starts
    config = {"data": args.data, "store": spec, "update_url": args.update_url, "gsp_url": args.gsp_url,
              "settings": settings_to_config(settings)}
    mode = "read-write (bearer token)" if settings.allow_writes else "read-only"
    print(f"cipt-graph: serving on http://{args.host}:{args.port}/ (SPARQL endpoint at /sparql; {mode}; "
          f"{args.workers} worker{'s' if args.workers > 1 else ''})", file=sys.stderr)
    if args.workers == 1:
        uvicorn.run(build_service(config, store), host=args.host, port=args.port, log_level=args.log_level)
        return EXIT_OK
    del store  # each worker opens (or builds) its own
    os.environ[ENV_SERVE_CONFIG] = json.dumps(config)
    uvicorn.run(FACTORY, factory=True, workers=args.workers, host=args.host, port=args.port,
                log_level=args.log_level)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data", metavar="DIR", help="workspace of data files (default: $CIPT_DATA, else the shipped data)")
    common.add_argument("--store", metavar="PATH|URL",
                        help="persistent store: a folder (on-disk Oxigraph) or a SPARQL query endpoint URL "
                             "(default: $CIPT_STORE, else a new in-memory store built from the workspace)")
    common.add_argument("--update-url", metavar="URL",
                        help="SPARQL Update endpoint of a remote store, for writes (default: $CIPT_UPDATE_URL)")
    common.add_argument("--gsp-url", metavar="URL",
                        help="Graph Store Protocol endpoint of a remote store, for writes (default: $CIPT_GSP_URL)")

    parser = argparse.ArgumentParser(prog="cipt", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"cipt-graph {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func, **kwargs) -> argparse.ArgumentParser:
        p = sub.add_parser(name, parents=[common], help=func.__doc__.splitlines()[0], description=func.__doc__, **kwargs)
        p.set_defaults(func=func)
        return p

    p = sub.add_parser("init", help=cmd_init.__doc__, description=cmd_init.__doc__)
    p.add_argument("dir", help="folder to create")
    p.add_argument("--force", action="store_true", help="overwrite files in an existing folder")
    p.set_defaults(func=cmd_init)

    p = add("build", cmd_build)
    p.add_argument("--format", choices=sorted(BUILD_FORMATS), default="turtle")
    p.add_argument("--out", metavar="FILE", help="write to FILE (default: standard output)")

    p = add("validate", cmd_validate)
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--lang", choices=("fr", "en"), default="fr", help="language of the messages")
    p.add_argument("--fail-on", choices=("warning", "violation"), default="warning",
                   help="exit 1 on any finding (warning, the default) or on violations only")

    p = add("query", cmd_query)
    p.add_argument("name", help="a named query (see `cipt queries`)")
    p.add_argument("--param", "-p", action="append", default=[], metavar="KEY=VALUE",
                   help="a parameter of the query (repeatable); IRIs may be given as codes: M01, BC05-C1")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")

    p = add("queries", cmd_queries)
    p.add_argument("--format", choices=("table", "json"), default="table")

    p = add("stats", cmd_stats)
    p.add_argument("--format", choices=("table", "json"), default="table")

    p = add("load", cmd_load, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--format", choices=("text", "json"), default="text")

    p = add("audit", cmd_audit, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--format", choices=("html", "md", "json"), default="html")
    p.add_argument("--out", metavar="FILE", help="write to FILE (default: standard output)")
    p.add_argument("--lang", choices=("fr", "en"), default="fr", help="language of the report")
    p.add_argument("--base-url", metavar="URL",
                   help="root URL of a running `cipt serve`: adds links running each query there")
    p = add("export-matrix", cmd_export_matrix, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    p.add_argument("--out", metavar="FILE", help="write to FILE (default: standard output)")
    p.add_argument("--lang", choices=("fr", "en"), default="fr", help="language of the labels and headers")

    p = add("import-matrix", cmd_import_matrix, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", help="the edited workbook (.xlsx)")
    p.add_argument("--author", help="who made the changes (default: $USER)")
    p.add_argument("--message", "-m", default="", help="a note kept with the version")
    p.add_argument("--dry-run", action="store_true", help="check and show the changes, write nothing")
    p.add_argument("--force", action="store_true",
                   help="apply even if the mapping changed since the workbook was exported")
    p.add_argument("--format", choices=("text", "json"), default="text")

    p = add("versions", cmd_versions)
    p.add_argument("--format", choices=("table", "json"), default="table")

    p = add("diff", cmd_diff, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("a", help="a version id (v1…), `latest` or `current`")
    p.add_argument("b", help="a version id (v1…), `latest` or `current`")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--lang", choices=("fr", "en"), default="fr", help="language of the labels")

    p = add("viz", cmd_viz, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write the HTML files into (created if missing)")
    p.add_argument("--lang", choices=("fr", "en"), default="fr", help="language of the pages (default: fr)")

    p = add("import-rncp", cmd_import_rncp, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", help="the export: export_fiches_RNCP_V4_1_*.xml or its .zip, or export-fiches-csv-*.zip")
    p.add_argument("--fiche", action="extend", nargs="+", metavar="RNCP…",
                   help="import only these fiches (repeatable), e.g. --fiche RNCP38175")
    p.add_argument("--author", help="who imports, for the version (default: $USER)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p = add("serve", cmd_serve, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    p.add_argument("--timeout", type=float, metavar="SECONDS", help="query time limit (default: 10)")
    p.add_argument("--max-rows", type=int, metavar="N", help="most rows a SPARQL result may have (default: 10000)")
    p.add_argument("--truncate-results", action="store_true", default=None,
                   help="past --max-rows, send the first rows with an X-Cipt-Truncated header instead of 413")
    p.add_argument("--max-body-bytes", type=int, metavar="N", help="largest request body (default: 1048576)")
    p.add_argument("--max-query-length", type=int, metavar="N", help="longest query, in characters (default: 50000)")
    p.add_argument("--max-running", type=int, metavar="N", help="queries running at once (default: 4)")
    p.add_argument("--cors-origin", action="append", metavar="ORIGIN",
                   help="allow cross-origin requests from ORIGIN (repeatable; * for any); CORS is off by default")
    p.add_argument("--workers", type=int, default=1, metavar="N",
                   help="worker processes (default: 1; see the README's load figures before raising it)")
    p.add_argument("--allow-writes", action="store_true", default=None,
                   help="accept uploads that change data (mapping workbook, RNCP export) with a bearer token "
                        "from $CIPT_WRITE_TOKEN; off by default (read-only)")
    p.add_argument("--max-upload-bytes", type=int, metavar="N", help="largest upload (default: 52428800)")
    p.add_argument("--log-level", choices=("critical", "error", "warning", "info", "debug"), default="info")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except CiptError as exc:
        print(f"cipt: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
