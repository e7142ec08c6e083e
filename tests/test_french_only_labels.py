"""Things labelled in French only (as data from French sources often is: RNCP fiches, ROME,
a programme's own activities) keep their rows when the labels are asked in English, the French
label standing in (issue #16: the job, activity and objective queries dropped every such row,
so the English figures were wrong, not just untranslated)."""

from __future__ import annotations

import pytest

from cipt_graph.build import build_store
from cipt_graph.queries import run_query
from cipt_graph.store import iter_records

QUERIES = ["jobs", "job_paths", "jobs_on_weak_competencies", "jobs_with_unprepared_activities",
           "activities_without_module", "objectives_without_module", "module_objectives"]


@pytest.fixture(scope="module")
def french_only():
    """The shipped programme with every English label removed, and no module linked to an activity
    or objective (a real in-memory Oxigraph store)."""
    store = build_store()
    store._store.update('PREFIX skos: <http://www.w3.org/2004/02/skos/core#> '
                        'DELETE { GRAPH ?g { ?s skos:prefLabel ?l } } WHERE { GRAPH ?g { ?s skos:prefLabel ?l } '
                        'FILTER(LANG(?l) = "en") }')
    # And gaps for the gap queries to find: every module's links to activities and
    # objectives removed (the shipped mapping covers every activity and objective).
    store._store.update('PREFIX cipt: <https://w3id.org/cipt-graph/ontology#> PREFIX schema: <https://schema.org/> '
                        'DELETE { GRAPH ?g { ?m ?p ?x } } WHERE { GRAPH ?g { ?m ?p ?x } '
                        'VALUES ?p { cipt:preparesForActivity cipt:servesObjective } }')
    left = run_query(store, "jobs", {"lang": "fr"})
    assert len(left), "the shipped data has target jobs"
    return store


@pytest.mark.parametrize("name", QUERIES)
def test_rows_labelled_in_french_only_stay_in_english(french_only, store, name):
    fr = list(iter_records(run_query(french_only, name, {"lang": "fr"})))
    en = list(iter_records(run_query(french_only, name, {"lang": "en"})))
    assert fr or name == "module_objectives", name
    assert en == [{**r, "lang": "en"} for r in fr], name  # same rows, French labels standing in
    # Where English labels exist, they are still the ones given (the shipped store has both).
    both = list(iter_records(run_query(store, name, {"lang": "en"})))
    if name in ("jobs", "job_paths", "jobs_on_weak_competencies"):  # untouched by the removed links
        # On failure, every row is shown: a remote run once gave 10 rows here, not reproduced since.
        assert len(both) == len(fr), (name, both)
    labelled = [k for r in both for k, v in r.items() if k.endswith("_label") and v]
    if labelled:
        fr_values = {r[k] for r in fr for k in r if k.endswith("_label") and r[k]}
        assert any(r[k] not in fr_values for r in both for k in r if k.endswith("_label") and r[k]), name
