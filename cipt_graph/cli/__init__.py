"""The ``cipt`` command line: the programme's competency graph from a terminal.

One module per group of commands (data, queries, audit, mapping, RNCP, views, service); each
has a ``register(commands)`` function that adds its sub-commands. The commands are thin
wrappers over the package's functions.

Exit status: 0 fine, 1 findings (validation, audit), 2 error (bad input, unknown query…),
141 output cut (its reader stopped before the end, as `| head` does).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence

from .. import __version__
from ..errors import CiptError
from ..i18n import env_lang, typeset
from . import audit, data, interchange, mapping, query, rncp, serve, users, views
from .help_text import USAGE, localize
from .messages import tr
from .common import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, CommandAdder, common_options, error_text

#: The groups of commands, in the order `cipt --help` lists them.
GROUPS = (data, query, audit, mapping, rncp, interchange, views, serve, users)

DESCRIPTION = """\
cipt-graph: the competency graph of the Master 2 CIPT (modules and their hours, RNCP blocks and
competencies, professional activities, target jobs), from the command line.

Typical uses:
  cipt stats                              key figures of the programme
  cipt query coverage_matrix              which module covers which competency, at which level
  cipt audit --out audit.html             the accreditation audit report
  cipt init ws && cipt export-matrix --data ws --out matrice.xlsx
                                          edit the mapping in a spreadsheet, then
  cipt import-matrix matrice.xlsx --data ws
  cipt serve                              the web views and SPARQL endpoint on http://127.0.0.1:8000/

Exit status: 0 fine, 1 findings (validation, audit), 2 error (bad input, unknown query…),
141 output cut (its reader stopped before the end, as `| head` does).
"""


__all__ = ["EXIT_ERROR", "EXIT_FINDINGS", "EXIT_OK", "build_parser", "main"]

#: argparse's own error messages (Python 3.11's wording) in French; anything else stays as it is.
_ARGPARSE_FR = (
    (r"invalid choice: (.+) \(choose from (.+)\)", r"choix invalide : \1 (choisir parmi \2)"),
    (r"the following arguments are required: (.+)", r"arguments obligatoires manquants : \1"),
    (r"unrecognized arguments: (.+)", r"arguments non reconnus : \1"),
    (r"expected one argument", r"une valeur est attendue"),
    (r"expected at least one argument", r"au moins une valeur est attendue"),
    (r"invalid (\w+) value: (.+)", r"valeur invalide (\1) : \2"),
    (r"ambiguous option: (\S+) could match (.+)", r"option ambiguë : \1 peut désigner \2"),
    (r"^argument (\S+): ", r"argument \1 : "),
)

#: The language of the messages, known before the arguments are parsed (for argparse's errors).
_PARSE_LANG = ["fr"]


def _argv_lang(argv: Sequence[str]) -> str | None:
    """The value of the first ``--lang fr|en`` (or ``--lang=…``) in ``argv``, if any."""
    for i, arg in enumerate(argv):
        value = argv[i + 1] if arg == "--lang" and i + 1 < len(argv) else (arg[7:] if arg.startswith("--lang=") else None)
        if value in ("fr", "en"):
            return value
    return None


class _Parser(argparse.ArgumentParser):
    """argparse, with its error line and its "usage:" in the language of the messages
    (``cipt: erreur : …``, ``utilisation : cipt …``); the rest of the help is put in that
    language by :func:`help_text.localize`."""

    def _get_formatter(self):
        formatter = super()._get_formatter()
        add_usage, prefix = formatter.add_usage, USAGE[_PARSE_LANG[0]]
        formatter.add_usage = lambda usage, actions, groups, given=None: add_usage(
            usage, actions, groups, prefix if given is None else given)
        # The headings argparse ends with its own colon ("options :"), in French typography too.
        format_help, lang = formatter.format_help, _PARSE_LANG[0]
        formatter.format_help = lambda: typeset(format_help(), lang)
        return formatter

    def error(self, message: str):  # (argparse's signature; it exits)
        import re

        lang = _PARSE_LANG[0]
        if lang == "fr":
            for pattern, french in _ARGPARSE_FR:
                message = re.sub(pattern, french, message)
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"{self.prog}: {tr(lang, 'cli.error')}{typeset(message, lang)}\n")


def build_parser(lang: str | None = None) -> argparse.ArgumentParser:
    """The `cipt` argument parser with every group's sub-commands, its help in ``lang`` (default:
    the language of the messages, French unless ``main`` found another)."""
    parser = _Parser(prog="cipt", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"cipt-graph {__version__}")
    parser.add_argument("--lang", dest="global_lang", choices=("fr", "en"), default=None,
                        help="language of the messages, reports and pages: fr or en (default: the "
                             "environment's LC_ALL / LC_MESSAGES / LANG, else fr); a command's own "
                             "--lang wins")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands = CommandAdder(sub, common_options())
    for group in GROUPS:
        group.register(commands)
    for command in sub.choices.values():  # `cipt COMMAND --lang en` as well as `cipt --lang en COMMAND`
        if "--lang" not in command._option_string_actions:
            command.add_argument("--lang", choices=("fr", "en"), default=None,
                                 help="language of the messages: fr or en (default: the global --lang, "
                                      "else LANGUAGE / LC_ALL / LC_MESSAGES / LANG, else fr)")
    return localize(parser, lang or _PARSE_LANG[0])


#: Exit status when the output's reader went away before the command finished (128 + SIGPIPE).
EXIT_BROKEN_PIPE = 141
#: Signals that stop a command by unwinding it (``finally`` and ``except BaseException`` blocks
#: run: a write in progress restores what it touched, the workspace lock is released) instead of
#: Python's default for SIGTERM and SIGHUP, which ends the process on the spot.
_STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


class Stopped(SystemExit):
    """SIGTERM or SIGHUP arrived while a command ran; its exit status is 128 + the signal's number."""

    def __init__(self, signum: int) -> None:
        super().__init__(128 + signum)
        self.signum = signum


def _stop(signum, frame) -> None:
    raise Stopped(signum)


def main(argv: Sequence[str] | None = None) -> int:
    """Run `cipt` with ``argv`` (default: the process's arguments); returns the exit status."""
    _PARSE_LANG[0] = _argv_lang(sys.argv[1:] if argv is None else argv) or env_lang()
    parser = build_parser()
    args = parser.parse_args(argv)
    lang = args.lang or args.global_lang or env_lang()
    args.lang = lang
    args.ui_lang = lang  # the language of the messages, for commands without their own --lang
    if args.command != "serve":  # the server has its own graceful stop (cipt_graph/serving.py)
        for signum in _STOP_SIGNALS:
            signal.signal(signum, _stop)
    try:
        return args.func(args)
    except Stopped as exc:
        print(f"cipt: {tr(lang, 'cli.stopped').format(signal=signal.Signals(exc.signum).name)}", file=sys.stderr)
        return exc.code
    except CiptError as exc:
        print(f"cipt: {tr(lang, 'cli.error')}{error_text(exc, lang)}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:
        # The reader stopped reading (`cipt validate | head -1`): the command did not finish, so
        # it does not report success; 141 = 128 + SIGPIPE, what a shell reports for `yes | head`.
        # Python's own flush at exit would fail again: stdout now points to /dev/null.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
