"""Helpers shared by the team tests (issue #15): accounts made with the real `cipt users`, signed-in
`httpx` clients of a real `cipt serve`, and the forms of the review and editing pages.

Test scaffolding only (never imported by the package)."""

from __future__ import annotations

import contextlib
import csv
import html
import io
import json
import re
from pathlib import Path

import httpx
from conftest import run_cli

MAPPING = "module_competency.csv"


def token(page: str) -> str:
    """The CSRF token of the first form of ``page``."""
    found = re.search(r'name="csrftoken" value="([^"]+)"', page)
    assert found, "no CSRF token in the page"
    return found.group(1)


def alert(page: str) -> str:
    """The text of the page's error alert ('' when none)."""
    found = re.search(r'role="alert"><p>([^<]+)', page)
    return html.unescape(found.group(1)) if found else ""


def rows(workspace: Path, name: str = MAPPING) -> list[dict[str, str]]:
    """The rows of a mapping file of the workspace."""
    text = (workspace / "mapping" / name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def link(workspace: Path, module: str, competency: str) -> dict[str, str] | None:
    """The module → competency row of the mapping, or None."""
    return next((r for r in rows(workspace) if (r["module"], r["competency"]) == (module, competency)), None)


def versions(workspace: Path) -> list[dict]:
    """`cipt versions --format json`."""
    return json.loads(run_cli("versions", "--format", "json", "--data", str(workspace)).stdout)


def add_user(workspace: Path, user: str, role: str, password: str, *, name: str | None = None,
             replace: bool = False) -> None:
    """`cipt users add` (password on standard input)."""
    args = ["users", "add", user, "--role", role, "--password-stdin", "--data", str(workspace)]
    args += ["--name", name] if name else []
    args += ["--replace"] if replace else []
    done = run_cli(*args, input=password + "\n")
    assert done.returncode == 0, done.stderr


def accounts(workspace: Path) -> dict[str, dict]:
    """`cipt users list --format json`, by username."""
    done = run_cli("users", "list", "--format", "json", "--data", str(workspace))
    assert done.returncode == 0, done.stderr
    return {a["username"]: a for a in json.loads(done.stdout)}


def sign_in(server, user: str, password: str, next_path: str = "/review") -> httpx.Client:
    """A client signed in through the sign-in form (303 expected)."""
    client = httpx.Client(base_url=server.url, follow_redirects=False, timeout=60)
    page = client.get("/login")
    answer = client.post("/login", data={"csrftoken": token(page.text), "username": user,
                                         "password": password, "next": next_path})
    assert answer.status_code == 303, answer.text
    return client


def loaded(client: httpx.Client, module: str, target: str, kind: str = "competency") -> str:
    """The fingerprint the review page's forms carry for the link (``new`` when the page shows
    no such link: what its add form sends), as a person's browser would send it back."""
    page = client.get("/review", params={"kind": kind, "module": module})
    assert page.status_code == 200, page.text[:300]
    row = re.search(rf'<tr [^>]*id="link-{re.escape(module)}-{re.escape(target)}">(.*?)</tr>', page.text, re.S)
    if row is None:
        return "new"
    found = re.search(r'name="loaded" value="([^"]+)"', row.group(1))
    assert found, "no fingerprint in the link's forms"
    return found.group(1)


def propose(client: httpx.Client, module: str, competency: str, level: str = "R") -> None:
    """Add or change a module → competency link with the editing form (303 expected)."""
    form_token = token(client.get("/review").text)
    saved = client.post("/edit/link", data={"csrftoken": form_token, "kind": "competency", "module": module,
                                            "target": competency, "level": level, "rationale": "Proposé pour relecture",
                                            "loaded": loaded(client, module, competency)})
    assert saved.status_code == 303, saved.text


def decide(client: httpx.Client, module: str, competency: str, decision: str, comment: str = "", lang: str = "fr"):
    """Validate or reject a link with the review form; the answer."""
    form_token = token(client.get("/review").text)
    return client.post("/review/decision", data={"csrftoken": form_token, "kind": "competency", "module": module,
                                                 "target": competency, "decision": decision, "comment": comment,
                                                 "lang": lang, "loaded": loaded(client, module, competency)})


def upload(client: httpx.Client, path: Path, message: str = "") -> httpx.Response:
    """Send a workbook with the upload form; the answer."""
    form_token = token(client.get("/edit/upload").text)
    with open(path, "rb") as handle:
        return client.post("/edit/upload", data={"csrftoken": form_token, "message": message},
                           files={"workbook": ("matrice.xlsx", handle, "application/octet-stream")})


@contextlib.contextmanager
def team_site(root: Path, users: dict[str, tuple[str, str]]):
    """A real `cipt serve --data` on a new workspace under ``root`` with these accounts
    (user → (role, password)); yields (server, workspace)."""
    from serve_helpers import serving

    workspace = root / "ws"
    assert run_cli("init", str(workspace)).returncode == 0
    for user, (role, password) in users.items():
        add_user(workspace, user, role, password)
    with serving(["--data", str(workspace)], root / "serve.log") as server:
        yield server, workspace
