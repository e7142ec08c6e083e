"""`cipt --help` and `cipt COMMAND --help` follow the language of the messages (issue #15):
`--lang` before or after the command, else the environment, French by default — argparse's own
words ("usage:", "options:", "show this help message and exit") included."""

from __future__ import annotations

import argparse
import inspect
import re

import pytest

from cipt_graph.cli import build_parser, main
from cipt_graph.cli.help_descriptions import DESCRIPTIONS_FR
from cipt_graph.cli.help_text import _BY_DEST, _FR

ENV_VARS = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def _commands() -> list[str]:
    sub = next(a for a in build_parser("en")._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(sub.choices)


def _flat(text: str) -> str:
    """Text without any white space, so that argparse's line wrapping does not matter."""
    return "".join(text.replace("\u00a0", " ").split())


#: English help text (argparse's words, option help, summaries): at least two words, so that a
#: name both languages share ("port", "options") is not counted.
ENGLISH = [text for text, french in _FR.items() if " " in text.strip() and _flat(text) != _flat(french)]
ENGLISH += ["usage:", "positional arguments:", "where the data is:"]
FRENCH = [french for text, french in _FR.items() if " " in french.strip() and _flat(text) != _flat(french)]
FRENCH += ["utilisation\u00a0:", "où sont les données\u00a0:"]


def _help(capsys, monkeypatch, argv: list[str], env_lang: str | None = None) -> str:
    monkeypatch.setenv("COLUMNS", "100")
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    if env_lang:
        monkeypatch.setenv("LANG", env_lang)
    with pytest.raises(SystemExit) as stop:
        main(argv)
    out = capsys.readouterr()
    assert stop.value.code == 0, out.err
    assert "Traceback" not in out.err
    return out.out


@pytest.mark.parametrize("command", [None, *_commands()])
def test_help_is_french_by_default_and_english_on_request(command, capsys, monkeypatch):
    argv = [command] if command else []
    french = _help(capsys, monkeypatch, argv + ["--help"])
    english = _help(capsys, monkeypatch, argv + ["--lang", "en", "--help"])
    for text, other in ((french, ENGLISH), (english, FRENCH)):
        flat = _flat(text)
        left = [s for s in other if _flat(s) in flat]
        assert not left, f"`cipt {command or ''} --help` in the wrong language: {left}"
    assert french.startswith("utilisation\u00a0: cipt") and "affiche cette aide et quitte" in french
    assert english.startswith("usage: cipt") and "show this help message and exit" in english
    assert "options\u00a0:" in french and "options:" in english


def test_lang_before_the_command_and_from_the_environment(capsys, monkeypatch):
    before = _help(capsys, monkeypatch, ["--lang", "en", "import-matrix", "--help"])
    assert "the edited workbook (.xlsx)" in before and "usage:" in before
    from_env = _help(capsys, monkeypatch, ["import-matrix", "--help"], env_lang="en_GB.UTF-8")
    assert from_env == before
    # --lang wins over the environment; the long description and the data options are French
    french = _help(capsys, monkeypatch, ["import-matrix", "--lang", "fr", "--help"], env_lang="en_GB.UTF-8")
    assert "le classeur modifié (.xlsx)" in french and "où sont les données\u00a0:" in french
    assert "rien n'est appliqué tant que tout le fichier n'est pas" in french
    top = _help(capsys, monkeypatch, ["--help"])
    assert "Usages courants\u00a0:" in top and "COMMANDE" in top and "Typical uses" not in top


def test_every_help_string_has_its_french():
    """A help string written in English anywhere in the parser has its French in the catalogue
    (help_text for short texts, help_descriptions for a command's long description)."""
    missing: list[str] = []
    seen: set[int] = set()

    def check(text, where: str) -> None:
        filled = isinstance(text, str) and any(text.startswith(en) for _, en in _BY_DEST.values())
        if isinstance(text, str) and text != argparse.SUPPRESS and not filled and not (
                text in _FR or inspect.cleandoc(text) in _FR):
            missing.append(f"{where}: {text[:70]!r}")

    def walk(parser: argparse.ArgumentParser) -> None:
        if id(parser) in seen:
            return
        seen.add(id(parser))
        if parser.prog not in DESCRIPTIONS_FR:
            check(parser.description, parser.prog)
        for group in parser._action_groups:
            check(group.title, parser.prog)
        for action in parser._actions:
            check(action.help, f"{parser.prog} {action.dest}")
            # argparse names an option's value after its dest (--author AUTHOR) when no metavar is
            # given: that name needs its French too
            takes_value = action.option_strings and action.nargs != 0 and action.choices is None
            metavar = action.metavar or (action.dest.upper() if takes_value else None)
            if isinstance(metavar, str) and metavar.isupper() and metavar not in (
                    "URL", "N", "CODE|IRI", "PORT", "RNCP…"):
                check(metavar, f"{parser.prog} {action.dest} metavar")
            if isinstance(action, argparse._SubParsersAction):
                for choice in action._choices_actions:
                    check(choice.help, f"{parser.prog} {choice.dest}")
                for child in action.choices.values():
                    walk(child)

    walk(build_parser("en"))
    assert not missing, "help without French (add it to cipt_graph/cli/help_text.py):\n" + "\n".join(missing)


def test_positionals_and_formats_are_named_in_the_language(capsys, monkeypatch):
    french = _help(capsys, monkeypatch, ["query", "--help"])
    english = _help(capsys, monkeypatch, ["query", "--lang", "en", "--help"])
    assert "requête" in french.split("arguments\u00a0:")[1] and "format de sortie (par défaut\u00a0: table)" in french
    assert "\n  name " in english and "output format (default: table)" in english
    # every value an option takes is named in French (argparse's default AUTHOR, MESSAGE, HOST too)
    for command, english_names in (("import-matrix", ("--author AUTHOR", "--message MESSAGE")),
                                   ("import-rncp", ("--author AUTHOR",)),
                                   ("serve", ("--host HOST", "--timeout SECONDS", "--cors-origin ORIGIN"))):
        french = _help(capsys, monkeypatch, [command, "--help"])
        left = [name for name in english_names if re.search(re.escape(name) + r"\b", french)]
        assert not left, f"`cipt {command} --help` names values in English: {left}"
        assert "NOM" in french or "ADRESSE" in french or "SECONDES" in french
    listing = _help(capsys, monkeypatch, ["--help"])
    assert "List the named queries" not in listing and "Liste les requêtes nommées" in listing
    described = _help(capsys, monkeypatch, ["queries", "--help"])
    assert "List the named queries" not in described and "Liste les requêtes nommées" in described
    users = _help(capsys, monkeypatch, ["users", "add", "--help"])
    assert " identifiant\n" in users and "username" not in users
