"""Comparing two versions: links added, removed and changed, and the effect on coverage per block.

Both sides are loaded into temporary in-memory stores and read with the named queries
``coverage_matrix`` (the links) and ``hours_per_block`` (covered competencies and hours per
block, with the hours rule stated in that query), so a diff agrees with what ``cipt query`` shows.
The other kinds of change (activity and objective links, modules, RNCP reconciliation, fiches)
come from :mod:`.diff_kinds`, with their own named queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import QueryError
from ..i18n import typeset
from ..namespaces import CID, GRAPH_MAPPING
from ..queries import choose_programme, run_query
from ..paths import Workspace
from ..store import Store, iter_records, select
from .diff_kinds import KindChanges, Scope, change_text, compare_other_kinds, render_kinds
from .record import CURRENT, get_version, read_snapshot, snapshot_of, store_of

#: Link fields compared, with the coverage_matrix variable each comes from.
LINK_FIELDS = {"level": "level_code", "hours": "coverage_hours", "status": "status", "rationale": "rationale",
               # Who validated the link and with what comment (issue #15): a validation shows who.
               "validated_by": "validated_by", "validation_comment": "validation_comment"}


@dataclass
class VersionDiff:
    """What changed from version ``a`` to version ``b`` (ids, or ``current``).

    Attributes:
        a, b: the versions compared.
        programme: the IRI of the programme the diff is about, when the data holds several and
            one was chosen; None otherwise (with several programmes, each link and block entry
            then names its ``programme``).
        added, removed: module → competency links only in ``b`` / only in ``a``.
        changed: links in both whose level, hours, status, rationale, validator
            (``validated_by``) or validation comment (``validation_comment``) differ; each has
            ``level_before``, ``level_after`` and ``fields`` (the names of what differs).
        blocks: per block, competencies covered, hours and modules before and after.
        others: the other kinds of change, each with ``added``, ``removed`` and ``changed``
            (see :mod:`.diff_kinds`): ``activity_links`` and ``objective_links`` (key
            ``module``, ``target``; fields status, rationale), ``modules`` (key ``module``;
            fields label, hours, period), ``reconciliation`` (brochure block ↔ official block
            matches: key ``certification``, ``block``, ``official_code``; fields
            official_label, matched_competencies) and ``fiches`` (imported RNCP fiches: key
            ``number``; fields title, state, active, dates, source_title, blocks, competencies).
            Each is also a key of :meth:`as_dict`.
    """

    a: str
    b: str
    added: list[dict[str, object]] = field(default_factory=list)
    removed: list[dict[str, object]] = field(default_factory=list)
    changed: list[dict[str, object]] = field(default_factory=list)
    blocks: list[dict[str, object]] = field(default_factory=list)
    others: dict[str, KindChanges] = field(default_factory=dict)
    programme: str | None = None
    #: Programme IRI → its code (``U003``, ``M2_CIPT``), for the text report (not in :meth:`as_dict`).
    codes: dict[str, str] = field(default_factory=dict, repr=False)

    def _kind(self, name: str) -> KindChanges:
        return self.others.get(name) or KindChanges()

    activity_links = property(lambda self: self._kind("activity_links"))
    objective_links = property(lambda self: self._kind("objective_links"))
    modules = property(lambda self: self._kind("modules"))
    reconciliation = property(lambda self: self._kind("reconciliation"))
    fiches = property(lambda self: self._kind("fiches"))

    @property
    def level_changes(self) -> list[dict[str, object]]:
        return [c for c in self.changed if "level" in c["fields"]]

    def summary(self) -> dict[str, int]:
        return {
            "added": len(self.added),
            "removed": len(self.removed),
            "level_changed": len(self.level_changes),
            "changed": len(self.changed),
            "blocks_affected": sum(1 for b in self.blocks if b["changed"]),
        }

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed) and all(k.empty for k in self.others.values())

    def as_dict(self) -> dict[str, object]:
        return {"a": self.a, "b": self.b, **({"programme": self.programme} if self.programme else {}),
                "summary": self.summary(), "added": self.added,
                "removed": self.removed, "changed": self.changed, "blocks": self.blocks,
                **{name: changes.as_dict() for name, changes in self.others.items()}}


def _params(lang: str, scope: Scope) -> dict[str, str]:
    return {"lang": lang, **({"programme": scope.programme} if scope.programme else {})}


def _links(store: Store, lang: str, scope: Scope) -> dict[tuple[str, str], dict[str, object]]:
    out = {}
    for row in iter_records(run_query(store, "coverage_matrix", _params(lang, scope))):
        link = {
            "module": row["module_code"], "module_label": row["module_label"],
            "competency": row["competency_code"], "competency_label": row["competency_label"],
            "block": row["block_code"],
        }
        if scope.several and not scope.programme:
            link["programme"] = row["programme"]
        link.update({name: row[var] for name, var in LINK_FIELDS.items()})
        out[(str(row["module_code"]), str(row["competency_code"]))] = link
    return out


def _blocks(store: Store, lang: str, scope: Scope) -> dict[tuple[str, str], dict[str, object]]:
    """Per (programme, block code) → the ``hours_per_block`` row (one programme: programme is '')."""
    return {(str(r["programme"]) if scope.several and not scope.programme else "", str(r["block_code"])): r
            for r in iter_records(run_query(store, "hours_per_block", _params(lang, scope)))}


def _order(link: dict[str, object]) -> tuple[str, str]:
    return str(link["module"]), str(link["competency"])


def compare_stores(a: str, store_a: Store, b: str, store_b: Store, *, lang: str = "fr",
                   programme: str | None = None) -> VersionDiff:
    """The diff between two stores holding two states of the dataset.

    ``programme`` (code, path or IRI) limits it to that programme when the data holds several:
    its links, its certification's blocks, its modules and their activity and objective links,
    its certification's reconciliation and fiche. Without it, every programme's (each link and
    block entry naming its programme when there are several).

    Raises:
        QueryError: ``programme`` names no programme in either version (the message names
            ``--programme``).
    """
    scope = _scope(store_a, store_b, programme)
    before, after = _links(store_a, lang, scope), _links(store_b, lang, scope)
    diff = VersionDiff(a, b, programme=scope.programme)
    if scope.several:
        for store in (store_a, store_b):
            diff.codes.update((str(r["p"]), str(r["code"])) for r in iter_records(select(store, _CODE_OF)))
    diff.added = sorted((after[k] for k in after.keys() - before.keys()), key=_order)
    diff.removed = sorted((before[k] for k in before.keys() - after.keys()), key=_order)
    for key in sorted(before.keys() & after.keys()):
        old, new = before[key], after[key]
        fields = [name for name in LINK_FIELDS if old[name] != new[name]]
        if fields:
            diff.changed.append({
                **({"programme": new["programme"]} if "programme" in new else {}),
                "module": new["module"], "module_label": new["module_label"], "competency": new["competency"],
                "competency_label": new["competency_label"], "block": new["block"],
                "level_before": old["level"], "level_after": new["level"], "fields": fields,
                "before": {name: old[name] for name in fields}, "after": {name: new[name] for name in fields},
            })
    blocks_a, blocks_b = _blocks(store_a, lang, scope), _blocks(store_b, lang, scope)
    for key in sorted(blocks_a.keys() | blocks_b.keys()):
        old, new = blocks_a.get(key, {}), blocks_b.get(key, {})
        entry = {
            **({"programme": key[0]} if key[0] else {}),
            "block": key[1],
            "block_label": (new or old).get("block_label"),
            "competencies_before": old.get("competencies", 0), "competencies_after": new.get("competencies", 0),
            "covered_before": old.get("covered_competencies", 0), "covered_after": new.get("covered_competencies", 0),
            "hours_before": old.get("hours", 0), "hours_after": new.get("hours", 0),
            "modules_before": old.get("modules", 0), "modules_after": new.get("modules", 0),
        }
        entry["changed"] = any(entry[f"{k}_before"] != entry[f"{k}_after"]
                               for k in ("competencies", "covered", "hours", "modules"))
        diff.blocks.append(entry)
    diff.others = compare_other_kinds(store_a, store_b, lang, scope)
    return diff


_MODULES_OF = """
PREFIX schema: <https://schema.org/>
PREFIX cipt: <https://w3id.org/cipt-graph/ontology#>
SELECT ?code ?rncp WHERE {
  { ?programme schema:hasCourse ?module . ?module schema:courseCode ?code . }
  UNION { ?programme cipt:certification ?certification . ?certification cipt:rncpNumber ?rncp . }
}
"""
_CODE_OF = """
PREFIX cipt: <https://w3id.org/cipt-graph/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?p (SAMPLE(?found) AS ?code) WHERE {
  ?p a cipt:Programme .
  OPTIONAL { ?p skos:notation ?notation . }
  OPTIONAL { ?p dcterms:identifier ?identifier . }
  BIND(COALESCE(?notation, ?identifier, REPLACE(STR(?p), "^.*/", "")) AS ?found)
} GROUP BY ?p
"""
_TWO = "PREFIX cipt: <https://w3id.org/cipt-graph/ontology#> SELECT ?p WHERE { ?p a cipt:Programme } LIMIT 2"


def _scope(store_a: Store, store_b: Store, programme: str | None) -> Scope:
    several = any(len(select(s, _TWO)) > 1 for s in (store_a, store_b))
    if not several:
        if programme is not None:  # an unknown programme is an error, even with one programme
            try:
                choose_programme(store_b, programme)
            except QueryError:
                choose_programme(store_a, programme)
        return Scope()
    try:
        chosen = choose_programme(store_b, programme, needed=False)
    except QueryError:
        if programme is None:
            raise
        chosen = choose_programme(store_a, programme, needed=False)  # a programme the later version removed
    if chosen is None:
        return Scope(several=True)
    codes: set[str] = set()
    certifications: set[str] = set()
    for store in (store_a, store_b):
        for row in iter_records(select(store, _MODULES_OF, {"programme": chosen})):
            if row.get("code") is not None:
                codes.add(str(row["code"]))
            if row.get("rncp") is not None:
                certifications.add(str(row["rncp"]))
    return Scope(several=True, programme=chosen.value, modules=frozenset(codes),
                 certifications=frozenset(certifications))


def _programme_store(workspace: Workspace, ref: str) -> Store:
    """The programme data (top-level Turtle files) of a version, or of the files now."""
    from ..programme_check import is_programme_graph, programme_store, snapshot_programme_store

    if ref.strip() == CURRENT:
        return programme_store(workspace)
    return snapshot_programme_store(read_snapshot(workspace, get_version(workspace, ref), only=is_programme_graph))


def _side(workspace: Workspace, ref: str, modules: frozenset[str] | None) -> tuple[str, dict[str, bytes]]:
    """``(label, graphs)`` of a version, or of the files now. The files now, for a diff of one
    programme of several (``modules``: its modules' codes), are read by Oxigraph with only that
    programme's mapping rows (:func:`cipt_graph.load.workspace_dataset`): the queries scoped to
    it give the same rows as on the whole snapshot, which rdflib makes in about a minute at
    university scale (issue #16)."""
    if modules is None:
        return snapshot_of(workspace, ref)
    if ref.strip() != CURRENT:
        label, graphs = snapshot_of(workspace, ref)
        mapping = str(GRAPH_MAPPING)
        if mapping in graphs:
            graphs = {**graphs, mapping: _programme_links(graphs[mapping], modules)}
        return label, graphs
    import pyoxigraph as ox

    from ..load import workspace_dataset
    from ..namespaces import GRAPH_ONTOLOGY

    dataset = workspace_dataset(workspace, modules=modules)
    return CURRENT, {g.value: dataset.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=g)
                     for g in dataset.named_graphs() if g.value != str(GRAPH_ONTOLOGY)}


_COVERAGE = f"<{CID['coverage/']}".encode()


def _programme_links(data: bytes, modules: frozenset[str]) -> bytes:
    """A mapping graph's N-Triples without the statements about other modules' coverage nodes
    (``cid:coverage/<module>--<target>``; the module's own links, agents and sources are kept):
    what the queries scoped to a programme never reach, about nine tenths of a university's."""
    wanted = {code.encode("utf-8") for code in modules}
    start = len(_COVERAGE)
    kept = []
    for line in data.split(b"\n"):
        if line.startswith(_COVERAGE):
            node = line[start:line.index(b">")]
            at = node.find(b"--")
            while at != -1 and node[:at] not in wanted:
                at = node.find(b"--", at + 1)
            if at == -1:
                continue
        kept.append(line)
    return b"\n".join(kept)


def _check_programme(workspace: Workspace, a: str, b: str, programme: str) -> None:
    """Raise what :func:`_scope` would for an unknown ``programme``, from the programme data only."""
    store_a, store_b = _programme_store(workspace, a), _programme_store(workspace, b)
    try:
        choose_programme(store_b, programme, needed=False)
    except QueryError:
        choose_programme(store_a, programme, needed=False)


def diff_versions(workspace: Workspace, a: str, b: str, *, lang: str = "fr",
                  programme: str | None = None) -> VersionDiff:
    """Compare two versions of a workspace: ids (``v2``), ``latest`` or ``current`` (the files now);
    of one programme with ``programme`` (see :func:`compare_stores`).

    Raises:
        InputError: an unknown version. CiptError: no workspace. QueryError: an unknown programme.
    """
    modules = None
    if programme is not None and programme.strip():
        _check_programme(workspace, a, b, programme)  # an unknown one fails in a second, not after the build
        from ..programme_check import programme_modules

        try:
            modules = programme_modules(workspace, programme)
        except QueryError:  # a programme only an older version holds: the whole snapshots
            modules = None
    label_a, graphs_a = _side(workspace, a, modules)
    label_b, graphs_b = _side(workspace, b, modules)
    return compare_stores(label_a, store_of(label_a, graphs_a), label_b, store_of(label_b, graphs_b), lang=lang,
                          programme=programme)


def _fmt_number(lang: str):
    from babel.numbers import format_decimal

    locale = "en" if lang == "en" else "fr"
    return lambda value: "" if value is None else format_decimal(value, locale=locale, format="#,##0.##")


def render_diff(diff: VersionDiff, lang: str = "fr") -> str:
    """A plain-text report of a diff, in French (default) or English."""
    fr = lang != "en"
    t = {
        "title": "Différences de {a} à {b}" if fr else "Changes from {a} to {b}",
        "none": "Aucun changement." if fr else "No change.",
        "added": "Liens ajoutés" if fr else "Links added",
        "removed": "Liens supprimés" if fr else "Links removed",
        "changed": "Liens modifiés" if fr else "Links changed",
        "blocks": "Couverture par bloc (compétences couvertes, heures, modules : avant → après)" if fr
        else "Coverage per block (competencies covered, hours, modules: before → after)",
        "level": "niveau" if fr else "level",
    }
    number = _fmt_number(lang)

    def code(item: dict[str, object]) -> str:  # "U003  " before an entry of one programme of several
        return f"{diff.codes.get(str(item['programme']), item['programme'])}  " if "programme" in item else ""

    lines = [t["title"].format(a=diff.a, b=diff.b)
             + (f" ({diff.codes.get(diff.programme, diff.programme)})" if diff.programme else ""), ""]
    if diff.empty:
        lines.append(t["none"])
    for key, links in (("added", diff.added), ("removed", diff.removed)):
        if links:
            lines.append(f"{t[key]} ({len(links)})")
            lines += [f"  {'+' if key == 'added' else '-'} {code(l)}{l['module']} → {l['competency']}  "
                      f"{t['level']} {l['level']}  {l['module_label']} / {l['competency_label']}" for l in links]
            lines.append("")
    if diff.changed:
        lines.append(f"{t['changed']} ({len(diff.changed)})")
        lines += [f"  ~ {code(c)}{c['module']} → {c['competency']}  {change_text(c, lang, number)}" for c in diff.changed]
        lines.append("")
    lines += render_kinds(diff.others.items(), lang, number)
    lines.append(t["blocks"])
    for b in diff.blocks:
        mark = "*" if b["changed"] else " "
        lines.append(
            f" {mark} {code(b)}{b['block']}  {b['covered_before']}/{b['competencies_before']} → "
            f"{b['covered_after']}/{b['competencies_after']}  "
            f"{number(b['hours_before'])} h → {number(b['hours_after'])} h  "
            f"{b['modules_before']} → {b['modules_after']} modules  {b['block_label']}")
    return typeset("\n".join(lines), lang)  # French typography in French
