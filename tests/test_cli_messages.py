"""The command line speaks the user's language (issue #15): `--lang`, else the environment
(LC_ALL, LC_MESSAGES, LANG), French by default, through the site's Babel catalogs — for the
messages of `import-matrix` and `validate`."""

from __future__ import annotations

import re

import openpyxl
import pytest

from cipt_graph.paths import init_workspace


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
    assert french.stderr.startswith(f"cipt: erreur : {bad}: 2 erreurs, rien n'a été appliqué :")
    assert default.stderr == french.stderr
    assert english.stderr.startswith(f"cipt: error: {bad}: 2 errors, nothing was applied:")
    assert chosen.stderr == english.stderr
    for done in (french, english):
        assert "Activités!B2" in done.stderr and "Objectifs!D2" in done.stderr


def test_import_summary_follows_the_language_with_real_plurals(workbook, cli):
    workspace, path = workbook
    env_fr, env_en = _env("fr_FR.UTF-8"), _env("en_US.UTF-8")
    args = ("import-matrix", str(path), "--data", str(workspace.root))
    assert cli(*args, env=env_fr).stdout.strip() == "classeur valide : aucun changement (rien n'a été écrit)"
    assert cli(*args, env=env_en).stdout.strip() == "valid workbook: no change (nothing was written)"
    wb = openpyxl.load_workbook(path)
    wb["Objectifs"].delete_rows(2)
    wb["Objectifs"].delete_rows(2)
    wb.save(path)
    dry_fr = cli(*args, "--dry-run", env=env_fr).stdout
    dry_en = cli(*args, "--dry-run", env=env_en).stdout
    assert dry_fr.splitlines()[-1] == "classeur valide (essai, rien n'a été écrit) : 0 ajouté, 2 supprimés, 0 modifié"
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
        assert "Avertissement : " in french.stdout and "    règle : " in french.stdout


def test_both_languages_have_the_same_messages_and_placeholders():
    from cipt_graph.cli.messages import MESSAGES

    fr, en = MESSAGES["fr"], MESSAGES["en"]
    assert set(fr) == set(en) and len(fr) > 15
    for key in fr:
        assert isinstance(fr[key], dict) == isinstance(en[key], dict), key
        texts = [*(fr[key].values() if isinstance(fr[key], dict) else [fr[key]]),
                 *(en[key].values() if isinstance(en[key], dict) else [en[key]])]
        assert len({frozenset(re.findall(r"{(\w+)}", t)) for t in texts}) == 1, key
