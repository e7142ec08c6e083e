"""Recording and reading versions: snapshots of a workspace's source graphs with PROV provenance."""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import os
import re
from collections.abc import Iterator, Mapping
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
from .pack import BlobStore, PackWriter, fsync_dir, pack_path, remove_orphan_packs
from .snapshot import iter_snapshot, snapshot_workspace
from .staged import COUNT_KEYS, LINK_CLASSES, PreparedGraph, StagedGraphs, graph_counts

INDEX_NAME = "index.json"
CURRENT = "current"
LATEST = "latest"
_ID = re.compile(r"^v([1-9][0-9]*)$")

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


def _count_into(counts: dict[str, int], data: bytes) -> None:
    """Add one graph's links (typed coverage nodes) and triples to ``counts``, from its canonical
    N-Triples (one statement a line, each once)."""
    for key, n in zip(COUNT_KEYS, graph_counts(data)):
        counts[key] += n


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


def _prov_record(version: Version, source_path: Path | None) -> Iterator[bytes]:
    """The PROV description of a version, as N-Quads in its named graph ``cid:version/<id>``,
    in pieces of bytes (written as they come: a version of the national referential has 30,000
    parts, ~120,000 lines).

    The version's own statements come first, sorted; then, per part in graph order, its
    ``dcterms:hasPart`` link and its three statements."""
    node = ox.NamedNode(str(version.iri))
    lines: set[str] = set()

    def quad(s, p, o) -> str:
        return f"{ox.Quad(s, ox.NamedNode(str(p)), o, node)} .\n"

    def add(s, p, o) -> None:
        lines.add(quad(s, p, o))

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
    if version.kind == "baseline" and version.agent == BASELINE_AGENT:
        add(agent, RDF.type, ox.NamedNode(str(PROV.SoftwareAgent)))
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
    yield "".join(sorted(lines)).encode("utf-8")
    entity = ox.NamedNode(str(PROV.Entity))
    seen: set[str] = set()
    for iri, sha in sorted(version.graphs.items()):
        part = ox.NamedNode(str(snapshot_graph_iri(version.id, iri)))
        if part.value in seen:  # two graphs with one name would give the same statements (a set, as before)
            yield (quad(part, PROV.specializationOf, ox.NamedNode(iri))
                   + quad(part, DCTERMS.identifier, text(f"sha256:{sha}"))).encode("utf-8")
            continue
        seen.add(part.value)
        yield (quad(node, DCTERMS.hasPart, part) + quad(part, RDF.type, entity)
               + quad(part, PROV.specializationOf, ox.NamedNode(iri))
               + quad(part, DCTERMS.identifier, text(f"sha256:{sha}"))).encode("utf-8")


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
    staged: StagedGraphs | None = None,
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
        staged: snapshots an import made of the files it wrote (used for the files still as written).
        agent_account: the signed-in account's id, when the change came from one.

    Returns:
        The version recorded.

    Raises:
        CiptError: no workspace. InputError: the workspace's files do not build.
        StoreError: the versions folder cannot be written.
    """
    vdir = _versions_dir(workspace)
    snapshot = iter(graphs.items()) if graphs is not None else iter_snapshot(workspace, staged)
    source_path = Path(source) if Path(source).is_file() else None
    source_sha = _file_sha256(source_path) if source_path is not None else None
    with workspace_lock(workspace):
        existing = _read_index(workspace)
        number = max((int(_ID.match(v.id).group(1)) for v in existing if _ID.match(v.id)), default=0) + 1
        version_id = f"v{number}"
        remove_orphan_packs(vdir, [v.id for v in existing])  # what an interrupted record left
        kept = BlobStore(vdir, [v.id for v in existing])
        hashes: dict[str, str] = {}
        counts = dict.fromkeys(COUNT_KEYS, 0)
        pack = PackWriter(pack_path(vdir, version_id), version_id)
        try:
            for iri, data in snapshot:  # one graph in memory at a time, streamed into the pack
                if isinstance(data, PreparedGraph):  # made by the import: not parsed nor compressed again
                    hashes[iri] = data.sha
                    for key, n in zip(COUNT_KEYS, data.counts):
                        counts[key] += n
                    if data.sha not in kept:
                        pack.add_member(data.sha, data.member)
                    continue
                sha = _sha256(data)
                hashes[iri] = sha
                _count_into(counts, data)
                if sha not in kept:
                    pack.add(sha, data)
        except BaseException:
            pack.abort()
            raise
        if pack.blobs:
            pack.commit()  # one fsync for every graph the version adds
        else:
            pack.abort()
        del kept
        hashes = dict(sorted(hashes.items()))
        version = Version(
            id=version_id,
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
        fsync_dir(vdir)  # the index's new name is the commit point: on disk before we return
    return version


#: The message of a ``baseline`` version (French, as recorded; pages show it in their language).
BASELINE_MESSAGE = "état de l'espace de travail avant la première modification enregistrée"
BASELINE_MESSAGES = {"fr": BASELINE_MESSAGE, "en": "the workspace's state before the first recorded change"}
#: Who a ``baseline`` is attributed to: the tool (a ``prov:SoftwareAgent``), never the person whose
#: first change happened to record it: they did not make that state.
BASELINE_AGENT = "cipt-graph"
#: The source of a baseline whose workspace ``cipt init`` made (see :func:`cipt_graph.paths.read_origin`);
#: ``workspace`` when its origin was not recorded.
INIT_SOURCE = "cipt init"


def ensure_baseline(workspace: Workspace, *, agent: str | None = None) -> Version | None:
    """Record the workspace's state as a ``baseline`` version if no version exists yet.

    Call it before writing a first change, so that the change can be diffed against what was there.
    The baseline is attributed to :data:`BASELINE_AGENT` and its source is where the state came
    from (``cipt init`` when the workspace's origin file says so, else ``workspace``): ``agent``,
    the person about to change it, is not its author and is not recorded.
    """
    from ..paths import read_origin

    del agent
    if list_versions(workspace):
        return None
    origin = read_origin(workspace)
    source = INIT_SOURCE if origin and origin.get("command") == INIT_SOURCE else "workspace"
    return record_version(workspace, kind="baseline", source=source, agent=BASELINE_AGENT, message=BASELINE_MESSAGE)


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


def read_snapshot(workspace: Workspace, version: Version, only=None) -> dict[str, bytes]:
    """The source graphs kept by a version, by their original graph IRI (``only``: a test on the
    IRI; the graphs it refuses are not read).

    Raises:
        StoreError: a snapshot file is missing or does not match its hash.
    """
    versions = list_versions(workspace)
    ids = [v.id for v in versions]
    # Packs of this version and the ones before it (a graph is kept by the first version that had it).
    kept = BlobStore(_versions_dir(workspace), ids[: ids.index(version.id) + 1] if version.id in ids else ids)
    return {iri: kept.read(sha, f"snapshot of {iri} for version {version.id}",
                           f"instantané de {iri} pour la version {version.id}") for iri, sha in version.graphs.items()
            if only is None or only(iri)}


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
    """An in-memory store with ``graphs`` loaded under their per-version names.

    Each graph is parsed once, straight into the new store (a store nobody else reads: no
    all-or-nothing pass is needed; a university's snapshot loads in about half the time).

    Raises:
        StoreError: a graph is not valid N-Triples (named).
    """
    store = OxigraphStore()
    raw = store.oxigraph
    for iri, data in graphs.items():
        name = str(snapshot_graph_iri(label, iri))
        try:
            raw.bulk_load(data, format=ox.RdfFormat.N_TRIPLES, to_graph=ox.NamedNode(name))
        except SyntaxError as exc:
            raise StoreError(f"invalid N-Triples for graph <{name}>: {exc}",
                             fr=f"N-Triples invalides pour le graphe <{name}> : {exc}") from exc
    return store


def matching_version(workspace: Workspace) -> Version | None:
    """The latest version whose snapshot equals the workspace's files now (None: unrecorded edits)."""
    versions = list_versions(workspace)
    if not versions:
        return None
    hashes = {iri: _sha256(data) for iri, data in snapshot_workspace(workspace).items()}
    latest = versions[-1]
    return latest if latest.graphs == hashes else None
