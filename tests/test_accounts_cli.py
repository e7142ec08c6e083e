"""The command line of the team's work, as a tester found it (issue #15): `cipt users` and its
sub-commands list only the options they take; the accounts' refusals name nothing in the other
language; `cipt versions` shows the message given with `-m`; `cipt diff` shows the values before
and after of a changed link (level, hours, status, rationale), in French or in English.

Every command runs as a user runs it (a subprocess of `cipt`), on a real workspace.
"""

from __future__ import annotations

import json
import re

import pytest
import team_helpers as th
from conftest import run_cli

from cipt_graph.editing import edit_link, review_link
from cipt_graph.i18n import typeset
from cipt_graph.paths import resolve_workspace

DATA_OPTIONS = ("--store", "--update-url", "--gsp-url")
#: Sub-command → the options its help lists (besides -h and --lang), and those it must not.
OPTIONS = {
    ("users",): (("--data",), ("--role", "--format", "--password-stdin", "--name", "--replace")),
    ("users", "add"): (("--data", "--role", "--name", "--password-stdin", "--replace"), ("--format",)),
    ("users", "remove"): (("--data",), ("--role", "--format", "--password-stdin", "--replace", "--name")),
    ("users", "list"): (("--data", "--format"), ("--role", "--password-stdin", "--replace", "--name")),
}


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    workspace = tmp_path_factory.mktemp("acct") / "ws"
    done = run_cli("init", str(workspace))
    assert done.returncode == 0, done.stderr
    return workspace


def _run(*args: str, input: str | None = None, code: int = 0):
    done = run_cli(*args, input=input)
    assert done.returncode == code, (done.returncode, done.stdout, done.stderr)
    return done


@pytest.mark.parametrize("command", sorted(OPTIONS))
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_users_help_lists_only_what_applies(command, lang):
    text = _run(*command, "--help", "--lang", lang).stdout
    listed, absent = OPTIONS[command]
    # What the command takes: its usage line(s) and its list of options (the description's
    # examples may name other commands' options).
    usage = text.split("\n\n", 1)[0]
    options = text.split("\noptions\u00a0:\n" if lang == "fr" else "\noptions:\n", 1)[1]
    for option in listed:
        assert re.search(rf"^\s+{option}\b", options, re.M), f"`cipt {' '.join(command)} --help` lacks {option}"
        assert option in usage
    for option in (*absent, *DATA_OPTIONS):
        assert option not in usage + options, f"`cipt {' '.join(command)} --help` lists {option}:\n{text}"
    if lang == "fr":
        assert text.startswith("utilisation\u00a0: cipt users") and "show this help" not in text
    else:
        assert text.startswith("usage: cipt users") and "affiche cette aide" not in text
    if command == ("users",):
        assert all(f"    {action} " in text for action in ("add", "remove", "list"))


#: A refusal of the accounts commands → (what the French message says, what the English one says).
REFUSALS = {
    "short": (["users", "add", "zoe", "--password-stdin"], "court\n",
              "le mot de passe doit avoir au moins 10 caractères", "the password must have at least 10 characters"),
    "long": (["users", "add", "zoe", "--password-stdin"], "x" * 1100 + "\n",
             "le mot de passe doit avoir au plus 1024 caractères", "the password must have at most 1024 characters"),
    "name": (["users", "add", "marie dupont", "--password-stdin"], "assez-long-secret\n",
             "un nom d'utilisateur a de 1 à 64 lettres", "a username has 1 to 64 letters"),
    "exists": (["users", "add", "paul", "--password-stdin"], "assez-long-secret\n",
               "le compte «\u00a0paul\u00a0» existe déjà", "the account 'paul' exists already"),
    "unknown": (["users", "remove", "nobody"], None, "aucun compte nommé «\u00a0nobody\u00a0»", "no account named 'nobody'"),
}
#: Words of each language that must not appear in the other one's message.
ENGLISH = re.compile(r"\b(password|username|role|account|must|exists)\b", re.I)
FRENCH = re.compile(r"\b(mot de passe|compte|rôle|caractères|existe|utilisateur|reçu)\b", re.I)


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_accounts_refusals_speak_one_language(ws, case):
    th.add_user(ws, "paul", "editor", "editeur-secret-777", replace=True)
    args, given, french, english = REFUSALS[case]
    fr = _run(*args, "--data", str(ws), input=given, code=2).stderr
    assert french in fr and not ENGLISH.search(fr.replace("--password-stdin", "")), fr
    en = _run(*args, "--data", str(ws), "--lang", "en", input=given, code=2).stderr
    assert english in en and not FRENCH.search(en), en


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_data_and_lang_before_or_after_the_action(tmp_path, lang):
    """`cipt users --data ws list` as well as `cipt users list --data ws`, for every action, with
    --lang on either side too: the messages are in the language asked, about the workspace named."""
    root = tmp_path / "ws"
    _run("init", str(root))
    ws, other = str(root), str(tmp_path / "absent")
    added = {"fr": "compte zoe (lecteur) enregistré", "en": "account zoe (reader) saved"}[lang]  # reader: the default role
    done = _run("users", "--data", ws, "--lang", lang, "add", "zoe", "--password-stdin", input="assez-long-secret\n")
    assert added in done.stdout and str(root / "accounts.json") in done.stdout, done.stdout
    done = _run("users", "--data", ws, "add", "yann", "--role", "validator", "--password-stdin", "--lang", lang,
                input="assez-long-secret\n")
    assert {"fr": "compte yann (validateur) enregistré", "en": "account yann (validator) saved"}[lang] in done.stdout
    for argv in (("users", "--data", ws, "--lang", lang, "list"), ("users", "--lang", lang, "list", "--data", ws),
                 ("users", "list", "--data", ws, "--lang", lang), ("users", "--data", other, "list", "--data", ws,
                                                                    "--lang", lang)):
        rows = _run(*argv).stdout.splitlines()
        roles = {"fr": ["validateur", "lecteur"], "en": ["validator", "reader"]}[lang]
        assert [row.split()[:2] for row in rows] == [["yann", roles[0]], ["zoe", roles[1]]], (argv, rows)
        assert all(("créé le" if lang == "fr" else "created on") in row for row in rows), rows
    listed = json.loads(_run("users", "--data", ws, "list", "--format", "json").stdout)
    assert [a["username"] for a in listed] == ["yann", "zoe"]
    removed = {"fr": "compte zoe supprimé", "en": "account zoe removed"}[lang]
    assert removed in _run("users", "--data", ws, "--lang", lang, "remove", "zoe").stdout
    refused = _run("users", "--lang", lang, "--data", ws, "remove", "zoe", code=2).stderr
    assert {"fr": "aucun compte nommé «\u00a0zoe\u00a0»", "en": "no account named 'zoe'"}[lang] in refused, refused
    assert _run("users", "remove", "yann", "--data", ws, "--lang", lang).returncode == 0
    assert not json.loads(_run("users", "list", "--format", "json", "--data", ws).stdout)
    # The workspace given before the action is the one used: an absent one is named, not replaced.
    missing = _run("users", "--data", other, "--lang", lang, "list", code=2).stderr
    assert other in missing and {"fr": "n'existe pas", "en": "does not exist"}[lang] in missing, missing


def test_an_unknown_role_in_the_accounts_file_is_named_in_french(tmp_path):
    root = tmp_path / "ws"
    _run("init", str(root))
    (root / "accounts.json").write_text(json.dumps({"accounts": [
        {"username": "marie", "role": "chef", "display_name": "Marie"}]}), encoding="utf-8")
    fr = _run("users", "list", "--data", str(root), code=2).stderr
    assert "rôle inconnu «\u00a0chef\u00a0»\u00a0: choisissez parmi reader (lecteur), editor (éditeur), validator (validateur)" in fr
    assert "role:" not in fr


@pytest.fixture(scope="module")
def history(ws):
    """One link changed in every field (message given), then validated by someone else."""
    workspace = resolve_workspace(ws)
    old = th.link(ws, "M01", "BC05-C1")
    assert old and old["level"] == "I" and old["status"] == "proposed" and not old["hours"]
    edited = edit_link(workspace, "competency", "M01", "BC05-C1", level="R", hours="12", author="Édith Moreau",
                       rationale="Approfondit la communication publique, étude de cas à l'appui.",
                       message="Niveau revu après le conseil de perfectionnement")
    reviewed = review_link(workspace, "competency", "M01", "BC05-C1", decision="validate", reviewer="Victor Lenoir",
                           comment="Vu en conseil")
    return {"before": edited.version.parent, "edit": edited.version.id, "review": reviewed.version.id,
            "old_rationale": old["rationale"]}


@pytest.mark.parametrize("lang, head", [("fr", "message"), ("en", "message")])
def test_versions_show_the_message(ws, history, lang, head):
    lines = _run("versions", "--data", str(ws), "--lang", lang).stdout.splitlines()
    assert lines[0].split()[-1] == head, lines[0]
    row = {line.split()[0]: line for line in lines[1:] if line.strip()}
    assert row[history["edit"]].rstrip().endswith("Niveau revu après le conseil de perfectionnement")
    assert row[history["review"]].rstrip().endswith("Vu en conseil")
    listed = json.loads(_run("versions", "--data", str(ws), "--format", "json").stdout)
    messages = {v["id"]: v["message"] for v in listed}
    assert messages[history["edit"]] == "Niveau revu après le conseil de perfectionnement"
    assert messages[history["review"]] == "M01 → BC05-C1 validé : Vu en conseil"  # (the review names its link)


def test_diff_shows_before_and_after_of_a_changed_link(ws, history):
    a, b = history["before"], history["review"]
    fr = _run("diff", a, b, "--data", str(ws)).stdout.replace("\u00a0", " ").replace("\u202f", " ")
    line = next(line for line in fr.splitlines() if line.strip().startswith("~ M01 → BC05-C1"))
    assert (f"niveau I → R ; heures — → 12 h ; statut proposé → validé ; justification « {history['old_rationale']} »"
            " → « Approfondit la communication publique, étude de cas à l'appui. »") in line, line
    en = _run("diff", a, b, "--data", str(ws), "--lang", "en").stdout
    line = next(line for line in en.splitlines() if line.strip().startswith("~ M01 → BC05-C1"))
    assert (f"level I → R; hours — → 12\u00a0h; status proposed → validated; rationale “{history['old_rationale']}”"
            " → “Approfondit la communication publique, étude de cas à l'appui.”") in line, line
    assert not re.search(r"\b(niveau|heures|statut|proposé|validé)\b", line)
    changed = json.loads(_run("diff", a, b, "--data", str(ws), "--format", "json").stdout)["changed"]
    (entry,) = [c for c in changed if (c["module"], c["competency"]) == ("M01", "BC05-C1")]
    assert entry["before"]["level"] == "I" and entry["after"]["level"] == "R"
    assert entry["before"]["status"] == "proposed" and entry["after"]["status"] == "validated"


@pytest.mark.parametrize("lang, says", [
    ("fr", ("espace de travail qui a des comptes (`cipt users add`)", "ni option ni jeton",
            "--allow-writes (ou CIPT_ALLOW_WRITES=1) accepte en plus les imports", "--read-only (ou CIPT_READ_ONLY=1)",
            typeset("lecture seule stricte : pas de connexion même si l'espace de travail a des comptes", "fr"))),
    ("en", ("a workspace that has accounts (`cipt users add`)", "no option and no token",
            "--allow-writes (or CIPT_ALLOW_WRITES=1) also accepts the imports", "--read-only (or CIPT_READ_ONLY=1)",
            "strictly read-only: no sign-in even when the workspace has accounts"))])
def test_serve_help_says_which_option_turns_on_what(lang, says):
    text = re.sub(r"[ \n]+", " ", _run("serve", "--help", "--lang", lang).stdout)  # argparse's wrapping undone
    for words in says:  # (no-break spaces kept: French typography is checked too)
        assert re.sub(r"[ \n]+", " ", words) in text, words


def test_an_account_added_without_a_role_is_a_reader(ws):
    """Issue #15: reader is the default role, so forgetting --role grants no write access; the
    help says so in both languages."""
    _run("users", "add", "oubli", "--password-stdin", "--data", str(ws), input="oubli-secret-0001\n")
    assert th.accounts(ws)["oubli"]["role"] == "reader"
    help_fr = re.sub(r"[ \n]+", " ", _run("users", "add", "--help", "--lang", "fr").stdout)
    help_en = re.sub(r"\s+", " ", _run("users", "add", "--help", "--lang", "en").stdout)
    assert "(par défaut\u00a0: reader)" in help_fr and "(default: reader)" in help_en, (help_fr, help_en)
