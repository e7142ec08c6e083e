"""What every `cipt` command shares: exit codes, the store and workspace a command works on,
`--param` parsing, and the helper that registers a command with its common options.

Exit status of every command: 0 fine, 1 findings (validation, audit), 2 error (bad input,
unknown query, unreadable file…), with a message on standard error naming the place.
"""

from __future__ import annotations

import argparse
import inspect
import sys
from collections.abc import Callable, Sequence

from ..errors import CiptError, QueryError
from ..i18n import colon, typeset

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

Command = Callable[[argparse.Namespace], int]


class CommandAdder:
    """Registers sub-commands on the `cipt` parser.

    ``add(name, func, data=True)`` creates the sub-command ``name`` running ``func(args) -> int``;
    its one-line help is the first line of ``func.__doc__`` and its description the whole
    docstring (written for a user of the programme). With ``data=True`` the command takes the
    common options that say where the data is (--data, --store, --update-url, --gsp-url).
    """

    def __init__(self, sub: argparse._SubParsersAction, common: argparse.ArgumentParser):
        self.sub = sub
        self.common = common

    def add(self, name: str, func: Command, *, data: bool = True, **kwargs) -> argparse.ArgumentParser:
        doc = inspect.cleandoc(func.__doc__ or name)
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        parser = self.sub.add_parser(name, parents=[self.common] if data else [], help=doc.splitlines()[0],
                                     description=doc, **kwargs)
        parser.set_defaults(func=func)
        return parser


def common_options() -> argparse.ArgumentParser:
    """The options that say where the data is, shared by the commands that read it."""
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("where the data is")
    group.add_argument("--data", metavar="DIR",
                       help="workspace of data files made with `cipt init` (default: $CIPT_DATA, else the "
                            "programme's data shipped with cipt-graph, read-only)")
    group.add_argument("--store", metavar="PATH|URL",
                       help="persistent store: a folder (on-disk Oxigraph) or a SPARQL query endpoint URL "
                            "(default: $CIPT_STORE, else a new in-memory store built from the workspace); "
                            "queries go to a URL by GET up to $CIPT_QUERY_MAX_GET_URL characters (2000), by "
                            "form POST beyond; $CIPT_QUERY_METHOD=get|post|direct forces one way")
    group.add_argument("--update-url", metavar="URL",
                       help="SPARQL Update endpoint of a remote store, for writes (default: $CIPT_UPDATE_URL)")
    group.add_argument("--gsp-url", metavar="URL",
                       help="Graph Store Protocol endpoint of a remote store, for writes (default: $CIPT_GSP_URL)")
    return common


def open_data(args: argparse.Namespace):
    """The store the command works on, with the workspace's dataset in it.

    Without ``--store`` (nor ``$CIPT_STORE``): a new in-memory store, built from the workspace
    (``--data``, ``$CIPT_DATA``, else the shipped data) on every run. With a persistent store
    (``--store PATH|URL``): that store as it is, without rebuilding; it is filled from the
    workspace first only when it is empty, or when ``--data DIR`` is given on the command line
    (then it is reloaded from that workspace, as ``cipt load`` does).
    """
    import os

    from ..errors import StoreError
    from ..store import ENV_STORE, is_empty
    from ..store import open_store as open_spec

    spec = getattr(args, "store", None) or os.environ.get(ENV_STORE) or None
    data = getattr(args, "data", None)
    if (spec is None or data is not None) and getattr(args, "programme", None):
        check_programme_first(args)
    store = open_spec(spec, update_url=getattr(args, "update_url", None), gsp_url=getattr(args, "gsp_url", None))
    if spec is None:
        from ..load import load_workspace  # (imported only when needed: it brings rdflib, ~0.5 s)

        load_workspace(store, data)
    elif data is not None or is_empty(store):
        from ..load import load_workspace

        from ..store import RemoteStore

        if isinstance(store, RemoteStore) and not (store.update_url or store.gsp_url):
            from .messages import tr

            raise StoreError(tr(getattr(args, "ui_lang", "fr"), "cli.store.empty_remote"), where=spec)
        load_workspace(store, data)
    return store


class Once(argparse.Action):
    """An option that holds one value (``--programme``): given again with another value, an error
    naming the option (exit 2) rather than the last one silently, as ``?programme=a&programme=b``
    is a 400 over HTTP (issue #16). The same value twice, or a blank beside a value, is one."""

    def __call__(self, parser, namespace, values, option_string=None):
        from . import _PARSE_LANG
        from .messages import tr

        previous = getattr(namespace, self.dest, None)
        if previous is not None and previous.strip() and values.strip() and previous.strip() != values.strip():
            parser.error(tr(_PARSE_LANG[0], "cli.option_twice", option=option_string,
                            first=repr(previous.strip()[:80]), second=repr(values.strip()[:80])))
        if values.strip() or previous is None:
            setattr(namespace, self.dest, values)


def check_programme_first(args: argparse.Namespace) -> None:
    """Exit 2 naming ``--programme`` at once when it names no programme of the workspace, before
    any dataset is built (:mod:`cipt_graph.programme_check`; under a second at university scale)."""
    from ..paths import resolve_workspace
    from ..programme_check import check_programme

    check_programme(resolve_workspace(getattr(args, "data", None)), getattr(args, "programme", None))


def error_text(exc: CiptError, lang: str) -> str:
    """An error as the command line prints it in ``lang``: a workbook's errors (``MatrixError``)
    get their heading from the catalogs (``cli.errors``), each cell as ``sheet!cell: message``;
    French typography (:func:`cipt_graph.i18n.typeset`) in French."""
    from ..spreadsheet.reader import MAX_ERRORS_SHOWN, MatrixError
    from .messages import tr

    if not isinstance(exc, MatrixError):
        return typeset(exc.show(lang), lang)
    shown = [e.show(lang) for e in exc.errors[:MAX_ERRORS_SHOWN]]
    if len(exc.errors) > MAX_ERRORS_SHOWN:
        shown.append(tr(lang, "cli.more_errors", len(exc.errors) - MAX_ERRORS_SHOWN))
    head = tr(lang, "cli.errors", len(exc.errors))
    return typeset((f"{exc.where}{colon(lang)}" if exc.where else "") + head + "\n  " + "\n  ".join(shown), lang)


def parse_params(pairs: Sequence[str], lang: str = "fr") -> dict[str, str]:
    """``["key=value", …]`` as a dict; raises :class:`QueryError` (in ``lang``) on a pair without
    ``=``, or on a key given twice with two values (one parameter holds one value)."""
    from .messages import tr

    params: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise QueryError(tr(lang, "cli.param", pair=repr(pair)))
        known = params.get(key.strip())
        if known is not None and known != value:
            raise QueryError(tr(lang, "cli.param_twice", name=repr(key.strip()), first=repr(known[:80]),
                                second=repr(value[:80])))
        params[key.strip()] = value
    return params


def refuse_store(args: argparse.Namespace, what: str) -> None:
    """Refuse ``--store`` (exit 2) for a command that works on a workspace's files, not on a store
    (``export-matrix``, ``import-matrix``, ``diff``): it would otherwise be ignored silently and the
    command would answer from ``--data`` — or the shipped data — instead (issue #16)."""
    from .messages import tr

    store = getattr(args, "store", None)
    if store:
        raise CiptError(tr(getattr(args, "ui_lang", "fr"), "cli.no_store", what=what, store=store))


def writable_workspace(args: argparse.Namespace, what: str):
    """The workspace named by --data / $CIPT_DATA; refuses the read-only shipped data."""
    from ..paths import resolve_workspace

    from .messages import tr

    workspace = resolve_workspace(args.data)
    if workspace.read_only:
        raise CiptError(tr(getattr(args, "ui_lang", "fr"), "cli.needs_workspace", what=what))
    return workspace


def progress_printer(lang: str = "fr"):
    """A progress line on stderr while an export is read (only on a terminal), in ``lang``."""
    import time

    from ..i18n import number, percent
    from .messages import tr

    if not sys.stderr.isatty():
        return None
    last = [0.0]

    def show(done: int, total: int, fiches: int) -> None:
        now = time.monotonic()
        if now - last[0] < 0.2 and (not total or done < total):
            return
        last[0] = now
        share = tr(lang, "cli.rncp.share", pct=percent(100 * done // total, lang, 0), done=number(done / 1e6, lang, 0),
                   total=number(total / 1e6, lang, 0)) if total else ""
        print(f"\rimport-rncp{colon(lang)}{tr(lang, 'cli.rncp.progress', fiches, share=share)}",
              end="", file=sys.stderr, flush=True)

    return show


def write_stdout(data: bytes) -> None:
    """Write ``data`` whole to standard output.

    A buffered write may write part of it and return the count when the reader goes away
    (``| head``): the rest is written until it is all out, so a reader that stopped raises
    BrokenPipeError (exit 141 in :func:`cipt_graph.cli.main`) instead of a silent cut output.
    """
    out = sys.stdout.buffer
    view = memoryview(data)
    while view:
        written = out.write(view)
        view = view[written if written is not None else len(view):]
    out.flush()
