"""What the review page lists: the workspace's modules, targets and levels, and its mapping rows."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from rdflib import Graph
from rdflib.namespace import RDF, SKOS

from ..editing import proposed_by
from ..errors import InputError
from ..linkstate import fingerprint
from ..mapping import LINK_KINDS
from ..paths import Workspace


@dataclass
class Catalogue:
    """Modules (matrix order), block codes, targets per kind of link and levels, with labels in one language."""

    modules: list[dict[str, str]] = field(default_factory=list)
    blocks: list[str] = field(default_factory=list)
    targets: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    levels: list[dict[str, str]] = field(default_factory=list)
    #: The programme's IRI when the workspace holds several and the page is about one (issue #16):
    #: then only its modules, its certification's competencies and its modules' links are listed.
    programme: str | None = None

    def label(self, kind: str, code: str) -> str:
        return next((t["label"] for t in self.targets.get(kind, []) if t["code"] == code), "")

    def block_of(self, code: str) -> str:
        return next((t.get("block", "") for t in self.targets.get("competency", []) if t["code"] == code), "")


def _labelled(graph: Graph, cls, lang: str) -> list[dict[str, str]]:
    out = []
    for subject in graph.subjects(RDF.type, cls):
        code = next((str(n) for n in graph.objects(subject, SKOS.notation)), None)
        if code is None:
            continue
        labels = {getattr(label, "language", None): str(label) for label in graph.objects(subject, SKOS.prefLabel)}
        out.append({"code": code, "label": labels.get(lang) or labels.get("fr") or next(iter(labels.values()), "")})
    return sorted(out, key=lambda t: t["code"])


def catalogue(workspace: Workspace, lang: str, programme: str | None = None) -> Catalogue:
    """The names the review page shows and its forms offer, of ``programme`` (its IRI; needed when
    the workspace holds several). Raises InputError on a damaged workspace, QueryError when
    ``programme`` is missing and needed (the message names the ``programme`` parameter)."""
    from ..build import parse_turtle
    from ..spreadsheet import MatrixModel

    model = MatrixModel.from_workspace(workspace, lang=lang, programme=programme, option="programme")
    graph = Graph()
    for ttl in sorted(workspace.root.glob("*.ttl")):
        graph += parse_turtle(ttl)
    kinds = {kind.target_column: kind for kind in LINK_KINDS}
    return Catalogue(
        modules=[{"code": m.code, "label": m.label, "hours": str(m.hours)} for m in model.modules],
        blocks=[b.code for b in model.blocks],
        targets={
            "competency": [{"code": c.code, "label": c.label, "block": c.block} for c in model.competencies],
            "activity": _labelled(graph, kinds["activity"].target_class, lang),
            "objective": _labelled(graph, kinds["objective"].target_class, lang),
        },
        levels=[{"code": level.code, "label": level.label} for level in model.levels],
        programme=model.programme,
    )


def link_rows(workspace: Workspace, cat: Catalogue, kind: str, *, block: str = "", module: str = "",
              status: str = "") -> list[dict[str, str]]:
    """The mapping rows of one kind (``competency``, ``activity``, ``objective``), filtered."""
    link_kind = next(k for k in LINK_KINDS if k.target_column == kind)
    path = workspace.mapping_dir / link_kind.file_name
    if not path.exists():
        return []
    modules = {m["code"]: m["label"] for m in cat.modules}
    out = []
    for row in csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")):
        target = (row.get(kind) or "").strip()
        code = (row.get("module") or "").strip()
        state = "validated" if (row.get("status") or "").strip() in ("validated", "validé") else "proposed"
        if (module and code != module) or (status and state != status) or (cat.programme and code not in modules):
            continue
        if block and kind == "competency" and cat.block_of(target) != block:
            continue
        out.append({"module": code, "module_label": modules.get(code, ""), "target": target,
                    "target_label": cat.label(kind, target), "level": (row.get("level") or "").strip(),
                    "hours": (row.get("hours") or "").strip(), "status": state,
                    "author": row.get("asserted_by") or "", "date": row.get("asserted_on") or "",
                    "rationale": row.get("rationale") or "", "row": row,
                    # The link as this page shows it: the forms send it back (lost updates refused).
                    "fingerprint": fingerprint(row),
                    # Who validated it, when (ISO UTC), with what comment: '' when not recorded.
                    "validated_by": (row.get("validated_by") or "").strip() if state == "validated" else "",
                    "validated_at": (row.get("validated_at") or "").strip(),
                    "validation_comment": (row.get("validation_comment") or "").strip()})
    return out


def self_validation_allowed(workspace: Workspace) -> bool:
    """Whether the workspace's ``team.toml`` lets a validator validate their own proposals."""
    from ..editing import team_settings

    try:
        return bool(team_settings(workspace)["allow_self_validation"])
    except InputError:
        return False  # a broken team.toml allows nothing more than the default


def validated_by(result, own: tuple | None = None) -> list[str]:
    """The links a workbook would add or turn ``validated`` (``module → target``): the
    validator's decision, which an editor's upload may not make.

    With ``own`` = (workspace, the uploader's account id, their names): only those the uploader
    proposed — new links, links whose level, hours or rationale the workbook changes (they
    become the uploader's), and links the uploader proposed (:func:`~cipt_graph.editing.proposed_by`:
    by account, else by name for a link recorded without one)."""
    def target(r: dict) -> str:
        return r.get("competency") or r.get("activity") or r.get("objective") or ""

    rows = [r for r in result.added if r.get("status") == "validated"]
    rows += [c for c in result.changed if (c.get("after") or {}).get("status") == "validated"]
    if own is not None:
        workspace, account_id, ids = own
        authors: dict[tuple[str, str], dict[str, str]] = {}
        for kind in LINK_KINDS:
            path = workspace.mapping_dir / kind.file_name
            if path.is_file():
                for row in csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")):
                    authors[(row.get("module") or "", row.get(kind.target_column) or "")] = row
        rows = [r for r in rows if "fields" not in r or set(r["fields"]) - {"status"}
                or proposed_by(authors.get((r.get("module") or "", target(r)), {}), account_id, ids)]
    return [f"{r.get('module')} → {target(r)}" for r in rows]


#: The review page's status filter: the mapping's statuses, and ``rejected`` (links no longer in
#: the mapping, listed from the versions' review records: :func:`rejections`).
STATUS_FILTERS = ("proposed", "validated", "rejected")
KIND_FILTERS = ("competency", "activity", "objective")


def filter_refusal(params, cat: Catalogue, lang: str) -> str | None:
    """Why the review page's filters cannot be applied (a sentence in ``lang`` naming the
    parameter and the values it takes), or None: an unknown ``kind``, ``block``, ``module`` or
    ``status`` is refused (400) rather than quietly showing no link."""
    known = {"kind": KIND_FILTERS, "block": tuple(cat.blocks), "module": tuple(m["code"] for m in cat.modules),
             "status": STATUS_FILTERS}
    for name, allowed in known.items():
        value = (params.get(name) or "").strip()
        if value and value not in allowed:
            shown_value = value if len(value) <= 40 else value[:39] + "…"
            listed = ", ".join(allowed[:30]) + (", …" if len(allowed) > 30 else "")
            if lang == "en":
                return f"parameter “{name}”: “{shown_value}” is not a known value (possible values: {listed})"
            return (f"paramètre «\u00a0{name}\u00a0» : «\u00a0{shown_value}\u00a0» n'est pas une valeur connue "
                    f"(valeurs possibles : {listed})")
    return None


def rejections(workspace: Workspace, cat: Catalogue, kind: str, *, block: str = "", module: str = "",
               lang: str = "fr") -> list[dict[str, str]]:
    """The links rejected on the review page, newest first, from the versions' review records
    (a rejected link is removed from the mapping): ``module``, ``target``, labels, who
    (``agent``), when (``created``, ISO UTC), the ``comment`` as typed, the version and its parent."""
    from ..versions import list_versions
    from ..versions.messages import review_decision

    targets = {t["code"] for t in cat.targets.get(kind, [])}
    modules = {m["code"]: m["label"] for m in cat.modules}
    out = []
    for version in reversed(list_versions(workspace)):
        facts = review_decision(version.message) if version.kind == "review" else None
        if facts is None or facts[1] != "reject":
            continue
        code, _, target = facts[0].partition(" → ")
        if target not in targets or (module and code != module) or (block and cat.block_of(target) != block) \
                or (cat.programme and code not in modules):
            continue
        out.append({"module": code, "module_label": modules.get(code, ""), "target": target,
                    "target_label": cat.label(kind, target), "agent": version.agent, "created": version.created,
                    "comment": facts[2], "version": version.id, "parent": version.parent or ""})
    return out


_PROGRAMME_OF_MODULE = ("PREFIX schema: <https://schema.org/> "
                        "SELECT ?p WHERE { ?p schema:hasCourse ?m . ?m schema:courseCode ?code } LIMIT 1")


def programme_of_module(store, code: str) -> str | None:
    """The IRI of the programme teaching the module ``code`` in ``store`` (None: no such module)."""
    import pyoxigraph as ox

    from ..store import select

    found = select(store, _PROGRAMME_OF_MODULE, {"code": ox.Literal(code)}).column("p")
    return found[0].value if found else None


#: :func:`review_programme`'s answer when the workspace holds several programmes and none is given.
OVERVIEW = object()


def review_programme(request, form: dict | None = None):
    """The IRI of the programme a team page is about (its ``programme`` parameter, in the query
    or the form), None when the workspace holds one programme, :data:`OVERVIEW` when it holds
    several and none is given; a value naming none is a 404 naming the parameter (ApiError)."""
    from ..store import select
    from .versions_page import check_programme

    value = str((form or {}).get("programme") or request.query_params.get("programme") or "").strip() or None
    if value is not None:
        return check_programme(request, value)
    two = "PREFIX cipt: <https://w3id.org/cipt-graph/ontology#> SELECT ?p WHERE { ?p a cipt:Programme } LIMIT 2"
    return OVERVIEW if len(select(request.app.state.store, two)) > 1 else None
