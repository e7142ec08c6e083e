"""`cipt users add|remove|list`: the accounts of the people who edit and validate the mapping."""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from ..errors import CiptError
from .common import EXIT_OK, CommandAdder, writable_workspace
from .messages import tr, tr_name


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

      cipt users add marie --role validator --data ws      asks for the password twice
      echo "$PASSWORD" | cipt users add paul --role editor --password-stdin --data ws
      cipt users list --data ws
      cipt users remove paul --data ws
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
                print(f"{a.username:24} {tr_name(lang, 'role', a.role):10} {a.display_name}  ({tr(lang, 'cli.users.created', date=date(a.created, lang))})")
        return EXIT_OK
    if not args.username:
        raise CiptError(tr(lang, "cli.users.needs_name", action=args.action))
    if args.action == "add":
        account = store.add(args.username, args.role, _password(args), display_name=args.name or "",
                            replace=args.replace)
        print(tr(lang, "cli.users.added", user=account.username, role=tr_name(lang, "role", account.role), path=store.path))
    else:
        account = store.remove(args.username)
        print(tr(lang, "cli.users.removed", user=account.username))
    return EXIT_OK


def register(commands: CommandAdder) -> None:
    """Add `users` to the `cipt` parser."""
    p = commands.add("users", cmd_users)
    p.add_argument("action", choices=("add", "remove", "list"), help="what to do")
    p.add_argument("username", nargs="?", help="the sign-in name (add, remove)")
    p.add_argument("--role", choices=("reader", "editor", "validator"), default="editor",
                   help="what the account may do (default: editor)")
    p.add_argument("--name", metavar="TEXT", help="the name shown in versions (default: the username)")
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    p.add_argument("--replace", action="store_true", help="reset an existing account (role, password)")
    p.add_argument("--format", choices=("table", "json"), default="table")
