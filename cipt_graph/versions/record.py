"""Recording and reading versions: snapshots of a workspace's source graphs with PROV provenance."""

from __future__ import annotations

import datetime as dt
import getpass
import gzip
import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, XSD

from ..errors import CiptError, InputError, StoreError, os_reason
from ..namespaces import CID, CIPT, account_agent
from ..paths import Workspace
from ..store import OxigraphStore
from .lock import workspace_lock, write_atomic
from .snapshot import iter_snapshot, snapshot_workspace

INDEX_NAME = "index.json"
GRAPHS_DIR = "graphs"
CURRENT = "current"
LATEST = "latest"
_ID = re.compile(r"^v([1-9][0-9]*)$")

#: Coverage node classes counted per version, by the key they get in ``Version.counts``.
LINK_CLASSES = {
    "competency_links": CIPT.CompetencyCoverage,
    "activity_links": CIPT.ActivityCoverage,
    "objective_links": CIPT.ObjectiveCoverage,
}


@dataclass(frozen=True)
class Version:
    """One recorded state of a workspace.

    Attributes:
        id: ``v1``, ``v2``… in recording order.
        created: when it was recorded (ISO 8601, UTC, seconds).
        agent: who made the change (``--author``, else the login name).
        kind: what made it: ``baseline``, ``matrix-import``, ``rncp-import``…
        source: the file the change came from (its name), or a short description.
        source_sha256: the SHA-256 of that file when it was a file, else None.
        message: free text.
        parent: the previous version's id (None for the first).
        counts: coverage links per kind (``competency_links``, ``activity_links``,
            ``objective_links``) and ``triples`` (all snapshot graphs).
        graphs: source graph IRI → SHA-256 of its sorted N-Triples snapshot.
        agent_account: the signed-in account's stable id when the change came from one (its
            PROV agent is then ``cid:agent/account/<id>``), else None (an agent named by ``agent``).
    """

    id: str
    created: str
    agent: str
    kind: str
    source: str
    source_sha256: str | None
    message: str
    parent: str | None
    counts: dict[str, int] = field(default_factory=dict)
    graphs: dict[str, str] = field(default_factory=dict)
    agent_account: str | None = None

    @property
    def iri(self) -> URIRef:
        return CID[f"version/{self.id}"]

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _versions_dir(workspace: Workspace) -> Path:
    if workspace.read_only:
        raise CiptError(
            "no workspace: versions live in a workspace; create one with `cipt init DIR` "
            "and pass --data DIR (or set CIPT_DATA)",
            fr="pas d'espace de travail : les versions vivent dans un espace de travail ; créez-en un avec "
               "`cipt init DOSSIER` et passez --data DOSSIER (ou CIPT_DATA)",
        )
    return workspace.versions_dir


def _count_links(graphs: Mapping[str, bytes]) -> dict[str, int]:
    counts = dict.fromkeys([*LINK_CLASSES, "triples"], 0)
    for data in graphs.values():
        _count_into(counts, data)
    return counts


_TYPE_OF = {key: f"> <{RDF.type}> <{cls}> .\n".encode() for key, cls in LINK_CLASSES.items()}


def _count_into(counts: dict[str, int], data: bytes) -> None:
    """Add one graph's links (typed coverage nodes) and triples to ``counts``, from its canonical
    N-Triples (one statement a line, each once)."""
    counts["triples"] += data.count(b"\n")
    for key, tail in _TYPE_OF.items():
        counts[key] += data.count(tail)


def _file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in 1 MiB pieces (an RNCP export is hundreds of MiB)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _read_index(workspace: Workspace) -> list[Version]:
    path = _versions_dir(workspace) / INDEX_NAME
    if not path.exists():
        return []
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return [Version(**entry) for entry in raw["versions"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise StoreError(f"malformed version index: {exc}", where=str(path),
                         fr="index des versions mal formé : " + (
                             f"JSON invalide ligne {exc.lineno}, colonne {exc.colno}" if isinstance(exc, json.JSONDecodeError)
                             else f"champ manquant ou d'un mauvais type ({exc})")) from exc


def list_versions(workspace: Workspace) -> list[Version]:
    """Every recorded version of the workspace, oldest first (empty when none was recorded)."""
    return _read_index(workspace)


def _blob_path(workspace: Workspace, sha: str) -> Path:
    return _versions_dir(workspace) / GRAPHS_DIR / f"{sha}.nt.gz"


def _prov_record(version: Version, source_path: Path | None) -> bytes:
    """The PROV description of a version, as N-Quads in its named graph ``cid:version/<id>``.

    Built as Oxigraph quads directly (a version of the national referential has 30,000 parts:
    an rdflib graph of them took hundreds of MiB)."""
    node = ox.NamedNode(str(version.iri))
    lines: set[str] = set()  # N-Quads lines (a set, as the graph was); no quad object kept

    def add(s, p, o) -> None:
        lines.add(f"{ox.Quad(s, ox.NamedNode(str(p)), o, node)} .")

    def text(value: str) -> ox.Literal:
        return ox.Literal(value)

    add(node, RDF.type, ox.NamedNode(str(PROV.Bundle)))
    add(node, RDF.type, ox.NamedNode(str(PROV.Entity)))
    add(node, RDFS.label, text(f"version {version.id}"))
    add(node, DCTERMS.identifier, text(version.id))
    add(node, DCTERMS.type, text(version.kind))
    created = str(Literal(version.created, datatype=XSD.dateTime))  # rdflib's lexical form, as before
    add(node, PROV.generatedAtTime, ox.Literal(created, datatype=ox.NamedNode(str(XSD.dateTime))))
    agent = ox.NamedNode(str(account_agent(version.agent_account) if version.agent_account
                             else CID[f"agent/{_slug(version.agent)}"]))
    add(node, PROV.wasAttributedTo, agent)
    add(agent, RDF.type, ox.NamedNode(str(PROV.Agent)))
    add(agent, RDFS.label, text(version.agent))
    if version.message:
        add(node, DCTERMS.description, text(version.message))
    if version.parent:
        add(node, PROV.wasRevisionOf, ox.NamedNode(str(CID[f"version/{version.parent}"])))
    source = ox.NamedNode(str(CID[f"version/{version.id}/source"]))
    add(node, PROV.wasDerivedFrom, source)
    add(source, RDF.type, ox.NamedNode(str(PROV.Entity)))
    add(source, DCTERMS.title, text(version.source))
    if version.source_sha256:
        add(source, DCTERMS.identifier, text(f"sha256:{version.source_sha256}"))
    if source_path is not None:
        add(source, PROV.atLocation, text(str(source_path)))
    for iri, sha in sorted(version.graphs.items()):
        part = ox.NamedNode(str(snapshot_graph_iri(version.id, iri)))
        add(node, DCTERMS.hasPart, part)
        add(part, RDF.type, ox.NamedNode(str(PROV.Entity)))
        add(part, PROV.specializationOf, ox.NamedNode(iri))
        add(part, DCTERMS.identifier, text(f"sha256:{sha}"))
    return "".join(line + "\n" for line in sorted(lines)).encode("utf-8")


def _ox(term):
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype or XSD.string)))
    raise TypeError(term)  # the record holds no blank nodes


def _slug(text: str) -> str:
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^0-9A-Za-z]+", "-", ascii_text.strip().lower()).strip("-") or "unknown"


def snapshot_graph_iri(version_id: str, graph_iri: str) -> URIRef:
    """The name a source graph gets inside a version: ``cid:version/v3/graph/mapping``."""
    name = graph_iri.rsplit("/graph/", 1)[-1] if "/graph/" in graph_iri else _slug(graph_iri)
    return CID[f"version/{version_id}/graph/{name}"]


def default_agent() -> str:
    """The login name ($USER), used when no author is given."""
    try:
        return os.environ.get("USER") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def record_version(
    workspace: Workspace,
    *,
    kind: str,
    source: str | os.PathLike[str],
    agent: str | None = None,
    message: str = "",
    graphs: Mapping[str, bytes] | None = None,
    agent_account: str | None = None,
) -> Version:
    """Keep the workspace's current state as a new version (call it after the change is written).

    Args:
        workspace: the workspace (not the shipped data).
        kind: what made the change (``matrix-import``, ``rncp-import``, ``baseline``…).
        source: the file the change came from (an existing file is hashed) or a description.
        agent: who made it; default the login name.
        message: free text.
        graphs: the snapshot to keep (graph IRI → N-Triples); default the workspace's files now.
        agent_account: the signed-in account's id, when the change came from one.

    Returns:
        The version recorded.

    Raises:
        CiptError: no workspace. InputError: the workspace's files do not build.
        StoreError: the versions folder cannot be written.
    """
    vdir = _versions_dir(workspace)
    snapshot = iter(graphs.items()) if graphs is not None else iter_snapshot(workspace)
    source_path = Path(source) if Path(source).is_file() else None
    source_sha = _file_sha256(source_path) if source_path is not None else None
    with workspace_lock(workspace):
        existing = _read_index(workspace)
        number = max((int(_ID.match(v.id).group(1)) for v in existing if _ID.match(v.id)), default=0) + 1
        hashes: dict[str, str] = {}
        counts = dict.fromkeys([*LINK_CLASSES, "triples"], 0)
        for iri, data in snapshot:  # one graph in memory at a time
            sha = _sha256(data)
            hashes[iri] = sha
            _count_into(counts, data)
            blob = _blob_path(workspace, sha)
            if not blob.exists():
                write_atomic(blob, gzip.compress(data, mtime=0))
        hashes = dict(sorted(hashes.items()))
        version = Version(
            id=f"v{number}",
            created=dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
            agent=agent or default_agent(),
            kind=kind,
            source=source_path.name if source_path is not None else str(source),
            source_sha256=source_sha,
            message=message,
            parent=existing[-1].id if existing else None,
            counts=counts,
            graphs=hashes,
            agent_account=agent_account or None,
        )
        write_atomic(vdir / f"{version.id}.nq", _prov_record(version, source_path.resolve() if source_path else None))
        index = {"format": 1, "versions": [v.as_dict() for v in [*existing, version]]}
        write_atomic(vdir / INDEX_NAME, (json.dumps(index, ensure_ascii=False, indent=2) + "\n").encode("utf-8"))
    return version


#: The message of a ``baseline`` version (French, as recorded; pages show it in their language).
BASELINE_MESSAGE = "état de l'espace de travail avant la première modification enregistrée"
BASELINE_MESSAGES = {"fr": BASELINE_MESSAGE, "en": "the workspace's state before the first recorded change"}


def ensure_baseline(workspace: Workspace, *, agent: str | None = None) -> Version | None:
    """Record the workspace's state as a ``baseline`` version if no version exists yet.

    Call it before writing a first change, so that the change can be diffed against what was there.
    """
    if list_versions(workspace):
        return None
    return record_version(workspace, kind="baseline", source="workspace", agent=agent, message=BASELINE_MESSAGE)


def get_version(workspace: Workspace, ref: str) -> Version:
    """The version named by ``ref``: an id (``v3``, or ``3``) or ``latest``.

    Raises:
        InputError: no such version (the message lists the known ids).
    """
    versions = list_versions(workspace)
    wanted = ref.strip()
    if wanted.isdigit():
        wanted = f"v{wanted}"
    if wanted == LATEST and versions:
        return versions[-1]
    for version in versions:
        if version.id == wanted:
            return version
    known = ", ".join(v.id for v in versions)
    raise InputError(f"unknown version {ref!r} (versions: {known or 'none recorded yet'}; or `current`, `latest`)",
                     fr=f"version inconnue {ref!r} (versions : {known or 'aucune enregistrée'} ; ou `current`, `latest`)")


def read_snapshot(workspace: Workspace, version: Version) -> dict[str, bytes]:
    """The source graphs kept by a version, by their original graph IRI.

    Raises:
        StoreError: a snapshot file is missing or does not match its hash.
    """
    out: dict[str, bytes] = {}
    for iri, sha in version.graphs.items():
        path = _blob_path(workspace, sha)
        try:
            data = gzip.decompress(path.read_bytes())
        except (OSError, EOFError) as exc:
            reason = os_reason(exc, "fr") if getattr(exc, "errno", None) else "fichier gzip tronqué ou endommagé"
            raise StoreError(f"snapshot of {iri} for version {version.id} unreadable: {exc}", where=str(path),
                             fr=f"instantané de {iri} pour la version {version.id} illisible : {reason}") from exc
        if _sha256(data) != sha:
            raise StoreError(f"snapshot of {iri} for version {version.id} is corrupt (hash mismatch)", where=str(path),
                             fr=f"instantané de {iri} pour la version {version.id} corrompu (empreinte différente)")
        out[iri] = data
    return out


def snapshot_of(workspace: Workspace, ref: str) -> tuple[str, dict[str, bytes]]:
    """``(label, graphs)`` for a version id, ``latest`` or ``current``."""
    if ref.strip() == CURRENT:
        return CURRENT, snapshot_workspace(workspace)
    version = get_version(workspace, ref)
    return version.id, read_snapshot(workspace, version)


def load_version(workspace: Workspace, ref: str) -> OxigraphStore:
    """A temporary in-memory store holding a version (or ``current``), ready for the named queries.

    Each source graph is loaded as ``cid:version/<id>/graph/<name>``; queries see their union.
    """
    label, graphs = snapshot_of(workspace, ref)
    return store_of(label, graphs)


def store_of(label: str, graphs: Mapping[str, bytes]) -> OxigraphStore:
    """An in-memory store with ``graphs`` loaded under their per-version names."""
    store = OxigraphStore()
    store.replace_graphs({str(snapshot_graph_iri(label, iri)): data for iri, data in graphs.items()})
    return store


def matching_version(workspace: Workspace) -> Version | None:
    """The latest version whose snapshot equals the workspace's files now (None: unrecorded edits)."""
    versions = list_versions(workspace)
    if not versions:
        return None
    hashes = {iri: _sha256(data) for iri, data in snapshot_workspace(workspace).items()}
    latest = versions[-1]
    return latest if latest.graphs == hashes else None
