"""`cipt serve`: the HTTP service (SPARQL endpoint, JSON API, pages)."""

from __future__ import annotations

import argparse
import sys

from ..errors import CiptError
from .common import EXIT_OK, CommandAdder, open_data, writable_workspace
from .messages import tr

#: Setting → (its option, the argparse name) for the limits `cipt serve` takes.
_OPTIONS = {
    "query_timeout": ("--timeout", "timeout"), "report_timeout": ("--report-timeout", "report_timeout"),
    "max_rows": ("--max-rows", "max_rows"), "max_body_bytes": ("--max-body-bytes", "max_body_bytes"),
    "max_query_length": ("--max-query-length", "max_query_length"), "max_running_queries": ("--max-running", "max_running"),
    "max_upload_bytes": ("--max-upload-bytes", "max_upload_bytes"),
    "max_sparql_running": ("--max-sparql-running", "max_sparql_running"),
    "max_client_queries": ("--max-client-queries", "max_client_queries"),
    "max_query_memory": ("--max-query-memory", "max_query_memory"), "cache_bytes": ("--cache-bytes", "cache_bytes"),
    "memory_copy_bytes": ("--memory-copy-bytes", "memory_copy_bytes"),
}


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the graph over HTTP: SPARQL 1.1 endpoint (/sparql), named queries and JSON API
    (/api/...), resource pages (/id/...), OpenAPI docs (/docs). Listens on 127.0.0.1 by default.

    Limits come from the options, else from CIPT_QUERY_TIMEOUT, CIPT_MAX_ROWS,
    CIPT_TRUNCATE_RESULTS, CIPT_MAX_BODY_BYTES, CIPT_MAX_QUERY_LENGTH, CIPT_MAX_RUNNING_QUERIES,
    CIPT_MAX_SPARQL_RUNNING, CIPT_MAX_CLIENT_QUERIES, CIPT_MAX_QUERY_MEMORY, CIPT_CACHE_BYTES,
    CIPT_MEMORY_COPY_BYTES, CIPT_BASE_URL and CIPT_CORS_ORIGINS (comma-separated), else from the defaults. Every query
    runs in a process of its own, killed at the time or memory limit.

    A port already in use stops it with exit status 2. SIGTERM or Ctrl-C stop it within 5 s.

    Who may change what:
      - anyone reads (pages, SPARQL, API), anonymously;
      - with --data DIR on a workspace that has accounts (`cipt users add`), people sign in
        at /login ("Se connecter" in the header); editors then change the mapping (matrix
        cells, workbooks) and validators validate links, from the browser: no option and no
        token needed (forms protected against forgery, sign-in attempts limited);
      - --allow-writes (or CIPT_ALLOW_WRITES=1) also accepts the imports other systems send
        (POST /api/imports/matrix, /api/imports/rncp) with `Authorization: Bearer
        $CIPT_WRITE_TOKEN` (the token is only read from the environment);
      - --read-only (or CIPT_READ_ONLY=1) serves strictly read-only: no sign-in, no change,
        nothing written to the workspace. The shipped data (no --data) is always read-only.

    The data is read and checked before the server starts: a malformed or half-written file
    stops it with exit status 2 and a message naming the file and line.
    """
    import json
    import os

    from ..api.settings import Settings
    from ..serving import ENV_SERVE_CONFIG, FACTORY, bind_socket, build_service, run_server, settings_to_config

    overrides = {field: getattr(args, dest) for field, (_option, dest) in _OPTIONS.items()}
    try:
        settings = Settings.from_env(
            truncate_results=args.truncate_results, cors_origins=args.cors_origin or None,
            allow_writes=args.allow_writes, read_only=args.read_only, base_url=args.base_url, **overrides,
        )
    except CiptError as exc:  # a limit out of range given on the command line: name its option
        field = getattr(exc, "field", None)
        if field in _OPTIONS and overrides.get(field) is not None:
            key = "cli.serve.non_negative" if exc.zero_ok else "cli.serve.positive"
            raise CiptError(tr(args.ui_lang, key, option=_OPTIONS[field][0], value=exc.value)) from None
        raise
    if args.workers < 1:
        raise CiptError(tr(args.ui_lang, "cli.serve.bad_workers", workers=args.workers))
    if not 0 <= args.port <= 65535:
        raise CiptError(tr(args.ui_lang, "cli.serve.bad_port", port=args.port))
    spec = args.store or os.environ.get("CIPT_STORE") or None
    if settings.allow_writes:
        writable_workspace(args, "--allow-writes")
    accounts = 0 if settings.read_only else _accounts(args)
    if (settings.allow_writes or accounts) and args.workers > 1 and spec is None:
        raise CiptError(tr(args.ui_lang, "cli.serve.shared_store"))
    store = open_data(args)  # reads and checks every data file now: exit 2 before the server starts
    config = {"data": args.data, "store": spec, "update_url": args.update_url, "gsp_url": args.gsp_url,
              "settings": settings_to_config(settings)}
    # The port opens before the application is built (importing the web framework and building
    # the routes takes most of the start-up): connections are accepted from now on, and the
    # requests they carry are answered once it is built (issue #11: ready in under 1 s).
    sock = bind_socket(args.host, args.port)  # a port in use: exit 2, before saying "serving"
    lang = args.ui_lang
    if accounts:
        mode = tr(lang, "cli.serve.sign_in", accounts) + (
            tr(lang, "cli.serve.imports") if settings.allow_writes else "")
    elif settings.allow_writes:
        mode = tr(lang, "cli.serve.imports_only")
    else:
        mode = tr(lang, "cli.serve.strictly_read_only" if settings.read_only else "cli.serve.read_only")
    port = sock.getsockname()[1]  # the port given, or the one the system chose for --port 0
    print(tr(lang, "cli.serve.listening", host=args.host, port=port, mode=mode,
             workers=tr(lang, "cli.serve.workers", args.workers)), file=sys.stderr, flush=True)
    app = build_service(config, store) if args.workers == 1 else None
    if app is not None:
        run_server(app, sock, log_level=args.log_level)
        return EXIT_OK
    del store  # each worker opens (or builds) its own
    os.environ[ENV_SERVE_CONFIG] = json.dumps(config)
    run_server(FACTORY, sock, workers=args.workers, log_level=args.log_level, factory=True)
    return EXIT_OK


def _accounts(args: argparse.Namespace) -> int:
    """How many accounts the served workspace has (0: shipped data, no accounts file); an
    accounts file that does not read stops the start (exit 2, the file named)."""
    from ..accounts import FILE_NAME, AccountStore
    from ..paths import resolve_workspace

    workspace = resolve_workspace(args.data)
    if workspace.read_only or not (workspace.root / FILE_NAME).exists():
        return 0
    return len(AccountStore(workspace).list())


def register(commands: CommandAdder) -> None:
    """Add `serve` to the `cipt` parser."""
    p = commands.add("serve", cmd_serve)
    p.add_argument("--host", default="127.0.0.1", metavar="ADDRESS", help="interface to listen on (default: 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=8000, metavar="PORT", help="port (default: 8000)")
    p.add_argument("--timeout", type=float, metavar="SECONDS", help="query time limit (default: 10)")
    p.add_argument("--report-timeout", type=float, metavar="SECONDS",
                   help="time limit of the audit report and of a diff of versions (default: 60)")
    p.add_argument("--max-rows", type=int, metavar="N", help="most rows a SPARQL result may have (default: 10000)")
    p.add_argument("--truncate-results", action="store_true", default=None,
                   help="past --max-rows, send the first rows with an X-Cipt-Truncated header instead of 413")
    p.add_argument("--max-body-bytes", type=int, metavar="N", help="largest request body (default: 1048576)")
    p.add_argument("--max-query-length", type=int, metavar="N", help="longest query, in characters (default: 50000)")
    p.add_argument("--max-running", type=int, metavar="N",
                   help="pages, API and named queries computed at once (default: 4)")
    p.add_argument("--max-sparql-running", type=int, metavar="N",
                   help="ad-hoc SPARQL queries (/sparql) running at once, on slots of their own (default: 4)")
    p.add_argument("--max-client-queries", type=int, metavar="N",
                   help="ad-hoc SPARQL queries one client may run at once (default: half of --max-sparql-running)")
    p.add_argument("--max-query-memory", type=int, metavar="BYTES",
                   help="memory a query may use, in bytes; 0: no cap (default: 1073741824, 1 GiB)")
    p.add_argument("--cache-bytes", type=int, metavar="BYTES",
                   help="size of the in-memory cache of answers; 0: off (default: 67108864, 64 MiB)")
    p.add_argument("--memory-copy-bytes", type=int, metavar="BYTES",
                   help="with --store DIR: largest store (bytes on disk) copied into memory, where "
                        "queries run 2-5x faster; 0: never (default: 100663296, 96 MiB)")
    p.add_argument("--base-url", metavar="URL",
                   help="the service's public URL, base of its links and service description "
                        "(default: the address it listens on; never the Host header)")
    p.add_argument("--cors-origin", action="append", metavar="ORIGIN",
                   help="allow cross-origin requests from ORIGIN (repeatable; * for any); CORS is off by default")
    p.add_argument("--workers", type=int, default=1, metavar="N",
                   help="worker processes (default: 1; see the README's load figures before raising it)")
    p.add_argument("--allow-writes", action="store_true", default=None,
                   help="also accept the imports other systems send (POST /api/imports/matrix, /api/imports/rncp) "
                        "with the bearer token of $CIPT_WRITE_TOKEN; off by default. Signing in with an account "
                        "needs neither")
    p.add_argument("--read-only", action="store_true", default=None,
                   help="strictly read-only: no sign-in even when the workspace has accounts, no change, nothing "
                        "written to the workspace")
    p.add_argument("--max-upload-bytes", type=int, metavar="N", help="largest upload (default: 52428800)")
    p.add_argument("--log-level", choices=("critical", "error", "warning", "info", "debug"), default="info")
