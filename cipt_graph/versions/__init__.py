"""Versions of a workspace: each accepted import or mapping change kept as a snapshot with PROV provenance.

Layout inside a workspace (every file written atomically: temporary file, ``fsync``, then ``os.replace``)::

    versions/index.json              the list of versions (what ``cipt versions`` shows)
    versions/v3.nq                   the PROV record of version v3, in the named graph cid:version/v3:
                                     who (prov:wasAttributedTo), when (prov:generatedAtTime), from
                                     which file (prov:wasDerivedFrom, with its name and SHA-256),
                                     the previous version (prov:wasRevisionOf), its graphs (dcterms:hasPart)
    versions/packs/v3.pack           the source graphs (sorted N-Triples, gzip) that v3 added, in
                                     one file with its index (:mod:`.pack`); a graph unchanged since an
                                     earlier version is not stored again but read from that version's pack
    versions/graphs/<sha256>.nt.gz   the same, one file per graph, in workspaces recorded before
                                     packs (still read; never written now)

A version snapshots every source graph the builder makes from the workspace (programme, levels,
mapping, imported certifications…; not the shipped ontology). :func:`load_version` loads one
into a temporary store, each graph as ``cid:version/<id>/graph/<name>``, where the named queries
run as on the live dataset.

The API, stable (the RNCP importer uses it too)::

    from cipt_graph.versions import ensure_baseline, record_version, list_versions, diff_versions

    ensure_baseline(workspace)              # before writing a first change: keep the state as v1
    ...write the change into the workspace (atomically)...
    record_version(workspace, kind="rncp-import", source=path, agent="Marie Dupont", message="…")
    list_versions(workspace)                # [Version(id="v1", …), …]
    load_version(workspace, "v2")           # a temporary OxigraphStore
    diff_versions(workspace, "v1", "current").as_dict()
"""

from .diff import VersionDiff, compare_stores, diff_versions, render_diff
from .record import (
    CURRENT,
    LATEST,
    Version,
    default_agent,
    ensure_baseline,
    get_version,
    list_versions,
    load_version,
    matching_version,
    read_snapshot,
    record_version,
)
from .lock import WorkspaceBusy, workspace_lock, write_atomic
from .snapshot import snapshot_workspace

__all__ = [
    "CURRENT", "LATEST", "Version", "VersionDiff", "compare_stores", "default_agent", "diff_versions",
    "ensure_baseline", "get_version", "list_versions", "load_version", "matching_version", "read_snapshot",
    "record_version", "render_diff", "snapshot_workspace", "workspace_lock", "WorkspaceBusy", "write_atomic",
]
