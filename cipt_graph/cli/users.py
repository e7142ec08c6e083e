"""`cipt users add|remove|list`: the accounts of the people who edit and validate the mapping.

Each action is a sub-command of its own, with only the options it takes (`cipt users add --help`).
"""

from __future__ import annotations

import argparse
import getpass
import inspect
import json
import sys

from ..errors import CiptError
from .common import EXIT_OK, CommandAdder, writable_workspace
from .messages import tr, tr_name

#: The help of a sub-command's --lang (the same words as every command's, see build_parser).
_LANG_HELP = ("language of the messages: fr or en (default: the global --lang, else LANGUAGE / LC_ALL / "
              "LC_MESSAGES / LANG, else fr)")


def _password(args: argparse.Namespace) -> str:
    lang = args.ui_lang
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise CiptError(tr(lang, "cli.users.stdin"))
    first = getpass.getpass(tr(lang, "cli.users.prompt"))
    if first != getpass.getpass(tr(lang, "cli.users.again")):
        raise CiptError(tr(lang, "cli.users.differ"))
    return first


def cmd_users(args: argparse.Namespace) -> int:
    """Manage who may sign in to `cipt serve` to edit or validate the mapping.

    Roles: reader (reads, as anonymous visitors do), editor (changes the mapping: cells,
    workbooks), validator (also validates or rejects proposed links). Accounts are kept in the
    workspace's accounts.json (passwords hashed with Argon2id, file readable by its owner only).
    Once a workspace has accounts, `cipt serve --data DIR` offers sign-in (see `cipt serve --help`).

      cipt users add marie --role validator --data ws      asks for the password twice
      echo "$PASSWORD" | cipt users add paul --role editor --password-stdin --data ws
      cipt users list --data ws
      cipt users --data ws remove paul                      (--data and --lang go before or after ACTION)
    """
    from ..accounts import AccountStore
    from ..i18n import date

    lang = args.ui_lang
    store = AccountStore(writable_workspace(args, "users"))
    if args.action == "list":
        accounts = store.list()
        if args.format == "json":
            print(json.dumps([a.public() for a in accounts], ensure_ascii=False, indent=2))
        elif not accounts:
            print(tr(lang, "cli.users.none"))
        else:
            for a in accounts:
                print(f"{a.username:24} {tr_name(lang, 'role', a.role):10} {a.display_name}  "
                      f"({tr(lang, 'cli.users.created', date=date(a.created, lang))})")
        return EXIT_OK
    if args.action == "add":
        account = store.add(args.username, args.role, _password(args), display_name=args.name or "",
                            replace=args.replace)
        print(tr(lang, "cli.users.added", user=account.username, role=tr_name(lang, "role", account.role),
                 path=store.path))
    else:
        account = store.remove(args.username)
        print(tr(lang, "cli.users.removed", user=account.username))
    return EXIT_OK


def cmd_users_add(args: argparse.Namespace) -> int:
    """Create an account (or reset one with --replace); asks for the password twice.

      cipt users add marie --role validator --name "Marie Dupont" --data ws
      echo "$PASSWORD" | cipt users add paul --role editor --password-stdin --data ws
    """
    return cmd_users(args)


def cmd_users_remove(args: argparse.Namespace) -> int:
    """Remove an account: its sessions end at once."""
    return cmd_users(args)


def cmd_users_list(args: argparse.Namespace) -> int:
    """List the accounts: username, role, name shown, date of creation (never a password)."""
    return cmd_users(args)


def _workspace_option(parser: argparse.ArgumentParser, *, group: bool = False) -> None:
    """--data and --lang, on `cipt users` itself (``group``) and on each of its actions, so that
    both `cipt users --data ws list` and `cipt users list --data ws` work.

    An action's options default to SUPPRESS: argparse copies a sub-command's values over its
    parent's, so a default there would erase what was given before the action's name. Given on
    both sides, the one after the action wins.
    """
    parser.add_argument("--data", metavar="DIR", default=None if group else argparse.SUPPRESS,
                        help="the workspace whose accounts these are, made with `cipt init` (default: $CIPT_DATA)")
    parser.add_argument("--lang", choices=("fr", "en"), default=None if group else argparse.SUPPRESS,
                        help=_LANG_HELP)


def register(commands: CommandAdder) -> None:
    """Add `users` (with its sub-commands `add`, `remove`, `list`) to the `cipt` parser."""
    p = commands.add("users", cmd_users, data=False)
    _workspace_option(p, group=True)
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    for name, func in (("add", cmd_users_add), ("remove", cmd_users_remove), ("list", cmd_users_list)):
        doc = func.__doc__ or name
        child = actions.add_parser(name, help=doc.splitlines()[0], description=inspect.cleandoc(doc),
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
        child.set_defaults(func=func)
        if name == "add":
            child.add_argument("username", help="the sign-in name")
            # Reader by default (issue #15): forgetting --role grants no write access.
            child.add_argument("--role", choices=("reader", "editor", "validator"), default="reader",
                               help="reader (reads), editor (changes the mapping) or validator (also "
                                    "validates links) (default: reader)")
            child.add_argument("--name", metavar="TEXT", help="the name shown in versions (default: the username)")
            child.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
            child.add_argument("--replace", action="store_true", help="reset an existing account (role, password)")
        elif name == "remove":
            child.add_argument("username", help="the sign-in name")
        else:
            child.add_argument("--format", choices=("table", "json"), default="table")
        _workspace_option(child)
