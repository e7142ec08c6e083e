"""`cipt query`, `queries`, `stats`: the named queries and the key figures."""

from __future__ import annotations

import argparse
import json
import sys

from ..i18n import number
from .messages import MESSAGES, tr
from .common import EXIT_OK, CommandAdder, Once, open_data, parse_params

def cmd_query(args: argparse.Namespace) -> int:
    """Run a named query (see `cipt queries`) with its parameters."""
    from ..output import format_result
    from ..queries import get_query, run_query

    params = parse_params(args.param, args.ui_lang)
    query = get_query(args.name)
    # The labels follow the language of the messages (--lang, else the environment) unless
    # `-p lang=…` says otherwise.
    if "lang" not in params and any(p.name == "lang" for p in query.params):
        params["lang"] = args.ui_lang
    store = open_data(args)
    result = run_query(store, query, params)
    rows = len(result.rows)
    text = format_result(result, args.format, args.ui_lang,
                         footer=tr(args.ui_lang, "cli.rows", rows, n=number(rows, args.ui_lang)))
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return EXIT_OK


def cmd_queries(args: argparse.Namespace) -> int:
    """List the named queries with their summaries (in the language of the messages) and parameters."""
    from ..queries import load_queries

    queries = load_queries()
    lang = args.ui_lang
    if args.format == "json":
        print(json.dumps([
            {"name": q.name, "summary": q.summary_in(lang), "summaries": {"fr": q.summary_in("fr"), "en": q.summary},
             "description": q.description, "tags": list(q.tags),
             "params": [{"name": p.name, "type": p.kind, "required": p.required, "default": p.default,
                         "description": p.description,
                         "descriptions": {"fr": p.description_in("fr"), "en": p.description}} for p in q.params]}
            for q in queries.values()
        ], ensure_ascii=False, indent=2))
        return EXIT_OK
    width = max(len(n) for n in queries)
    for q in queries.values():
        params = " ".join(f"{p.name}={'…' if p.required else '[' + (p.default or '') + ']'}" for p in q.params)
        print(f"{q.name.ljust(width)}  {q.summary_in(lang)}" + (f"  ({params})" if params else ""))
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    """Key figures of the graph (from the `stats` named query)."""
    from ..queries import choose_programme, run_query
    from ..store import iter_records

    store = open_data(args)
    # an unknown programme: exit 2 naming --programme (resolved here, not as a query parameter)
    chosen = choose_programme(store, args.programme, needed=False) if args.programme else None
    params = {"programme": chosen.value} if chosen is not None else {}
    records = list(iter_records(run_query(store, "stats", params)))
    if args.format == "json":
        # One programme (the usual case, or --programme): its object, as always; several: a list.
        print(json.dumps(records[0] if len(records) == 1 else records, ensure_ascii=False, indent=2))
    else:
        for n, record in enumerate(records):
            if n:
                print()
            for key, value in record.items():  # names and numbers in the language (Babel)
                if value is None and key != "hours_declared":  # left out for one programme (its triples)
                    continue
                shown = ("—" if value is None else number(value, args.ui_lang) if isinstance(value, (int, float))
                         else value)
                name = tr(args.ui_lang, f"cli.stats.{key}") if f"cli.stats.{key}" in MESSAGES["fr"] else key
                print(f"{name:20} {shown}")
    return EXIT_OK


def register(commands: CommandAdder) -> None:
    """Add `query`, `queries` and `stats` to the `cipt` parser."""
    p = commands.add("query", cmd_query)
    p.add_argument("name", help="a named query (see `cipt queries`)")
    p.add_argument("--param", "-p", action="append", default=[], metavar="KEY=VALUE",
                   help="a parameter of the query (repeatable); IRIs may be given as codes: M01, BC05-C1")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")

    p = commands.add("queries", cmd_queries)
    p.add_argument("--format", choices=("table", "json"), default="table")

    p = commands.add("stats", cmd_stats)
    p.add_argument("--format", choices=("table", "json"), default="table")
    p.add_argument("--programme", metavar="CODE|IRI", action=Once,
                   help="one programme's figures (its code, such as M2_CIPT, or its IRI); default: every programme")
