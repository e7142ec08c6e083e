"""Where the shipped files are, and how a workspace of data files is chosen."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from .errors import CiptError

_PACKAGE = Path(__file__).resolve().parent


def _shipped(name: str) -> Path:
    """A shipped folder: inside the wheel (``_shipped/``) or, in a checkout, at the repository root."""
    installed = _PACKAGE / "_shipped" / name
    if installed.is_dir():
        return installed
    return _PACKAGE.parent / name


ONTOLOGY_DIR = _shipped("ontology")
QUERIES_DIR = _shipped("queries")
DATA_DIR = _shipped("data")

ONTOLOGY_FILE = ONTOLOGY_DIR / "cipt.ttl"
SHAPES_FILES = (ONTOLOGY_DIR / "shapes-violations.ttl", ONTOLOGY_DIR / "shapes-warnings.ttl")

ENV_DATA = "CIPT_DATA"
#: What made a workspace (``cipt init``, when, from which package version): a hidden JSON file
#: of its root, read by the first version (the baseline) to say where the initial state came from.
ORIGIN_FILE = ".cipt-origin.json"


@dataclass(frozen=True)
class Workspace:
    """A folder of data files: Turtle (``*.ttl``), the level scheme and the mapping CSVs.

    Attributes:
        root: the folder.
        read_only: True for the data shipped with the package.
    """

    root: Path
    read_only: bool = False

    @property
    def mapping_dir(self) -> Path:
        return self.root / "mapping"

    @property
    def versions_dir(self) -> Path:
        return self.root / "versions"


def resolve_workspace(data: str | os.PathLike[str] | None = None) -> Workspace:
    """The workspace named by ``data``, else by ``$CIPT_DATA``, else the shipped data (read-only).

    A mapping change a killed process left half-done is completed or undone first
    (:func:`cipt_graph.journal.recover_if_pending`; one ``stat`` when there is none).

    Raises:
        CiptError: the folder named does not exist.
        StoreError: an interrupted change could not be completed (its journal is named).
    """
    chosen = data if data is not None else os.environ.get(ENV_DATA) or None
    if chosen is None:
        return Workspace(DATA_DIR, read_only=True)
    root = Path(chosen).expanduser().resolve()
    if not root.is_dir():
        raise CiptError(
            f"workspace folder does not exist (create one with `cipt init {chosen}`)", where=str(root),
            fr=f"le dossier de l'espace de travail n'existe pas (créez-le avec `cipt init {chosen}`)",
        )
    from .journal import recover_if_pending

    recover_if_pending(root)
    return Workspace(root)


def init_workspace(target: str | os.PathLike[str], *, force: bool = False) -> Workspace:
    """Create a workspace at ``target`` holding a copy of the shipped programme data.

    Raises:
        CiptError: ``target`` exists and is not empty (unless ``force``).
    """
    root = Path(target).expanduser().resolve()
    if root.exists() and any(root.iterdir()) and not force:
        raise CiptError("folder exists and is not empty (use --force to overwrite)", where=str(root),
                        fr="le dossier existe et n'est pas vide (--force pour l'écraser)")
    root.mkdir(parents=True, exist_ok=True)
    for item in DATA_DIR.iterdir():
        if item.name.startswith((".", "__")):
            continue
        if item.is_dir():
            shutil.copytree(item, root / item.name, dirs_exist_ok=True)
        else:
            shutil.copy2(item, root / item.name)
    _write_origin(root)
    return Workspace(root)


def _write_origin(root: Path) -> None:
    import datetime as dt
    import json

    from . import __version__

    created = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    origin = {"format": 1, "command": "cipt init", "created": created, "from": f"cipt-graph {__version__}"}
    (root / ORIGIN_FILE).write_text(json.dumps(origin, indent=2) + "\n", encoding="utf-8")


def read_origin(workspace: Workspace) -> dict[str, str] | None:
    """What made the workspace: ``{"command": "cipt init", "created": ISO 8601 UTC, "from":
    "cipt-graph 0.1.0"}``; None when no readable record is there (a folder made by hand, an
    older workspace, the shipped data)."""
    import json

    try:
        origin = json.loads((workspace.root / ORIGIN_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(origin, dict) or not isinstance(origin.get("command"), str):
        return None
    return {k: v for k, v in origin.items() if isinstance(v, str)}
