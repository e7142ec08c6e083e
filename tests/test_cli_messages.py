"""The command line speaks the user's language (issue #15): `--lang`, else the environment
(LC_ALL, LC_MESSAGES, LANG), French by default, through the site's Babel catalogs — for the
messages of `import-matrix` and `validate`."""

from __future__ import annotations

import re

import openpyxl
import pytest

from cipt_graph.i18n import typeset
from cipt_graph.paths import init_workspace


def fr(text: str) -> str:
    """French text as the command line prints it: written here with plain spaces, printed with a
    no-break space before « : », a narrow one before « ; ! ? » and inside « … » (French typography)."""
    return typeset(text, "fr")


def _env(lang_var: str) -> dict[str, str]:
    return {"LANG": lang_var, "LC_ALL": "", "LC_MESSAGES": "", "LANGUAGE": ""}


@pytest.fixture()
def workbook(tmp_path, cli):
    workspace = init_workspace(tmp_path / "ws")
    path = tmp_path / "m.xlsx"
    assert cli("export-matrix", "--data", str(workspace.root), "--out", str(path)).returncode == 0
    return workspace, path


def test_import_errors_follow_the_language(workbook, cli, tmp_path):
    workspace, path = workbook
    wb = openpyxl.load_workbook(path)
    wb["Activités"].cell(2, 2).value = "A99"
    wb["Objectifs"].cell(2, 4).value = "peut-être"
    bad = tmp_path / "bad.xlsx"
    wb.save(bad)
    args = ("import-matrix", str(bad), "--data", str(workspace.root))
    french = cli(*args, env=_env("fr_FR.UTF-8"))
    english = cli(*args, env=_env("en_GB.UTF-8"))
    chosen = cli("--lang", "en", *args, env=_env("fr_FR.UTF-8"))
    default = cli(*args, env=_env("C"))
    assert french.returncode == english.returncode == chosen.returncode == default.returncode == 2
    assert french.stderr.startswith(fr(f"cipt: erreur : {bad} : 2 erreurs, rien n'a été appliqué :"))
    assert default.stderr == french.stderr
    assert english.stderr.startswith(f"cipt: error: {bad}: 2 errors, nothing was applied:")
    assert chosen.stderr == english.stderr
    for done in (french, english):
        assert "Activités!B2" in done.stderr and "Objectifs!D2" in done.stderr
    # French typography after each cell's place too (an attacker of issue #15 read « Matrice!E5: »).
    assert "Activités!B2\u00a0: " in french.stderr and "Activités!B2: " in english.stderr


def test_import_summary_follows_the_language_with_real_plurals(workbook, cli):
    workspace, path = workbook
    env_fr, env_en = _env("fr_FR.UTF-8"), _env("en_US.UTF-8")
    args = ("import-matrix", str(path), "--data", str(workspace.root))
    assert cli(*args, env=env_fr).stdout.strip() == fr("classeur valide : aucun changement (rien n'a été écrit)")
    assert cli(*args, env=env_en).stdout.strip() == "valid workbook: no change (nothing was written)"
    wb = openpyxl.load_workbook(path)
    wb["Objectifs"].delete_rows(2)
    wb["Objectifs"].delete_rows(2)
    wb.save(path)
    dry_fr = cli(*args, "--dry-run", env=env_fr).stdout
    dry_en = cli(*args, "--dry-run", env=env_en).stdout
    assert dry_fr.splitlines()[-1] == fr("classeur valide (essai, rien n'a été écrit) : 0 ajouté, 2 supprimés, 0 modifié")
    assert dry_en.splitlines()[-1] == "valid workbook (dry run, nothing was written): 0 added, 2 removed, 0 changed"
    applied = cli(*args, env=env_en)
    assert applied.returncode == 0 and re.search(r"^workbook applied: 0 added, 2 removed, 0 changed; version v\d+ "
                                                 r"recorded \(cipt diff v\d+ v\d+\)$", applied.stdout, re.M)


def test_validate_counts_follow_the_language(cli):
    french = cli("validate", env=_env("fr_FR.UTF-8"))
    english = cli("validate", env=_env("en_US.UTF-8"))
    assert french.returncode == english.returncode
    assert re.search(r"^\d+ violations?, \d+ avertissements?, \d+ informations?$", french.stdout, re.M), french.stdout[-500:]
    assert re.search(r"^\d+ violations?, \d+ warnings?, \d+ infos?$", english.stdout, re.M), english.stdout[-500:]
    if "Warning:" in english.stdout:
        assert "Avertissement\u00a0: " in french.stdout and "    règle\u00a0: " in french.stdout
        assert not re.search(r"\S [:;!?]\s", french.stdout), french.stdout


def test_validate_names_what_it_is_about_for_people(cli, store):
    """Each finding shows its focus node's code and label in the language, and the rule's short
    name, each IRI after them in angle brackets (issue #15), from the real `cipt validate`."""
    import json

    from cipt_graph.store import iter_records, select

    findings = json.loads(cli("validate", "--format", "json").stdout)["findings"]
    assert findings, "the shipped data has findings to show"
    for lang, env, focus_word, shape_word in (("fr", _env("fr_FR.UTF-8"), "objet", "règle"),
                                              ("en", _env("en_US.UTF-8"), "focus", "shape")):
        out = cli("validate", env=env).stdout
        colon = "\u00a0: " if lang == "fr" else ": "
        for f in findings:
            row = next(iter_records(select(store, (
                "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> PREFIX schema: <https://schema.org/> "
                f"SELECT ?code ?label WHERE {{ OPTIONAL {{ <{f['focus']}> skos:notation ?code }} "
                f"OPTIONAL {{ <{f['focus']}> skos:prefLabel|schema:name ?label FILTER(lang(?label) = '{lang}') }} }}"))))
            assert row["label"], f["focus"]
            shown = re.search(rf"^    {focus_word}{colon}(.*) <{re.escape(f['focus'])}>$", out, re.M)
            assert shown, (f["focus"], out[:800])
            assert str(row["label"])[:40] in shown.group(1) and (not row["code"] or shown.group(1).startswith(row["code"]))
            short = f["shape"].rsplit("#", 1)[-1]
            assert f"    {shape_word}{colon}{short} <{f['shape']}>" in out
        assert not re.search(rf"^    {focus_word}{colon}https?://", out, re.M)


def test_both_languages_have_the_same_messages_and_placeholders():
    from cipt_graph.cli.messages import MESSAGES

    fr, en = MESSAGES["fr"], MESSAGES["en"]
    assert set(fr) == set(en) and len(fr) > 15
    for key in fr:
        assert isinstance(fr[key], dict) == isinstance(en[key], dict), key
        texts = [*(fr[key].values() if isinstance(fr[key], dict) else [fr[key]]),
                 *(en[key].values() if isinstance(en[key], dict) else [en[key]])]
        assert len({frozenset(re.findall(r"{(\w+)}", t)) for t in texts}) == 1, key


# --- every command, in French and in English: no string of the other language left ---------------

def _fragments(lang: str) -> set[str]:
    """The literal parts (placeholders cut out) of the command line's strings in ``lang``."""
    from cipt_graph.cli.messages import MESSAGES

    out: set[str] = set()
    for text in MESSAGES[lang].values():
        for form in (text.values() if isinstance(text, dict) else [text]):
            for part in re.split(r"{\w+}|\|", typeset(form, lang)):  # as printed
                part = part.strip(" :;,.()\n\u00a0\u202f")
                if len(part) >= 5 and re.search(r"[^\W\d_]{3}", part):
                    out.add(part)
    return out


def _has(text: str, fragment: str) -> bool:
    """``fragment`` in ``text`` as whole words (``graph`` is not in ``graphe``)."""
    return re.search(rf"(?<!\w){re.escape(fragment)}(?!\w)", text) is not None


def _run(argv: list[str], capsys, stdin: str = "") -> tuple[int, str]:
    """`cipt ARGV` run in this process (the same `main` the `cipt` script runs), its output."""
    import io
    import sys

    from cipt_graph.cli import main

    old = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        code = main(argv)
    except SystemExit as stop:  # argparse's refusals (a missing argument: `cipt users remove`) exit
        code = stop.code
    finally:
        sys.stdin = old
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _every_command(root, lang_args: list[str]) -> list[tuple[list[str], set[int], str]]:
    """(argv, accepted exit codes, stdin) of every command, the language given by ``lang_args``
    placed after the sub-command (the rest of the test passes it before, or by the environment)."""
    from pathlib import Path

    ws = str(root / "ws")
    fixtures = Path(__file__).resolve().parent / "fixtures" / "rncp"
    data = ["--data", ws]
    return [
        (["init", ws], {0}, ""),
        (["build", *data, "--out", str(root / "g.ttl")], {0}, ""),
        (["load", *data, "--store", str(root / "store")], {0}, ""),
        (["load", *data], {2}, ""),
        (["validate", *data], {0, 1}, ""),
        (["stats", *data], {0}, ""),
        (["query", "stats", "--param", "nothing", *data], {2}, ""),
        (["audit", *data, "--out", str(root / "audit.html")], {0, 1}, ""),
        (["audit", *data, "--base-url", "ftp://x"], {2}, ""),
        (["export-matrix", *data, "--out", str(root / "m.xlsx")], {0}, ""),
        (["import-matrix", str(root / "m.xlsx"), *data], {0}, ""),
        (["import-matrix", str(root / "edited.xlsx"), *data, "--dry-run"], {0}, ""),
        (["import-matrix", str(root / "edited.xlsx"), *data, "-m", "essai"], {0}, ""),
        (["import-matrix", str(root / "bad.xlsx"), *data], {2}, ""),
        (["import-matrix", str(root / "m.xlsx")], {2}, ""),
        (["versions", *data], {0}, ""),
        (["diff", "v1", "current", *data], {0}, ""),
        (["import-rncp", str(fixtures / "RNCP38175_crafted.xml"), *data], {0}, ""),
        (["export-case", *data, "--out", str(root / "case.json")], {0}, ""),
        (["export-moodle", *data, "--out", str(root / "moodle.csv")], {0}, ""),
        (["export-elm", *data, "--out", str(root / "elm.json")], {0}, ""),
        (["viz", *data, "--out", str(root / "views")], {0}, ""),
        (["users", "list", *data], {0}, ""),
        (["users", "add", "marie", "--role", "validator", "--password-stdin", *data], {0}, "un-mot-de-passe-long\n"),
        (["users", "list", *data], {0}, ""),
        (["users", "remove", "marie", *data], {0}, ""),
        (["users", "remove", *data], {2}, ""),
        (["serve", "--workers", "0", *data], {2}, ""),
    ]


@pytest.mark.parametrize("lang, how", [("fr", "env"), ("en", "env"), ("fr", "option"), ("en", "option")])
def test_every_command_speaks_one_language(tmp_path, capsys, monkeypatch, lang, how):
    """Each command's output in ``lang`` holds none of the other language's strings, and some of its own.

    The language comes from the environment (LANG) or from ``--lang`` placed after the sub-command
    (with the environment saying the other language, so the option must win)."""
    other = "en" if lang == "fr" else "fr"
    env_lang = {"fr": "fr_FR.UTF-8", "en": "en_GB.UTF-8"}[lang if how == "env" else other]
    for name, value in _env(env_lang).items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("CIPT_DATA", raising=False)
    monkeypatch.delenv("CIPT_STORE", raising=False)
    foreign = _fragments(other) - _fragments(lang)
    own = _fragments(lang) - _fragments(other)
    assert len(foreign) > 60 and len(own) > 60
    lang_args = ["--lang", lang] if how == "option" else []
    for argv, codes, stdin in _every_command(tmp_path, lang_args):
        if argv[0] == "import-matrix" and argv[1].endswith("edited.xlsx") and not (tmp_path / "edited.xlsx").exists():
            wb = openpyxl.load_workbook(tmp_path / "m.xlsx")
            wb["Objectifs"].delete_rows(2)
            wb.save(tmp_path / "edited.xlsx")
            wb["Activités"].cell(2, 2).value = "A99"
            wb.save(tmp_path / "bad.xlsx")
        argv = [argv[0], *lang_args, *argv[1:]]
        code, out = _run(argv, capsys, stdin)
        if argv[0] == "import-rncp":  # the fiche's and the brochure's labels are data, in French
            out = re.sub(r"(↔ \S+|: ).*$", r"\1", out, flags=re.M)
        out = re.sub(r"--role \w+|--[\w-]+|\S*[/#]\S*|\w+\.[a-z]{2,5}\b", " ", out)  # options (and a role's
        # value, `--role editor`), IRIs, paths, files: names in no language
        assert code in codes, (argv, out[-2000:])
        left = sorted(f for f in foreign if _has(out, f))
        assert not left, (argv, left, out[-2000:])
        if argv[0] not in ("stats", "diff"):  # (their words are the data's and the diff report's)
            assert any(_has(out, f) for f in own), (argv, out[-1000:])


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_serve_says_where_it_listens_in_the_language(cli, lang):
    """The real `cipt serve` (a subprocess): its first line, in French or English, then stopped."""
    import subprocess
    import sys

    env = {**__import__("os").environ, **_env("C"), "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen([sys.executable, "-m", "cipt_graph.cli", "serve", "--lang", lang, "--port", "0",
                                "--log-level", "warning"], stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = process.stderr.readline()
    finally:
        process.terminate()
        process.wait(timeout=30)
        process.stderr.close()
    # `--port 0`: the line names the port the system chose, not 0.
    want = {"fr": "cipt-graph\u00a0: service sur http://127\\.0\\.0\\.1:([0-9]+)/ \\(point d'accès SPARQL\u00a0: /sparql\u202f; "
                  "lecture seule\u202f; 1 processus\\)",
            "en": r"cipt-graph: serving on http://127\.0\.0\.1:([0-9]+)/ \(SPARQL endpoint at /sparql; read-only; "
                  r"1 worker\)"}
    match = __import__("re").fullmatch(want[lang], line.strip())
    assert match and 0 < int(match.group(1)) < 65536, line


def test_every_cell_error_of_a_workbook_follows_the_language(workbook, cli, tmp_path):
    """One workbook with a dozen kinds of cell error: in English none of their French words is
    left, in French none of the English ones (the cells are named the same in both)."""
    workspace, path = workbook
    wb = openpyxl.load_workbook(path)
    matrix, why = wb["Matrice"], wb["Justifications"]
    matrix.cell(5, 7).value = "Z"  # not a level
    matrix.cell(6, 7).value = "=1+1"  # a formula
    why.cell(2, 3).value = "abc"  # hours
    why.cell(3, 4).value = "peut-être"  # status
    why.cell(4, 7).value = ""  # empty rationale
    why.cell(5, 2).value = "BC99-C9"  # unknown competency
    why.cell(7, 1).value = "M99"  # unknown module
    wb["Activités"].cell(2, 2).value = "A99"
    wb["Objectifs"].cell(3, 7).value = "=2"
    bad = tmp_path / "many.xlsx"
    wb.save(bad)
    args = ("import-matrix", str(bad), "--data", str(workspace.root))
    french, english = cli(*args, "--lang", "fr"), cli(*args, "--lang", "en")
    assert french.returncode == english.returncode == 2
    cells = lambda text: re.findall(r"^  (\w+!\w+)\u00a0?:", text, re.M)  # noqa: E731
    assert cells(french.stderr) == cells(english.stderr) and len(cells(english.stderr)) >= 9, english.stderr
    french_words = ["inconnu", "justification", "n'est pas", "formule", "saisissez", "niveau", "heures", "statut",
                    "erreur", "rien n'a été"]
    english_words = ["unknown", "rationale", "is not", "formula", "type a", "level of", "hours ≥", "status",
                     "errors,", "nothing was"]
    assert not [w for w in french_words if w in english.stderr], english.stderr
    assert not [w for w in english_words if w in french.stderr], french.stderr


def test_a_stale_workbook_is_refused_in_the_language(workbook, cli, tmp_path):
    """A workbook exported before another import changed the mapping: refused, exit 2, in
    French by default and in English with --lang en."""
    workspace, path = workbook
    wb = openpyxl.load_workbook(path)
    wb["Objectifs"].delete_rows(2)
    first = tmp_path / "first.xlsx"
    wb.save(first)
    assert cli("import-matrix", str(first), "--data", str(workspace.root)).returncode == 0
    wb = openpyxl.load_workbook(path)
    wb["Justifications"].cell(2, 7).value = "Une autre justification, écrite sur l'ancien export."
    stale = tmp_path / "stale.xlsx"
    wb.save(stale)
    french = cli("import-matrix", str(stale), "--data", str(workspace.root))
    english = cli("import-matrix", "--lang", "en", str(stale), "--data", str(workspace.root))
    assert french.returncode == english.returncode == 2
    assert "a changé depuis l'export de ce classeur" in french.stderr and "changed since" not in french.stderr
    assert "mapping changed since this workbook was exported" in english.stderr
    assert "Réexportez" not in english.stderr and english.stderr.startswith("cipt: error: ")


def test_argument_errors_follow_the_language(cli):
    """argparse's own refusals (an unknown choice, a missing or unknown argument) get the same
    language as the rest, from --lang wherever it is, else the environment."""
    french = cli("audit", "--format", "pdf", env=_env("fr_FR.UTF-8"))
    english = cli("audit", "--format", "pdf", "--lang", "en", env=_env("fr_FR.UTF-8"))
    assert french.returncode == english.returncode == 2
    assert fr("cipt audit: erreur : argument --format : choix invalide : 'pdf'") in french.stderr
    assert "cipt audit: error: argument --format: invalid choice: 'pdf'" in english.stderr
    missing = cli("import-matrix", env=_env("C"))
    assert missing.returncode == 2 and fr("arguments obligatoires manquants : fichier") in missing.stderr  # its French name
    unknown = cli("--lang", "en", "stats", "--bogus", env=_env("fr_FR.UTF-8"))
    assert unknown.returncode == 2 and "error: unrecognized arguments: --bogus" in unknown.stderr


# --- the library's errors, printed after `cipt: erreur :`, in the language too --------------------

def _error_cases(root) -> list[tuple[list[str], str, str]]:
    """(argv, a French fragment, an English fragment) of errors raised below the command line."""
    ws, broken = str(root / "ws"), root / "broken"
    data = ["--data", ws]
    return [
        (["stats", "--programme", "XX", *data], "'XX' n'est pas un programme connu", "'XX' is not a known programme"),
        (["query", "nosuch", *data], "requête inconnue 'nosuch' ; requêtes connues :", "unknown query 'nosuch'; known queries:"),
        (["query", "competencies_for_module", "--param", "module=ZZZ", *data],
         "'ZZZ' n'est ni une IRI ni un code connu", "'ZZZ' is neither an IRI nor a known code"),
        (["query", "competencies_for_module", "--param", "colour=blue", *data],
         "la requête 'competencies_for_module' n'a pas de paramètre 'colour'",
         "query 'competencies_for_module' has no parameter 'colour'"),
        (["query", "competencies_for_module", *data], "demande le paramètre 'module'", "needs the parameter 'module'"),
        (["diff", "current", "v99", *data], "version inconnue 'v99'", "unknown version 'v99'"),
        (["stats", "--data", str(root / "nowhere")], "le dossier de l'espace de travail n'existe pas",
         "workspace folder does not exist"),
        (["stats", "--data", str(broken)], "Turtle mal formé : ", "malformed Turtle: "),
        (["load", *data, "--store", "/proc/cipt-store"], "échec de l'écriture dans l'entrepôt : ", "store write failed: "),
        (["stats", "--store", "http://127.0.0.1:1/sparql"], "impossible de joindre le serveur SPARQL : connexion refusée",
         "cannot reach the SPARQL server: connection refused"),
        (["init", ws], "le dossier existe et n'est pas vide", "folder exists and is not empty"),
        (["viz", *data, "--out", "/proc/cipt-views"], "impossible d'écrire les vues : ", "cannot write the views: "),
        (["serve", "--timeout", "-5"], "--timeout doit être positif, reçu -5", "--timeout must be positive, got -5"),
        (["serve", "--cache-bytes", "-1"], "--cache-bytes doit valoir 0 ou plus", "--cache-bytes must be 0 or more"),
        (["serve", "--max-sparql-running", "0"], "--max-sparql-running doit être positif",
         "--max-sparql-running must be positive"),
        (["import-matrix", str(root / "missing.xlsx"), *data], "fichier illisible : fichier ou dossier introuvable",
         "unreadable file: no such file or folder"),
        (["import-matrix", str(root / "junk.xlsx"), *data], "classeur .xlsx endommagé : ", "damaged .xlsx workbook: "),
        (["import-matrix", str(root / "text.xlsx"), *data], "ce n'est pas un classeur .xlsx", "not an .xlsx workbook"),
        # Issue #15, the spreadsheet, queries, stores and service settings: the place in both languages.
        (["import-matrix", str(root / "dtd.xlsx"), *data],
         "classeur illisible : il déclare une DTD ou des entités XML, refusées par sécurité (xl/worksheets/sheet1.xml)",
         "unreadable workbook: it declares a DTD or XML entities, refused for safety (xl/worksheets/sheet1.xml)"),
        (["import-matrix", str(root / "broken-xml.xlsx"), *data],
         "classeur illisible : xl/worksheets/sheet1.xml n'est pas du XML bien formé (ligne 1, colonne",
         "unreadable workbook: xl/worksheets/sheet1.xml is not well-formed XML (line 1, column"),
        (["query", "competencies_for_module", "--param", "module=a b/c", *data],
         "paramètre 'module' : 'a b/c' n'est pas un chemin d'IRI valide sous https://w3id.org/cipt-graph/id/",
         "parameter 'module': 'a b/c' is not a valid IRI path under https://w3id.org/cipt-graph/id/"),
        (["stats", "--programme", "x y", *data], "--programme 'x y' : « x y » n'est pas un code de programme",
         "--programme 'x y': 'x y' is not a programme code"),
        (["serve", "--base-url", "ftp://example.org/"], "--base-url: ce n'est pas une URL http(s) sans requête",
         "--base-url: not an http(s) URL without query"),
        # (more of the library's refusals, through the real `cipt`, in tests/test_error_languages.py)
        (["import-rncp", str(root / "text.xlsx"), *data], "XML mal formé : erreur de syntaxe", "malformed XML: syntax error"),
        (["import-rncp", str(root / "missing.xml"), *data], "fichier introuvable", "no such file"),
        (["users", "list", "--data", str(broken)], "le fichier des comptes n'est pas valide",
         "the accounts file is not valid"),
    ]


def _forged(exported: bytes, part: str, xml: bytes) -> bytes:
    """The workbook ``exported`` with its ``part`` replaced by ``xml``."""
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(exported)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info, xml if info.filename == part else source.read(info.filename))
    return out.getvalue()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_library_errors_follow_the_language(tmp_path, capsys, monkeypatch, lang):
    """Each error the library raises (unknown programme, query, code, version; missing or broken
    workspace; store, server, views; serve's limits named by their option; unreadable workbook)
    is printed in French by default and in English with --lang en, never with the other's frame;
    exit status 2."""
    for name, value in _env("C.UTF-8").items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("CIPT_DATA", raising=False)
    monkeypatch.delenv("CIPT_STORE", raising=False)
    init_workspace(tmp_path / "ws")
    broken = init_workspace(tmp_path / "broken").root
    with open(broken / "programme.ttl", "a", encoding="utf-8") as handle:
        handle.write("\n<urn:x> <urn:y> .\n")
    (tmp_path / "junk.xlsx").write_bytes(b"PK\x03\x04 not really a zip archive")
    (tmp_path / "text.xlsx").write_text("module,competency\n", encoding="utf-8")
    from cipt_graph.paths import Workspace
    from cipt_graph.spreadsheet import MatrixModel, write_matrix_xlsx

    exported = write_matrix_xlsx(MatrixModel.from_workspace(Workspace(tmp_path / "ws")))
    sheet = "xl/worksheets/sheet1.xml"
    (tmp_path / "dtd.xlsx").write_bytes(_forged(exported, sheet, b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "b">]>'
                                                                  b'<worksheet/>'))
    (tmp_path / "broken-xml.xlsx").write_bytes(_forged(exported, sheet, b"<worksheet><row></worksheet>"))
    (broken / "accounts.json").write_text("[", encoding="utf-8")
    lang_args = ["--lang", "en"] if lang == "en" else []
    for argv, french, english in _error_cases(tmp_path):
        code, out = _run([*lang_args, *argv], capsys)
        want, other = (fr(french), english) if lang == "fr" else (english, fr(french))
        assert code == 2, (argv, out)
        head = fr("cipt: erreur : ") if lang == "fr" else "cipt: error: "
        assert out.startswith(head) and want in out, (argv, out)
        assert other not in out, (argv, out)


def test_roles_and_version_kinds_follow_the_language(tmp_path, capsys, monkeypatch):
    """`cipt users list` and `cipt versions` show roles and kinds as words of the language."""
    for name, value in _env("C.UTF-8").items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("CIPT_DATA", raising=False)
    ws = str(init_workspace(tmp_path / "ws").root)
    wb = tmp_path / "m.xlsx"
    assert _run(["export-matrix", "--data", ws, "--out", str(wb)], capsys)[0] == 0
    book = openpyxl.load_workbook(wb)
    book["Objectifs"].delete_rows(2)
    book.save(wb)
    assert _run(["import-matrix", str(wb), "--data", ws], capsys)[0] == 0
    assert _run(["users", "add", "marie", "--role", "validator", "--password-stdin", "--data", ws], capsys,
                "un-mot-de-passe-long\n")[0] == 0
    # (the initial state is nobody's change: its author is "none", its source `cipt init`)
    for lang, words, foreign in (("fr", ["validateur", "état initial", "import du classeur", "cipt init (données livrées)",
                                         "aucun (état initial)", "heure de Paris"],
                                  ["validator", "baseline", "matrix-import", "shipped", "UTC"]),
                                 ("en", ["validator", "baseline", "workbook import", "cipt init (shipped data)",
                                         "none (initial state)", "Paris time"],
                                  ["validateur", "état initial", "matrix-import", "livrées", "UTC"])):
        code_u, users = _run(["users", "list", "--lang", lang, "--data", ws], capsys)
        code_v, versions = _run(["versions", "--lang", lang, "--data", ws], capsys)
        assert code_u == code_v == 0
        shown = users + versions
        assert all(w in shown for w in words), shown
        assert not [w for w in foreign if re.search(rf"(?<!\w){re.escape(w)}(?!\w)", shown)], shown


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_settings_errors_follow_the_language(cli, tmp_path, lang):
    """Settings read from the environment (a workbook limit, the remote store's query method),
    refused in the language of the messages — French by default, English with --lang en — with
    the setting named; exit status 2 (the real `cipt`, a subprocess)."""
    workspace = init_workspace(tmp_path / "ws")
    lang_args = ["--lang", "en"] if lang == "en" else []
    cases = [
        ({"CIPT_XLSX_MAX_ROWS": "-3"}, ["import-matrix", str(tmp_path / "m.xlsx"), "--data", str(workspace.root)],
         "CIPT_XLSX_MAX_ROWS doit être un entier positif, pas «\u00a0-3\u00a0»", "CIPT_XLSX_MAX_ROWS must be a positive integer, not '-3'"),
        ({"CIPT_QUERY_METHOD": "bogus"}, ["stats", "--store", "http://127.0.0.1:1/sparql"],
         "$CIPT_QUERY_METHOD: la méthode de requête est l'une de auto, get, post, direct, pas 'bogus'",
         "$CIPT_QUERY_METHOD: the query method is one of auto, get, post, direct, not 'bogus'"),
        ({"CIPT_QUERY_MAX_GET_URL": "12"}, ["stats", "--store", "http://127.0.0.1:1/sparql"],
         "$CIPT_QUERY_MAX_GET_URL: l'URL GET la plus longue est un nombre entier de caractères de 100 à 1000000, "
         "pas «\u00a012\u00a0»",
         "$CIPT_QUERY_MAX_GET_URL: the longest GET URL is a whole number of characters from 100 to 1000000, not '12'"),
    ]
    for env, argv, french, english in cases:
        done = cli(*lang_args, *argv, env=env)
        want, other = (french, english) if lang == "fr" else (english, french)
        assert done.returncode == 2, done.stderr
        assert want in done.stderr and other not in done.stderr, done.stderr
