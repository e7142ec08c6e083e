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
    """The store the command works on, with the workspace's dataset in it."""
    from .build import build_store
    from .store import open_store

    store = open_store(getattr(args, "store", None))
    if len(store) == 0 or getattr(args, "data", None) is not None:
        build_store(args.data, store)
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


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data", metavar="DIR", help="workspace of data files (default: $CIPT_DATA, else the shipped data)")
    common.add_argument("--store", metavar="PATH", help="on-disk Oxigraph store (default: $CIPT_STORE, else in memory)")

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
